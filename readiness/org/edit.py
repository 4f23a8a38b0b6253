"""The organisation one record at a time (the web's organisation forms): a unit, a person, a
responsibility letter (安全生产责任书) or a person's three-level safety education (三级安全教育).

Each is refused exactly as importing its row of the organisation template would refuse it, with
the same words (`readiness.lines.edit.read_row` reads it as a one-row sheet and runs
`readiness.org.sheets.check`); a form names the field where the import names the cell. On top,
what only one record at a time can break: a unit may not be its own parent nor sit below itself
(a cycle), and an add never overwrites a unit or person already there. The order of levels
(company above HQ above centre …) stays a finding of `org check`, as for an import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from readiness.actor import Actor
from readiness.errors import NotFound
from readiness.xlsx.form_row import FieldRefused, read_row, sheet_of
from readiness.org.sheets import ORG_TEMPLATE
from readiness.store import org as org_store
from readiness.store.core import Store

EDUCATION = ("education_company", "education_centre", "education_team")


# --- results (fields and their order are the `--json` keys) ---------------------------------------

@dataclass(slots=True, frozen=True)
class Unit:
    """A unit as the units sheet holds it."""

    code: str
    name: str
    level: str
    parent: str | None
    head: str | None
    posts: list[str]


@dataclass(slots=True, frozen=True)
class Person:
    """A person as the people sheet holds them, with the dates of their safety education."""

    staff_id: str
    name: str
    unit: str
    post: str | None
    education_company: dt.date | None
    education_centre: dt.date | None
    education_team: dt.date | None


@dataclass(slots=True, frozen=True)
class Letter:
    """A responsibility letter: signed by a unit or a person, counter-signed by a unit."""

    signer: str
    signer_is_person: bool
    countersigner: str
    signed_on: dt.date
    valid_until: dt.date
    signatories: str | None


def _unit(row: dict[str, Any]) -> Unit:
    return Unit(row["code"], row["name"], row["level"], row["parent_code"], row["head_staff_id"],
                list(row["posts"] or []))


def _person(row: dict[str, Any]) -> Person:
    from readiness.dates import as_date

    return Person(row["staff_id"], row["name"], row["unit_code"], row["post"],
                  *(as_date(row[k]) for k in EDUCATION))


def _letter(row: dict[str, Any]) -> Letter:
    from readiness.dates import as_date

    signed, until = as_date(row["signed_on"]), as_date(row["valid_until"])
    assert signed is not None and until is not None
    return Letter(row["signer"], bool(row["signer_is_person"]), row["countersigner"], signed,
                  until, row["signatories"])


def _column(sheet: str, key: str) -> Any:
    return next(c for c in sheet_of(ORG_TEMPLATE, sheet).columns if c.key == key)


# --- reading --------------------------------------------------------------------------------------

def get_unit(store: Store, code: str) -> Unit:
    with store.read_rows() as conn:
        row = org_store.unit_row(conn, code)
    if row is None:
        raise NotFound("org.unit_not_found", unit=code)
    return _unit(row)


def get_person(store: Store, staff_id: str) -> Person:
    with store.read_rows() as conn:
        row = org_store.person_row(conn, staff_id)
    if row is None:
        raise NotFound("org.person_not_found", staff_id=staff_id)
    return _person(row)


def list_people(store: Store, unit: str | None = None) -> list[Person]:
    """Everyone by staff ID, or only the people of one unit."""
    with store.read_rows() as conn:
        rows = org_store.list_people(conn, unit)
    return [_person(r) for r in rows]


def letters_of(store: Store, signer: str) -> list[Letter]:
    """The letters a unit or a person signed, newest first."""
    with store.read_rows() as conn:
        rows = org_store.letters_of(conn, signer)
    return [_letter(r) for r in rows]


# --- services -------------------------------------------------------------------------------------

def _below_itself(units: dict[str, dict[str, Any]], code: str, parent: str) -> list[str] | None:
    """The chain from `parent` up to `code` when `code` would sit below itself, else None."""
    chain, at = [], parent
    while at and at in units and at not in chain:
        chain.append(at)
        if at == code:
            return chain
        at = units[at]["parent_code"]
    return None


def save_unit(store: Store, code: str, *, name: Any, level: Any, parent: Any = None,
              head: Any = None, posts: Any = None, actor: Actor, seen: int | None = None,
              new: bool = False) -> Unit:
    """Add a unit (`new`: refused if its code is taken) or change one (`seen`: the version the
    form was opened at), refused as importing its row of the units sheet would be, and refused
    if its parent is itself or a unit below it."""
    from readiness.audit import check_unchanged

    given = {"code": code, "name": name, "level": level, "parent": parent, "head": head,
             "posts": posts}
    with store.write(actor, f"org unit set {code}") as session:
        if not new:
            check_unchanged(session, "org_units", str(code).strip(), seen)
        values = read_row(ORG_TEMPLATE, "units", given, session, line=None, user=actor.user,
                          today=dt.date.today())
        code = values["code"]
        units = org_store.org_index(session)["units"]
        if new and code in units:
            raise FieldRefused(_column("units", "code"), "org.unit_exists", value=code)
        if values.get("parent") == code:
            raise FieldRefused(_column("units", "parent"), "org.own_parent", value=code)
        if values.get("parent"):
            chain = _below_itself(units, code, values["parent"])
            if chain is not None:
                raise FieldRefused(_column("units", "parent"), "org.parent_below",
                                   value=values["parent"], unit=code, chain=" → ".join(chain))
        org_store.upsert_units(session, [values])
        row = org_store.unit_row(session, code)
    assert row is not None
    return _unit(row)


def save_person(store: Store, staff_id: str, *, name: Any, unit: Any, post: Any = None,
                actor: Actor, seen: int | None = None, new: bool = False) -> Person:
    """Add a person (`new`: refused if the staff ID is taken) or change their name, unit or
    post (`seen`: the version the form was opened at), refused as importing their row of the
    people sheet would be; their education dates stay as they are."""
    from readiness.audit import check_unchanged

    given = {"staff_id": staff_id, "name": name, "unit": unit, "post": post}
    with store.write(actor, f"org person set {staff_id}") as session:
        if not new:
            check_unchanged(session, "people", str(staff_id).strip(), seen)
        values = read_row(ORG_TEMPLATE, "people", given, session, line=None, user=actor.user,
                          today=dt.date.today())
        staff_id = values["staff_id"]
        if new and org_store.person_row(session, staff_id) is not None:
            raise FieldRefused(_column("people", "staff_id"), "org.person_exists",
                               value=staff_id)
        org_store.save_person_fields(session, staff_id, {
            "name": values["name"], "unit_code": values["unit"], "post": values.get("post")})
        row = org_store.person_row(session, staff_id)
    assert row is not None
    return _person(row)


def record_education(store: Store, staff_id: str, *, company: Any = None, centre: Any = None,
                     team: Any = None, actor: Actor, seen: int | None = None,
                     today: dt.date | None = None) -> Person:
    """Set the dates of a person's company-, centre- and team-level safety education (blank:
    not yet), refused as importing their row of the people sheet with these dates would be
    (a date in the future among them)."""
    from readiness.audit import check_unchanged

    with store.write(actor, f"org education {staff_id}") as session:
        check_unchanged(session, "people", staff_id, seen)
        current = org_store.person_row(session, staff_id)
        if current is None:
            raise NotFound("org.person_not_found", staff_id=staff_id)
        given = {"staff_id": staff_id, "name": current["name"], "unit": current["unit_code"],
                 "post": current["post"], "education_company": company,
                 "education_centre": centre, "education_team": team}
        values = read_row(ORG_TEMPLATE, "people", given, session, line=None, user=actor.user,
                          today=today or dt.date.today())
        org_store.save_person_fields(session, staff_id, {k: values.get(k) for k in EDUCATION})
        row = org_store.person_row(session, staff_id)
    assert row is not None
    return _person(row)


def record_letter(store: Store, signer: str, *, countersigner: Any, signed_on: Any,
                  valid_until: Any, signatories: Any = None, actor: Actor,
                  today: dt.date | None = None) -> Letter:
    """Record a responsibility letter that `signer` (a unit ID or a staff ID) signed with the
    unit above, refused as importing its row of the letters sheet would be. The same signer,
    counter-signer and date signed is the same letter: its end date and signatories change."""
    given = {"signer": signer, "countersigner": countersigner, "signed_on": signed_on,
             "valid_until": valid_until, "signatories": signatories}
    with store.write(actor, f"org letter {signer}") as session:
        values = read_row(ORG_TEMPLATE, "letters", given, session, line=None, user=actor.user,
                          today=today or dt.date.today())
        people = set(org_store.org_index(session)["people"])
        org_store.upsert_letters(session, [values], people)
        row = next(x for x in org_store.letters_of(session, values["signer"])
                   if x["countersigner"] == values["countersigner"]
                   and str(x["signed_on"]) == values["signed_on"].isoformat())
    return _letter(row)
