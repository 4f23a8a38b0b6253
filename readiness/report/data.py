"""Everything a readiness report shows, gathered once as plain data from a snapshot and the store.

The HTML report and the workbook are both rendered from this. The HTML summarises (top lists,
counts, charts) so that it stays small for a large network; the workbook carries the full rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from drills.catalogue import line_catalogue
from drills.coverage import coverage_of
from hazards.checks import CheckContext, check_register
from readiness import vocab
from readiness.assessment.assess import assess, current_hash
from readiness.assessment.trial import daily
from readiness.errors import NotFound
from readiness.org.accountability import load_org
from readiness.pdca.views import burndown, closure_rate, enrich
from readiness.store import assessment as snapshot_store
from readiness.store import checklist as checklist_store
from readiness.store import drills as drill_store
from readiness.store import pdca as pdca_store
from readiness.store.core import Store
from readiness.store.hazards import load_register
from readiness.store.lines import find_line, list_locations
from readiness.store.trial import load_days

TOP = 30  # rows in the HTML's summary lists; the workbook has them all
AXES = {"LEC": ("L", "C"), "LS": ("L", "S"), "882E": ("P", "S")}


def snapshot_for(store: Store, line: str | None, snapshot_id: int | None,
                 user: str | None, lang: str) -> dict[str, Any]:
    """The given snapshot, else the line's latest, else a new assessment."""
    with store.read() as session:
        found = find_line(session, line)
        if snapshot_id is not None:
            snapshot = snapshot_store.get(session, snapshot_id)
            if snapshot["line_id"] != found.id:
                raise NotFound("assess.snapshot_not_found", id=snapshot_id)
            return snapshot
        existing = snapshot_store.load(session, found.id)
    if existing:
        return existing[0]
    made = assess(store, found.name, user=user, lang=lang)
    with store.read() as session:
        return snapshot_store.get(session, made["snapshot"])


