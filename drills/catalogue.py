"""The drill catalogue (drills/data/catalogue.toml) and the must-do selection.

Must-do: every scenario a regulation says special plans must cover and drill (交运规〔2024〕5号
第七条, `required_by_regulation`) that applies to the line, whatever its rank; then the top N by
importance × likelihood, ties broken by category (operation, emergency, repair) then ID; a line
may pin or unpin scenarios (never unpin one the regulation requires); every scenario linked to a
major hazard is must-do.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from readiness.actor import Actor
from readiness import sources, vocab
from readiness.errors import InvalidValue, ReadinessError
from readiness.i18n import get_lang

DEFAULT_MUST_DO = 17
CATEGORY_ORDER = tuple(vocab.codes("drill_category"))
PLAN_TIERS = ("comprehensive", "special", "on-site")  # the emergency-plan tiers (rehearsal is none)
LINE_OWN = [{"source": "OPERATOR-POLICY", "article": "", "kind": "operator-policy",
             "verified": False}]  # the basis of a line's own scenario or time standard


@lru_cache(maxsize=1)
def default_catalogue() -> list[dict[str, Any]]:
    text = resources.files("drills").joinpath("data", "catalogue.toml").read_text("utf-8")
    scenarios = tomllib.loads(text)["scenario"]
    validate(scenarios)
    for s in scenarios:
        s["basis"] = sources.check_refs(s.get("basis"), f"catalogue.toml {s['id']}")
        s["required_by_regulation"] = bool(s.get("required_by_regulation", False))
        for task in s["critical_tasks"]:
            if task.get("time_standard_min") is not None:
                task["time_basis"] = sources.check_refs(task.get("time_basis"),
                                                        f"catalogue.toml {task['id']}")
            else:
                task["time_basis"] = None
    return scenarios


@lru_cache(maxsize=1)
def _shipped() -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in default_catalogue()}


def with_basis(scenarios: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The line's scenarios as stored, completed where the store has no answer: a row written
    before the store held a basis (null) takes the shipped catalogue's basis, whether the
    regulation requires it and, for the operation rehearsals, their tier — by code; a line's
    own scenario is operator policy. A task's time standard without a basis takes the shipped
    task's when its time is the shipped one, else it is operator policy. `connections` (what the
    line must connect to for the scenario to apply) comes from the shipped catalogue by code."""
    shipped = _shipped()
    for s in scenarios:
        ship = shipped.get(s["id"])
        if s.get("basis") is None:
            s["basis"] = [dict(r) for r in ship["basis"]] if ship else [dict(r) for r in LINE_OWN]
            if ship is not None:
                s["required_by_regulation"] = ship["required_by_regulation"]
                if ship["tier"] == "rehearsal":
                    s["tier"] = "rehearsal"
        s["required_by_regulation"] = bool(s.get("required_by_regulation"))
        s["connections"] = list(ship.get("connections", [])) if ship else []
        ship_tasks = {k["id"]: k for k in ship["critical_tasks"]} if ship else {}
        for task in s["critical_tasks"]:
            if task.get("time_standard_min") is None:
                task["time_basis"] = None
            elif task.get("time_basis") is None:
                same = ship_tasks.get(task["id"])
                task["time_basis"] = [dict(r) for r in (
                    same["time_basis"] if same and same.get("time_standard_min")
                    == task["time_standard_min"] else LINE_OWN)]
    return scenarios


def load_scenarios(session: Any, line_id: int) -> list[dict[str, Any]]:
    """The line's catalogue from the store, each scenario and time standard with its basis."""
    from readiness.store.drills import load_scenarios as stored

    return with_basis(stored(session, line_id))


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
        if not set(s.get("connections", [])) <= set(vocab.codes("line_connection")):
            raise ReadinessError("drill.catalogue_invalid", reason=f"{where}: connections")


def rank_key(s: dict[str, Any]) -> tuple[int, int, str]:
    return (-s["importance"] * s["likelihood"], CATEGORY_ORDER.index(s["category"]), s["id"])


def must_do(scenarios: list[dict[str, Any]], count: int = DEFAULT_MUST_DO,
            major_hazard_drills: set[str] | None = None) -> dict[str, str]:
    """{scenario ID: why it is must-do} — "regulation" (a regulation requires it drilled: must-do
    whatever its rank or pin), "rank" (the top `count` by importance × likelihood, as ranked
    among all the scenarios a line has not unpinned), "pinned" or "major-hazard"."""
    ranked = sorted((s for s in scenarios if s.get("pinned") is not False
                     or s.get("required_by_regulation")), key=rank_key)
    chosen = {s["id"]: "rank" for s in ranked[:count]}
    for s in scenarios:
        if s.get("pinned") is True:
            chosen[s["id"]] = "pinned"
    for s in scenarios:
        if s.get("required_by_regulation"):
            chosen[s["id"]] = "regulation"
    for scenario_id in sorted(major_hazard_drills or ()):
        if any(s["id"] == scenario_id for s in scenarios):
            chosen.setdefault(scenario_id, "major-hazard")
    return chosen


