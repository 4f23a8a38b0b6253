"""Changing a hazard after it is added — its description, place, owner and other fields; one
control measure at a time; and asking a person to accept its residual risk.

The library behind `readiness hazard edit`, `hazard control edit|remove` and `hazard
request-acceptance`, and the forms on a hazard's web page. Each value is checked as `hazard add`
checks it (the same functions, the same words), the change is audited, a change to what an
acceptance was given on voids that acceptance, and with `seen` (the version the user opened,
`readiness.audit.version`) a save is refused when someone else changed the record meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hazards.checks import ORG_LEVELS, CheckContext, snapshot_hash, standing_level
from hazards.register import (CODED_FIELDS, REQUIRED_CODES, RefData, _fail_on, _required,
                              parse_accident_types, resolve_person, resolve_unit, show_hazard)
from hazards.results import Hazard
from readiness import vocab
from readiness.actor import Actor
from readiness.audit import check_unchanged
from readiness.errors import InvalidValue, NotFound, coded
from readiness.store import hazards as hazard_store
from readiness.store.lines import find_line, line_row
from readiness.store.org import find_person, org_index

if TYPE_CHECKING:
    from readiness.store.core import Store

# What `edit_hazard` may change (the first evaluation, scores and controls have their own calls).
EDITABLE = ("location", "specialty", "risk_category", "factor_category", "accident_type",
            "activity", "description", "causes", "consequences", "owner_unit", "owner",
            "review_days", "status", "notes")
TEXT_FIELDS = ("activity", "description", "causes", "consequences", "notes")
# A control's fields a user edits, and those an acceptance was given on.
CONTROL_FIELDS = ("type", "description", "aspect", "owner", "verification", "evidence",
                  "verified")


def edit_hazard(store: Store, line: str | None, code: str, *, actor: Actor,
                changes: dict[str, Any], seen: int | None = None) -> Hazard:
    """Change some fields of a hazard (keys of EDITABLE, values as a user types them: a code or
    either label, a location ID or name, a person's staff ID or name). Empty text clears an
    optional field; the description, specialty and category stay required."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise TypeError(f"edit_hazard: not editable: {', '.join(unknown)}")
    with store.write(actor, f"hazard edit {code}") as session:
        found = find_line(session, line)
        current = next(iter(hazard_store.load_register(session, found.id, [code])), None)
        if current is None:
            raise NotFound("hazard.not_found", id=code)
        check_unchanged(session, "hazards", code, seen, found.id)
        ref = RefData.load(session, found)
        codes: dict[int | None, str | None] = {}
        wanted = _checked(changes, ref, codes)
        row_id = hazard_store.hazard_row_id(session, found.id, code)
        before = hazard_store.hazard_columns(session, row_id, list(wanted))
        updates = {k: v for k, v in wanted.items() if before[k] != v}
        if not updates:
            return show_hazard(store, line, code)
        merged = {**current, **updates}
        if "location_id" in updates:
            merged["location"] = codes[updates["location_id"]]
        location_id = merged.get("location_id", _location_id(ref, current))
        same = hazard_store.same_hazard(session, found.id, merged["description"] or "",
                                        location_id, merged["specialty"])
        if same and same != code:
            raise InvalidValue("hazard.duplicate", id=same)
        hazard_store.update_hazards(session, [(row_id, code, {k: before[k] for k in updates},
                                               updates)])
        if current["acceptance"] and (current["acceptance"]["snapshot_hash"]
                                      != snapshot_hash(merged)):
            hazard_store.void_acceptances(session, [(row_id, code, "changed")])
    return show_hazard(store, line, code)


def _location_id(ref: RefData, h: dict[str, Any]) -> int | None:
    loc = ref.locations.by_code.get(h["location"]) if h["location"] else None
    return loc["id"] if loc else None


def _checked(changes: dict[str, Any], ref: RefData,
             locations: dict[int | None, str | None]) -> dict[str, Any]:
    """The stored columns the changes come to, each checked as `hazard add` checks it (a new
    location's code is put in `locations` by its row ID)."""
    given = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    wanted: dict[str, Any] = {}
    for key, set_name, option in CODED_FIELDS:
        if key in given:
            wanted[key] = coded(set_name, option, given[key] or None,
                                required=key in REQUIRED_CODES)
    if wanted.get("status", "x") is None:
        wanted["status"] = "controlled"
    if "accident_type" in given:
        types, unknown = parse_accident_types(given["accident_type"])
        if unknown:
            raise InvalidValue("option.bad_code", option="--accident-type", value=unknown[0],
                               allowed=vocab.OneOf("accident_type"))
        wanted["accident_types"], wanted["accident_type"] = types, types[0] if types else None
    errors: list[tuple[str, str, dict[str, Any]]] = []
    if "location" in given:
        if not given["location"]:
            raise _required("--location")
        loc = ref.locations.resolve(given["location"], errors)
        _fail_on(errors)
        wanted["location_id"] = loc["id"] if loc else None
        locations[loc["id"] if loc else None] = loc["code"] if loc else None
    for key in TEXT_FIELDS:
        if key in given:
            wanted[key] = given[key] or None
    if "description" in wanted and not wanted["description"]:
        raise _required("--description")
    if "owner_unit" in given:
        wanted["owner_unit"] = resolve_unit(given["owner_unit"] or None, ref, errors)
    if "owner" in given:
        wanted["owner"] = resolve_person(given["owner"] or None, ref, errors)
    if "review_days" in given:
        wanted["review_days"] = _days(given["review_days"], errors)
    _fail_on(errors)
    return wanted


def _days(value: Any, errors: list[tuple[str, str, dict[str, Any]]]) -> int | None:
    if value in (None, ""):
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if days <= 0:
        errors.append(("review_days", "hazard.bad_review_days", {"value": value}))
    return days


# --- one control measure ---------------------------------------------------------------------------

def edit_control(store: Store, line: str | None, code: str, number: int, *, actor: Actor,
                 changes: dict[str, Any], seen: int | None = None) -> Hazard:
    """Change the hazard's control number `number` (1 = first, as `hazard show` lists them):
    keys of CONTROL_FIELDS, `type` and `aspect` a code or either label. A new type or text voids
    an acceptance given on the old controls."""
    unknown = sorted(set(changes) - set(CONTROL_FIELDS))
    if unknown:
        raise TypeError(f"edit_control: not editable: {', '.join(unknown)}")
    wanted: dict[str, Any] = {}
    if "type" in changes:
        wanted["control_type"] = coded("control_type", "--type", changes["type"] or None,
                                       required=True)
    if "aspect" in changes:
        wanted["aspect"] = coded("control_aspect", "--aspect", changes["aspect"] or None)
    for key in ("description", "owner", "verification", "evidence"):
        if key in changes:
            wanted[key] = str(changes[key] or "").strip() or None
    if "description" in wanted and not wanted["description"]:
        raise InvalidValue("hazard.control_incomplete")
    if "verified" in changes:
        wanted["verified"] = bool(changes["verified"])
    with store.write(actor, f"hazard control edit {code} {number}") as session:
        row_id, control = _control(session, line, code, number, seen)
        updates = {k: v for k, v in wanted.items() if control[k] != v}
        if updates:
            hazard_store.update_controls(session, [(control["id"], code,
                                                    {k: control[k] for k in updates}, updates)])
            if {"control_type", "description"} & set(updates):
                hazard_store.void_acceptances(session, [(row_id, code, "controls-changed")])
    return show_hazard(store, line, code)


def remove_control(store: Store, line: str | None, code: str, number: int, *, actor: Actor,
                   seen: int | None = None) -> Hazard:
    """Take control number `number` off the hazard (its values stay in the audit trail); an
    acceptance given on the old controls is void."""
    with store.write(actor, f"hazard control remove {code} {number}") as session:
        row_id, control = _control(session, line, code, number, seen)
        hazard_store.delete_controls(session, [{**control, "hazard": code}])
        hazard_store.void_acceptances(session, [(row_id, code, "controls-changed")])
    return show_hazard(store, line, code)


def _control(session: Any, line: str | None, code: str, number: int,
             seen: int | None) -> tuple[int, dict[str, Any]]:
    found = find_line(session, line)
    row_id = hazard_store.hazard_row_id(session, found.id, code)
    controls = hazard_store.control_rows(session, row_id)
    if not 1 <= number <= len(controls):
        raise InvalidValue("hazard.no_control", id=code, number=number, count=len(controls))
    control = controls[number - 1]
    check_unchanged(session, "control_measures", control["id"], seen,
                    shown_as=f"{code} #{number}")
    return row_id, control


# --- asking for acceptance -------------------------------------------------------------------------

@dataclass(slots=True, frozen=True)
class AcceptanceRequest:
    """An open request that a person accept a hazard's residual risk."""

    hazard: str
    requested_of: str  # staff ID
    requested_of_name: str | None
    requested_by: str
    requested_on: dt.date
    note: str | None


def request_acceptance(store: Store, line: str | None, code: str, *, of: str, actor: Actor,
                       note: str | None = None, on: dt.date | None = None) -> AcceptanceRequest:
    """Ask a person (staff ID or a unique name) to accept the hazard's residual risk. Refused
    when the hazard is not scored, or the person's unit is below the level its residual risk
    needs (data: hazards/data/register.toml [approval_level]). A request already open to
    someone else is replaced: one person is asked at a time."""
    on = on or dt.date.today()
    with store.write(actor, f"hazard request-acceptance {code}") as session:
        found = find_line(session, line)
        current = next(iter(hazard_store.load_register(session, found.id, [code])), None)
        if current is None:
            raise NotFound("hazard.not_found", id=code)
        level = standing_level(current)
        if not level:
            raise InvalidValue("hazard.accept_unscored", id=code)
        person = find_person(session, of, "--of")
        unit = org_index(session)["units"].get(person["unit_code"])
        who = {"who": person["name"], "staff_id": person["staff_id"]}
        if unit is None:
            raise InvalidValue("hazard.accept_no_unit", unit=person["unit_code"], **who)
        required = CheckContext(as_of=on).approval_level.get(level)
        if required and ORG_LEVELS.index(unit["level"]) > ORG_LEVELS.index(required):
            raise InvalidValue("hazard.request_level_too_low", id=code, **who,
                               given=("org_level", unit["level"]),
                               required=("org_level", required), level=("risk_level", level))
        row_id = hazard_store.hazard_row_id(session, found.id, code)
        hazard_store.close_requests(session, row_id, code, "replaced", on)
        hazard_store.insert_request(session, {
            "hazard_id": row_id, "requested_by": session.user,
            "requested_of": person["staff_id"], "requested_on": on,
            "note": (note or "").strip() or None})
    return AcceptanceRequest(code, person["staff_id"], person["name"], actor.user, on,
                             (note or "").strip() or None)


def open_requests(store: Store, line: str | None, *, of: str | None = None,
                  codes: Sequence[str] | None = None) -> list[AcceptanceRequest]:
    """The line's open requests for acceptance (only those asked of `of`, a staff ID)."""
    with store.read_rows() as session:
        found = line_row(session, line)
        rows = hazard_store.acceptance_requests(session, found.id, of=of, codes=codes)
        people = org_index(session)["people"] if rows else {}
    return [AcceptanceRequest(r["code"], r["requested_of"],
                              (people.get(r["requested_of"]) or {}).get("name"),
                              r["requested_by"], r["requested_on"], r["note"]) for r in rows]


def asked_of(store: Store, staff_id: str) -> list[tuple[str, AcceptanceRequest]]:
    """(line, request) for every open request asked of this person, on every line, oldest first
    (a leader's list; the caller keeps the lines the reader may see)."""
    with store.read_rows() as session:
        rows = hazard_store.requests_asked_of(session, staff_id)
        people = org_index(session)["people"] if rows else {}
    return [(r["line"], AcceptanceRequest(r["code"], r["requested_of"],
                                          (people.get(r["requested_of"]) or {}).get("name"),
                                          r["requested_by"], r["requested_on"], r["note"]))
            for r in rows]


def versions(store: Store, line: str | None, code: str) -> dict[str, Any]:
    """The versions an edit form carries: the hazard's and each control's, in the order
    `hazard show` lists the controls."""
    from readiness.store.audit import row_version

    with store.read_rows() as session:
        found = line_row(session, line)
        row_id = hazard_store.hazard_row_id(session, found.id, code)
        return {"hazard": row_version(session, "hazards", code, found.id),
                "controls": [row_version(session, "control_measures", c["id"])
                             for c in hazard_store.control_rows(session, row_id)]}


def eligible_acceptors(store: Store, level: str | None,
                       line: str | None = None) -> list[dict[str, Any]]:
    """Whom a request for acceptance may go to, by unit level then staff ID: people whose unit is
    at or above the level a residual risk of `level` needs — and, once the store has accounts
    (acceptance then needs one), only those whose account may accept risk on `line`."""
    from readiness.accounts import allowed, list_accounts

    accounts = list_accounts(store)
    may_accept = {a.staff_id for a in accounts
                  if not a.disabled and allowed(a, "risk-accept", line)}
    with store.read_rows() as session:
        org = org_index(session)
    required = CheckContext(as_of=dt.date.today()).approval_level.get(level or "")
    top = ORG_LEVELS.index(required) if required else len(ORG_LEVELS) - 1
    found = []
    for person in org["people"].values():
        unit = org["units"].get(person["unit_code"])
        if accounts and person["staff_id"] not in may_accept:
            continue
        if unit and ORG_LEVELS.index(unit["level"]) <= top:
            found.append({**person, "level": unit["level"], "unit_name": unit["name"]})
    return sorted(found, key=lambda p: (ORG_LEVELS.index(p["level"]), p["staff_id"]))
