"""Backing up a store while others write, and restoring a backup only when it can be trusted.

SQLite: the online backup API copies one consistent snapshot (writers carry on meanwhile) into a
temporary file beside the target, which is checked and then renamed into place, so a reader
never meets a half-written backup or a half-restored store. PostgreSQL: `pg_dump` (custom
format, one consistent snapshot) and `pg_restore` in a single transaction.

A restore refuses a file that is not a backup, is damaged, or comes from a newer schema than
this code knows; brings an older schema forward; and checks the audit chain of what it restored.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from sqlalchemy.engine import URL, make_url

from readiness.errors import BackupRefused, StoreMissing, StoreVersionError
from readiness.store.core import (
    Store, _known_revisions, _refuse_missing_sqlite_file, head_revision, resolve_url,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
PG_TOOL_TIMEOUT_S = 3600  # a dump or restore that has not finished in an hour is stuck


@dataclass(frozen=True)
class BackupResult:
    path: str
    revision: str | None


@dataclass(frozen=True)
class RestoreResult:
    db: str
    revision: str  # the schema the restored store is at now
    upgraded_from: str | None  # the backup's older schema, when it was brought forward
    audit_records: int


# --- locating the PostgreSQL client tools ----------------------------------------------------

def find_pg_tool(name: str) -> Path:
    """`pg_dump` or `pg_restore`: on PATH first, then the newest /usr/lib/postgresql/<n>/bin
    (Debian keeps the versioned binaries off PATH)."""
    candidates: list[Path] = []
    if found := shutil.which(name):
        candidates.append(Path(found))
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += [Path(d) / name for d in sorted(versions, key=_version_key, reverse=True)]
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    raise BackupRefused("backup.no_pg_tool", tool=name)


def _version_key(bindir: str) -> tuple[int, ...]:
    version = Path(bindir).parent.name  # /usr/lib/postgresql/15/bin -> "15"
    return tuple(int(p) if p.isdigit() else -1 for p in version.split("."))


def _libpq_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for the PostgreSQL tools, and their environment: the password goes
    in PGPASSWORD, never on a command line that other users can read."""
    params = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    params.update({k: v for k, v in url.query.items() if isinstance(v, str)})
    conninfo = " ".join(f"{k}={_conninfo_quote(str(v))}" for k, v in params.items()
                        if v is not None)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return ["--dbname", conninfo], env


def _conninfo_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _run_pg_tool(name: str, args: list[str], env: dict[str, str] | None = None,
                 ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(find_pg_tool(name)), *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, env=env, timeout=PG_TOOL_TIMEOUT_S)


def _busy_s() -> float:
    from readiness.store.core import _busy_ms

    return _busy_ms() / 1000


def _first_error(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["(no output)"])[0][:300]


# --- backup --------------------------------------------------------------------------------------

def backup(db: str | os.PathLike[str], dest: str | os.PathLike[str], *,
           force: bool = False) -> BackupResult:
    """Write a consistent copy of the store at `db` to `dest` while others may be writing.

    The copy appears under its name only when complete (written beside it, then renamed);
    an existing `dest` is refused unless `force`.
    """
    url = resolve_url(db)
    target = Path(dest).expanduser().resolve()
    if target.exists() and not force:
        raise BackupRefused("output.exists", path=str(dest))
    _refuse_missing_sqlite_file(url)
    with Store(url) as store:
        # Any schema this code can restore, older or current, is worth a backup: users back up
        # before `db upgrade`. Only something that is not a store is refused.
        state, revision, _head = store.schema_state()
        if state == "empty":
            raise StoreMissing("store.empty", db=store.display_url())
        if state == "foreign":
            raise StoreVersionError("store.foreign", db=store.display_url())
        if store.is_sqlite:
            _backup_sqlite(Path(make_url(url).database or ""), target)
        else:
            _backup_postgresql(make_url(url), target)
    return BackupResult(str(target), revision)


def _partial(target: Path) -> Path:
    return target.with_name(f".{target.name}.partial")


