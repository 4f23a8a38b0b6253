"""Opening the store, checking its schema version, and writing with an audit record.

The store is the only code that talks to the database. SQLite (default) or PostgreSQL,
selected by URL. Every write happens inside `Store.write()`, one transaction that either lands
whole with its audit records or not at all.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
import time
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import (
    Column, Connection, DateTime, Engine, Integer, MetaData, String, Table, bindparam,
    create_engine, event, insert, inspect, text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from readiness.errors import StoreBusy, StoreMissing, StoreVersionError
from readiness.store.tables import RawJSON

if TYPE_CHECKING:
    from readiness.actor import Actor
    from alembic.config import Config
    from sqlalchemy.orm import Session

    from readiness.store.write_session import WriteSession

def _busy_ms() -> int:
    try:
        return max(100, int(os.environ.get("READINESS_SQLITE_BUSY_MS", 30_000)))
    except ValueError:
        return 30_000


SQLITE_BUSY_TIMEOUT_MS = _busy_ms()  # how long a writer waits for another to finish
WRITE_RETRY_PAUSES = (1.0, 2.0, 4.0)  # seconds between attempts to take the write lock

# The audit table as the writer sees it: before/after arrive as already-serialised JSON text.
AUDIT_RAW = Table(
    "audit_log", MetaData(), Column("id", Integer, primary_key=True), Column("at", DateTime),
    Column("username", String), Column("action", String), Column("entity", String),
    Column("entity_id", Integer), Column("entity_key", String), Column("before", RawJSON),
    Column("after", RawJSON), Column("command", String), Column("prev_hash", String),
    Column("hash", String))


def resolve_url(db: str | os.PathLike[str]) -> str:
    """A SQLAlchemy URL for `db`: a URL is kept, anything else is a SQLite file path."""
    text = os.fspath(db)
    if "://" in text:
        return text
    return "sqlite:///" + str(Path(text).expanduser().resolve())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def column_values(obj: Any) -> dict[str, Any]:
    """The column values of a mapped object as plain data (dates as dates)."""
    return {c.key: getattr(obj, c.key) for c in inspect(obj).mapper.column_attrs}


def row_values(obj: Any) -> dict[str, Any]:
    """The column values of a mapped object as JSON-ready plain data (for the audit trail)."""
    return jsonable(column_values(obj))  # type: ignore[no-any-return]


MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.M)


def _alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config  # only upgrades need Alembic: every command checks

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def _revision_links() -> dict[str, str | None]:
    """{revision: the revision it follows} read from the migration files' own `revision` and
    `down_revision` lines, without importing Alembic (which costs every command a fifth of a
    second just to compare two version strings). A test holds this to Alembic's own reading."""
    links: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = dict(_REVISION_LINE.findall(path.read_text("utf-8")))
        revision = found.get("revision", "").strip("'\"")
        if revision:
            down = found.get("down_revision", "None").strip("'\"")
            links[revision] = None if down == "None" else down
    return links


def head_revision() -> str:
    """The newest revision: the one no other migration follows."""
    links = _revision_links()
    heads = set(links) - {down for down in links.values() if down}
    assert len(heads) == 1, f"the package's migrations must have one head, found {sorted(heads)}"
    return heads.pop()


def _known_revisions() -> set[str]:
    return set(_revision_links())


