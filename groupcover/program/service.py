"""The program row and its time zone: the source of "today"."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from groupcover import audit, clock
from groupcover.program.models import Program

DEFAULT_PROGRAM: dict[str, Any] = {
    "name": "Supplier Support Pack group cyber insurance",
    "policyholder": "Program administrator",
    "insurer": "Insurer",
    "policy_number": None,
    "timezone": "Asia/Tokyo",
}


def get_program(session: Session) -> Program:
    """The one program; created with defaults the first time it is asked for."""
    program = session.execute(
        select(Program).order_by(col(Program.id)).limit(1)
    ).scalar_one_or_none()
    if program is None:
        program = Program(**DEFAULT_PROGRAM)
        session.add(program)
        session.flush()
    return program


def program_today(session: Session) -> date:
    """Today in the program's time zone (C5)."""
    return clock.today(get_program(session).timezone)


def update_program(session: Session, changes: dict[str, Any]) -> Program:
    program = get_program(session)
    before = audit.snapshot(program)
    for key, value in changes.items():
        setattr(program, key, value)
    program.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        "program.update",
        "program",
        program.id,
        before=before,
        after=audit.snapshot(program),
    )
    return program
