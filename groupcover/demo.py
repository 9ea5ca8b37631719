"""A demo program for ``make run``: three members, their terms and suppliers (idempotent).

One supplier (``shared-logistics.example.jp``) is registered by two members, to show C2.
``seed_demo_users`` adds a demo administrator and a demo user of the first member, who sign
in to the console with the links ``make run`` prints.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from groupcover.members.models import Member
from groupcover.members.service import create_member
from groupcover.program.service import get_program, program_today, update_program
from groupcover.suppliers.service import register
from groupcover.terms.flows import create_term

MEMBERS = [
    (
        "Sakura Manufacturing K.K.",
        "demo-sakura",
        "risk@sakura.example.jp",
        ["sakura-parts.example.jp", "shared-logistics.example.jp", "tokyo-cloud.example.com"],
    ),
    (
        "Fuji Retail Co., Ltd.",
        "demo-fuji",
        "security@fuji.example.jp",
        ["fuji-payments.example.jp", "shared-logistics.example.jp"],
    ),
    (
        "Minato Health Corporation",
        "demo-minato",
        "it@minato.example.jp",
        ["minato-records.example.jp"],
    ),
]


def seed_demo(session: Session) -> int:
    """Create what is missing of the demo program; return how many members were added."""
    program = get_program(session)
    if program.policy_number is None:
        update_program(
            session,
            {
                "name": "サプライヤー・サポートパック 団体サイバー保険 (demo)",
                "policyholder": "SOMPOリスクマネジメント株式会社",
                "insurer": "損害保険ジャパン株式会社",
                "policy_number": "DEMO-0001",
            },
        )
    today = program_today(session)
    start = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    added = 0
    for name, account, email, domains in MEMBERS:
        if session.execute(
            select(Member.id).where(Member.vendor_account_id == account)
        ).scalar_one_or_none():
            continue
        member = create_member(
            session, {"name": name, "contact_email": email, "vendor_account_id": account}
        )
        create_term(session, member.id, start, date(start.year + 1, 3, 31))
        for domain in domains:
            register(
                session,
                member.id,
                domain=domain,
                name=domain.split(".")[0].title(),
                registered_on=start,
            )
        added += 1
    return added


DEMO_ADMIN = ("admin@demo.example.jp", "デモ 管理者")
DEMO_MEMBER_USER = ("risk@sakura.example.jp", "桜 花子")


def seed_demo_users(session: Session) -> list[str]:
    """Create the demo administrator and member user if missing; return both emails."""
    from groupcover.users.service import create_user, find_by_email

    member_id = session.execute(
        select(Member.id).where(Member.vendor_account_id == MEMBERS[0][1])
    ).scalar_one()
    wanted = [(*DEMO_ADMIN, "admin", None), (*DEMO_MEMBER_USER, "member", member_id)]
    for email, name, role, member in wanted:
        if find_by_email(session, email) is None:
            create_user(session, email=email, name=name, role=role, member_id=member)
    return [email for email, *_ in wanted]
