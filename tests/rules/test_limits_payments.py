"""Rule C3 for payments: what remains, and which limit a payment would pass."""

import pytest

from groupcover.rules.limits import (
    Headroom,
    Limits,
    allocate_paid,
    limit_passed,
    payable_total,
    payment_headroom,
    thresholds_reached,
)

SEED = Limits(3_000_000, 10_000_000)


@pytest.mark.parametrize(
    ("incident_paid", "aggregate_paid", "per_incident", "aggregate"),
    [
        (0, 0, 3_000_000, 10_000_000),
        (2_999_999, 9_999_999, 1, 1),
        (3_000_000, 10_000_000, 0, 0),
        (1_000_000, 9_500_000, 2_000_000, 500_000),
        (3_500_000, 12_000_000, 0, 0),  # limits lowered after payments: never negative
    ],
)
def test_payment_headroom(incident_paid, aggregate_paid, per_incident, aggregate):
    assert payment_headroom(SEED, incident_paid, aggregate_paid) == Headroom(
        per_incident, aggregate
    )


@pytest.mark.parametrize(
    ("amount", "headroom", "passed"),
    [
        (3_000_000, Headroom(3_000_000, 10_000_000), None),
        (3_000_001, Headroom(3_000_000, 10_000_000), "per_incident"),
        (500_000, Headroom(2_000_000, 500_000), None),
        (500_001, Headroom(2_000_000, 500_000), "aggregate"),
        (1, Headroom(0, 0), "per_incident"),
        (1, Headroom(5, 0), "aggregate"),
    ],
)
def test_limit_passed(amount, headroom, passed):
    assert limit_passed(amount, headroom) == passed


def test_payable_is_the_smaller_remainder():
    assert Headroom(2_000_000, 500_000).payable == 500_000
    assert Headroom(1, 10).payable == 1


@pytest.mark.parametrize(
    ("incident_paid", "aggregate_paid", "payable", "amount", "passed"),
    [
        (0, 0, 1_000_000, 1_000_000, None),
        (0, 0, 1_000_000, 1_000_001, "approved"),
        (400_000, 0, 1_000_000, 600_001, "approved"),
        (0, 0, 5_000_000, 3_000_001, "per_incident"),
        (0, 9_000_000, 5_000_000, 1_000_001, "aggregate"),
        (0, 0, 0, 1, "approved"),
        (1_200_000, 0, 1_000_000, 1, "approved"),  # lowered below paid: nothing more
    ],
)
def test_payments_bounded_by_approved_less_deductions(
    incident_paid, aggregate_paid, payable, amount, passed
):
    headroom = payment_headroom(SEED, incident_paid, aggregate_paid, payable)
    assert limit_passed(amount, headroom) == passed
    assert headroom.payable >= 0


@pytest.mark.parametrize(
    ("approved", "deducted", "payable"),
    [(5_000_000, 0, 3_000_000), (2_000_000, 500_000, 1_500_000), (100, 100, 0), (0, 0, 0)],
)
def test_payable_total(approved, deducted, payable):
    assert payable_total(SEED, approved, deducted) == payable


@pytest.mark.parametrize(
    ("before", "after", "crossed"),
    [
        (0, 4_999_999, []),
        (0, 5_000_000, [50]),
        (4_999_999, 5_000_000, [50]),
        (5_000_000, 5_000_001, []),
        (0, 8_000_000, [50, 80]),
        (7_999_999, 10_000_000, [80, 100]),
        (0, 10_000_000, [50, 80, 100]),
        (10_000_000, 10_000_000, []),
        (4_000_000, 4_500_000, []),
    ],
)
def test_alert_thresholds_reached_by_a_payment(before, after, crossed):
    assert thresholds_reached(10_000_000, before, after) == crossed


def test_alert_thresholds_with_an_odd_limit():
    """3 yen: 50 % is 1.5 yen, reached at 2 (integers, no rounding down)."""
    assert thresholds_reached(3, 0, 1) == []
    assert thresholds_reached(3, 1, 2) == [50]
    assert thresholds_reached(3, 2, 3) == [80, 100]


@pytest.mark.parametrize(
    ("paid", "approved", "shares"),
    [
        (0, [100, 200], [0, 0]),
        (150, [100, 200], [100, 50]),
        (300, [100, 200], [100, 200]),
        (400, [100, 200], [100, 200]),
        (50, [0, 100], [0, 50]),
        (10, [], []),
    ],
)
def test_allocate_paid_in_line_order(paid, approved, shares):
    assert allocate_paid(paid, approved) == shares
