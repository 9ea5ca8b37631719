"""Engine, a session per request or job, the transaction rule, locks and leases.

One request, one transaction: the request's session is committed after a successful response
and rolled back otherwise (``init_app``). Jobs use ``transaction()``.

SQLite: every connection runs in WAL mode with foreign keys on; a transaction that writes
starts with ``BEGIN IMMEDIATE`` so that check-then-write (overlap, limits) is serialised
across processes. PostgreSQL: services lock rows with ``SELECT … FOR UPDATE`` (``for_update``).
"""

from __future__ import annotations

import re
import sqlite3
from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any, NamedTuple

from flask import Flask, current_app, g, request
from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Table,
    create_engine,
    delete,
    event,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Session, SQLModel

from groupcover import clock

_writing: ContextVar[bool] = ContextVar("groupcover_writing", default=False)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UTCDateTime(TypeDecorator):
    """An instant stored in UTC and always returned time-zone aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass an aware instant")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow_field(**kwargs: Any) -> Any:
    """A created/updated instant column, filled with the program clock's now."""
    return Field(default_factory=lambda: clock.now(), sa_type=UTCDateTime, **kwargs)


def make_engine(url: str, pool_size: int = 5, pool_timeout: float = 30) -> Engine:
    """An engine with the per-dialect settings this module's docstring describes.

    ``hide_parameters``: an error's text (and so a 500's traceback in the log) shows the SQL
    but never the values bound to it, which may be personal data.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
        )
        _configure_sqlite(engine)
        _track_coverage_writes(engine)
        return engine
    # No pool_pre_ping: it costs a round trip on every request. Connections are recycled
    # before servers drop idle ones, and a connection found dead is answered with a 503 once
    # while SQLAlchemy invalidates the pool (optimistic disconnect handling).
    # No overflow: ``pool_size`` is this process's ceiling on server connections, so that
    # workers × hosts × pool_size can be kept under the server's max_connections. A request
    # that finds them all in use waits (``pool_timeout``) instead of opening one more and
    # being refused by a full server ("too many clients": a 503 before issue 10).
    engine = create_engine(
        url,
        pool_recycle=1800,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout,
        hide_parameters=True,
    )
    _track_coverage_writes(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # straight to the driver: every request begins, and the full execute path costs more
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")


class CoverageGeneration(SQLModel, table=True):
    """One row whose ``value`` every committed transaction that wrote a registration, a term or
    a member adds one to: who is covered may have changed. The coverage answer keeps the
    expensive counts of popular domains (``coverage.counts.CountCache``) valid for as long as
    it stays the same."""

    __tablename__ = "coverage_generation"

    id: int = Field(default=1, primary_key=True)
    value: int = Field(default=0, sa_type=BigInteger)


COVERAGE_TABLES = frozenset({"registration", "term", "member"})
_WRITE_TO = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_BUMP = "UPDATE coverage_generation SET value = value + 1"
_GENERATION_EXISTS = {
    "sqlite": "SELECT max(name) FROM sqlite_master WHERE name = 'coverage_generation'",
    "postgresql": "SELECT to_regclass('coverage_generation')",
}


def note_coverage_write(conn: Connection) -> None:
    """Writes that bypass SQLAlchemy's cursor (``insert_many``'s COPY) say so here."""
    conn.info["coverage_written"] = True


def _track_coverage_writes(engine: Engine) -> None:
    """Bump ``coverage_generation`` in every transaction that wrote a coverage table, as its
    last statement before COMMIT (so the row is locked only for that instant, never while
    the transaction waits for other locks: no deadlock, no queue of writers behind it).

    Every statement SQLAlchemy sends is looked at (ORM flushes, Core, text); a table written
    by hand outside the application (psql) is not seen until the next write through it, which
    ``CountCache``'s age limit bounds."""

    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn, _cursor, statement, _params, _context, _many) -> None:
        if statement[:1] in ("S", "s", "W", "w"):  # SELECT / WITH: the hot path, reads
            return
        match = _WRITE_TO.match(statement)
        if match and match.group(1).lower() in COVERAGE_TABLES:
            conn.info["coverage_written"] = True

    exists = [False]  # a database migrated before 0015 has no counter (yet): nothing to bump

    @event.listens_for(engine, "commit")
    def _bump(conn) -> None:
        if not conn.info.pop("coverage_written", False):
            return
        cursor = conn.connection.cursor()
        try:
            if not exists[0]:
                cursor.execute(_GENERATION_EXISTS[engine.dialect.name])
                exists[0] = cursor.fetchone()[0] is not None
            if exists[0]:
                cursor.execute(_BUMP)
        finally:
            cursor.close()

    @event.listens_for(engine, "rollback")
    def _forget(conn) -> None:
        conn.info.pop("coverage_written", None)

    @event.listens_for(engine, "checkin")
    def _forget_on_return(_dbapi_conn, record) -> None:
        record.info.pop("coverage_written", None)


