"""Opening the store, checking its schema version, and writing with an audit record.

The store is the only code that talks to the database. SQLite (default) or PostgreSQL,
selected by URL. Every write happens inside `Store.write()`, one transaction that either lands
whole with its audit records or not at all.
"""

from __future__ import annotations

import datetime as dt
import gc
import getpass
import time
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Column, Connection, DateTime, Engine, Integer, MetaData, String, Table, and_, bindparam,
    create_engine,
    event, func, insert, inspect, select, text, true, update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from readiness.errors import StoreBusy, StoreMissing, StoreVersionError
from readiness.store.audit import GENESIS, canonical, record_hash
from readiness.store.schema import AuditRecord, Base, RawJSON

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


def current_user(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    if os.environ.get("READINESS_USER"):
        return os.environ["READINESS_USER"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


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


def row_values(obj: Any) -> dict[str, Any]:
    """The column values of a mapped object as JSON-ready plain data."""
    return {c.key: jsonable(getattr(obj, c.key)) for c in inspect(obj).mapper.column_attrs}


def _alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("readiness.store") / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "the package ships no migrations"
    return head


def _known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


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
            revision = MigrationContext.configure(conn).get_current_revision()
            tables = set(inspect(conn).get_table_names())
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
        with self.engine.begin() as conn:
            command.upgrade(_alembic_config(conn), revision)
        return before, self.schema_state()[1] or ""

    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    # --- sessions -------------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[Session]:
        with fewer_gc_pauses(), Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self, user: str | None = None, command: str | None = None) -> Iterator[WriteSession]:
        """One transaction: everything inside lands, with its audit records, or nothing does."""
        with fewer_gc_pauses(), self.engine.connect() as conn:
            if self.is_sqlite:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            transaction = self._begin_write(conn)
            session = WriteSession(bind=conn, user=current_user(user), command=command)
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

    def busy_wait_s(self) -> float:
        return _busy_ms() / 1000 if self.is_sqlite else 0.0


class WriteSession(Session):
    """A session whose every flushed change leaves an audit record (see `_audit_flush`)."""

    def __init__(self, *, bind: Connection, user: str, command: str | None) -> None:
        super().__init__(bind=bind, expire_on_commit=False, autoflush=True)
        self.user = user
        self.command = command
        self.now = utcnow()
        self._audit_head: str | None = None

    def audit(self, action: str, entity: str, entity_id: int | None, key: str | None,
              before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        self.audit_many([(action, entity, entity_id, key, before, after)])

    def audit_many(self, records: Sequence[tuple[str, str, int | None, str | None,
                                                 dict[str, Any] | None, dict[str, Any] | None]]
                   ) -> None:
        if not records:
            return
        head = self._last_audit_hash()
        rows = []
        for action, entity, entity_id, key, before, after in records:
            # serialised once: the same text is hashed and stored
            before_json = None if before is None else canonical(before)
            after_json = None if after is None else canonical(after)
            row = {"at": self.now, "username": self.user, "action": action, "entity": entity,
                   "entity_id": entity_id, "entity_key": key, "command": self.command,
                   "before": before_json, "after": after_json, "prev_hash": head}
            row["hash"] = head = record_hash(row, head, before_json, after_json)
            rows.append(row)
        self._audit_head = head
        _bulk_insert(self.connection(), AUDIT_RAW, rows)

    def insert_rows(self, model: type[Base], rows: list[dict[str, Any]],
                    key_field: str = "code") -> list[int]:
        """Bulk insert plain rows (fast path for imports), audited; returns the new ids in order.

        Writers hold the store's write lock (see `write`), so the ids this insert takes are the
        ones above the highest id before it, in insertion order.
        """
        if not rows:
            return []
        table = model.__table__
        conn = self.connection()
        highest = conn.execute(select(func.max(table.c.id))).scalar() or 0
        _bulk_insert(conn, table, rows)
        ids = list(conn.execute(select(table.c.id).where(table.c.id > highest)
                                .order_by(table.c.id)).scalars())
        if len(ids) != len(rows):  # never expected under the write lock; refuse to guess
            raise RuntimeError(f"{table.name}: inserted {len(rows)} rows, found {len(ids)} new ids")
        self.audit_many([("create", table.name, i, _key(row, key_field), None, {**row, "id": i})
                         for i, row in zip(ids, rows)])
        return ids

    def update_rows(self, model: type[Base],
                    changes: list[tuple[int, str | None, dict[str, Any], dict[str, Any]]]) -> None:
        """Bulk update: each change is (id, key, values before, new values), audited."""
        table = model.__table__
        for entity_id, _key_text, _before, after in changes:
            self.execute(update(table).where(table.c.id == entity_id).values(**after))
        self.audit_many([("update", table.name, i, k, b, a) for i, k, b, a in changes])

    def upsert_rows(self, model: type[Base], scope: dict[str, Any], key_field: str,
                    rows: list[dict[str, Any]]) -> dict[str, int]:
        """Insert rows whose key is new in `scope`, update those that differ, leave the rest.

        Returns counts of created / updated / unchanged; every insert and update is audited.
        """
        table = model.__table__
        where = and_(true(), *(table.c[k] == v for k, v in scope.items()))
        existing = {r[key_field]: r for r in self.connection().execute(select(table).where(where))
                    .mappings()}
        new: list[dict[str, Any]] = []
        changes: list[tuple[int, str | None, dict[str, Any], dict[str, Any]]] = []
        unchanged = 0
        for row in rows:
            full = {**scope, **row}
            old = existing.get(full[key_field])
            if old is None:
                new.append(full)
                continue
            diff = {k: v for k, v in full.items() if old[k] != v}
            if diff:
                changes.append((old["id"], str(full[key_field]), {k: old[k] for k in diff}, diff))
            else:
                unchanged += 1
        self.insert_rows(model, new, key_field)
        self.update_rows(model, changes)
        return {"created": len(new), "updated": len(changes), "unchanged": unchanged}

    def _last_audit_hash(self) -> str:
        if self._audit_head is None:
            conn = self.connection()
            last = conn.execute(select(AuditRecord.__table__.c.hash)
                                .order_by(AuditRecord.__table__.c.id.desc()).limit(1)).scalar()
            self._audit_head = last or GENESIS
        return self._audit_head


def _key(row: dict[str, Any], field: str) -> str | None:
    value = row.get(field)
    return None if value is None else str(value)


@event.listens_for(WriteSession, "after_flush")
def _audit_flush(session: Session, _ctx: Any) -> None:
    if not isinstance(session, WriteSession):
        return
    records: list[tuple[str, str, int | None, str | None, Any, Any]] = []
    for obj in session.new:
        after = row_values(obj)
        records.append(("create", obj.__tablename__, after.get("id"), _entity_key(after), None, after))
    for obj in session.dirty:
        if not session.is_modified(obj, include_collections=False):
            continue
        state = inspect(obj)
        before, after = {}, {}
        for attr in state.mapper.column_attrs:
            hist = state.attrs[attr.key].history
            if hist.has_changes():
                before[attr.key] = jsonable(hist.deleted[0] if hist.deleted else None)
                after[attr.key] = jsonable(hist.added[0] if hist.added else None)
        if after:
            values = row_values(obj)
            records.append(("update", obj.__tablename__, values.get("id"), _entity_key(values),
                            before, after))
    for obj in session.deleted:
        before = row_values(obj)
        records.append(("delete", obj.__tablename__, before.get("id"), _entity_key(before), before, None))
    if records:
        session.audit_many(records)  # type: ignore[attr-defined]


def _entity_key(values: dict[str, Any]) -> str | None:
    for field in ("code", "staff_id", "name"):
        if values.get(field) is not None:
            return str(values[field])
    return None


def _refuse_missing_sqlite_file(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).exists():
            raise StoreMissing("store.missing", db=parsed.database)
