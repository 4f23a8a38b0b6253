"""Store queries and writes for the hazard register. Returns plain dicts keyed as in `--json`.

Reads are set-based (one query per table, not per hazard) so that a 100,000-hazard register
loads in seconds. Evaluations are only ever added; the hazard shows its latest one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update

from readiness.errors import NotFound
from readiness.store import tables

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from readiness.store.write_session import WriteSession

H = tables.hazards
EV = tables.hazard_evaluations
CM = tables.control_measures
ACC = tables.hazard_acceptances
LOC = tables.locations

HAZARD_FIELDS = ("code", "location_id", "specialty", "risk_category", "factor_category",
                 "accident_type", "activity", "description", "causes", "consequences",
                 "owner_unit", "owner", "review_days", "last_review", "status", "linked_drills",
                 "needs_reevaluation", "accident_types", "notes")
EVALUATION_FIELDS = ("evaluated_on", "method", "band_table", "factors", "score", "level",
                     "level_given", "score_given", "basis", "residual_factors", "residual_score",
                     "residual_level", "evaluator", "note")
CONTROL_FIELDS = ("control_type", "aspect", "description", "owner", "verification", "evidence",
                  "verified", "check_what", "check_how", "check_every_days")
# A control's inspection handbook entry (what to check, how, every how many days): in a control's
# dict only once set, so that a register without them reads (and hashes) as before they existed.
CHECK_FIELDS = ("check_what", "check_how", "check_every_days")


def _latest_evaluations(session: Session | Connection,
                        hazard_ids: Any) -> dict[int, dict[str, Any]]:
    latest = (select(func.max(EV.c.id)).where(EV.c.hazard_id.in_(hazard_ids))
              .group_by(EV.c.hazard_id))
    rows = session.execute(select(EV).where(EV.c.id.in_(latest))).mappings()
    return {r["hazard_id"]: dict(r) for r in rows}


def load_register(session: Session | Connection, line_id: int,
                  codes: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Every hazard of a line (or just `codes`) with its latest evaluation, controls and
    acceptances."""
    lines = tables.lines.c
    line_name = session.execute(select(lines.name).where(lines.id == line_id)).scalar_one()
    locations = {r.id: r for r in session.execute(
        select(LOC.c.id, LOC.c.code, LOC.c.name, LOC.c.kind).where(LOC.c.line_id == line_id))}
    ids = select(H.c.id).where(H.c.line_id == line_id)
    if codes is not None:
        ids = ids.where(H.c.code.in_(list(codes)))
    evaluations = _latest_evaluations(session, ids)
    counts = dict(session.execute(select(EV.c.hazard_id, func.count()).where(
        EV.c.hazard_id.in_(ids)).group_by(EV.c.hazard_id)).all())
    controls: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in session.execute(select(CM).where(CM.c.hazard_id.in_(ids)).order_by(CM.c.id)).mappings():
        controls[r["hazard_id"]].append(_control(r))
    acceptances: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in session.execute(select(ACC).where(ACC.c.hazard_id.in_(ids)).order_by(ACC.c.id)).mappings():
        acceptances[r["hazard_id"]].append(dict(r))
    register = []
    for row in session.execute(select(H).where(H.c.id.in_(ids)).order_by(H.c.code)).mappings():
        register.append(hazard_dict(row, line_name, locations.get(row["location_id"]),
                                    evaluations.get(row["id"]), controls.get(row["id"], []),
                                    acceptances.get(row["id"], []), counts.get(row["id"], 0)))
    return register


