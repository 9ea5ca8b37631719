"""Paging for console lists: ``?page=`` from 1, a fixed page size, the total for the pager."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import func, select
from sqlalchemy.sql import Select
from sqlmodel import Session

PAGE_SIZE = 25


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    total: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def requested_page(param: str = "page") -> int:
    value = request.args.get(param, "1")
    return min(int(value), 100_000) if value.isdigit() and int(value) >= 1 else 1


def page_of(session: Session, stmt: Select, size: int = PAGE_SIZE, param: str = "page") -> Page:
    number = requested_page(param)
    total = session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    items = list(session.execute(stmt.limit(size).offset((number - 1) * size)).scalars())
    return Page(items, number, total, size)


def count(session: Session, stmt: Select) -> int:
    return session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
