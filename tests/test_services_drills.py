"""The drill library, called as a second face (the web application) will call it: each bad input
the `drill` command tests use is refused by the library with the same error and message key, and
the results are typed (dates as dates, no storage ids)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from drills.catalogue import CatalogueTask, Scenario, list_catalogue, pin
from drills.coverage import Coverage, CoverageSummary, ScenarioCoverage, Tally, TierTally, coverage
from drills.plan import NeedsUnits, Plan, PlannedDrill, Unplaced, plan_line
from drills.runs import (Rating, RecordedRun, Run, TaskFinding, TaskResult, VoidedRun,
                         record_run, run_outcome, run_outcomes, void_run)
from readiness.actor import Actor
from readiness.commands.options import emit_json
from readiness.errors import InvalidValue, NotFound
from readiness.store.core import Store

ME = Actor("tester")
PSD = "EM-PSD-FAILURE"
ON = dt.date(2026, 10, 1)


@pytest.fixture
def store(org_db):
    with Store.open(org_db) as s:
        yield s


def all_tasks(store) -> list[str]:
    (psd,) = [s for s in list_catalogue(store, None) if s.id == PSD]
    return [k.id for k in psd.critical_tasks]


def record(store, run_id="R-1", *tasks, **options):
    return record_run(store, None, run_id, **{"scenario": PSD, "on": ON, "location": "S01",
                                              "units": ["CT-KY"], "tasks": tasks, **options},
                      actor=ME)


def refused(call, error=InvalidValue):
    with pytest.raises(error) as caught:
        call()
    return caught.value


def bad_field(err, field: str, message: str) -> None:
    """The `{field}: {reason}` error the CLI prints as `Error: …`."""
    assert err.key == "hazard.bad_field" and err.params["field"] == field
    assert err.message("en") == message


# --- each bad input of the CLI tests, refused by the library -----------------------------------

def test_pinning_an_unknown_scenario_is_refused(store) -> None:
    err = refused(lambda: pin(store, None, "NOPE", True, actor=ME), NotFound)
    assert err.key == "drill.scenario_not_found" and err.message("en") == "no drill scenario 'NOPE'"


def test_a_task_the_scenario_does_not_have_is_refused_naming_task(store) -> None:
    err = refused(lambda: record(store, "R-2", f"{PSD}-T9=P"))
    bad_field(err, "--task", f"--task: scenario {PSD} has no critical task '{PSD}-T9'")


@pytest.mark.parametrize("text", [f"{PSD}-T1=X", "bogus", "=P", f"{PSD}-T1=P/inf",
                                  f"{PSD}-T1=P/soon"])
def test_a_task_text_that_is_not_task_rating_minutes_evaluator_is_refused(store, text) -> None:
    err = refused(lambda: record(store, "R-2", text))
    assert err.key == "drill.bad_task_option" and err.params["value"] == text
    assert "P, S, M or U" in err.message("en")


def test_negative_minutes_are_refused(store) -> None:
    err = refused(lambda: record(store, "R-1", f"{PSD}-T1=P/-1.5"))
    bad_field(err, "--task", "--task: minutes cannot be negative (-1.5)")


def test_one_evaluator_rating_a_task_twice_is_refused(store) -> None:
    err = refused(lambda: record(store, "R-1", f"{PSD}-T1=P@陈静", f"{PSD}-T1=U@陈静"))
    bad_field(err, "--task", f"--task: evaluator '陈静' rated task {PSD}-T1 twice; each "
                             "evaluator gives a task one rating")


def test_a_form_that_is_not_a_drill_form_is_refused(store) -> None:
    err = refused(lambda: record(store, "R-1", form="imaginary"))
    assert err.key == "option.bad_code" and err.params["option"] == "--form"
    assert err.params["value"] == "imaginary"
    assert record(store, "R-1", form="实战").form == "live"  # a label is as good as the code


def test_a_scenario_or_location_not_on_the_line_is_refused_naming_the_option(store) -> None:
    bad_field(refused(lambda: record(store, "R-1", scenario="NOPE")), "--scenario",
              "--scenario: no drill scenario 'NOPE'")
    err = refused(lambda: record(store, "R-1", location="Nowhere"))
    assert err.key == "hazard.bad_field" and err.params["field"] == "--location"


def test_an_ambiguous_location_name_is_refused_listing_the_ids(store) -> None:
    from readiness.store.lines import find_line
    from readiness.store.schema import Location

    with store.write(Actor("seed"), "seed") as session:
        line = find_line(session, None)
        session.insert_rows(Location, [{"line_id": line.id, "code": c, "name": "南湖停车场",
                                        "kind": "depot", "seq": n} for n, c in ((5, "P01"),
                                                                               (6, "P02"))])
    bad_field(refused(lambda: record(store, "R-1", location="南湖停车场")), "--location",
              "--location: several locations on line 'L9' are called '南湖停车场' (IDs P01, "
              "P02): give the ID")
    assert record(store, "R-1", location="龙湖公园站").location == "S01"  # a unique name


def test_a_run_outside_handover_to_opening_is_refused_unless_allowed(store) -> None:
    early = refused(lambda: record(store, "R-0", f"{PSD}-T1=P", on=dt.date(2026, 8, 31)))
    bad_field(early, "--on", "--on: the run's date 2026-08-31 is before the line's handover "
                             "date 2026-09-01 (to record it on purpose, use drill record "
                             "--allow-outside)")
    late = refused(lambda: record(store, "R-0", f"{PSD}-T1=P", on=dt.date(2026, 12, 29)))
    assert late.key == "hazard.bad_field" and "after the line's planned opening date 2026-12-28" \
        in late.message("en")
    allowed = record(store, "R-0", f"{PSD}-T1=P", on=dt.date(2026, 8, 31), allow_outside=True)
    assert allowed.outside_window is True and allowed.outcome == "void"


def test_a_day_that_is_not_a_date_and_a_blank_run_id_are_refused(store) -> None:
    err = refused(lambda: record(store, "R-1", on="2026-10-01"))
    assert err.key == "option.bad_date" and err.params["option"] == "--on"
    err = refused(lambda: record(store, " "))
    bad_field(err, "RUN_ID", "RUN_ID: required, may not be blank")


def test_voiding_needs_a_reason_a_known_run_and_happens_once(store) -> None:
    record(store, "R-1", f"{PSD}-T1=P")
    assert refused(lambda: void_run(store, None, "R-1", " ", actor=ME)).key == \
        "drill.void_reason_needed"
    err = refused(lambda: void_run(store, None, "R-99", "x", actor=ME), NotFound)
    assert err.key == "drill.run_not_found" and err.message("en") == "no drill run 'R-99'"
    void_run(store, None, "R-1", "记录错了科目", actor=ME)
    again = refused(lambda: void_run(store, None, "R-1", "再次", actor=ME))
    assert again.key == "drill.already_void"
    assert again.message("en").startswith("run R-1 was already voided on ")
    rerecord = refused(lambda: record(store, "R-1", f"{PSD}-T1=P"))
    assert rerecord.key == "drill.run_is_void" and rerecord.message("en") == (
        "run R-1 is void (记录错了科目) and cannot be recorded again; use a new run ID")


def test_showing_an_unknown_run_is_refused(store) -> None:
    err = refused(lambda: run_outcome(store, None, "R-9999"), NotFound)
    assert err.key == "drill.run_not_found"


@pytest.mark.parametrize("options,option,least", [
    ({"cap": 0}, "--cap", 1), ({"cap": -1}, "--cap", 1),
    ({"final_weeks": -1}, "--final-weeks", 0), ({"final_weeks": -2}, "--final-weeks", 0)])
def test_plan_limits_below_their_least_are_refused(store, options, option, least) -> None:
    err = refused(lambda: plan_line(store, None, **options))
    assert err.key == "option.below_minimum"
    assert (err.params["option"], err.params["minimum"]) == (option, least)


def test_a_plan_file_that_is_neither_xlsx_nor_ics_is_refused_before_saving(store,
                                                                          tmp_path) -> None:
    out = str(tmp_path / "plan.txt")
    err = refused(lambda: plan_line(store, None, save=True, output=out, actor=ME))
    assert err.key == "drill.bad_plan_suffix" and err.params["path"] == out
    assert not (tmp_path / "plan.txt").exists()


def test_a_plan_needs_a_window(tmp_path) -> None:
    from readiness.lines import init_line

    with Store.create(str(tmp_path / "bare.db")) as store:
        init_line(store, "L0", actor=ME)
        assert refused(lambda: plan_line(store, None)).key == "drill.plan_window_needed"


# --- typed results --------------------------------------------------------------------------------

def storage_free(result) -> None:
    """No row ids, no line ids anywhere in a result."""
    text = json.dumps(dataclasses.asdict(result), default=str)
    assert "row_id" not in text and "line_id" not in text


def test_the_catalogue_is_typed_and_named_in_the_language_asked_for(store) -> None:
    en = list_catalogue(store, None, "en")
    zh = list_catalogue(store, None, "zh")
    assert all(isinstance(s, Scenario) for s in en) and len(en) == 32
    assert isinstance(en[0].critical_tasks[0], CatalogueTask)
    assert en[0].name == en[0].name_en and zh[0].name == zh[0].name_zh
    assert zh[0].critical_tasks[0].name != en[0].critical_tasks[0].name
    assert [f.name for f in dataclasses.fields(Scenario)][:2] == ["id", "name"]
    for s in en:
        storage_free(s)


def test_the_plan_carries_dates(store) -> None:
    result = plan_line(store, None, dt.date(2026, 9, 1), today=dt.date(2026, 10, 15))
    assert isinstance(result, Plan)
    assert type(result.first_day) is dt.date and type(result.last_day) is dt.date
    assert result.first_day == dt.date(2026, 9, 1) and result.last_day == dt.date(2026, 12, 27)
    assert type(result.handover) is dt.date and result.start_from == "option"
    assert result.planned and all(isinstance(p, PlannedDrill) and type(p.date) is dt.date
                                  for p in result.planned)
    assert all(isinstance(n, NeedsUnits) for n in result.needs_units)
    assert all(isinstance(u, Unplaced) for u in result.unplaced)
    storage_free(result)


def test_an_unplaced_drill_says_only_what_applies_to_it(capsys) -> None:
    emit_json([Unplaced("A", "empty-window"), Unplaced("B", "no-location", venue="station"),
               Unplaced("C", "cap", days_blocked_by_cap=3, days_blocked_by_units=0,
                        days_blocked_by_locations=1)])
    assert json.loads(capsys.readouterr().out) == [
        {"scenario": "A", "reason": "empty-window"},
        {"scenario": "B", "reason": "no-location", "venue": "station"},
        {"scenario": "C", "reason": "cap", "days_blocked_by_cap": 3, "days_blocked_by_units": 0,
         "days_blocked_by_locations": 1}]


def test_final_weeks_zero_means_no_daily_timetable_drills(store) -> None:
    result = plan_line(store, None, dt.date(2026, 9, 1), final_weeks=0)
    assert "OP-TIMETABLE" not in {p.scenario for p in result.planned}
    assert any(u.scenario == "OP-TIMETABLE" and u.reason == "no-final-weeks"
               for u in result.unplaced)


def test_a_recorded_run_is_typed(store) -> None:
    tasks = all_tasks(store)
    result = record(store, "R-1", f"{tasks[0]}=P/1@陈静", f"{tasks[0]}=M/3@刘洋",
                    *[f"{t}=P@陈静" for t in tasks[1:]], commander="李明", notes="备注")
    assert isinstance(result, RecordedRun) and isinstance(result, Run)
    assert type(result.date) is dt.date and result.date == ON
    assert result.pdca_opened == 1 and result.outcome == "pass-with-findings"
    first = result.tasks[0]
    assert isinstance(first, TaskResult) and all(isinstance(r, Rating) for r in first.ratings)
    assert [(r.evaluator, r.rating, r.minutes) for r in first.ratings] == [
        ("陈静", "P", 1), ("刘洋", "M", 3)]
    assert (first.rating, first.minutes, first.conflict) == ("M", 3, True)
    assert all(isinstance(p, TaskFinding) for p in result.problems)
    assert result.location == "S01" and result.form == "live"
    assert [f.name for f in dataclasses.fields(RecordedRun)][-1] == "pdca_opened"
    storage_free(result)
    (listed,) = run_outcomes(store, None)
    assert type(listed) is Run and listed.id == "R-1" and listed.tasks == result.tasks


def test_a_voided_run_is_typed(store) -> None:
    record(store, "R-1", f"{PSD}-T1=P")
    voided = void_run(store, None, "R-1", " 记录错了科目 ", actor=ME)
    assert isinstance(voided, VoidedRun)
    assert (voided.id, voided.voided_by, voided.void_reason) == ("R-1", "tester", "记录错了科目")
    assert isinstance(voided.voided_at, dt.datetime)
    shown = run_outcome(store, None, "R-1")
    assert (shown.void, shown.voided_by, shown.outcome) == (True, "tester", "voided")
    assert isinstance(shown.voided_at, dt.datetime)


def test_coverage_is_typed(store) -> None:
    tasks = all_tasks(store)
    record(store, "R-1", *[f"{t}=P" for t in tasks])
    cov = coverage(store, None)
    assert isinstance(cov, Coverage) and isinstance(cov.summary, CoverageSummary)
    psd = next(s for s in cov.scenarios if s.id == PSD)
    assert isinstance(psd, ScenarioCoverage)
    assert (psd.latest_run, psd.latest_date, psd.outcome, psd.passed) == ("R-1", ON, "pass", True)
    assert type(psd.latest_date) is dt.date
    assert all(type(v) is Tally for v in cov.categories.values())
    assert all(isinstance(v, TierTally) for v in cov.tiers.values())
    assert cov.summary.drilled == 1 and cov.categories["emergency"].passed == 1
    storage_free(cov)