def page_codes(session: Session | Connection, line_id: int, *, specialty: str | None = None,
               status: str | None = None, location: str | None = None,
               owner: str | None = None, offset: int = 0, limit: int = 50
               ) -> tuple[int, list[str]]:
    """(how many hazards of the line match, the codes of one page of them in code order), by
    the filters the hazard table holds itself: a page of a 100,000-hazard register is read
    without the rest (`load_register(..., codes)` then reads the page in full)."""
    from sqlalchemy import or_

    where = [H.c.line_id == line_id]
    if specialty:
        where.append(H.c.specialty == specialty)
    if status:
        where.append(H.c.status == status)
    if owner:
        where.append(or_(H.c.owner == owner, H.c.owner_unit == owner))
    if location:
        where.append(H.c.location_id.in_(select(LOC.c.id).where(
            LOC.c.line_id == line_id, or_(LOC.c.code == location, LOC.c.name == location))))
    total = session.execute(select(func.count()).select_from(H).where(*where)).scalar_one()
    codes = list(session.execute(select(H.c.code).where(*where).order_by(H.c.code)
                                 .offset(offset).limit(limit)).scalars())
    return int(total), codes


def _control(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "type": r["control_type"], "aspect": r["aspect"],
            "description": r["description"], "owner": r["owner"],
            "verification": r["verification"], "evidence": r["evidence"],
            "verified": bool(r["verified"]),
            **{f: r[f] for f in CHECK_FIELDS if r[f] is not None}}


def hazard_dict(row: Any, line_name: str, location: Any, evaluation: dict[str, Any] | None,
                controls: list[dict[str, Any]], acceptances: list[dict[str, Any]],
                evaluation_count: int) -> dict[str, Any]:
    ev = evaluation or {}
    active = next((a for a in reversed(acceptances) if a["voided_at"] is None), None)
    return {
        "id": row["code"], "line": line_name,
        "location": location.code if location else None,
        "location_name": location.name if location else None,
        "location_kind": location.kind if location else None,
        "specialty": row["specialty"], "risk_category": row["risk_category"],
        "factor_category": row["factor_category"], "accident_type": row["accident_type"],
        "activity": row["activity"], "description": row["description"],
        "causes": row["causes"], "consequences": row["consequences"],
        "method": ev.get("method"), "band_table": ev.get("band_table"),
        "factors": ev.get("factors") or {}, "score": ev.get("score"), "level": ev.get("level"),
        "level_given": ev.get("level_given"),
        "residual_factors": ev.get("residual_factors") or {},
        "residual_score": ev.get("residual_score"), "residual_level": ev.get("residual_level"),
        "evaluated_on": ev.get("evaluated_on"), "evaluations": evaluation_count,
        "controls": controls, "owner_unit": row["owner_unit"], "owner": row["owner"],
        "review_days": row["review_days"], "last_review": row["last_review"],
        "linked_drills": list(row["linked_drills"] or []), "status": row["status"],
        "needs_reevaluation": bool(row["needs_reevaluation"]),
        "acceptance": _acceptance(active) if active else None,
        "voided_acceptances": [_acceptance(a) for a in acceptances if a["voided_at"] is not None],
        "accident_types": list(row["accident_types"] or []), "notes": row["notes"],
        "score_given": ev.get("score_given"), "basis": ev.get("basis"),
    }


def _acceptance(a: dict[str, Any]) -> dict[str, Any]:
    return {"accepted_by": a["accepted_by"], "org_level": a["org_level"],
            "accepted_on": a["accepted_on"], "valid_until": a["valid_until"],
            "snapshot_hash": a["snapshot_hash"], "voided_at": a["voided_at"],
            "void_reason": a["void_reason"]}


def hazard_row_id(session: Session | Connection, line_id: int, code: str) -> int:
    found = session.execute(select(H.c.id).where(H.c.line_id == line_id, H.c.code == code)).scalar()
    if found is None:
        raise NotFound("hazard.not_found", id=code)
    return int(found)


def evaluation_history(session: Session | Connection, hazard_id: int) -> list[dict[str, Any]]:
    rows = session.execute(select(EV).where(EV.c.hazard_id == hazard_id).order_by(EV.c.id))
    return [dict(r) for r in rows.mappings()]


def same_hazard(session: Session, line_id: int, description: str, location_id: int | None,
                specialty: str | None) -> str | None:
    """The code of a hazard of the line with this description (white space aside), location and
    specialty, if there is one."""
    wanted = " ".join(description.split())
    query = select(H.c.code, H.c.description).where(
        H.c.line_id == line_id,
        H.c.location_id.is_(None) if location_id is None else H.c.location_id == location_id,
        H.c.specialty.is_(None) if specialty is None else H.c.specialty == specialty)
    for code, text in session.execute(query.order_by(H.c.code)):
        if " ".join((text or "").split()) == wanted:
            return str(code)
    return None


