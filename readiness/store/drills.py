"""Store queries and writes for the drill catalogue, plan and runs. Plain dicts in and out."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from readiness.errors import InvalidValue, NotFound
from readiness.store import tables

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from readiness.store.write_session import WriteSession

SC, CT, RUN, EV, PLAN, LOC = (tables.drill_scenarios, tables.critical_tasks, tables.drill_runs,
                              tables.task_evaluations, tables.planned_drills, tables.locations)


def scenario_codes(session: Session | Connection, line_id: int) -> set[str]:
    """The IDs of the line's drill scenarios (empty until a catalogue is loaded)."""
    return set(session.execute(select(SC.c.code).where(SC.c.line_id == line_id)).scalars())


def load_scenarios(session: Session, line_id: int) -> list[dict[str, Any]]:
    """The line's catalogue in the data file's shape, each with its critical tasks. `basis` and
    a task's `time_basis` are None on rows stored before they were kept (the caller supplies
    them from the shipped catalogue by code)."""
    tasks: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for t in session.execute(select(CT).join(SC, SC.c.id == CT.c.scenario_id)
                             .where(SC.c.line_id == line_id).order_by(CT.c.seq)).mappings():
        tasks[t["scenario_id"]].append({"id": t["code"], "name_zh": t["name_zh"],
                                        "name_en": t["name_en"],
                                        "time_standard_min": t["time_standard_min"],
                                        "time_basis": t["time_basis"], "row_id": t["id"]})
    result = []
    for s in session.execute(select(SC).where(SC.c.line_id == line_id).order_by(SC.c.code)).mappings():
        result.append({"id": s["code"], "name_zh": s["name_zh"], "name_en": s["name_en"],
                       "category": s["category"], "tier": s["tier"], "forms": s["forms"],
                       "venue": s["venue"], "unit_kinds": s["unit_kinds"],
                       "objectives_zh": s["objectives"], "objectives_en": s["objectives_en"],
                       "hazard_categories": s["hazard_categories"],
                       "importance": s["importance"], "likelihood": s["likelihood"],
                       "report_required": bool(s["report_required"]),
                       "fao_only": bool(s["fao_only"]), "basis": s["basis"],
                       "required_by_regulation": bool(s["required_by_regulation"]),
                       "pinned": s["pinned"], "critical_tasks": tasks.get(s["id"], []),
                       "row_id": s["id"]})
    return result


def _scenario_row(line_id: int, s: dict[str, Any]) -> dict[str, Any]:
    return {"line_id": line_id, "code": s["id"], "name_zh": s["name_zh"], "name_en": s["name_en"],
            "category": s["category"], "tier": s["tier"], "forms": list(s["forms"]),
            "venue": s["venue"], "unit_kinds": list(s.get("unit_kinds", [])),
            "objectives": s.get("objectives_zh"), "objectives_en": s.get("objectives_en"),
            "hazard_categories": list(s.get("hazard_categories", [])),
            "importance": s["importance"], "likelihood": s["likelihood"],
            "report_required": bool(s.get("report_required", True)),
            "fao_only": bool(s.get("fao_only", False)), "basis": s.get("basis"),
            "required_by_regulation": bool(s.get("required_by_regulation", False)),
            "pinned": s.get("pinned")}


def upsert_scenarios(session: WriteSession, line_id: int,
                     scenarios: list[dict[str, Any]]) -> dict[str, int]:
    """Add new scenarios and update changed ones (tasks matched by ID); audited."""
    counts = session.upsert_rows(SC, {"line_id": line_id}, "code",
                                 [{k: v for k, v in _scenario_row(line_id, s).items()
                                   if k != "line_id" and (k != "pinned" or "pinned" in s)}
                                  for s in scenarios])
    ids = dict(session.execute(select(SC.c.code, SC.c.id).where(SC.c.line_id == line_id)).all())
    for s in scenarios:
        session.upsert_rows(CT, {"scenario_id": ids[s["id"]]}, "code", [
            {"code": t["id"], "seq": n, "name_zh": t["name_zh"], "name_en": t["name_en"],
             "time_standard_min": t.get("time_standard_min"),
             "time_basis": t.get("time_basis")}
            for n, t in enumerate(s["critical_tasks"], start=1)])
    return counts


