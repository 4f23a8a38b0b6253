"""Store queries and writes for inspections (隐患排查), their results and hidden dangers (隐患).

The only code that talks to the tables inspections, inspection_results and hidden_dangers.
Returns plain dicts; reads are set-based (one query per table, not per row).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from readiness.store import tables

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from readiness.store.write_session import WriteSession

I = tables.inspections  # noqa: E741 - the table's initial, as elsewhere in the store
R = tables.inspection_results
D = tables.hidden_dangers
H = tables.hazards
CM = tables.control_measures
LOC = tables.locations

DANGER_FIELDS = ("grade", "status", "description", "measures", "responsible", "funds",
                 "deadline", "contingency", "pdca_code", "reported_to", "reported_on",
                 "accepted_by", "accepted_on", "acceptance_note")

ResultKey = tuple[str, str, "int | None"]  # (inspection code, hazard code, control id)


# --- what inspections refer to ----------------------------------------------------------------

def hazard_controls(session: Session | Connection, line_id: int
                    ) -> dict[str, dict[str, Any]]:
    """{hazard code: {"id", "location", "controls": [{"id", "description"}]}} of a line."""
    locations = dict(session.execute(select(LOC.c.id, LOC.c.code)
                                     .where(LOC.c.line_id == line_id)).all())
    hazards: dict[str, dict[str, Any]] = {}
    by_id: dict[int, dict[str, Any]] = {}
    for hid, code, loc in session.execute(select(H.c.id, H.c.code, H.c.location_id)
                                          .where(H.c.line_id == line_id)):
        hazards[code] = by_id[hid] = {"id": hid, "code": code,
                                      "location": locations.get(loc), "controls": []}
    ids = select(H.c.id).where(H.c.line_id == line_id)
    for cid, hid, text in session.execute(select(CM.c.id, CM.c.hazard_id, CM.c.description)
                                          .where(CM.c.hazard_id.in_(ids)).order_by(CM.c.id)):
        by_id[hid]["controls"].append({"id": cid, "description": text})
    return hazards


# --- inspections ---------------------------------------------------------------------------------

def load_inspections(session: Session | Connection, line_id: int,
                     codes: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Inspections of a line (or just `codes`) with their results, each result with the code
    of the hidden danger it found (if any)."""
    locations = dict(session.execute(select(LOC.c.id, LOC.c.code)
                                     .where(LOC.c.line_id == line_id)).all())
    query = select(I).where(I.c.line_id == line_id)
    if codes is not None:
        query = query.where(I.c.code.in_(list(codes)))
    found = [dict(r) for r in session.execute(query.order_by(I.c.inspected_on, I.c.code))
             .mappings()]
    if not found:
        return []
    ids = [r["id"] for r in found]
    hazards = dict(session.execute(select(H.c.id, H.c.code).where(H.c.line_id == line_id)).all())
    controls = dict(session.execute(select(CM.c.id, CM.c.description).where(
        CM.c.hazard_id.in_(select(H.c.id).where(H.c.line_id == line_id)))).all())
    dangers = dict(session.execute(select(D.c.result_id, D.c.code).where(
        D.c.line_id == line_id)).all())
    results: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in session.execute(select(R).where(R.c.inspection_id.in_(ids)).order_by(R.c.id)
                             ).mappings():
        results[r["inspection_id"]].append({
            "row_id": r["id"], "hazard": hazards.get(r["hazard_id"]),
            "control_id": r["control_id"], "control": controls.get(r["control_id"]),
            "result": r["result"], "grade": r["grade"], "finding": r["finding"],
            "evidence": r["evidence"], "danger": dangers.get(r["id"])})
    return [{"row_id": i["id"], "code": i["code"], "inspected_on": i["inspected_on"],
             "kind": i["kind"], "special_reason": i["special_reason"],
             "inspector": i["inspector"], "location": locations.get(i["location_id"]),
             "results": results.get(i["id"], [])} for i in found]


def last_checked_by_control(session: Session | Connection, line_id: int,
                            until: Any) -> dict[int, Any]:
    """{control id: the last day an inspection (any result) checked it, on or before `until`}."""
    query = (select(R.c.control_id, func.max(I.c.inspected_on))
             .select_from(R).join(I, I.c.id == R.c.inspection_id)
             .where(I.c.line_id == line_id, I.c.inspected_on <= until,
                    R.c.control_id.is_not(None))
             .group_by(R.c.control_id))
    return {cid: day for cid, day in session.execute(query)}


def insert_inspections(session: WriteSession, line_id: int, rows: list[dict[str, Any]]
                       ) -> list[int]:
    return session.insert_rows(I, [{"line_id": line_id, **row} for row in rows])


def insert_results(session: WriteSession, rows: list[dict[str, Any]]) -> list[int]:
    return session.insert_rows(R, rows, key_field="result")


