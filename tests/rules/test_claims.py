"""Seed 004 §5–§6: decisions and status, exclusions ⑩ ⑪ with continuity, report dates, claim
documents, pay_by (completion day is day 1) and its extensions."""

from datetime import date

import pytest

from groupcover.rules.claims import (
    CLAIM_DOCUMENT_CODES,
    Reason,
    Status,
    check_claim_documents,
    check_decision,
    check_pay_by_extension,
    check_report_dates,
    claim_status,
    continuous_since,
    coverage_decision,
    pay_by,
)
from groupcover.rules.costs import CostRuleError
from groupcover.rules.periods import Span


@pytest.mark.parametrize(
    ("decision", "exclusion", "ok"),
    [
        ("accepted", None, True),
        ("accepted", "6", False),
        ("declined", None, False),
        ("declined", "0", False),
        ("declined", "20", False),
        ("declined", "1", True),
        ("declined", "19", True),
        ("declined", "⑩", False),
    ],
)
def test_decision_needs_exclusion_only_when_declined(decision, exclusion, ok):
    if ok:
        check_decision(decision, exclusion)
    else:
        with pytest.raises(CostRuleError) as err:
            check_decision(decision, exclusion)
        assert err.value.field == "exclusion"


@pytest.mark.parametrize(
    ("decision", "complete", "payable", "paid", "status"),
    [
        (None, False, 0, 0, Status.REPORTED),
        (None, True, 0, 0, Status.CLAIM_COMPLETE),
        ("accepted", True, 1_000, 0, Status.ACCEPTED),
        ("accepted", False, 1_000, 999, Status.ACCEPTED),
        ("accepted", True, 1_000, 1_000, Status.PAID),
        ("accepted", True, 0, 0, Status.ACCEPTED),
        ("declined", True, 0, 0, Status.DECLINED),
    ],
)
def test_claim_status(decision, complete, payable, paid, status):
    assert claim_status(decision, complete, payable, paid) is status


START, END = date(2026, 4, 1), date(2027, 3, 31)
PERIOD = Span(START, END)


@pytest.mark.parametrize(
    ("occurred", "discovered", "period", "known", "covered", "reason"),
    [
        (date(2026, 4, 1), date(2026, 4, 1), PERIOD, None, True, None),
        (date(2027, 3, 31), date(2027, 3, 31), PERIOD, None, True, None),
        (date(2027, 3, 31), date(2027, 4, 2), PERIOD, None, True, None),
        (date(2026, 3, 31), date(2026, 4, 1), None, None, False, Reason.NOT_INSURED_ON_DATE),
        (date(2026, 3, 31), date(2026, 4, 1), PERIOD, None, False, Reason.NOT_INSURED_ON_DATE),
        (date(2027, 4, 1), date(2027, 4, 1), PERIOD, None, False, Reason.NOT_INSURED_ON_DATE),
        (date(2026, 5, 1), date(2026, 3, 31), PERIOD, None, False, Reason.DISCOVERED_BEFORE_PERIOD),
        (date(2026, 5, 1), date(2026, 4, 1), PERIOD, None, True, None),
        (date(2030, 1, 1), date(2030, 1, 1), Span(START), None, True, None),
        (
            date(2026, 3, 31),
            date(2026, 3, 31),
            Span(START),
            None,
            False,
            Reason.NOT_INSURED_ON_DATE,
        ),
        (
            date(2026, 5, 1),
            date(2026, 5, 2),
            PERIOD,
            date(2026, 3, 31),
            False,
            Reason.KNOWN_BEFORE_PERIOD,
        ),
        (date(2026, 5, 1), date(2026, 5, 2), PERIOD, date(2026, 4, 1), True, None),
        (
            date(2026, 5, 1),
            date(2026, 3, 1),
            PERIOD,
            date(2026, 2, 1),
            False,
            Reason.KNOWN_BEFORE_PERIOD,
        ),
    ],
)
def test_coverage_decision(occurred, discovered, period, known, covered, reason):
    decision = coverage_decision(occurred, discovered, period, known)
    assert decision.covered is covered
    assert decision.reason == reason
    assert (decision.reason_text is None) is covered


def test_report_dates_not_after_today():
    today = date(2026, 6, 1)
    check_report_dates(today, today, today, today)
    for kwargs, field in [
        ({"occurred_on": date(2026, 6, 2), "discovered_on": today}, "occurred_on"),
        ({"occurred_on": today, "discovered_on": date(2026, 6, 2)}, "discovered_on"),
        ({"occurred_on": today, "discovered_on": today, "known_on": date(2026, 6, 2)}, "known_on"),
    ]:
        with pytest.raises(CostRuleError) as err:
            check_report_dates(today=today, **kwargs)
        assert err.value.field == field


def test_discovered_not_before_occurred():
    today = date(2026, 6, 1)
    check_report_dates(date(2026, 5, 1), date(2026, 5, 1), today)  # the same day is fine
    with pytest.raises(CostRuleError) as err:
        check_report_dates(date(2026, 5, 2), date(2026, 5, 1), today)
    assert (err.value.field, err.value.rule) == (
        "discovered_on",
        "seed004.5.discovered_after_occurred",
    )


@pytest.mark.parametrize(
    ("requested", "received", "missing"),
    [
        (set(), set(), None),
        ({"ア", "イ"}, {"ア", "イ"}, None),
        ({"ア"}, {"ア", "エ"}, None),
        ({"ア", "ウ"}, {"ア"}, ("ウ",)),
        ({"エ", "ア"}, set(), ("ア", "エ")),
    ],
)
def test_claim_documents_complete_only_when_requested_received(requested, received, missing):
    if missing is None:
        check_claim_documents(requested, received)
    else:
        with pytest.raises(CostRuleError) as err:
            check_claim_documents(requested, received)
        assert err.value.missing == missing and err.value.allowed == ()


