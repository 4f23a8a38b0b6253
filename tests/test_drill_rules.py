"""Drill catalogue, must-do ranking, planner constraints and run outcomes (pure functions)."""

from __future__ import annotations

import datetime as dt

import pytest

from drills.catalogue import default_catalogue, must_do, rank_key
from drills.outcome import assess_run, pdca_items
from drills.plan import candidate_locations, plan, to_ics

REQUIRED = {
    "OP-TIMETABLE", "OP-TICKETING", "OP-DEGRADED-SIG", "EM-LARGE-FLOW", "EM-BUS-BRIDGE",
    "EM-STATION-FIRE", "EM-TRAIN-FIRE", "EM-SECTION-FIRE", "EM-STATION-POWER", "EM-PSD-FAILURE",
    "EM-TRAIN-RESCUE", "RP-OCS", "RP-POWER", "RP-SWITCH-RUN", "RP-VEHICLE", "RP-RAIL-BREAK",
    "EM-COLLISION", "EM-STRUCTURE", "EM-INTRUSION", "EM-SECTION-FLOOD", "EM-STATION-FLOOD",
    "EM-COMMS", "EM-INJURY", "EM-ROOM-FIRE", "EM-CYBER", "EM-SWITCH-INDICATION",
    "EM-SECTION-BLOCK", "EM-SECTION-EVAC", "EM-COUPLING-RESCUE", "EM-FAO-MODE", "EM-TRAIN-SLIP",
    "EM-JOINT-HUB"}


def test_catalogue_covers_every_required_scenario_with_tasks() -> None:
    catalogue = default_catalogue()
    assert {s["id"] for s in catalogue} == REQUIRED
    for s in catalogue:
        assert s["critical_tasks"] and s["name_zh"] and s["name_en"]
        assert s["report_required"] == (s["tier"] in ("comprehensive", "special"))
    assert {s["venue"] for s in catalogue if s["category"] == "repair"} == {"depot-test-track"}
    assert {s["category"] for s in catalogue} == {"operation", "emergency", "repair"}
    assert {s["tier"] for s in catalogue} == {"comprehensive", "special", "on-site", "rehearsal"}
    timed = [t for s in catalogue for t in s["critical_tasks"] if t.get("time_standard_min")]
    assert len(timed) >= 20


def test_must_do_is_the_top_17_by_importance_times_likelihood_deterministically() -> None:
    catalogue = default_catalogue()
    chosen = must_do(catalogue)
    ranked = sorted(catalogue, key=rank_key)
    # the top 17 by rank, and every scenario the regulation requires drilled whatever its rank
    assert set(chosen) == ({s["id"] for s in ranked[:17]}
                           | {s["id"] for s in catalogue if s["required_by_regulation"]})
    assert {i for i, why in chosen.items() if why == "rank"} == {
        s["id"] for s in ranked[:17] if not s["required_by_regulation"]}
    assert must_do(list(reversed(catalogue))) == chosen
    scores = [s["importance"] * s["likelihood"] for s in ranked]
    assert scores == sorted(scores, reverse=True)


def test_ties_break_by_category_then_id() -> None:
    a = {"id": "B", "importance": 3, "likelihood": 3, "category": "repair"}
    b = {"id": "A", "importance": 3, "likelihood": 3, "category": "repair"}
    c = {"id": "Z", "importance": 3, "likelihood": 3, "category": "operation"}
    assert [s["id"] for s in sorted([a, b, c], key=rank_key)] == ["Z", "A", "B"]


def test_pin_unpin_and_major_hazard_links() -> None:
    catalogue = [dict(s) for s in default_catalogue()]
    by_id = {s["id"]: s for s in catalogue}
    by_id["EM-SECTION-BLOCK"]["pinned"] = True
    by_id["OP-TIMETABLE"]["pinned"] = False
    by_id["EM-CYBER"]["pinned"] = False  # an old unpin of a required scenario does not hold
    chosen = must_do(catalogue, 5, {"EM-BUS-BRIDGE", "OP-TIMETABLE"})
    assert chosen["EM-SECTION-BLOCK"] == "pinned"
    assert chosen["EM-BUS-BRIDGE"] == "major-hazard"
    assert chosen["OP-TIMETABLE"] == "major-hazard"  # a major hazard's drill stays must-do
    assert chosen["EM-CYBER"] == "regulation"
    ranked = sorted((s for s in catalogue if s["id"] != "OP-TIMETABLE"), key=rank_key)[:5]
    assert {i for i, r in chosen.items() if r in ("rank", "regulation")} >= {s["id"] for s in ranked}