def table(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel class, for statements that skip the ORM."""
    return model.__table__  # type: ignore[attr-defined]  # set by SQLModel, absent from its stubs


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def for_update(session: Session, stmt: Select) -> Select:
    """Lock the selected rows until commit (PostgreSQL); SQLite writers are already serial."""
    return stmt.with_for_update() if is_postgres(session) else stmt


def init_app(app: Flask) -> None:
    """Create the engine and tie one session (one transaction) to each request."""
    from groupcover.config import Settings

    settings: Settings = app.extensions["groupcover.settings"]
    engine = make_engine(
        settings.DATABASE_URL or "", settings.DB_POOL_SIZE, settings.DB_POOL_TIMEOUT
    )
    app.extensions["groupcover.engine"] = engine
    app.extensions["groupcover.read_engine"] = _read_engine(engine)

    @app.before_request
    def _mark_writes() -> None:
        if request.method not in _SAFE_METHODS:
            g._writing_token = _writing.set(True)

    @app.after_request
    def _commit(response: Any) -> Any:
        _end_connection(commit=response.status_code < 400)
        session = g.pop("db_session", None)
        if session is not None:
            try:
                if response.status_code < 400:
                    session.commit()
                else:
                    session.rollback()
            except IntegrityError:
                session.rollback()
                from groupcover.errors import error_response

                body, status = error_response(
                    409, "the change conflicts with existing data", field=None, rule="integrity"
                )
                body.status_code = status
                return body
            finally:
                session.close()
        return response

    @app.teardown_request
    def _cleanup(_exc: BaseException | None) -> None:
        _end_connection(commit=False)
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()
        token = g.pop("_writing_token", None)
        if token is not None:
            _writing.reset(token)


def engine() -> Engine:
    return current_app.extensions["groupcover.engine"]


def read_engine() -> Engine:
    """The engine reads use (``_read_engine``)."""
    return current_app.extensions["groupcover.read_engine"]


def _read_engine(engine: Engine) -> Engine:
    """The engine for requests that only read (GET, HEAD, OPTIONS).

    PostgreSQL: autocommit, which spares two round trips (BEGIN, COMMIT) per request and
    changes nothing visible: at READ COMMITTED every statement takes its own snapshot anyway.
    SQLite keeps its explicit BEGIN (one consistent WAL snapshot per request; no round trips).
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def _request_engine() -> Engine:
    return engine() if _writing.get() else read_engine()


def session() -> Session:
    """The current request's session (opened on first use); autocommit for reads (above)."""
    if "db_session" not in g:
        _end_connection(commit=True)
        g.db_session = Session(_request_engine(), expire_on_commit=False)
    return g.db_session


def connection() -> Connection:
    """The request's connection for Core reads: the session's when one is open, else a bare
    one. The hottest reads (token, coverage) need no ORM, and a Session's bookkeeping costs
    about 0.15 ms a request; a bare connection ends before any session of the same request
    begins, so a request still writes in one transaction."""
    if "db_session" in g:
        return g.db_session.connection()
    if "db_connection" not in g:
        g.db_connection = _request_engine().connect()
    return g.db_connection


def _end_connection(*, commit: bool) -> None:
    conn = g.pop("db_connection", None)
    if conn is None:
        return
    try:
        if commit:
            conn.commit()
        else:
            conn.rollback()
    finally:
        conn.close()


def is_writing() -> bool:
    """Whether the current request (or job block) is one that writes."""
    return _writing.get()


def commit_now(conn: Connection, stmt: Any, params: dict[str, Any] | None = None) -> Any:
    """Run one write on ``conn`` in a transaction of its own and commit it at once, whatever
    becomes of the request (a failed login must count even though its request answers 401).

    Only before the request has written anything: the connection's open transaction (the
    token lookup) is ended first, so on SQLite the write starts a fresh transaction instead
    of upgrading a read snapshot another writer may have outdated."""
    conn.rollback()
    token = _writing.set(True)
    try:
        result = conn.execute(stmt, params or {})
        rows = result.all() if result.returns_rows else None
        conn.commit()
    finally:
        _writing.reset(token)
    return rows


@contextmanager
def transaction(bind: Engine | None = None, *, write: bool = True) -> Iterator[Session]:
    """A session for a job or command: committed when the block ends, rolled back on error."""
    token = _writing.set(write)
    try:
        with Session(bind or engine(), expire_on_commit=False) as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise
    finally:
        _writing.reset(token)


class Lease(SQLModel, table=True):
    """A named lease with expiry: one holder at a time across hosts; a crash lets it lapse."""

    __tablename__ = "lease"

    name: str = Field(primary_key=True, max_length=100)
    holder: str = Field(max_length=200)
    expires_at: datetime = Field(sa_type=UTCDateTime)


def acquire_lease(bind: Engine, name: str, holder: str, ttl: timedelta) -> bool:
    """Take (or renew) lease ``name`` for ``holder``; False when someone else holds it."""
    now = clock.now()
    with transaction(bind) as s:
        taken = s.execute(
            update(Lease)
            .where(Lease.name == name)
            .where((Lease.expires_at < now) | (Lease.holder == holder))
            .values(holder=holder, expires_at=now + ttl)
        ).rowcount
        if taken:
            return True
        if s.get(Lease, name) is not None:
            return False
    try:
        with transaction(bind) as s:
            s.add(Lease(name=name, holder=holder, expires_at=now + ttl))
        return True
    except IntegrityError:
        return False


def lease_holder(session: Session, name: str) -> str | None:
    """Who holds lease ``name`` now (None when nobody does, or it has lapsed)."""
    lease = session.get(Lease, name)
    return lease.holder if lease is not None and lease.expires_at >= clock.now() else None


def release_lease(bind: Engine, name: str, holder: str) -> None:
    """Give the lease back, if ``holder`` still holds it."""
    with transaction(bind) as s:
        s.execute(delete(Lease).where(Lease.name == name).where(Lease.holder == holder))


def insert_many(
    connection: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    constants: dict[str, Any] | None = None,
) -> None:
    """Bulk INSERT of ``rows`` (every row with the same keys) plus ``constants`` (the same
    value in every row) through the driver's executemany on SQLite, or ``COPY … FROM STDIN``
    on PostgreSQL (a third of the time and of the CPU of 100,000 prepared INSERTs).

    Each column's bind processing (time zones, JSON, ...) is applied here, and the constants
    are turned into what the driver sends once, not once per row. For 100,000 rows
    SQLAlchemy's per-row parameter handling cost more than the database itself; a table whose
    row columns need no processing (the sync's registrations) has its rows read with one
    ``itemgetter`` each. Runs in the connection's transaction; fires no ORM events.
    """
    if not rows:
        return
    constants = constants or {}
    dialect = connection.dialect
    row_keys = list(rows[0])
    processors = {key: table.c[key].type.bind_processor(dialect) for key in [*row_keys, *constants]}
    fixed = [
        processors[key](value) if processors[key] else value for key, value in constants.items()
    ]
    if dialect.name == "postgresql":
        fixed = [_copy_text(connection, value) for value in fixed]
    else:  # what sqlite3 would adapt each row's copy of the value to (dates: ISO text)
        fixed = [sqlite3.adapt(value, sqlite3.PrepareProtocol, value) for value in fixed]
    tail = tuple(fixed)
    process_row = [(key, processors[key]) for key in row_keys]
    params: list[tuple[Any, ...]]
    if len(row_keys) > 1 and not any(process for _, process in process_row):
        get = itemgetter(*row_keys)  # (one key would give the value, not a tuple)
        params = [get(row) + tail for row in rows]
    else:
        params = [
            (*(process(row[key]) if process else row[key] for key, process in process_row), *tail)
            for row in rows
        ]
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(key) for key in [*row_keys, *constants])
    if dialect.name == "postgresql":
        sql = f"COPY {quote(table.name)} ({names}) FROM STDIN"
        if table.name in COVERAGE_TABLES:
            note_coverage_write(connection)
        with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
            for values in params:
                copy.write_row(values)
        return
    marks = ", ".join("?" * (len(row_keys) + len(tail)))  # sqlite3's paramstyle: qmark
    connection.exec_driver_sql(
        f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", params
    )


