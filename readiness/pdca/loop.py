"""The PDCA loop as an explicit state machine (ISO 45001 10.2).

    PLAN  --plan-->  DO  --do-->  CHECK  --check (effective)-->  ACT  --act-->  CLOSED
                                    \\--check (ineffective)--> PLAN, cycle + 1

Each step names what it needs; any other move is refused with what is missing. Pure functions:
they take an item (plain dict) and the step's data, and return the changes to make.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from readiness.errors import InvalidValue

PHASES = ("PLAN", "DO", "CHECK", "ACT", "CLOSED")


@dataclass(frozen=True)
class Step:
    name: str  # the CLI verb
    from_phase: str
    needs: tuple[str, ...]  # fields that must be filled (on the item or in the step's data)


STEPS = {
    "plan": Step("plan", "PLAN", ("root_cause", "action", "owner_unit", "owner", "due")),
    "do": Step("do", "DO", ("done_note", "evidence")),
    "check": Step("check", "CHECK", ("verifier", "verified_on", "verdict")),
    "act": Step("act", "ACT", ("standardisation",)),
}


def advance(item: dict[str, Any], step_name: str, data: dict[str, Any],
            on: dt.date) -> dict[str, Any]:
    """The changes `step_name` makes to `item` with `data`, or InvalidValue saying why not."""
    step = STEPS[step_name]
    if item["phase"] != step.from_phase:
        raise InvalidValue("pdca.wrong_phase", id=item["code"], phase=item["phase"],
                           step=step.name, expected=step.from_phase,
                           next=_next_verb(item["phase"]))
    merged = {**item, **{k: v for k, v in data.items() if v not in (None, "")}}
    missing = [f for f in step.needs if merged.get(f) in (None, "")]
    if missing:
        raise InvalidValue("pdca.missing", id=item["code"], step=step.name,
                           fields=("pdca_field", missing))
    changes = {f: merged[f] for f in step.needs}
    changes.update({k: v for k, v in data.items() if k in EXTRA_FIELDS and v not in (None, "")})
    if step.name == "check":
        if merged["verdict"] not in ("effective", "ineffective"):
            raise InvalidValue("pdca.bad_verdict", value=merged["verdict"])
        if merged["verifier"] == merged.get("owner"):
            raise InvalidValue("pdca.verifier_is_owner", id=item["code"],
                               verifier=merged["verifier"])
        if merged["verdict"] == "ineffective":
            # A failed check starts a new cycle: the plan is made again, from the cause up.
            changes.update(phase="PLAN", cycle=item["cycle"] + 1, phase_since=on)
            return changes
    order = PHASES.index(step.from_phase)
    changes.update(phase=PHASES[order + 1], phase_since=on)
    if changes["phase"] == "CLOSED":
        changes["closed_on"] = on
    return changes


EXTRA_FIELDS = ("description",)


def _next_verb(phase: str) -> str:
    return next((s.name for s in STEPS.values() if s.from_phase == phase), "-")


def path_to(item: dict[str, Any], target: str, data: dict[str, Any]) -> list[str]:
    """The steps that take `item` forward to `target` (for imports); InvalidValue if none."""
    current = item["phase"]
    if target == current:
        return []
    if target == "PLAN" and current == "CHECK" and data.get("verdict") == "ineffective":
        return ["check"]
    if target not in PHASES or PHASES.index(target) < PHASES.index(current):
        raise InvalidValue("pdca.backwards", id=item["code"], phase=current, target=target)
    steps = []
    for phase in PHASES[PHASES.index(current):PHASES.index(target)]:
        steps.append(_next_verb(phase))
    return steps