LOCATIONS = ([{"code": f"S{i:02d}", "name": f"站{i}", "kind": "station"} for i in range(1, 5)]
             + [{"code": f"Q{i:02d}", "name": f"区间{i}", "kind": "section"} for i in range(1, 4)]
             + [{"code": "D01", "name": "车辆段", "kind": "depot", "note": "含试车线"},
                {"code": "D02", "name": "停车场", "kind": "depot"},
                {"code": "OCC", "name": "控制中心", "kind": "control-centre"}])
HANDOVER, OPENING = dt.date(2026, 8, 10), dt.date(2026, 12, 28)


def run_plan(catalogue=None, start=HANDOVER - dt.timedelta(days=20), end=OPENING - dt.timedelta(days=1),
             **kw):
    catalogue = catalogue or default_catalogue()
    chosen = must_do(catalogue)
    options = {"handover": HANDOVER, "opening": OPENING, "must_do": chosen, **kw}
    return plan(catalogue, LOCATIONS, start, end, **options)


def test_nothing_before_the_handover() -> None:
    result = run_plan()
    assert min(p.date for p in result.planned) >= HANDOVER
    assert result.first_day == HANDOVER
    early = run_plan(start=dt.date(2026, 6, 1), end=dt.date(2026, 8, 9))
    assert early.planned == [] and {u.reason for u in early.unplaced} == {"before-handover"}


def test_must_do_drills_come_first() -> None:
    result = run_plan(cap=1)
    others = [p for p in result.planned if p.scenario != "OP-TIMETABLE"]
    flags = [p.must_do for p in others]
    assert flags == sorted(flags, reverse=True)


def test_repair_drills_run_on_the_depot_test_track() -> None:
    result = run_plan()
    repair = [p for p in result.planned if p.category == "repair"]
    assert len(repair) == 5 and {p.location for p in repair} == {"D01"}
    assert candidate_locations("depot-test-track", LOCATIONS[-3:-1][1:]) == ["D02"]


def test_timetable_drills_every_day_of_the_final_weeks() -> None:
    result = run_plan(final_weeks=6)
    days = [p.date for p in result.planned if p.scenario == "OP-TIMETABLE"]
    first = OPENING - dt.timedelta(weeks=6)
    assert days == [first + dt.timedelta(days=n) for n in range(42)]
    others = [p for p in result.planned if p.scenario != "OP-TIMETABLE"]
    assert others  # the other drills are still placed, interleaved


def test_no_location_hosts_two_drills_on_one_day() -> None:
    catalogue = [dict(s, venue="control-centre", unit_kinds=[f"U{i}"])
                 for i, s in enumerate(default_catalogue())
                 if s["id"] != "OP-TIMETABLE" and not s["fao_only"] and not s.get("connections")]
    result = run_plan(catalogue)
    days = [p.date for p in result.planned]
    assert len(days) == len(set(days)) == len(catalogue)  # one control centre: one drill a day


def test_no_unit_in_two_drills_on_one_day() -> None:
    result = run_plan(cap=10)
    seen: dict[tuple[dt.date, str], str] = {}
    for p in result.planned:
        if p.scenario == "OP-TIMETABLE":
            continue
        for unit in p.units:
            assert (p.date, unit) not in seen, (p, seen.get((p.date, unit)))
            seen[(p.date, unit)] = p.scenario


def test_cap_of_drills_per_day() -> None:
    for cap in (1, 2):
        result = run_plan(cap=cap)
        counts: dict[dt.date, int] = {}
        for p in result.planned:
            if p.scenario != "OP-TIMETABLE":
                counts[p.date] = counts.get(p.date, 0) + 1
        assert max(counts.values()) <= cap


