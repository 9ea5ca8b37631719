"""Flask commands: thin wrappers that parse, call a service and print."""

from __future__ import annotations

import threading

import click
from flask import Flask, current_app

from groupcover import auth, config, db
from groupcover.tokens import service as tokens_service


def register(app: Flask) -> None:
    for command in (
        migrate_command,
        seed_demo_command,
        create_token_command,
        send_notices_command,
        create_user_command,
        sign_in_link_command,
        worker_command,
        verify_notices_command,
    ):
        app.cli.add_command(command)
    from groupcover.imports.cli import import_command

    app.cli.add_command(import_command)
    from groupcover.sync.cli import link_vendor_stub_command, sync_suppliers_command

    app.cli.add_command(sync_suppliers_command)
    app.cli.add_command(link_vendor_stub_command)


@click.command("migrate")
def migrate_command() -> None:
    """Bring the database to the newest schema (Alembic)."""
    from groupcover.migrate import upgrade

    upgrade(db.engine())
    click.echo("database is at the newest schema")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo program: members, terms, suppliers (idempotent)."""
    from groupcover.demo import seed_demo, seed_demo_users

    with db.transaction() as session:
        added = seed_demo(session)
        emails = seed_demo_users(session)
    click.echo(f"demo program ready ({added} member(s) added)")
    click.echo("console users: " + ", ".join(emails))


@click.command("create-token")
@click.option("--role", type=click.Choice(auth.ROLES), required=True)
@click.option("--name", required=True, help="who the token is for (shown in the audit trail)")
@click.option("--member", "member_id", type=int, help="member company id (role member)")
@click.option(
    "--days",
    type=click.IntRange(1, 3650),
    help="days until the token expires (default TOKEN_DAYS)",
)
def create_token_command(role: str, name: str, member_id: int | None, days: int | None) -> None:
    """Print a new token as the last line; only its hash is stored. Audited."""
    if role == "member" and member_id is None:
        raise click.UsageError("--member is required for a member token")
    if role == "admin" and member_id is not None:
        raise click.UsageError("an admin token belongs to no member: drop --member")
    try:
        with db.transaction() as session:
            row, plain = tokens_service.issue(
                session,
                role=role,
                name=name,
                member_id=member_id,
                days=days,
                actor="cli:create-token",
            )
    except Exception as exc:  # a NotFound for an unknown member, mostly
        current_app.logger.debug("create-token failed", exc_info=True)
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{role} token for {name!r}, expires {row.expires_at:%Y-%m-%d %H:%M} UTC "
        "(store it now; it is not shown again):"
    )
    click.echo(plain)


@click.command("send-notices")
def send_notices_command() -> None:
    """Deliver every due notice by SMTP; exit non-zero if any was not delivered."""
    from groupcover import clock
    from groupcover.notices.delivery import (
        count_due,
        delivery_options,
        send_due_notices,
        smtp_settings,
    )
    from groupcover.progress import Progress

    bind = db.engine()
    with Progress("send-notices", total=count_due(bind, clock.now()), unit="notices") as progress:
        report = send_due_notices(
            bind,
            smtp_settings(config.settings()),
            delivery_options(config.settings()),
            on_result=lambda _status: progress.advance(),
        )
    for error in report.errors:
        click.echo(error, err=True)
    click.echo(
        f"notices sent: {report.sent}, to retry later: {report.retry_later}, "
        f"failed: {report.failed}"
    )
    if not report.ok:
        raise SystemExit(1)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(auth.ROLES), required=True)
@click.option("--member", "member_id", type=int, help="member company id (role member)")
def create_user_command(email: str, name: str, role: str, member_id: int | None) -> None:
    """Create a person who signs in to the console (no mail: see sign-in-link)."""
    from groupcover.errors import DomainError
    from groupcover.users import service as users

    try:
        with db.transaction() as session:
            user = users.create_user(
                session, email=email, name=name, role=role, member_id=member_id
            )
            user_id = user.id
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"user {user_id} created ({role})")


@click.command("sign-in-link")
@click.option("--email", required=True)
def sign_in_link_command(email: str) -> None:
    """Print a one-time console sign-in URL as the last line."""
    from groupcover.console.views.signin import link_url
    from groupcover.users import service as users

    with db.transaction() as session:
        user = users.find_by_email(session, email)
        if user is None or not user.active:
            raise click.ClickException(f"no active user with email {email!r}")
        plain = users.issue_link(session, user, current_app.config["SIGN_IN_LINK_MINUTES"])
    minutes = current_app.config["SIGN_IN_LINK_MINUTES"]
    click.echo(f"sign-in link for {user.name} (works once, for {minutes} minutes):")
    click.echo(link_url(plain))


@click.command("worker")
@click.option("--once", is_flag=True, help="run what is due now, then exit (cron, tests)")
def worker_command(once: bool) -> None:
    """Run every job that is due (scheduled sync, notice delivery, queued sync runs) until
    SIGTERM; with --once, one pass. Exit non-zero when a job of the last pass failed."""
    from groupcover import worker

    stop = threading.Event()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not once:
        click.echo(f"worker started (a pass every {config.settings().WORKER_POLL_SECONDS:g}s)")
    with worker.stop_on_signals(stop):
        report = worker.run_worker(app, once=once, stop=stop)
    if once:
        click.echo(f"jobs run: {', '.join(report.ran) or 'none due'}")
    else:
        click.echo("worker stopped")
    if report.failed:
        click.echo(f"jobs failed: {', '.join(report.failed)}", err=True)
        raise SystemExit(1)


@click.command("verify-notices")
def verify_notices_command() -> None:
    """Check every stored message against the proof chain; exit 1 naming the first break."""
    from groupcover.notices import proof

    with db.transaction(write=False) as session:
        result = proof.verify(session)
    if not result.ok:
        click.echo(f"proof chain broken at {result.broken}", err=True)
        click.echo(f"{result.checked} message(s) verified before the break")
        raise SystemExit(1)
    click.echo(f"proof chain intact: {result.checked} message(s) verified")
