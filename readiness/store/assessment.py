"""Store queries and writes for assessment snapshots and sign-offs.

A snapshot's `result` holds the whole assessment and the packed content of its report (about
2.5 MB for a line of 5,000 hazards). Only a report reads all of it (`get`); the
history reads the snapshots' own columns with the counts it shows (`load`), and a difference
only the criteria of the two snapshots compared (`criteria`), each taken out by the database.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from readiness.errors import NotFound
from readiness.store.core import jsonable
from readiness.store.tables import assessment_snapshots as SNAP
from readiness.store.tables import signoffs as SIGN

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from readiness.store.write_session import WriteSession

    Reader = Session | Connection  # an ORM session, or a plain connection (`Store.read_rows`)

HEAD = (SNAP.c.id, SNAP.c.line_id, SNAP.c.taken_at, SNAP.c.as_of, SNAP.c.profile, SNAP.c.verdict,
        SNAP.c.inputs_hash)


def save(session: WriteSession, line_id: int, as_of: dt.date, data: dict[str, Any],
         report: str | None = None) -> int:
    """A snapshot as of a date: the result, and (`report`) the packed content its report shows."""
    (snapshot_id,) = session.insert_rows(SNAP, [{
        "line_id": line_id, "taken_at": session.now, "as_of": as_of,
        "profile": data["profile"], "verdict": data["verdict"],
        "inputs_hash": data["inputs_hash"],
        "result": {**jsonable(data), **({"report": report} if report else {})}}],
        key_field="verdict")
    return snapshot_id


def _head(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "line_id": r["line_id"], "taken_at": r["taken_at"],
            "as_of": r["as_of"], "profile": r["profile"], "verdict": r["verdict"],
            "inputs_hash": r["inputs_hash"]}


def get(session: Reader, snapshot_id: int) -> dict[str, Any]:
    """A snapshot with its whole result (what its report shows)."""
    row = session.execute(select(*HEAD, SNAP.c.result)
                          .where(SNAP.c.id == snapshot_id)).mappings().first()
    if row is None:
        raise NotFound("assess.snapshot_not_found", id=snapshot_id)
    return {**_head(row), "result": row["result"]}


def header(session: Reader, snapshot_id: int) -> dict[str, Any]:
    """A snapshot's own columns (line, dates, profile, verdict, inputs hash), not its result."""
    row = session.execute(select(*HEAD).where(SNAP.c.id == snapshot_id)).mappings().first()
    if row is None:
        raise NotFound("assess.snapshot_not_found", id=snapshot_id)
    return _head(row)


def latest_id(session: Reader, line_id: int) -> int | None:
    """The line's newest snapshot, if it has any."""
    return session.execute(select(func.max(SNAP.c.id))  # type: ignore[no-any-return]
                           .where(SNAP.c.line_id == line_id)).scalar()


def _signoff(r: Any) -> dict[str, Any]:
    return {"staff_id": r["staff_id"], "role": r["role"], "name": r["name"],
            "decision": r["decision"], "override_reason": r["override_reason"], "note": r["note"],
            "at": r["at"]}


def signoffs(session: Reader, snapshot_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The sign-offs of each snapshot, in the order they were first recorded."""
    out: dict[int, list[dict[str, Any]]] = {}
    for r in session.execute(select(SIGN).where(SIGN.c.snapshot_id.in_(snapshot_ids))
                             .order_by(SIGN.c.id)).mappings():
        out.setdefault(r["snapshot_id"], []).append(_signoff(r))
    return out


def _count(key: str) -> Any:
    """How many entries the result's list `key` has, counted by the database (NULL if none)."""
    return func.json_array_length(SNAP.c.result[key])


def load(session: Reader, line_id: int) -> list[dict[str, Any]]:
    """The line's snapshots, newest first: their own columns, the number of blocking criteria
    and of conditions that failed, and their sign-offs; not their results."""
    snapshots = [{**_head(r), "blocking": r["blocking"] or 0, "conditions": r["conditions"] or 0}
                 for r in session.execute(
                     select(*HEAD, _count("blocking").label("blocking"),
                            _count("conditions").label("conditions"))
                     .where(SNAP.c.line_id == line_id).order_by(SNAP.c.id.desc())).mappings()]
    signed = signoffs(session, [s["id"] for s in snapshots])
    for s in snapshots:
        s["signoffs"] = signed.get(s["id"], [])
    return snapshots


def criteria(session: Reader, snapshot_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The criteria each snapshot's result records (for a difference), nothing else of it."""
    return {r[0]: list(r[1] or []) for r in session.execute(
        select(SNAP.c.id, SNAP.c.result["criteria"]).where(SNAP.c.id.in_(snapshot_ids)))}


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
        session.insert_rows(SIGN, [{"snapshot_id": snapshot_id, "staff_id": person["staff_id"],
                                       **values}], key_field="staff_id")
        return None
    changed = {k: v for k, v in values.items() if earlier[k] != v}
    session.update_rows(SIGN, [(earlier["id"], person["staff_id"],
                                   {k: earlier[k] for k in changed}, changed)])
    return _signoff(earlier)
