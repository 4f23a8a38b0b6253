"""The drill plan: every catalogue drill on a calendar between handover and opening.

Constraints (common practice of metro operators, adjustable by the line's settings):
- nothing before the three-rights handover (三权移交);
- must-do drills are placed first, so they take the earliest days;
- equipment-repair drills run on the depot test track;
- the timetable drill runs every day of the final weeks before opening (default 6); it is the
  line's daily operation into which the other drills are interleaved, so it takes no location,
  unit or daily slot of its own;
- no location hosts two drills on one day, no unit takes part in two drills on one day, and no
  day holds more drills than the cap.

A commander may move one drill of the saved plan by hand: drills/moves.py holds the move to
these same rules.

Greedy earliest-fit over days, in must-do-then-rank order: for S scenarios, D days and L candidate
locations the cost is O(S · D · L) in the worst case, and close to O(S · L) when the calendar is
not crowded (most drills fit on the first days they are tried).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from drills.catalogue import applies, rank_key
from readiness.results import OMIT_NONE
from readiness.actor import Actor
from readiness.errors import InvalidValue
from readiness.i18n import get_lang

TIMETABLE = "OP-TIMETABLE"
DEFAULT_CAP = 3
DEFAULT_FINAL_WEEKS = 6
TEST_TRACK_WORDS = ("试车线", "test track")
PLAN_FILES = (".ics", ".xlsx")


@dataclass(frozen=True, slots=True)
class PlannedDrill:
    """One drill on the calendar. The timetable drill has no location: it is the line's daily
    operation, not a drill of its own place."""

    date: dt.date
    scenario: str
    name_zh: str
    name_en: str
    category: str  # drill_category code
    tier: str  # drill_tier code
    must_do: bool
    location: str | None  # location ID
    units: list[str]  # unit codes of the organisation
    form: str  # drill_form code


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A scenario the plan could not place, and why (plan_reason code): with the venue that has
    no location, or with how many days each constraint blocked it."""

    scenario: str
    reason: str
    venue: str | None = field(default=None, metadata=OMIT_NONE)
    days_blocked_by_cap: int | None = field(default=None, metadata=OMIT_NONE)
    days_blocked_by_units: int | None = field(default=None, metadata=OMIT_NONE)
    days_blocked_by_locations: int | None = field(default=None, metadata=OMIT_NONE)


@dataclass(frozen=True, slots=True)
class NeedsUnits:
    """A scenario whose participating unit kinds have no unit in the organisation."""

    scenario: str
    units: list[str]


@dataclass(frozen=True, slots=True)
class Layout:
    """The drills laid out between `first_day` and `last_day`."""

    planned: list[PlannedDrill]
    unplaced: list[Unplaced]
    needs_units: list[NeedsUnits]
    first_day: dt.date
    last_day: dt.date


@dataclass(frozen=True, slots=True)
class Plan(Layout):
    """A line's plan: the layout, the line's name, where it starts from ("option", "handover",
    "today") and the handover date."""

    line: str
    start_from: str
    handover: dt.date | None


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
         org_units: set[str] | None = None) -> Layout:
    """Lay the drills out between `start` (not before `handover`) and `end`.

    With `org_units` (the organisation's unit codes) a drill names only the units that exist; a
    scenario whose unit kinds have no unit is listed in `needs_units` instead of being given an
    invented one. Units still keep drills apart by kind, so adding the unit later moves nothing."""
    first = max(start, handover) if handover else start
    days = [first + dt.timedelta(days=n) for n in range((end - first).days + 1)]
    planned: list[PlannedDrill] = []
    unplaced: list[Unplaced] = []
    # the line's catalogue says which apply (FAO-only, a joint drill with a hub the line
    # connects to); a bare catalogue is taken for a line that connects to none
    wanted = [s for s in scenarios
              if (s["applicable"] if "applicable" in s else applies(s, fully_automatic, []))]
    needs_units = [NeedsUnits(s["id"], missing) for s in wanted
                   if org_units is not None and (missing := [u for u in s.get("unit_kinds") or []
                                                             if u not in org_units])]
    if not days:
        reason = "before-handover" if handover and end < handover else "empty-window"
        return Layout([], [Unplaced(s["id"], reason) for s in wanted], needs_units, first, end)
    timetable = next((s for s in wanted if s["id"] == TIMETABLE), None)
    if timetable is not None:
        final_start = (opening - dt.timedelta(weeks=final_weeks)) if opening else None
        daily = [d for d in days if final_start and final_start <= d < opening]  # type: ignore[operator]
        for day in daily:
            planned.append(_entry(timetable, day, None, must_do, org_units))
        if not daily:
            unplaced.append(Unplaced(TIMETABLE, "no-final-weeks"))
    per_day: dict[dt.date, int] = defaultdict(int)
    busy_locations: dict[dt.date, set[str]] = defaultdict(set)
    busy_units: dict[dt.date, set[str]] = defaultdict(set)
    order = sorted((s for s in wanted if s["id"] != TIMETABLE),
                   key=lambda s: (s["id"] not in must_do, rank_key(s)))
    for index, scenario in enumerate(order):
        places = candidate_locations(scenario["venue"], locations)
        if not places:
            unplaced.append(Unplaced(scenario["id"], "no-location", venue=scenario["venue"]))
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
            reason = max(blocked, key=lambda k: blocked[k])  # what blocked it most often
            unplaced.append(Unplaced(scenario["id"], reason, days_blocked_by_cap=blocked["cap"],
                                     days_blocked_by_units=blocked["units"],
                                     days_blocked_by_locations=blocked["locations"]))
    planned.sort(key=lambda p: (p.date, p.scenario != TIMETABLE, not p.must_do, p.scenario))
    return Layout(planned, unplaced, needs_units, first, end)


