"""What leadership looks at: open items, aging, overdue, closure rate, blocking burn-down.

Pure functions over items (plain dicts); `as_of` is always given so that the arithmetic is
testable on fixed dates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Any

from readiness.dates import as_date

RECENT_DAYS = 28  # the window the closure rate and the forecast are measured over


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


def title(item: dict[str, Any], lang: str) -> str:
    """The item's title in `lang`: the English one when the toolkit wrote one (items opened
    from drills), else the title as entered."""
    return str(item.get("title_en") if lang == "en" and item.get("title_en") else item["title"])


def counts(items: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    open_items = [i for i in items if i["phase"] != "CLOSED"]
    return {key: dict(Counter(i[field] or "-" for i in open_items))
            for key, field in (("class", "class"), ("phase", "phase"), ("kind", "kind"),
                               ("source", "source"), ("owner_unit", "owner_unit"))}


def closure_rate(items: list[dict[str, Any]], as_of: dt.date, weeks: int = 12
                 ) -> list[dict[str, Any]]:
    """Items closed per ISO week, for the last `weeks` weeks up to `as_of`."""
    monday = as_of - dt.timedelta(days=as_of.weekday())
    starts = [monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    closed = Counter()
    for i in items:
        day = as_date(i.get("closed_on"))
        if day and day <= as_of:
            closed[day - dt.timedelta(days=day.weekday())] += 1
    return [{"week": f"{s.isocalendar()[0]}-W{s.isocalendar()[1]:02d}", "from": s.isoformat(),
             "closed": closed.get(s, 0)} for s in starts]


def burndown(items: list[dict[str, Any]], as_of: dt.date, opening: dt.date | None,
             recent_days: int = RECENT_DAYS) -> dict[str, Any]:
    """Open blocking items per day, and when they reach zero at the recent closure rate."""
    blocking = [i for i in items if i["class"] == "blocking"]
    opened = Counter(as_date(i["opened_on"]) for i in blocking)
    closed = Counter(as_date(i["closed_on"]) for i in blocking if i.get("closed_on"))
    series: list[dict[str, Any]] = []
    start = min(opened, default=as_of)
    level, day = 0, start
    while day <= as_of:  # one sweep over the days: O(items + days)
        level += opened.get(day, 0) - closed.get(day, 0)
        series.append({"date": day.isoformat(), "open": level})
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
    return {"series": series, "open_blocking": remaining,
            "closed_recently": recent, "recent_days": recent_days,
            "rate_per_day": round(rate, 3),
            "forecast_zero": forecast.isoformat() if forecast else None,
            "planned_opening": opening.isoformat() if opening else None,
            "after_opening": late}
