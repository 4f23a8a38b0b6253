"""Fixtures: a store on SQLite and on a real PostgreSQL server, and the CLI runner.

`store_url` is parametrised over both backends, so every store test runs twice. PostgreSQL tests
skip locally when no server can be started, and fail under CI (READINESS_REQUIRE_PG=1).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from pgserver import PostgresServer, PostgresUnavailable


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

    def invoke(*args: str, db: str | None = None, lang: str = "en", user: str = "tester"):
        base = ["--db", db or str(tmp_path / "store.db"), "--lang", lang, "--user", user]
        return runner.invoke(cli.cli, [*base, *args], catch_exceptions=False)

    return invoke


@pytest.fixture
def line_db(run, tmp_path: Path) -> str:
    """A store with one line, 'L9', and no locations."""
    db = str(tmp_path / "store.db")
    result = run("init", "--line", "L9", "--opening-date", "2026-12-28",
                 "--handover-date", "2026-09-01", db=db)
    assert result.exit_code == 0, result.output
    return db
