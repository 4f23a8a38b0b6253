"""Fixtures: a store on SQLite and on a real PostgreSQL server, and the CLI runner.

`store_url` is parametrised over both backends, so every store test runs twice. PostgreSQL tests
skip locally when no server can be started, and fail under CI (READINESS_REQUIRE_PG=1).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from pgserver import PostgresServer, PostgresUnavailable
from readiness.actor import Actor


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as exc:
        if os.environ.get("READINESS_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL is required here but unavailable: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store location: a SQLite file path, or a fresh PostgreSQL database URL."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    url = server.new_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def run(runner: CliRunner, tmp_path: Path):
    """Invoke the CLI in English against a store at tmp_path/store.db unless --db is given."""

    def invoke(*args: str, db: str | None = None, lang: str = "en", user: str = "tester",
               input: str | None = None):
        base = ["--db", db or str(tmp_path / "store.db"), "--lang", lang, "--user", user]
        return runner.invoke(cli.cli, [*base, *args], input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def line_db(run, tmp_path: Path) -> str:
    """A store with one line, 'L9', and no locations."""
    db = str(tmp_path / "store.db")
    result = run("init", "--line", "L9", "--opening-date", "2026-12-28",
                 "--handover-date", "2026-09-01", db=db)
    assert result.exit_code == 0, result.output
    return db


ORG_UNITS = [  # code, name, level, parent
    ("C", "示范运营公司", "company", None), ("HQ", "运营总部", "hq", "C"),
    ("CT-KY", "客运中心", "centre", "HQ"), ("DV-KY1", "客运一分部", "division", "CT-KY"),
    ("TM-KY1-01", "龙湖公园站务班组", "team", "DV-KY1"),
    ("TM-KY1-02", "科技大道站务班组", "team", "DV-KY1"),
]
ORG_PEOPLE = [  # staff ID, name, unit, post
    ("900001", "王建国", "C", "总经理"), ("900010", "李明", "CT-KY", "中心主任"),
    ("900020", "陈静", "DV-KY1", "分部经理"), ("900030", "刘洋", "TM-KY1-01", "班组长"),
    ("900031", "张伟", "TM-KY1-01", "站务员"), ("900032", "张伟", "TM-KY1-02", "站务员"),
]


def seed_line(db: str, locations=(("S01", "龙湖公园站", "station", 1),
                                  ("Q01-02", "龙湖公园—科技大道区间", "section", 2),
                                  ("S02", "科技大道站", "station", 3),
                                  ("D01", "南湖车辆段", "depot", 4))) -> None:
    """Give the only line of `db` some locations and the company a small organisation."""
    from readiness.store.core import Store
    from readiness.store.lines import find_line
    from readiness.store.schema import Location, OrgUnit, Person

    with Store.open(db) as store, store.write(Actor("seed"), "seed") as session:
        line = find_line(session, None)
        session.insert_rows(Location, [{"line_id": line.id, "code": c, "name": n, "kind": k,
                                        "seq": s} for c, n, k, s in locations])
        session.insert_rows(OrgUnit, [{"code": c, "name": n, "level": lv, "parent_code": p,
                                       "head_staff_id": None, "posts": []}
                                      for c, n, lv, p in ORG_UNITS])
        session.insert_rows(Person, [{"staff_id": s, "name": n, "unit_code": u, "post": p}
                                     for s, n, u, p in ORG_PEOPLE], key_field="staff_id")


@pytest.fixture
def org_db(line_db: str) -> str:
    """A store with line L9, four locations and a six-unit organisation."""
    seed_line(line_db)
    return line_db


# --- what a SQLite store holds, to show that a refused write left it unchanged ----------------

def checkpoint(db: str | Path) -> None:
    """Fold the write-ahead log into the database file, so that the file is the whole store."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def table_counts(db: str | Path) -> dict[str, int]:
    """The row count of every table."""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


# --- waiting without asserting speed: a bound that fails clearly, never a timing target -------

def wait_until(ready, timeout: float, what: str, poll: float = 0.02) -> None:
    """Poll `ready()` until it is true; after `timeout` seconds fail naming `what` did not
    happen. The bound only stops a hung test: speed is measured in bench/, not asserted here."""
    import time

    end = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > end:
            pytest.fail(f"{what}: not done within {timeout:g} s (a hang, not a slow machine?)")
        time.sleep(poll)


@contextlib.contextmanager
def hang_guard(timeout: float, what: str) -> Iterator[None]:
    """Fail the test, naming `what`, if the block has not finished after `timeout` seconds
    (SIGALRM, main thread). For in-process calls that cannot be given a timeout themselves."""
    import signal

    def expired(_signum: int, _frame: object) -> None:
        pytest.fail(f"{what}: not finished within {timeout:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
