"""The organisation as a graph, and `readiness org check`.

Rules (Work Safety Law art. 22 and the operator's layered letters): one company at the root; each unit strictly below
its parent's level; every unit reachable from the root; every post filled; a valid responsibility
letter between each unit and its parent and between each person and their unit, level by level;
three-level safety education for everyone; every owner of a hazard, drill or PDCA item in the
organisation; no person or unit carrying more major hazards than the policy allows.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from readiness.dates import as_date
from readiness.findings import Finding
from readiness.vocab import codes

if TYPE_CHECKING:
    import networkx as nx

LEVELS = tuple(codes("org_level"))  # company … team
EDUCATION = (("education_company", "company"), ("education_centre", "centre"),
             ("education_team", "team"))


@lru_cache(maxsize=1)
def policy() -> dict[str, Any]:
    text = resources.files("readiness").joinpath("data/responsibility.toml").read_text("utf-8")
    return tomllib.loads(text)


@dataclass
class Org:
    """Units, people and letters as plain dicts, indexed for the checks."""

    units: dict[str, dict[str, Any]]
    people: dict[str, dict[str, Any]]
    letters: list[dict[str, Any]]
    by_signer: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        index: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for letter in self.letters:
            index[letter["signer"]].append(letter)
        self.by_signer = dict(index)

    def graph(self) -> nx.DiGraph:
        """Units as nodes, parent → child edges (a parent that does not exist is left out)."""
        import networkx as nx  # only the structure check needs it: listings skip the import

        g = nx.DiGraph()
        g.add_nodes_from((code, {"level": u["level"], "name": u["name"]})
                         for code, u in self.units.items())
        g.add_edges_from((u["parent_code"], code) for code, u in self.units.items()
                         if u["parent_code"] in self.units)
        return g

    def roots(self) -> list[str]:
        return sorted(code for code, u in self.units.items()
                      if not u["parent_code"] or u["parent_code"] not in self.units)

    def ancestors(self, unit: str | None) -> list[str]:
        """`unit`, its parent, … up to the root (stops at a cycle)."""
        chain: list[str] = []
        while unit and unit in self.units and unit not in chain:
            chain.append(unit)
            unit = self.units[unit]["parent_code"]
        return chain

    def letter(self, signer: str, countersigner: str, as_of: dt.date
               ) -> tuple[str, dict[str, Any] | None]:
        """The status of the letter `signer` signed with `countersigner` as of a date; the best
        of several (a renewed letter counts)."""
        found = [x for x in self.by_signer.get(signer, ()) if x["countersigner"] == countersigner]
        if not found:
            return "missing", None
        valid = [x for x in found if as_date(x["signed_on"]) <= as_of <= as_date(x["valid_until"])]
        if valid:
            return "valid", max(valid, key=lambda x: as_date(x["valid_until"]))
        future = [x for x in found if as_date(x["signed_on"]) > as_of]
        if future:
            return "not-yet-valid", min(future, key=lambda x: as_date(x["signed_on"]))
        return "expired", max(found, key=lambda x: as_date(x["valid_until"]))


# --- structure -------------------------------------------------------------------------------------

def structure(org: Org) -> list[Finding]:
    import networkx as nx

    found: list[Finding] = []
    roots = org.roots()
    if len(roots) > 1:
        found.append(Finding("org.multiple-roots", roots[0], {"roots": ", ".join(roots)}, roots))
    g = org.graph()
    in_cycle: set[str] = set()
    for cycle in nx.simple_cycles(g):
        in_cycle.update(cycle)
        start = cycle.index(min(cycle))  # the same text whichever unit networkx starts from
        cycle = cycle[start:] + cycle[:start]
        found.append(Finding("org.cycle", cycle[0], {"cycle": " → ".join([*cycle, cycle[0]])},
                             cycle))
    root = next((r for r in roots if org.units[r]["level"] == LEVELS[0]), roots[0] if roots else None)
    reachable = nx.descendants(g, root) | {root} if root else set()
    for code, unit in org.units.items():
        parent = org.units.get(unit["parent_code"] or "")
        if parent and unit["level"] in LEVELS and parent["level"] in LEVELS and \
                LEVELS.index(unit["level"]) <= LEVELS.index(parent["level"]):
            found.append(Finding("org.level-not-below-parent", code, {
                "level": ("org_level", unit["level"]), "parent": parent["code"],
                "parent_level": ("org_level", parent["level"])}))
        if code not in reachable and code not in in_cycle and code not in roots:
            found.append(Finding("org.unreachable", code, {"root": root or "-"}))
    return found


def posts_and_heads(org: Org) -> list[Finding]:
    found: list[Finding] = []
    filled: dict[str, set[str]] = defaultdict(set)
    for person in org.people.values():
        filled[person["unit_code"]].add(person["post"])
    for code, unit in org.units.items():
        head = org.people.get(unit.get("head_staff_id") or "")
        if head is None:
            found.append(Finding("org.head-missing", code, {"head": unit.get("head_staff_id") or "-"}))
        for post in unit.get("posts") or []:
            if post not in filled[code]:
                found.append(Finding("org.post-vacant", code, {"post": post}))
    return found


# --- letters and education ---------------------------------------------------------------------------

LETTER_CODES = {"missing": "org.letter-missing", "expired": "org.letter-expired",
                "not-yet-valid": "org.letter-not-yet-valid"}


def letters(org: Org, as_of: dt.date) -> list[Finding]:
    found: list[Finding] = []
    for code, unit in org.units.items():
        parent = unit["parent_code"]
        if parent and parent in org.units:
            found += _letter_finding(org, code, parent, as_of)
    for staff_id, person in org.people.items():
        if person["unit_code"] in org.units:
            found += _letter_finding(org, staff_id, person["unit_code"], as_of)
    return found


def _letter_finding(org: Org, signer: str, countersigner: str, as_of: dt.date) -> list[Finding]:
    status, letter = org.letter(signer, countersigner, as_of)
    if status == "valid":
        return []
    params: dict[str, object] = {"signer": signer, "countersigner": countersigner}
    if letter is not None:
        params.update(signed=str(letter["signed_on"]), until=str(letter["valid_until"]))
    return [Finding(LETTER_CODES[status], f"{signer}→{countersigner}", params)]


def education(org: Org) -> list[Finding]:
    found = []
    for staff_id, person in org.people.items():
        missing = [level for column, level in EDUCATION if not person.get(column)]
        if missing:
            found.append(Finding("org.education-missing", staff_id, {
                "name": person["name"], "levels": ("education_level", missing)}))
    return found


# --- owners and concentration ------------------------------------------------------------------------

def owners(org: Org, owned: list[dict[str, Any]]) -> list[Finding]:
    """`owned`: [{"kind", "subject", "owner_unit", "owner"}] for hazards, drills, PDCA items."""
    found = []
    for item in owned:
        for value, index in ((item.get("owner_unit"), org.units), (item.get("owner"), org.people)):
            if value and value not in index:
                found.append(Finding("org.owner-not-in-org", item["subject"],
                                     {"kind": ("owned_kind", item["kind"]), "owner": value}))
    return found


def concentration(org: Org, owned: list[dict[str, Any]], limits: dict[str, Any]) -> list[Finding]:
    """Too many major hazards on one person or unit; and people carrying major hazards who
    are the only one in their unit in their post, so nobody can stand in for them."""
    major = [o for o in owned if o["kind"] == "hazard" and o.get("level") == "major"]
    found = []
    for key, who, limit in (("owner", "person", limits["major_hazards_per_person"]),
                            ("owner_unit", "unit", limits["major_hazards_per_unit"])):
        for holder, count in sorted(Counter(o[key] for o in major if o.get(key)).items()):
            if count > limit:
                found.append(Finding("org.concentration", holder, {
                    "who": ("holder_kind", who), "count": count, "limit": limit},
                    [o["subject"] for o in major if o.get(key) == holder]))
    posts: dict[tuple[str, str], int] = Counter(
        (p["unit_code"], p["post"]) for p in org.people.values())
    sizes = Counter(p["unit_code"] for p in org.people.values())
    holders: dict[str, list[str]] = defaultdict(list)
    for o in major:  # who carries a major hazard with no deputy in the same post
        if o.get("owner") in org.people:
            holders[o["owner"]].append(o["subject"])
    for staff_id, subjects in sorted(holders.items()):
        person = org.people[staff_id]
        if posts[(person["unit_code"], person["post"])] == 1 and sizes[person["unit_code"]] > 1:
            found.append(Finding("org.sole-holder", staff_id, {
                "name": person["name"], "post": person["post"], "unit": person["unit_code"],
                "count": len(subjects)}, subjects))
    return found


def check_org(org: Org, as_of: dt.date, owned: list[dict[str, Any]] | None = None,
              limits: dict[str, Any] | None = None) -> list[Finding]:
    owned = owned or []
    return [*structure(org), *posts_and_heads(org), *letters(org, as_of), *education(org),
            *owners(org, owned), *concentration(org, owned, limits or policy())]


CODES = ("org.multiple-roots", "org.cycle", "org.level-not-below-parent", "org.unreachable",
         "org.head-missing", "org.post-vacant", "org.letter-missing", "org.letter-expired",
         "org.letter-not-yet-valid", "org.education-missing", "org.owner-not-in-org",
         "org.concentration", "org.sole-holder")
