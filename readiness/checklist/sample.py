"""The sample line's opening safety points: earlier phases verified, the current phase mostly
done, the later ones still open; its phase history, with one override on record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from readiness.checklist import PHASES, load_items, seed_default
from readiness.store import checklist as checklist_store
from readiness.store.core import WriteSession

OWNER_UNITS = {"company": "C", "hq": "HQ", "safety-department": "HQ", "passenger-centre": "CT-KY",
               "crew-centre": "CT-CW", "dispatch-centre": "CT-DD", "rolling-stock-centre": "CT-CL",
               "power-centre": "CT-GD", "signalling-centre": "CT-TH",
               "permanent-way-centre": "CT-GW", "em-centre": "CT-JD", "security": "HQ"}
PHASE_DATES = {"acceptance": dt.date(2026, 5, 20), "handover": dt.date(2026, 7, 15),
               "commissioning": dt.date(2026, 8, 10), "pre-opening-assessment": dt.date(2026, 11, 16)}


def build(session: WriteSession, line_id: int, data: dict[str, Any], as_of: dt.date) -> int:
    seed_default(session, line_id)
    heads = {u["code"]: u["head"] for u in data["units"]}
    safety_officer = next(p["staff_id"] for p in data["people"] if p["unit"] == "HQ"
                          and p["staff_id"] != heads["HQ"])
    current = PHASES.index("pre-opening-assessment")
    for n, item in enumerate(load_items(session, line_id)):
        order = PHASES.index(item["phase"])
        unit = OWNER_UNITS.get(item["owner_kind"] or "", "HQ")
        owner = heads[unit]
        verifier = safety_officer if owner != safety_officer else heads["C"]
        due = PHASE_DATES.get(PHASES[min(order + 1, len(PHASES) - 1)], as_of + dt.timedelta(days=20))
        changes: dict[str, Any] = {"owner_unit": unit, "owner": owner, "due": due}
        if order < current or (order == current and (item["blocking"] or n % 2)):
            done_on = min(due - dt.timedelta(days=3 + n % 5), as_of)
            changes.update(status="verified", evidence_ref=f"{item['id']} 归档号 AQ-2026-{n + 1:03d}",
                           verifier=verifier, verified_on=done_on)
        elif order == current:
            changes.update(status="done", evidence_ref=f"{item['id']} 记录待签认")
        elif order == current + 1 and n % 3 == 0:  # opening-day preparations under way
            changes.update(status="in-progress")
        if item["topic"] == "joint-security" and order > current:
            changes.update(note="派出所联防协议已起草，待双方签字")
        checklist_store.update_item(session, item, changes)
    history = [("site-follow-up", "acceptance", False, None),
               ("acceptance", "handover", False, None),
               ("handover", "commissioning", True,
                "三权移交后须立即开展演练；防汛物资清点签认延后一周补办"),
               ("commissioning", "pre-opening-assessment", False, None)]
    checklist_store.record_phase_changes(session, line_id, [
        {"from_phase": a, "to_phase": b, "at": dt.datetime.combine(PHASE_DATES[b], dt.time(9, 0)),
         "username": "运营总部", "override": o, "reason": r} for a, b, o, r in history])
    return len(checklist_store.codes(session, line_id))
