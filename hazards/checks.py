"""`readiness hazard check`: every rule the register must satisfy, as small pure functions.

Each takes one hazard (the plain dict of `--json`) and a CheckContext, and returns findings.
Rules: scoring, controls, acceptance and reviews (交运规〔2024〕10号 and the operator's policy in
hazards/data/register.toml); owners and approval levels (the line's organisation).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hazards.scoring import DIRECT, _num, level_rank, method_for, policy
from readiness.errors import InvalidValue
from readiness.dates import as_date
from readiness.findings import Finding
from readiness.vocab import codes, label

ORG_LEVELS = tuple(codes("org_level"))  # company … team, top to bottom
STRONG_CONTROLS = ("eliminate", "substitute", "engineering")


@dataclass
class CheckContext:
    as_of: dt.date
    units: dict[str, dict[str, Any]] = field(default_factory=dict)
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    review_days: dict[str, int] = field(default_factory=lambda: dict(policy()["review_days"]))
    approval_level: dict[str, str] = field(
        default_factory=lambda: dict(policy()["approval_level"]))
    weak_levels: tuple[str, ...] = field(default_factory=lambda: tuple(policy()["weak_levels"]))
    scenarios: set[str] | None = None  # the line's drill catalogue, when it has one
    # the line's settings: its own scales (`readiness scale add`) score its hazards
    line_settings: dict[str, Any] = field(default_factory=dict)


def _lv(level: str | None) -> tuple[str, str | None]:
    return ("risk_level", level)


def material_snapshot(h: dict[str, Any]) -> dict[str, Any]:
    """What an acceptance of residual risk was given on; a change to any of it voids the acceptance."""
    return {"location": h["location"], "description": h["description"], "method": h["method"],
            "factors": h["factors"], "level": h["level"],
            "residual_factors": h["residual_factors"], "residual_level": h["residual_level"],
            "controls": sorted([c["type"], c["description"]] for c in h["controls"]),
            "status": h["status"]}


def snapshot_hash(h: dict[str, Any]) -> str:
    text = json.dumps(material_snapshot(h), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def review_interval(h: dict[str, Any], ctx: CheckContext) -> int | None:
    """Explicit days, else by the hazard's (inherent) level: a major hazard stays on a 30-day
    review even when its controls bring the residual risk down."""
    level = h["level"] or h["residual_level"]
    return h["review_days"] or (ctx.review_days.get(level) if level else None)


def next_review(h: dict[str, Any], ctx: CheckContext) -> dt.date | None:
    last = h["last_review"] or h["evaluated_on"]
    days = review_interval(h, ctx)
    if not last or not days:
        return None
    return as_date(last) + dt.timedelta(days=days)  # type: ignore[operator]


def standing_level(h: dict[str, Any]) -> str | None:
    """The residual level, or for a direct judgement (直接判定) without one the judged level: a
    judgement is made on the hazard as it stands, its controls included, so it counts as scored
    and its residual risk is accepted at that level."""
    if h["residual_level"]:
        return str(h["residual_level"])
    return h["level"] if h.get("method") == DIRECT else None


def _is_lower(h: dict[str, Any]) -> bool:
    """Residual risk is strictly lower than inherent."""
    if level_rank(h["residual_level"]) != level_rank(h["level"]):
        return level_rank(h["residual_level"]) > level_rank(h["level"])
    if h["score"] is not None and h["residual_score"] is not None:
        return bool(h["residual_score"] < h["score"])
    return False


def _is_higher(h: dict[str, Any]) -> bool:
    if level_rank(h["residual_level"]) != level_rank(h["level"]):
        return level_rank(h["residual_level"]) < level_rank(h["level"])
    if h["score"] is not None and h["residual_score"] is not None:
        return bool(h["residual_score"] > h["score"])
    return False


# --- the rules -----------------------------------------------------------------------------------

def no_score(h: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    if h["status"] == "eliminated":
        return []
    if not h["level"]:
        return [Finding("hazard.no-score", h["id"], {"which": ("risk_kind", "inherent")})]
    if not standing_level(h):
        return [Finding("hazard.no-score", h["id"], {"which": ("risk_kind", "residual")})]
    return []


def scored_as(h: dict[str, Any], ctx: CheckContext) -> str:
    """The scoring as a finding names it: "L3 E6 C15" under a shipped method's default table;
    under the line's own scale or another band table also the score and the table, "L3 E5 C15
    = 225 (LEC-160)", so that the reader sees which table disagrees with the ledger."""
    table = h.get("band_table")
    try:
        found = method_for(h["method"], ctx.line_settings)
    except InvalidValue:  # a scale no longer on the line: say what is stored
        found = None
    code = found.risk_code(h["factors"]) if found is not None else \
        " ".join(f"{k}{_num(v)}" for k, v in (h["factors"] or {}).items())
    if found is not None and found.origin == "shipped" and not table:
        return code
    score = f" = {_num(h['score'])}" if h.get("score") is not None else ""
    name = found.code if found is not None else h["method"]
    return f"{code}{score} ({name}{'/' + table if table else ''})"