def set_pin(session: WriteSession, line_id: int, code: str, value: bool | None) -> None:
    row = session.execute(select(SC.c.id, SC.c.pinned).where(
        SC.c.line_id == line_id, SC.c.code == code)).first()
    if row is None:
        raise NotFound("drill.scenario_not_found", id=code)
    if row.pinned != value:
        session.update_rows(SC, [(row.id, code, {"pinned": row.pinned}, {"pinned": value})])


# --- runs ------------------------------------------------------------------------------------------

def load_runs(session: Session, line_id: int) -> list[dict[str, Any]]:
    """Every run with its scenario ID, location code and task ratings (one row per task and
    evaluator: every evaluator's rating is kept), oldest first; voided runs included, marked."""
    locations = dict(session.execute(select(LOC.c.id, LOC.c.code).where(LOC.c.line_id == line_id)).all())
    scenarios = dict(session.execute(select(SC.c.id, SC.c.code).where(SC.c.line_id == line_id)).all())
    tasks = dict(session.execute(select(CT.c.id, CT.c.code).join(SC, SC.c.id == CT.c.scenario_id)
                                 .where(SC.c.line_id == line_id)).all())
    ratings: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in session.execute(select(EV).join(RUN, RUN.c.id == EV.c.run_id)
                             .where(RUN.c.line_id == line_id).order_by(EV.c.id)).mappings():
        ratings[e["run_id"]].append({"task": tasks.get(e["task_id"]), "rating": e["rating"],
                                     "minutes": e["minutes"], "evaluator": e["evaluator"],
                                     "notes": e["notes"]})
    runs = []
    for r in session.execute(select(RUN).where(RUN.c.line_id == line_id)
                             .order_by(RUN.c.run_on, RUN.c.code)).mappings():
        runs.append({"id": r["code"], "scenario": scenarios.get(r["scenario_id"]),
                     "date": r["run_on"], "location": locations.get(r["location_id"]),
                     "form": r["form"], "commander": r["commander"],
                     "evaluators": list(r["evaluators"] or []), "units": list(r["units"] or []),
                     "notes": r["notes"], "tasks": ratings.get(r["id"], []), **_marks(r)})
    return runs


def _marks(r: Any) -> dict[str, Any]:
    """A run's void and outside-window marks, only when set: a run that has neither reads as
    it always did, so the inputs hash of assessments taken before these marks existed holds."""
    marks: dict[str, Any] = {}
    if r["outside_window"]:
        marks["outside_window"] = True
    if r["voided_at"] is not None:
        marks.update(void=True, void_reason=r["void_reason"], voided_by=r["voided_by"],
                     voided_at=r["voided_at"])
    return marks


def run_states(session: Session, line_id: int) -> dict[str, dict[str, Any]]:
    """{run ID: {"void_reason", "voided", "outside_window"}} for the line's recorded runs."""
    return {r.code: {"voided": r.voided_at is not None, "void_reason": r.void_reason,
                     "outside_window": bool(r.outside_window)}
            for r in session.execute(select(RUN.c.code, RUN.c.voided_at, RUN.c.void_reason,
                                            RUN.c.outside_window)
                                     .where(RUN.c.line_id == line_id))}


