"""Who is responsible, up to whom, and have they signed: the library behind `readiness org`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hazards.results import NamedAcceptance
from readiness.dates import as_date
from readiness.errors import InvalidValue, NotFound, ReadinessError
from readiness.findings import Finding
from readiness.org.graph import LEVELS, Org, check_org
from readiness.store import org as org_store
from readiness.store.core import Store
from readiness.store.lines import line_row


# --- results (fields and their order are the `--json` keys) ---------------------------------------

@dataclass(slots=True, frozen=True)
class UnitView:
    """A unit in the tree (`org show`): its head, head count and its letter to its parent
    (`letter` "-" for a unit with no parent in the organisation)."""

    code: str
    name: str
    level: str
    parent: str | None
    depth: int
    head: str | None
    head_name: str | None
    people: int
    letter: str
    letter_valid_until: dt.date | None


@dataclass(slots=True, frozen=True)
class ChainLink:
    """One link of a chain of responsibility: a person to their unit, or a unit to its
    parent, with the status of the letter they signed (`from_` is shown as `from`)."""

    from_: str
    from_name: str
    from_level: str  # "person", or the unit's level
    to: str
    to_name: str | None
    to_level: str | None
    letter: str  # valid, expired, not-yet-valid or missing
    valid_until: dt.date | None


@dataclass(slots=True, frozen=True)
class HazardPath:
    """The chain from a hazard's owner up to the company (`org path`), and whether its residual
    risk was accepted at the level its risk level requires."""

    hazard: str
    description: str
    level: str | None
    residual_level: str | None
    owner: str | None
    owner_unit: str | None
    chain: list[ChainLink]
    reaches: str | None  # the top of the chain
    reaches_company: bool
    all_letters_valid: bool
    required_level: str | None
    acceptance: NamedAcceptance | None  # the one in force
    acceptance_ok: bool


@dataclass(slots=True, frozen=True)
class OwnedHazards:
    by_level: dict[str, int]  # every risk level, most severe first
    ids: list[str]


@dataclass(slots=True, frozen=True)
class UnitResponsibilities:
    """What a unit and everything below it is responsible for (`org owns`)."""

    unit: str
    name: str
    units: int  # the unit and those below it
    people: int
    hazards: OwnedHazards
    drills: list[str]
    pdca: list[str]  # open items only



def load_org(session: Any) -> Org:
    index = org_store.org_index(session)
    return Org(index["units"], index["people"], org_store.letters(session))


def check(store: Store, as_of: dt.date | None = None,
          limits: dict[str, Any] | None = None) -> list[Finding]:
    """Every organisation finding, with the owners of every line's hazards and PDCA items."""
    with store.read_rows() as session:
        org = load_org(session)
        owned = org_store.owned_items(session)
    return check_org(org, as_of or dt.date.today(), owned, limits)


def show(store: Store, as_of: dt.date | None = None) -> list[UnitView]:
    """Units top-down (depth-first), each with its head, size and its letter to its parent."""
    as_of = as_of or dt.date.today()
    with store.read_rows() as session:
        org = load_org(session)
    children: dict[str | None, list[str]] = {}
    for code, unit in sorted(org.units.items()):
        parent = unit["parent_code"] if unit["parent_code"] in org.units else None
        children.setdefault(parent, []).append(code)
    sizes: dict[str, int] = {}
    for person in org.people.values():
        sizes[person["unit_code"]] = sizes.get(person["unit_code"], 0) + 1
    rows: list[UnitView] = []
    seen: set[str] = set()

    def visit(code: str, depth: int) -> None:
        if code in seen:
            return
        seen.add(code)
        unit = org.units[code]
        status, letter = (org.letter(code, unit["parent_code"], as_of)
                          if unit["parent_code"] in org.units else ("-", None))
        head = org.people.get(unit["head_staff_id"] or "")
        rows.append(UnitView(code=code, name=unit["name"], level=unit["level"],
                             parent=unit["parent_code"], depth=depth, head=unit["head_staff_id"],
                             head_name=head["name"] if head else None,
                             people=sizes.get(code, 0), letter=status,
                             letter_valid_until=as_date(letter["valid_until"]) if letter else None))
        for child in children.get(code, []):
            visit(child, depth + 1)

    for root in children.get(None, []):
        visit(root, 0)
    for code in sorted(set(org.units) - seen):  # units caught in a cycle
        visit(code, 0)
    return rows


