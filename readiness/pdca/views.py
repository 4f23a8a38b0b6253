"""What leadership looks at: open items, aging, overdue, closure rate, blocking burn-down.

Pure functions over items (plain dicts); `as_of` is always given so that the arithmetic is
testable on fixed dates. The burn-down, the closure rate and the open counts are typed results
(dates as dates); `burndown` and `closure_rate` also give them as an assessment snapshot keeps
them (dates as ISO text).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from readiness.dates import as_date, iso

RECENT_DAYS = 28  # the window the closure rate and the forecast are measured over


@dataclass(slots=True, frozen=True)
class BurndownDay:
    """Open blocking items at the end of one day."""

    date: dt.date
    open: int


@dataclass(slots=True, frozen=True)
class Burndown:
    """Open blocking items per day, and when they reach zero at the recent closure rate."""

    series: list[BurndownDay]
    open_blocking: int
    closed_recently: int
    recent_days: int
    rate_per_day: float
    forecast_zero: dt.date | None  # None: never at the current rate
    planned_opening: dt.date | None
    after_opening: bool


@dataclass(slots=True, frozen=True)
class ClosureWeek:
    """Items closed in one ISO week (`week` 2026-W47, starting on Monday `from_`)."""

    week: str
    from_: dt.date
    closed: int


@dataclass(slots=True, frozen=True)
class OpenCounts:
    """Open items counted by class, phase, kind, source and owner unit ("-": none)."""

    class_: dict[str, int]
    phase: dict[str, int]
    kind: dict[str, int]
    source: dict[str, int]
    owner_unit: dict[str, int]


def enrich(item: dict[str, Any], as_of: dt.date) -> dict[str, Any]:
    """Add `overdue`, `days_open` and `days_in_phase` as of a date."""
    opened, since = as_date(item["opened_on"]), as_date(item["phase_since"])
    due = as_date(item["due"])
    end = as_date(item.get("closed_on")) or as_of
    open_now = item["phase"] != "CLOSED"
    return {**item, "overdue": bool(open_now and due is not None and due < as_of),
            "days_overdue": (as_of - due).days if open_now and due and due < as_of else 0,
            "days_open": (end - opened).days if opened else None,
            "days_in_phase": (as_of - since).days if open_now and since else None}


def title(item: Any, lang: str) -> str:
    """The item's title in `lang`: the English one when the toolkit wrote one (items opened
    from drills), else the title as entered. `item` is a row (dict) or a PdcaItem."""
    if isinstance(item, dict):
        english, entered = item.get("title_en"), item["title"]
    else:
        english, entered = item.title_en, item.title
    return str(english if lang == "en" and english else entered)


def open_counts(items: list[dict[str, Any]]) -> OpenCounts:
    open_items = [i for i in items if i["phase"] != "CLOSED"]

    def by(field: str) -> dict[str, int]:
        return dict(Counter(i[field] or "-" for i in open_items))

    return OpenCounts(class_=by("class"), phase=by("phase"), kind=by("kind"),
                      source=by("source"), owner_unit=by("owner_unit"))


def weekly_closures(items: list[dict[str, Any]], as_of: dt.date, weeks: int = 12
                    ) -> list[ClosureWeek]:
    """Items closed per ISO week, for the last `weeks` weeks up to `as_of`."""
    monday = as_of - dt.timedelta(days=as_of.weekday())
    starts = [monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    closed: Counter[dt.date] = Counter()
    for i in items:
        day = as_date(i.get("closed_on"))
        if day and day <= as_of:
            closed[day - dt.timedelta(days=day.weekday())] += 1
    return [ClosureWeek(week=f"{s.isocalendar()[0]}-W{s.isocalendar()[1]:02d}", from_=s,
                        closed=closed.get(s, 0)) for s in starts]


def blocking_burndown(items: list[dict[str, Any]], as_of: dt.date, opening: dt.date | None,
                      recent_days: int = RECENT_DAYS) -> Burndown:
    """Open blocking items per day, and when they reach zero at the recent closure rate."""
    blocking = [i for i in items if i["class"] == "blocking"]
    opened = Counter(as_date(i["opened_on"]) for i in blocking)
    closed = Counter(as_date(i["closed_on"]) for i in blocking if i.get("closed_on"))
    series: list[BurndownDay] = []
    start = min(opened, default=as_of)
    level, day = 0, start
    while day <= as_of:  # one sweep over the days: O(items + days)
        level += opened.get(day, 0) - closed.get(day, 0)
        series.append(BurndownDay(date=day, open=level))
        day += dt.timedelta(days=1)
    remaining = level
    window_start = as_of - dt.timedelta(days=recent_days - 1)
    recent = sum(n for d, n in closed.items() if d and window_start <= d <= as_of)
    rate = recent / recent_days
    if remaining == 0:
        forecast: dt.date | None = as_of
    elif rate > 0:
        forecast = as_of + dt.timedelta(days=math.ceil(remaining / rate))
    else:
        forecast = None
    late = bool(opening and remaining and (forecast is None or forecast > opening))
    return Burndown(series=series, open_blocking=remaining, closed_recently=recent,
                    recent_days=recent_days, rate_per_day=round(rate, 3),
                    forecast_zero=forecast, planned_opening=opening, after_opening=late)


# --- as an assessment snapshot keeps them: plain dicts, dates as ISO text --------------------------

def closure_rate(items: list[dict[str, Any]], as_of: dt.date, weeks: int = 12
                 ) -> list[dict[str, Any]]:
    return [{"week": w.week, "from": w.from_.isoformat(), "closed": w.closed}
            for w in weekly_closures(items, as_of, weeks)]


def burndown(items: list[dict[str, Any]], as_of: dt.date, opening: dt.date | None,
             recent_days: int = RECENT_DAYS) -> dict[str, Any]:
    b = blocking_burndown(items, as_of, opening, recent_days)
    return {"series": [{"date": d.date.isoformat(), "open": d.open} for d in b.series],
            "open_blocking": b.open_blocking, "closed_recently": b.closed_recently,
            "recent_days": b.recent_days, "rate_per_day": b.rate_per_day,
            "forecast_zero": iso(b.forecast_zero), "planned_opening": iso(b.planned_opening),
            "after_opening": b.after_opening}
