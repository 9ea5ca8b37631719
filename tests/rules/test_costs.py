"""Seed 004 §3–§6: cause × group × category table, the confirmation path, exclusions ⑩ ⑪ with
continuity, claim documents, pay_by (completion day is day 1), decisions and status."""

from datetime import date

import pytest

from groupcover.rules.costs import (
    APPROVAL_NOTES,
    CATEGORY_ITEMS,
    CATEGORY_NAMES_JA,
    CLAIM_DOCUMENT_CODES,
    DUTIES,
    EXCLUSIONS,
    Category,
    Cause,
    CostRuleError,
    Group,
    Reason,
    Status,
    allowed_groups,
    approval_notes,
    check_approved,
    check_claim_documents,
    check_confirm_attack,
    check_cost_line,
    check_decision,
    check_pay_by_extension,
    check_report_dates,
    claim_status,
    condolence_amount,
    continuous_since,
    coverage_decision,
    pay_by,
)
from groupcover.rules.periods import Span

GROUPS = {
    "leak": {
        "certification",
        "individual_condolence",
        "corporate_condolence",
        "misuse_monitoring",
        "incident_response",
        "recurrence_prevention",
        "data_recovery",
        "system_repair",
    },
    "other": {
        "incident_response",
        "recurrence_prevention",
        "data_recovery",
        "system_repair",
        "corporate_apology",
    },
    "suspected_attack": {"investigation", "isolation", "incident_response"},
    "regulatory": {"investigation_reporting", "legal_action", "prevention_planning"},
}
"""API.md's table, written out independently of the module under test."""

CAUSE_GROUPS = {
    "leak": {"leak", "regulatory"},
    "content": {"other", "regulatory"},
    "attack": {"other", "regulatory"},
    "other_it": {"other", "regulatory"},
    "suspected_attack": {"suspected_attack", "regulatory"},
}
CONFIRMED_GROUPS = {"other", "suspected_attack", "regulatory"}

CATEGORIES = sorted(set().union(*GROUPS.values()))
KATAKANA = list("アイウエオカキクケコサシスセソ")


def _item(group: str, category: str) -> str | None:
    return "エ" if (group, category) == ("suspected_attack", "incident_response") else None


def test_every_category_has_japanese_name_and_enums_match_api():
    assert sorted(c.value for c in Category) == CATEGORIES
    assert set(CATEGORY_NAMES_JA) == set(Category)
    assert sorted(c.value for c in Cause) == sorted(CAUSE_GROUPS)
    assert sorted(g.value for g in Group) == sorted(GROUPS)


CASES = [
    (cause, confirmed, group, category)
    for cause in CAUSE_GROUPS
    for confirmed in ((False, True) if cause == "attack" else (False,))
    for group in GROUPS
    for category in CATEGORIES
]


@pytest.mark.parametrize(("cause", "confirmed", "group", "category"), CASES)
def test_cost_table_every_cause_by_group_by_category(cause, confirmed, group, category):
    groups = CONFIRMED_GROUPS if confirmed else CAUSE_GROUPS[cause]
    item = _item(group, category)
    blocked = confirmed and item is not None  # エ/シ/ス closed once the attack is confirmed
    if group in groups and category in GROUPS[group] and not blocked:
        check_cost_line(cause, group, category, item, confirmed)
        return
    with pytest.raises(CostRuleError) as err:
        check_cost_line(cause, group, category, item, confirmed)
    if group not in groups:
        assert err.value.field == "group" and set(err.value.allowed) == groups
    elif category not in GROUPS[group]:
        assert err.value.field == "category" and set(err.value.allowed) == GROUPS[group]
        assert all(a in err.value.message for a in GROUPS[group])
    else:
        assert err.value.rule == "seed004.3.suspected_attack_actual"


@pytest.mark.parametrize("cause", list(CAUSE_GROUPS))
def test_allowed_groups(cause):
    assert set(allowed_groups(cause)) == CAUSE_GROUPS[cause]


@pytest.mark.parametrize(
    ("item", "ok"), [(k, k in {"エ", "シ", "ス"}) for k in KATAKANA] + [(None, False)]
)
def test_suspected_attack_incident_response_only_e_shi_su(item, ok):
    if ok:
        check_cost_line("suspected_attack", "suspected_attack", "incident_response", item)
    else:
        with pytest.raises(CostRuleError) as err:
            check_cost_line("suspected_attack", "suspected_attack", "incident_response", item)
        assert err.value.field == "item"
        assert err.value.allowed == ("エ", "シ", "ス")


