"""``flask --app wsgi sync-suppliers [--full]``: one sync run, one line per account."""

from __future__ import annotations

import click
import requests

from groupcover import config, db
from groupcover.sync import runner, service
from groupcover.sync.models import account_line
from groupcover.sync.settings import SyncSettings


@click.command("sync-suppliers")
@click.option("--full", is_flag=True, help="also try accounts the vendor has blocked (429)")
def sync_suppliers_command(full: bool) -> None:
    """One sync run from the vendor API; exit non-zero when any account failed."""
    settings = SyncSettings.from_settings(config.settings())
    try:
        run = runner.run_sync(
            db.engine(), settings, "full" if full else "incremental", "cli:sync-suppliers"
        )
    except runner.SyncAlreadyRunning as exc:
        raise click.ClickException(exc.message) from exc
    with db.transaction(write=False) as session:
        for result in service.run_results(session, run.id):
            click.echo(account_line(result))
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    click.echo(
        f"sync run {run.id} {run.status}: {run.accounts} account(s), {run.accounts_failed} "
        f"failed, pages={run.pages} created={run.created} updated={run.updated} "
        f"deregistered={run.deregistered} in {seconds:.1f}s"
    )
    if run.status != "succeeded":
        raise SystemExit(1)


@click.command("link-vendor-stub")
@click.option("--url", help="the fake vendor's base URL (default: VENDOR_API_URL)")
def link_vendor_stub_command(url: str | None) -> None:
    """Demo only: store the fake vendor's tokens as the credentials of the members whose
    vendor_account_id it knows (``make demo-sync``). Never point this at the real vendor."""
    base = (url or config.settings().VENDOR_API_URL).rstrip("/")
    try:
        response = requests.get(f"{base}/_stub/accounts", timeout=10)
        response.raise_for_status()
        tokens = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise click.ClickException(f"no fake vendor at {base}: {type(exc).__name__}") from exc
    with db.transaction() as session:
        linked = service.link_credentials(session, tokens)
    for account_id, member_id in linked.items():
        click.echo(f"{account_id}: credential stored for member {member_id}")
    unknown = sorted(set(tokens) - set(linked))
    if unknown:
        click.echo(f"no member for: {', '.join(unknown)}")
