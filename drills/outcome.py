"""How a drill run went, from its task ratings (FEMA HSEEP P/S/M/U), and what must be fixed.

Every evaluator's rating is kept; a task's **deciding** rating is the worst of them (U, then M, S,
P) and its time the longest recorded, so one evaluator's lenient view never hides another's.
Evaluators two grades or more apart (P and M, S and U …) are a **conflict**, listed for the
debrief. A run **fails** if any critical task is U; **passes with findings** if any task is S or M
or misses its time standard; **passes** otherwise. A run with a critical task that no evaluator
rated is **incomplete**; a run dated before the three-rights handover is **void**, and a run the
drill commander voided is **voided**: both count for nothing. Every M, U and missed time standard
becomes one PDCA item.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from readiness.dates import as_date

PDCA_DUE_DAYS = {"blocking": 14, "due-dated": 30}
GRADES = ("P", "S", "M", "U")  # best to worst
CONFLICT_GRADES = 2  # evaluators this many grades apart disagree about what happened


def task_ratings(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each task's ratings, one per evaluator, with the deciding rating (the worst), the longest
    time and whether the evaluators conflict. `entries` are rows {task, rating, minutes,
    evaluator, notes}, in the order given."""
    tasks: dict[str, dict[str, Any]] = {}
    for e in entries:
        if not e.get("rating"):
            continue
        task = tasks.setdefault(e["task"], {"task": e["task"], "ratings": []})
        task["ratings"].append({"evaluator": e.get("evaluator"), "rating": e["rating"],
                                "minutes": e.get("minutes"), "notes": e.get("notes")})
    for task in tasks.values():
        grades = [GRADES.index(r["rating"]) for r in task["ratings"]]
        times = [r["minutes"] for r in task["ratings"] if r["minutes"] is not None]
        task["rating"] = GRADES[max(grades)]
        task["minutes"] = max(times) if times else None
        task["conflict"] = max(grades) - min(grades) >= CONFLICT_GRADES
    return tasks


def assess_run(run: dict[str, Any], scenario: dict[str, Any],
               handover: dt.date | None) -> dict[str, Any]:
    """{"outcome", "problems": [{task, rating, minutes, standard, why, time_basis}], "unrated": [task IDs],
    "complete", "tasks": [each task's deciding and per-evaluator ratings], "conflicts"}."""
    rated = task_ratings(run["tasks"])
    problems, unrated = [], []
    for task in scenario["critical_tasks"]:
        given = rated.get(task["id"])
        if given is None:
            unrated.append(task["id"])
            continue
        standard = task.get("time_standard_min")
        late = (standard is not None and given["minutes"] is not None
                and given["minutes"] > standard)
        if given["rating"] in ("M", "U") or late:
            problems.append({"task": task["id"], "name_zh": task["name_zh"],
                             "name_en": task["name_en"], "rating": given["rating"],
                             "minutes": given["minutes"], "standard": standard,
                             "why": given["rating"] if given["rating"] in ("M", "U") else "late",
                             "time_basis": task.get("time_basis") if standard is not None
                             else None})
    deciding = {t["rating"] for t in rated.values()}
    if run.get("void"):
        outcome = "voided"
    elif handover is not None and as_date(run["date"]) < handover:
        outcome = "void"
    elif "U" in deciding:
        outcome = "fail"
    elif unrated:
        outcome = "incomplete"
    elif deciding & {"S", "M"} or problems:
        outcome = "pass-with-findings"
    else:
        outcome = "pass"
    return {"outcome": outcome, "problems": problems, "unrated": unrated,
            "complete": not unrated, "tasks": list(rated.values()),
            "conflicts": [t["task"] for t in rated.values() if t["conflict"]]}


def counted(assessed: dict[str, Any]) -> bool:
    """Whether an assessed run counts for coverage, must-do and the assessment: complete (every
    critical task rated by at least one evaluator) and neither void nor voided."""
    return bool(assessed["complete"]) and assessed["outcome"] not in ("void", "voided")


def pdca_items(run: dict[str, Any], scenario: dict[str, Any],
               assessed: dict[str, Any]) -> list[dict[str, Any]]:
    """One PDCA item per M, U or missed time; U blocks opening, the rest are due-dated. The title
    is written in both languages (the toolkit wrote it, so it can)."""
    if assessed["outcome"] in ("void", "voided"):
        return []
    items = []
    for p in assessed["problems"]:
        item_class = "blocking" if p["why"] == "U" else "due-dated"
        if p["why"] == "late":
            detail = f"用时 {p['minutes']:g} 分钟，超过标准 {p['standard']:g} 分钟"
            detail_en = f"took {p['minutes']:g} min, standard {p['standard']:g} min"
        else:
            detail = f"评级 {p['rating']}"
            detail_en = f"rated {p['rating']}"
        items.append({
            "title": f"{scenario['name_zh']}：{p['name_zh']}（{detail}）"[:300],
            "title_en": f"{scenario['name_en']}: {p['name_en']} ({detail_en})"[:300],
            "description": f"演练 {run['id']}（{run['date']}）关键任务 {p['task']} {p['name_zh']}："
                           f"{detail}。{run.get('notes') or ''}".strip(),
            "source": "drill", "source_ref": f"{run['id']}/{p['task']}",
            "kind": "staff-operation", "item_class": item_class,
            "owner_unit": (run.get("units") or [None])[0],
            "opened_on": as_date(run["date"]),
            "due": as_date(run["date"]) + dt.timedelta(days=PDCA_DUE_DAYS[item_class])})
    return items
