"""`readiness db backup` and `db restore` on SQLite and PostgreSQL.

A backup restores to the same rows with an audit chain that verifies; a damaged file, a file
that is not a backup and a backup of a newer schema are refused with one line and the target
left as it was; an older schema is brought forward; and a backup taken while four processes
write (the workers of test_concurrency) holds every write committed before it began, whole.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import checkpoint, file_sha256, seed_line, wait_until
from test_concurrency import (
    ITERATIONS, WORKERS, _start_workers, _task_ids, release_workers, stop_workers,
    wait_for_workers,
)

ROOT = Path(__file__).resolve().parent.parent
TOOL_TIMEOUT = 300  # seconds: only a hung command gets near this


# --- helpers -----------------------------------------------------------------------------------

def fresh_target(store_url: str, request: pytest.FixtureRequest, tmp_path: Path,
                 name: str = "restored.db") -> str:
    """An empty store location of the same kind as `store_url`."""
    if "://" not in store_url:
        return str(tmp_path / name)
    server = request.getfixturevalue("pg_server")
    url = server.new_database()
    request.addfinalizer(lambda: server.drop_database(url))
    return url


def contents(db: str) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, as text, in a stable order."""
    from readiness.store.core import Store

    with Store.open(db) as store, store.engine.connect() as conn:
        meta = sa.MetaData()
        meta.reflect(bind=conn)
        return {name: sorted(tuple(str(v) for v in row) for row in conn.execute(sa.select(table)))
                for name, table in meta.tables.items()}


