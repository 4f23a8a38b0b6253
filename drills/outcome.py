"""How a drill run went, from its task ratings (FEMA HSEEP P/S/M/U), and what must be fixed.

A run **fails** if any critical task is U; **passes with findings** if any task is S or M or
misses its time standard; **passes** otherwise. A run with a critical task left unrated is
**incomplete**; a run dated before the three-rights handover is **void** (it counts for nothing).
Every M, U and missed time standard becomes one PDCA item (DOMAIN.md §5–6).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

PDCA_DUE_DAYS = {"blocking": 14, "due-dated": 30}


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def assess_run(run: dict[str, Any], scenario: dict[str, Any],
               handover: dt.date | None) -> dict[str, Any]:
    """{"outcome", "problems": [{task, rating, minutes, standard, why}], "unrated": [task IDs]}."""
    rated = {t["task"]: t for t in run["tasks"]}
    problems, unrated = [], []
    for task in scenario["critical_tasks"]:
        given = rated.get(task["id"])
        if given is None or not given.get("rating"):
            unrated.append(task["id"])
            continue
        standard = task.get("time_standard_min")
        late = (standard is not None and given.get("minutes") is not None
                and given["minutes"] > standard)
        if given["rating"] in ("M", "U") or late:
            problems.append({"task": task["id"], "name_zh": task["name_zh"],
                             "name_en": task["name_en"], "rating": given["rating"],
                             "minutes": given.get("minutes"), "standard": standard,
                             "why": given["rating"] if given["rating"] in ("M", "U") else "late"})
    ratings = {t.get("rating") for t in run["tasks"]}
    if handover is not None and _date(run["date"]) < handover:
        outcome = "void"
    elif "U" in ratings:
        outcome = "fail"
    elif unrated:
        outcome = "incomplete"
    elif ratings & {"S", "M"} or problems:
        outcome = "pass-with-findings"
    else:
        outcome = "pass"
    return {"outcome": outcome, "problems": problems, "unrated": unrated}


def pdca_items(run: dict[str, Any], scenario: dict[str, Any],
               assessed: dict[str, Any]) -> list[dict[str, Any]]:
    """One PDCA item per M, U or missed time; U blocks opening, the rest are due-dated."""
    if assessed["outcome"] == "void":
        return []
    items = []
    for p in assessed["problems"]:
        item_class = "blocking" if p["why"] == "U" else "due-dated"
        if p["why"] == "late":
            detail = f"用时 {p['minutes']:g} 分钟，超过标准 {p['standard']:g} 分钟"
        else:
            detail = f"评级 {p['rating']}"
        items.append({
            "title": f"{scenario['name_zh']}：{p['name_zh']}（{detail}）"[:300],
            "description": f"演练 {run['id']}（{run['date']}）关键任务 {p['task']} {p['name_zh']}："
                           f"{detail}。{run.get('notes') or ''}".strip(),
            "source": "drill", "source_ref": f"{run['id']}/{p['task']}",
            "kind": "staff-operation", "item_class": item_class,
            "owner_unit": (run.get("units") or [None])[0],
            "opened_on": _date(run["date"]),
            "due": _date(run["date"]) + dt.timedelta(days=PDCA_DUE_DAYS[item_class])})
    return items
