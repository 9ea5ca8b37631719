"""Fields every schema shares for hostile or absurd numbers (API.md § Conventions).

- An id outside 1…2,147,483,647 cannot exist (every id column is a 32-bit integer on
  PostgreSQL): in a path (``IdConverter``, the app's ``int`` converter) or a body (``Id``) it is
  an unknown id, 404; as a list filter (``IdFilter``) it matches nothing, as any unknown id does.
- Money (``Yen``) is whole yen up to ¥100,000,000,000 (1000億円); above it, 422.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate
from werkzeug.routing import IntegerConverter

from groupcover.errors import NotFound, RuleViolation

MAX_ID = 2_147_483_647
MAX_YEN = 100_000_000_000
NO_ROW = -1  # an id no row has: what an out-of-range filter becomes


def id_in_range(value: int) -> bool:
    return 1 <= value <= MAX_ID


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: 1…2,147,483,647, anything else does not match (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class Id(fields.Integer):
    """An object's id in a body: a JSON integer; out of range it is an unknown id (404)."""

    def __init__(self, *, entity: str = "object", **kwargs: Any) -> None:
        kwargs.setdefault("strict", True)
        kwargs.setdefault("validate", validate.Range(min=1, max=MAX_ID))
        super().__init__(**kwargs)
        self.entity = entity

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        number = super()._deserialize(value, attr, data, **kwargs)
        if not id_in_range(number):
            raise NotFound(self.entity, number, field=self.data_key or attr)
        return number


class IdFilter(fields.Integer):
    """An id in a query filter: out of range it matches no row (the empty list)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["metadata"] = {"minimum": 1, "maximum": MAX_ID, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        number = super()._deserialize(value, attr, data, **kwargs)
        return number if id_in_range(number) else NO_ROW


class Yen(fields.Integer):
    """Whole yen as a JSON integer, at most ¥100,000,000,000 (else 422), at least ``minimum``
    (else 400; None leaves the floor to a rule of the service)."""

    def __init__(self, *, minimum: int | None = 0, **kwargs: Any) -> None:
        kwargs.setdefault("strict", True)
        kwargs.setdefault("validate", validate.Range(min=minimum, max=MAX_YEN))
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        number = super()._deserialize(value, attr, data, **kwargs)
        if number > MAX_YEN:
            field = self.data_key or attr
            raise RuleViolation(
                f"{field} must be at most ¥100,000,000,000 (1000億円)",
                field=field,
                rule="yen_ceiling",
                maximum=MAX_YEN,
            )
        return number


class LocalTime(fields.Time):
    """A time of day in the program's time zone, ``HH:MM[:SS]``. A time with an offset is
    refused (400): a day is a program-time-zone calendar day, so an instant in another zone
    could not be stored as given."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$", "example": "14:30:00"}
        kwargs["metadata"] = {**metadata, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is not None:
            raise ValidationError(
                "a time of day in the program time zone, without an offset (e.g. 14:30:00)"
            )
        return moment
