"""The checklist and phase library, called as a second face (the web application) will call
it: each bad input the `checklist` and `phase` command tests use is refused by the library with
the same error and message key, and the results are typed (dates as dates, no storage ids)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest

from readiness.actor import Actor
from readiness.checklist import (ChecklistItem, PhaseChange, PhaseStatus, add_item,
                                 advance_phase, drop_item, list_items, phase_status, set_item,
                                 show_item, verify_item)
from readiness.errors import InvalidValue, NotFound
from readiness.store.core import Store

ME = Actor("tester")
TODAY = dt.date(2026, 12, 3)  # passed in where the library compares with today


@pytest.fixture
def store(org_db):
    with Store.open(org_db) as s:
        yield s


def refused(call, error=InvalidValue):
    with pytest.raises(error) as caught:
        call()
    return caught.value


def done(store, code: str) -> ChecklistItem:
    return set_item(store, None, code, owner="900030", status="done", evidence_ref="文件",
                    actor=ME)


# --- each bad input of the CLI tests, refused by the library -----------------------------------

def test_filters_and_statuses_are_checked_naming_the_option(store) -> None:
    err = refused(lambda: list_items(store, None, phase="bogus"))
    assert (err.key, err.params["option"]) == ("option.bad_code", "--phase")
    err = refused(lambda: list_items(store, None, status="bogus"))
    assert (err.key, err.params["option"]) == ("option.bad_code", "--status")
    err = refused(lambda: set_item(store, None, "CL-HO-01", status="finished", actor=ME))
    assert (err.key, err.params["option"]) == ("option.bad_code", "--status")


def test_the_status_rules_hold(store, tmp_path) -> None:
    err = refused(lambda: set_item(store, None, "CL-HO-02", status="不适用", actor=ME))
    assert err.key == "checklist.na_needs_reason"
    err = refused(lambda: set_item(store, None, "CL-HO-03", status="done", actor=ME))
    assert err.key == "checklist.needs_evidence"
    missing = str(tmp_path / "nope.pdf")
    err = refused(lambda: set_item(store, None, "CL-HO-03", evidence_path=missing, actor=ME))
    assert (err.key, err.params["path"]) == ("checklist.no_evidence_file", missing)
    assert show_item(store, None, "CL-HO-02").status == "open"  # nothing refused was written


def test_verification_needs_another_person_evidence_and_a_past_day(store) -> None:
    done(store, "CL-HO-01")
    err = refused(lambda: verify_item(store, None, "CL-HO-01", "900030", actor=ME, today=TODAY))
    assert (err.key, err.params["verifier"]) == ("checklist.verifier_is_owner", "900030")
    err = refused(lambda: verify_item(store, None, "CL-HO-01", "900020",
                                      TODAY + dt.timedelta(days=1), actor=ME, today=TODAY))
    assert (err.key, err.params["option"]) == ("option.in_future", "--on")
    err = refused(lambda: verify_item(store, None, "CL-HO-02", "900020", actor=ME, today=TODAY))
    assert err.key == "checklist.needs_evidence"


def test_adding_and_dropping_are_checked(store) -> None:
    for phase, aspect, text in (("bogus", "运营中的安全", "x"), ("opening", "bogus", "x"),
                                ("opening", "运营中的安全", " ")):
        err = refused(lambda: add_item(store, None, phase=phase, aspect=aspect, text=text,
                                       actor=ME))
        assert err.key == "checklist.add_incomplete"
    err = refused(lambda: add_item(store, None, phase="opening", aspect="运营中的安全", text="x",
                                   item_id="CL-OP-01", actor=ME))
    assert (err.key, err.params["id"]) == ("checklist.exists", "CL-OP-01")
    add_item(store, None, phase="opening", aspect="运营中的安全", text="开通首周增派站务人员", actor=ME)
    for reason in ("", " "):
        err = refused(lambda: drop_item(store, None, "CL-X-01", reason, actor=ME))
        assert err.key == "checklist.drop_needs_reason"
    assert refused(lambda: show_item(store, None, "CL-NOPE"), NotFound).key == \
        "checklist.not_found"


def test_advancing_a_phase_is_checked(store) -> None:
    err = refused(lambda: advance_phase(store, None, actor=ME))
    assert (err.key, err.params["count"]) == ("phase.blocked", 8)
    for reason in (None, " "):
        err = refused(lambda: advance_phase(store, None, override=True, reason=reason, actor=ME))
        assert err.key == "phase.override_needs_reason"
    for _ in range(5):
        advance_phase(store, None, override=True, reason="演示", actor=ME)
    err = refused(lambda: advance_phase(store, None, override=True, reason="演示", actor=ME))
    assert (err.key, err.params["phase"]) == ("phase.last", ("phase", "opening"))


# --- typed results ------------------------------------------------------------------------------

def no_storage_ids(result) -> None:
    names = {f.name for f in dataclasses.fields(result)}
    assert not names & {"row_id", "code", "line_id", "id_"}, names


def test_a_point_is_typed(store, tmp_path) -> None:
    evidence = tmp_path / "三权移交书.pdf"
    evidence.write_bytes(b"%PDF-1.4 transfer of the three rights\n")
    item = set_item(store, None, "CL-HO-01", owner="900030", status="已完成",
                    evidence_path=str(evidence), due=dt.date(2026, 8, 10), actor=ME)
    assert isinstance(item, ChecklistItem) and (item.id, item.status) == ("CL-HO-01", "done")
    assert item.due == dt.date(2026, 8, 10) and item.verified_on is None
    assert item.evidence_file == "三权移交书.pdf"
    assert item.evidence_sha256 == hashlib.sha256(evidence.read_bytes()).hexdigest()
    no_storage_ids(item)
    item = verify_item(store, None, "CL-HO-01", "900020", dt.date(2026, 8, 12), actor=ME,
                       today=TODAY)
    assert (item.status, item.verifier, item.verified_on) == ("verified", "900020",
                                                              dt.date(2026, 8, 12))
    rows = list_items(store, None, phase="设备交接", status="verified")
    assert [r.id for r in rows] == ["CL-HO-01"] and all(isinstance(r, ChecklistItem) for r in rows)
    added = add_item(store, None, phase="opening", aspect="运营中的安全", text="开通首周增派站务人员",
                     blocking=False, actor=ME)
    assert (added.id, added.blocking, added.phase) == ("CL-X-01", False, "opening")
    dropped = drop_item(store, None, added.id, "与 CL-OP-09 重复", actor=ME)
    assert dropped.dropped and dropped.drop_reason == "与 CL-OP-09 重复"
    assert added.id not in {r.id for r in list_items(store, None)}
    assert added.id in {r.id for r in list_items(store, None, include_dropped=True)}


def test_the_phase_is_typed(store) -> None:
    status = phase_status(store, None)
    assert isinstance(status, PhaseStatus)
    assert (status.line, status.phase, status.next) == ("L9", "site-follow-up", "acceptance")
    assert len(status.blocking_open) == 8 and isinstance(status.blocking_open[0], ChecklistItem)
    assert status.history == [] and status.overrides == []
    for item in status.blocking_open:
        done(store, item.id)
        verify_item(store, None, item.id, "900020", actor=ME)
    moved = advance_phase(store, None, actor=ME)
    assert (moved.phase, moved.next, moved.overrides) == ("acceptance", "handover", [])
    forced = advance_phase(store, None, override=True, reason="工期调整", actor=ME)
    first, override = forced.history
    assert isinstance(override, PhaseChange) and forced.overrides == [override]
    assert (first.override, override.override) == (False, True)
    assert (override.from_phase, override.to_phase, override.username) == (
        "acceptance", "handover", "tester")
    assert isinstance(override.at, dt.datetime) and override.reason.startswith("工期调整 [CL-AC-01")
    no_storage_ids(override)
    no_storage_ids(forced)
