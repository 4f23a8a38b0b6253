"""Inspection handbooks (隐患排查手册, one per post, 一岗一册), built from the hazard register.

Pure: the register (as `readiness.store.hazards.load_register` gives it) and the organisation
(units and people by code) in, typed records out; no store, no clock. The frequencies and the
default way of checking are data (hazards/data/inspection.toml, each figure with its basis).

Which post a control belongs to, first that applies:
1. its own owner (`control.owner`, a staff ID or a name unique among people) → that person's post;
2. otherwise (no owner, or one that is not a person of the organisation) the hazard's owner →
   their post;
3. otherwise the hazard's owner unit → the post of the unit's head; a unit without a head in the
   organisation gets one section for the unit as a whole (post None);
4. otherwise a section for controls no one owns (unit None, post None) — listed, never dropped.

A post is (unit code, post name): 值班站长 of two stations are two posts. Every control of the
register appears in exactly one post's handbook.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

from readiness.errors import InvalidValue

LEVELS = ("major", "significant", "general", "low")


@lru_cache(maxsize=1)
def policy() -> dict[str, Any]:
    """hazards/data/inspection.toml, checked: every level has a frequency of at least one day,
    every control type a default way of checking, each figure its basis."""
    from readiness import vocab
    from readiness.sources import SourceDataError, check_refs

    data = tomllib.loads(resources.files("hazards").joinpath("data/inspection.toml")
                         .read_text("utf-8"))
    where = "hazards/data/inspection.toml"
    check_refs(data.get("required_by"), f"{where} required_by")
    every = data["check_every_days"]
    check_refs(every.get("basis"), f"{where} check_every_days")
    for level in (*LEVELS, "unrated"):
        if not isinstance(every.get(level), int) or every[level] < 1:
            raise SourceDataError("sources.invalid", where=f"{where} check_every_days",
                                  reason=level)
    missing = [t for t in vocab.codes("control_type") if t not in data["check_how"]]
    if missing:
        raise SourceDataError("sources.invalid", where=f"{where} check_how", reason=str(missing))
    return data


def current_level(h: dict[str, Any]) -> str | None:
    """The level a hazard stands at now: its residual level, else its inherent one."""
    return h.get("residual_level") or h.get("level")


def default_every(level: str | None) -> int:
    every = policy()["check_every_days"]
    return int(every[level] if level in LEVELS else every["unrated"])


def default_how(control_type: str, lang: str = "zh") -> str:
    how = policy()["check_how"].get(control_type) or policy()["check_how"]["administrative"]
    return str(how[lang])


def default_what(description: str, lang: str = "zh") -> str:
    return str(policy()["check_what"][lang]).format(control=description)


class LateCheck(NamedTuple):
    """A control not checked at its frequency: when it fell due, what, and whose it is."""

    due: dt.date
    hazard: str
    control_id: int
    control: str
    owner_unit: str | None
    owner: str | None


@dataclass(frozen=True, slots=True)
class Entry:
    """One control in a post's handbook: what, how and how often to check it, and its hazard."""

    hazard: str  # hazard ID
    hazard_description: str | None
    level: str | None  # the hazard's current (residual) level
    location: str | None  # location ID
    location_name: str | None
    control_id: int
    control_type: str
    aspect: str | None
    control: str  # the control's description
    check_what: str
    check_how: str
    every_days: int
    what_given: bool  # False: the default from the description
    how_given: bool  # False: the default for the control's type
    every_given: bool  # False: the default for the hazard's level
    owner: str | None  # the staff ID the control falls to (None: a unit or no one)
    owner_name: str | None
    via: str  # control-owner, hazard-owner, owner-unit, unowned


@dataclass(frozen=True, slots=True)
class PostBook:
    """One post's handbook: the post, who holds it, and its controls."""

    unit: str | None  # unit code (None: controls no one owns)
    unit_name: str | None
    post: str | None  # post name (None: the unit as a whole, or no one)
    holders: list[str]  # names (staff IDs) of the people in this post of this unit
    entries: list[Entry]


@dataclass(frozen=True, slots=True)
class Handbook:
    line: str
    posts: list[PostBook]

    @property
    def controls(self) -> int:
        return sum(len(p.entries) for p in self.posts)


class _Org:
    """Lookups over the organisation: a person by staff ID or unique name, a unit's subtree."""

    def __init__(self, units: dict[str, dict[str, Any]],
                 people: dict[str, dict[str, Any]]) -> None:
        self.units, self.people = units, people
        names: dict[str, list[str]] = defaultdict(list)
        for staff_id, p in people.items():
            names[str(p.get("name") or "")].append(staff_id)
        self.unique_names = {n: ids[0] for n, ids in names.items() if len(ids) == 1 and n}

    def person(self, value: str | None) -> str | None:
        text = (value or "").strip()
        if not text:
            return None
        if text in self.people:
            return text
        return self.unique_names.get(text)

    def post_of(self, staff_id: str) -> tuple[str | None, str | None]:
        p = self.people[staff_id]
        return p.get("unit_code"), p.get("post") or None

    def unit(self, value: str) -> str | None:
        text = value.strip()
        if text in self.units:
            return text
        named = [code for code, u in self.units.items() if u.get("name") == text]
        return named[0] if len(named) == 1 else None

    def subtree(self, code: str) -> set[str]:
        children: dict[str, list[str]] = defaultdict(list)
        for c, u in self.units.items():
            if u.get("parent_code"):
                children[u["parent_code"]].append(c)
        found, todo = set(), [code]
        while todo:
            c = todo.pop()
            if c not in found:
                found.add(c)
                todo.extend(children.get(c, []))
        return found

    def posts(self) -> set[str]:
        known = {str(p) for u in self.units.values() for p in (u.get("posts") or []) if p}
        return known | {str(p["post"]) for p in self.people.values() if p.get("post")}


