"""`readiness drill coverage`: what has been drilled since handover, and how it went."""

from __future__ import annotations

from typing import Any

from drills.catalogue import line_catalogue
from drills.outcome import assess_run, counted
from readiness import vocab
from readiness.store import drills as drill_store
from readiness.store.core import Store
from readiness.store.hazards import load_register
from readiness.store.lines import find_line

PASSED = ("pass", "pass-with-findings")


def coverage(store: Store, line: str | None) -> dict[str, Any]:
    with store.read() as session:
        found = find_line(session, line)
        catalogue = line_catalogue(session, found)
        runs = drill_store.load_runs(session, found.id)
        majors = [h for h in load_register(session, found.id) if h["level"] == "major"]
    return coverage_of(catalogue, runs, majors, found.handover_date)


def coverage_of(catalogue: list[dict[str, Any]], runs: list[dict[str, Any]],
                majors: list[dict[str, Any]], handover: Any) -> dict[str, Any]:
    """Pure: per scenario, category, tier and major hazard, from the catalogue and the runs.

    A scenario's standing is its latest run that counts: complete (every critical task rated)
    and not void, so an incomplete or voided later run never hides an earlier result."""
    by_id = {s["id"]: s for s in catalogue}
    latest: dict[str, dict[str, Any]] = {}
    for run in runs:  # oldest first: the last one counted is the latest
        assessed = assess_run(run, by_id[run["scenario"]], handover)
        if counted(assessed):
            latest[run["scenario"]] = {"run": run["id"], "date": run["date"],
                                       "outcome": assessed["outcome"]}
    scenarios = []
    for s in catalogue:
        if not s["applicable"]:
            continue
        last = latest.get(s["id"])
        scenarios.append({"id": s["id"], "name_zh": s["name_zh"], "name_en": s["name_en"],
                          "category": s["category"], "tier": s["tier"], "must_do": s["must_do"],
                          "latest_run": last["run"] if last else None,
                          "latest_date": last["date"] if last else None,
                          "outcome": last["outcome"] if last else None,
                          "passed": bool(last and last["outcome"] in PASSED)})
    categories = {c: _tally([x for x in scenarios if x["category"] == c])
                  for c in vocab.codes("drill_category")}
    tiers = {t: {**_tally([x for x in scenarios if x["tier"] == t]),
                 "covered": any(x["passed"] for x in scenarios if x["tier"] == t)}
             for t in vocab.codes("drill_tier")}
    hazards = []
    for h in majors:
        linked = [d for d in h["linked_drills"] if d in by_id]
        passed = [d for d in linked if latest.get(d, {}).get("outcome") in PASSED]
        hazards.append({"hazard": h["id"], "drills": linked, "passed": passed,
                        "covered": bool(passed)})
    must = [x for x in scenarios if x["must_do"]]
    return {"scenarios": scenarios, "categories": categories, "tiers": tiers,
            "major_hazards": hazards,
            "summary": {"scenarios": len(scenarios), "drilled": sum(1 for x in scenarios
                                                                    if x["latest_run"]),
                        "passed": sum(1 for x in scenarios if x["passed"]),
                        "must_do": len(must), "must_do_passed": sum(1 for x in must if x["passed"]),
                        "major_hazards_covered": sum(1 for h in hazards if h["covered"]),
                        "major_hazards": len(hazards)}}


def _tally(items: list[dict[str, Any]]) -> dict[str, int]:
    return {"scenarios": len(items), "drilled": sum(1 for x in items if x["latest_run"]),
            "passed": sum(1 for x in items if x["passed"])}