def _copy_text(connection: Connection, value: Any) -> Any:
    """``value`` as the text ``COPY`` reads, dumped once by psycopg's own dumper instead of
    once per row: for 100,000 rows, dumping the two time-zone-aware instants of each row
    cost more CPU than the rest of the COPY. None stays NULL."""
    # imported here: on SQLite, loading psycopg (and libpq) would cost 9 MB of resident memory
    from psycopg.adapt import PyFormat, Transformer

    if value is None:
        return None
    driver = connection.connection.driver_connection
    dumper = Transformer(driver).get_dumper(value, PyFormat.TEXT)
    return bytes(dumper.dump(value)).decode(driver.info.encoding)


def ping(bind: Engine) -> bool:
    """True when the database answers: ``SELECT 1`` on a pooled connection's own cursor (a
    load balancer asks often; SQLAlchemy's execution path would double the request's cost).
    Pass ``read_engine()``: on PostgreSQL it runs in autocommit, one round trip (no BEGIN,
    no ROLLBACK when the connection goes back to the pool)."""
    try:
        with bind.connect() as conn:
            cursor = conn.connection.cursor()
            try:
                cursor.execute("SELECT 1")
                cursor.fetchall()
            finally:
                cursor.close()
        return True
    except Exception:  # noqa: BLE001 - health check reports any failure as "error"
        return False