def level_mismatch(h: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    """The ledger's published level against the level the line's table gives the score: both
    levels and the score are named. `level_given` is stored only when the two differ (an agreeing
    published level is the computed one), so a value here is always a disagreement to show."""
    if h["level_given"] and h["level"] and h["level_given"] != h["level"]:
        return [Finding("hazard.level-mismatch", h["id"],
                        {"given": _lv(h["level_given"]), "computed": _lv(h["level"]),
                         "score": scored_as(h, ctx)})]
    return []


def residual_above_inherent(h: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    if h["level"] and h["residual_level"] and _is_higher(h):
        return [Finding("hazard.residual-above-inherent", h["id"],
                        {"inherent": _lv(h["level"]), "residual": _lv(h["residual_level"])})]
    return []


def residual_lowered_without_control(h: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    if h["level"] and h["residual_level"] and _is_lower(h) and not h["controls"]:
        return [Finding("hazard.residual-lowered-without-control", h["id"],
                        {"inherent": _lv(h["level"]), "residual": _lv(h["residual_level"])})]
    return []


def weak_controls(h: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    if h["status"] == "eliminated" or h["level"] not in ctx.weak_levels:
        return []
    if any(c["type"] in STRONG_CONTROLS for c in h["controls"]):
        return []
    types = sorted({c["type"] for c in h["controls"]})
    shown = ", ".join(label("control_type", t) for t in types) or "-"
    return [Finding("hazard.weak-controls", h["id"], {"level": _lv(h["level"]), "types": shown},
                    [str(c["id"]) for c in h["controls"]])]


def major_without_drill(h: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    if h["level"] != "major" or h["status"] == "eliminated":
        return []
    if not h["linked_drills"]:
        return [Finding("hazard.major-without-drill", h["id"])]
    if ctx.scenarios is not None:
        unknown = [d for d in h["linked_drills"] if d not in ctx.scenarios]
        if unknown and len(unknown) == len(h["linked_drills"]):
            return [Finding("hazard.major-without-drill", h["id"], evidence=unknown)]
    return []


def owner(h: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    if not h["owner_unit"] or not h["owner"]:
        return [Finding("hazard.no-owner", h["id"])]
    unit, person = ctx.units.get(h["owner_unit"]), ctx.people.get(h["owner"])
    if unit is None:
        return [Finding("hazard.owner-not-in-org", h["id"], {"owner": h["owner_unit"]})]
    if person is None:
        return [Finding("hazard.owner-not-in-org", h["id"], {"owner": h["owner"]})]
    if not _within(person["unit_code"], h["owner_unit"], ctx.units):
        return [Finding("hazard.owner-outside-unit", h["id"],
                        {"owner": h["owner"], "unit": h["owner_unit"]})]
    return []


def _within(unit: str, ancestor: str, units: dict[str, dict[str, Any]]) -> bool:
    seen = set()
    while unit and unit not in seen:
        if unit == ancestor:
            return True
        seen.add(unit)
        unit = (units.get(unit) or {}).get("parent_code")
    return False


def review_overdue(h: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    due = next_review(h, ctx)
    if h["status"] != "eliminated" and due is not None and due < ctx.as_of:
        return [Finding("hazard.review-overdue", h["id"],
                        {"due": due.isoformat(), "days": (ctx.as_of - due).days})]
    return []


def acceptance(h: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    level = standing_level(h)
    if h["status"] == "eliminated" or not level:
        return []
    acc = h["acceptance"]
    if acc is None:
        if h["voided_acceptances"]:
            last = h["voided_acceptances"][-1]
            return [Finding("hazard.acceptance-void", h["id"],
                            {"reason": ("void_reason", last["void_reason"] or "changed")})]
        return [Finding("hazard.acceptance-missing", h["id"], {"level": _lv(level)})]
    found = []
    if acc["snapshot_hash"] != snapshot_hash(h):
        found.append(Finding("hazard.acceptance-void", h["id"], {"reason": ("void_reason", "changed")}))
    if acc["valid_until"] and as_date(acc["valid_until"]) < ctx.as_of:  # type: ignore[operator]
        found.append(Finding("hazard.acceptance-expired", h["id"], {"until": acc["valid_until"]}))
    required = ctx.approval_level.get(level)
    if required and ORG_LEVELS.index(acc["org_level"]) > ORG_LEVELS.index(required):
        found.append(Finding("hazard.acceptance-level-too-low", h["id"],
                             {"given": ("org_level", acc["org_level"]),
                              "required": ("org_level", required),
                              "level": _lv(level)}))
    return found


def reevaluation_due(h: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    if h["needs_reevaluation"]:
        return [Finding("hazard.reevaluation-due", h["id"])]
    return []


RULES: tuple[Callable[[dict[str, Any], CheckContext], list[Finding]], ...] = (
    no_score, level_mismatch, residual_above_inherent, residual_lowered_without_control,
    weak_controls, major_without_drill, owner, review_overdue, acceptance, reevaluation_due)

CODES = ("hazard.no-score", "hazard.level-mismatch", "hazard.residual-above-inherent",
         "hazard.residual-lowered-without-control", "hazard.weak-controls",
         "hazard.major-without-drill", "hazard.no-owner", "hazard.owner-not-in-org",
         "hazard.owner-outside-unit", "hazard.review-overdue", "hazard.acceptance-missing",
         "hazard.acceptance-expired", "hazard.acceptance-void", "hazard.acceptance-level-too-low",
         "hazard.reevaluation-due")


def check_register(register: list[dict[str, Any]], ctx: CheckContext) -> list[Finding]:
    return [f for h in register for rule in RULES for f in rule(h, ctx)]