def path(store: Store, line: str | None, hazard_code: str,
         as_of: dt.date | None = None) -> HazardPath:
    """The chain from a hazard's owner up to the company, each link with its letter status,
    and whether the residual risk was accepted at the level its risk level requires."""
    from hazards.scoring import policy
    from readiness.store.hazards import load_register

    as_of = as_of or dt.date.today()
    with store.read_rows() as session:
        found = line_row(session, line)
        hazard = next((h for h in load_register(session, found.id, [hazard_code])), None)
        org = load_org(session)
    if hazard is None:
        raise NotFound("hazard.not_found", id=hazard_code)
    chain: list[ChainLink] = []
    person = org.people.get(hazard["owner"] or "")
    unit = hazard["owner_unit"]
    if person is not None:
        status, letter = org.letter(person["staff_id"], person["unit_code"], as_of)
        chain.append(_link(org, person["staff_id"], person["name"], "person",
                           person["unit_code"], status, letter))
        unit = person["unit_code"] if unit is None else unit
    for code in org.ancestors(unit):
        parent = org.units[code]["parent_code"]
        if parent not in org.units:
            break
        status, letter = org.letter(code, parent, as_of)
        chain.append(_link(org, code, org.units[code]["name"], org.units[code]["level"], parent,
                           status, letter))
    required = policy()["approval_level"].get(hazard["residual_level"] or "")
    acceptance = _acceptance(org, hazard["acceptance"]) if hazard["acceptance"] else None
    accepted_ok = bool(acceptance and required and
                       LEVELS.index(acceptance.org_level) <= LEVELS.index(required))
    top = org.ancestors(unit)[-1] if org.ancestors(unit) else None
    return HazardPath(
        hazard=hazard["id"], description=hazard["description"], level=hazard["level"],
        residual_level=hazard["residual_level"], owner=hazard["owner"],
        owner_unit=hazard["owner_unit"], chain=chain, reaches=top,
        reaches_company=bool(top and org.units[top]["level"] == LEVELS[0]),
        all_letters_valid=all(link.letter == "valid" for link in chain) and bool(chain),
        required_level=required, acceptance=acceptance, acceptance_ok=accepted_ok)


def _acceptance(org: Org, accepted: dict[str, Any]) -> NamedAcceptance:
    person = org.people.get(accepted["accepted_by"])
    return NamedAcceptance(**accepted, accepted_by_name=person["name"] if person else None)


def _link(org: Org, code: str, name: str, kind: str, to: str, status: str,
          letter: dict[str, Any] | None) -> ChainLink:
    target = org.units.get(to, {})
    return ChainLink(from_=code, from_name=name, from_level=kind, to=to,
                     to_name=target.get("name"), to_level=target.get("level"), letter=status,
                     valid_until=as_date(letter["valid_until"]) if letter else None)


def owns(store: Store, unit: str, lines: tuple[str, ...] | None = None) -> UnitResponsibilities:
    """What a unit and everything below it is responsible for, on every line or only on
    `lines` (what a reader limited to some lines may see)."""
    with store.read_rows() as session:
        org = load_org(session)
        if unit not in org.units:
            raise NotFound("org.unit_not_found", unit=unit)
        owned = [o for o in org_store.owned_items(session) if lines is None or o["line"] in lines]
    subtree = {code for code in org.units if unit in org.ancestors(code)}
    members = {p for p, person in org.people.items() if person["unit_code"] in subtree}
    mine = [o for o in owned if o.get("owner_unit") in subtree or o.get("owner") in members]
    by_level: dict[str, int] = {level: 0 for level in ("major", "significant", "general", "low")}
    for o in mine:
        if o["kind"] == "hazard" and o.get("level") in by_level:
            by_level[o["level"]] += 1
    return UnitResponsibilities(
        unit=unit, name=org.units[unit]["name"], units=len(subtree), people=len(members),
        hazards=OwnedHazards(by_level=by_level,
                             ids=[o["subject"] for o in mine if o["kind"] == "hazard"]),
        drills=sorted({o["subject"] for o in mine if o["kind"] == "drill"}),
        pdca=[o["subject"] for o in mine if o["kind"] == "pdca" and o.get("open", True)])


EXPORT_SUFFIXES = (".graphml", ".dot", ".svg")


def export(store: Store, output: str, as_of: dt.date | None = None, *, force: bool = False,
           lang: str | None = None) -> str:
    """Write the graph as .graphml, .dot or .svg, chosen by the file's suffix (an SVG's legend
    in `lang`); a file already there is replaced only with `force`."""
    import os
    from pathlib import Path

    from readiness.i18n import get_lang
    from readiness.org import render

    if os.path.exists(output) and not force:
        raise ReadinessError("output.exists", path=output)
    suffix = Path(output).suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise InvalidValue("org.bad_export_suffix", path=output)
    as_of = as_of or dt.date.today()
    with store.read_rows() as session:
        org = load_org(session)
    writers = {".graphml": lambda: render.to_graphml(org, as_of),
               ".dot": lambda: render.to_dot(org, as_of),
               ".svg": lambda: render.to_svg(org, as_of, lang or get_lang())}
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(writers[suffix](), encoding="utf-8")
    return output
