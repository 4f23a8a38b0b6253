"""The store on SQLite and PostgreSQL: creation, schema versions, upgrades, audit, atomic writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from readiness.errors import StoreMissing, StoreVersionError
from readiness.lines import init_line, set_line
from readiness.store.audit import broken_links, list_records
from readiness.store.core import Store, head_revision, resolve_url
from readiness.store.schema import Line, Location
from readiness.actor import Actor


def test_create_then_open_is_current(store_url: str) -> None:
    with Store.create(store_url) as store:
        assert store.schema_state() == ("current", head_revision(), head_revision())
    with Store.open(store_url) as store:
        init_line(store, "L9", actor=Actor("alice"))
    with Store.open(store_url) as store:  # and again: nothing re-created, the line is there
        with store.read() as s:
            assert [ln.name for ln in s.scalars(sa.select(Line))] == ["L9"]


def test_missing_sqlite_file_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nope.db"
    with pytest.raises(StoreMissing) as err:
        Store.open(path)
    assert "readiness init" in err.value.message("en")
    assert not path.exists()


def test_empty_database_is_refused(store_url: str) -> None:
    if not store_url.startswith("postgresql"):
        Path(store_url).touch()
    with pytest.raises(StoreMissing) as err:
        Store.open(store_url)
    assert "empty database" in err.value.message("en")


def test_store_newer_than_code_is_refused(store_url: str) -> None:
    Store.create(store_url).close()
    engine = sa.create_engine(resolve_url(store_url))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreVersionError) as err:
        Store.open(store_url)
    assert err.value.message("en").endswith(
        f"is at schema 9999, newer than this code knows ({head_revision()}): "
        "upgrade metro-readiness to use it")
    with pytest.raises(StoreVersionError):  # and upgrade does not touch it either
        Store(resolve_url(store_url)).upgrade()


def test_store_at_first_migration_upgrades_with_nothing_lost(store_url: str) -> None:
    raw = Store(resolve_url(store_url))
    raw.upgrade("0001")
    with raw.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO lines (name, profile, phase, fully_automatic, scoring_method, settings,"
            " created_at) VALUES ('Old line', 'mot-2019', 'handover', false, 'LEC', '{}',"
            " '2026-01-02 03:04:05')"))
        line_id = conn.execute(sa.text("SELECT id FROM lines")).scalar()
        conn.execute(sa.text("INSERT INTO locations (line_id, code, name, kind, seq) VALUES"
                             " (:l, 'S01', '老城站', 'station', 1)"), {"l": line_id})
        for n in range(3):
            conn.execute(sa.text(
                "INSERT INTO audit_log (at, username, action, entity, entity_id, entity_key,"
                " before, after) VALUES ('2026-01-02 03:04:05', 'old', 'update', 'lines', :l,"
                " 'Old line', :b, :a)"),
                {"l": line_id, "b": json.dumps({"phase": n}), "a": json.dumps({"phase": n + 1})})
    assert raw.schema_state()[0] == "old"
    with pytest.raises(StoreVersionError) as err:
        Store.open(store_url)
    assert "run readiness db upgrade" in err.value.message("en")

    before, after = raw.upgrade()
    raw.close()
    assert (before, after) == ("0001", head_revision())
    with Store.open(store_url) as store, store.read() as s:
        line = s.scalars(sa.select(Line)).one()
        assert (line.name, line.profile, line.phase) == ("Old line", "mot-2019", "handover")
        assert [(x.code, x.name) for x in s.scalars(sa.select(Location))] == [("S01", "老城站")]
        records = sorted(list_records(s, limit=None), key=lambda r: r["id"])
        assert [r["after"] for r in records] == [{"phase": 1}, {"phase": 2}, {"phase": 3}]
        assert all(r["hash"] for r in records) and broken_links(records) == []


def test_every_write_is_audited_with_before_and_after(store_url: str) -> None:
    with Store.create(store_url) as store:
        init_line(store, "L9", actor=Actor("alice"))
        set_line(store, "L9", profile="mot-2019", actor=Actor("bob"))
        with store.read() as s:
            records = sorted(list_records(s, limit=None), key=lambda r: r["id"])
            lines = sorted(list_records(s, entity="lines", limit=None), key=lambda r: r["id"])
    created, updated = lines
    assert (created["action"], created["entity"], created["entity_key"], created["username"]) == (
        "create", "lines", "L9", "alice")
    assert created["before"] is None and created["after"]["profile"] == "mot-2023"
    assert (updated["action"], updated["username"]) == ("update", "bob")
    assert updated["before"] == {"profile": "mot-2023"}
    assert updated["after"] == {"profile": "mot-2019"}
    assert broken_links(records) == []


def test_audit_chain_detects_an_edited_record(store_url: str) -> None:
    with Store.create(store_url) as store:
        init_line(store, "L9", actor=Actor("alice"))
        set_line(store, "L9", profile="mot-2019", actor=Actor("bob"))
        with store.engine.begin() as conn:  # tamper behind the toolkit's back
            conn.execute(sa.text("UPDATE audit_log SET username = 'mallory' WHERE id = "
                                 "(SELECT min(id) FROM audit_log)"))
        with store.read() as s:
            records = sorted(list_records(s, limit=None), key=lambda r: r["id"])
    assert broken_links(records) == [records[0]["id"]]  # only the edited one: the links hold


def test_a_failed_write_leaves_nothing(store_url: str) -> None:
    with Store.create(store_url) as store:
        with pytest.raises(RuntimeError):
            with store.write(Actor("alice"), "test") as session:
                session.add(Line(name="half", created_at=session.now))
                session.flush()
                raise RuntimeError("crash half-way")
        with store.read() as s:
            assert s.scalars(sa.select(Line)).all() == []
            assert list_records(s) == []


def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(tmp_path: Path) -> None:
    with Store.create(tmp_path / "s.db") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_a_busy_store_is_waited_for_then_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    """Another writer holding the lock is waited out; one that holds it too long gives a
    one-line "busy" error, never a raw "database is locked"."""
    import sqlite3
    import threading
    import time
    from types import SimpleNamespace

    import readiness.store.core as core

    db = tmp_path / "busy.db"
    with Store.create(db) as store:
        init_line(store, "L9", actor=Actor("a"))
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    threading.Timer(1.5, lambda: holder.execute("COMMIT")).start()
    monkeypatch.setenv("READINESS_SQLITE_BUSY_MS", "300")
    monkeypatch.setattr(core, "WRITE_RETRY_PAUSES", (0.5, 0.5, 1.0))
    pauses: list[float] = []

    def pause(seconds: float) -> None:  # the store's own back-off, recorded
        pauses.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(core, "time", SimpleNamespace(sleep=pause))
    with Store.open(db) as store:
        set_line(store, "L9", profile="mot-2019", actor=Actor("b"))  # waits, retries, lands
    assert pauses, "the write landed without waiting for the writer that held the lock"
    pauses.clear()
    holder.execute("BEGIN IMMEDIATE")  # now hold it for good
    with Store.open(db) as store, pytest.raises(core.StoreBusy) as err:
        set_line(store, "L9", profile="mot-2023", actor=Actor("c"))
    assert pauses == list(core.WRITE_RETRY_PAUSES)  # every retry, then the clear error
    holder.execute("ROLLBACK")
    holder.close()
    assert "database is locked" not in err.value.message("en")
    assert "is being written by someone else" in err.value.message("en")


def test_the_migrations_build_exactly_the_tables_the_code_defines(store_url: str) -> None:
    """The Core tables (tables.py), which every query and the ORM classes use, are what the
    migrations build: autogenerate finds nothing to add, drop or alter."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from readiness.store import tables
    from readiness.store.schema import Base

    assert Base.metadata is tables.metadata
    with Store.create(store_url) as store, store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "compare_server_default": True})
        assert compare_metadata(context, tables.metadata) == []
