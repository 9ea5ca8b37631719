"""Seed 004 §3–§6: cause × category table, exclusions ⑩ ⑪, claim documents, pay_by."""

from datetime import date

import pytest

from groupcover.rules.costs import (
    CATEGORY_ITEMS,
    CATEGORY_NAMES_JA,
    CLAIM_DOCUMENT_CODES,
    Category,
    Cause,
    CostRuleError,
    Reason,
    allowed_categories,
    check_claim_documents,
    check_cost_category,
    check_pay_by_extension,
    check_report_dates,
    coverage_decision,
    pay_by,
)
from groupcover.rules.periods import Span

LEAK_ONLY = {"certification", "individual_condolence", "corporate_condolence", "misuse_monitoring"}
CAUSE_TWO = {
    "incident_response",
    "recurrence_prevention",
    "data_recovery",
    "system_repair",
    "corporate_apology",
}
EXPECTED = {
    "leak": LEAK_ONLY | (CAUSE_TWO - {"corporate_apology"}),
    "content": CAUSE_TWO,
    "attack": CAUSE_TWO,
    "other_it": CAUSE_TWO,
    "suspected_attack": {"investigation", "isolation", "incident_response"},
    "regulatory": {"investigation_reporting", "legal_action", "prevention_planning"},
}
"""API.md's table, written out independently of the module under test."""

CATEGORIES = [
    "certification",
    "individual_condolence",
    "corporate_condolence",
    "misuse_monitoring",
    "incident_response",
    "recurrence_prevention",
    "data_recovery",
    "system_repair",
    "corporate_apology",
    "investigation",
    "isolation",
    "investigation_reporting",
    "legal_action",
    "prevention_planning",
]
KATAKANA = list("アイウエオカキクケコサシスセソ")


def test_every_category_has_japanese_name_and_enum_matches_api():
    assert sorted(c.value for c in Category) == sorted(CATEGORIES)
    assert set(CATEGORY_NAMES_JA) == set(Category)
    assert sorted(c.value for c in Cause) == sorted(EXPECTED)


@pytest.mark.parametrize(("cause", "category"), [(c, k) for c in EXPECTED for k in CATEGORIES])
def test_cost_table_every_cause_by_every_category(cause, category):
    item = "エ" if (cause, category) == ("suspected_attack", "incident_response") else None
    if category in EXPECTED[cause]:
        check_cost_category(cause, category, item)
        assert Category(category) in allowed_categories(cause)
    else:
        with pytest.raises(CostRuleError) as err:
            check_cost_category(cause, category, item)
        assert err.value.field == "category"
        assert set(err.value.allowed) == EXPECTED[cause]
        for allowed in EXPECTED[cause]:
            assert allowed in err.value.message


@pytest.mark.parametrize(
    ("item", "ok"), [(k, k in {"エ", "シ", "ス"}) for k in KATAKANA] + [(None, False)]
)
def test_suspected_attack_incident_response_only_e_shi_su(item, ok):
    if ok:
        check_cost_category("suspected_attack", "incident_response", item)
    else:
        with pytest.raises(CostRuleError) as err:
            check_cost_category("suspected_attack", "incident_response", item)
        assert err.value.field == "item"
        assert err.value.allowed == ("エ", "シ", "ス")


@pytest.mark.parametrize("item", ["エ", "シ", "ス"])
def test_suspected_attack_items_refused_once_attack_happened(item):
    with pytest.raises(CostRuleError) as err:
        check_cost_category("suspected_attack", "incident_response", item, attack_occurred=True)
    assert err.value.rule == "seed004.3.suspected_attack_actual"


@pytest.mark.parametrize("category", ["investigation", "isolation"])
def test_suspected_attack_investigation_stays_claimable_after_attack_found(category):
    """Only the incident-response items エ・シ・ス fall away once the attack proves real; the
    investigation and isolation costs stay in the suspected-attack row and are accepted."""
    assert Category(category) in allowed_categories(Cause.SUSPECTED_ATTACK)
    check_cost_category("suspected_attack", category, None, attack_occurred=True)  # no error


@pytest.mark.parametrize(
    ("cause", "item", "ok"),
    [(c, k, True) for c in ("leak", "content", "attack", "other_it") for k in KATAKANA]
    + [("leak", "ン", False), ("attack", "a", False)],
)
def test_incident_response_items_a_to_so_for_other_causes(cause, item, ok):
    if ok:
        check_cost_category(cause, "incident_response", item)
    else:
        with pytest.raises(CostRuleError):
            check_cost_category(cause, "incident_response", item)


@pytest.mark.parametrize(
    ("cause", "category", "item", "ok"),
    [
        ("regulatory", "investigation_reporting", "キ", True),
        ("regulatory", "investigation_reporting", "ク", False),
        ("leak", "data_recovery", "イ", True),
        ("leak", "data_recovery", "ウ", False),
        ("attack", "system_repair", "ウ", True),
        ("attack", "system_repair", "エ", False),
        ("leak", "certification", "ア", False),
        ("regulatory", "legal_action", None, True),
        ("leak", "incident_response", None, True),
    ],
)
def test_items_exist_only_where_the_seed_letters_them(cause, category, item, ok):
    if ok:
        check_cost_category(cause, category, item)
    else:
        with pytest.raises(CostRuleError) as err:
            check_cost_category(cause, category, item)
        assert err.value.field == "item"
        assert err.value.allowed == tuple(CATEGORY_ITEMS.get(Category(category), {}))


def test_unknown_cause_is_a_value_error():
    with pytest.raises(ValueError):
        check_cost_category("flood", "incident_response")


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
        assert err.value.allowed == missing


def test_claim_documents_codes_are_a_to_e():
    assert CLAIM_DOCUMENT_CODES == ("ア", "イ", "ウ", "エ")
    with pytest.raises(CostRuleError):
        check_claim_documents({"オ"}, set())


@pytest.mark.parametrize(
    ("completed", "expected"),
    [
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 1, 31), date(2026, 3, 2)),
        (date(2028, 1, 31), date(2028, 3, 1)),
        (date(2026, 12, 15), date(2027, 1, 14)),
    ],
)
def test_pay_by_is_thirty_days_after_completion(completed, expected):
    assert pay_by(completed) == expected


@pytest.mark.parametrize(
    ("extended", "reason", "field"),
    [
        (date(2026, 11, 1), "警察の捜査結果の照会", None),
        (date(2026, 10, 31), "警察の捜査結果の照会", "extended_pay_by"),
        (date(2026, 10, 1), "照会", "extended_pay_by"),
        (date(2026, 12, 31), "  ", "extension_reason"),
        (date(2026, 12, 31), None, "extension_reason"),
    ],
)
def test_pay_by_extension_needs_reason_and_later_date(extended, reason, field):
    completed = date(2026, 10, 1)  # standard pay_by 2026-10-31
    if field is None:
        check_pay_by_extension(completed, extended, reason)
    else:
        with pytest.raises(CostRuleError) as err:
            check_pay_by_extension(completed, extended, reason)
        assert err.value.field == field
