"""Drill runs keep what was entered, or refuse it: every evaluator's rating, voided runs, the
drill window, plans that start today and name only real units, titles in the user's language."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from conftest import checkpoint, table_counts
from workbooks import make_workbook
from readiness.actor import Actor

RUN_HEAD = ["演练编号", "科目编号", "日期", "地点", "形式", "总指挥", "评估人", "参演单位"]
TASK_HEAD = ["演练编号", "关键任务", "评级", "用时(分钟)", "评估人"]
PSD = "EM-PSD-FAILURE"


def psd_tasks(run, db) -> list[str]:
    catalogue = json.loads(run("drill", "catalogue", "--json", db=db).output)
    return [t["id"] for t in next(s for s in catalogue if s["id"] == PSD)["critical_tasks"]]


def record(run, db, run_id, *tasks, date="2026-10-01", extra=()):
    return run("drill", "record", run_id, "--scenario", PSD, "--date", date, "--location", "S01",
               "--unit", "CT-KY", *[x for t in tasks for x in ("--task", t)], *extra, "--json",
               db=db)


def runs_json(run, db) -> dict[str, dict]:
    return {r["id"]: r for r in json.loads(run("drill", "runs", "--json", db=db).output)}


def pdca_refs(db) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT source_ref, item_class FROM pdca_items"))
    finally:
        conn.close()


# --- every evaluator's rating is kept ------------------------------------------------------------

def test_two_evaluators_in_a_workbook_keep_both_ratings_and_the_worst_decides(
        run, org_db, tmp_path) -> None:
    tasks = psd_tasks(run, org_db)
    rows = [["R-7", tasks[0], "U", 4, "陈静"], ["R-7", tasks[0], "P", 2, "刘洋"]]
    rows += [["R-7", t, "P", None, "陈静"] for t in tasks[1:]]
    book = make_workbook(tmp_path / "runs.xlsx", {
        "演练记录": [RUN_HEAD, ["R-7", PSD, "2026-10-20", "S01", "实战", "李明", "陈静|刘洋",
                              "CT-KY"]],
        "任务评估": [TASK_HEAD, *rows]})
    result = run("import", str(book), db=org_db)
    assert result.output.endswith("created 1, updated 0, unchanged 0, rejected 0\n"), result.output
    r7 = runs_json(run, org_db)["R-7"]
    first = next(t for t in r7["tasks"] if t["task"] == tasks[0])
    assert first["ratings"] == [
        {"evaluator": "陈静", "rating": "U", "minutes": 4, "notes": None},
        {"evaluator": "刘洋", "rating": "P", "minutes": 2, "notes": None}]
    assert (first["rating"], first["minutes"], first["conflict"]) == ("U", 4, True)
    assert r7["outcome"] == "fail" and r7["conflicts"] == [tasks[0]]
    assert pdca_refs(org_db) == {f"R-7/{tasks[0]}": "blocking"}  # the deciding U opened it
    text = run("drill", "runs", db=org_db).output
    assert f"R-7  evaluators two grades or more apart: {tasks[0]} (陈静 U/4, 刘洋 P/2)" in text
    assert run("import", str(book), db=org_db).output.endswith("unchanged 1, rejected 0\n")


def test_a_repeated_run_task_and_evaluator_is_refused_naming_both_rows(
        run, org_db, tmp_path) -> None:
    tasks = psd_tasks(run, org_db)
    book = make_workbook(tmp_path / "dup.xlsx", {
        "演练记录": [RUN_HEAD, ["R-8", PSD, "2026-10-20", "S01", "实战"]],
        "任务评估": [TASK_HEAD, ["R-8", tasks[0], "U", None, "陈静"],
                     ["R-8", tasks[1], "P", None, "陈静"],
                     ["R-8", tasks[0], "P", None, "陈静"]]})
    checkpoint(org_db)
    before = table_counts(org_db)
    result = run("import", str(book), db=org_db)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"任务评估!4, 评估人 (E): repeats 任务评估!2: the same run, task {tasks[0]} and "
        "evaluator '陈静'")
    checkpoint(org_db)
    assert table_counts(org_db) == before


def test_record_takes_several_evaluators_per_task_and_keeps_each(run, org_db) -> None:
    tasks = psd_tasks(run, org_db)
    rest = [f"{t}=P@陈静" for t in tasks[1:]]
    data = json.loads(record(run, org_db, "R-1", f"{tasks[0]}=P/1@陈静",
                             f"{tasks[0]}=M/3@刘洋", *rest).output)
    first = data["tasks"][0]
    assert [(r["evaluator"], r["rating"], r["minutes"]) for r in first["ratings"]] == [
        ("陈静", "P", 1), ("刘洋", "M", 3)]
    assert (first["rating"], first["minutes"], first["conflict"]) == ("M", 3, True)
    assert data["outcome"] == "pass-with-findings" and data["pdca_opened"] == 1
    # 刘洋 corrects their rating; 陈静's stays
    again = json.loads(record(run, org_db, "R-1", f"{tasks[0]}=S@刘洋").output)
    assert [(r["evaluator"], r["rating"]) for r in again["tasks"][0]["ratings"]] == [
        ("陈静", "P"), ("刘洋", "S")]
    assert again["tasks"][0]["rating"] == "S" and not again["tasks"][0]["conflict"]
    twice = record(run, org_db, "R-1", f"{tasks[0]}=P@陈静", f"{tasks[0]}=U@陈静")
    assert twice.output == (f"Error: --task: evaluator '陈静' rated task {tasks[0]} twice; "
                            "each evaluator gives a task one rating\n")
    shown = run("drill", "show", "R-1", db=org_db).output
    assert f"{tasks[0]}" in shown and "陈静 P/1, 刘洋 S" in shown


# --- voiding a run, and the latest complete run --------------------------------------------------

def must_do_missing(run, db) -> list[str]:
    data = json.loads(run("assess", "--json", db=db).output)
    return next(c for c in data["criteria"] if c["id"] == "DR-MUST-DO")["evidence"]


def test_an_incomplete_later_run_does_not_hide_a_pass_and_a_voided_run_stops_counting(
        run, org_db, tmp_path) -> None:
    tasks = psd_tasks(run, org_db)
    assert record(run, org_db, "R-1", *[f"{t}=P" for t in tasks]).exit_code == 0
    later = json.loads(record(run, org_db, "R-2", f"{tasks[0]}=P", date="2026-10-05").output)
    assert later["outcome"] == "incomplete"
    cov = {s["id"]: s for s in json.loads(run("drill", "coverage", "--json",
                                              db=org_db).output)["scenarios"]}
    assert (cov[PSD]["latest_run"], cov[PSD]["passed"]) == ("R-1", True)
    assert PSD not in must_do_missing(run, org_db)

    voided = run("drill", "void", "R-1", "--reason", "记录错了科目", db=org_db)
    assert voided.exit_code == 0 and "R-1" in voided.output
    r1 = runs_json(run, org_db)["R-1"]
    assert (r1["void"], r1["void_reason"], r1["voided_by"], r1["outcome"]) == (
        True, "记录错了科目", "tester", "voided")
    assert "R-1  voided: 记录错了科目 (tester, " in run("drill", "runs", db=org_db).output
    cov = {s["id"]: s for s in json.loads(run("drill", "coverage", "--json",
                                              db=org_db).output)["scenarios"]}
    assert (cov[PSD]["latest_run"], cov[PSD]["passed"]) == (None, False)
    assert PSD in must_do_missing(run, org_db)
    audit = json.loads(run("audit", "log", "--json", db=org_db).output)
    assert any(r["entity"] == "drill_runs" and (r["after"] or {}).get("void_reason") == "记录错了科目"
               for r in audit)

    again = run("drill", "void", "R-1", "--reason", "再次", db=org_db)
    assert again.exit_code == 1 and again.output.count("\n") == 1
    assert again.output.startswith("Error: run R-1 was already voided on ")
    assert run("drill", "void", "R-99", "--reason", "x", db=org_db).output == (
        "Error: no drill run 'R-99'\n")
    rerecord = record(run, org_db, "R-1", *[f"{t}=P" for t in tasks])
    assert rerecord.output == ("Error: run R-1 is void (记录错了科目) and cannot be recorded "
                               "again; use a new run ID\n")
    book = make_workbook(tmp_path / "again.xlsx", {
        "演练记录": [RUN_HEAD, ["R-1", PSD, "2026-10-01", "S01", "实战"]],
        "任务评估": [TASK_HEAD, ["R-1", tasks[0], "P", None, "陈静"]]})
    assert run("import", str(book), db=org_db).output.splitlines()[0] == (
        "演练记录!2, 演练编号 (A): run R-1 is void (记录错了科目) and cannot be recorded again; "
        "use a new run ID")


# --- the drill window and negative minutes -------------------------------------------------------

def test_a_run_outside_handover_to_opening_is_refused_unless_allowed(run, org_db,
                                                                     tmp_path) -> None:
    tasks = psd_tasks(run, org_db)
    early = record(run, org_db, "R-0", f"{tasks[0]}=P", date="2026-08-31")
    assert early.output == ("Error: --on: the run's date 2026-08-31 is before the line's "
                            "handover date 2026-09-01 (to record it on purpose, use drill record "
                            "--allow-outside)\n")
    late = record(run, org_db, "R-0", f"{tasks[0]}=P", date="2026-12-29")
    assert late.exit_code == 1 and "after the line's planned opening date 2026-12-28" in late.output
    on_opening = record(run, org_db, "R-9", f"{tasks[0]}=P", date="2026-12-28")
    assert on_opening.exit_code == 0, on_opening.output
    allowed = json.loads(record(run, org_db, "R-0", f"{tasks[0]}=P", date="2026-08-31",
                                extra=["--allow-outside"]).output)
    assert allowed["outside_window"] is True and allowed["outcome"] == "void"
    conn = sqlite3.connect(org_db)
    assert conn.execute("SELECT code, outside_window FROM drill_runs ORDER BY code").fetchall() == [
        ("R-0", 1), ("R-9", None)]
    conn.close()
    text = run("drill", "record", "R-0", "--scenario", PSD, "--date", "2026-08-31",
               "--allow-outside", db=org_db).output
    assert "dated outside the handover-to-opening window (recorded on purpose)" in text

    book = make_workbook(tmp_path / "early.xlsx", {
        "演练记录": [RUN_HEAD, ["R-5", PSD, "2026-08-20", "S01", "实战"]],
        "任务评估": [TASK_HEAD, ["R-5", tasks[0], "P", -2, "陈静"]]})
    result = run("import", str(book), db=org_db)
    assert result.output.splitlines()[:-1] == [
        "任务评估!2, 用时(分钟) (D): cannot be negative (-2)",
        "演练记录!2, 日期 (C): the run's date 2026-08-20 is before the line's handover date "
        "2026-09-01 (to record it on purpose, use drill record --allow-outside)"]
    assert "R-5" not in runs_json(run, org_db)


def test_negative_minutes_on_the_command_line_are_refused(run, org_db) -> None:
    tasks = psd_tasks(run, org_db)
    result = record(run, org_db, "R-1", f"{tasks[0]}=P/-1.5")
    assert result.output == "Error: --task: minutes cannot be negative (-1.5)\n"


# --- the plan ------------------------------------------------------------------------------------

def test_plan_starts_from_the_later_of_today_and_handover(org_db) -> None:
    from drills.plan import plan_line
    from readiness.store.core import Store

    with Store.open(org_db) as store:
        mid = plan_line(store, None, today=dt.date(2026, 10, 15))
        before = plan_line(store, None, today=dt.date(2026, 7, 1))
        asked = plan_line(store, None, dt.date(2026, 9, 1), today=dt.date(2026, 10, 15))
    assert (mid.first_day, mid.start_from) == (dt.date(2026, 10, 15), "today")
    assert min(p.date for p in mid.planned) >= dt.date(2026, 10, 15)
    assert (before.first_day, before.start_from) == (dt.date(2026, 9, 1), "handover")
    assert (asked.first_day, asked.start_from) == (dt.date(2026, 9, 1), "option")
    assert min(p.date for p in asked.planned) == dt.date(2026, 9, 1)


def test_plan_says_where_it_starts_and_names_only_units_of_the_organisation(run, org_db) -> None:
    text = run("drill", "plan", "--from", "2026-09-01", db=org_db).output
    assert text.splitlines()[0] == "planning from 2026-09-01, as --from asks"
    zh = run("drill", "plan", "--from", "2026-09-01", db=org_db, lang="zh").output
    assert zh.splitlines()[0] == "计划自 --from 给出的日期 2026-09-01 起排"
    today = dt.date.today()
    default = run("drill", "plan", db=org_db).output.splitlines()[0]
    if today > dt.date(2026, 9, 1):
        assert default == (f"planning from today, {today.isoformat()} (the handover date "
                           "2026-09-01 has passed); use --from for earlier dates")
    else:
        assert default == "planning from the handover date, 2026-09-01"

    data = json.loads(run("drill", "plan", "--from", "2026-09-01", "--json", db=org_db).output)
    org_units = {"C", "HQ", "CT-KY", "DV-KY1", "TM-KY1-01", "TM-KY1-02"}
    assert all(set(p["units"]) <= org_units for p in data["planned"])
    needs = {n["scenario"]: n["units"] for n in data["needs_units"]}
    assert needs[PSD] == ["CT-CW", "CT-DD", "CT-JD"]
    psd = next(p for p in data["planned"] if p["scenario"] == PSD)
    assert psd["units"] == ["CT-KY"]
    assert (f"{PSD} needs a unit 'CT-CW / CT-DD / CT-JD' in the organisation (not named in "
            "the plan)") in run("drill", "plan", "--from", "2026-09-01", db=org_db).output


# --- one language at a time ----------------------------------------------------------------------

def test_pdca_titles_from_drills_and_the_calendar_follow_the_language(run, org_db,
                                                                      tmp_path) -> None:
    tasks = psd_tasks(run, org_db)
    record(run, org_db, "R-1", f"{tasks[0]}=U")
    items = json.loads(run("pdca", "list", "--json", db=org_db).output)
    assert items[0]["title"].startswith("屏蔽门（站台门）故障：") and \
        items[0]["title"].endswith("（评级 U）")
    assert items[0]["title_en"].startswith("Platform screen door failure: ") and \
        items[0]["title_en"].endswith(" (rated U)")
    shown_en = run("pdca", "show", items[0]["id"], db=org_db).output
    assert shown_en.splitlines()[0] == f"{items[0]['id']}  {items[0]['title_en']}"
    shown_zh = run("pdca", "show", items[0]["id"], db=org_db, lang="zh").output
    assert shown_zh.splitlines()[0] == f"{items[0]['id']}  {items[0]['title']}"
    assert "Platform screen" in run("pdca", "list", db=org_db).output

    for lang, summary, description in (("en", "SUMMARY:[Must-do] Platform screen door failure",
                                        "DESCRIPTION:Emergency plan\\; form: Live"),
                                       ("zh", "SUMMARY:【必做】屏蔽门（站台门）故障",
                                        "DESCRIPTION:应急预案演练；形式：实战")):
        ics = tmp_path / f"plan-{lang}.ics"
        assert run("drill", "plan", "--from", "2026-09-01", "-o", str(ics), db=org_db,
                   lang=lang).exit_code == 0
        text = ics.read_text(encoding="utf-8").replace("\r\n ", "")
        assert summary in text and description in text, text[:1500]


# --- the sample line -----------------------------------------------------------------------------

def test_the_sample_line_has_two_evaluators_on_several_tasks_and_assesses_as_before(
        run, tmp_path) -> None:
    from readiness.demo import build_demo

    summary = build_demo(tmp_path / "demo", actor=Actor("demo"), lang="en")
    assert summary["verdict"] == "ready_with_conditions"
    runs = json.loads(run("drill", "runs", "--json", db=summary["db"]).output)
    tasks = [t for r in runs for t in r["tasks"]]
    several = [t for t in tasks if len(t["ratings"]) == 2]
    assert len(several) >= 10
    grades = "PSMU"
    gaps = [abs(grades.index(a["rating"]) - grades.index(b["rating"]))
            for t in several for a, b in [t["ratings"]]]
    assert 1 in gaps  # a disagreement of one grade (M against S): the M decides
    assert [t["rating"] for t in several if "M" in {x["rating"] for x in t["ratings"]}] and all(
        t["rating"] == "M" for t in several if {x["rating"] for x in t["ratings"]} == {"M", "S"})
    assert {r["outcome"] for r in runs} == {"pass", "pass-with-findings", "fail", "void"}
    rehearsal = next(r for r in runs if r["outcome"] == "void")
    assert rehearsal["outside_window"] is True


# --- the store layer, on SQLite and PostgreSQL ---------------------------------------------------

def test_ratings_per_evaluator_and_voiding_on_both_stores(store_url) -> None:
    import pytest

    from drills.runs import record_run, run_outcomes, void_run
    from readiness.errors import InvalidValue
    from readiness.lines import init_line
    from readiness.store.core import Store

    with Store.create(store_url) as store:
        init_line(store, "L9", opening=dt.date(2026, 12, 28), handover=dt.date(2026, 9, 1),
                  actor=Actor("alice"))
        base = {"scenario": PSD, "on": dt.date(2026, 10, 1)}
        task = f"{PSD}-T1"
        record_run(store, None, "R-1", **base, tasks=[f"{task}=P", f"{task}=S/2@陈静"],
                   actor=Actor("alice"))
        # the unnamed evaluator's rating is replaced, not doubled; 陈静's stays
        result = record_run(store, None, "R-1", **base, tasks=[f"{task}=U"], actor=Actor("alice"))
        assert [(r.evaluator, r.rating) for r in result.tasks[0].ratings] == [
            (None, "U"), ("陈静", "S")]
        assert result.tasks[0].rating == "U" and result.outcome == "fail"
        void_run(store, None, "R-1", "录入错误", actor=Actor("bob"))
        with pytest.raises(InvalidValue):
            void_run(store, None, "R-1", "again", actor=Actor("bob"))
        (voided,) = run_outcomes(store, None)
        assert (voided.void, voided.voided_by, voided.outcome) == (True, "bob", "voided")


# --- a store written before ratings were kept per evaluator upgrades without loss ------------------

def test_a_store_from_before_per_evaluator_ratings_upgrades_with_every_rating(
        run, org_db) -> None:
    from readiness.store.core import Store, resolve_url

    tasks = psd_tasks(run, org_db)
    record(run, org_db, "R-1", *[f"{t}=P/1@陈静" for t in tasks])
    before = runs_json(run, org_db)["R-1"]
    # Take the store back to the schema before per-evaluator ratings (0004). On SQLite this
    # rebuilds drill_runs, which used to cascade-delete every rating of the run.
    with Store(resolve_url(org_db)) as store:
        store.downgrade("0004")
    assert "db upgrade" in run("drill", "runs", db=org_db).output

    assert run("db", "upgrade", db=org_db).exit_code == 0
    assert runs_json(run, org_db)["R-1"]["tasks"] == before["tasks"]
    # a second evaluator is now kept beside the first, and the trail still verifies
    record(run, org_db, "R-1", f"{tasks[0]}=S/2@刘洋")
    first = runs_json(run, org_db)["R-1"]["tasks"][0]
    assert [(r["evaluator"], r["rating"]) for r in first["ratings"]] == [("陈静", "P"), ("刘洋", "S")]
    verify = run("audit", "verify", db=org_db)
    # The columns added after 0004 (what a scenario, a time standard and a checklist item rest
    # on, whether a regulation requires the drill, an attested item's chapter and area) did not
    # exist then: the downgrade dropped their values and the trail still names them. Nothing
    # else may differ.
    later = ("basis", "required_by_regulation", "time_basis", "chapter", "area")
    left = [ln for ln in verify.output.splitlines()
            if "behind the toolkit" in ln and not any(f": {c} was" in ln for c in later)]
    assert left == [], verify.output
    assert "drill_runs" not in verify.output and "task_evaluations" not in verify.output
