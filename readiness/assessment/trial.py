"""Trial-run key indicators (试运行关键指标), computed from daily records as the assessment
specification (交办运〔2023〕56号 第三条) defines them.

fulfilment = trains run to the plan ÷ trains planned; punctuality = trains on time ÷ trains run;
service reliability = train-km ÷ delays of 5 minutes or more (in 万列公里/次); failure rates per
10,000 train-km (次/万列公里); platform-screen-door rates per 10,000 door operations (次/万次);
FAO wake-up and sleep success as percentages. All over the window of the most recent run of
consecutive opening-timetable days.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from readiness.dates import as_date

COUNTS = ("trains_planned", "trains_run", "trains_on_time", "train_km", "delays_5min",
          "withdrawals", "vehicle_failures", "signalling_failures", "power_failures",
          "psd_operations", "psd_failures", "gap_detector_faults", "fao_dropouts",
          "wakeups_planned", "wakeups_ok", "sleeps_planned", "sleeps_ok")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end (30 Nov + 3 months = 28 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_window(days: list[dict[str, Any]], as_of: dt.date) -> list[dict[str, Any]]:
    """The most recent run of consecutive opening-timetable days up to `as_of`."""
    ordered = sorted((d for d in days if as_date(d["day"]) <= as_of),  # type: ignore[operator]
                     key=lambda d: as_date(d["day"]))
    window: list[dict[str, Any]] = []
    for day in reversed(ordered):
        if not day["opening_timetable"]:
            if window:
                break
            continue
        if window and (as_date(window[-1]["day"]) - as_date(day["day"])).days != 1:
            break
        window.append(day)
    return list(reversed(window))


def _ratio(numerator: float, denominator: float, scale: float) -> float | None:
    return None if denominator == 0 else numerator / denominator * scale


def indicators(window: list[dict[str, Any]]) -> dict[str, float | None]:
    """The indicators over the window; None where the denominator is zero (not measurable)."""
    total = {k: sum((d.get(k) or 0) for d in window) for k in COUNTS}
    wkm = total["train_km"] / 10_000  # 万列公里
    reliability = (float("inf") if total["delays_5min"] == 0 and wkm > 0
                   else _ratio(wkm, total["delays_5min"], 1))
    return {
        "fulfilment": _ratio(total["trains_run"], total["trains_planned"], 100),
        "punctuality": _ratio(total["trains_on_time"], total["trains_run"], 100),
        "service_reliability": reliability,
        "withdrawal_rate": _ratio(total["withdrawals"], wkm, 1),
        "vehicle_failure_rate": _ratio(total["vehicle_failures"], wkm, 1),
        "signalling_failure_rate": _ratio(total["signalling_failures"], wkm, 1),
        "power_failure_rate": _ratio(total["power_failures"], wkm, 1),
        "psd_failure_rate": _ratio(total["psd_failures"], total["psd_operations"], 10_000),
        "gap_detector_rate": _ratio(total["gap_detector_faults"], total["psd_operations"], 10_000),
        "fao_dropout_rate": _ratio(total["fao_dropouts"], wkm, 1),
        "wakeup_success": _ratio(total["wakeups_ok"], total["wakeups_planned"], 100),
        "sleep_success": _ratio(total["sleeps_ok"], total["sleeps_planned"], 100),
    }


def daily(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each day's own indicators, for the report's daily charts."""
    return [{"day": str(d["day"]), "opening_timetable": bool(d["opening_timetable"]),
             "fao_mode": d.get("fao_mode"), **indicators([d])}
            for d in sorted(days, key=lambda d: as_date(d["day"]))]


def day_errors(row: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Impossible values in one day's record, as (field, message key, params)."""
    errors: list[tuple[str, str, dict[str, Any]]] = []
    for field in COUNTS:
        value = row.get(field)
        if value is not None and value < 0:
            errors.append((field, "trial.negative", {"value": value}))
    pairs = (("trains_run", "trains_planned"), ("trains_on_time", "trains_run"),
             ("wakeups_ok", "wakeups_planned"), ("sleeps_ok", "sleeps_planned"))
    for part, whole in pairs:
        if (row.get(part) or 0) > (row.get(whole) or 0) and (row.get(part) or 0) >= 0:
            errors.append((part, "trial.more_than", {"value": row.get(part),
                                                     "other": ("trial_field", whole),
                                                     "limit": row.get(whole) or 0}))
    if (row.get("trains_run") or 0) > 0 and not (row.get("train_km") or 0) > 0:
        errors.append(("train_km", "trial.no_km", {}))
    return errors