def _backup_sqlite(source: Path, target: Path) -> None:
    partial = _partial(target)
    partial.unlink(missing_ok=True)
    # mode=rw: read an existing file, never create one; wait for a writer's checkpoint as the
    # store's own connections do.
    src = sqlite3.connect(f"{source.as_uri()}?mode=rw", uri=True, timeout=_busy_s())
    try:
        dst = sqlite3.connect(partial)
        try:
            # One step: the whole copy is read in one read transaction, a single snapshot;
            # writers (WAL) go on meanwhile and their later commits are simply not in it.
            src.backup(dst)
            # A backup is one self-contained file: no write-ahead log beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
        _publish(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()


def _backup_postgresql(url: URL, target: Path) -> None:
    partial = _partial(target)
    partial.unlink(missing_ok=True)
    conn_args, env = _libpq_args(url)
    try:
        # pg_dump reads everything in one repeatable-read transaction: a consistent snapshot.
        proc = _run_pg_tool("pg_dump", ["--format=custom", "--no-owner", "--no-privileges",
                                        "--file", str(partial), *conn_args], env)
        if proc.returncode != 0:
            raise BackupRefused("backup.pg_failed", tool="pg_dump",
                                detail=_first_error(proc.stderr))
        _publish(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _publish(partial: Path, target: Path) -> None:
    """Put a finished backup under its name: on disk first, then renamed, so the name never
    shows a half-written file."""
    _fsync(partial)
    os.replace(partial, target)
    _fsync_dir(target.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        _fsync(path)
    except OSError:  # not every file system lets a directory be synced
        pass


# --- restore -------------------------------------------------------------------------------------

def backup_kind(path: Path) -> str:
    """"sqlite" or "postgresql", from the file's first bytes; refuses anything else."""
    if not path.is_file():
        raise BackupRefused("backup.no_file", path=str(path))
    with open(path, "rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupRefused("backup.not_a_backup", path=str(path))


def restore(source: str | os.PathLike[str], db: str | os.PathLike[str], *,
            force: bool = False) -> RestoreResult:
    """Restore the backup `source` into the store at `db` (a file path or a URL).

    Refused, with the target untouched: a file that is not a backup, a damaged one, one of
    a newer schema, one of the other database kind, and a target that already holds a store
    (unless `force`). A backup of an older schema is brought forward. SQLite: the restored
    store is checked (audit chain included) before it replaces the target, in one rename.
    """
    path = Path(source).expanduser().resolve()
    kind = backup_kind(path)
    url = resolve_url(db)
    backend = make_url(url).get_backend_name()
    if kind != backend:
        raise BackupRefused("backup.kind_mismatch", path=str(source), kind=kind,
                            db=make_url(url).render_as_string(hide_password=True))
    if kind == "sqlite":
        return _restore_sqlite(path, Path(make_url(url).database or ""), force)
    return _restore_postgresql(path, url, force)


def _refuse_newer(path: Path, revision: str | None) -> None:
    if revision is None:
        raise BackupRefused("backup.not_a_store", path=str(path))
    if revision not in _known_revisions():
        raise BackupRefused("backup.too_new", path=str(path), revision=revision,
                            head=head_revision())


def _refuse_non_empty(url: str, force: bool) -> None:
    if force:
        return
    with Store(url) as target:
        if target.schema_state()[0] != "empty":
            raise BackupRefused("backup.target_not_empty", db=target.display_url())


def _restore_sqlite(path: Path, target: Path, force: bool) -> RestoreResult:
    _check_sqlite_file(path)
    if target.exists() and target.stat().st_size > 0:
        _refuse_non_empty(resolve_url(target), force)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restore.partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        with Store(resolve_url(partial)) as store:
            upgraded_from, revision, records = _bring_forward_and_verify(store, path)
        dst = sqlite3.connect(partial)
        try:
            dst.execute("PRAGMA journal_mode=DELETE")  # fold the log in: one file to rename
        finally:
            dst.close()
        _fsync(partial)
        _replace_sqlite(partial, target)
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
    return RestoreResult(str(target), revision, upgraded_from, records)


def _check_sqlite_file(path: Path) -> None:
    """Refuses a file SQLite cannot read whole, or that is not a readiness store of a schema
    this code knows; nothing else is looked at before these pass."""
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            tables = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = (conn.execute("SELECT version_num FROM alembic_version").fetchone()
                        if "alembic_version" in tables else None)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupRefused("backup.damaged", path=str(path), detail=str(exc)) from None
    if rows != ["ok"]:
        raise BackupRefused("backup.damaged", path=str(path), detail="; ".join(rows[:3]))
    _refuse_newer(path, revision[0] if revision else None)


def _bring_forward_and_verify(store: Store, path: Path) -> tuple[str | None, str, int]:
    """Upgrade a restored copy of an older schema; then its audit chain must verify."""
    from readiness.store.audit import list_records, verify

    state, revision, _head = store.schema_state()
    if state in ("empty", "foreign"):
        raise BackupRefused("backup.not_a_store", path=str(path))
    if state == "new":
        raise BackupRefused("backup.too_new", path=str(path), revision=revision,
                            head=head_revision())
    upgraded_from = None
    if state == "old":
        upgraded_from, revision = store.upgrade()
    with store.read() as session:
        problems = verify(session)
        records = len(list_records(session, limit=None))
    if problems:
        raise BackupRefused("backup.audit_failed", path=str(path), count=len(problems))
    return upgraded_from, revision or "", records


def _replace_sqlite(partial: Path, target: Path) -> None:
    """Put the checked copy in place in one rename. The old store's log is folded in and
    removed first, so that it can never be replayed onto the restored file."""
    if target.exists():
        conn = sqlite3.connect(target)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.DatabaseError:
            pass  # a damaged or foreign target being replaced with --force
        finally:
            conn.close()
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(partial, target)
    _fsync_dir(target.parent)


def _archive_revision(path: Path) -> str | None:
    """The schema revision recorded in a pg_dump archive (its alembic_version data), read
    with pg_restore without touching any database; refuses a file pg_restore cannot read."""
    listing = _run_pg_tool("pg_restore", ["--list", str(path)])
    if listing.returncode != 0:
        raise BackupRefused("backup.damaged", path=str(path),
                            detail=_first_error(listing.stderr))
    data = _run_pg_tool("pg_restore", ["--data-only", "--table", "alembic_version",
                                       "--file", "-", str(path)])
    if data.returncode != 0:
        raise BackupRefused("backup.damaged", path=str(path), detail=_first_error(data.stderr))
    found = re.search(r"^COPY [^\n]*alembic_version[^\n]*FROM stdin;\n(.*?)\n\\\.$",
                      data.stdout, re.M | re.S)
    rows = [line for line in found.group(1).splitlines() if line] if found else []
    return rows[0].strip() if rows else None


def _restore_postgresql(path: Path, url: str, force: bool) -> RestoreResult:
    _refuse_newer(path, _archive_revision(path))
    _refuse_non_empty(url, force)
    conn_args, env = _libpq_args(make_url(url))
    # One transaction: the store holds the whole backup afterwards, or is as it was.
    args = ["--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges"]
    if force:
        args += ["--clean", "--if-exists"]
    proc = _run_pg_tool("pg_restore", [*args, *conn_args, str(path)], env)
    if proc.returncode != 0:  # e.g. an archive cut short after its table of contents
        raise BackupRefused("backup.restore_failed", path=str(path),
                            detail=_first_error(proc.stderr))
    with Store(url) as store:
        try:
            upgraded_from, revision, records = _bring_forward_and_verify(store, path)
        except BackupRefused as exc:
            if exc.key == "backup.audit_failed":
                # PostgreSQL's restore has committed by now: say so, do not pretend otherwise.
                raise BackupRefused("backup.audit_failed_restored", db=store.display_url(),
                                    count=exc.params["count"]) from None
            raise
        where = store.display_url()
    return RestoreResult(where, revision, upgraded_from, records)