def stored_revision(conn: Connection) -> str | None:
    """The schema revision recorded in the store (Alembic's alembic_version table), if any."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, see _on_begin
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front, so two writers queue on busy_timeout instead of
        # deadlocking half-way through (SQLite's deferred BEGIN cannot be upgraded safely).
        immediate = conn.get_execution_options().get("sqlite_begin") == "IMMEDIATE"
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN DEFERRED")


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS, default=str).decode("utf-8")


def make_engine(url: str) -> Engine:
    # orjson for JSON columns: registers hold hundreds of thousands of small JSON values.
    options: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}
    if make_url(url).get_backend_name() == "sqlite":
        # The driver's timeout is SQLite's busy timeout (PRAGMA busy_timeout reads it back).
        engine = create_engine(url, connect_args={"timeout": _busy_ms() / 1000}, **options)
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def _bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """executemany for many rows. On SQLite it binds through the driver directly, with each
    column's own SQLAlchemy bind processor (same stored format, far less per-row overhead)."""
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    columns = [c for c in table.columns if c.name in rows[0]]
    processors = [c.type._cached_bind_processor(conn.dialect) for c in columns]
    # The statement is compiled by SQLAlchemy (quoting included), never assembled from strings.
    compiled = insert(table).values({c.name: bindparam(c.name) for c in columns}).compile(
        dialect=conn.dialect)
    names = list(compiled.positiontup or [c.name for c in columns])
    processors = [processors[[c.name for c in columns].index(n)] for n in names]
    sql = str(compiled)
    converted = [(i, proc) for i, proc in enumerate(processors) if proc is not None]
    get = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    params = []
    for row in rows:
        try:
            values = list(get(row))
        except KeyError:  # rows of one batch normally share their keys
            values = [row.get(n) for n in names]
        for i, proc in converted:
            if values[i] is not None:
                values[i] = proc(values[i])
        params.append(tuple(values))
    conn.exec_driver_sql(sql, params)


