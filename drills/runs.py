"""Recording drill runs and turning their findings into PDCA items, exactly once."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from drills import timers as task_timers
from drills.catalogue import load_scenarios
from drills.outcome import assess_run, pdca_items
from readiness.actor import Actor
from readiness import sources, vocab
from readiness.audit import check_unchanged
from readiness.errors import InvalidValue, NotFound, coded
from readiness.store import drills as drill_store
from readiness.store import pdca as pdca_store
from readiness.lines.locations import LocationIndex
from readiness.store.core import Store, WriteSession
from readiness.store.lines import find_line


@dataclass(frozen=True)
class RunRules:
    """What a run is checked against beyond its scenario: the line's drill window and the runs
    already recorded (a voided run cannot be recorded again; one recorded outside the window
    on purpose stays allowed)."""

    handover: dt.date | None = None
    opening: dt.date | None = None
    recorded: dict[str, dict[str, Any]] = field(default_factory=dict)


def run_rules(session: Any, line: Any) -> RunRules:
    return RunRules(line.handover_date, line.planned_opening,
                    drill_store.run_states(session, line.id))


def outside_window(date: Any, rules: RunRules) -> tuple[str, dict[str, Any]] | None:
    """(message key, params) when a run's date is before handover or after opening."""
    if not isinstance(date, dt.date):
        return None
    if rules.handover is not None and date < rules.handover:
        return "drill.before_handover", {"date": date, "handover": rules.handover}
    if rules.opening is not None and date > rules.opening:
        return "drill.after_opening", {"date": date, "opening": rules.opening}
    return None


def write_runs(session: WriteSession, line: Any, runs: list[dict[str, Any]]) -> dict[str, int]:
    """Store runs and open one PDCA item per new M, U or missed time (re-imports add none)."""
    counts = drill_store.write_runs(session, line.id, runs)
    scenarios = {s["id"]: s for s in load_scenarios(session, line.id)}
    stored = {r["id"]: r for r in drill_store.load_runs(session, line.id)}
    known = pdca_store.source_refs(session, line.id, "drill")
    items = []
    for run in runs:
        assessed = assess_run(stored[run["id"]], scenarios[run["scenario"]], line.handover_date)
        items += [i for i in pdca_items(stored[run["id"]], scenarios[run["scenario"]], assessed)
                  if i["source_ref"] not in known]
    pdca_store.open_items(session, line.id, items)
    counts["pdca_opened"] = len(items)
    return counts


def check_run(run: dict[str, Any], scenarios: dict[str, dict[str, Any]],
              locations: LocationIndex, rules: RunRules | None = None,
              allow_outside: bool = False) -> list[tuple[str, str, dict[str, Any]]]:
    """Problems with one run as (field, message key, params): unknown scenario, location, task;
    a voided run recorded again; a date outside handover..opening (unless `allow_outside`, or
    the run was recorded outside on purpose before); negative minutes; the same task rated
    twice by one evaluator. Problems with one rating carry its position in run["tasks"] as
    `index` (and a duplicate the first one's as `first_index`)."""
    errors: list[tuple[str, str, dict[str, Any]]] = []
    recorded = (rules.recorded if rules else {}).get(run.get("id") or "", {})
    if recorded.get("voided"):
        errors.append(("code", "drill.run_is_void", {"id": run["id"],
                                                     "reason": recorded.get("void_reason") or "-"}))
    scenario = scenarios.get(run.get("scenario") or "")
    if scenario is None:
        errors.append(("scenario", "drill.scenario_not_found", {"id": run.get("scenario")}))
    elif run.get("form") and run["form"] not in scenario["forms"]:
        errors.append(("form", "drill.form_not_allowed", {
            "form": run["form"], "allowed": ", ".join(scenario["forms"])}))
    if rules is not None and not allow_outside and not recorded.get("outside_window"):
        outside = outside_window(run.get("date"), rules)
        if outside is not None:
            errors.append(("date", *outside))
    place = locations.resolve(run.get("location"), errors)
    if place is not None:  # a name unique on the line, or the ID: stored as the ID
        run["location"] = place["code"]
    task_ids = {t["id"] for t in scenario["critical_tasks"]} if scenario is not None else None
    seen: dict[tuple[str, str | None], int] = {}
    for index, task in enumerate(run.get("tasks", [])):
        if task_ids is not None and task["task"] not in task_ids:
            errors.append(("task", "drill.unknown_task", {"task": task["task"],
                                                          "scenario": scenario["id"],
                                                          "index": index}))
        minutes = task.get("minutes")
        if minutes is not None and minutes < 0:
            errors.append(("minutes", "drill.negative_minutes", {"value": minutes,
                                                                 "index": index}))
        key = (task["task"], task.get("evaluator"))
        if key in seen:
            errors.append(("evaluator", "drill.duplicate_rating", {
                "task": task["task"], "evaluator": task.get("evaluator") or "-",
                "index": index, "first_index": seen[key]}))
        else:
            seen[key] = index
    return errors


