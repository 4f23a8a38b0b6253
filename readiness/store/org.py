"""Store queries for the organisation: units, people and responsibility letters as plain dicts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readiness.store.core import WriteSession
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


def upsert_units(session: WriteSession, rows: list[dict[str, Any]]) -> dict[str, int]:
    return session.upsert_rows(OrgUnit, {}, "code", [
        {"code": r["code"], "name": r["name"], "level": r["level"],
         "parent_code": r.get("parent") or None, "head_staff_id": r.get("head") or None,
         "posts": list(r.get("posts") or [])} for r in rows])


def upsert_people(session: WriteSession, rows: list[dict[str, Any]]) -> dict[str, int]:
    return session.upsert_rows(Person, {}, "staff_id", [
        {"staff_id": r["staff_id"], "name": r["name"], "unit_code": r["unit"],
         "post": r.get("post"), "education_company": r.get("education_company"),
         "education_centre": r.get("education_centre"),
         "education_team": r.get("education_team")} for r in rows])


def upsert_letters(session: WriteSession, rows: list[dict[str, Any]],
                   people: set[str]) -> dict[str, int]:
    """A letter is identified by signer, counter-signer and date signed."""
    keyed = [{"key": f"{r['signer']}|{r['countersigner']}|{r['signed_on'].isoformat()}",
              "signer": r["signer"], "signer_is_person": r["signer"] in people,
              "countersigner": r["countersigner"], "signed_on": r["signed_on"],
              "valid_until": r["valid_until"], "signatories": r.get("signatories")}
             for r in rows]
    existing = {f"{x['signer']}|{x['countersigner']}|{_iso(x['signed_on'])}": x
                for x in letters(session)}
    new, changes, unchanged = [], [], 0
    for row in keyed:
        key = row.pop("key")
        old = existing.get(key)
        if old is None:
            new.append(row)
            continue
        diff = {k: v for k, v in row.items() if old[k] != v}
        if diff:
            changes.append((old["id"], key, {k: old[k] for k in diff}, diff))
        else:
            unchanged += 1
    session.insert_rows(ResponsibilityLetter, new, key_field="signer")
    session.update_rows(ResponsibilityLetter, changes)
    return {"created": len(new), "updated": len(changes), "unchanged": unchanged}


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def owned_items(session: Session) -> list[dict[str, Any]]:
    """Everything with an owner, across lines: hazards (with their latest level), drill runs
    (their participating units) and open PDCA items. Subjects carry the line when there are
    several lines."""
    from readiness.store.schema import (
        DrillRun, DrillScenario, Hazard, HazardEvaluation, Line, PdcaItem,
    )

    lines = dict(session.execute(select(Line.id, Line.name)).all())
    several = len(lines) > 1

    def subject(line_id: int, code: str) -> str:
        return f"{lines[line_id]}/{code}" if several else code

    ev = HazardEvaluation.__table__
    latest = select(func.max(ev.c.id)).group_by(ev.c.hazard_id)
    levels = dict(session.execute(select(ev.c.hazard_id, ev.c.level).where(ev.c.id.in_(latest))).all())
    items = [{"kind": "hazard", "subject": subject(h.line_id, h.code), "owner_unit": h.owner_unit,
              "owner": h.owner, "level": levels.get(h.id)}
             for h in session.execute(select(Hazard.id, Hazard.line_id, Hazard.code,
                                             Hazard.owner_unit, Hazard.owner))]
    items += [{"kind": "pdca", "subject": subject(p.line_id, p.code), "owner_unit": p.owner_unit,
               "owner": p.owner, "open": p.phase != "CLOSED"}
              for p in session.execute(select(PdcaItem.line_id, PdcaItem.code, PdcaItem.owner_unit,
                                              PdcaItem.owner, PdcaItem.phase))]
    for run in session.execute(select(DrillRun.line_id, DrillRun.code, DrillRun.units,
                                      DrillScenario.code.label("scenario"))
                               .join(DrillScenario, DrillScenario.id == DrillRun.scenario_id)):
        for unit in run.units or []:
            items.append({"kind": "drill", "subject": subject(run.line_id, run.code),
                          "owner_unit": unit, "owner": None})
    return items
