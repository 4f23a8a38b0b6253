"""The drill catalogue (drills/data/catalogue.toml) and the must-do selection.

Must-do (source text B §5.3: Xi'an Line 2 chose 17 must-do drills by importance and probability):
rank by importance × likelihood, ties broken by category (operation, emergency, repair) then ID;
the top N are must-do; a line may pin or unpin scenarios; every scenario linked to a major hazard
is must-do.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from readiness.actor import Actor
from readiness import vocab
from readiness.errors import ReadinessError
from readiness.i18n import get_lang

DEFAULT_MUST_DO = 17
CATEGORY_ORDER = tuple(vocab.codes("drill_category"))


@lru_cache(maxsize=1)
def default_catalogue() -> list[dict[str, Any]]:
    text = resources.files("drills").joinpath("data", "catalogue.toml").read_text("utf-8")
    scenarios = tomllib.loads(text)["scenario"]
    validate(scenarios)
    return scenarios


def validate(scenarios: list[dict[str, Any]]) -> None:
    """Every coded field from its set, IDs unique, ratings 1–5; raise on the first inconsistency."""
    seen: set[str] = set()
    checks = {"category": "drill_category", "tier": "drill_tier", "venue": "drill_venue"}
    for s in scenarios:
        where = s.get("id", "?")
        if where in seen:
            raise ReadinessError("drill.catalogue_invalid", reason=f"{where} appears twice")
        seen.add(where)
        for field, set_name in checks.items():
            if s.get(field) not in vocab.codes(set_name):
                raise ReadinessError("drill.catalogue_invalid", reason=f"{where}: {field}")
        if not set(s.get("forms", [])) <= set(vocab.codes("drill_form")) or not s.get("forms"):
            raise ReadinessError("drill.catalogue_invalid", reason=f"{where}: forms")
        for field in ("importance", "likelihood"):
            if not 1 <= int(s.get(field, 0)) <= 5:
                raise ReadinessError("drill.catalogue_invalid", reason=f"{where}: {field}")
        tasks = [t["id"] for t in s.get("critical_tasks", [])]
        if not tasks or len(set(tasks)) != len(tasks):
            raise ReadinessError("drill.catalogue_invalid", reason=f"{where}: critical tasks")


def rank_key(s: dict[str, Any]) -> tuple[int, int, str]:
    return (-s["importance"] * s["likelihood"], CATEGORY_ORDER.index(s["category"]), s["id"])


def must_do(scenarios: list[dict[str, Any]], count: int = DEFAULT_MUST_DO,
            major_hazard_drills: set[str] | None = None) -> dict[str, str]:
    """{scenario ID: why it is must-do} — "rank", "pinned" or "major-hazard"."""
    ranked = sorted((s for s in scenarios if s.get("pinned") is not False), key=rank_key)
    chosen = {s["id"]: "rank" for s in ranked[:count]}
    for s in scenarios:
        if s.get("pinned") is True:
            chosen[s["id"]] = "pinned"
    for scenario_id in sorted(major_hazard_drills or ()):
        if any(s["id"] == scenario_id for s in scenarios):
            chosen.setdefault(scenario_id, "major-hazard")
    return chosen


# --- library functions behind `readiness drill catalogue` ---------------------------------------------

def line_catalogue(session: Any, line: Any,
                   register: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The line's scenarios with `must_do` and `must_do_reason` filled in (`register`: the
    line's hazards, when the caller has already loaded them)."""
    from readiness.store.drills import load_scenarios
    from readiness.store.hazards import load_register

    scenarios = load_scenarios(session, line.id)
    count = int((line.settings or {}).get("drill_must_do", DEFAULT_MUST_DO))
    if register is None:
        register = load_register(session, line.id)
    majors = {d for h in register if h["level"] == "major" for d in h["linked_drills"]}
    applicable = [s for s in scenarios if line.fully_automatic or not s["fao_only"]]
    chosen = must_do(applicable, count, majors)
    for s in scenarios:
        s["must_do"] = s["id"] in chosen
        s["must_do_reason"] = chosen.get(s["id"])
        s["applicable"] = s in applicable
    return sorted(scenarios, key=rank_key)


@dataclass(frozen=True, slots=True)
class CatalogueTask:
    """A critical task of a scenario, named in one language, with its time standard."""

    id: str
    name: str
    time_standard_min: float | None


@dataclass(frozen=True, slots=True)
class Scenario:
    """A scenario of the line's catalogue as `drill catalogue` shows it: `name` (and each task's)
    in the language asked for, both names beside it, and the must-do selection."""

    id: str
    name: str
    name_zh: str
    name_en: str
    category: str  # drill_category code
    tier: str  # drill_tier code
    forms: list[str]  # drill_form codes
    venue: str  # drill_venue code
    importance: int
    likelihood: int
    must_do: bool
    must_do_reason: str | None  # "rank", "pinned" or "major-hazard"
    applicable: bool  # False: a fully-automatic-only scenario on a line that is not
    report_required: bool
    unit_kinds: list[str]
    critical_tasks: list[CatalogueTask]


def list_catalogue(store: Any, line: str | None, lang: str | None = None) -> list[Scenario]:
    """The line's scenarios, ranked, with the must-do selection; names in `lang` (default: the
    language in use)."""
    from readiness.store.lines import find_line

    zh = (lang or get_lang()) == "zh"
    with store.read() as session:
        scenarios = line_catalogue(session, find_line(session, line))
    return [Scenario(
        id=s["id"], name=s["name_zh"] if zh else s["name_en"], name_zh=s["name_zh"],
        name_en=s["name_en"], category=s["category"], tier=s["tier"], forms=list(s["forms"]),
        venue=s["venue"], importance=s["importance"], likelihood=s["likelihood"],
        must_do=s["must_do"], must_do_reason=s["must_do_reason"], applicable=s["applicable"],
        report_required=s["report_required"], unit_kinds=list(s["unit_kinds"]),
        critical_tasks=[CatalogueTask(k["id"], k["name_zh"] if zh else k["name_en"],
                                      k["time_standard_min"]) for k in s["critical_tasks"]])
        for s in scenarios]


def seed_default(session: Any, line_id: int) -> dict[str, int]:
    """Give a line the default catalogue (new scenarios only; the line's edits are kept)."""
    from readiness.store.drills import scenario_codes, upsert_scenarios

    existing = scenario_codes(session, line_id)
    return upsert_scenarios(session, line_id, [s for s in default_catalogue()
                                               if s["id"] not in existing])


def pin(store: Any, line: str | None, scenario: str, value: bool | None, *,
        actor: Actor) -> None:
    """Pin a scenario as must-do (True), unpin it (False) or let the ranking decide (None)."""
    from readiness.store.drills import set_pin
    from readiness.store.lines import find_line

    with store.write(actor, f"drill pin {scenario}") as session:
        set_pin(session, find_line(session, line).id, scenario, value)
