"""Store queries and writes for the opening safety points and the line's phase changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from readiness.errors import NotFound
from readiness.store.core import WriteSession, jsonable
from readiness.store.schema import ChecklistItem, Line, PhaseChange

ITEM = ChecklistItem.__table__
CHANGE = PhaseChange.__table__


def _item(d: Any) -> dict[str, Any]:
    return {"id": d["code"], "code": d["code"], "phase": d["phase"], "aspect": d["aspect"],
            "text": d["text"], "text_en": d["text_en"], "topic": d["topic"],
            "owner_kind": d["owner_kind"], "evidence_kind": d["evidence_kind"],
            "blocking": bool(d["blocking"]), "source": d["source"], "owner_unit": d["owner_unit"],
            "owner": d["owner"], "due": jsonable(d["due"]), "status": d["status"],
            "na_reason": d["na_reason"], "evidence_ref": d["evidence_ref"],
            "evidence_file": d["evidence_file"], "evidence_sha256": d["evidence_sha256"],
            "verifier": d["verifier"], "verified_on": jsonable(d["verified_on"]),
            "note": d["note"], "dropped": bool(d["dropped"]), "drop_reason": d["drop_reason"],
            "row_id": d["id"]}


def codes(session: Session, line_id: int) -> list[str]:
    return list(session.execute(select(ITEM.c.code).where(ITEM.c.line_id == line_id)).scalars())


def next_code(session: Session, line_id: int) -> str:
    numbers = [int(c[5:]) for c in codes(session, line_id) if c.startswith("CL-X-") and c[5:].isdigit()]
    return f"CL-X-{max(numbers, default=0) + 1:02d}"


def load_items(session: Session, line_id: int) -> list[dict[str, Any]]:
    order = {p: n for n, p in enumerate(("site-follow-up", "acceptance", "handover",
                                         "commissioning", "pre-opening-assessment", "opening"))}
    items = [_item(r) for r in session.execute(select(ITEM).where(ITEM.c.line_id == line_id))
             .mappings().all()]
    return sorted(items, key=lambda i: (order.get(i["phase"], 9), i["id"]))


def load_item(session: Session, line_id: int, code: str) -> dict[str, Any]:
    row = session.execute(select(ITEM).where(ITEM.c.line_id == line_id,
                                             ITEM.c.code == code)).mappings().first()
    if row is None:
        raise NotFound("checklist.not_found", id=code)
    return _item(row)


def insert_items(session: WriteSession, line_id: int, rows: list[dict[str, Any]]) -> int:
    return len(session.insert_rows(ChecklistItem, [{"line_id": line_id, "dropped": False, **r}
                                                   for r in rows]))


def update_item(session: WriteSession, item: dict[str, Any], changes: dict[str, Any]) -> bool:
    import datetime as dt

    def stored(key: str, value: Any) -> Any:
        if key in ("due", "verified_on") and isinstance(value, str):
            return dt.date.fromisoformat(value)
        return value

    diff = {k: v for k, v in changes.items() if stored(k, item.get(k)) != v}
    if diff:
        session.update_rows(ChecklistItem, [(item["row_id"], item["code"],
                                             {k: item.get(k) for k in diff}, diff)])
    return bool(diff)


def phase_changes(session: Session, line_id: int) -> list[dict[str, Any]]:
    return [jsonable({k: v for k, v in dict(r).items() if k not in ("id", "line_id")})
            for r in session.execute(select(CHANGE).where(CHANGE.c.line_id == line_id)
                                     .order_by(CHANGE.c.id)).mappings()]


def change_phase(session: WriteSession, line: Line, to_phase: str, *, override: bool,
                 reason: str | None, open_items: list[str]) -> None:
    session.insert_rows(PhaseChange, [{
        "line_id": line.id, "from_phase": line.phase, "to_phase": to_phase, "at": session.now,
        "username": session.user, "override": override,
        "reason": (reason + (f" [{', '.join(open_items)}]" if open_items else "")) if reason
        else None}], key_field="to_phase")
    session.update_rows(Line, [(line.id, line.name, {"phase": line.phase}, {"phase": to_phase})])