def test_claim_documents_codes_are_a_to_e():
    assert CLAIM_DOCUMENT_CODES == ("ア", "イ", "ウ", "エ")
    with pytest.raises(CostRuleError):
        check_claim_documents({"オ"}, set())


@pytest.mark.parametrize(
    ("completed", "expected"),
    [
        (date(2026, 1, 1), date(2026, 1, 30)),
        (date(2026, 1, 31), date(2026, 3, 1)),
        (date(2026, 2, 1), date(2026, 3, 2)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2028, 2, 1), date(2028, 3, 1)),
        (date(2026, 12, 15), date(2027, 1, 13)),
        (date(2026, 12, 31), date(2027, 1, 29)),
        (date(2026, 4, 30), date(2026, 5, 29)),
    ],
)
def test_pay_by_counts_the_completion_day_as_day_one(completed, expected):
    assert pay_by(completed) == expected
    assert (pay_by(completed) - completed).days + 1 == 30


@pytest.mark.parametrize(
    ("extended", "reason", "field"),
    [
        (date(2026, 10, 31), "public_inquiry", None),
        (date(2026, 12, 31), "other", None),
        (date(2026, 10, 30), "public_inquiry", "extended_pay_by"),
        (date(2026, 10, 1), "overseas", "extended_pay_by"),
        (date(2026, 12, 31), "警察の捜査結果の照会", "extension_reason"),
        (date(2026, 12, 31), None, "extension_reason"),
        (None, "disaster_area", "extended_pay_by"),
    ],
)
def test_pay_by_extension_needs_reason_and_later_date(extended, reason, field):
    completed = date(2026, 10, 1)  # standard pay_by 2026-10-30
    if field is None:
        check_pay_by_extension(completed, extended, reason)
    else:
        with pytest.raises(CostRuleError) as err:
            check_pay_by_extension(completed, extended, reason)
        assert err.value.field == field


def _y(start: str, end: str | None) -> Span:
    return Span(date.fromisoformat(start), None if end is None else date.fromisoformat(end))


@pytest.mark.parametrize(
    ("spans", "start", "first"),
    [
        ([_y("2026-04-01", "2027-03-31")], "2026-04-01", "2026-04-01"),
        (
            [_y("2025-04-01", "2026-03-31"), _y("2026-04-01", "2027-03-31")],
            "2026-04-01",
            "2025-04-01",
        ),
        (  # three terms renewed without a gap
            [
                _y("2024-04-01", "2025-03-31"),
                _y("2025-04-01", "2026-03-31"),
                _y("2026-04-01", "2027-03-31"),
            ],
            "2026-04-01",
            "2024-04-01",
        ),
        (  # a one-day gap starts a new chain
            [_y("2025-04-01", "2026-03-30"), _y("2026-04-01", "2027-03-31")],
            "2026-04-01",
            "2026-04-01",
        ),
        (  # gap further back: the chain reaches only to it
            [
                _y("2023-04-01", "2024-03-30"),
                _y("2024-04-01", "2025-03-31"),
                _y("2025-04-01", "2026-03-31"),
            ],
            "2025-04-01",
            "2024-04-01",
        ),
        (  # month end, leap year: a term ending 29 February continues into 1 March
            [_y("2027-03-01", "2028-02-29"), _y("2028-03-01", "2029-02-28")],
            "2028-03-01",
            "2027-03-01",
        ),
        (  # cancelled early, renewed the next day
            [_y("2025-04-01", "2025-09-30"), _y("2025-10-01", "2026-09-30")],
            "2025-10-01",
            "2025-04-01",
        ),
        (  # a later term never extends an earlier one backwards
            [_y("2026-04-01", "2027-03-31"), _y("2027-04-01", "2028-03-31")],
            "2026-04-01",
            "2026-04-01",
        ),
        (  # overlapping spans (a supplier's registrations) join
            [_y("2025-01-01", "2025-12-31"), _y("2025-06-01", "2026-05-31")],
            "2025-06-01",
            "2025-01-01",
        ),
        ([], "2026-04-01", "2026-04-01"),
    ],
)
def test_continuity_chain(spans, start, first):
    assert continuous_since(spans, date.fromisoformat(start)) == date.fromisoformat(first)


@pytest.mark.parametrize(
    ("discovered", "known", "continuous_from", "reason"),
    [
        ("2026-03-15", None, "2025-04-01", None),  # renewed without a gap: still covered
        ("2026-03-15", None, "2026-04-01", Reason.DISCOVERED_BEFORE_PERIOD),
        ("2025-03-31", None, "2025-04-01", Reason.DISCOVERED_BEFORE_PERIOD),
        ("2025-04-01", None, "2025-04-01", None),
        ("2026-05-01", "2025-12-01", "2025-04-01", None),
        ("2026-05-01", "2025-03-31", "2025-04-01", Reason.KNOWN_BEFORE_PERIOD),
        ("2026-05-01", "2026-03-31", None, Reason.KNOWN_BEFORE_PERIOD),
    ],
)
def test_exclusions_10_11_count_from_the_chain(discovered, known, continuous_from, reason):
    decision = coverage_decision(
        date(2026, 5, 1),
        date.fromisoformat(discovered),
        PERIOD,
        None if known is None else date.fromisoformat(known),
        None if continuous_from is None else date.fromisoformat(continuous_from),
    )
    assert decision.reason == reason
