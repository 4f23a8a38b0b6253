"""The assessment library, called as a second face (the web application) will call it: each bad
input the `assess`, `signoff`, `profile` and `report` command tests use is refused by the
library with the same error and message key, and the results are typed (dates as dates, no row
IDs); `assess history` reads the snapshots' own columns, not their whole stored results."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import event

from readiness.actor import Actor
from readiness.assessment.assess import (add_profile, add_profile_file, assess, assess_network,
                                         history, sign_off)
from readiness.assessment.results import (Assessment, AreaScore, Changes, Criterion,
                                          CriterionChange, History, HistoryEntry, LineAssessment,
                                          Profile, Signature, SignOffResult, SnapshotRef, Unmet)
from readiness.commands.options import emit_json
from readiness.errors import (ConflictingOptions, InvalidValue, LineNotFound, NotFound,
                              ReadinessError)
from readiness.report import write_report
from readiness.store import assessment as snapshot_store
from readiness.store.core import Store

ME = Actor("tester")
AS_OF = dt.date(2026, 11, 23)
LINE9 = ('id = "line9"\nextends = "mot-2023"\n\n[[criteria]]\nid = "TR-PUNCTUALITY"\n'
         'area = "trial-run"\nrule = "indicator"\nindicator = "punctuality"\nop = ">="\n'
         'threshold = 98.0\nblocking = true\n')
BAD = ('id = "x"\n[[criteria]]\nid = "A"\narea = "nowhere"\nrule = "indicator"\n'
       'blocking = true\n')


@pytest.fixture
def store(org_db):
    with Store.open(org_db) as s:
        yield s


def snapshot(store) -> int:
    """A stored snapshot of L9 (not ready: the line has no trial run yet)."""
    made = assess(store, None, as_of=AS_OF, actor=ME)
    assert made.verdict == "not_ready" and made.snapshot is not None
    return made.snapshot


def refused(call, error=InvalidValue):
    with pytest.raises(error) as caught:
        call()
    return caught.value


def json_of(result, capsys) -> object:
    """`result` as `--json` prints it."""
    capsys.readouterr()
    emit_json(result)
    return json.loads(capsys.readouterr().out)


# --- each bad input of the CLI tests, refused by the library -----------------------------------

def test_all_lines_with_a_line_is_refused(store) -> None:
    err = refused(lambda: assess_network(store, line="L9", as_of=AS_OF, actor=ME, save=False),
                  ConflictingOptions)
    assert err.key == "option.exclusive"
    assert err.message("en") == "--all-lines and --line cannot be used together"
    assert err.message("zh") == "--all-lines 与 --line 不能同时使用"


def test_a_signoff_on_no_snapshot_is_refused(store) -> None:
    err = refused(lambda: sign_off(store, 999, by="900001", decision="reject", actor=ME), NotFound)
    assert (err.key, err.params["id"]) == ("assess.snapshot_not_found", 999)


def test_a_signoff_needs_a_decision_approve_or_reject(store) -> None:
    snap = snapshot(store)
    for decision in (None, "maybe"):
        err = refused(lambda: sign_off(store, snap, by="900001", decision=decision, actor=ME))
        assert (err.key, err.params["option"]) == ("option.bad_code", "--decision")
    assert sign_off(store, snap, by="900001", decision="不同意", actor=ME).decision == "reject"


def test_a_signoff_names_one_person(store) -> None:
    snap = snapshot(store)
    err = refused(lambda: sign_off(store, snap, by="随便", decision="reject", actor=ME))
    assert (err.key, err.params["option"]) == ("option.unknown_person", "--by")
    err = refused(lambda: sign_off(store, snap, by="张伟", decision="reject", actor=ME))
    assert (err.key, err.params["ids"]) == ("option.ambiguous_person", "900031, 900032")
    err = refused(lambda: sign_off(store, snap, by="  ", decision="reject", actor=ME))
    assert err.key == "option.unknown_person"


def test_the_override_reason_rules(store) -> None:
    snap = snapshot(store)
    err = refused(lambda: sign_off(store, snap, by="王建国", decision="approve", actor=ME))
    assert (err.key, err.params["snapshot"]) == ("assess.override_needed", snap)
    err = refused(lambda: sign_off(store, snap, by="王建国", decision="approve",
                                   override_reason="   ", actor=ME))
    assert err.key == "assess.override_needed"
    err = refused(lambda: sign_off(store, snap, by="陈静", decision="reject",
                                   override_reason="x", actor=ME))
    assert err.key == "assess.override_not_applicable"
    assert history(store, None).snapshots[0].signoffs == []  # nothing was recorded


def test_a_bad_profile_is_refused(store, tmp_path: Path) -> None:
    err = refused(lambda: add_profile(store, None, BAD, actor=ME))
    assert err.key == "profile.invalid" and str(err.params["reason"]).startswith("x/A")
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD, encoding="utf-8")
    assert refused(lambda: add_profile_file(store, None, bad, actor=ME)).key == "profile.invalid"
    err = refused(lambda: add_profile(store, None, 'id = "loop"\nextends = "loop"\n', actor=ME))
    assert err.key == "profile.invalid"
    err = refused(lambda: add_profile(store, None, 'id = "o"\nextends = "nothing"\n', actor=ME))
    assert err.key == "profile.unknown"


def test_a_profile_file_must_be_a_readable_file(store, tmp_path: Path) -> None:
    # the command line refuses these before the library is called (click's usage errors,
    # `missing file` in test_cli_lang); the library refuses them for every other caller
    err = refused(lambda: add_profile_file(store, None, tmp_path / "no-such-profile.toml",
                                           actor=ME), ReadinessError)
    assert err.key == "profile.no_file"
    assert refused(lambda: add_profile_file(store, None, tmp_path, actor=ME),
                   ReadinessError).key == "profile.no_file"
    latin = tmp_path / "latin.toml"
    latin.write_bytes('id = "é"\n'.encode("latin-1"))
    assert refused(lambda: add_profile_file(store, None, latin, actor=ME),
                   ReadinessError).key == "profile.unreadable"


def test_a_difference_names_two_snapshots_of_the_line(store) -> None:
    snap = snapshot(store)
    err = refused(lambda: history(store, None, (snap, 999)), NotFound)
    assert (err.key, err.params["id"]) == ("assess.snapshot_not_found", 999)
    err = refused(lambda: history(store, None, (999, snap)), NotFound)
    assert err.params["id"] == 999
    assert refused(lambda: history(store, "L10"), LineNotFound).key == "line.not_found"


def test_report_refusals(store, tmp_path: Path) -> None:
    snap = snapshot(store)
    there = tmp_path / "r.html"
    there.write_text("mine", encoding="utf-8")
    err = refused(lambda: write_report(store, None, there, lang="en"), ReadinessError)
    assert err.key == "output.exists" and there.read_text(encoding="utf-8") == "mine"
    assert write_report(store, None, there, lang="en", force=True) == there
    err = refused(lambda: write_report(store, None, tmp_path / "r.pdf", lang="en"))
    assert err.key == "report.bad_suffix"
    err = refused(lambda: write_report(store, None, tmp_path / "x.html", snapshot=99), NotFound)
    assert (err.key, err.params["id"]) == ("assess.snapshot_not_found", 99)
    assert write_report(store, None, tmp_path / "s.xlsx", snapshot=snap).exists()


# --- typed results -------------------------------------------------------------------------------

def no_storage_ids(value: object) -> None:
    """No field of a result (or of one inside it) is a row ID."""
    if dataclasses.is_dataclass(value):
        names = {f.name for f in dataclasses.fields(value)}
        assert not names & {"row_id"}, type(value)
        for f in dataclasses.fields(value):
            no_storage_ids(getattr(value, f.name))
    elif isinstance(value, (list, tuple)):
        for item in value[:3]:
            no_storage_ids(item)
    elif isinstance(value, dict):
        for item in list(value.values())[:3]:
            no_storage_ids(item)


def test_an_assessment_is_typed(store, capsys) -> None:
    dry = assess(store, None, as_of=AS_OF, actor=ME, save=False, lang="en")
    assert isinstance(dry, Assessment) and dry.snapshot is None
    assert type(dry.as_of) is dt.date and dry.as_of == AS_OF
    assert all(isinstance(c, Criterion) for c in dry.criteria)
    assert all(isinstance(a, AreaScore) for a in dry.areas.values())
    assert all(isinstance(u, Unmet) for u in dry.blocking + dry.conditions)
    trial_days = next(c for c in dry.criteria if c.id == "TR-DURATION")
    assert (trial_days.status, trial_days.blocking, trial_days.indicator) == ("fail", True, None)
    punctuality = next(c for c in dry.criteria if c.id == "TR-PUNCTUALITY")
    assert (punctuality.op, punctuality.threshold, punctuality.unit) == (">=", 98.5, "%")
    no_storage_ids(dry)
    shown = json_of(dry, capsys)
    assert "snapshot" not in shown and shown["as_of"] == "2026-11-23"
    # keys are only ever added after the ones before them
    assert list(shown)[-4:] == ["indicators", "chapters", "superseded", "superseded_by"]
    first = next(c for c in shown["criteria"] if c["id"] == "TR-DURATION")
    assert "threshold" not in first  # only an indicator criterion has one
    stored = assess(store, None, as_of=AS_OF, actor=ME, lang="en")
    assert isinstance(stored.snapshot, int)
    assert list(json_of(stored, capsys))[-5:-3] == ["snapshot", "indicators"]


def test_a_network_assessment_is_typed(store, capsys) -> None:
    (line,) = assess_network(store, as_of=AS_OF, actor=ME, save=False)
    assert isinstance(line, LineAssessment) and line.line == "L9" and line.snapshot is None
    assert type(line.as_of) is dt.date
    shown = json_of([line], capsys)[0]
    assert list(shown)[5:7] == ["indicators", "window"] and "snapshot" not in shown
    (stored,) = assess_network(store, as_of=AS_OF, actor=ME)
    assert list(json_of([stored], capsys)[0])[-4:] == ["snapshot", "chapters", "superseded",
                                                        "superseded_by"]
    assert [s.id for s in history(store, None).snapshots] == [stored.snapshot]


def test_a_signoff_and_the_history_are_typed(store, capsys) -> None:
    first = snapshot(store)
    signed = sign_off(store, first, by="900001", decision="approve", override_reason="按期开通",
                      note="先开通", actor=ME)
    assert isinstance(signed, SignOffResult)
    assert (signed.staff_id, signed.role, signed.name, signed.decision, signed.verdict,
            signed.stale, signed.previous) == ("900001", "总经理", "王建国", "approve",
                                               "not_ready", False, None)
    again = sign_off(store, first, by="王建国", decision="reject", actor=ME)
    assert again.previous == "approve" and again.override_reason is None
    second = snapshot(store)
    past = history(store, "L9")
    assert isinstance(past, History) and past.changes is None and past.line == "L9"
    assert [s.id for s in past.snapshots] == [second, first]
    entry = past.snapshots[1]
    assert isinstance(entry, HistoryEntry) and type(entry.as_of) is dt.date
    assert type(entry.taken_at) is dt.datetime and (entry.blocking, entry.stale) == (
        len(assess(store, None, as_of=AS_OF, actor=ME, save=False).blocking), False)
    (mark,) = entry.signoffs
    assert isinstance(mark, Signature) and type(mark.at) is dt.datetime
    assert (mark.staff_id, mark.decision, mark.note) == ("900001", "reject", None)
    assert "changes" not in json_of(past, capsys)


def test_a_difference_is_typed_and_shown_with_from_and_to(store, org_db, run, capsys) -> None:
    first = snapshot(store)
    assert run("pdca", "open", "--title", "新发现问题", "--class", "blocking",
               db=org_db).exit_code == 0
    second = snapshot(store)
    past = history(store, None, (first, second))
    assert isinstance(past.changes, Changes)
    assert isinstance(past.changes.from_, SnapshotRef) and past.changes.from_.id == first
    assert past.changes.to.id == second and type(past.changes.to.as_of) is dt.date
    assert past.changes.inputs_changed and past.verdicts == ["not_ready", "not_ready"]
    assert past.diff == past.changes.criteria
    (change,) = [c for c in past.changes.criteria if c.id == "PD-BLOCKING"]
    assert isinstance(change, CriterionChange) and (change.from_, change.to) == ("pass", "fail")
    shown = json_of(past, capsys)
    assert list(shown) == ["line", "snapshots", "changes", "diff", "verdicts"]
    assert list(shown["changes"])[:2] == ["from", "to"] and shown["changes"]["from"]["id"] == first
    assert {"id": "PD-BLOCKING", "from": "pass", "to": "fail"}.items() <= next(
        c for c in shown["diff"] if c["id"] == "PD-BLOCKING").items()


def test_a_profile_added_is_typed(store, tmp_path: Path) -> None:
    own = tmp_path / "line9.toml"
    own.write_text(LINE9, encoding="utf-8")
    added = add_profile_file(store, "L9", own, actor=ME)
    assert isinstance(added, Profile)
    assert (added.id, added.extends) == ("line9", "mot-2023")
    assert "TR-PUNCTUALITY" in added.criteria and "TR-DURATION" in added.criteria


# --- the history reads what it shows ------------------------------------------------------------

def reads_whole_results(sql: str) -> bool:
    """Whether a statement reads the `result` column itself, rather than a part of it that the
    database takes out (SQLite's json_extract, PostgreSQL's ->)."""
    sql = re.sub(r"json_extract\(assessment_snapshots\.result", "", sql, flags=re.I)
    sql = re.sub(r"assessment_snapshots\.result\s*->", "", sql)
    return "assessment_snapshots.result" in sql


def test_history_reads_the_snapshots_columns_not_their_results(run, store_url: str) -> None:
    """The stored result (with the packed report content, megabytes for a large line) is not
    read by `history`: only the counts it shows and, for a difference, the criteria."""
    assert run("init", "--line", "L9", "--opening-date", "2026-12-28", db=store_url).exit_code == 0
    with Store.open(store_url) as store:
        first, second = snapshot(store), snapshot(store)
        with store.read() as session:
            full = snapshot_store.get(session, first)["result"]
        statements: list[str] = []

        def seen(conn, cursor, sql, *rest) -> None:
            statements.append(sql)

        event.listen(store.engine, "before_cursor_execute", seen)
        try:
            past = history(store, None, (first, second))
        finally:
            event.remove(store.engine, "before_cursor_execute", seen)
        with store.read_rows() as conn:
            loaded = snapshot_store.load(conn, past.snapshots[0].line_id)
    assert statements and not [s for s in statements if reads_whole_results(s)]
    assert "result" not in loaded[0] and "report" in full
    assert [s.blocking for s in past.snapshots] == [len(full["blocking"])] * 2
    assert [s.conditions for s in past.snapshots] == [len(full["conditions"])] * 2
    assert past.changes is not None and past.changes.criteria == []  # nothing changed
