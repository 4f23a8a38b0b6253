"""Store queries and writes for the opening safety points (and the attested requirements of the
assessment spec, kept as the same items with a chapter and an area) and the line's phase changes.

The order of the phases, the numbering of added points and the basis of a row stored before it had
one are the checklist's own rules (`readiness.checklist`): the store is given them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from readiness.errors import NotFound
from readiness.store.core import WriteSession
from readiness.store.schema import ChecklistItem, Line, PhaseChange

ITEM = ChecklistItem.__table__
CHANGE = PhaseChange.__table__


def _item(d: Any, default_basis: Mapping[str, Any] | None = None,
          own_basis: Any = None) -> dict[str, Any]:
    """A row as a dict; a row without a basis (stored before it had one) takes
    `default_basis[code]`, else `own_basis`."""
    basis = d["basis"]
    if basis is None:
        basis = (default_basis or {}).get(d["code"], own_basis)
    return {"id": d["code"], "code": d["code"], "phase": d["phase"], "aspect": d["aspect"],
            "text": d["text"], "text_en": d["text_en"], "topic": d["topic"],
            "owner_kind": d["owner_kind"], "evidence_kind": d["evidence_kind"],
            "blocking": bool(d["blocking"]), "source": d["source"], "owner_unit": d["owner_unit"],
            "owner": d["owner"], "due": d["due"], "status": d["status"],
            "na_reason": d["na_reason"], "evidence_ref": d["evidence_ref"],
            "evidence_file": d["evidence_file"], "evidence_sha256": d["evidence_sha256"],
            "verifier": d["verifier"], "verified_on": d["verified_on"],
            "note": d["note"], "dropped": bool(d["dropped"]), "drop_reason": d["drop_reason"],
            "chapter": d["chapter"], "area": d["area"], "basis": basis, "row_id": d["id"]}


def codes(session: Session, line_id: int) -> list[str]:
    return list(session.execute(select(ITEM.c.code).where(ITEM.c.line_id == line_id)).scalars())


def load_items(session: Session, line_id: int, *, phase_order: Sequence[str],
               default_basis: Mapping[str, Any] | None = None,
               own_basis: Any = None) -> list[dict[str, Any]]:
    """The line's points in `phase_order` (a phase not in it last), by ID within a phase; each
    with its chapter and area (None on a safety point) and its basis (a row stored without one
    takes `default_basis[code]`, else `own_basis`)."""
    order = {p: n for n, p in enumerate(phase_order)}
    items = [_item(r, default_basis, own_basis)
             for r in session.execute(select(ITEM).where(ITEM.c.line_id == line_id))
             .mappings().all()]
    return sorted(items, key=lambda i: (order.get(i["phase"], len(order)), i["id"]))


def load_item(session: Session, line_id: int, code: str, *,
              default_basis: Mapping[str, Any] | None = None,
              own_basis: Any = None) -> dict[str, Any]:
    row = session.execute(select(ITEM).where(ITEM.c.line_id == line_id,
                                             ITEM.c.code == code)).mappings().first()
    if row is None:
        raise NotFound("checklist.not_found", id=code)
    return _item(row, default_basis, own_basis)


def insert_items(session: WriteSession, line_id: int, rows: list[dict[str, Any]]) -> int:
    """Add points (code, phase, aspect, text … and chapter, area, basis where given), audited."""
    return len(session.insert_rows(ChecklistItem, [{"line_id": line_id, "dropped": False, **r}
                                                   for r in rows]))


def update_item(session: WriteSession, item: dict[str, Any], changes: dict[str, Any]) -> bool:
    diff = {k: v for k, v in changes.items() if item.get(k) != v}
    if diff:
        session.update_rows(ChecklistItem, [(item["row_id"], item["code"],
                                             {k: item.get(k) for k in diff}, diff)])
    return bool(diff)


def phase_changes(session: Session, line_id: int) -> list[dict[str, Any]]:
    return [{k: v for k, v in dict(r).items() if k not in ("id", "line_id")}
            for r in session.execute(select(CHANGE).where(CHANGE.c.line_id == line_id)
                                     .order_by(CHANGE.c.id)).mappings()]


def record_phase_changes(session: WriteSession, line_id: int,
                         changes: list[dict[str, Any]]) -> None:
    """Add phase changes as they happened (from_phase, to_phase, at, username, override,
    reason), audited, without moving the line: for a sample line's history."""
    session.insert_rows(PhaseChange, [{"line_id": line_id, **c} for c in changes],
                        key_field="to_phase")


def change_phase(session: WriteSession, line: Line, to_phase: str, *, override: bool,
                 reason: str | None, open_items: list[str]) -> None:
    session.insert_rows(PhaseChange, [{
        "line_id": line.id, "from_phase": line.phase, "to_phase": to_phase, "at": session.now,
        "username": session.user, "override": override,
        "reason": (reason + (f" [{', '.join(open_items)}]" if open_items else "")) if reason
        else None}], key_field="to_phase")
    session.update_rows(Line, [(line.id, line.name, {"phase": line.phase}, {"phase": to_phase})])
