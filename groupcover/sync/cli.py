"""``flask --app wsgi sync-suppliers [--full]``: one sync run, one line per account."""

from __future__ import annotations

import click
from flask import current_app

from groupcover import db
from groupcover.sync import service


@click.command("sync-suppliers")
@click.option("--full", is_flag=True, help="also try accounts the vendor has blocked (429)")
def sync_suppliers_command(full: bool) -> None:
    """One sync run from the vendor API; exit non-zero when any account failed."""
    settings = service.SyncSettings.from_config(current_app.config)
    try:
        run = service.run_sync(
            db.engine(), settings, "full" if full else "incremental", "cli:sync-suppliers"
        )
    except service.SyncAlreadyRunning as exc:
        raise click.ClickException(exc.message) from exc
    with db.transaction(write=False) as session:
        for result in service.run_results(session, run.id):
            click.echo(service.account_line(result))
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    click.echo(
        f"sync run {run.id} {run.status}: {run.accounts} account(s), {run.accounts_failed} "
        f"failed, pages={run.pages} created={run.created} updated={run.updated} "
        f"deregistered={run.deregistered} in {seconds:.1f}s"
    )
    if run.status != "succeeded":
        raise SystemExit(1)