def write_runs(session: WriteSession, line_id: int, runs: list[dict[str, Any]]) -> dict[str, int]:
    """Create or update runs by run ID. Task ratings are kept per evaluator: a rating given again
    by the same evaluator for the same task replaces theirs, other evaluators' stay."""
    scenario_ids = dict(session.execute(select(SC.c.code, SC.c.id).where(SC.c.line_id == line_id)).all())
    location_ids = dict(session.execute(select(LOC.c.code, LOC.c.id).where(LOC.c.line_id == line_id)).all())
    rows = [{"code": r["id"], "scenario_id": scenario_ids[r["scenario"]],
             "run_on": r["date"], "location_id": location_ids.get(r.get("location") or ""),
             "form": r["form"], "commander": r.get("commander"),
             "evaluators": list(r.get("evaluators") or []), "units": list(r.get("units") or []),
             "notes": r.get("notes"),
             # dated outside handover..opening, recorded on purpose
             "outside_window": bool(r.get("outside_window")) or None} for r in runs]
    counts = session.upsert_rows(RUN, {"line_id": line_id}, "code", rows)
    run_ids = dict(session.execute(select(RUN.c.code, RUN.c.id).where(RUN.c.line_id == line_id)).all())
    # Task codes repeat across lines (each line has its own copy of the catalogue): this line's.
    task_ids = dict(session.execute(select(CT.c.code, CT.c.id).join(SC, SC.c.id == CT.c.scenario_id)
                                    .where(SC.c.line_id == line_id)).all())
    for r in runs:
        if not r.get("tasks"):
            continue
        run_id = run_ids[r["id"]]
        existing = {(e["task_id"], e["evaluator"]): e for e in session.execute(
            select(EV).where(EV.c.run_id == run_id)).mappings()}
        wanted = {(task_ids[t["task"]], t.get("evaluator")): t for t in r["tasks"]}
        new, changes = [], []
        for (task_id, evaluator), t in wanted.items():
            values = {"rating": t["rating"], "minutes": t.get("minutes"),
                      "evaluator": evaluator, "notes": t.get("notes")}
            old = existing.get((task_id, evaluator))
            if old is None:
                new.append({"run_id": run_id, "task_id": task_id, **values})
                continue
            diff = {k: v for k, v in values.items() if old[k] != v}
            if diff:
                changes.append((old["id"], f"{r['id']}/{t['task']}@{evaluator or '-'}",
                                {k: old[k] for k in diff}, diff))
        session.insert_rows(EV, new, key_field="task_id")
        session.update_rows(EV, changes)
        if (new or changes) and counts["unchanged"]:
            counts["unchanged"] -= 1
            counts["updated"] += 1
    return counts


def void_run(session: WriteSession, line_id: int, code: str, reason: str) -> dict[str, Any]:
    """Mark a run void (who, when, why; audited). It stays on record and stops counting."""
    row = session.execute(select(RUN).where(RUN.c.line_id == line_id, RUN.c.code == code)
                          ).mappings().first()
    if row is None:
        raise NotFound("drill.run_not_found", id=code)
    if row["voided_at"] is not None:
        raise InvalidValue("drill.already_void", id=code, by=row["voided_by"] or "-",
                           at=row["voided_at"].date().isoformat(), reason=row["void_reason"])
    after = {"voided_at": session.now, "voided_by": session.user, "void_reason": reason}
    session.update_rows(RUN, [(row["id"], code, {k: row[k] for k in after}, after)])
    return {"id": code, **after}


# --- plan --------------------------------------------------------------------------------------------

def replace_plan(session: WriteSession, line_id: int, rows: list[dict[str, Any]]) -> int:
    """Replace the line's saved plan; the old entries stay in the audit trail."""
    scenario_ids = dict(session.execute(select(SC.c.code, SC.c.id).where(SC.c.line_id == line_id)).all())
    location_ids = dict(session.execute(select(LOC.c.code, LOC.c.id).where(LOC.c.line_id == line_id)).all())
    old = [dict(r) for r in session.execute(select(PLAN).where(PLAN.c.line_id == line_id)).mappings()]
    session.execute(delete(PLAN).where(PLAN.c.line_id == line_id))
    session.audit_many([("delete", "planned_drills", o["id"], None, o, None) for o in old])
    session.insert_rows(PLAN, [
        {"line_id": line_id, "scenario_id": scenario_ids[r["scenario"]],
         "planned_on": dt.date.fromisoformat(r["date"]) if isinstance(r["date"], str) else r["date"],
         "location_id": location_ids.get(r.get("location") or "")} for r in rows],
        key_field="scenario_id")
    return len(rows)


