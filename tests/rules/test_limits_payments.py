"""Rule C3 for payments: what remains, and which limit a payment would pass."""

import pytest

from groupcover.rules.limits import Headroom, Limits, limit_passed, payment_headroom

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
