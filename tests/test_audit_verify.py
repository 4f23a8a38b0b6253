"""`readiness audit verify` names every kind of tampering, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from readiness.store.core import resolve_url


@pytest.fixture
def store(run, store_url):
    from conftest import seed_line

    assert run("init", "--line", "L9", db=store_url).exit_code == 0
    seed_line(store_url)
    result = run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
                 "equipment", "--description", "站台门夹人", "--score", "L=3,E=6,C=15",
                 "--residual", "L=1,E=6,C=15", "--control", "engineering: 挡板", db=store_url)
    assert result.exit_code == 0, result.output
    assert run("hazard", "evaluate", "H-0001", "--score", "L=3,E=6,C=15", "--residual",
               "L=0.5,E=6,C=15", db=store_url).exit_code == 0
    return store_url


def tamper(url: str, *statements: str) -> None:
    engine = sa.create_engine(resolve_url(url))
    with engine.begin() as conn:
        for sql in statements:
            conn.execute(sa.text(sql))
    engine.dispose()


def verify(run, url):
    result = run("audit", "verify", "--json", db=url)
    first_line = result.output.split("\nError:")[0]
    return result.exit_code, json.loads(first_line) if first_line.strip().startswith("[") else None


def test_an_untouched_store_verifies(run, store) -> None:
    result = run("audit", "verify", db=store)
    assert (result.exit_code, result.output) == (
        0, "the audit trail is intact and every data row agrees with it\n")


def test_an_edited_record(run, store) -> None:
    tamper(store, "UPDATE audit_log SET username = 'mallory' WHERE id = 5")
    code, problems = verify(run, store)
    assert code == 1 and problems[0] == {"kind": "edited", "record": 5}


def test_a_deleted_record(run, store) -> None:
    tamper(store, "DELETE FROM audit_log WHERE id = 7")
    code, problems = verify(run, store)
    assert code == 1 and problems[0] == {"kind": "broken-link", "record": 8}


def test_reordered_records(run, store) -> None:
    tamper(store, "UPDATE audit_log SET id = -1 WHERE id = 9",
           "UPDATE audit_log SET id = 9 WHERE id = 10",
           "UPDATE audit_log SET id = 10 WHERE id = -1")
    code, problems = verify(run, store)
    assert code == 1 and problems[0] == {"kind": "broken-link", "record": 9}


def test_a_data_row_changed_added_or_deleted_behind_the_toolkits_back(run, store) -> None:
    tamper(store, "UPDATE hazards SET description = '已篡改' WHERE code = 'H-0001'")
    code, problems = verify(run, store)
    assert code == 1
    assert {"kind": "row-changed", "table": "hazards", "id": 1, "column": "description"} in problems
    tamper(store, "INSERT INTO locations (line_id, code, name, kind, seq) "
                  "VALUES (1, 'X9', '幽灵站', 'station', 99)",
           "DELETE FROM control_measures")
    code, problems = verify(run, store)
    kinds = {(p["kind"], p["table"]) for p in problems}
    assert {("row-added", "locations"), ("row-deleted", "control_measures")} <= kinds
    text = run("audit", "verify", db=store).output
    assert "control_measures row 1 was deleted behind the toolkit's back" in text
    assert text.rstrip().splitlines()[-1].startswith("Error: audit verification found")