class DriverSelect:
    """A prebuilt SELECT run on the driver's own cursor, for the statement a hot read runs on
    every request (the coverage answer).

    ``conn.execute(stmt, params)`` spends about 0.1 ms of CPU a call in SQLAlchemy (execution
    context, events, result wrapping): on ``GET /coverage`` that was a quarter of the request.
    This runs the SQL SQLAlchemy compiled for the connection's dialect (once per dialect), with
    the parameters and result columns converted by the statement's own column types, so the rows
    are what ``conn.execute(stmt, params).all()`` returns, as named tuples. It runs in the
    connection's transaction when one was begun, else (a read's bare connection) as one
    statement on its own, which sees one consistent snapshot.
    """

    def __init__(self, stmt: Select) -> None:
        self.stmt = stmt
        keys = [str(c.key) for c in stmt.selected_columns]
        self.Row = namedtuple("Row", keys, rename=True)  # type: ignore[misc]
        self._plans: dict[str, _DriverPlan] = {}

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[Any]:
        plan = self._plans.get(conn.dialect.name) or self._plan(conn)
        values = plan.compiled.construct_params(params)
        for name, process in plan.binds:
            values[name] = process(values[name])
        args = tuple(values[n] for n in plan.positions) if plan.positions else values
        cursor = conn.connection.cursor()
        try:
            cursor.execute(plan.compiled.string, args)
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        make, convert = self.Row._make, plan.results
        if not convert:
            return [make(row) for row in fetched]
        converted = []
        for row in fetched:
            cells = list(row)
            for i, process in convert:
                if cells[i] is not None:
                    cells[i] = process(cells[i])
            converted.append(make(cells))
        return converted

    def _plan(self, conn: Connection) -> _DriverPlan:
        dialect = conn.dialect
        compiled = self.stmt.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("DriverSelect takes statements without expanding parameters")
        binds = []
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds.append((name, process))
        results = [
            c.type.dialect_impl(dialect).result_processor(dialect, None)
            for c in self.stmt.selected_columns
        ]
        plan = _DriverPlan(
            compiled,
            binds,
            list(compiled.positiontup or []) if compiled.positional else [],
            [(i, process) for i, process in enumerate(results) if process is not None],
        )
        self._plans[dialect.name] = plan
        return plan


class _DriverPlan(NamedTuple):
    compiled: Any
    binds: list[tuple[str, Any]]
    positions: list[str]
    results: list[tuple[int, Any]]  # (column index, result processor), only where there is one
