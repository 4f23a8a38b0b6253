"""Store queries and writes for PDCA items and their transitions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from readiness.store.core import WriteSession
from readiness.store.schema import PdcaItem, PdcaTransition

ITEM = PdcaItem.__table__


def source_refs(session: Session, line_id: int, source: str) -> set[str]:
    return set(session.execute(select(ITEM.c.source_ref).where(
        ITEM.c.line_id == line_id, ITEM.c.source == source)).scalars())


def next_codes(session: Session, line_id: int, count: int) -> list[str]:
    highest = 0
    for code in session.execute(select(ITEM.c.code).where(ITEM.c.line_id == line_id,
                                                          ITEM.c.code.like("P-%"))).scalars():
        if code[2:].isdigit():
            highest = max(highest, int(code[2:]))
    return [f"P-{n:04d}" for n in range(highest + 1, highest + 1 + count)]


def open_items(session: WriteSession, line_id: int, items: list[dict[str, Any]],
               on: dt.date | None = None) -> list[str]:
    """Open new items at PLAN (cycle 1), each with its first transition; returns their IDs."""
    if not items:
        return []
    codes = iter(next_codes(session, line_id, sum(1 for i in items if not i.get("code"))))
    rows = []
    for item in items:
        opened = item.get("opened_on") or on or dt.date.today()
        rows.append({"line_id": line_id, "code": item.get("code") or next(codes),
                     "title": item["title"], "title_en": item.get("title_en"),
                     "description": item.get("description") or item["title"],
                     "source": item["source"], "source_ref": item.get("source_ref"),
                     "kind": item["kind"], "item_class": item["item_class"],
                     "hazards": list(item.get("hazards") or []),
                     "owner_unit": item.get("owner_unit"), "owner": item.get("owner"),
                     "due": item.get("due"), "phase": "PLAN", "cycle": 1,
                     "opened_on": opened, "phase_since": opened})
    ids = session.insert_rows(PdcaItem, rows)
    session.insert_rows(PdcaTransition, [
        {"item_id": i, "cycle": 1, "from_phase": None, "to_phase": "PLAN", "on_date": r["opened_on"],
         "at": session.now, "username": session.user, "data": {"opened": True}}
        for i, r in zip(ids, rows)], key_field="to_phase")
    return [r["code"] for r in rows]


def item_dict(d: Any, line_name: str | None = None) -> dict[str, Any]:
    # title_en only when the toolkit wrote one: items without it read as they always did
    # (the inputs hash of earlier assessments holds)
    return {"id": d["code"], "code": d["code"], "line": line_name, "title": d["title"],
            **({"title_en": d["title_en"]} if d["title_en"] else {}),
            "description": d["description"], "source": d["source"],
            "source_ref": d["source_ref"], "kind": d["kind"], "class": d["item_class"],
            "hazards": list(d["hazards"] or []), "owner_unit": d["owner_unit"],
            "owner": d["owner"], "due": d["due"], "phase": d["phase"], "cycle": d["cycle"],
            "root_cause": d["root_cause"], "action": d["action"], "done_note": d["done_note"],
            "evidence": d["evidence"], "verifier": d["verifier"],
            "verified_on": d["verified_on"], "verdict": d["verdict"],
            "standardisation": d["standardisation"], "opened_on": d["opened_on"],
            "phase_since": d["phase_since"], "closed_on": d["closed_on"], "row_id": d["id"]}


def load_items(session: Session, line_id: int) -> list[dict[str, Any]]:
    return [item_dict(r) for r in session.execute(
        select(ITEM).where(ITEM.c.line_id == line_id).order_by(ITEM.c.code)).mappings().all()]


def load_item(session: Session, line_id: int, code: str) -> dict[str, Any]:
    from readiness.errors import NotFound

    row = session.execute(select(ITEM).where(ITEM.c.line_id == line_id,
                                             ITEM.c.code == code)).mappings().first()
    if row is None:
        raise NotFound("pdca.not_found", id=code)
    return item_dict(row)


def transitions(session: Session, item_row_id: int) -> list[dict[str, Any]]:
    table = PdcaTransition.__table__
    return [{k: v for k, v in dict(r).items() if k not in ("id", "item_id")}
            for r in session.execute(select(table).where(table.c.item_id == item_row_id)
                                     .order_by(table.c.id)).mappings()]


COLUMN = {"class": "item_class"}


def apply_changes(session: WriteSession, item: dict[str, Any], changes: dict[str, Any],
                  step: str | None, on: dt.date) -> None:
    """Update an item (audited) and, when its phase moves, record the transition."""
    before = {COLUMN.get(k, k): item[k] for k in changes if k in item}
    after = {COLUMN.get(k, k): v for k, v in changes.items()}
    diff = {k: v for k, v in after.items() if before.get(k) != v}
    if diff:
        session.update_rows(PdcaItem, [(item["row_id"], item["code"],
                                        {k: before.get(k) for k in diff}, diff)])
    if step is not None:
        session.insert_rows(PdcaTransition, [{
            "item_id": item["row_id"], "cycle": changes.get("cycle", item["cycle"]),
            "from_phase": item["phase"], "to_phase": changes.get("phase", item["phase"]),
            "on_date": on, "at": session.now, "username": session.user,
            "data": {"step": step, **{k: v for k, v in changes.items()
                                      if k not in ("phase", "phase_since", "cycle")}}}],
            key_field="to_phase")
