"""`readiness drill coverage`: what has been drilled since handover, and how it went."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from drills.catalogue import PLAN_TIERS, line_catalogue
from drills.outcome import assess_run, counted
from readiness import sources, vocab
from readiness.store import drills as drill_store
from readiness.store.core import Store
from readiness.store.hazards import load_register
from readiness.store.lines import find_line

PASSED = ("pass", "pass-with-findings")


@dataclass(frozen=True, slots=True)
class ScenarioCoverage:
    """A scenario and its standing: the latest run that counts, its outcome, and whether it
    passed (with or without findings); why it is must-do, what it rests on (sources.basis) and
    whether a regulation requires it drilled."""

    id: str
    name_zh: str
    name_en: str
    category: str  # drill_category code
    tier: str  # drill_tier code
    must_do: bool
    latest_run: str | None
    latest_date: dt.date | None
    outcome: str | None  # drill_outcome code
    passed: bool
    must_do_reason: str | None  # "regulation", "rank", "pinned" or "major-hazard"
    required_by_regulation: bool
    basis: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Tally:
    """How many scenarios (of a category or tier) there are, were drilled, passed."""

    scenarios: int
    drilled: int
    passed: int


@dataclass(frozen=True, slots=True)
class TierTally(Tally):
    """A plan tier's tally, and whether any of its scenarios passed."""

    covered: bool


@dataclass(frozen=True, slots=True)
class HazardCoverage:
    """A major hazard, its linked drills and those that passed."""

    hazard: str  # hazard ID
    drills: list[str]
    passed: list[str]
    covered: bool


@dataclass(frozen=True, slots=True)
class CoverageSummary:
    scenarios: int
    drilled: int
    passed: int
    must_do: int
    must_do_passed: int
    major_hazards_covered: int
    major_hazards: int


@dataclass(frozen=True, slots=True)
class Coverage:
    """`drill coverage`: per scenario, category (drill_category code), emergency-plan tier
    (comprehensive, special, on-site: a rehearsal of normal operation has no plan tier and is
    not counted) and major hazard, and the summary."""

    scenarios: list[ScenarioCoverage]
    categories: dict[str, Tally]
    tiers: dict[str, TierTally]
    major_hazards: list[HazardCoverage]
    summary: CoverageSummary


def coverage(store: Store, line: str | None) -> Coverage:
    """What has been drilled since handover, and how it went."""
    with store.read() as session:
        found = find_line(session, line)
        catalogue = line_catalogue(session, found)
        runs = drill_store.load_runs(session, found.id)
        majors = [h for h in load_register(session, found.id) if h["level"] == "major"]
    data = coverage_of(catalogue, runs, majors, found.handover_date)
    return Coverage(scenarios=[ScenarioCoverage(**x) for x in data["scenarios"]],
                    categories={k: Tally(**v) for k, v in data["categories"].items()},
                    tiers={k: TierTally(**v) for k, v in data["tiers"].items()},
                    major_hazards=[HazardCoverage(**h) for h in data["major_hazards"]],
                    summary=CoverageSummary(**data["summary"]))


def coverage_of(catalogue: list[dict[str, Any]], runs: list[dict[str, Any]],
                majors: list[dict[str, Any]], handover: Any) -> dict[str, Any]:
    """Pure: per scenario, category, tier and major hazard, from the catalogue and the runs (in
    `Coverage`'s shape, as plain data: the assessment and the report read it so).

    A scenario's standing is its latest run that counts: complete (every critical task rated)
    and not void, so an incomplete or voided later run never hides an earlier result.

    A scenario a regulation requires drilled is must-do whatever its rank ("regulation"); the
    rest keep the catalogue's selection. Tiers are the three emergency-plan tiers only: an
    operation rehearsal (timetable, ticketing) never covers one."""
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
        required = bool(s.get("required_by_regulation"))
        must = bool(s["must_do"]) or required
        reason = "regulation" if required else (s.get("must_do_reason") or "rank") if must \
            else None
        scenarios.append({"id": s["id"], "name_zh": s["name_zh"], "name_en": s["name_en"],
                          "category": s["category"], "tier": s["tier"], "must_do": must,
                          "latest_run": last["run"] if last else None,
                          "latest_date": last["date"] if last else None,
                          "outcome": last["outcome"] if last else None,
                          "passed": bool(last and last["outcome"] in PASSED),
                          "must_do_reason": reason, "required_by_regulation": required,
                          "basis": sources.basis(s.get("basis"))})
    categories = {c: _tally([x for x in scenarios if x["category"] == c])
                  for c in vocab.codes("drill_category")}
    tiers = {t: {**_tally([x for x in scenarios if x["tier"] == t]),
                 "covered": any(x["passed"] for x in scenarios if x["tier"] == t)}
             for t in PLAN_TIERS}
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
