"""CSV import for administrators: upload → preview (a dry run) → confirm; and the exports.

The preview runs the same ``imports.service.run_import`` as ``POST /api/v1/imports/{kind}``
with ``dry_run`` and rolls back; the confirmation runs it for real, in the request's one
transaction, on the very bytes previewed (carried signed in the form: ``console.uploads``).
A file with a bad row is shown with every bad row and cannot be confirmed; nothing is written.
"""

from __future__ import annotations

import csv
import io
import itertools
from typing import Any

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from groupcover import db
from groupcover.console import uploads
from groupcover.console.blueprint import admin_required, bp
from groupcover.console.forms import ConfirmImportForm, ImportForm
from groupcover.console.messages import attach, sentence
from groupcover.errors import DomainError, NotFound
from groupcover.exports import service as exports
from groupcover.exports.api import csv_response
from groupcover.guard import large_body
from groupcover.imports import csvfile
from groupcover.imports import service as imports
from groupcover.imports.api import COLUMNS
from groupcover.program.service import program_today


def row_message(error: imports.RowError) -> str:
    """A bad row's sentence in the reader's language (the service's own words as detail)."""
    rules = {
        "encoding": lambda: _(
            "The file could not be read in this encoding. Save it from Excel as "
            "“CSV UTF-8” or “CSV (comma delimited)”."
        ),
        "header": lambda: _("The header row does not name the expected columns."),
        "csv_syntax": lambda: _("The file is not well-formed CSV (check the quotes)."),
        "nul_character": lambda: _("The file contains NUL characters."),
        "extra_cells": lambda: _("The row has more cells than the header row."),
        "member_unknown": lambda: _(
            "No member company matches (a corporate number, a vendor account ID or #id)."
        ),
        "member_ambiguous": lambda: _(
            "Several member companies have this corporate number; use #id."
        ),
        "schema": lambda: _("The value is not in the expected format."),
    }
    make = rules.get(error.rule)
    if make is not None:
        return make()
    return sentence(DomainError(error.message, field=error.column, rule=error.rule))


def _page(
    form: ImportForm,
    status: int = 200,
    *,
    result: imports.ImportResult | None = None,
    errors: list[imports.RowError] | None = None,
    confirm: ConfirmImportForm | None = None,
    upload: uploads.Upload | None = None,
) -> tuple[str, int]:
    return (
        render_template(
            "console/imports.html",
            form=form,
            result=result,
            errors=[(e, row_message(e)) for e in errors or []],
            confirm=confirm,
            upload=upload,
            sample=sample(upload, result.encoding) if result and upload else [],
            max_bytes=uploads.max_file_bytes(),
            columns=COLUMNS,
            export_kinds=exports.KINDS,
        ),
        status,
    )


def sample(upload: uploads.Upload, encoding: str, rows: int = 5) -> list[tuple[int, list[str]]]:
    """The header and the first rows as read in ``encoding`` (garbled text shows at once),
    numbered as Excel numbers them; blank rows are skipped, as the import skips them."""
    text, _used = csvfile.decode(upload.data, csvfile.encoding_name(encoding))
    records = enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
    try:
        kept = ((n, r) for n, r in records if n == 1 or "".join(r).strip())
        return list(itertools.islice(kept, rows + 1))
    except csv.Error:
        return []


def _run(upload: uploads.Upload, *, dry_run: bool) -> imports.ImportResult:
    session = db.session()
    result = imports.run_import(
        session,
        upload.kind,
        upload.data,
        encoding=csvfile.encoding_name(upload.encoding),
        dry_run=dry_run,
        today=program_today(session),
    )
    if dry_run:
        session.rollback()
    return result


@bp.route("/console/imports", methods=["GET", "POST"])
@large_body()
@admin_required
def imports_page():
    """The upload form; a valid upload answers with its preview (nothing is written)."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(form, 422 if form.is_submitted() else 200)
    limit = uploads.max_file_bytes()
    data = form.file.data.stream.read(limit + 1)
    if len(data) > limit:
        form.file.errors = [
            _("The file is larger than %(n)s bytes; split it, or use the command line.", n=limit)
        ]
        return _page(form, 413)
    upload = uploads.Upload(
        form.kind.data, form.encoding.data or None, form.file.data.filename or "", data
    )
    try:
        result = _run(upload, dry_run=True)
    except imports.ImportRejected as exc:
        return _page(form, 422, errors=exc.errors, upload=upload)
    payload, ticket = uploads.pack(upload, g.user.user_id)
    confirm = ConfirmImportForm(formdata=None, payload=payload, ticket=ticket)
    return _page(form, result=result, confirm=confirm, upload=upload)


@bp.route("/console/imports/confirm", methods=["POST"])
@large_body()
@admin_required
def import_confirm():
    """The real import of the previewed file: all rows or none."""
    form = ConfirmImportForm()
    fresh = ImportForm(formdata=None)
    if not form.validate_on_submit():
        fresh.form_errors.append(_("Nothing was imported. Upload the file again."))
        return _page(fresh, 400)
    try:
        upload = uploads.unpack(form.payload.data, form.ticket.data, g.user.user_id)
    except uploads.UploadRefused:
        fresh.form_errors.append(
            _(
                "The confirmation could not be verified (changed, or older than an hour). "
                "Nothing was imported. Upload the file again."
            )
        )
        return _page(fresh, 400)
    fresh.kind.data, fresh.encoding.data = upload.kind, upload.encoding or ""
    try:
        result = _run(upload, dry_run=False)
    except imports.ImportRejected as exc:
        return _page(fresh, 422, errors=exc.errors, upload=upload)
    except DomainError as exc:
        attach(fresh, exc)
        return _page(fresh, exc.status, upload=upload)
    flash(
        _(
            "Imported %(file)s: %(rows)d row(s) read, %(created)d created, %(updated)d "
            "updated, %(unchanged)d already stored (unchanged).",
            file=upload.filename or upload.kind,
            rows=result.rows,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(url_for("console.imports_page"), 303)


@bp.route("/console/exports/<kind>.csv")
@admin_required
def export_csv(kind: str) -> Any:
    """The API's export (``GET /api/v1/exports/{kind}.csv``) for a signed-in administrator."""
    if kind not in exports.KINDS:
        raise NotFound("export", kind)
    session = db.session()
    today = program_today(session)
    return csv_response(
        exports.stream_export(db.engine(), kind, today), f"groupcover-{kind}-{today}.csv"
    )
