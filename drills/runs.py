"""Recording drill runs and turning their findings into PDCA items, exactly once."""

from __future__ import annotations

from typing import Any

from drills.outcome import assess_run, pdca_items
from readiness import vocab
from readiness.errors import InvalidValue, NotFound
from readiness.store import drills as drill_store
from readiness.store import pdca as pdca_store
from readiness.store.core import Store, WriteSession
from readiness.store.lines import find_line


def write_runs(session: WriteSession, line: Any, runs: list[dict[str, Any]]) -> dict[str, int]:
    """Store runs and open one PDCA item per new M, U or missed time (re-imports add none)."""
    counts = drill_store.write_runs(session, line.id, runs)
    scenarios = {s["id"]: s for s in drill_store.load_scenarios(session, line.id)}
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
              locations: set[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """Problems with one run as (field, message key, params): unknown scenario, location, task."""
    errors: list[tuple[str, str, dict[str, Any]]] = []
    scenario = scenarios.get(run.get("scenario") or "")
    if scenario is None:
        errors.append(("scenario", "drill.scenario_not_found", {"id": run.get("scenario")}))
    elif run.get("form") and run["form"] not in scenario["forms"]:
        errors.append(("form", "drill.form_not_allowed", {
            "form": run["form"], "allowed": ", ".join(scenario["forms"])}))
    if run.get("location") and run["location"] not in locations:
        errors.append(("location", "drill.unknown_location", {"value": run["location"]}))
    if scenario is not None:
        task_ids = {t["id"] for t in scenario["critical_tasks"]}
        for task in run.get("tasks", []):
            if task["task"] not in task_ids:
                errors.append(("task", "drill.unknown_task", {"task": task["task"],
                                                              "scenario": scenario["id"]}))
    return errors


def record_run(store: Store, line: str | None, run: dict[str, Any],
               user: str | None = None) -> dict[str, Any]:
    """Record (or correct) one run from the command line; returns it with its outcome."""
    with store.write(user, f"drill record {run['id']}") as session:
        found = find_line(session, line)
        scenarios = {s["id"]: s for s in drill_store.load_scenarios(session, found.id)}
        locations = set(drill_store_locations(session, found.id))
        errors = check_run(run, scenarios, locations)
        if errors:
            field, key, params = errors[0]
            raise InvalidValue("hazard.bad_field", field="--" + field,
                               reason=InvalidValue(key, **params).message())
        counts = write_runs(session, found, [run])
    result = run_outcomes(store, line, run["id"])[0]
    result["pdca_opened"] = counts["pdca_opened"]
    return result


def drill_store_locations(session: Any, line_id: int) -> list[str]:
    from readiness.store.lines import location_codes

    return list(location_codes(session, line_id))


def run_outcomes(store: Store, line: str | None, run_id: str | None = None) -> list[dict[str, Any]]:
    """Runs with their outcome, findings and unrated tasks (all runs, or one)."""
    with store.read() as session:
        found = find_line(session, line)
        scenarios = {s["id"]: s for s in drill_store.load_scenarios(session, found.id)}
        runs = drill_store.load_runs(session, found.id)
    if run_id is not None:
        runs = [r for r in runs if r["id"] == run_id]
        if not runs:
            raise NotFound("drill.run_not_found", id=run_id)
    result = []
    for run in runs:
        assessed = assess_run(run, scenarios[run["scenario"]], found.handover_date)
        result.append({**run, **assessed})
    return result


def parse_task(text: str) -> dict[str, Any]:
    """"EM-STATION-FIRE-T1=P/1.5" or "T1=S" → {"task", "rating", "minutes"}."""
    task, sep, rest = text.partition("=")
    rating, _, minutes = rest.partition("/")
    rating = rating.strip().upper()
    if not sep or rating not in vocab.codes("drill_rating"):
        raise InvalidValue("drill.bad_task_option", value=text)
    try:
        value = float(minutes) if minutes.strip() else None
    except ValueError:
        raise InvalidValue("drill.bad_task_option", value=text) from None
    return {"task": task.strip(), "rating": rating, "minutes": value}