# --- what the run services return ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Rating:
    """One evaluator's rating of one task (None: an evaluator not named)."""

    evaluator: str | None
    rating: str  # drill_rating code: P, S, M or U
    minutes: float | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class TaskResult:
    """A task of a run: every evaluator's rating, the deciding (worst) rating, the longest time,
    whether the evaluators are two grades or more apart, and the task's time standard with
    what it rests on (sources.basis; None where the task has no time standard)."""

    task: str
    ratings: list[Rating]
    rating: str
    minutes: float | None
    conflict: bool
    time_standard_min: float | None = None
    time_basis: list[dict[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class TaskFinding:
    """A task rated M or U, or over its time standard: what opens a PDCA item."""

    task: str
    name_zh: str
    name_en: str
    rating: str
    minutes: float | None
    standard: float | None  # the time standard, minutes
    why: str  # "M", "U" or "late"
    time_basis: list[dict[str, Any]] | None = None  # sources.basis of the time standard


@dataclass(frozen=True, slots=True)
class Run:
    """A recorded run with its outcome (drill_outcome code), as `drill runs` and `drill show`
    give it: its marks (outside the window, voided: by whom, when, why), what was recorded,
    each task's ratings, the findings, the critical tasks no evaluator rated and the tasks
    the evaluators disagree on."""

    outside_window: bool
    void: bool
    void_reason: str | None
    voided_by: str | None
    voided_at: dt.datetime | None
    id: str
    scenario: str
    date: dt.date
    location: str | None  # location ID
    form: str  # drill_form code
    commander: str | None
    evaluators: list[str]
    units: list[str]
    notes: str | None
    tasks: list[TaskResult]
    outcome: str
    problems: list[TaskFinding]
    unrated: list[str]
    complete: bool
    conflicts: list[str]


@dataclass(frozen=True, slots=True)
class RecordedRun(Run):
    """A run as `drill record` leaves it, with the number of PDCA items it opened."""

    pdca_opened: int


@dataclass(frozen=True, slots=True)
class VoidedRun:
    """A run just voided: who voided it, when and why."""

    id: str
    voided_at: dt.datetime
    voided_by: str
    void_reason: str


def _shown_basis(refs: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    return sources.basis(refs) if refs else None


def _run_result(run: dict[str, Any], assessed: dict[str, Any],
                scenario: dict[str, Any] | None = None) -> Run:
    """A stored run and its assessment (drills.outcome.assess_run) as a Run; with its
    `scenario`, each task carries its time standard and the standard's basis."""
    row = {**UNMARKED, **run, **assessed}
    standards = {k["id"]: k for k in (scenario or {}).get("critical_tasks", [])}
    row["tasks"] = [TaskResult(t["task"], [Rating(r["evaluator"], r["rating"], r["minutes"],
                                                  r["notes"]) for r in t["ratings"]],
                               t["rating"], t["minutes"], t["conflict"],
                               standards.get(t["task"], {}).get("time_standard_min"),
                               _shown_basis(standards.get(t["task"], {}).get("time_basis")))
                    for t in row["tasks"]]
    row["problems"] = [TaskFinding(**{**p, "time_basis": _shown_basis(p.get("time_basis"))})
                       for p in row["problems"]]
    return Run(**{f.name: row[f.name] for f in fields(Run)})


# --- the run services -----------------------------------------------------------------------------

# check_run's field → the `drill record` option it came from (others: "--" + field)
RUN_OPTIONS = {"evaluator": "--task", "minutes": "--task", "date": "--on"}


def record_run(store: Store, line: str | None, run_id: str, *, scenario: str, on: dt.date,
               location: str | None = None, form: str = "live", commander: str | None = None,
               evaluators: Sequence[str] = (), units: Sequence[str] = (),
               tasks: Sequence[str] = (), notes: str | None = None, allow_outside: bool = False,
               actor: Actor, draft_seen: int | None = None) -> RecordedRun:
    """Record one run (or add to or correct a recorded one: a rating given again by the same
    evaluator replaces theirs), as typed: `form` a code or label, `location` an ID or a name
    unique on the line, each of `tasks` "TASK-ID=RATING[/MINUTES][@EVALUATOR]"; returns it with
    its outcome. A run dated before handover or after opening needs `allow_outside`, and is
    marked so. Problems are refused naming the option (`--task`, `--on` …).

    `draft_seen` submits a form that may stand on the run's draft (`save_draft`): the version
    of the draft it was opened at (0: none). A draft saved since is refused, as a second save
    is; the draft is removed in the same write as the run, and a refused run keeps it. None
    (the command line) leaves drafts alone."""
    if not (run_id or "").strip():
        raise InvalidValue("hazard.bad_field", field="RUN_ID",
                           reason=InvalidValue("import.required").message())
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise InvalidValue("option.bad_date", option="--on", value=on)
    run = {"id": run_id, "scenario": scenario, "date": on, "location": location,
           "form": coded("drill_form", "--form", form, required=True), "commander": commander,
           "evaluators": list(evaluators), "units": list(units), "notes": notes,
           "tasks": [parse_task(text) for text in tasks]}
    with store.write(actor, f"drill record {run_id}") as session:
        found = find_line(session, line)
        scenarios = {s["id"]: s for s in load_scenarios(session, found.id)}
        locations = LocationIndex.load(session, found)
        rules = run_rules(session, found)
        errors = check_run(run, scenarios, locations, rules, allow_outside)
        if errors:
            where, key, params = errors[0]
            if where == "code":  # the run itself, not one of its options
                raise InvalidValue(key, **params)
            option = RUN_OPTIONS.get(where, "--" + where)
            raise InvalidValue("hazard.bad_field", field=option,
                               reason=InvalidValue(key, **params).message())
        if draft_seen is not None:
            check_unchanged(session, "drill_run_drafts", run_id, draft_seen, found.id)
        outside = outside_window(run["date"], rules) is not None
        counts = write_runs(session, found, [{**run, "outside_window": outside}])
        if draft_seen is not None:
            drill_store.delete_draft(session, found.id, run_id)
    result = run_outcome(store, line, run_id)
    return RecordedRun(**{f.name: getattr(result, f.name) for f in fields(Run)},
                       pdca_opened=counts["pdca_opened"])


def void_run(store: Store, line: str | None, run_id: str, reason: str, *,
             actor: Actor) -> VoidedRun:
    """Void a mistaken run: it stays on record, marked, and counts for nothing."""
    if not (reason or "").strip():
        raise InvalidValue("drill.void_reason_needed")
    with store.write(actor, f"drill void {run_id}") as session:
        voided = drill_store.void_run(session, find_line(session, line).id, run_id, reason.strip())
    return VoidedRun(**voided)


def run_outcomes(store: Store, line: str | None) -> list[Run]:
    """Every run, oldest first, with its outcome, findings, unrated tasks and each task's
    ratings: the deciding one and every evaluator's."""
    return _outcomes(store, line, None)


def run_outcome(store: Store, line: str | None, run_id: str) -> Run:
    """One run, as `run_outcomes` gives it; NotFound when the line has no such run."""
    return _outcomes(store, line, run_id)[0]


def _outcomes(store: Store, line: str | None, run_id: str | None) -> list[Run]:
    with store.read() as session:
        found = find_line(session, line)
        scenarios = {s["id"]: s for s in load_scenarios(session, found.id)}
        runs = drill_store.load_runs(session, found.id)
    if run_id is not None:
        runs = [r for r in runs if r["id"] == run_id]
        if not runs:
            raise NotFound("drill.run_not_found", id=run_id)
    return [_run_result(run, assess_run(run, scenarios[run["scenario"]], found.handover_date),
                        scenarios[run["scenario"]]) for run in runs]


UNMARKED = {"outside_window": False, "void": False, "void_reason": None, "voided_by": None,
            "voided_at": None}


def parse_task(text: str) -> dict[str, Any]:
    """"EM-STATION-FIRE-T1=P/1.5@陈静" or "T1=S" → {"task", "rating", "minutes", "evaluator"}."""
    task, sep, rest = text.partition("=")
    rest, _, evaluator = rest.partition("@")
    rating, _, minutes = rest.partition("/")
    rating = rating.strip().upper()
    if not sep or not task.strip() or rating not in vocab.codes("drill_rating"):
        raise InvalidValue("drill.bad_task_option", value=text)
    try:
        value = float(minutes) if minutes.strip() else None
    except ValueError:
        raise InvalidValue("drill.bad_task_option", value=text) from None
    if value is not None and not math.isfinite(value):
        raise InvalidValue("drill.bad_task_option", value=text)
    if value is not None and value < 0:
        raise InvalidValue("hazard.bad_field", field="--task", reason=InvalidValue(
            "drill.negative_minutes", value=minutes.strip()).message())
    return {"task": task.strip(), "rating": rating, "minutes": value,
            "evaluator": evaluator.strip() or None}


# --- drafts: a run being recorded, kept as typed until it is submitted ----------------------

RUN_ID_LIMIT = 40  # characters of a run ID (drill_runs.code, drill_run_drafts.code)


@dataclass(frozen=True, slots=True)
class Draft:
    """A run being recorded, kept as typed (the form's fields by name) until it is submitted as
    a run: it counts nowhere (no run, no coverage, no PDCA item). `version` is what a form
    opened on it carries; `timers` its critical tasks' timers (`drills.timers`), kept beside
    the fields and no part of the run."""

    id: str  # the run ID it will be recorded as
    scenario: str | None
    saved_by: str
    saved_at: dt.datetime
    version: int
    content: dict[str, str]
    timers: dict[str, task_timers.Timer] = field(default_factory=dict)


def _draft(row: dict[str, Any], version: int) -> Draft:
    content = {str(k): str(v) for k, v in row["content"].items() if k != task_timers.TIMERS}
    return Draft(id=row["code"], scenario=content.get("scenario") or None,
                 saved_by=row["saved_by"], saved_at=row["saved_at"], version=version,
                 content=content, timers=task_timers.timers_of(
                     row["content"].get(task_timers.TIMERS)))


def _typed(content: dict[str, Any]) -> dict[str, str]:
    """A form's fields as a draft keeps them: text, and never a field posing as its timers."""
    return {str(k): str(v) for k, v in content.items() if str(k) != task_timers.TIMERS}


def _stored_timers(session: Any, line_id: int, code: str) -> dict[str, task_timers.Timer]:
    before = drill_store.load_draft(session, line_id, code)
    return task_timers.timers_of(before["content"].get(task_timers.TIMERS) if before else None)


def _with_timers(content: dict[str, str],
                 timers: dict[str, task_timers.Timer]) -> dict[str, Any]:
    return {**content, task_timers.TIMERS: task_timers.kept(timers)} if timers else content


def _run_id(run_id: str) -> str:
    code = (run_id or "").strip()
    if not code:
        raise InvalidValue("hazard.bad_field", field="RUN_ID",
                           reason=InvalidValue("import.required").message())
    if len(code) > RUN_ID_LIMIT:
        raise InvalidValue("hazard.bad_field", field="RUN_ID", reason=InvalidValue(
            "cell.too_long", length=len(code), limit=RUN_ID_LIMIT).message())
    return code


def save_draft(store: Store, line: str | None, run_id: str, content: dict[str, str], *,
               actor: Actor, seen: int | None = None) -> Draft:
    """Keep a run's form as typed (`content`: its fields by name) as the line's draft of
    `run_id`, nothing checked but the run ID; `seen` is the version of that draft the form was
    opened at (0: none), and a draft saved by someone else since is refused (None: no check).
    The draft's timers (`press_timer`) are kept as they are."""
    from readiness.store.audit import row_version

    code = _run_id(run_id)
    kept = _typed(content)
    with store.write(actor, f"drill draft {code}") as session:
        found = find_line(session, line)
        check_unchanged(session, "drill_run_drafts", code, seen, found.id)
        timers = _stored_timers(session, found.id, code)
        row = drill_store.save_draft(session, found.id, code, _with_timers(kept, timers))
        saved = row_version(session, "drill_run_drafts", code, found.id)
    return _draft(row, saved)


def press_timer(store: Store, line: str | None, run_id: str, content: dict[str, str], *,
                action: str, task: str, now: dt.datetime, rows: int, actor: Actor,
                seen: int | None = None) -> Draft:
    """Start or stop (`action`) the timer of one critical task of the draft's scenario at `now`
    (`drills.timers`), saving the form as typed (`content`) with it as `save_draft` does, with
    the same run ID and version checks. Stopping writes the minutes into each of the task's
    `rows` minute fields still blank. Refused: another action, a task the scenario does not
    have, stopping a task not running, starting one running."""
    from readiness.store.audit import row_version

    if action not in task_timers.ACTIONS:
        raise InvalidValue("option.bad_code", option="timer", value=f"{action}:{task}",
                           allowed="start:TASK, stop:TASK")
    code = _run_id(run_id)
    kept = _typed(content)
    with store.write(actor, f"drill timer {action} {task} {code}") as session:
        found = find_line(session, line)
        check_unchanged(session, "drill_run_drafts", code, seen, found.id)
        scenario = {s["id"]: s for s in load_scenarios(session, found.id)}.get(
            kept.get("scenario") or "")
        if scenario is None:
            raise InvalidValue("drill.scenario_not_found", id=kept.get("scenario") or "-")
        if task not in {t["id"] for t in scenario["critical_tasks"]}:
            raise InvalidValue("drill.unknown_task", scenario=scenario["id"], task=task)
        timers = _stored_timers(session, found.id, code)
        if action == "start":
            timers = task_timers.start(timers, task, now)
        else:
            timers, kept = task_timers.stop(timers, kept, task, now, rows)
        row = drill_store.save_draft(session, found.id, code, _with_timers(kept, timers))
        saved = row_version(session, "drill_run_drafts", code, found.id)
    return _draft(row, saved)


def load_draft(store: Store, line: str | None, run_id: str) -> Draft:
    """The line's draft of `run_id` with its version; NotFound when there is none."""
    from readiness.store.audit import row_version

    with store.read() as session:
        found = find_line(session, line)
        row = drill_store.load_draft(session, found.id, (run_id or "").strip())
        if row is None:
            raise NotFound("drill.draft_not_found", id=run_id)
        return _draft(row, row_version(session, "drill_run_drafts", row["code"], found.id))


def list_drafts(store: Store, line: str | None) -> list[Draft]:
    """The line's drafts, the most recently saved first."""
    from readiness.store.audit import row_version

    with store.read() as session:
        found = find_line(session, line)
        return [_draft(r, row_version(session, "drill_run_drafts", r["code"], found.id))
                for r in drill_store.list_drafts(session, found.id)]