def readiness_cli(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The `readiness` command in its own process, as a user runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
    return subprocess.run([sys.executable, "-m", "cli", "--db", db, "--lang", "en", "--user",
                           "backup-test", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, stdin=subprocess.DEVNULL, timeout=TOOL_TIMEOUT)


def one_error_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


@pytest.fixture
def filled(run, store_url: str) -> str:
    """A store (either backend) with a line, locations, an organisation and a hazard."""
    result = run("init", "--line", "L9", "--opening-date", "2026-12-28",
                 "--handover-date", "2026-09-01", db=store_url)
    assert result.exit_code == 0, result.output
    seed_line(store_url)
    result = run("hazard", "add", "--location", "S01", "--specialty", "psd",
                 "--category", "passenger-operation", "--description", "站台门夹人",
                 "--score", "L=3,E=6,C=15", "--residual", "L=1,E=6,C=15",
                 "--control", "工程控制：防夹挡板", "--owner-unit", "TM-KY1-01", db=store_url)
    assert result.exit_code == 0, result.output
    return store_url


# --- round trip --------------------------------------------------------------------------------

def test_backup_restores_to_the_same_store_with_a_verified_audit_chain(
        run, filled: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    backup_file = tmp_path / "store.backup"
    result = run("db", "backup", str(backup_file), db=filled)
    assert result.exit_code == 0, result.output
    assert "backed up" in result.output and backup_file.is_file()
    assert not list(tmp_path.glob(".*.partial"))

    target = fresh_target(filled, request, tmp_path)
    result = run("db", "restore", str(backup_file), "--json", db=target)
    assert result.exit_code == 0, result.output
    restored = json.loads(result.output)
    assert restored["upgraded_from"] is None and restored["audit_records"] > 10
    assert contents(target) == contents(filled)
    result = run("audit", "verify", db=target)
    assert result.exit_code == 0 and "intact" in result.output, result.output
    shown = json.loads(run("hazard", "list", "--json", db=target).output)
    assert [h["description"] for h in shown] == ["站台门夹人"]


def test_backup_refuses_to_overwrite_a_file_unless_forced(run, filled: str,
                                                          tmp_path: Path) -> None:
    backup_file = tmp_path / "store.backup"
    backup_file.write_bytes(b"keep me")
    assert "already exists" in one_error_line(run("db", "backup", str(backup_file), db=filled))
    assert backup_file.read_bytes() == b"keep me"
    assert run("db", "backup", str(backup_file), "--force", db=filled).exit_code == 0
    assert backup_file.read_bytes() != b"keep me"


def test_restore_into_a_store_with_data_needs_force(run, filled: str,
                                                    request: pytest.FixtureRequest,
                                                    tmp_path: Path) -> None:
    backup_file = tmp_path / "store.backup"
    assert run("db", "backup", str(backup_file), db=filled).exit_code == 0
    other = fresh_target(filled, request, tmp_path, "other.db")
    assert run("init", "--line", "L1", db=other).exit_code == 0
    before = contents(other)
    assert "add --force" in one_error_line(run("db", "restore", str(backup_file), db=other))
    assert contents(other) == before
    result = run("db", "restore", str(backup_file), "--force", db=other)
    assert result.exit_code == 0, result.output
    assert contents(other) == contents(filled)
    assert run("audit", "verify", db=other).exit_code == 0


# --- refused backups -------------------------------------------------------------------------

def _damaged_copies(backup_file: Path, tmp_path: Path, sqlite: bool) -> dict[str, Path]:
    data = backup_file.read_bytes()
    made = {"not a backup": b"id,name\n1,not a database\n", "empty": b"",
            "cut in half": data[: len(data) // 2]}
    if sqlite:
        # the first table page past the schema, overwritten with garbage: a valid header
        page = int.from_bytes(data[16:18], "big")
        made["a page overwritten"] = data[:page * 3] + b"\xa5" * page + data[page * 4:]
    else:
        made["the body overwritten"] = data[:200] + b"\xa5" * (len(data) - 400) + data[-200:]
    paths = {}
    for name, content in made.items():
        path = tmp_path / (name.replace(" ", "_") + ".backup")
        path.write_bytes(content)
        paths[name] = path
    return paths


def test_a_damaged_or_foreign_file_is_refused_and_the_target_untouched(
        run, filled: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    backup_file = tmp_path / "store.backup"
    assert run("db", "backup", str(backup_file), db=filled).exit_code == 0
    target = fresh_target(filled, request, tmp_path)
    sqlite = "://" not in filled
    for name, path in _damaged_copies(backup_file, tmp_path, sqlite).items():
        line = one_error_line(run("db", "restore", str(path), db=target))
        assert path.name in line and "nothing was restored" in line, (name, line)
        if sqlite:
            assert not Path(target).exists(), name
            assert not list(tmp_path.glob(".*.partial")), name
        else:
            from readiness.store.core import Store

            with Store(target) as store:
                assert store.schema_state()[0] == "empty", name
    # a file of the other kind of store is refused, not half-used
    if sqlite:
        line = one_error_line(run("db", "restore", str(backup_file), db="postgresql+psycopg://"
                                  "nobody@127.0.0.1:9/none"))
        assert "cannot be restored into" in line


def test_a_newer_schema_backup_is_refused(run, filled: str, request: pytest.FixtureRequest,
                                          tmp_path: Path) -> None:
    from readiness.store.core import Store, head_revision, resolve_url

    engine = sa.create_engine(resolve_url(filled))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    backup_file = tmp_path / "newer.backup"
    result = run("db", "backup", str(backup_file), db=filled)
    assert result.exit_code == 0, result.output
    target = fresh_target(filled, request, tmp_path)
    line = one_error_line(run("db", "restore", str(backup_file), db=target))
    assert f"is at schema 9999, newer than this code knows ({head_revision()})" in line
    if "://" not in filled:
        assert not Path(target).exists()
    else:
        with Store(target) as store:
            assert store.schema_state()[0] == "empty"


def test_an_older_schema_backup_is_brought_forward(run, store_url: str,
                                                   request: pytest.FixtureRequest,
                                                   tmp_path: Path) -> None:
    from readiness.store.core import Store, head_revision, resolve_url

    with Store(resolve_url(store_url)) as old:
        old.upgrade("0004")
    backup_file = tmp_path / "old.backup"
    result = run("db", "backup", str(backup_file), db=store_url)
    assert result.exit_code == 0, result.output
    assert "schema 0004" in result.output
    target = fresh_target(store_url, request, tmp_path)
    result = run("db", "restore", str(backup_file), db=target)
    assert result.exit_code == 0, result.output
    assert f"older schema 0004 was brought forward to {head_revision()}" in result.output
    with Store.open(target) as store:
        assert store.schema_state()[0] == "current"


def test_a_backup_whose_audit_chain_was_altered_is_refused(run, line_db: str,
                                                           tmp_path: Path) -> None:
    """SQLite: the restored copy is checked before it replaces anything."""
    backup_file = tmp_path / "store.backup"
    assert run("db", "backup", str(backup_file)).exit_code == 0
    conn = sqlite3.connect(backup_file)
    with conn:
        conn.execute("UPDATE lines SET name = 'L9 (edited)'")
    conn.close()
    target = tmp_path / "restored.db"
    line = one_error_line(run("db", "restore", str(backup_file), db=str(target)))
    assert "does not verify" in line and "nothing was restored" in line
    assert not target.exists()
    # nor does it replace a store that is already there (with --force)
    assert run("init", "--line", "L1", db=str(target)).exit_code == 0
    checkpoint(target)
    before = file_sha256(target)
    one_error_line(run("db", "restore", str(backup_file), "--force", db=str(target)))
    assert file_sha256(target) == before


# --- a backup while four processes write -----------------------------------------------------

def _committed(db: str) -> dict[str, set[str]]:
    from readiness.store.core import Store
    from readiness.store.schema import DrillRun, Hazard, PdcaItem

    with Store.open(db) as store, store.read() as session:
        return {"hazards": set(session.scalars(sa.select(Hazard.code))),
                "runs": set(session.scalars(sa.select(DrillRun.code))),
                "pdca": set(session.scalars(sa.select(PdcaItem.title)))}


def _whole(db: str) -> dict[str, object]:
    """What would show a half-written write: a hazard without its evaluation or control, a
    run without all its task ratings, a PDCA item without its opening transition."""
    from sqlalchemy import func

    from readiness.store.core import Store
    from readiness.store.schema import (
        ControlMeasure, DrillRun, Hazard, HazardEvaluation, PdcaItem, PdcaTransition,
        TaskEvaluation,
    )

    def per(column):
        return dict(session.execute(sa.select(column, func.count()).group_by(column)).all())

    with Store.open(db) as store, store.read() as session:
        hazards = set(session.scalars(sa.select(Hazard.id)))
        evaluations = per(HazardEvaluation.hazard_id)
        controls = per(ControlMeasure.hazard_id)
        runs = set(session.scalars(sa.select(DrillRun.id)))
        ratings = per(TaskEvaluation.run_id)
        items = set(session.scalars(sa.select(PdcaItem.id)))
        transitions = per(PdcaTransition.item_id)
    return {"hazards without evaluation": sorted(hazards - set(evaluations)),
            "hazards without control": sorted(hazards - set(controls)),
            "runs' rating counts": sorted({ratings.get(r, 0) for r in runs}),
            "items without transitions": sorted(items - set(transitions))}


def test_a_backup_under_four_writers_restores_every_committed_write(
        run, store_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    result = run("init", "--line", "L9", "--opening-date", "2026-12-28",
                 "--handover-date", "2026-09-01", db=store_url)
    assert result.exit_code == 0, result.output
    seed_line(store_url)
    tasks = _task_ids(run, store_url)
    backup_file = tmp_path / "under_load.backup"

    barrier, procs = _start_workers(store_url, tmp_path, tasks)
    try:
        release_workers(barrier, procs, tmp_path)
        # let the writers get going: some of every kind of write has landed
        wait_until(lambda: all(len(v) >= 8 for v in _committed(store_url).values()), 300,
                   "the writers committing their first writes")
        before_backup = _committed(store_url)
        backup = readiness_cli(store_url, "db", "backup", str(backup_file))
        running_after_backup = sum(p.poll() is None for _w, p, *_ in procs)
        codes = wait_for_workers(procs, tmp_path)
    finally:
        stop_workers(procs)
    assert backup.returncode == 0, backup.stderr
    assert codes == {w: 0 for w in range(1, WORKERS + 1)}, codes
    final = _committed(store_url)
    assert len(final["hazards"]) == WORKERS * ITERATIONS

    target = fresh_target(store_url, request, tmp_path)
    restored = readiness_cli(target, "db", "restore", str(backup_file))
    assert restored.returncode == 0, restored.stderr
    verified = readiness_cli(target, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    in_backup = _committed(target)
    for kind, codes_before in before_backup.items():
        assert codes_before <= in_backup[kind], f"{kind} committed before the backup are missing"
        assert in_backup[kind] <= final[kind], kind
    # the backup is a moment in the middle of the writing, not its end
    assert running_after_backup > 0 or in_backup != final, "no write was under way"
    assert _whole(target) == {"hazards without evaluation": [], "hazards without control": [],
                              "runs' rating counts": [len(tasks)],
                              "items without transitions": []}
