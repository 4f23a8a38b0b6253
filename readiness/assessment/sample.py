"""The sample line's trial run: three months of daily records, the last weeks to the opening
timetable, with punctuality dipping below the line on a few days (the window still passes)."""

from __future__ import annotations

import datetime as dt

from readiness.store.core import WriteSession
from readiness.store.trial import upsert_days

OPENING_TIMETABLE_FROM = dt.date(2026, 10, 10)
ROUTE_KM = 41.6  # one train's run end to end
DIPS = {dt.date(2026, 10, 27): 9, dt.date(2026, 11, 3): 7, dt.date(2026, 11, 14): 8}


def days(start: dt.date, end: dt.date) -> list[dict[str, object]]:
    rows = []
    day = start
    n = 0
    while day <= end:
        weekend = day.weekday() >= 5
        planned = 264 if weekend else 312
        opening = day >= OPENING_TIMETABLE_FROM
        short = 0 if opening and n % 9 else (1 if opening else 3 + n % 4)
        run = planned - short
        late = DIPS.get(day, 2 + n % 3 if opening else 6 + n % 5)
        rows.append({
            "day": day, "opening_timetable": opening, "trains_planned": planned,
            "trains_run": run, "trains_on_time": run - late,
            "train_km": round(run * ROUTE_KM, 1), "delays_5min": 1 if n % 7 == 3 else 0,
            "withdrawals": 1 if n % 17 == 5 else 0, "vehicle_failures": n % 3,
            "signalling_failures": 1 if n % 6 == 2 else 0,
            "power_failures": 1 if n % 29 == 11 else 0,
            "psd_operations": run * 24 * 24, "psd_failures": 2 + n % 3,
            "gap_detector_faults": None, "fao_dropouts": None, "wakeups_planned": None,
            "wakeups_ok": None, "sleeps_planned": None, "sleeps_ok": None})
        day += dt.timedelta(days=1)
        n += 1
    return rows


def build(session: WriteSession, line_id: int, start: dt.date, as_of: dt.date) -> int:
    rows = days(start, as_of - dt.timedelta(days=1))
    upsert_days(session, line_id, rows)
    return len(rows)