def org_unit_codes(session: Session | Connection) -> set[str]:
    """The codes of the organisation's units (company-wide), the units a drill may name."""
    return set(session.execute(select(tables.org_units.c.code)).scalars())


def load_plan(session: Session, line_id: int) -> list[dict[str, Any]]:
    return [{k: r[k] for k in ("scenario", "date", "location")}
            for r in plan_rows(session, line_id)]


def plan_rows(session: Session, line_id: int) -> list[dict[str, Any]]:
    """The saved plan's rows with their row IDs: {"id", "scenario", "date", "location"}, by day."""
    locations = dict(session.execute(select(LOC.c.id, LOC.c.code)
                                     .where(LOC.c.line_id == line_id)).all())
    scenarios = dict(session.execute(select(SC.c.id, SC.c.code)
                                     .where(SC.c.line_id == line_id)).all())
    return [{"id": r["id"], "scenario": scenarios.get(r["scenario_id"]), "date": r["planned_on"],
             "location": locations.get(r["location_id"])}
            for r in session.execute(select(PLAN).where(PLAN.c.line_id == line_id)
                                     .order_by(PLAN.c.planned_on, PLAN.c.id)).mappings()]


def move_planned(session: WriteSession, line_id: int, row_id: int, on: dt.date,
                 location: str | None) -> None:
    """Move one planned drill to another day (and place: a location code); audited, keyed by
    its scenario."""
    row = session.execute(select(PLAN).where(PLAN.c.line_id == line_id, PLAN.c.id == row_id)
                          ).mappings().first()
    if row is None:
        raise NotFound("drill.planned_not_found", id=row_id)
    location_id = session.execute(select(LOC.c.id).where(
        LOC.c.line_id == line_id, LOC.c.code == location)).scalar() if location else None
    after = {"planned_on": on, "location_id": location_id}
    before = {k: row[k] for k in after}
    changed = {k: v for k, v in after.items() if before[k] != v}
    if changed:
        code = session.execute(select(SC.c.code).where(SC.c.id == row["scenario_id"])).scalar()
        session.update_rows(PLAN, [(row_id, code, {k: before[k] for k in changed}, changed)])


# --- drafts of runs being recorded ---------------------------------------------------------------

DRAFT = tables.drill_run_drafts


def _draft(r: Any) -> dict[str, Any]:
    return {"code": r["code"], "content": dict(r["content"] or {}), "saved_by": r["saved_by"],
            "saved_at": r["saved_at"]}


def save_draft(session: WriteSession, line_id: int, code: str,
               content: dict[str, Any]) -> dict[str, Any]:
    """Keep a run's form as typed under its run ID (a new draft, or the line's draft of that
    run replaced), who saved it and when; audited. Returns the draft as stored."""
    session.upsert_rows(DRAFT, {"line_id": line_id}, "code", [
        {"code": code, "content": content, "saved_by": session.user, "saved_at": session.now}])
    return {"code": code, "content": content, "saved_by": session.user, "saved_at": session.now}


def load_draft(session: Session, line_id: int, code: str) -> dict[str, Any] | None:
    """The line's draft of run `code`, or None."""
    row = session.execute(select(DRAFT).where(DRAFT.c.line_id == line_id, DRAFT.c.code == code)
                          ).mappings().first()
    return _draft(row) if row is not None else None


def list_drafts(session: Session, line_id: int) -> list[dict[str, Any]]:
    """The line's drafts, the most recently saved first."""
    return [_draft(r) for r in session.execute(
        select(DRAFT).where(DRAFT.c.line_id == line_id)
        .order_by(DRAFT.c.saved_at.desc(), DRAFT.c.code)).mappings()]


def delete_draft(session: WriteSession, line_id: int, code: str) -> bool:
    """Remove the line's draft of run `code` (the audit trail keeps it); False when none."""
    row = session.execute(select(DRAFT).where(DRAFT.c.line_id == line_id, DRAFT.c.code == code)
                          ).mappings().first()
    if row is None:
        return False
    session.delete_rows(DRAFT, [(row["id"], code, dict(row))])
    return True
