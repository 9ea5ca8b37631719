"""Carrying an uploaded CSV file from its preview to its confirmation, without storing it.

The preview (a dry run of the import) renders the confirmation form with two hidden fields:

- ``payload``: the file's bytes, zlib-compressed, URL-safe base64;
- ``ticket``: an ``itsdangerous`` timed signature (the app's ``SECRET_KEY``, a salt of its
  own) over what the confirmation needs: the kind, the encoding, the file's SHA-256, size
  and name, and the signed-in user's id.

Why not a temporary row or file on the server: no table, no clean-up job, and any web worker
on any host can take the confirmation. Why it is safe: the bytes imported are the bytes
previewed (their SHA-256 is signed; a changed payload or ticket is refused with 400); a ticket
is good for the user it was issued to, for ``TICKET_MAX_AGE`` seconds; decompression stops at
the size limit, so a crafted payload cannot inflate. Confirming twice is harmless: the import
counts rows already stored as ``unchanged`` and creates nothing.

Size: the console takes files up to ``CONSOLE_MAX_FILE_BYTES``, and never more than half of
``MAX_IMPORT_BYTES`` (the body limit of these pages), so the confirmation — the payload in
base64, at worst 4/3 of an incompressible file — always fits. Larger files: the CLI or the API.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import zlib
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from groupcover.errors import BadRequest

CONSOLE_MAX_FILE_BYTES = 5 * 1024 * 1024
TICKET_MAX_AGE = 3600
_SALT = "groupcover.console.import-upload"


class UploadRefused(BadRequest):
    """400: the confirmation does not carry the file that was previewed (or it expired)."""

    def __init__(self, why: str) -> None:
        super().__init__(f"the confirmation could not be verified: {why}", rule="import_ticket")


@dataclass(frozen=True, slots=True)
class Upload:
    kind: str
    encoding: str | None
    filename: str
    data: bytes


def max_file_bytes() -> int:
    return min(CONSOLE_MAX_FILE_BYTES, int(current_app.config["MAX_IMPORT_BYTES"]) // 2)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def pack(upload: Upload, user_id: int) -> tuple[str, str]:
    """``(payload, ticket)`` for the confirmation form's hidden fields."""
    payload = base64.urlsafe_b64encode(zlib.compress(upload.data, 6)).decode("ascii")
    ticket = _serializer().dumps(
        {
            "kind": upload.kind,
            "encoding": upload.encoding,
            "filename": upload.filename,
            "size": len(upload.data),
            "sha256": hashlib.sha256(upload.data).hexdigest(),
            "user": user_id,
        }
    )
    return payload, ticket


def unpack(payload: str, ticket: str, user_id: int) -> Upload:
    """The previewed file; ``UploadRefused`` when anything was changed, or it is too old."""
    try:
        meta = _serializer().loads(ticket, max_age=TICKET_MAX_AGE)
    except BadData as exc:
        raise UploadRefused("the ticket is not ours, or has expired") from exc
    if not isinstance(meta, dict) or meta.get("user") != user_id:
        raise UploadRefused("the ticket was issued to someone else")
    limit = max_file_bytes()
    try:
        packed = base64.urlsafe_b64decode(payload.encode("ascii"))
        inflate = zlib.decompressobj()
        data = inflate.decompress(packed, limit + 1)
    except (binascii.Error, UnicodeEncodeError, ValueError, zlib.error) as exc:
        raise UploadRefused("the file data is damaged") from exc
    if len(data) > limit or inflate.unconsumed_tail or len(data) != meta.get("size"):
        raise UploadRefused("the file data is not the file previewed")
    if not hmac.compare_digest(hashlib.sha256(data).hexdigest(), str(meta.get("sha256"))):
        raise UploadRefused("the file data is not the file previewed")
    return Upload(meta["kind"], meta.get("encoding"), str(meta.get("filename") or ""), data)