def match_keys(session: Session | Connection, line_id: int
               ) -> list[tuple[str, int | None, str | None, str]]:
    """(code, location id, activity, description) of every hazard of a line: what a ledger
    without IDs is matched on. One query."""
    query = select(H.c.code, H.c.location_id, H.c.activity, H.c.description).where(
        H.c.line_id == line_id).order_by(H.c.code)
    return [(str(c), loc, act, desc) for c, loc, act, desc in session.execute(query)]


def existing_codes(session: Session, line_id: int,
                   codes: Sequence[str] | None = None) -> dict[str, int]:
    query = select(H.c.code, H.c.id).where(H.c.line_id == line_id)
    if codes is not None:
        query = query.where(H.c.code.in_(list(codes)))
    return dict(session.execute(query).all())


def next_codes(session: Session, line_id: int, count: int, taken: Sequence[str] = ()) -> list[str]:
    """`count` fresh IDs H-0001, H-0002 … after the highest in use (in the store or `taken`)."""
    highest = 0
    in_store = session.execute(select(H.c.code).where(H.c.line_id == line_id,
                                                      H.c.code.like("H-%"))).scalars()
    for code in [*in_store, *taken]:
        tail = code[2:]
        if tail.isdigit():
            highest = max(highest, int(tail))
    return [f"H-{n:04d}" for n in range(highest + 1, highest + 1 + count)]


# --- writes ------------------------------------------------------------------------------------

def insert_hazards(session: WriteSession, line_id: int, hazards: list[dict[str, Any]]) -> list[int]:
    rows = [{"line_id": line_id, **{f: h.get(f) for f in HAZARD_FIELDS}} for h in hazards]
    for row in rows:
        row["status"] = row["status"] or "controlled"
        row["linked_drills"] = row["linked_drills"] or []
        row["needs_reevaluation"] = bool(row["needs_reevaluation"])
        types = list(row["accident_types"] or ([row["accident_type"]] if row["accident_type"]
                                               else []))
        row["accident_types"], row["accident_type"] = types, (types[0] if types else None)
    return session.insert_rows(H, rows)


def update_hazards(session: WriteSession,
                   changes: list[tuple[int, str, dict[str, Any], dict[str, Any]]]) -> None:
    session.update_rows(H, changes)


def insert_evaluations(session: WriteSession, evaluations: list[dict[str, Any]]) -> None:
    session.insert_rows(EV, [
        {"hazard_id": e["hazard_id"], **{f: e.get(f) for f in EVALUATION_FIELDS}}
        for e in evaluations], key_field="hazard_id")


def insert_controls(session: WriteSession, controls: list[dict[str, Any]]) -> None:
    session.insert_rows(CM, [
        {"hazard_id": c["hazard_id"], **{f: c.get(f) for f in CONTROL_FIELDS}}
        for c in controls], key_field="hazard_id")


def update_controls(session: WriteSession,
                    changes: list[tuple[int, str, dict[str, Any], dict[str, Any]]]) -> None:
    session.update_rows(CM, changes)


def delete_controls(session: WriteSession, controls: list[dict[str, Any]]) -> None:
    """Remove controls; their full values stay in the audit trail."""
    if not controls:
        return
    session.execute(delete(CM).where(CM.c.id.in_([c["id"] for c in controls])))
    session.audit_many([("delete", "control_measures", c["id"], c.get("hazard"), c, None)
                        for c in controls])


def insert_acceptance(session: WriteSession, hazard_id: int, acceptance: dict[str, Any]) -> None:
    insert_acceptances(session, [(hazard_id, acceptance)])


def insert_acceptances(session: WriteSession,
                       acceptances: list[tuple[int, dict[str, Any]]]) -> None:
    session.insert_rows(ACC, [
        {"hazard_id": hazard_id, "voided_at": None, "void_reason": None, **acceptance}
        for hazard_id, acceptance in acceptances], key_field="accepted_by")