def test_an_infeasible_window_says_which_drills_and_why() -> None:
    result = run_plan(start=HANDOVER, end=HANDOVER + dt.timedelta(days=2), cap=2)
    assert 0 < len(result.planned) <= 6  # three days at two a day, fewer where units clash
    reasons = {u.reason for u in result.unplaced}
    assert "no-final-weeks" in reasons and reasons & {"cap", "units", "locations"}
    assert all(u.scenario for u in result.unplaced)
    no_depot = plan(default_catalogue(), LOCATIONS[:7], HANDOVER, OPENING, handover=HANDOVER,
                    opening=OPENING, must_do={})
    assert {u.scenario for u in no_depot.unplaced if u.reason == "no-location"} == {
        s["id"] for s in default_catalogue() if s["venue"] in ("depot-test-track", "control-centre")}


def test_fao_scenarios_only_on_fully_automatic_lines() -> None:
    assert "EM-FAO-MODE" not in {p.scenario for p in run_plan().planned}
    assert "EM-FAO-MODE" in {p.scenario for p in run_plan(fully_automatic=True).planned}


def test_ics_is_valid_calendar_text() -> None:
    result = run_plan()
    text = to_ics(result.planned[:3], "9号线", dt.datetime(2026, 11, 23, 8, 0))
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    assert text.count("BEGIN:VEVENT") == 3
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert "DTSTART;VALUE=DATE:2026" in text


SCENARIO = {"id": "EM-X", "name_zh": "车站火灾", "name_en": "Station fire", "critical_tasks": [
    {"id": "T1", "name_zh": "行调接报", "name_en": "OCC informed", "time_standard_min": 2},
    {"id": "T2", "name_zh": "疏散", "name_en": "Evacuate", "time_standard_min": 6},
    {"id": "T3", "name_zh": "恢复运营", "name_en": "Resume", "time_standard_min": None}]}


def run(*ratings, minutes=(1, 5, None), date="2026-10-01"):
    return {"id": "R-1", "date": date, "units": ["CT-KY"], "notes": None,
            "tasks": [{"task": f"T{i + 1}", "rating": r, "minutes": m}
                      for i, (r, m) in enumerate(zip(ratings, minutes)) if r]}


@pytest.mark.parametrize("ratings,minutes,outcome,problems", [
    (("P", "P", "P"), (1, 5, None), "pass", []),
    (("P", "S", "P"), (1, 5, None), "pass-with-findings", []),
    (("P", "M", "P"), (1, 5, None), "pass-with-findings", [("T2", "M")]),
    (("P", "P", "P"), (2.5, 5, None), "pass-with-findings", [("T1", "late")]),
    (("P", "P", "P"), (2, 6, None), "pass", []),  # exactly on the standard
    (("U", "P", "P"), (1, 5, None), "fail", [("T1", "U")]),
    (("U", "M", "S"), (1, 9, None), "fail", [("T1", "U"), ("T2", "M")]),
    (("P", "P", None), (1, 5, None), "incomplete", []),
])
def test_outcome_rules(ratings, minutes, outcome, problems) -> None:
    assessed = assess_run(run(*ratings, minutes=minutes), SCENARIO, dt.date(2026, 8, 10))
    assert assessed["outcome"] == outcome
    assert [(p["task"], p["why"]) for p in assessed["problems"]] == problems


def test_runs_before_handover_are_void_and_open_nothing() -> None:
    before = run("U", "M", "P", date="2026-08-01")
    assessed = assess_run(before, SCENARIO, dt.date(2026, 8, 10))
    assert assessed["outcome"] == "void" and pdca_items(before, SCENARIO, assessed) == []


def test_pdca_items_from_m_u_and_missed_time() -> None:
    r = run("U", "M", "P", minutes=(3, 5, None))
    items = pdca_items(r, SCENARIO, assess_run(r, SCENARIO, None))
    assert [(i["source_ref"], i["item_class"], i["due"].isoformat()) for i in items] == [
        ("R-1/T1", "blocking", "2026-10-15"), ("R-1/T2", "due-dated", "2026-10-31")]
    assert all(i["source"] == "drill" and i["owner_unit"] == "CT-KY" for i in items)


def rated(*entries):
    """Ratings of T1–T3 by evaluators: ("T1", "U", 4, "陈静"), …"""
    return {"id": "R-1", "date": "2026-10-01", "units": ["CT-KY"], "notes": None,
            "tasks": [{"task": t, "rating": r, "minutes": m, "evaluator": e}
                      for t, r, m, e in entries]}


