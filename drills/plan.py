"""The drill plan: every catalogue drill on a calendar between handover and opening.

Constraints (source text B §3–4, DOMAIN.md §5):
- nothing before the three-rights handover (三权移交);
- must-do drills are placed first, so they take the earliest days;
- equipment-repair drills run on the depot test track;
- the timetable drill runs every day of the final weeks before opening (default 6); it is the
  line's daily operation into which the other drills are interleaved, so it takes no location,
  unit or daily slot of its own;
- no location hosts two drills on one day, no unit takes part in two drills on one day, and no
  day holds more drills than the cap.

Greedy earliest-fit over days, in must-do-then-rank order: for S scenarios, D days and L candidate
locations the cost is O(S · D · L) in the worst case, and close to O(S · L) when the calendar is
not crowded (most drills fit on the first days they are tried).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from drills.catalogue import rank_key
from readiness.actor import Actor

TIMETABLE = "OP-TIMETABLE"
DEFAULT_CAP = 3
DEFAULT_FINAL_WEEKS = 6
TEST_TRACK_WORDS = ("试车线", "test track")


def candidate_locations(venue: str, locations: list[dict[str, Any]]) -> list[str]:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for loc in locations:
        by_kind[loc["kind"]].append(loc)
    if venue == "depot-test-track":
        depots = by_kind["depot"]
        track = [d for d in depots if any(w in f"{d['name']} {d.get('note') or ''}".lower()
                                          for w in TEST_TRACK_WORDS)]
        return [d["code"] for d in (track or depots)]
    kinds = {"station": ["station"], "main-line": ["section", "station"],
             "control-centre": ["control-centre"]}[venue]
    for kind in kinds:
        if by_kind[kind]:
            return [loc["code"] for loc in by_kind[kind]]
    return []


def plan(scenarios: list[dict[str, Any]], locations: list[dict[str, Any]], start: dt.date,
         end: dt.date, *, handover: dt.date | None, opening: dt.date | None,
         must_do: dict[str, str], fully_automatic: bool = False, cap: int = DEFAULT_CAP,
         final_weeks: int = DEFAULT_FINAL_WEEKS,
         org_units: set[str] | None = None) -> dict[str, Any]:
    """Lay the drills out; returns {"planned": [...], "unplaced": [...], "needs_units": [...],
    "first_day", "last_day"}.

    With `org_units` (the organisation's unit codes) a drill names only the units that exist; a
    scenario whose unit kinds have no unit is listed in `needs_units` instead of being given an
    invented one. Units still keep drills apart by kind, so adding the unit later moves nothing."""
    first = max(start, handover) if handover else start
    days = [first + dt.timedelta(days=n) for n in range((end - first).days + 1)]
    planned: list[dict[str, Any]] = []
    unplaced: list[dict[str, Any]] = []
    wanted = [s for s in scenarios if fully_automatic or not s.get("fao_only")]
    needs_units = [{"scenario": s["id"], "units": missing} for s in wanted
                   if org_units is not None and (missing := [u for u in s.get("unit_kinds") or []
                                                             if u not in org_units])]
    if not days:
        reason = "before-handover" if handover and end < handover else "empty-window"
        return {"planned": [], "first_day": first.isoformat(), "last_day": end.isoformat(),
                "unplaced": [{"scenario": s["id"], "reason": reason} for s in wanted],
                "needs_units": needs_units}
    timetable = next((s for s in wanted if s["id"] == TIMETABLE), None)
    if timetable is not None:
        final_start = (opening - dt.timedelta(weeks=final_weeks)) if opening else None
        daily = [d for d in days if final_start and final_start <= d < opening]  # type: ignore[operator]
        for day in daily:
            planned.append(_entry(timetable, day, None, must_do, org_units))
        if not daily:
            unplaced.append({"scenario": TIMETABLE, "reason": "no-final-weeks"})
    per_day: dict[dt.date, int] = defaultdict(int)
    busy_locations: dict[dt.date, set[str]] = defaultdict(set)
    busy_units: dict[dt.date, set[str]] = defaultdict(set)
    order = sorted((s for s in wanted if s["id"] != TIMETABLE),
                   key=lambda s: (s["id"] not in must_do, rank_key(s)))
    for index, scenario in enumerate(order):
        places = candidate_locations(scenario["venue"], locations)
        if not places:
            unplaced.append({"scenario": scenario["id"], "reason": "no-location",
                             "venue": scenario["venue"]})
            continue
        units = set(scenario.get("unit_kinds") or [])
        blocked = {"cap": 0, "units": 0, "locations": 0}
        for day in days:
            if per_day[day] >= cap:
                blocked["cap"] += 1
                continue
            if units & busy_units[day]:
                blocked["units"] += 1
                continue
            rotation = index % len(places)  # spread drills along the line
            free = next((p for p in places[rotation:] + places[:rotation]
                         if p not in busy_locations[day]), None)
            if free is None:
                blocked["locations"] += 1
                continue
            per_day[day] += 1
            busy_locations[day].add(free)
            busy_units[day].update(units)
            planned.append(_entry(scenario, day, free, must_do, org_units))
            break
        else:
            unplaced.append({"scenario": scenario["id"], "reason": max(blocked, key=blocked.get),
                             **{f"days_blocked_by_{k}": v for k, v in blocked.items()}})
    planned.sort(key=lambda p: (p["date"], p["scenario"] != TIMETABLE, not p["must_do"],
                                p["scenario"]))
    return {"planned": planned, "unplaced": unplaced, "needs_units": needs_units,
            "first_day": first.isoformat(), "last_day": end.isoformat()}


def _entry(scenario: dict[str, Any], day: dt.date, location: str | None,
           must_do: dict[str, str], org_units: set[str] | None = None) -> dict[str, Any]:
    units = [u for u in scenario.get("unit_kinds") or [] if org_units is None or u in org_units]
    return {"date": day.isoformat(), "scenario": scenario["id"], "name_zh": scenario["name_zh"],
            "name_en": scenario["name_en"], "category": scenario["category"],
            "tier": scenario["tier"], "must_do": scenario["id"] in must_do,
            "location": location, "units": units,
            "form": "live" if "live" in scenario["forms"] else scenario["forms"][0]}


def to_ics(planned: list[dict[str, Any]], line: str, stamp: dt.datetime,
           lang: str = "zh") -> str:
    """The plan as an iCalendar file (RFC 5545), one all-day event per drill, its summary and
    description in `lang`."""
    from readiness import vocab

    zh = lang == "zh"

    def escape(text: str) -> str:
        return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
                .replace("\n", "\\n"))

    def fold(line_text: str) -> list[str]:
        data, out = line_text.encode("utf-8"), []
        while len(data) > 75:
            cut = 75
            while (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
                cut -= 1
            out.append(data[:cut].decode("utf-8"))
            data = b" " + data[cut:]
        out.append(data.decode("utf-8"))
        return out

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0",
             f"PRODID:-//metro-readiness//drill plan//{lang.upper()}", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{escape(line)} {'演练计划' if zh else 'drill plan'}"]
    for n, p in enumerate(planned):
        day = dt.date.fromisoformat(p["date"])
        mark = ("【必做】" if zh else "[Must-do] ") if p["must_do"] else ""
        name = p["name_zh"] if zh else p["name_en"]
        units = ("、" if zh else ", ").join(p["units"]) or "-"
        form = vocab.label("drill_form", p["form"], lang)
        category = vocab.label("drill_category", p["category"], lang)
        description = (f"{category}；形式：{form}；参演单位：{units}" if zh
                       else f"{category}; form: {form}; units: {units}")
        lines += ["BEGIN:VEVENT", f"UID:{p['scenario']}-{p['date']}-{n}@metro-readiness",
                  f"DTSTAMP:{stamp.strftime('%Y%m%dT%H%M%SZ')}",
                  f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
                  f"DTEND;VALUE=DATE:{(day + dt.timedelta(days=1)).strftime('%Y%m%d')}",
                  f"SUMMARY:{escape(mark + name + ' ' + p['scenario'])}",
                  f"LOCATION:{escape(p['location'] or '')}",
                  f"DESCRIPTION:{escape(description)}",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(part for raw in lines for part in fold(raw)) + "\r\n"


def plan_line(store: Any, line: str | None, start: dt.date | None = None,
              end: dt.date | None = None, *, cap: int | None = None,
              final_weeks: int | None = None, save: bool = False,
              actor: Actor | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """Plan the line's catalogue between `start` and `end` (default the day before opening);
    with `save`, it becomes the line's plan (shown in the reports).

    Without `start` the plan begins on the later of today and the handover date: a plan never
    puts a drill in the past unless asked to. `start_from` says which ("option", "handover",
    "today"). Only units of the organisation are named."""
    from drills.catalogue import line_catalogue
    from readiness.errors import InvalidValue
    from readiness.store.drills import org_unit_codes, replace_plan
    from readiness.store.lines import find_line, list_locations

    today = today or dt.date.today()
    if save and actor is None:
        raise ValueError("saving a plan is a write: say who is acting (actor=)")
    scope = store.write(actor, "drill plan --save") if save else store.read()
    with scope as session:
        found = find_line(session, line)
        settings = found.settings or {}
        handover = found.handover_date
        if start is not None:
            start_from = "option"
        elif handover is not None and handover >= today:
            start, start_from = handover, "handover"
        else:
            start, start_from = today, "today"
        end = end or (found.planned_opening - dt.timedelta(days=1) if found.planned_opening else None)
        if end is None:
            raise InvalidValue("drill.plan_window_needed")
        catalogue = line_catalogue(session, found)
        result = plan(catalogue, list_locations(session, found.id), start, end,
                      handover=handover, opening=found.planned_opening,
                      must_do={s["id"]: s["must_do_reason"] for s in catalogue if s["must_do"]},
                      fully_automatic=found.fully_automatic,
                      cap=cap or int(settings.get("drill_cap_per_day", DEFAULT_CAP)),
                      final_weeks=final_weeks or int(settings.get("drill_final_weeks",
                                                                  DEFAULT_FINAL_WEEKS)),
                      org_units=org_unit_codes(session))
        if save:
            replace_plan(session, found.id, result["planned"])
        result["line"] = found.name
        result["start_from"] = start_from
        result["handover"] = handover.isoformat() if handover else None
    return result
