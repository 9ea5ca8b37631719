"""Seed 004 §3–§5: cause × group × category table, the confirmation path, the cost table's
notes and approved amounts, the §4 exclusions and §5 duties."""

import pytest

from groupcover.rules.costs import (
    APPROVAL_NOTES,
    CATEGORY_ITEMS,
    CATEGORY_NAMES_JA,
    DUTIES,
    EXCLUSIONS,
    Category,
    Cause,
    CostRuleError,
    Group,
    allowed_groups,
    approval_notes,
    check_approved,
    check_confirm_attack,
    check_cost_line,
    condolence_amount,
)

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


def test_exclusions_one_to_nineteen_duties_one_to_seven():
    assert list(EXCLUSIONS) == [str(n) for n in range(1, 20)]
    assert list(DUTIES) == [str(n) for n in range(1, 8)]
