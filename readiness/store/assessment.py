"""Store queries and writes for assessment snapshots and sign-offs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from readiness.errors import NotFound
from readiness.store.core import WriteSession, jsonable
from readiness.store.schema import AssessmentSnapshot, SignOff

SNAP, SIGN = AssessmentSnapshot.__table__, SignOff.__table__


def save(session: WriteSession, line_id: int, as_of: dt.date, data: dict[str, Any],
         report: str | None = None) -> int:
    """A snapshot as of a date: the result, and (`report`) the packed content its report shows."""
    (snapshot_id,) = session.insert_rows(AssessmentSnapshot, [{
        "line_id": line_id, "taken_at": session.now, "as_of": as_of,
        "profile": data["profile"], "verdict": data["verdict"],
        "inputs_hash": data["inputs_hash"],
        "result": {**jsonable(data), **({"report": report} if report else {})}}],
        key_field="verdict")
    return snapshot_id


def _snapshot(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "line_id": r["line_id"], "taken_at": r["taken_at"],
            "as_of": r["as_of"], "profile": r["profile"], "verdict": r["verdict"],
            "inputs_hash": r["inputs_hash"], "result": r["result"]}


def get(session: Session, snapshot_id: int) -> dict[str, Any]:
    row = session.execute(select(SNAP).where(SNAP.c.id == snapshot_id)).mappings().first()
    if row is None:
        raise NotFound("assess.snapshot_not_found", id=snapshot_id)
    return _snapshot(row)


def _signoff(r: Any) -> dict[str, Any]:
    return {"staff_id": r["staff_id"], "role": r["role"], "name": r["name"],
            "decision": r["decision"], "override_reason": r["override_reason"], "note": r["note"],
            "at": r["at"]}


def load(session: Session, line_id: int) -> list[dict[str, Any]]:
    snapshots = [_snapshot(r) for r in session.execute(
        select(SNAP).where(SNAP.c.line_id == line_id).order_by(SNAP.c.id.desc())).mappings()]
    signoffs: dict[int, list[dict[str, Any]]] = {}
    ids = [s["id"] for s in snapshots]
    for r in session.execute(select(SIGN).where(SIGN.c.snapshot_id.in_(ids))
                             .order_by(SIGN.c.id)).mappings():
        signoffs.setdefault(r["snapshot_id"], []).append(_signoff(r))
    for s in snapshots:
        s["signoffs"] = signoffs.get(s["id"], [])
        s["blocking"] = len(s["result"].get("blocking", []))
        s["conditions"] = len(s["result"].get("conditions", []))
    return snapshots


def record_signoff(session: WriteSession, snapshot_id: int, person: dict[str, Any],
                   decision: str, override_reason: str | None,
                   note: str | None) -> dict[str, Any] | None:
    """One person's decision on a snapshot: a new row, or an audited update of their earlier
    row (one row per person and snapshot). Returns their earlier decision, if any."""
    values = {"role": person.get("post") or "", "name": person["name"], "decision": decision,
              "override_reason": override_reason, "note": note, "at": session.now}
    earlier = session.execute(select(SIGN).where(
        SIGN.c.snapshot_id == snapshot_id, SIGN.c.staff_id == person["staff_id"])).mappings().first()
    if earlier is None:
        session.insert_rows(SignOff, [{"snapshot_id": snapshot_id, "staff_id": person["staff_id"],
                                       **values}], key_field="staff_id")
        return None
    changed = {k: v for k, v in values.items() if earlier[k] != v}
    session.update_rows(SignOff, [(earlier["id"], person["staff_id"],
                                   {k: earlier[k] for k in changed}, changed)])
    return _signoff(earlier)
