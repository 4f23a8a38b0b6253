"""A critical task timed while a drill goes on, kept in the run's draft rather than in a browser:
started and stopped at times the caller gives (the server's clock, UTC), and once stopped the
whole minutes it took written into the task's minute fields that are still blank. Pure: nothing
is read or written here; `drills.runs.press_timer` keeps the result in the draft.

In a draft's content the timers are `content["timers"]`: {TASK: {"started": ISO, "stopped":
ISO}} ("stopped" once stopped). They are not part of the run: submitting it ignores them."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from readiness.errors import InvalidValue

TIMERS = "timers"  # the key of a draft's content that holds them
ACTIONS = ("start", "stop")


def minutes_field(task: str, row: int) -> str:
    """The form's (and so the draft's) field for the minutes evaluator `row` gives `task`."""
    return f"m__{task}__{row}"


@dataclass(frozen=True, slots=True)
class Timer:
    """One task's timer: running while `stopped` is None."""

    started: dt.datetime
    stopped: dt.datetime | None = None

    @property
    def running(self) -> bool:
        return self.stopped is None

    @property
    def minutes(self) -> int | None:
        """The whole minutes it took once stopped (`elapsed_minutes`), None while running."""
        return None if self.stopped is None else elapsed_minutes(self.started, self.stopped)


def elapsed_minutes(started: dt.datetime, stopped: dt.datetime) -> int:
    """Whole minutes from `started` to `stopped`, rounded up and at least 1 (a task stopped at
    once, or on a clock set back, took a minute)."""
    return max(1, math.ceil((stopped - started).total_seconds() / 60))


def timers_of(stored: Any) -> dict[str, Timer]:
    """The timers as a draft keeps them (`kept`); anything unreadable counts as no timer."""
    out: dict[str, Timer] = {}
    for task, value in (stored.items() if isinstance(stored, dict) else ()):
        try:
            started = dt.datetime.fromisoformat(str(value["started"]))
            stopped = value.get("stopped")
            out[str(task)] = Timer(started, dt.datetime.fromisoformat(str(stopped))
                                   if stopped else None)
        except (TypeError, KeyError, ValueError, AttributeError):
            continue
    return out


def kept(timers: dict[str, Timer]) -> dict[str, dict[str, str]]:
    """The timers as a draft keeps them: ISO text, "stopped" only once stopped."""
    return {task: {"started": t.started.isoformat(),
                   **({"stopped": t.stopped.isoformat()} if t.stopped else {})}
            for task, t in timers.items()}


def start(timers: dict[str, Timer], task: str, now: dt.datetime) -> dict[str, Timer]:
    """`task` timed from `now` (a stopped one afresh; the minutes it filled stay as typed);
    refused while it is running."""
    running = timers.get(task)
    if running is not None and running.running:
        raise InvalidValue("drill.timer_running", task=task,
                           since=running.started.strftime("%H:%M"))
    return {**timers, task: Timer(now)}


def stop(timers: dict[str, Timer], fields: dict[str, str], task: str, now: dt.datetime,
         rows: int) -> tuple[dict[str, Timer], dict[str, str]]:
    """`task` stopped at `now`, and the form's `fields` with its minutes written into each of the
    task's `rows` minute fields still blank (a minute typed is kept); refused unless running."""
    timer = timers.get(task)
    if timer is None or not timer.running:
        raise InvalidValue("drill.timer_not_running", task=task)
    done = Timer(timer.started, now)
    filled = dict(fields)
    for row in range(rows):
        name = minutes_field(task, row)
        if not str(filled.get(name) or "").strip():
            filled[name] = str(done.minutes)
    return {**timers, task: done}, filled
