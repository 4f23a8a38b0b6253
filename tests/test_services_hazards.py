"""The hazard register's library, called as a second face (the web application) will call it:
values as a user types them (a code or either label, factor texts), each bad input the `hazard`
command tests use refused with the same error and message key, naming the option, and typed
results (dates as dates, no storage rows)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from hazards.register import (accept_hazard, add_control, add_hazard, check_hazards,
                              evaluate_hazard, list_hazards, show_hazard)
from hazards.results import (Acceptance, Control, Evaluation, Hazard, HazardRow, NamedAcceptance,
                             RegisterCheck)
from readiness.actor import Actor
from readiness.errors import InvalidValue, NotFound
from readiness.findings import Finding
from readiness.store.core import Store

ME = Actor("tester")
ON = dt.date(2026, 11, 2)  # passed in wherever the library would otherwise take today

# `hazard list --json` and `hazard show --json` keys, in order: a contract
RECORD_KEYS = (
    "id", "line", "location", "location_name", "location_kind", "specialty", "risk_category",
    "factor_category", "accident_type", "activity", "description", "causes", "consequences",
    "method", "band_table", "factors", "score", "level", "level_given", "residual_factors",
    "residual_score", "residual_level", "evaluated_on", "evaluations", "controls", "owner_unit",
    "owner", "review_days", "last_review", "linked_drills", "status", "needs_reevaluation",
    "acceptance", "voided_acceptances", "next_review", "accident_types", "notes", "score_given",
    "basis")
ACCEPTANCE_KEYS = ("accepted_by", "org_level", "accepted_on", "valid_until", "snapshot_hash",
                   "voided_at", "void_reason")


@pytest.fixture
def store(org_db):
    with Store.open(org_db) as s:
        yield s


def added(store, **kw) -> Hazard:
    values = {"location": "S01", "specialty": "psd", "risk_category": "passenger-operation",
              "description": "站台门夹人", **kw}
    return add_hazard(store, None, actor=ME, as_of=ON, **values)


def scored(store, **kw) -> Hazard:
    """A major hazard engineered down to major (accepted only by the company), fully owned."""
    return added(store, score="L=6,E=6,C=15", residual="L=6,E=6,C=15",
                 controls=["engineering: x"], linked_drills=["EM-PSD-FAILURE"],
                 owner_unit="CT-KY", owner="900010", **kw)


def refused(call, error=InvalidValue):
    with pytest.raises(error) as caught:
        call()
    return caught.value


# --- values as typed ------------------------------------------------------------------------------

def test_add_takes_coded_values_as_a_user_types_them(store) -> None:
    h = added(store, specialty="站台门", risk_category="客运组织", factor_category="2.1",
              accident_type="车辆伤害", method="lec", score="L=6，E=6, C=15",
              residual="L=1,E=6,C=15", level_given="重大", status="在控",
              controls=["工程控制：防夹挡板"], owner_unit="客运中心", owner="李明")
    assert (h.specialty, h.risk_category, h.factor_category, h.accident_type, h.method,
            h.status) == ("psd", "passenger-operation", "physical", "vehicle-injury", "LEC",
                          "controlled")
    assert (h.level, h.level_given, h.residual_level) == ("major", None, "general")
    assert (h.owner_unit, h.owner) == ("CT-KY", "900010")
    assert [(c.type, c.description) for c in h.controls] == [("engineering", "防夹挡板")]


def test_other_methods_take_their_own_factors(store) -> None:
    h = added(store, method="882E", score="S=1,P=C", residual="S=1,P=E")
    assert (h.level, h.residual_level, h.factors) == ("major", "general", {"S": 1, "P": "C"})
    h = added(store, method="风险矩阵法", score="L=4,S=4", residual="L=2,S=2",
              description="站台门夹人（矩阵法）")
    assert (h.method, h.score, h.level) == ("LS", 16, "significant")


# --- each bad input of the CLI tests, refused by the library ----------------------------------

@pytest.mark.parametrize("field,value,option", [
    ("specialty", "lifts", "--specialty"), ("risk_category", "nope", "--category"),
    ("factor_category", "9.9", "--factor-category"), ("accident_type", "boom", "--accident-type"),
    ("method", "ABC", "--method"), ("level_given", "extreme", "--level"),
    ("status", "gone", "--status")])
def test_add_refuses_a_bad_code_naming_its_option(store, field, value, option) -> None:
    err = refused(lambda: added(store, **{field: value}))
    assert (err.key, err.params["option"], err.params["value"]) == (
        "option.bad_code", option, value)
    assert list_hazards(store, None) == []


def test_add_refuses_what_the_cli_tests_refuse(store) -> None:
    err = refused(lambda: added(store, location="S99"))
    assert (err.key, err.params["field"]) == ("hazard.bad_field", "--location")
    assert err.message("en") == "--location: line 'L9' has no location 'S99'"
    err = refused(lambda: added(store, score="L=5,E=6,C=15"))
    assert (err.key, err.params["field"]) == ("hazard.bad_field", "--score")
    assert err.message("en") == "--score: LEC L cannot be 5; allowed: 10, 6, 3, 1, 0.5, 0.2, 0.1"
    err = refused(lambda: added(store, score="L6"))
    assert (err.key, err.params["option"]) == ("option.bad_factors", "--score")
    err = refused(lambda: added(store, residual="L=1,E"))
    assert (err.key, err.params["option"]) == ("option.bad_factors", "--residual")
    for kw, option in (({"owner": "无此人"}, "--owner"), ({"owner_unit": "NOPE"}, "--owner-unit"),
                       ({"review_days": 0}, "--review-days"), ({"description": "  "},
                                                                "--description")):
        err = refused(lambda: added(store, **kw))
        assert (err.key, err.params["field"]) == ("hazard.bad_field", option), kw
    assert list_hazards(store, None) == []


def test_add_refuses_a_duplicate_and_a_taken_id(store) -> None:
    added(store, score="L=3,E=6,C=15", residual="L=1,E=6,C=15")
    err = refused(lambda: added(store, location="龙湖公园站", specialty="站台门",
                                description=" 站台门夹人 "))
    assert (err.key, err.params["id"]) == ("hazard.duplicate", "H-0001")
    assert added(store, allow_duplicate=True).id == "H-0002"
    err = refused(lambda: added(store, code="H-0001", description="另一个"))
    assert (err.key, err.params["id"]) == ("hazard.exists", "H-0001")


@pytest.mark.parametrize("filters,option", [
    ({"level": "catastrophic"}, "--level"), ({"specialty": "lifts"}, "--specialty"),
    ({"status": "gone"}, "--status"), ({"factor_category": "9"}, "--factor-category")])
def test_list_refuses_a_bad_filter_naming_its_option(store, filters, option) -> None:
    err = refused(lambda: list_hazards(store, None, **filters))
    assert (err.key, err.params["option"]) == ("option.bad_code", option)


def test_list_filters_take_labels(store) -> None:
    scored(store)
    added(store, score="L=1,E=1,C=1", residual="L=1,E=1,C=1", status="待整改", location="D01",
          specialty="vehicle", risk_category="equipment")
    assert [h.id for h in list_hazards(store, None, level="重大")] == ["H-0001"]
    assert [h.id for h in list_hazards(store, None, specialty="车辆")] == ["H-0002"]
    assert [h.id for h in list_hazards(store, None, status="action-needed")] == ["H-0002"]
    assert [h.id for h in list_hazards(store, None, owner="CT-KY")] == ["H-0001"]
    late = list_hazards(store, None, overdue=True, as_of=ON + dt.timedelta(days=60))
    assert [h.id for h in late] == ["H-0001"]


def test_an_unknown_hazard_is_not_found_by_every_function(store) -> None:
    for call in (lambda: show_hazard(store, None, "H-9"),
                 lambda: evaluate_hazard(store, None, "H-9", actor=ME, score="L=1,E=1,C=1",
                                         residual="L=1,E=1,C=1"),
                 lambda: add_control(store, None, "H-9", actor=ME, control_type="engineering",
                                     description="x"),
                 lambda: accept_hazard(store, None, "H-9", accepted_by="900001", actor=ME)):
        err = refused(call, NotFound)
        assert (err.key, err.params["id"]) == ("hazard.not_found", "H-9")


def test_evaluate_refuses_bad_input_naming_the_option(store) -> None:
    scored(store)

    def evaluate(**kw):
        values = {"score": "L=1,E=1,C=1", "residual": "L=1,E=1,C=1", **kw}
        return evaluate_hazard(store, None, "H-0001", actor=ME, **values)

    err = refused(lambda: evaluate(method="XYZ"))  # was an internal error (KeyError)
    assert (err.key, err.params["option"]) == ("option.bad_code", "--method")
    err = refused(lambda: evaluate(score="L=1,,E=1,C=1"))
    assert (err.key, err.params["option"]) == ("option.bad_factors", "--score")
    err = refused(lambda: evaluate(score="L=7,E=1,C=1"))
    assert (err.key, err.params["field"]) == ("hazard.bad_field", "--score")
    err = refused(lambda: evaluate(score="L=1,E=1"))
    assert (err.key, err.params["field"]) == ("hazard.bad_field", "--score")
    # the command line requires --residual (a usage error); the library refuses it missing too
    err = refused(lambda: evaluate(residual=None))
    assert err.key == "hazard.evaluation_incomplete"
    assert [e.evaluated_on for e in show_hazard(store, None, "H-0001").history] == [ON]


def test_control_add_refuses_bad_input_and_takes_labels(store) -> None:
    scored(store)
    err = refused(lambda: add_control(store, None, "H-0001", actor=ME, control_type="nope",
                                      description="x"))
    assert (err.key, err.params["option"]) == ("option.bad_code", "--type")
    err = refused(lambda: add_control(store, None, "H-0001", actor=ME,
                                      control_type="engineering", aspect="nope", description="x"))
    assert (err.key, err.params["option"]) == ("option.bad_code", "--aspect")
    err = refused(lambda: add_control(store, None, "H-0001", actor=ME,
                                      control_type="engineering", description=""))
    assert err.key == "hazard.control_incomplete"
    h = add_control(store, None, "H-0001", actor=ME, control_type="工程控制", aspect="机",
                    description="加装防夹挡板", verified=True)
    assert [(c.type, c.aspect, c.verified) for c in h.controls] == [
        ("engineering", None, False), ("engineering", "equipment", True)]


def test_accept_refuses_what_the_cli_tests_refuse(store) -> None:
    scored(store)

    def accept(by, **kw):
        return accept_hazard(store, None, "H-0001", accepted_by=by, actor=ME, **kw)

    err = refused(lambda: accept("随便写个名字", org_level="company"))
    assert (err.key, err.params["option"]) == ("option.unknown_person", "--by")
    err = refused(lambda: accept("张伟"))
    assert (err.key, err.params["ids"]) == ("option.ambiguous_person", "900031, 900032")
    err = refused(lambda: accept("陈静", org_level="company"))
    assert err.key == "hazard.accept_level_disagrees"
    assert err.message("en") == "--level: 陈静 (900020) belongs to a Division unit, not Company"
    err = refused(lambda: accept("900001", org_level="nope"))
    assert (err.key, err.params["option"]) == ("option.bad_code", "--level")
    assert show_hazard(store, None, "H-0001").acceptance is None
    added(store, description="未评价")
    err = refused(lambda: accept_hazard(store, None, "H-0002", accepted_by="900001", actor=ME))
    assert (err.key, err.params["id"]) == ("hazard.accept_unscored", "H-0002")
    h = accept("王建国", org_level="公司", accepted_on=ON, valid_until=dt.date(2027, 12, 31))
    assert h.acceptance is not None
    assert (h.acceptance.accepted_by, h.acceptance.accepted_by_name, h.acceptance.org_level) == (
        "900001", "王建国", "company")


# --- typed results --------------------------------------------------------------------------------

def test_results_are_typed_with_dates_and_the_json_keys(store) -> None:
    h = scored(store)
    assert isinstance(h, Hazard)
    assert tuple(f.name for f in dataclasses.fields(Hazard)) == (*RECORD_KEYS, "history",
                                                                  "findings")
    assert tuple(f.name for f in dataclasses.fields(HazardRow)) == (*RECORD_KEYS, "overdue")
    assert tuple(f.name for f in dataclasses.fields(Acceptance)) == ACCEPTANCE_KEYS
    assert tuple(f.name for f in dataclasses.fields(NamedAcceptance)) == (
        *ACCEPTANCE_KEYS, "accepted_by_name")
    names = {f.name for cls in (Hazard, HazardRow, Control, NamedAcceptance)
             for f in dataclasses.fields(cls)}
    assert not names & {"row_id", "line_id", "location_id"}
    assert (h.evaluated_on, h.last_review) == (ON, None)
    assert h.next_review == ON + dt.timedelta(days=30)  # a major hazard: every 30 days
    assert all(isinstance(c, Control) for c in h.controls)
    assert all(isinstance(e, Evaluation) for e in h.history)
    assert [f.code for f in h.findings] == ["hazard.acceptance-missing"]
    assert all(isinstance(f, Finding) for f in h.findings)

    h = accept_hazard(store, None, "H-0001", accepted_by="900001", accepted_on=ON,
                      valid_until=dt.date(2027, 12, 31), actor=ME)
    assert isinstance(h.acceptance, NamedAcceptance)
    assert (h.acceptance.accepted_on, h.acceptance.valid_until) == (ON, dt.date(2027, 12, 31))
    day = dt.date(2026, 11, 20)
    h = evaluate_hazard(store, None, "H-0001", actor=ME, score="L=6,E=6,C=15",
                        residual="L=3,E=6,C=15", evaluated_on=day, note="加装挡板后复评")
    assert [(e.evaluated_on, e.residual_score, e.note) for e in h.history] == [
        (ON, 540.0, None), (day, 270.0, "加装挡板后复评")]
    assert (h.last_review, h.acceptance) == (day, None)
    void = h.voided_acceptances[0]
    assert isinstance(void, NamedAcceptance)
    assert (void.void_reason, void.accepted_by_name) == ("re-evaluated", "王建国")
    assert isinstance(void.voided_at, dt.datetime)

    rows = list_hazards(store, None, as_of=day)
    assert [type(r) for r in rows] == [HazardRow]
    assert (rows[0].next_review, rows[0].overdue) == (day + dt.timedelta(days=30), False)
    assert type(rows[0].voided_acceptances[0]) is Acceptance  # a listing does not name acceptors


def test_check_returns_the_count_and_the_findings(store) -> None:
    scored(store)
    added(store, description="未评价")
    checked = check_hazards(store, None, ON)
    assert isinstance(checked, RegisterCheck) and checked.hazards == 2
    assert [(f.code, f.subject) for f in checked.findings] == [
        ("hazard.acceptance-missing", "H-0001"), ("hazard.no-score", "H-0002"),
        ("hazard.no-owner", "H-0002")]


def test_show_json_prints_the_fields_in_order(run, org_db) -> None:
    with Store.open(org_db) as s:
        scored(s)
    shown = json.loads(run("hazard", "show", "H-0001", "--json", db=org_db).output)
    assert tuple(shown) == (*RECORD_KEYS, "history", "findings")
    # findings print as `hazard check --json` prints them, the message in the user's language
    assert {"code": "hazard.acceptance-missing", "subject": "H-0001",
            "message": "H-0001 residual risk (Major) has not been accepted",
            "evidence": []} in shown["findings"]
    assert shown["evaluated_on"] == ON.isoformat()
    listed = json.loads(run("hazard", "list", "--json", db=org_db).output)
    assert tuple(listed[0]) == (*RECORD_KEYS, "overdue")


def test_the_day_an_evaluation_or_acceptance_happened_is_given_with_on(run, org_db) -> None:
    with Store.open(org_db) as s:
        scored(s)
    h = json.loads(run("hazard", "evaluate", "H-0001", "--score", "L=6,E=6,C=15", "--residual",
                       "L=3,E=6,C=15", "--on", "2026-11-20", "--json", db=org_db).output)
    assert h["history"][-1]["evaluated_on"] == "2026-11-20"
    h = json.loads(run("hazard", "accept", "H-0001", "--by", "900001", "--date", "2026-11-21",
                       "--json", db=org_db).output)  # the old spelling still works
    assert h["acceptance"]["accepted_on"] == "2026-11-21"
    for command in ("evaluate", "accept"):
        shown = run("hazard", command, "--help", db=org_db).output
        assert "--on YYYY-MM-DD" in shown and "--date" not in shown
    result = run("hazard", "evaluate", "H-0001", "--score", "L=6,E=6,C=15", "--residual",
                 "L=3,E=6,C=15", "--date", "2026-02-30", db=org_db)
    assert (result.exit_code, result.output) == (
        1, "Error: --on: '2026-02-30' is not a date; use YYYY-MM-DD\n")
