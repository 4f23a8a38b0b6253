"""Store queries and writes for trial-run daily records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from readiness.store.core import WriteSession
from readiness.store.schema import TrialRunDay

DAY = TrialRunDay.__table__
FIELDS = [c.name for c in DAY.columns if c.name not in ("id", "line_id")]


def load_days(session: Session, line_id: int) -> list[dict[str, Any]]:
    return [{k: r[k] for k in FIELDS} for r in session.execute(
        select(DAY).where(DAY.c.line_id == line_id).order_by(DAY.c.day)).mappings().all()]


def upsert_days(session: WriteSession, line_id: int, rows: list[dict[str, Any]]) -> dict[str, int]:
    return session.upsert_rows(TrialRunDay, {"line_id": line_id}, "day",
                               [{k: r.get(k) for k in FIELDS} for r in rows])
