"""Store queries for the organisation: units, people and responsibility letters as plain dicts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from readiness.store import tables

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from readiness.store.write_session import WriteSession

U = tables.org_units
P = tables.people
RL = tables.responsibility_letters


def org_index(session: Session | Connection) -> dict[str, dict[str, dict[str, Any]]]:
    """{"units": {code: unit}, "people": {staff_id: person}} for fast lookups and checks."""
    units = {r["code"]: dict(r) for r in session.execute(select(U).order_by(U.c.code)).mappings()}
    people = {r["staff_id"]: dict(r)
              for r in session.execute(select(P).order_by(P.c.staff_id)).mappings()}
    return {"units": units, "people": people}


def find_person(session: Session | Connection, value: str, option: str) -> dict[str, Any]:
    """The one person a staff ID or a name unique among people stands for; otherwise an error
    naming `option` (an ambiguous name lists the candidates' staff IDs)."""
    from readiness.errors import InvalidValue

    text = str(value or "").strip()
    row = session.execute(select(P).where(P.c.staff_id == text)).mappings().first()
    if row is not None:
        return dict(row)
    named = [dict(r) for r in session.execute(
        select(P).where(P.c.name == text).order_by(P.c.staff_id)).mappings()]
    if len(named) == 1:
        return named[0]
    if named:
        raise InvalidValue("option.ambiguous_person", option=option, value=text,
                           ids=", ".join(p["staff_id"] for p in named))
    raise InvalidValue("option.unknown_person", option=option, value=text)


def unit_row(session: Session | Connection, code: str) -> dict[str, Any] | None:
    """One unit by its code, or None."""
    row = session.execute(select(U).where(U.c.code == code)).mappings().first()
    return dict(row) if row is not None else None


def person_row(session: Session | Connection, staff_id: str) -> dict[str, Any] | None:
    """One person by staff ID, or None."""
    row = session.execute(select(P).where(P.c.staff_id == staff_id)).mappings().first()
    return dict(row) if row is not None else None


def list_people(session: Session | Connection, unit: str | None = None) -> list[dict[str, Any]]:
    """People by staff ID, optionally only those of one unit."""
    query = select(P).order_by(P.c.staff_id)
    if unit is not None:
        query = query.where(P.c.unit_code == unit)
    return [dict(r) for r in session.execute(query).mappings()]


def letters_of(session: Session | Connection, signer: str) -> list[dict[str, Any]]:
    """The letters one unit or person signed, newest signed first."""
    return [dict(r) for r in session.execute(
        select(RL).where(RL.c.signer == signer).order_by(RL.c.signed_on.desc(), RL.c.id.desc())
    ).mappings()]


def save_person_fields(session: WriteSession, staff_id: str,
                       fields: dict[str, Any]) -> dict[str, int]:
    """Add a person or change only the columns given (audited); the others stay as they are."""
    return session.upsert_rows(P, {}, "staff_id", [{"staff_id": staff_id, **fields}])


def letters(session: Session | Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in session.execute(select(RL).order_by(RL.c.id)).mappings()]


def insert_organisation(session: WriteSession, units: list[dict[str, Any]],
                        people: list[dict[str, Any]], letters: list[dict[str, Any]]) -> None:
    """Add units, people and responsibility letters as they are (rows in the tables' own
    columns; audited): for a new store, where nothing is there to update."""
    from readiness.store.schema import OrgUnit, Person, ResponsibilityLetter

    session.insert_rows(OrgUnit, units, key_field="code")
    session.insert_rows(Person, people, key_field="staff_id")
    session.insert_rows(ResponsibilityLetter, letters, key_field="signer")


def upsert_units(session: WriteSession, rows: list[dict[str, Any]]) -> dict[str, int]:
    return session.upsert_rows(U, {}, "code", [
        {"code": r["code"], "name": r["name"], "level": r["level"],
         "parent_code": r.get("parent") or None, "head_staff_id": r.get("head") or None,
         "posts": list(r.get("posts") or [])} for r in rows])


def upsert_people(session: WriteSession, rows: list[dict[str, Any]]) -> dict[str, int]:
    return session.upsert_rows(P, {}, "staff_id", [
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
    session.insert_rows(RL, new, key_field="signer")
    session.update_rows(RL, changes)
    return {"created": len(new), "updated": len(changes), "unchanged": unchanged}


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def owned_items(session: Session | Connection) -> list[dict[str, Any]]:
    """Everything with an owner, across lines: hazards (with their latest level), drill runs
    (their participating units) and open PDCA items. Subjects carry the line when there are
    several lines."""
    line_t, hazard, pdca = tables.lines.c, tables.hazards.c, tables.pdca_items.c
    run, scenario = tables.drill_runs.c, tables.drill_scenarios.c
    lines = dict(session.execute(select(line_t.id, line_t.name)).all())
    several = len(lines) > 1

    def subject(line_id: int, code: str) -> str:
        return f"{lines[line_id]}/{code}" if several else code

    ev = tables.hazard_evaluations
    latest = select(func.max(ev.c.id)).group_by(ev.c.hazard_id)
    levels = dict(session.execute(select(ev.c.hazard_id, ev.c.level).where(ev.c.id.in_(latest))).all())
    items = [{"kind": "hazard", "subject": subject(h.line_id, h.code), "owner_unit": h.owner_unit,
              "owner": h.owner, "level": levels.get(h.id), "line": lines[h.line_id]}
             for h in session.execute(select(hazard.id, hazard.line_id, hazard.code,
                                             hazard.owner_unit, hazard.owner))]
    items += [{"kind": "pdca", "subject": subject(p.line_id, p.code), "owner_unit": p.owner_unit,
               "owner": p.owner, "open": p.phase != "CLOSED", "line": lines[p.line_id]}
              for p in session.execute(select(pdca.line_id, pdca.code, pdca.owner_unit,
                                              pdca.owner, pdca.phase))]
    for r in session.execute(select(run.line_id, run.code, run.units,
                                    scenario.code.label("scenario"))
                             .join(tables.drill_scenarios, scenario.id == run.scenario_id)):
        for unit in r.units or []:
            items.append({"kind": "drill", "subject": subject(r.line_id, r.code),
                          "owner_unit": unit, "owner": None, "line": lines[r.line_id]})
    return items
