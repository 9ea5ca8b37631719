"""Options of the console's select fields, as WTForms' ``SelectChoice`` (WTForms 3.3 deprecates
``(value, label)`` tuples and dicts of optgroups; 3.4 drops them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms.fields.choices import SelectChoice


def options(pairs: Iterable[tuple[Any, Any]], optgroup: str | None = None) -> list[SelectChoice]:
    """``(value, label)`` pairs as options, in their order (``optgroup`` puts them all in one
    ``<optgroup>``). A lazy label (``_l``) stays lazy: it is translated when the page renders."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


def labels(choices: Iterable[SelectChoice]) -> dict[Any, Any]:
    """value → label of a list of options: the label of a stored value, on a page."""
    return {c.value: c.label for c in choices}
