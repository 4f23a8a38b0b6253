"""The audit trail's library (`readiness audit`), called as a second face will call it, on SQLite
and PostgreSQL: the listing's filters checked, every kind of tampering `audit verify` tests
make named as a typed problem, and the one error a trail that does not hold gives."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from readiness.audit import (AuditRecord, BrokenRecord, ChangedRow, TamperedRow, Verification,
                             list_records, verify)
from readiness.errors import InvalidValue, ReadinessError
from readiness.store.core import Store
from test_audit_verify import tamper


@pytest.fixture
def trail(run, store_url: str) -> str:
    """A store (either backend) with a line, locations, an organisation and one hazard
    evaluated twice: the trail `test_audit_verify` tampers with."""
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


@pytest.fixture
def store(trail: str):
    with Store.open(trail) as s:
        yield s


def printed(result, capsys) -> object:
    from readiness.commands.options import emit_json

    emit_json(result)
    return json.loads(capsys.readouterr().out)


# --- the listing ------------------------------------------------------------------------------------

def test_a_negative_limit_is_refused_naming_the_option(store) -> None:
    with pytest.raises(InvalidValue) as err:
        list_records(store, limit=-1)
    assert (err.value.key, err.value.params["option"]) == ("option.below_minimum", "--limit")


def test_records_are_typed_newest_first_and_filtered(store, capsys) -> None:
    records = list_records(store, limit=0)
    assert all(type(r) is AuditRecord for r in records) and len(records) > 10
    assert [r.id for r in records] == sorted((r.id for r in records), reverse=True)
    assert all(isinstance(r.at, dt.datetime) for r in records)
    assert tuple(f.name for f in dataclasses.fields(AuditRecord)) == (
        "id", "at", "username", "action", "entity", "entity_id", "entity_key", "before", "after",
        "command", "prev_hash", "hash")
    assert len(list_records(store, limit=3)) == 3
    lines = list_records(store, entity="lines")
    assert [(r.action, r.entity, r.entity_key, r.username) for r in lines] == [
        ("create", "lines", "L9", "tester")]
    hazard = list_records(store, key="H-0001", limit=0)  # with its evaluations and controls
    assert {"hazards", "hazard_evaluations", "control_measures"} <= {r.entity for r in hazard}
    shown = printed(lines, capsys)[0]
    assert list(shown) == [f.name for f in dataclasses.fields(AuditRecord)]
    assert shown["at"] == lines[0].at.isoformat()


# --- verification -----------------------------------------------------------------------------------

def test_an_untouched_store_verifies(store) -> None:
    result = verify(store)
    assert result == Verification([]) and result.intact
    result.raise_if_tampered()  # nothing to raise


def test_an_edited_record_is_named_and_is_the_tampered_error(store, trail, capsys) -> None:
    tamper(trail, "UPDATE audit_log SET username = 'mallory' WHERE id = 5")
    result = verify(store)
    assert not result.intact and result.problems[0] == BrokenRecord("edited", 5)
    assert result.problems[0].message("en") == "audit record 5 was edited (its hash does not match)"
    with pytest.raises(ReadinessError) as err:
        result.raise_if_tampered()
    assert (err.value.key, err.value.params) == ("audit.tampered",
                                                 {"count": len(result.problems)})
    assert printed(result.problems, capsys)[0] == {"kind": "edited", "record": 5}


def test_a_deleted_or_reordered_record_breaks_the_link(store, trail) -> None:
    tamper(trail, "DELETE FROM audit_log WHERE id = 7")
    assert verify(store).problems[0] == BrokenRecord("broken-link", 8)


def test_data_rows_changed_added_or_deleted(store, trail, capsys) -> None:
    tamper(trail, "UPDATE hazards SET description = '已篡改' WHERE code = 'H-0001'")
    assert ChangedRow("row-changed", "hazards", 1, "description") in verify(store).problems
    tamper(trail, "INSERT INTO locations (line_id, code, name, kind, seq) "
                  "VALUES (1, 'X9', '幽灵站', 'station', 99)",
           "DELETE FROM control_measures")
    problems = verify(store).problems
    rows = {(p.kind, p.table) for p in problems if type(p) is TamperedRow}
    assert {("row-added", "locations"), ("row-deleted", "control_measures")} <= rows
    deleted = next(p for p in problems if p.kind == "row-deleted")
    assert deleted.message("en") == \
        "control_measures row 1 was deleted behind the toolkit's back"
    shown = printed(problems, capsys)
    assert {"kind": "row-changed", "table": "hazards", "id": 1, "column": "description"} in shown
    assert {"kind": "row-deleted", "table": "control_measures", "id": 1} in shown
