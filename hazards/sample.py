"""The sample line's hazard register, built from the templates in data/demo/hazards.toml.

Each template is placed at several locations of the kinds it names, owned by a team of the
centre it names, scored, controlled, reviewed and (mostly) accepted at the right level. A few
deliberate gaps give `hazard check` something realistic to find.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

from hazards.checks import material_snapshot, snapshot_hash
from hazards.register import write_hazards
from hazards.scoring import method, policy
from readiness.store import hazards as hazard_store
from readiness.store.core import WriteSession

PLACES_PER_TEMPLATE = 4


@lru_cache(maxsize=1)
def templates() -> list[dict[str, Any]]:
    text = resources.files("readiness").joinpath("data/demo/hazards.toml").read_text("utf-8")
    return list(tomllib.loads(text)["hazard"])


def _places(template: dict[str, Any], locations: list[dict[str, Any]], offset: int) -> list[str]:
    if template.get("places"):  # a hazard of one particular place (the river crossing)
        return list(template["places"])
    fitting = [loc["code"] for loc in locations if loc["kind"] in template["location_kinds"]]
    if not fitting:
        return []
    count = min(PLACES_PER_TEMPLATE, len(fitting))
    step = max(1, len(fitting) // count)
    return [fitting[(offset + i * step) % len(fitting)] for i in range(count)]


def _owner(template: dict[str, Any], location: str, units: list[dict[str, Any]],
           people: dict[str, list[dict[str, Any]]], n: int) -> tuple[str, str]:
    """A team of the template's centre, preferring the team that runs this station."""
    centre = template["owner_centre"]
    divisions = {u["code"] for u in units if u["parent"] == centre}
    teams = [u for u in units if u["parent"] in divisions and people.get(u["code"])]
    local = [t for t in teams if location in t.get("stations", [])]
    team = (local or teams)[n % len(local or teams)]
    members = people[team["code"]]
    return team["code"], members[n % len(members)]["staff_id"]


def build(session: WriteSession, line_id: int, data: dict[str, Any], as_of: dt.date) -> int:
    units = data["units"]
    people: dict[str, list[dict[str, Any]]] = {}
    for person in data["people"]:
        people.setdefault(person["unit"], []).append(person)
    resolved = []
    n = 0
    for t_index, template in enumerate(templates()):
        for place in _places(template, data["locations"], t_index):
            n += 1
            unit, owner = _owner(template, place, units, people, n)
            resolved.append(_hazard(template, place, unit, owner, n, as_of))
    location_ids = hazard_store.location_ids(session, line_id)
    for h in resolved:
        h["location_id"] = location_ids[h["location"]]
    write_hazards(session, line_id, resolved, as_of, evaluator="安全质量部")
    _accept(session, line_id, data, as_of)
    return len(resolved)


def _hazard(template: dict[str, Any], place: str, unit: str, owner: str, n: int,
            as_of: dt.date) -> dict[str, Any]:
    lec = method("LEC")
    factors, residual = dict(template["inherent"]), dict(template["residual"])
    score, level = lec.evaluate(factors)
    residual_score, residual_level = lec.evaluate(residual)
    interval = policy()["review_days"][level]
    # Reviews spread over the interval; every 29th hazard is a little past due.
    days_ago = (n * 7) % max(interval - 3, 1) + (interval + 5 if n % 29 == 0 else 0)
    controls = [{"type": c["type"], "aspect": c["aspect"], "description": c["zh"], "owner": owner,
                 "verification": "现场检查及记录核查", "evidence": f"检查记录 JC-{n:04d}",
                 "verified": n % 11 != 0} for c in template["controls"]]
    if template.get("finding") == "weak-controls":
        # Found by the hazard review and fixed before the assessment: an engineering control.
        controls.append({"type": "engineering", "aspect": "equipment",
                         "description": "增设区间作业防护报警装置（列车接近自动报警）", "owner": owner,
                         "verification": "现场试验", "evidence": f"试验记录 SY-{n:04d}",
                         "verified": True})
    return {
        "code": f"H-{n:04d}", "location": place, "location_id": None,
        "specialty": template["specialty"], "risk_category": template["risk_category"],
        "factor_category": template["factor_category"], "accident_type": template["accident_type"],
        "activity": template["activity_zh"], "description": template["description_zh"],
        "causes": template.get("causes_zh"), "consequences": template.get("consequences_zh"),
        "method": "LEC", "band_table": None, "factors": factors, "score": score, "level": level,
        "level_given": None, "residual_factors": residual, "residual_score": residual_score,
        "residual_level": residual_level,
        "owner_unit": unit, "owner": owner,
        "review_days": None, "last_review": as_of - dt.timedelta(days=days_ago),
        "status": "controlled", "linked_drills": list(template["drills"]),
        "needs_reevaluation": False, "controls": controls,
    }


def _accept(session: WriteSession, line_id: int, data: dict[str, Any], as_of: dt.date) -> None:
    """Accept residual risks at the required level; a few gaps are left for the checks."""
    heads = {u["code"]: u["head"] for u in data["units"]}
    parents = {u["code"]: u["parent"] for u in data["units"]}
    levels = {u["code"]: u["level"] for u in data["units"]}
    required = policy()["approval_level"]
    rows = []
    register = hazard_store.load_register(session, line_id)
    for n, h in enumerate(register, start=1):
        gaps = h["level"] != "major"  # major hazards are all accepted properly before opening
        if gaps and n % 23 == 0 or not h["owner_unit"]:
            continue  # not yet accepted
        unit = h["owner_unit"]
        target = required[h["residual_level"]]
        if not (gaps and n % 31 == 0):  # every 31st other one is accepted one level too low
            while levels[unit] != target and parents[unit]:
                unit = parents[unit]
        accepted_on = as_of - dt.timedelta(days=20 + n % 40)
        valid_until = as_of - dt.timedelta(days=3) if gaps and n % 37 == 0 else dt.date(2027, 12, 31)
        rows.append((hazard_store.hazard_row_id(session, line_id, h["id"]), {
            "accepted_by": heads[unit], "org_level": levels[unit], "accepted_on": accepted_on,
            "valid_until": valid_until, "snapshot": material_snapshot(h),
            "snapshot_hash": snapshot_hash(h)}))
    hazard_store.insert_acceptances(session, rows)
