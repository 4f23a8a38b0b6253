"""The sample line's drills: the default catalogue, a saved plan from handover to opening, and
runs for the drills planned before the demo date, rated task by task with a realistic mix; on
several tasks two evaluators rated, and on some they disagree (the worst rating decides)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from drills.catalogue import line_catalogue, seed_default
from drills.plan import plan
from drills.runs import write_runs
from readiness.dates import as_date
from readiness.store.drills import org_unit_codes, replace_plan
from readiness.store.lines import find_line, list_locations

# Deliberate outcomes, so coverage and the assessment have something to show.
FAILED = {"EM-SECTION-EVAC": "EM-SECTION-EVAC-T2"}  # a U: the run fails
MAJOR_CHALLENGES = {"EM-STATION-POWER": "EM-STATION-POWER-T3", "OP-TICKETING": "OP-TICKETING-T2"}
LATE = {"EM-STATION-FIRE": "EM-STATION-FIRE-T2", "EM-TRAIN-RESCUE": "EM-TRAIN-RESCUE-T4"}
NOT_YET_RUN: set[str] = set()
EVALUATORS = ["广州中咨 林工", "安全质量部 陈静", "客运中心 刘洋", "调度中心 黄伟"]


def build(session: Any, line_id: int, as_of: dt.date) -> dict[str, int]:
    seed_default(session, line_id)
    line = find_line(session, None)
    catalogue = line_catalogue(session, line)
    locations = list_locations(session, line_id)
    must = {s["id"]: s["must_do_reason"] for s in catalogue if s["must_do"]}
    units = org_unit_codes(session)
    laid = plan(catalogue, locations, line.handover_date,
                line.planned_opening - dt.timedelta(days=1), handover=line.handover_date,
                opening=line.planned_opening, must_do=must, fully_automatic=line.fully_automatic,
                org_units=units)
    planned = [asdict(p) for p in laid.planned]
    replace_plan(session, line_id, planned)
    by_id = {s["id"]: s for s in catalogue}
    runs = []
    done = [p for p in planned if p["scenario"] != "OP-TIMETABLE"
            and p["date"] <= as_of and p["scenario"] not in NOT_YET_RUN]
    timetable = [p for p in planned if p["scenario"] == "OP-TIMETABLE" and p["date"] <= as_of]
    for n, entry in enumerate([*done, *timetable[-1:]], start=1):
        runs.append(_run(n, entry, by_id[entry["scenario"]]))
    # The failed drill was fixed (its PDCA item closed) and run again a month later: it passed.
    for scenario_id in FAILED:
        first = next(r for r in runs if r["scenario"] == scenario_id)
        retry = _run(len(runs) + 1, {"scenario": scenario_id,
                                     "date": (first["date"] + dt.timedelta(days=35)).isoformat(),
                                     "location": first["location"], "units": first["units"]},
                     by_id[scenario_id], rehearsal=True)
        retry["notes"] = f"复演（{first['id']} 未通过，整改后重新演练）"
        runs.append(retry)
    # A tabletop rehearsal held before the handover: recorded on purpose (outside the drill
    # window), but it counts for nothing.
    rehearsal = _run(len(runs) + 1, {"scenario": "EM-STATION-FIRE", "date": "2026-08-03",
                                     "location": "S05", "form": "tabletop",
                                     "units": [u for u in by_id["EM-STATION-FIRE"]["unit_kinds"]
                                               if u in units]},
                     by_id["EM-STATION-FIRE"], rehearsal=True)
    runs.append({**rehearsal, "outside_window": True})
    counts = write_runs(session, line, runs)
    return {"planned": len(laid.planned), "runs": len(runs), "pdca": counts["pdca_opened"]}


def _run(n: int, entry: dict[str, Any], scenario: dict[str, Any],
         rehearsal: bool = False) -> dict[str, Any]:
    tasks = []
    for k, task in enumerate(scenario["critical_tasks"]):
        standard = task.get("time_standard_min")
        rating = "S" if (n + k) % 13 == 0 else "P"
        minutes = round(standard * (0.6 + ((n * 3 + k) % 4) / 10), 1) if standard else None
        if not rehearsal:
            if FAILED.get(scenario["id"]) == task["id"]:
                rating = "U"
            elif MAJOR_CHALLENGES.get(scenario["id"]) == task["id"]:
                rating = "M"
            elif LATE.get(scenario["id"]) == task["id"] and standard:
                rating, minutes = "S", round(standard * 1.5, 1)
        tasks.append({"task": task["id"], "rating": rating, "minutes": minutes,
                      "evaluator": EVALUATORS[(n + k) % len(EVALUATORS)],
                      "notes": "处置流程不熟练，信息报送不及时" if rating in ("M", "U") else None})
        # A second evaluator on the first tasks of every third run, and on every M and U: they
        # agree, or see an M or a U as milder (S), which the worse rating overrules (S against U
        # is two grades apart: a conflict for the debrief).
        if rating in ("M", "U") or (n % 3 == 1 and k < 2 and not rehearsal):
            tasks.append({"task": task["id"], "rating": "S" if rating in ("M", "U") else rating,
                          "minutes": minutes, "evaluator": EVALUATORS[(n + k + 1) % len(EVALUATORS)],
                          "notes": "处置基本到位" if rating in ("M", "U") else None})
    return {"id": f"R-{n:04d}", "scenario": scenario["id"], "date": as_date(entry["date"]),
            "location": entry.get("location"), "form": entry.get("form", "live"),
            "commander": "值班站长" if scenario["tier"] == "on-site" or (
                scenario["tier"] == "rehearsal" and scenario["venue"] == "station")
            else "运营分公司总经理 邵浩",
            "evaluators": EVALUATORS[:2], "units": list(entry.get("units") or []),
            "notes": "演练前桌面推演（三权移交前）" if rehearsal else None, "tasks": tasks}
