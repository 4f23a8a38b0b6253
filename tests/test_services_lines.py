"""Lines, locations and the store itself, called as a second face (the web application) will
call them: each bad input the `init`, `line`, `location` and `db` command tests use refused by
the library with the same error and message key, and typed results (dates as dates, keys in
the order `--json` has always printed them)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from readiness.actor import Actor
from readiness.admin import (BackupResult, RestoreResult, SchemaChange, StoreStatus, backup_store,
                             create_store, downgrade_store, restore_store, store_status,
                             upgrade_store)
from readiness.errors import (BackupRefused, InvalidValue, LineNotFound, StoreMissing,
                              StoreVersionError)
from readiness.lines import (Line, LineSummary, LineView, Location, init_line, list_lines,
                             list_locations, set_line, show_line)
from readiness.store.core import Store, head_revision, resolve_url

ME = Actor("tester")
LINE_KEYS = ("id", "name", "planned_opening", "handover_date", "profile", "phase",
             "fully_automatic", "scoring_method", "band_table", "settings", "created_at")
LOCATION_KEYS = ("id", "line_id", "code", "name", "kind", "seq", "note")


@pytest.fixture
def store(line_db):
    with Store.open(line_db) as s:
        yield s


def refused(call, error=InvalidValue):
    with pytest.raises(error) as caught:
        call()
    return caught.value


def keys(result) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(result))


def printed(result, capsys) -> object:
    """What `--json` prints for a result."""
    from readiness.commands.options import emit_json

    emit_json(result)
    return json.loads(capsys.readouterr().out)


# --- bad input, as the command tests give it ------------------------------------------------------

def test_an_unknown_profile_is_refused_naming_the_option(store) -> None:
    err = refused(lambda: set_line(store, None, profile="mot-1999", actor=ME))
    assert (err.key, err.params["option"], err.params["value"]) == (
        "option.bad_code", "--profile", "mot-1999")
    err = refused(lambda: init_line(store, "L3", profile="zzz", actor=ME))
    assert (err.key, err.params["option"]) == ("option.bad_code", "--profile")


def test_a_line_that_exists_is_refused(store) -> None:
    err = refused(lambda: init_line(store, "L9", actor=ME))
    assert (err.key, err.params) == ("line.exists", {"name": "L9"})


def test_the_opening_must_come_after_the_handover(store, tmp_path: Path) -> None:
    with create_store(tmp_path / "new.db") as new:
        err = refused(lambda: init_line(new, "L10", opening=dt.date(2026, 9, 1),
                                        handover=dt.date(2026, 9, 1), actor=ME))
    assert (err.key, err.params["option"]) == ("line.opening_not_after_handover", "--opening-date")
    err = refused(lambda: set_line(store, None, handover=dt.date(2027, 1, 5), actor=ME))
    assert (err.key, err.params["option"]) == ("line.opening_not_after_handover", "--handover-date")
    assert show_line(store, None).handover_date == dt.date(2026, 9, 1)  # nothing written


def test_an_unknown_scoring_method_or_band_table_is_refused(store) -> None:
    assert refused(lambda: set_line(store, None, method="NOPE", actor=ME)).key == \
        "score.unknown_method"
    assert refused(lambda: set_line(store, None, method="LS", band_table="Z", actor=ME)).key == \
        "score.unknown_band_table"


def test_several_lines_need_a_name_and_an_unknown_name_is_refused(store) -> None:
    init_line(store, "L10", actor=ME)
    err = refused(lambda: show_line(store, None), LineNotFound)
    assert (err.key, err.params) == ("line.ambiguous", {"known": "L10, L9"})
    err = refused(lambda: show_line(store, "L11"), LineNotFound)
    assert (err.key, err.params) == ("line.not_found", {"name": "L11", "known": "L10, L9"})
    assert show_line(store, "L10").name == "L10"


def test_an_unknown_location_kind_is_refused_naming_the_option(store) -> None:
    err = refused(lambda: list_locations(store, None, "bogus"))
    assert (err.key, err.params["option"]) == ("option.bad_code", "--kind")


def test_a_missing_store_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    for call in (lambda: store_status(missing), lambda: upgrade_store(missing),
                 lambda: backup_store(missing, tmp_path / "b.backup")):
        assert refused(call, StoreMissing).key == "store.missing"
    assert not missing.exists()


def test_a_backup_file_that_exists_needs_force(line_db: str, tmp_path: Path) -> None:
    target = tmp_path / "store.backup"
    target.write_bytes(b"keep me")
    err = refused(lambda: backup_store(line_db, target), BackupRefused)
    assert err.key == "output.exists" and target.read_bytes() == b"keep me"
    assert backup_store(line_db, target, force=True).path == str(target)


def test_restore_refuses_a_store_with_data_a_non_backup_and_the_other_kind(
        line_db: str, tmp_path: Path) -> None:
    backup = backup_store(line_db, tmp_path / "store.backup")
    other = tmp_path / "other.db"
    with create_store(other) as s:
        init_line(s, "L1", actor=ME)
    assert refused(lambda: restore_store(backup.path, other), BackupRefused).key == \
        "backup.target_not_empty"
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"id,name\n1,not a database\n")
    assert refused(lambda: restore_store(junk, tmp_path / "r.db"), BackupRefused).key == \
        "backup.not_a_backup"
    assert refused(lambda: restore_store(backup.path, "postgresql+psycopg://nobody@127.0.0.1:9/x"),
                   BackupRefused).key == "backup.kind_mismatch"
    assert restore_store(backup.path, other, force=True).db == resolve_url(other).removeprefix(
        "sqlite:///")


def test_a_newer_schema_is_refused(line_db: str, tmp_path: Path) -> None:
    engine = sa.create_engine(resolve_url(line_db))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    assert store_status(line_db).state == "new"
    assert refused(lambda: upgrade_store(line_db), StoreVersionError).key == "store.too_new"
    backup = backup_store(line_db, tmp_path / "newer.backup")
    assert refused(lambda: restore_store(backup.path, tmp_path / "r.db"), BackupRefused).key == \
        "backup.too_new"


def test_a_backup_whose_audit_chain_was_altered_is_refused(line_db: str, tmp_path: Path) -> None:
    backup = backup_store(line_db, tmp_path / "store.backup")
    conn = sqlite3.connect(backup.path)
    with conn:
        conn.execute("UPDATE lines SET name = 'L9 (edited)'")
    conn.close()
    assert refused(lambda: restore_store(backup.path, tmp_path / "r.db"), BackupRefused).key == \
        "backup.audit_failed"


LOCATIONS_HEAD = ["编号 ID", "名称 Name", "类型 Kind", "顺序 Order"]


def test_an_import_that_cannot_be_read_or_placed_is_refused(store, tmp_path: Path) -> None:
    from readiness.errors import ImportRejected, ReadinessError
    from readiness.importing import import_file
    from workbooks import make_workbook

    err = refused(lambda: import_file(store, tmp_path / "none.xlsx", actor=ME), ReadinessError)
    assert err.key == "import.no_file"
    book = make_workbook(tmp_path / "t.xlsx", {"位置": [LOCATIONS_HEAD, ["S01", "甲站", "车站", 1]]})
    err = refused(lambda: import_file(store, book, kind="stations", actor=ME))
    assert err.key == "import.unknown_kind"
    extra = make_workbook(tmp_path / "x.xlsx", {"位置": [[*LOCATIONS_HEAD, "Remarkz"],
                                                         ["S01", "甲站", "车站", 1, "x"]]})
    err = refused(lambda: import_file(store, extra, actor=ME), ImportRejected)
    assert err.key == "import.rejected" and [p.key for p in err.problems] == [
        "import.unknown_column"]
    assert list_locations(store, None) == []  # nothing was written


def test_an_import_gives_a_typed_result(store, tmp_path: Path) -> None:
    from readiness.importing import ImportResult, import_file
    from workbooks import make_workbook

    book = make_workbook(tmp_path / "t.xlsx", {"位置": [LOCATIONS_HEAD, ["S01", "甲站", "车站", 1],
                                                        ["S02", "乙站", "车站", 2]]})
    tried = import_file(store, book, actor=ME, dry_run=True)
    assert type(tried) is ImportResult
    assert (tried.kind, tried.dry_run, tried.written, tried.rows) == ("line", True, False, 2)
    assert list_locations(store, None) == []
    done = import_file(store, book, actor=ME)
    assert (done.written, done.created, done.rejected) == (True, 2, 0)
    assert [p.code for p in list_locations(store, None)] == ["S01", "S02"]


# --- typed results ----------------------------------------------------------------------------------

def test_a_line_is_typed_with_dates_as_dates(tmp_path: Path, capsys) -> None:
    with create_store(tmp_path / "new.db") as s:
        line = init_line(s, "L2", opening=dt.date(2027, 1, 1), handover=dt.date(2026, 10, 1),
                         profile="mot-2023-fao", method="LS", actor=ME)
    assert type(line) is Line and keys(line) == LINE_KEYS
    assert (line.planned_opening, line.handover_date) == (dt.date(2027, 1, 1), dt.date(2026, 10, 1))
    assert isinstance(line.created_at, dt.datetime)
    assert (line.profile, line.fully_automatic, line.scoring_method) == ("mot-2023-fao", True, "LS")
    shown = printed(line, capsys)
    assert list(shown) == list(LINE_KEYS) and shown["planned_opening"] == "2027-01-01"


def test_set_line_returns_the_line_as_changed(store) -> None:
    changed = set_line(store, None, opening=dt.date(2026, 12, 30), profile="mot-2019",
                       method="LS", band_table="B", actor=ME)
    assert type(changed) is Line
    assert (changed.planned_opening, changed.profile, changed.scoring_method,
            changed.band_table) == (dt.date(2026, 12, 30), "mot-2019", "LS", "B")


def test_listing_and_showing_count_locations(org_db: str, capsys) -> None:
    with Store.open(org_db) as s:
        lines = list_lines(s)
        shown = show_line(s, "L9")
        places = list_locations(s, None)
        depots = list_locations(s, None, "车辆段")  # a label is taken as the user types it
    assert [type(ln) for ln in lines] == [LineSummary] and keys(lines[0]) == (*LINE_KEYS,
                                                                               "locations")
    assert (lines[0].name, lines[0].locations, lines[0].phase) == ("L9", 4, "site-follow-up")
    assert isinstance(lines[0].handover_date, dt.date)
    assert type(shown) is LineView and shown.locations == {
        "station": 2, "section": 1, "depot": 1, "control-centre": 0}
    assert [type(p) for p in places] == [Location] * 4 and keys(places[0]) == LOCATION_KEYS
    assert [p.code for p in places] == ["S01", "Q01-02", "S02", "D01"]
    assert [(p.code, p.kind) for p in depots] == [("D01", "depot")]
    assert list(printed(shown, capsys)["locations"]) == ["station", "section", "depot",
                                                          "control-centre"]


def test_store_status_upgrade_and_downgrade(store_url: str, capsys) -> None:
    with create_store(store_url) as s:
        init_line(s, "L9", actor=ME)
        where = s.display_url()
    status = store_status(store_url)
    assert type(status) is StoreStatus and keys(status) == ("db", "state", "revision", "head")
    assert (status.db, status.state, status.revision, status.head) == (
        where, "current", head_revision(), head_revision())
    assert printed(status, capsys) == dataclasses.asdict(status)
    same = upgrade_store(store_url)
    assert same == SchemaChange(head_revision(), head_revision()) and not same.changed
    back = downgrade_store(store_url, "0004")
    assert (back.before, back.after, back.changed) == (head_revision(), "0004", True)
    assert store_status(store_url).state == "old"
    forward = upgrade_store(store_url)
    assert (forward.before, forward.after, forward.changed) == ("0004", head_revision(), True)
    with Store.open(store_url) as s:
        assert [ln.name for ln in list_lines(s)] == ["L9"]  # nothing lost on the way


def test_backup_and_restore_results(line_db: str, tmp_path: Path, capsys) -> None:
    done = backup_store(line_db, tmp_path / "store.backup")
    assert type(done) is BackupResult and keys(done) == ("path", "revision")
    assert done.revision == head_revision()
    restored = restore_store(done.path, tmp_path / "r.db")
    assert type(restored) is RestoreResult
    assert keys(restored) == ("db", "revision", "upgraded_from", "audit_records")
    assert restored.upgraded_from is None and restored.audit_records > 0
    assert list(printed(restored, capsys)) == list(keys(restored))