@contextmanager
def fewer_gc_pauses() -> Iterator[None]:
    """Registers are loaded and written tens of thousands of rows at a time: millions of
    short-lived objects and few reference cycles. Collecting the young generation less often
    spares repeated scans of a large heap (measured: ~40 % of a 50,000-item listing). The
    thresholds are restored when the session ends."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], 50_000), old[1], old[2])
    try:
        yield
    finally:
        gc.set_threshold(*old)


class Store:
    """A readiness store at `url`. Use `Store.open` (checked) or `Store.create` (new or upgrade)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"

    # --- lifecycle ----------------------------------------------------------------------

    @classmethod
    def open(cls, db: str | os.PathLike[str]) -> Store:
        """Open an existing store whose schema matches this code, or raise a clear error."""
        url = resolve_url(db)
        _refuse_missing_sqlite_file(url)
        store = cls(url)
        store.check_version()
        return store

    @classmethod
    def create(cls, db: str | os.PathLike[str]) -> Store:
        """Open the store at `db`, creating it at the newest schema if it is empty."""
        url = resolve_url(db)
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        store = cls(url)
        state, _, _ = store.schema_state()
        if state == "empty":
            store.upgrade()
        else:
            store.check_version()
        return store

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- schema version -------------------------------------------------------------------

    def schema_state(self) -> tuple[str, str | None, str]:
        """("current" | "old" | "new" | "empty" | "foreign", store revision, code revision)."""
        head = head_revision()
        with self.engine.connect() as conn:
            revision = stored_revision(conn)
            tables = set(inspect(conn).get_table_names()) if revision is None else set()
        if revision is None:
            return ("empty" if not tables else "foreign"), None, head
        if revision == head:
            return "current", revision, head
        if revision in _known_revisions():
            return "old", revision, head
        return "new", revision, head

    def check_version(self) -> None:
        state, revision, head = self.schema_state()
        where = self.display_url()
        if state == "empty":
            raise StoreMissing("store.empty", db=where)
        if state == "foreign":
            raise StoreVersionError("store.foreign", db=where)
        if state == "old":
            raise StoreVersionError("store.too_old", db=where, revision=revision, head=head)
        if state == "new":
            raise StoreVersionError("store.too_new", db=where, revision=revision, head=head)

    def upgrade(self, revision: str = "head") -> tuple[str | None, str]:
        """Bring the schema forward; returns (revision before, revision after)."""
        state, before, head = self.schema_state()
        if state == "new":
            raise StoreVersionError("store.too_new", db=self.display_url(), revision=before, head=head)
        if state == "foreign":
            raise StoreVersionError("store.foreign", db=self.display_url())
        from alembic import command

        self._migrate(command.upgrade, revision)
        return before, self.schema_state()[1] or ""

    def downgrade(self, revision: str) -> None:
        """Take the schema back to `revision` (for developers and upgrade tests; no command)."""
        from alembic import command

        self._migrate(command.downgrade, revision)

    def _migrate(self, step: Any, revision: str) -> None:
        """Run a migration in one transaction. On SQLite, foreign keys are off meanwhile: Alembic
        rebuilds a table to alter it, and dropping the old copy would otherwise cascade-delete
        the rows that refer to it (a drill run's ratings). Broken references fail the migration."""
        sqlite = self.engine.dialect.name == "sqlite"
        with self.engine.connect() as conn:
            # The pragma only takes effect outside a transaction: set it on the driver's connection.
            pragma = conn.connection.dbapi_connection.execute if sqlite else None  # type: ignore[union-attr]
            if pragma:
                pragma("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    step(_alembic_config(conn), revision)
                    if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                        raise StoreVersionError("store.migration_broke_references",
                                                db=self.display_url())
            finally:
                if pragma:
                    pragma("PRAGMA foreign_keys=ON")

    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    # --- sessions -------------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[Session]:
        """An ORM session, for code that reads mapped objects."""
        from sqlalchemy.orm import Session

        with fewer_gc_pauses(), Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def read_rows(self) -> Iterator[Connection]:
        """A connection for queries on the Core tables (`tables.py`), which give rows. A command
        that only reads uses this and so never loads the ORM nor declares its mapped classes:
        that was most of a listing's start-up."""
        with fewer_gc_pauses(), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self, actor: Actor, action: str) -> Iterator[WriteSession]:
        """One transaction: everything inside lands, with its audit records, or nothing does.
        The records name `actor` and what was asked for (`actor.via`, else `action`)."""
        with fewer_gc_pauses(), self.engine.connect() as conn:
            if self.is_sqlite:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            transaction = self._begin_write(conn)
            from readiness.store.write_session import WriteSession

            session = WriteSession(bind=conn, user=actor.user, command=actor.command(action))
            try:
                yield session
                session.flush()
            except BaseException:
                transaction.rollback()
                raise
            else:
                transaction.commit()
            finally:
                session.close()

    def _begin_write(self, conn: Connection) -> Any:
        """Take the write lock, retrying with back-off while another writer holds it; a store
        still busy after that is a clear error, never a raw "database is locked"."""
        for attempt, pause in enumerate((*WRITE_RETRY_PAUSES, None)):
            try:
                transaction = conn.begin()
                if not self.is_sqlite:
                    # One writer at a time, as SQLite's BEGIN IMMEDIATE gives: the audit chain's
                    # head and bulk-insert ids stay consistent.
                    conn.execute(text("SELECT pg_advisory_xact_lock(7263540)"))
                return transaction
            except OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                conn.rollback()
                if pause is None:
                    raise StoreBusy("store.busy", db=self.display_url(),
                                    waited=int(self.busy_wait_s() * (attempt + 1)
                                               + sum(WRITE_RETRY_PAUSES))) from None
                time.sleep(pause)
        raise AssertionError("unreachable")

    def data_version(self) -> int:
        """The newest audit record's number. Every write adds audit records in its transaction,
        so an unchanged number means unchanged data: what a reader may cache on."""
        from sqlalchemy import func, select

        from readiness.store.tables import audit_log

        with self.engine.connect() as conn:
            return int(conn.execute(select(func.max(audit_log.c.id))).scalar() or 0)

    def busy_wait_s(self) -> float:
        return _busy_ms() / 1000 if self.is_sqlite else 0.0


def _refuse_missing_sqlite_file(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).exists():
            raise StoreMissing("store.missing", db=parsed.database)


def __getattr__(name: str) -> Any:
    # The write session lives with the ORM it needs; reached from here as it always was.
    if name == "WriteSession":
        from readiness.store.write_session import WriteSession

        return WriteSession
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
