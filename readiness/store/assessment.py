"""Store queries and writes for assessment snapshots and sign-offs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from readiness.errors import NotFound
from readiness.store.core import WriteSession, jsonable
from readiness.store.schema import AssessmentSnapshot, SignOff

SNAP, SIGN = AssessmentSnapshot.__table__, SignOff.__table__


def save(session: WriteSession, line_id: int, data: dict[str, Any]) -> int:
    import datetime as dt

    (snapshot_id,) = session.insert_rows(AssessmentSnapshot, [{
        "line_id": line_id, "taken_at": session.now, "as_of": dt.date.fromisoformat(data["as_of"]),
        "profile": data["profile"], "verdict": data["verdict"],
        "inputs_hash": data["inputs_hash"], "result": jsonable(data)}], key_field="verdict")
    return snapshot_id


def _snapshot(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "line_id": r["line_id"], "taken_at": r["taken_at"].isoformat(),
            "as_of": r["as_of"].isoformat(), "profile": r["profile"], "verdict": r["verdict"],
            "inputs_hash": r["inputs_hash"], "result": r["result"]}


def get(session: Session, snapshot_id: int) -> dict[str, Any]:
    row = session.execute(select(SNAP).where(SNAP.c.id == snapshot_id)).mappings().first()
    if row is None:
        raise NotFound("assess.snapshot_not_found", id=snapshot_id)
    return _snapshot(row)


def load(session: Session, line_id: int) -> list[dict[str, Any]]:
    snapshots = [_snapshot(r) for r in session.execute(
        select(SNAP).where(SNAP.c.line_id == line_id).order_by(SNAP.c.id.desc())).mappings()]
    signoffs: dict[int, list[dict[str, Any]]] = {}
    for r in session.execute(select(SIGN).order_by(SIGN.c.id)).mappings():
        signoffs.setdefault(r["snapshot_id"], []).append(
            {"role": r["role"], "name": r["name"], "decision": r["decision"], "note": r["note"],
             "at": r["at"].isoformat()})
    for s in snapshots:
        s["signoffs"] = signoffs.get(s["id"], [])
        s["blocking"] = len(s["result"].get("blocking", []))
        s["conditions"] = len(s["result"].get("conditions", []))
    return snapshots


def add_signoff(session: WriteSession, snapshot_id: int, role: str, name: str, decision: str,
                note: str | None) -> None:
    session.insert_rows(SignOff, [{"snapshot_id": snapshot_id, "role": role, "name": name,
                                   "decision": decision, "note": note, "at": session.now}],
                        key_field="role")