# --- hidden dangers ------------------------------------------------------------------------------

def next_danger_codes(session: Session | Connection, line_id: int, count: int) -> list[str]:
    """`count` fresh IDs YH-0001 … after the highest in use on the line."""
    highest = 0
    for code in session.execute(select(D.c.code).where(D.c.line_id == line_id,
                                                       D.c.code.like("YH-%"))).scalars():
        if code[3:].isdigit():
            highest = max(highest, int(code[3:]))
    return [f"YH-{n:04d}" for n in range(highest + 1, highest + 1 + count)]


def insert_dangers(session: WriteSession, line_id: int, rows: list[dict[str, Any]]) -> list[str]:
    """Add hidden dangers (each names its result_id); returns their new codes."""
    codes = next_danger_codes(session, line_id, len(rows))
    session.insert_rows(D, [{"line_id": line_id, "code": code, **row}
                            for code, row in zip(codes, rows)])
    return codes


def load_dangers(session: Session | Connection, line_id: int,
                 codes: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Hidden dangers of a line (or just `codes`), each with the inspection, result, hazard,
    control and location it concerns. The location is the inspection's, else the hazard's."""
    query = (select(D, R.c.hazard_id, R.c.control_id, R.c.result, R.c.finding,
                    R.c.evidence.label("result_evidence"),
                    I.c.code.label("inspection"), I.c.kind.label("inspection_kind"),
                    I.c.location_id.label("inspection_location"))
             .join(R, R.c.id == D.c.result_id).join(I, I.c.id == R.c.inspection_id)
             .where(D.c.line_id == line_id))
    if codes is not None:
        query = query.where(D.c.code.in_(list(codes)))
    rows = [dict(r) for r in session.execute(query.order_by(D.c.code)).mappings()]
    if not rows:
        return []
    locations = {r.id: r for r in session.execute(
        select(LOC.c.id, LOC.c.code, LOC.c.name).where(LOC.c.line_id == line_id))}
    hazards = {r.id: r for r in session.execute(
        select(H.c.id, H.c.code, H.c.location_id, H.c.description)
        .where(H.c.id.in_({r["hazard_id"] for r in rows})))}
    control_ids = {r["control_id"] for r in rows if r["control_id"] is not None}
    controls = dict(session.execute(select(CM.c.id, CM.c.description)
                                    .where(CM.c.id.in_(control_ids))).all()) if control_ids else {}
    out = []
    for r in rows:
        hazard = hazards.get(r["hazard_id"])
        loc = locations.get(r["inspection_location"] or (hazard.location_id if hazard else None))
        out.append({
            "row_id": r["id"], "code": r["code"], "grade": r["grade"], "status": r["status"],
            "inspection": r["inspection"], "inspection_kind": r["inspection_kind"],
            "result": r["result"], "finding": r["finding"], "evidence": r["result_evidence"],
            "hazard": hazard.code if hazard else None,
            "hazard_description": hazard.description if hazard else None,
            "control_id": r["control_id"], "control": controls.get(r["control_id"]),
            "location": loc.code if loc else None, "location_name": loc.name if loc else None,
            "found_on": r["found_on"], "found_by": r["found_by"],
            **{f: r[f] for f in DANGER_FIELDS}})
    return out


def load_danger(session: Session | Connection, line_id: int, code: str) -> dict[str, Any]:
    from readiness.errors import NotFound

    found = load_dangers(session, line_id, [code])
    if not found:
        raise NotFound("danger.not_found", id=code)
    return found[0]


def update_danger(session: WriteSession, danger: dict[str, Any], changes: dict[str, Any]) -> None:
    """Change a hidden danger's own fields (audited): only what differs is written."""
    diff = {k: v for k, v in changes.items() if k in DANGER_FIELDS and danger.get(k) != v}
    if diff:
        session.update_rows(D, [(danger["row_id"], danger["code"],
                                 {k: danger.get(k) for k in diff}, diff)])


def open_counts_by_location(session: Session | Connection, line_id: int
                            ) -> dict[str, dict[str, int]]:
    """{location code: {"general": n, "major": n}} of the hidden dangers not yet closed, by the
    inspection's location (else the hazard's). Places with none are absent."""
    loc = func.coalesce(I.c.location_id, H.c.location_id)
    query = (select(LOC.c.code, D.c.grade, func.count())
             .select_from(D).join(R, R.c.id == D.c.result_id)
             .join(I, I.c.id == R.c.inspection_id).join(H, H.c.id == R.c.hazard_id)
             .join(LOC, LOC.c.id == loc)
             .where(D.c.line_id == line_id, D.c.status != "closed")
             .group_by(LOC.c.code, D.c.grade))
    counts: dict[str, dict[str, int]] = {}
    for code, grade, n in session.execute(query):
        counts.setdefault(code, {"general": 0, "major": 0})[grade] = int(n)
    return counts
