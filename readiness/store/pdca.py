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
                     "title": item["title"], "description": item.get("description"),
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