def test_the_worst_rating_of_the_evaluators_decides_and_two_grades_apart_is_a_conflict() -> None:
    r = rated(("T1", "P", 1, "刘洋"), ("T1", "S", 2.5, "陈静"), ("T2", "U", 5, "陈静"),
              ("T2", "M", None, "刘洋"), ("T3", "P", None, "陈静"), ("T3", "M", None, "刘洋"))
    assessed = assess_run(r, SCENARIO, dt.date(2026, 8, 10))
    tasks = {t["task"]: t for t in assessed["tasks"]}
    assert [(k, t["rating"], t["minutes"], t["conflict"]) for k, t in tasks.items()] == [
        ("T1", "S", 2.5, False), ("T2", "U", 5, False), ("T3", "M", None, True)]
    assert [e["evaluator"] for e in tasks["T2"]["ratings"]] == ["陈静", "刘洋"]
    assert assessed["outcome"] == "fail" and assessed["conflicts"] == ["T3"]
    # the longest time decides a time standard; the worst rating the PDCA item's class
    assert [(p["task"], p["why"]) for p in assessed["problems"]] == [
        ("T1", "late"), ("T2", "U"), ("T3", "M")]
    items = pdca_items(r, SCENARIO, assessed)
    assert [(i["source_ref"], i["item_class"]) for i in items] == [
        ("R-1/T1", "due-dated"), ("R-1/T2", "blocking"), ("R-1/T3", "due-dated")]
    assert items[1]["title"] == "车站火灾：疏散（评级 U）"
    assert items[1]["title_en"] == "Station fire: Evacuate (rated U)"


def test_only_complete_runs_that_are_not_void_count_for_coverage() -> None:
    from drills.coverage import coverage_of

    catalogue = [dict(SCENARIO, category="emergency", tier="special", must_do=True,
                      applicable=True)]
    passed = dict(rated(("T1", "P", 1, "a"), ("T2", "P", 5, "a"), ("T3", "P", None, "a")),
                  scenario="EM-X")
    partial = dict(rated(("T1", "M", 1, "a")), id="R-2", date="2026-10-09", scenario="EM-X")
    cov = coverage_of(catalogue, [passed, partial], [], dt.date(2026, 8, 10))
    assert (cov["scenarios"][0]["latest_run"], cov["scenarios"][0]["passed"]) == ("R-1", True)
    voided = dict(passed, void=True, void_reason="wrong scenario")
    assert assess_run(voided, SCENARIO, None)["outcome"] == "voided"
    cov = coverage_of(catalogue, [voided, partial], [], dt.date(2026, 8, 10))
    assert (cov["scenarios"][0]["latest_run"], cov["summary"]["must_do_passed"]) == (None, 0)


def test_a_plan_names_only_units_of_the_organisation() -> None:
    result = run_plan(org_units={"CT-KY", "CT-DD"})
    assert all(set(p.units) <= {"CT-KY", "CT-DD"} for p in result.planned)
    needs = {n.scenario: n.units for n in result.needs_units}
    by_id = {s["id"]: s for s in default_catalogue()}
    assert needs and all(set(by_id[k]["unit_kinds"]) - {"CT-KY", "CT-DD"} == set(v)
                         for k, v in needs.items())
    assert {s for s, k in by_id.items() if set(k["unit_kinds"]) <= {"CT-KY", "CT-DD"}
            and not k["fao_only"]}.isdisjoint(needs)
    # the same days as without the check: adding the missing units later moves no drill
    assert [(p.date, p.scenario) for p in result.planned] == [
        (p.date, p.scenario) for p in run_plan().planned]


def test_ics_speaks_the_language_asked_for() -> None:
    planned = run_plan().planned[:1]
    zh = to_ics(planned, "9号线", dt.datetime(2026, 11, 23, 8, 0), "zh").replace("\r\n ", "")
    en = to_ics(planned, "9号线", dt.datetime(2026, 11, 23, 8, 0), "en").replace("\r\n ", "")
    assert f"SUMMARY:【必做】{planned[0].name_zh}" in zh and "演练计划" in zh
    assert f"SUMMARY:[Must-do] {planned[0].name_en}" in en and "drill plan" in en
    assert "DESCRIPTION:" in en and not any("\u4e00" <= ch <= "\u9fff"
                                           for ch in en.split("DESCRIPTION:")[1].split("\r\n")[0])