def _assign(c: dict[str, Any], h: dict[str, Any], org: _Org
            ) -> tuple[tuple[str | None, str | None], str | None, str]:
    """(unit, post), the staff ID and how the control came to that post (see the module doc)."""
    who = org.person(c.get("owner"))
    if who:
        return org.post_of(who), who, "control-owner"
    who = org.person(h.get("owner"))
    if who:
        return org.post_of(who), who, "hazard-owner"
    unit = h.get("owner_unit")
    if unit:
        head = (org.units.get(unit) or {}).get("head_staff_id")
        if head in org.people and org.people[head].get("unit_code") == unit:
            return org.post_of(head), head, "owner-unit"
        return (unit, None), None, "owner-unit"
    return (None, None), None, "unowned"


def build(register: list[dict[str, Any]], units: dict[str, dict[str, Any]],
          people: dict[str, dict[str, Any]], *, line: str = "", post: str | None = None,
          unit: str | None = None, lang: str = "zh") -> Handbook:
    """The handbooks of every post (or only the posts named `post`, of the unit `unit` — a code or
    a name — and the units under it). An unknown post or unit is refused naming its option."""
    org = _Org(units, people)
    units_wanted: set[str] | None = None
    if unit is not None:
        code = org.unit(unit)
        if code is None:
            raise InvalidValue("handbook.unknown_unit", value=unit)
        units_wanted = org.subtree(code)
    if post is not None:
        post = post.strip()
        if post not in org.posts():
            raise InvalidValue("handbook.unknown_post", value=post)
    books: dict[tuple[str | None, str | None], list[Entry]] = defaultdict(list)
    # where a control goes depends only on (its owner, the hazard's owner and unit): worked out
    # once per combination (a register has a few hundred owners, and hundreds of thousands of
    # controls); None for a post the filters leave out
    assigned: dict[tuple[Any, Any, Any], Any] = {}
    for h in register:
        level = h.get("residual_level") or h.get("level")  # current_level, inlined: 100,000 calls
        for c in h["controls"]:
            who_key = (c.get("owner"), h.get("owner"), h.get("owner_unit"))
            found = assigned.get(who_key, False)
            if found is False:
                found = _assign(c, h, org)
                if (units_wanted is not None and found[0][0] not in units_wanted) \
                        or (post is not None and found[0][1] != post):
                    found = None
                assigned[who_key] = found
            if found is None:
                continue
            key, who, via = found
            what, how, every = c.get("check_what"), c.get("check_how"), c.get("check_every_days")
            books[key].append(Entry(
                hazard=h["id"], hazard_description=h.get("description"), level=level,
                location=h.get("location"), location_name=h.get("location_name"),
                control_id=c["id"], control_type=c["type"], aspect=c.get("aspect"),
                control=c["description"],
                check_what=what or default_what(c["description"], lang),
                check_how=how or default_how(c["type"], lang),
                every_days=every or default_every(level),
                what_given=bool(what), how_given=bool(how), every_given=bool(every),
                owner=who, owner_name=(people.get(who) or {}).get("name") if who else None,
                via=via))
    holders: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)
    for staff_id, p in sorted(people.items()):
        holders[(p.get("unit_code"), p.get("post") or None)].append(f"{p.get('name')} {staff_id}")
    posts = [PostBook(unit=u, unit_name=(units.get(u) or {}).get("name") if u else None, post=p,
                      holders=holders.get((u, p), []),
                      entries=sorted(entries, key=lambda e: (e.hazard, e.control_id)))
             for (u, p), entries in books.items()]
    posts.sort(key=lambda b: (b.unit is None, b.unit or "", b.post is None, b.post or ""))
    return Handbook(line=line, posts=posts)


def largest_post(handbook: Handbook) -> PostBook | None:
    return max(handbook.posts, key=lambda b: len(b.entries), default=None)


def inspections_due(register: list[dict[str, Any]], last_checked: dict[int, dt.date],
                    start: dt.date | None, as_of: dt.date) -> list[LateCheck]:
    """The handbook entries not checked at their frequency as of `as_of`: each control of a hazard
    not eliminated whose last check (else `start`, when inspections became due) is more than its
    days between checks ago, ordered by the day it fell due."""
    late: list[LateCheck] = []
    if start is None and not last_checked:
        return late
    # a loop over every control of a network's lines, so kept lean: the defaults and the
    # cut-off days looked up once per frequency; a control is late when its last check (or
    # the start) is before as_of minus its frequency
    cutoffs: dict[int, tuple[dt.date, dt.timedelta]] = {}

    def cutoff(every: int) -> tuple[dt.date, dt.timedelta]:
        found = cutoffs.get(every)
        if found is None:
            step = dt.timedelta(days=every)
            found = cutoffs[every] = (as_of - step, step)
        return found

    by_level = {lv: cutoff(default_every(lv)) for lv in (*LEVELS, None)}
    checked = last_checked.get if last_checked else None
    for h in register:
        if h["status"] == "eliminated":
            continue
        default = by_level.get(h.get("residual_level") or h.get("level")) or by_level[None]
        for c in h["controls"]:
            every = c.get("check_every_days")
            last, step = cutoff(every) if every else default
            since = (checked(c["id"]) or start) if checked else start
            if since is not None and since < last:
                late.append(LateCheck(since + step, h["id"], c["id"], c["description"],
                                      h["owner_unit"], c.get("owner") or h["owner"]))
    late.sort()
    return late