@pytest.mark.parametrize(
    ("group", "category", "item", "ok"),
    [
        ("suspected_attack", "incident_response", "エ", False),
        ("suspected_attack", "investigation", None, True),
        ("suspected_attack", "isolation", None, True),
        ("other", "incident_response", "エ", True),
        ("other", "incident_response", "サ", True),
        ("regulatory", "legal_action", None, True),
        ("leak", "certification", None, False),
    ],
)
def test_confirmation_path_keeps_suspected_group_opens_other(group, category, item, ok):
    """A suspected attack confirmed as an attack (cause attack, confirmed)."""
    if ok:
        check_cost_line("attack", group, category, item, attack_confirmed=True)
    else:
        with pytest.raises(CostRuleError):
            check_cost_line("attack", group, category, item, attack_confirmed=True)


@pytest.mark.parametrize(
    ("cause", "new", "ok"),
    [("suspected_attack", "attack", True)]
    + [("suspected_attack", n, False) for n in ("leak", "content", "other_it", "regulatory")]
    + [(c, "attack", False) for c in ("leak", "content", "attack", "other_it")],
)
def test_only_a_suspected_attack_becomes_an_attack(cause, new, ok):
    if ok:
        check_confirm_attack(cause, new)
    else:
        with pytest.raises(CostRuleError) as err:
            check_confirm_attack(cause, new)
        assert err.value.field == "cause"


@pytest.mark.parametrize(
    ("cause", "item", "ok"),
    [(c, k, True) for c in ("leak", "content", "attack", "other_it") for k in KATAKANA]
    + [("leak", "ン", False), ("attack", "a", False)],
)
def test_incident_response_items_a_to_so_in_own_group(cause, item, ok):
    group = "leak" if cause == "leak" else "other"
    if ok:
        check_cost_line(cause, group, "incident_response", item)
    else:
        with pytest.raises(CostRuleError):
            check_cost_line(cause, group, "incident_response", item)


@pytest.mark.parametrize(
    ("group", "category", "item", "ok"),
    [
        ("regulatory", "investigation_reporting", "キ", True),
        ("regulatory", "investigation_reporting", "ク", False),
        ("leak", "data_recovery", "イ", True),
        ("leak", "data_recovery", "ウ", False),
        ("other", "system_repair", "ウ", True),
        ("other", "system_repair", "エ", False),
        ("leak", "certification", "ア", False),
        ("regulatory", "legal_action", None, True),
        ("leak", "incident_response", None, True),
    ],
)
def test_items_exist_only_where_the_seed_letters_them(group, category, item, ok):
    cause = {"leak": "leak", "other": "attack", "regulatory": "leak"}[group]
    if ok:
        check_cost_line(cause, group, category, item)
    else:
        with pytest.raises(CostRuleError) as err:
            check_cost_line(cause, group, category, item)
        assert err.value.field == "item"
        assert err.value.allowed == tuple(CATEGORY_ITEMS.get(Category(category), {}))


def test_unknown_cause_is_a_value_error():
    with pytest.raises(ValueError):
        check_cost_line("regulatory", "regulatory", "legal_action")


@pytest.mark.parametrize(
    ("category", "codes"),
    [
        ("data_recovery", {"no_ransom"}),
        ("system_repair", {"no_ransom", "no_portable_devices"}),
        ("recurrence_prevention", {"one_off_only"}),
        ("individual_condolence", {"tangible_gifts"}),
        ("investigation", set()),
    ],
)
def test_approval_notes_of_the_cost_table(category, codes):
    assert {n.code for n in approval_notes(category)} == codes
    assert all(n.ja and n.en for notes in APPROVAL_NOTES.values() for n in notes)


@pytest.mark.parametrize(
    ("approved", "claimed", "ok"),
    [(0, 100, True), (100, 100, True), (101, 100, False), (-1, 100, False), (1, 1, True)],
)
def test_approved_between_zero_and_claimed(approved, claimed, ok):
    if ok:
        check_approved(approved, claimed)
    else:
        with pytest.raises(CostRuleError):
            check_approved(approved, claimed)


@pytest.mark.parametrize(
    ("persons", "unit", "amount"), [(1, 500, 500), (38_000, 500, 19_000_000), (100_000, 1, 100_000)]
)
def test_individual_condolence_per_person(persons, unit, amount):
    assert condolence_amount(persons, unit) == amount


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


def test_exclusions_one_to_nineteen_duties_one_to_seven():
    assert list(EXCLUSIONS) == [str(n) for n in range(1, 20)]
    assert list(DUTIES) == [str(n) for n in range(1, 8)]


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
