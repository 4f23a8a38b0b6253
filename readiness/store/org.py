"""Store queries for the organisation: units, people and responsibility letters as plain dicts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from readiness.store.schema import OrgUnit, Person, ResponsibilityLetter

U = OrgUnit.__table__
P = Person.__table__
RL = ResponsibilityLetter.__table__


def org_index(session: Session) -> dict[str, dict[str, dict[str, Any]]]:
    """{"units": {code: unit}, "people": {staff_id: person}} for fast lookups and checks."""
    units = {r["code"]: dict(r) for r in session.execute(select(U).order_by(U.c.code)).mappings()}
    people = {r["staff_id"]: dict(r)
              for r in session.execute(select(P).order_by(P.c.staff_id)).mappings()}
    return {"units": units, "people": people}


def letters(session: Session) -> list[dict[str, Any]]:
    return [dict(r) for r in session.execute(select(RL).order_by(RL.c.id)).mappings()]
