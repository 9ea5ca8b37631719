"""A faithful fake of the Panorays public API v2 (``GET /v2/suppliers``).

Tests, the sync benchmark and ``make run``'s demo talk to this server over real HTTP instead
of the vendor, so every behaviour the sync must survive has a switch here: 429 with and
without ``Retry-After``, the hour-long block of a token that passes 150 requests a minute,
5xx, slow answers, an expiring or repeated cursor, the bare-array envelope (whole list, or
cut at ``limit`` as a server may), archived suppliers listed or hidden, 401 for a bad token and
a reset connection. ``fields=a,b`` answers only those top-level fields of each record (``id``
always), as Panorays API v2 does.

Everything lives in a :class:`StubState` (thread-safe); :func:`create_stub_app` serves it and
:func:`serve_stub` runs it on 127.0.0.1 in a background thread. ``python -m
integrations.panorays.stub`` serves a seeded state for the demo and prints the tokens.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import random
import secrets
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

APPROVAL_STATUSES = ("PENDING", "APPROVED", "REJECTED", "CONTINGENT", "RE_EVALUATION", "ARCHIVED")
FAULT_KINDS = ("server_error", "rate_limit", "cursor_expired", "repeat_cursor", "reset")
MAX_LIMIT = 100
WINDOW_SECONDS = 60.0


@dataclass
class Fault:
    """One injected failure, matched against each incoming supplier request.

    ``account_id`` None matches every account. The first ``after_requests`` matching requests
    pass untouched, then the fault fires ``times`` times (None: until cleared).
    ``with_cursor_only`` limits it to requests that carry a ``next_token`` (mid-walk).
    """

    kind: str
    account_id: str | None = None
    times: int | None = 1
    after_requests: int = 0
    with_cursor_only: bool = False
    retry_after: int | str | None = None  # seconds, or an HTTP date as sent
    status: int = 503

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")


@dataclass
class _Account:
    account_id: str
    token: str
    suppliers: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Cursor:
    account_id: str
    offset: int
    expires_at: float


class StubState:
    """Accounts, their suppliers, and the switches that make the fake misbehave.

    ``clock`` (monotonic seconds) drives rate windows, blocks and cursor expiry so tests can
    move time forward without sleeping. ``page_shortfall`` makes every page hold that many
    records fewer than ``limit`` (a server may do so; the client must follow ``has_next``).
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        rate_limit_per_minute: int = 150,
        block_seconds: float = 3600.0,
        block_retry_after: bool = True,
        cursor_ttl: float = 600.0,
        list_archived: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.latency = latency
        self.rate_limit_per_minute = rate_limit_per_minute
        self.block_seconds = block_seconds
        self.block_retry_after = block_retry_after
        self.cursor_ttl = cursor_ttl
        self.list_archived = list_archived
        self.page_shortfall = 0
        self.bare_array: bool = False
        self.bare_array_accounts: set[str] = set()
        self.bare_array_honours_limit = False
        self.honour_fields = True
        self.last_args: dict[str, str] = {}
        self.clock = clock
        self._lock = threading.RLock()
        self._accounts: dict[str, _Account] = {}
        self._by_token: dict[str, _Account] = {}
        self._cursors: dict[str, _Cursor] = {}
        self._windows: dict[str, deque[float]] = {}
        self._blocked_until: dict[str, float] = {}
        self._faults: list[Fault] = []
        self._requests: dict[str, int] = {}
        self._counter = 0
        self._json_cache: dict[int, tuple[dict[str, Any], dict[tuple[str, ...] | None, str]]] = {}

    # -- accounts and data -------------------------------------------------------------

    def add_account(self, account_id: str, token: str | None = None) -> str:
        """Create an account and return its bearer token (generated when not given)."""
        with self._lock:
            if account_id in self._accounts:
                raise ValueError(f"account {account_id!r} exists")
            token = token or f"pt_{secrets.token_urlsafe(18)}"
            account = _Account(account_id, token)
            self._accounts[account_id] = account
            self._by_token[token] = account
            return token

    def token_for(self, account_id: str) -> str:
        with self._lock:
            return self._accounts[account_id].token

    def accounts(self) -> dict[str, str]:
        """Every account id with its token (the fake's own secret store)."""
        with self._lock:
            return {a.account_id: a.token for a in self._accounts.values()}

    def revoke_token(self, account_id: str) -> str:
        """Replace the account's token: requests with the old one get 401."""
        with self._lock:
            account = self._accounts[account_id]
            del self._by_token[account.token]
            account.token = f"pt_{secrets.token_urlsafe(18)}"
            self._by_token[account.token] = account
            return account.token

    def add_supplier(
        self,
        account_id: str,
        *,
        name: str,
        primary_domain: str | None = None,
        assets: Sequence[str] = (),
        insert_ts: str | None = None,
        status: str = "APPROVED",
        update_ts: str | None = None,
        supplier_id: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Register a supplier in the account, as a customer would in the vendor's UI."""
        if status not in APPROVAL_STATUSES:
            raise ValueError(f"unknown approval status {status!r}")
        with self._lock:
            account = self._accounts[account_id]
            self._counter += 1
            supplier_id = (
                supplier_id
                or hashlib.sha1(f"{account_id}:{self._counter}:{name}".encode()).hexdigest()[:20]
            )
            if supplier_id in account.suppliers:
                raise ValueError(f"supplier {supplier_id!r} exists in {account_id!r}")
            now = _iso(datetime.now(UTC))
            record: dict[str, Any] = {
                "id": supplier_id,
                "name": name,
                "assets": list(assets) or ([primary_domain] if primary_domain else []),
                "insert_ts": insert_ts or now,
                "business_impact": 3,
                "tags": [],
                "approval": {"status": status, "update_ts": update_ts or insert_ts or now},
                "latest_assessment_date": None,
                "combined_score": None,
            }
            if primary_domain is not None:
                record["primary_domain"] = primary_domain
            record.update(extra)
            account.suppliers[supplier_id] = record
            return copy.deepcopy(record)

    def remove_supplier(self, account_id: str, supplier_id: str) -> None:
        """Delete a supplier outright: it simply stops appearing in the list."""
        with self._lock:
            record = self._accounts[account_id].suppliers.pop(supplier_id)
            self._json_cache.pop(id(record), None)

    def update_supplier(self, account_id: str, supplier_id: str, **fields: Any) -> dict[str, Any]:
        """Change top-level fields (``name``, ``primary_domain``, ``assets`` ...)."""
        with self._lock:
            record = self._accounts[account_id].suppliers[supplier_id]
            self._json_cache.pop(id(record), None)
            for key, value in fields.items():
                if key == "primary_domain" and value is None:
                    record.pop(key, None)
                else:
                    record[key] = value
            return copy.deepcopy(record)

    def set_approval(
        self, account_id: str, supplier_id: str, status: str, update_ts: str | None = None
    ) -> dict[str, Any]:
        """Move a supplier's approval to ``status`` (``update_ts`` defaults to now)."""
        if status not in APPROVAL_STATUSES:
            raise ValueError(f"unknown approval status {status!r}")
        with self._lock:
            record = self._accounts[account_id].suppliers[supplier_id]
            self._json_cache.pop(id(record), None)
            record["approval"] = {
                **record["approval"],
                "status": status,
                "update_ts": update_ts or _iso(datetime.now(UTC)),
            }
            return copy.deepcopy(record)

    def suppliers(self, account_id: str) -> list[dict[str, Any]]:
        """Every supplier of the account (archived included), in listing order."""
        with self._lock:
            return copy.deepcopy(list(self._accounts[account_id].suppliers.values()))

    def mutate_random(self, fraction: float, seed: int = 1) -> dict[str, int]:
        """Change about ``fraction`` of all suppliers: renames, domain moves, removals,
        rejections and as many additions; returns counts per kind (used by the benchmark)."""
        rng = random.Random(seed)
        counts = {"renamed": 0, "domain_changed": 0, "removed": 0, "rejected": 0, "added": 0}
        with self._lock:
            pairs = [(a.account_id, sid) for a in self._accounts.values() for sid in a.suppliers]
            picked = rng.sample(pairs, max(1, round(len(pairs) * fraction))) if pairs else []
            for i, (account_id, sid) in enumerate(picked):
                kind = ("renamed", "domain_changed", "removed", "rejected", "added")[i % 5]
                counts[kind] += 1
                if kind == "renamed":
                    self.update_supplier(account_id, sid, name=f"Renamed {sid}")
                elif kind == "domain_changed":
                    domain = f"moved-{sid}.example.net"
                    self.update_supplier(account_id, sid, primary_domain=domain, assets=[domain])
                elif kind == "removed":
                    self.remove_supplier(account_id, sid)
                elif kind == "rejected":
                    self.set_approval(account_id, sid, "REJECTED")
                else:
                    self.add_supplier(
                        account_id, name=f"New {sid}", primary_domain=f"new-{sid}.example.org"
                    )
        return counts

    # -- switches ----------------------------------------------------------------------

    def add_fault(self, kind: str, **options: Any) -> Fault:
        """Inject a failure; see :class:`Fault` for the options."""
        fault = Fault(kind, **options)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def set_bare_array(self, on: bool, account_id: str | None = None) -> None:
        """Answer with a bare JSON array (every supplier, one page) for one or all accounts."""
        with self._lock:
            if account_id is None:
                self.bare_array = on
            elif on:
                self.bare_array_accounts.add(account_id)
            else:
                self.bare_array_accounts.discard(account_id)

    def unblock_all(self) -> None:
        """Forget rate windows and blocks (a new hour, as far as the fake is concerned)."""
        with self._lock:
            self._windows.clear()
            self._blocked_until.clear()

    def is_blocked(self, account_id: str) -> bool:
        with self._lock:
            token = self._accounts[account_id].token
            return self._blocked_until.get(token, 0.0) > self.clock()

    def request_count(self, account_id: str | None = None) -> int:
        """Supplier requests received (for one account, or in all)."""
        with self._lock:
            if account_id is None:
                return sum(self._requests.values())
            return self._requests.get(account_id, 0)

    # -- serving -----------------------------------------------------------------------

    def take_reset(self, authorization: str | None) -> bool:
        """Whether the connection carrying this request must be reset (called by the
        server's request handler, before the app sees the request)."""
        with self._lock:
            account = self._by_token.get(_bearer(authorization) or "")
            return account is not None and self._fire("reset", account, False) is not None

    def answer(self, authorization: str | None, args: dict[str, str]) -> tuple[int, str, dict]:
        """The answer to one ``GET /v2/suppliers``: (status, JSON text, headers).

        Serialised under the lock, so a concurrent change never shows half-done."""
        with self._lock:
            self.last_args = dict(args)
            status, body, headers = self._decide(authorization, args)
            fields = _fields(args.get("fields")) if self.honour_fields else None
            return status, self._dumps(body, fields), headers

    def _dumps(self, body: Any, fields: tuple[str, ...] | None = None) -> str:
        """JSON text of an answer; each record's text is cached until the record changes
        (the fake must not be the bottleneck of the sync benchmark)."""

        def one(record: dict[str, Any]) -> str:
            return self._record_json(record, fields)

        if isinstance(body, list):
            return "[" + ",".join(map(one, body)) + "]"
        if isinstance(body, dict) and isinstance(body.get("data"), list):
            rest = json.dumps({k: v for k, v in body.items() if k != "data"})
            data = ",".join(map(one, body["data"]))
            return '{"data": [' + data + "], " + rest[1:]
        return json.dumps(body)

    def _record_json(self, record: dict[str, Any], fields: tuple[str, ...] | None) -> str:
        cached = self._json_cache.get(id(record))
        if cached is None:
            cached = self._json_cache[id(record)] = (record, {})
        texts = cached[1]
        text = texts.get(fields)
        if text is None:
            shown = record if fields is None else {k: v for k, v in record.items() if k in fields}
            text = texts[fields] = json.dumps(shown)
        return text

    def _decide(self, authorization: str | None, args: dict[str, str]) -> tuple[int, Any, dict]:
        account = self._by_token.get(_bearer(authorization) or "")
        if account is None:
            return 401, {"message": "Unauthorized"}, {}
        self._requests[account.account_id] = self._requests.get(account.account_id, 0) + 1
        limited = self._rate_limit(account.token)
        if limited is not None:
            return limited
        next_token = args.get("next_token") or None
        fault = self._fire("rate_limit", account, next_token is not None)
        if fault is not None:
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            return 429, {"message": "Too Many Requests"}, headers
        fault = self._fire("server_error", account, next_token is not None)
        if fault is not None:
            return fault.status, {"message": "Internal error"}, {}
        visible = [
            s
            for s in account.suppliers.values()
            if self.list_archived or s["approval"]["status"] != "ARCHIVED"
        ]
        if self.bare_array or account.account_id in self.bare_array_accounts:
            if self.bare_array_honours_limit:
                visible = visible[: _int(args.get("limit"), MAX_LIMIT)]
            return 200, visible, {}
        return self._page(account, visible, args, next_token)

    def _page(
        self, account: _Account, visible: list[dict], args: dict[str, str], next_token: str | None
    ) -> tuple[int, Any, dict]:
        try:
            limit = int(args.get("limit", MAX_LIMIT))
        except ValueError:
            return 400, {"message": "limit must be an integer"}, {}
        if not 1 <= limit <= MAX_LIMIT:
            return 400, {"message": f"limit must be between 1 and {MAX_LIMIT}"}, {}
        offset = 0
        if next_token is not None:
            cursor = self._cursors.get(next_token)
            expired = self._fire("cursor_expired", account, True) is not None
            if cursor is None or cursor.account_id != account.account_id or expired:
                return 400, {"code": "INVALID_NEXT_TOKEN", "message": "next_token expired"}, {}
            if cursor.expires_at <= self.clock():
                del self._cursors[next_token]
                return 400, {"code": "INVALID_NEXT_TOKEN", "message": "next_token expired"}, {}
            offset = cursor.offset
        step = max(1, limit - self.page_shortfall)
        data = visible[offset : offset + step]
        has_next = offset + step < len(visible)
        body: dict[str, Any] = {"data": data, "has_next": has_next, "has_previous": offset > 0}
        if has_next:
            repeat = next_token is not None and self._fire("repeat_cursor", account, True)
            token = next_token if repeat else secrets.token_urlsafe(16)
            self._cursors[token] = _Cursor(
                account.account_id, offset + step, self.clock() + self.cursor_ttl
            )
            body["next"] = token
        else:
            body["next"] = None
        return 200, body, {}

    def _rate_limit(self, token: str) -> tuple[int, Any, dict] | None:
        now = self.clock()
        blocked_until = self._blocked_until.get(token, 0.0)
        if blocked_until <= now:
            window = self._windows.setdefault(token, deque())
            while window and window[0] <= now - WINDOW_SECONDS:
                window.popleft()
            window.append(now)
            if len(window) <= self.rate_limit_per_minute:
                return None
            blocked_until = now + self.block_seconds
            self._blocked_until[token] = blocked_until
            window.clear()
        headers = {}
        if self.block_retry_after:
            headers["Retry-After"] = str(max(1, int(blocked_until - now + 0.999)))
        return 429, {"message": "Too Many Requests: token blocked"}, headers

    def _fire(self, kind: str, account: _Account, has_cursor: bool) -> Fault | None:
        for fault in self._faults:
            if fault.kind != kind or fault.account_id not in (None, account.account_id):
                continue
            if fault.with_cursor_only and not has_cursor:
                continue
            if fault.after_requests > 0:
                fault.after_requests -= 1
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
            return fault
        return None


def _fields(value: str | None) -> tuple[str, ...] | None:
    """``fields=a,b``: those top-level fields (and ``id``); absent or empty: every field."""
    if not value:
        return None
    return tuple(sorted({"id", *(name.strip() for name in value.split(",") if name.strip())}))


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.startswith("Bearer "):
        return authorization[len("Bearer ") :].strip()
    return None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# -- seeded data ---------------------------------------------------------------------------


def seed_accounts(
    state: StubState,
    n_accounts: int,
    sizes: int | Sequence[int],
    *,
    seed: int = 0,
    shared_fraction: float = 0.05,
    prefix: str = "acct",
    account_ids: Sequence[str] | None = None,
) -> dict[str, str]:
    """Fill ``state`` deterministically and return {account id: token}.

    Accounts are named ``{prefix}-0000`` … unless ``account_ids`` names them.
    ``sizes`` is the supplier count of every account, or one count per account. Domains come
    in the shapes customers type (scheme, ``www.``, path, upper case, only in ``assets``); a
    ``shared_fraction`` of suppliers use domains from a pool shared across accounts (rule C2).
    """
    rng = random.Random(seed)
    per_account = [sizes] * n_accounts if isinstance(sizes, int) else list(sizes)
    if len(per_account) != n_accounts:
        raise ValueError("one size per account expected")
    names = list(account_ids or (f"{prefix}-{index:04d}" for index in range(n_accounts)))
    if len(names) != n_accounts:
        raise ValueError("one account id per account expected")
    tokens = {}
    start = datetime(2023, 1, 1, tzinfo=UTC)
    statuses = ("APPROVED",) * 14 + ("PENDING", "PENDING", "CONTINGENT", "RE_EVALUATION")
    statuses += ("REJECTED", "ARCHIVED")
    for index, size in enumerate(per_account):
        account_id = names[index]
        token = hashlib.sha256(f"{seed}:{account_id}".encode()).hexdigest()[:32]
        tokens[account_id] = state.add_account(account_id, f"pt_{token}")
        for n in range(size):
            if rng.random() < shared_fraction:
                host = f"shared-{rng.randrange(500):03d}.example.jp"
            else:
                host = f"s{n:05d}-{account_id}.example.com"
            shape = rng.randrange(10)
            primary: str | None = host
            assets = [host]
            if shape == 0:
                primary = f"https://www.{host}/about"
            elif shape == 1:
                primary = host.upper() + "."
            elif shape == 2:
                primary = None
                assets = [f"http://{host}:8080/", f"mail.{host}"]
            inserted = start + timedelta(seconds=rng.randrange(3 * 365 * 86400))
            status = rng.choice(statuses)
            updated = inserted + timedelta(seconds=rng.randrange(200 * 86400))
            state.add_supplier(
                account_id,
                supplier_id=hashlib.sha1(f"{seed}:{account_id}:{n}".encode()).hexdigest()[:20],
                name=f"Supplier {n} of {account_id}",
                primary_domain=primary,
                assets=assets,
                insert_ts=_iso(inserted),
                status=status,
                update_ts=_iso(updated),
                business_impact=rng.randint(1, 5),
                tags=["demo"] if shape == 3 else [],
                combined_score=rng.randint(300, 900),
            )
    return tokens


# -- the Flask app and its server ----------------------------------------------------------


def create_stub_app(state: StubState) -> Flask:
    """The fake vendor API over ``state``; ``/_stub/*`` lets a benchmark or demo change it."""
    app = Flask(__name__)
    app.config["stub_state"] = state

    @app.get("/v2/suppliers")
    def list_suppliers() -> Response:
        if state.latency:
            time.sleep(state.latency)
        status, body, headers = state.answer(request.headers.get("Authorization"), request.args)
        response = Response(body, status=status, mimetype="application/json")
        response.headers.update(headers)
        return response

    @app.get("/_stub/accounts")
    def stub_accounts() -> Response:
        return jsonify(state.accounts())

    @app.post("/_stub/accounts/<account_id>/suppliers")
    def stub_add_supplier(account_id: str) -> tuple[Response, int]:
        return jsonify(state.add_supplier(account_id, **request.get_json())), 201

    @app.patch("/_stub/accounts/<account_id>/suppliers/<supplier_id>")
    def stub_update_supplier(account_id: str, supplier_id: str) -> Response:
        fields = dict(request.get_json())
        status = fields.pop("status", None)
        if status is not None:
            state.set_approval(account_id, supplier_id, status, fields.pop("update_ts", None))
        return jsonify(state.update_supplier(account_id, supplier_id, **fields))

    @app.delete("/_stub/accounts/<account_id>/suppliers/<supplier_id>")
    def stub_remove_supplier(account_id: str, supplier_id: str) -> tuple[str, int]:
        state.remove_supplier(account_id, supplier_id)
        return "", 204

    @app.post("/_stub/mutate")
    def stub_mutate() -> Response:
        body = request.get_json()
        return jsonify(state.mutate_random(float(body["fraction"]), int(body.get("seed", 1))))

    @app.post("/_stub/settings")
    def stub_settings() -> Response:
        body = request.get_json()
        for key in (
            "latency",
            "list_archived",
            "block_retry_after",
            "cursor_ttl",
            "page_shortfall",
        ):
            if key in body:
                setattr(state, key, body[key])
        if "bare_array" in body:
            state.set_bare_array(bool(body["bare_array"]))
        return jsonify({"ok": True})

    @app.post("/_stub/faults")
    def stub_add_fault() -> tuple[Response, int]:
        body = dict(request.get_json())
        state.add_fault(body.pop("kind"), **body)
        return jsonify({"ok": True}), 201

    @app.delete("/_stub/faults")
    def stub_clear_faults() -> tuple[str, int]:
        state.clear_faults()
        return "", 204

    @app.post("/_stub/unblock")
    def stub_unblock() -> tuple[str, int]:
        state.unblock_all()
        return "", 204

    return app


class _ResettingHandler(WSGIRequestHandler):
    """Request handler that can answer with a TCP reset instead of HTTP, and that keeps the
    connection open after a ``GET`` (HTTP/1.1 keep-alive), as the real vendor does.

    Werkzeug's own handler closes every connection, so each request of a sync would pay a
    new TCP connection on both sides; ``GET`` requests carry no body, so answering them here
    with a ``Content-Length`` leaves the stream clean for the next request. Anything else
    goes through Werkzeug and closes the connection.
    """

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall
    state: StubState

    def run_wsgi(self) -> None:
        if self.state.take_reset(self.headers.get("Authorization")):
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.connection.close()
            return
        if (
            self.command != "GET"
            or "Content-Length" in self.headers
            or ("Transfer-Encoding" in self.headers)
        ):
            super().run_wsgi()
            return
        try:
            self._answer_kept_alive()
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client gave up (a timeout test): nothing to do

    def _answer_kept_alive(self) -> None:
        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            started[:] = [status, headers]
            return chunks.append

        answer = self.server.app(self.make_environ(), start_response)
        try:
            chunks.extend(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        body = b"".join(chunks)
        status, headers = started
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:  # the client asked for it
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Stay quiet: the benchmark sends thousands of requests."""


class StubServer:
    """A running stub: ``url`` is its base URL; ``stop()`` (or ``with``) shuts it down."""

    def __init__(self, state: StubState, host: str = "127.0.0.1", port: int = 0) -> None:
        handler = type("Handler", (_ResettingHandler,), {"state": state})
        self.state = state
        self.server: BaseWSGIServer = make_server(
            host, port, create_stub_app(state), threaded=True, request_handler=handler
        )
        self.url = f"http://{host}:{self.server.server_port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> StubServer:
        if not self._thread.is_alive():
            self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_stub(state: StubState, host: str = "127.0.0.1", port: int = 0) -> StubServer:
    """Start the stub on a free port (``port=0``) in a background thread."""
    return StubServer(state, host, port).start()


def _main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Panorays API v2 for the demo.")
    env = os.environ.get
    parser.add_argument("--host", default=env("PANORAYS_STUB_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env("PANORAYS_STUB_PORT", "8001")))
    parser.add_argument("--accounts", type=int, default=int(env("PANORAYS_STUB_ACCOUNTS", "3")))
    parser.add_argument(
        "--suppliers",
        type=int,
        default=int(env("PANORAYS_STUB_SUPPLIERS", "25")),
        help="suppliers per account",
    )
    parser.add_argument("--seed", type=int, default=int(env("PANORAYS_STUB_SEED", "0")))
    parser.add_argument("--latency", type=float, default=float(env("PANORAYS_STUB_LATENCY", "0")))
    parser.add_argument("--prefix", default=env("PANORAYS_STUB_PREFIX", "acct"))
    parser.add_argument(
        "--account-ids",
        default=env("PANORAYS_STUB_ACCOUNT_IDS", ""),
        help="comma-separated account ids (instead of --accounts/--prefix)",
    )
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.account_ids.split(",") if name.strip()]
    state = StubState(latency=args.latency)
    tokens = seed_accounts(
        state,
        len(names) or args.accounts,
        args.suppliers,
        seed=args.seed,
        prefix=args.prefix,
        account_ids=names or None,
    )
    server = StubServer(state, args.host, args.port)
    print(f"fake Panorays API on {server.url} (GET /v2/suppliers)", flush=True)
    print(f"accounts: {', '.join(tokens)}; tokens: GET {server.url}/_stub/accounts", flush=True)
    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()


if __name__ == "__main__":
    _main()