def check_limits(cap: int | None, final_weeks: int | None) -> None:
    """`--cap` at least 1 drill a day, `--final-weeks` at least 0 (None: the line's setting)."""
    for option, value, least in (("--cap", cap, 1), ("--final-weeks", final_weeks, 0)):
        if value is not None and value < least:
            raise InvalidValue("option.below_minimum", option=option, value=value, minimum=least)


def _entry(scenario: dict[str, Any], day: dt.date, location: str | None,
           must_do: dict[str, str], org_units: set[str] | None = None) -> PlannedDrill:
    units = [u for u in scenario.get("unit_kinds") or [] if org_units is None or u in org_units]
    return PlannedDrill(date=day, scenario=scenario["id"], name_zh=scenario["name_zh"],
                        name_en=scenario["name_en"], category=scenario["category"],
                        tier=scenario["tier"], must_do=scenario["id"] in must_do,
                        location=location, units=units,
                        form="live" if "live" in scenario["forms"] else scenario["forms"][0])


def to_ics(planned: list[PlannedDrill], line: str, stamp: dt.datetime,
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
        mark = ("【必做】" if zh else "[Must-do] ") if p.must_do else ""
        name = p.name_zh if zh else p.name_en
        units = ("、" if zh else ", ").join(p.units) or "-"
        form = vocab.label("drill_form", p.form, lang)
        category = vocab.label("drill_category", p.category, lang)
        description = (f"{category}；形式：{form}；参演单位：{units}" if zh
                       else f"{category}; form: {form}; units: {units}")
        lines += ["BEGIN:VEVENT", f"UID:{p.scenario}-{p.date.isoformat()}-{n}@metro-readiness",
                  f"DTSTAMP:{stamp.strftime('%Y%m%dT%H%M%SZ')}",
                  f"DTSTART;VALUE=DATE:{p.date.strftime('%Y%m%d')}",
                  f"DTEND;VALUE=DATE:{(p.date + dt.timedelta(days=1)).strftime('%Y%m%d')}",
                  f"SUMMARY:{escape(mark + name + ' ' + p.scenario)}",
                  f"LOCATION:{escape(p.location or '')}",
                  f"DESCRIPTION:{escape(description)}",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(part for raw in lines for part in fold(raw)) + "\r\n"


def plan_line(store: Any, line: str | None, start: dt.date | None = None,
              end: dt.date | None = None, *, cap: int | None = None,
              final_weeks: int | None = None, save: bool = False, output: str | None = None,
              lang: str | None = None, actor: Actor | None = None,
              today: dt.date | None = None) -> Plan:
    """Plan the line's catalogue between `start` and `end` (default the day before opening);
    with `save`, it becomes the line's plan (shown in the reports); with `output`, it is also
    written to that .xlsx or .ics file (calendar) in `lang` (default: the language in use).

    Without `start` the plan begins on the later of today and the handover date: a plan never
    puts a drill in the past unless asked to. `start_from` says which ("option", "handover",
    "today"). Only units of the organisation are named. `cap` (drills a day, at least 1) and
    `final_weeks` (weeks of daily timetable drills, at least 0) default to the line's settings."""
    from drills.catalogue import line_catalogue
    from readiness.store.drills import org_unit_codes, replace_plan
    from readiness.store.lines import find_line, list_locations

    check_limits(cap, final_weeks)
    if output is not None and Path(output).suffix.lower() not in PLAN_FILES:
        raise InvalidValue("drill.bad_plan_suffix", path=output)  # before anything is saved
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
        layout = plan(catalogue, list_locations(session, found.id), start, end,
                      handover=handover, opening=found.planned_opening,
                      must_do={s["id"]: s["must_do_reason"] for s in catalogue if s["must_do"]},
                      fully_automatic=found.fully_automatic,
                      cap=cap if cap is not None else line_cap(found),
                      final_weeks=final_weeks if final_weeks is not None
                      else int(settings.get("drill_final_weeks", DEFAULT_FINAL_WEEKS)),
                      org_units=org_unit_codes(session))
        if save:
            replace_plan(session, found.id, [{"scenario": p.scenario, "date": p.date,
                                              "location": p.location} for p in layout.planned])
    result = Plan(**{f.name: getattr(layout, f.name) for f in fields(Layout)}, line=found.name,
                  start_from=start_from, handover=handover)
    if output is not None:
        write_plan_file(result, output, lang or get_lang())
    return result


def write_plan_file(result: Plan, output: str, lang: str) -> None:
    """The plan as a calendar (.ics) or a workbook (.xlsx), in `lang`."""
    from drills.sheets import write_plan_xlsx
    from readiness.store.core import utcnow

    if Path(output).suffix.lower() == ".ics":
        Path(output).write_text(to_ics(result.planned, result.line, utcnow(), lang),
                                encoding="utf-8", newline="")
    else:
        # the workbook writer reads the plan in its --json shape (dates as ISO text)
        write_plan_xlsx({"planned": [{f.name: getattr(p, f.name) for f in fields(p)}
                                     | {"date": p.date.isoformat()} for p in result.planned],
                         "unplaced": [{"scenario": u.scenario, "reason": u.reason}
                                      for u in result.unplaced]}, output, lang)


def line_cap(line: Any) -> int:
    """The line's cap of drills a day (its setting, else the default): the planner's and a
    move's."""
    return int((line.settings or {}).get("drill_cap_per_day", DEFAULT_CAP))