def location_ids(session: Session, line_id: int) -> dict[str, int]:
    return dict(session.execute(select(LOC.c.code, LOC.c.id).where(LOC.c.line_id == line_id)).all())


def void_acceptances(session: WriteSession, voids: list[tuple[int, str, str]]) -> None:
    """Void the active acceptance of each (hazard id, hazard code, reason)."""
    for hazard_id, code, reason in voids:
        active = session.execute(select(ACC.c.id).where(
            ACC.c.hazard_id == hazard_id, ACC.c.voided_at.is_(None))).scalars().all()
        for acc_id in active:
            session.execute(update(ACC).where(ACC.c.id == acc_id).values(
                voided_at=session.now, void_reason=reason))
            session.audit("update", "hazard_acceptances", acc_id, code,
                          {"voided_at": None}, {"voided_at": session.now, "void_reason": reason})


def set_needs_reevaluation(session: WriteSession, line_id: int, codes: list[str],
                           value: bool) -> None:
    if not codes:
        return
    ids = existing_codes(session, line_id)
    session.update_rows(H, [(ids[c], c, {"needs_reevaluation": not value},
                                  {"needs_reevaluation": value}) for c in codes if c in ids])



def hazard_columns(session: Session | Connection, hazard_id: int,
                   names: Sequence[str]) -> dict[str, Any]:
    """Some stored columns of one hazard row, as stored (what an edit's audit record keeps as
    'before')."""
    row = session.execute(select(*[H.c[n] for n in names]).where(H.c.id == hazard_id)).mappings()
    return dict(row.one())


def control_rows(session: Session | Connection, hazard_id: int) -> list[dict[str, Any]]:
    """A hazard's control measures as stored, in the order they are shown."""
    return [dict(r) for r in session.execute(
        select(CM).where(CM.c.hazard_id == hazard_id).order_by(CM.c.id)).mappings()]


REQ = tables.acceptance_requests


def acceptance_requests(session: Session | Connection, line_id: int, *,
                        codes: Sequence[str] | None = None, of: str | None = None,
                        open_only: bool = True) -> list[dict[str, Any]]:
    """Requests to accept residual risk on a line (oldest first), with the hazard's code."""
    query = (select(REQ, H.c.code).join(H, H.c.id == REQ.c.hazard_id)
             .where(H.c.line_id == line_id).order_by(REQ.c.id))
    if codes is not None:
        query = query.where(H.c.code.in_(list(codes)))
    if of is not None:
        query = query.where(REQ.c.requested_of == of)
    if open_only:
        query = query.where(REQ.c.closed_on.is_(None))
    return [dict(r) for r in session.execute(query).mappings()]


def requests_asked_of(session: Session | Connection, staff_id: str) -> list[dict[str, Any]]:
    """The open requests asked of one person on every line (oldest first), with the line's name
    and the hazard's code: one query, for a leader's dashboard."""
    lines = tables.lines
    query = (select(REQ, H.c.code, lines.c.name.label("line"))
             .join(H, H.c.id == REQ.c.hazard_id).join(lines, lines.c.id == H.c.line_id)
             .where(REQ.c.requested_of == staff_id, REQ.c.closed_on.is_(None))
             .order_by(REQ.c.id))
    return [dict(r) for r in session.execute(query).mappings()]


def insert_request(session: WriteSession, request: dict[str, Any]) -> None:
    session.insert_rows(REQ, [request], key_field="hazard_id")


def close_requests(session: WriteSession, hazard_id: int, code: str, why: str,
                   on: Any) -> None:
    """Close a hazard's open acceptance requests (accepted, withdrawn), audited."""
    open_ids = session.execute(select(REQ.c.id).where(
        REQ.c.hazard_id == hazard_id, REQ.c.closed_on.is_(None))).scalars().all()
    session.update_rows(REQ, [(i, code, {"closed_on": None, "closed_why": None},
                               {"closed_on": on, "closed_why": why}) for i in open_ids])