def applies(scenario: dict[str, Any], fully_automatic: bool, connects: list[str]) -> bool:
    """Whether a scenario applies to a line: an FAO-only drill to a fully automatic line, a
    joint drill with a railway station or airport to a line that connects to one."""
    if scenario.get("fao_only") and not fully_automatic:
        return False
    wanted = scenario.get("connections") or []
    return not wanted or bool(set(wanted) & set(connects))


def line_connects(line: Any) -> list[str]:
    """What the line connects to (line_connection codes, `line set --connects`)."""
    return list((getattr(line, "settings", None) or {}).get("connects") or [])


# --- library functions behind `readiness drill catalogue` ---------------------------------------------

def line_catalogue(session: Any, line: Any,
                   register: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The line's scenarios with `must_do` and `must_do_reason` filled in (`register`: the
    line's hazards, when the caller has already loaded them)."""
    from readiness.store.hazards import load_register

    scenarios = load_scenarios(session, line.id)
    count = int((line.settings or {}).get("drill_must_do", DEFAULT_MUST_DO))
    if register is None:
        register = load_register(session, line.id)
    majors = {d for h in register if h["level"] == "major" for d in h["linked_drills"]}
    connects = line_connects(line)
    applicable = [s for s in scenarios if applies(s, line.fully_automatic, connects)]
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
    time_basis: list[dict[str, Any]] | None  # sources.basis of the time standard (None: no time)


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
    must_do_reason: str | None  # "regulation", "rank", "pinned" or "major-hazard"
    applicable: bool  # False: an FAO-only scenario on a line that is not, or a joint drill with
    # a railway station or airport on a line that connects to neither
    report_required: bool
    unit_kinds: list[str]
    critical_tasks: list[CatalogueTask]
    basis: list[dict[str, Any]]  # sources.basis: {document, title, title_en, article, kind, verified}
    required_by_regulation: bool


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
                                      k["time_standard_min"],
                                      sources.basis(k["time_basis"]) if k["time_basis"] else None)
                        for k in s["critical_tasks"]],
        basis=sources.basis(s["basis"]), required_by_regulation=s["required_by_regulation"])
        for s in scenarios]


def seed_default(session: Any, line_id: int) -> dict[str, int]:
    """Give a line the default catalogue (new scenarios only; the line's edits are kept)."""
    from readiness.store.drills import scenario_codes, upsert_scenarios

    existing = scenario_codes(session, line_id)
    return upsert_scenarios(session, line_id, [s for s in default_catalogue()
                                               if s["id"] not in existing])


@dataclass(frozen=True, slots=True)
class ScenarioSeed:
    """What `drill seed` added to a line from the default catalogue."""

    line: str
    added: list[str]  # scenario IDs, in catalogue order


def seed_scenarios(store: Any, line: str | None, *, actor: Actor) -> ScenarioSeed:
    """Add to the line the default catalogue's scenarios it does not have yet (a store made
    before a catalogue edition brought them), audited; its own and edited scenarios are kept."""
    from readiness.store.drills import scenario_codes, upsert_scenarios
    from readiness.store.lines import find_line

    with store.write(actor, "drill seed") as session:
        found = find_line(session, line)
        existing = scenario_codes(session, found.id)
        new = [s for s in default_catalogue() if s["id"] not in existing]
        upsert_scenarios(session, found.id, new)
        name = found.name
    return ScenarioSeed(line=name, added=[s["id"] for s in new])


def pin(store: Any, line: str | None, scenario: str, value: bool | None, *,
        actor: Actor) -> None:
    """Pin a scenario as must-do (True), unpin it (False) or let the ranking decide (None).
    A scenario a regulation requires drilled cannot be unpinned: refused naming the article."""
    from readiness.store.drills import set_pin
    from readiness.store.lines import find_line

    with store.write(actor, f"drill pin {scenario}") as session:
        found = find_line(session, line)
        if value is False:
            required = next((s for s in load_scenarios(session, found.id)
                             if s["id"] == scenario and s["required_by_regulation"]), None)
            if required is not None:
                cited = [sources.cite(b, get_lang()) for b in sources.basis(required["basis"])
                         if b["kind"] == "regulation"]
                raise InvalidValue("drill.unpin_required", id=scenario,
                                   basis="; ".join(cited) or "交运规〔2024〕5号 第七条")
        set_pin(session, found.id, scenario, value)
