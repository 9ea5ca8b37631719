"""``flask --app wsgi import KIND FILE [--dry-run] [--encoding E]``: exit 0, or 1 with every
bad row on standard error."""

from __future__ import annotations

import click
from flask import current_app

from groupcover import db
from groupcover.imports import csvfile, service
from groupcover.program.service import program_today
from groupcover.progress import Progress


@click.command("import")
@click.argument("kind", type=click.Choice(service.KINDS))
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="check every row, write nothing")
@click.option(
    "--encoding",
    type=click.Choice(sorted(csvfile.ENCODINGS), case_sensitive=False),
    help="force the file's encoding (default: detect UTF-8 or Shift_JIS/CP932)",
)
def import_command(kind: str, file, dry_run: bool, encoding: str | None) -> None:
    """CSV import of members, terms or suppliers: all rows or none (one transaction)."""
    data = file.read(current_app.config["MAX_IMPORT_BYTES"] + 1)
    if len(data) > current_app.config["MAX_IMPORT_BYTES"]:
        raise click.ClickException("the file is larger than MAX_IMPORT_BYTES; split it")
    try:
        with Progress(f"import {kind}") as progress, db.transaction() as session:
            result = service.run_import(
                session,
                kind,
                data,
                encoding=csvfile.encoding_name(encoding),
                dry_run=dry_run,
                today=program_today(session),
                progress=progress,
            )
            if dry_run:
                session.rollback()
    except service.ImportRejected as exc:
        for e in exc.errors:
            click.echo(f"row {e.row}: {e.column or '-'}: {e.rule}: {e.message}", err=True)
        click.echo(f"{kind}: {len(exc.errors)} error(s); nothing was imported", err=True)
        raise SystemExit(1) from exc
    would = "would be " if dry_run else ""
    click.echo(
        f"{kind}: {result.rows} row(s) read ({result.encoding}), {result.created} {would}created, "
        f"{result.unchanged} unchanged, {result.updated} {would}updated"
    )