def gather(store: Store, line: str | None = None, snapshot_id: int | None = None, *,
           user: str | None = None, lang: str = "zh") -> dict[str, Any]:
    snapshot = snapshot_for(store, line, snapshot_id, user, lang)
    result = snapshot["result"]
    as_of = dt.date.fromisoformat(snapshot["as_of"])
    with store.read() as session:
        found = find_line(session, line)
        register = load_register(session, found.id)
        org = load_org(session)
        catalogue = line_catalogue(session, found)
        runs = drill_store.load_runs(session, found.id)
        plan = drill_store.load_plan(session, found.id)
        items = pdca_store.load_items(session, found.id)
        days = load_days(session, found.id)
        checklist = checklist_store.load_items(session, found.id)
        phase_changes = checklist_store.phase_changes(session, found.id)
        locations = {loc["code"]: loc for loc in list_locations(session, found.id)}
        signoffs = next((s["signoffs"] for s in snapshot_store.load(session, found.id)
                         if s["id"] == snapshot["id"]), [])
    stale = current_hash(store, found.id, as_of) != snapshot["inputs_hash"]
    ctx = CheckContext(as_of=as_of, units=org.units, people=org.people)
    findings = check_register(register, ctx)
    majors = [h for h in register if h["level"] == "major"]
    return {
        "lang": lang, "generated": dt.datetime.now().replace(microsecond=0).isoformat(" "),
        "line": {"name": found.name, "opening": _iso(found.planned_opening),
                 "handover": _iso(found.handover_date), "phase": found.phase,
                 "profile": snapshot["profile"], "fully_automatic": found.fully_automatic,
                 "city": (found.settings or {}).get("city_zh" if lang == "zh" else "city_en")},
        "snapshot": {k: snapshot[k] for k in ("id", "as_of", "taken_at", "inputs_hash", "verdict",
                                              "profile")},
        "stale": stale, "signoffs": [{**s, "stale": stale} for s in signoffs],
        "result": result, "trial": _trial(days, result), "hazards": _hazards(register, findings,
                                                                               locations, org,
                                                                               as_of),
        "drills": _drills(catalogue, runs, plan, majors, found.handover_date),
        "pdca": _pdca(items, as_of, found.planned_opening),
        "checklist": {"items": checklist, "overrides": [c for c in phase_changes if c["override"]],
                      "changes": phase_changes},
        "org": org, "as_of": as_of,
        "empty": not (register or runs or items or days),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _trial(days: list[dict[str, Any]], result: dict[str, Any]) -> dict[str, Any]:
    per_day = daily(days)
    window = result.get("window") or []
    criteria = {c["id"]: c for c in result["criteria"] if c["area"] == "trial-run"}
    return {"days": per_day, "window": window, "criteria": criteria,
            "indicators": result.get("indicators", {}), "count": len(days)}


def _hazards(register: list[dict[str, Any]], findings: list[Any], locations: dict[str, Any],
             org: Any, as_of: dt.date) -> dict[str, Any]:
    levels = Counter(h["level"] for h in register)
    residual = Counter(h["residual_level"] for h in register)
    method = Counter(h["method"] for h in register if h["method"]).most_common(1)
    method_code = method[0][0] if method else "LEC"
    row_axis, col_axis = AXES.get(method_code, ("L", "C"))
    cells: Counter[tuple[Any, Any]] = Counter()
    worst: dict[tuple[Any, Any], str] = {}
    order = ("major", "significant", "general", "low")
    for h in register:
        if h["method"] != method_code or not h["factors"]:
            continue
        key = (h["factors"].get(row_axis), h["factors"].get(col_axis))
        cells[key] += 1
        if h["level"] and (key not in worst or order.index(h["level"]) < order.index(worst[key])):
            worst[key] = h["level"]
    majors = []
    for h in sorted((h for h in register if h["level"] == "major"), key=lambda h: h["id"])[:TOP]:
        chain = _chain(org, h["owner"], h["owner_unit"], as_of)
        majors.append({**h, "chain": chain})
    by_code = Counter(f.code for f in findings)
    return {"count": len(register), "levels": dict(levels), "residual": dict(residual),
            "by_specialty": Counter(h["specialty"] for h in register).most_common(),
            "by_kind": Counter((locations.get(h["location"]) or {}).get("kind")
                               for h in register).most_common(),
            "by_location": Counter(h["location_name"] for h in register).most_common(12),
            "matrix": {"method": method_code, "rows": row_axis, "cols": col_axis,
                       "cells": cells, "worst": worst},
            "majors": majors, "major_total": levels.get("major", 0),
            "findings": dict(by_code), "register": register}


def _chain(org: Any, owner: str | None, unit: str | None, as_of: dt.date) -> list[dict[str, Any]]:
    """Who answers for a hazard, up to the company, with each letter as it stood on `as_of`."""
    chain = []
    person = org.people.get(owner or "")
    if person:
        chain.append({"code": person["staff_id"], "name": person["name"], "level": "person",
                      "letter": org.letter(person["staff_id"], person["unit_code"],
                                           as_of)[0]})
        unit = unit or person["unit_code"]
    for code in org.ancestors(unit):
        parent = org.units[code]["parent_code"]
        letter = org.letter(code, parent, as_of)[0] if parent in org.units else "-"
        chain.append({"code": code, "name": org.units[code]["name"],
                      "level": org.units[code]["level"], "letter": letter})
    return chain


def _drills(catalogue: list[dict[str, Any]], runs: list[dict[str, Any]],
            plan: list[dict[str, Any]], majors: list[dict[str, Any]],
            handover: dt.date | None) -> dict[str, Any]:
    coverage = coverage_of(catalogue, runs, majors, handover)
    outcomes = {s["id"]: Counter() for s in coverage["scenarios"]}
    from drills.outcome import assess_run

    by_id = {s["id"]: s for s in catalogue}
    for run in runs:
        if run["scenario"] in outcomes:
            outcomes[run["scenario"]][assess_run(run, by_id[run["scenario"]], handover)["outcome"]] += 1
    must = {s["id"] for s in catalogue if s.get("must_do")}
    plan = [{**p, "must_do": p["scenario"] in must} for p in plan]
    months: dict[str, list[dict[str, Any]]] = {}
    for p in plan:
        if p["scenario"] != "OP-TIMETABLE":
            months.setdefault(p["date"][:7], []).append(p)
    timetable = [p["date"] for p in plan if p["scenario"] == "OP-TIMETABLE"]
    return {"coverage": coverage, "outcomes": {k: dict(v) for k, v in outcomes.items()},
            "calendar": months, "timetable_days": (timetable[0], timetable[-1], len(timetable))
            if timetable else None, "runs": runs, "plan": plan, "catalogue": catalogue}


def _pdca(items: list[dict[str, Any]], as_of: dt.date, opening: dt.date | None) -> dict[str, Any]:
    enriched = [enrich(i, as_of) for i in items]
    open_items = [i for i in enriched if i["phase"] != "CLOSED"]
    return {"items": enriched, "open": len(open_items),
            "blocking_open": [i for i in open_items if i["class"] == "blocking"],
            "aging": sorted(open_items, key=lambda i: -(i["days_open"] or 0))[:TOP],
            "overdue": sum(1 for i in open_items if i["overdue"]),
            "by_phase": Counter(i["phase"] for i in enriched),
            "burndown": burndown(items, as_of, opening),
            "closure": closure_rate(items, as_of, 12)}


def label(set_name: str, code: Any, lang: str) -> str:
    return vocab.label(set_name, code, lang) if code else "-"

