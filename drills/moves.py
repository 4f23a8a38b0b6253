"""Moving one drill of the line's saved plan (`readiness drill move`, the plan calendar's move
form) under the planner's own rules (drills/plan.py): the timetable drill stays daily; nothing
before the handover or on or after opening; a place the scenario's venue allows; no more than
the line's cap of drills a day; no place or unit twice on a day. Only the must-do-first order is
the commander's to change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from drills.plan import DEFAULT_CAP, TIMETABLE, candidate_locations, line_cap
from readiness.actor import Actor
from readiness.errors import InvalidValue, NotFound


@dataclass(frozen=True, slots=True)
class Slot:
    """A drill of the saved plan as a move is checked against it: its row, scenario, day and
    place (location ID; None for the timetable drill)."""

    id: int
    scenario: str
    date: dt.date
    location: str | None


def check_move(moving: Slot, to: dt.date, location: str | None, plan: list[Slot],
               scenarios: dict[str, dict[str, Any]], locations: list[dict[str, Any]], *,
               handover: dt.date | None, opening: dt.date | None,
               cap: int = DEFAULT_CAP) -> list[tuple[str, dict[str, Any]]]:
    """Why `moving` may not go to day `to` at `location` under the planner's own rules, as
    (message key, params), the most basic first; empty when it may. The rules: the timetable
    drill runs every day of the final weeks and is not moved day by day; nothing before the
    handover or on or after opening; the place must be one the planner would choose for the
    scenario's venue; no more than `cap` drills on a day; no place hosts two drills on a day;
    no unit takes part in two drills on a day (units by kind, as the planner keeps them)."""
    scenario = scenarios.get(moving.scenario) or {}
    base = {"id": moving.scenario, "date": to}
    if moving.scenario == TIMETABLE:
        return [("drill.move_timetable", base)]
    if to == moving.date and location == moving.location:
        return [("drill.move_nothing", base)]
    found: list[tuple[str, dict[str, Any]]] = []
    if handover is not None and to < handover:
        found.append(("drill.move_before_handover", {**base, "handover": handover}))
    if opening is not None and to >= opening:
        found.append(("drill.move_not_before_opening", {**base, "opening": opening}))
    if location is not None:
        places = candidate_locations(scenario["venue"], locations) if scenario.get("venue") \
            else []
        if location not in places:
            found.append(("drill.move_not_candidate", {
                **base, "location": location, "venue": ("drill_venue", scenario.get("venue")),
                "allowed": ", ".join(places) or "-"}))
    others = [s for s in plan if s.id != moving.id and s.date == to and s.scenario != TIMETABLE]
    if len(others) >= cap:
        found.append(("drill.move_day_full", {**base, "count": len(others), "cap": cap}))
    taken = next((s for s in others if location is not None and s.location == location), None)
    if taken is not None:
        found.append(("drill.move_location_busy", {**base, "location": location,
                                                    "other": taken.scenario}))
    units = set(scenario.get("unit_kinds") or [])
    for other in others:
        shared = units & set((scenarios.get(other.scenario) or {}).get("unit_kinds") or [])
        if shared:
            found.append(("drill.move_units_busy", {**base, "units": ", ".join(sorted(shared)),
                                                     "other": other.scenario}))
            break
    return found


@dataclass(frozen=True, slots=True)
class SavedDrill:
    """A drill of the line's saved plan: its row ID and version (what a move form carries),
    the day, the scenario, the place and the places the planner could have chosen for it."""

    id: int
    version: int
    date: dt.date
    scenario: str
    name_zh: str
    name_en: str
    must_do: bool
    location: str | None
    units: list[str]
    places: list[str]


@dataclass(frozen=True, slots=True)
class SavedPlan:
    """The line's saved plan (`drill plan --save`), by day; `first_day`..`last_day` is the
    drill window (handover to the day before opening, widened to hold every saved day)."""

    line: str
    planned: list[SavedDrill]
    first_day: dt.date | None
    last_day: dt.date | None
    handover: dt.date | None
    opening: dt.date | None
    cap: int


@dataclass(frozen=True, slots=True)
class MovedDrill:
    """A planned drill just moved: from which day and place to which."""

    id: int
    scenario: str
    from_date: dt.date
    date: dt.date
    from_location: str | None
    location: str | None


def saved_plan(store: Any, line: str | None) -> SavedPlan:
    """The line's saved plan with each drill's version; empty when none was saved."""
    from drills.catalogue import line_catalogue
    from readiness.store.audit import row_version
    from readiness.store.drills import org_unit_codes, plan_rows
    from readiness.store.lines import find_line, list_locations

    with store.read() as session:
        found = find_line(session, line)
        rows = plan_rows(session, found.id)
        catalogue = {s["id"]: s for s in line_catalogue(session, found)} if rows else {}
        locations = list_locations(session, found.id) if rows else []
        org_units = org_unit_codes(session) if rows else set()
        versions = {r["id"]: row_version(session, "planned_drills", r["id"]) for r in rows}
    planned = []
    for r in rows:
        s = catalogue.get(r["scenario"]) or {}
        places = (candidate_locations(s["venue"], locations)
                  if s.get("venue") and r["scenario"] != TIMETABLE else [])
        planned.append(SavedDrill(
            id=r["id"], version=versions[r["id"]], date=r["date"], scenario=r["scenario"],
            name_zh=s.get("name_zh", r["scenario"]), name_en=s.get("name_en", r["scenario"]),
            must_do=bool(s.get("must_do")), location=r["location"],
            units=[u for u in s.get("unit_kinds") or [] if u in org_units], places=places))
    days = [p.date for p in planned]
    handover, opening = found.handover_date, found.planned_opening
    first = min([*days, handover] if handover else days) if days else None
    last = max([*days, opening - dt.timedelta(days=1)] if opening else days) if days else None
    return SavedPlan(line=found.name, planned=planned, first_day=first, last_day=last,
                     handover=handover, opening=opening, cap=line_cap(found))


def _slot(rows: list[dict[str, Any]], planned: int | str) -> dict[str, Any]:
    """The saved plan's row named by its row ID, its scenario ID (a drill the plan holds once)
    or SCENARIO@YYYY-MM-DD."""
    text = str(planned).strip()
    if text.isdigit():
        found = [r for r in rows if r["id"] == int(text)]
    else:
        scenario, _, day = text.partition("@")
        found = [r for r in rows if r["scenario"] == scenario.strip()
                 and (not day or r["date"].isoformat() == day.strip())]
    if not found:
        raise NotFound("drill.planned_not_found", id=text)
    if len(found) > 1:
        raise InvalidValue("drill.planned_ambiguous", id=text, count=len(found),
                           example=f"{found[0]['scenario']}@{found[0]['date'].isoformat()}")
    return found[0]


def move_planned_drill(store: Any, line: str | None, planned: int | str, *, to: dt.date,
                       location: str | None = None, actor: Actor,
                       seen: int | None = None) -> MovedDrill:
    """Move one drill of the saved plan to day `to` (and to `location`, a location ID; default:
    where it is), checked against the planner's rules (`check_move`): refused naming the first
    rule the move breaks. `planned` is the row ID, the scenario ID or SCENARIO@YYYY-MM-DD;
    `seen` the version a form was opened at (None: no check, as at the command line)."""
    from readiness.audit import check_unchanged
    from readiness.store.drills import load_scenarios, move_planned, plan_rows
    from readiness.store.lines import find_line, list_locations

    if not isinstance(to, dt.date) or isinstance(to, dt.datetime):
        raise InvalidValue("option.bad_date", option="--to", value=to)
    location = (location or "").strip() or None
    with store.write(actor, f"drill move {planned}") as session:
        found = find_line(session, line)
        rows = plan_rows(session, found.id)
        if not rows:
            raise InvalidValue("drill.no_saved_plan")
        row = _slot(rows, planned)
        try:
            check_unchanged(session, "planned_drills", row["id"], seen)
        except InvalidValue as stale:  # named as the user knows it, not by its row ID
            raise InvalidValue(stale.key, **{**stale.params, "record": (
                f"{row['scenario']}@{row['date'].isoformat()}")}) from None
        place = location if location is not None else row["location"]
        problems = check_move(Slot(row["id"], row["scenario"], row["date"], row["location"]),
                              to, place, [Slot(r["id"], r["scenario"], r["date"], r["location"])
                                          for r in rows],
                              {s["id"]: s for s in load_scenarios(session, found.id)},
                              list_locations(session, found.id), handover=found.handover_date,
                              opening=found.planned_opening, cap=line_cap(found))
        if problems:
            key, params = problems[0]
            raise InvalidValue(key, **params)
        move_planned(session, found.id, row["id"], to, place)
    return MovedDrill(id=row["id"], scenario=row["scenario"], from_date=row["date"], date=to,
                      from_location=row["location"], location=place)
