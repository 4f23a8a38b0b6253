"""The library behind `readiness pdca`: open items, move them round the loop, list and chart.

Each command calls one function here; the functions take what the user typed (codes or labels,
dates, IDs, the acting person), refuse bad input naming the option, and return typed results
whose fields are the `--json` keys."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from readiness.results import OMIT_NONE
from readiness.actor import Actor
from readiness.errors import InvalidValue, coded
from readiness.pdca.loop import STEPS, advance
from readiness.pdca.views import (Burndown, ClosureWeek, OpenCounts, blocking_burndown, enrich,
                                  open_counts, weekly_closures)
from readiness.store import pdca as pdca_store
from readiness.store.core import Store, WriteSession
from readiness.store.hazards import set_needs_reevaluation
from readiness.store.lines import find_line



@dataclass(slots=True, frozen=True)
class Transition:
    """One move of an item round the loop: who moved it, when, with what."""

    cycle: int
    from_phase: str | None  # None: the item was opened
    to_phase: str
    on_date: dt.date  # the day it happened
    at: dt.datetime  # when it was recorded
    username: str
    data: dict[str, Any]  # the step's fields as given (dates as ISO text)


@dataclass(slots=True, frozen=True)
class PdcaItem:
    """A problem and where it stands in the loop, as of a date (`overdue`, `days_*`)."""

    id: str
    line: str | None
    title: str
    title_en: str | None = field(metadata=OMIT_NONE)  # only when the toolkit wrote one
    description: str | None
    source: str
    source_ref: str | None
    kind: str
    class_: str  # `--json` key "class"
    hazards: list[str]
    owner_unit: str | None
    owner: str | None
    due: dt.date | None
    phase: str
    cycle: int
    root_cause: str | None
    action: str | None
    done_note: str | None
    evidence: str | None
    verifier: str | None
    verified_on: dt.date | None
    verdict: str | None
    standardisation: str | None
    opened_on: dt.date
    phase_since: dt.date | None
    closed_on: dt.date | None
    transitions: list[Transition] | None = field(metadata=OMIT_NONE)  # one item shown
    overdue: bool
    days_overdue: int
    days_open: int | None
    days_in_phase: int | None


@dataclass(slots=True, frozen=True)
class BurndownReport:
    """What `pdca burndown` shows: the blocking burn-down, closures per week, open counts and
    the twenty items open longest."""

    line: str
    as_of: dt.date
    burndown: Burndown
    closure_rate: list[ClosureWeek]
    open: OpenCounts
    overdue: int
    aging: list[PdcaItem]


def _item(row: dict[str, Any], as_of: dt.date, line: str | None,
          transitions: list[Transition] | None = None) -> PdcaItem:
    """A stored item (a row of readiness.store.pdca) as callers see it: no row id."""
    e = enrich(row, as_of)
    return PdcaItem(
        id=row["id"], line=line, title=row["title"], title_en=row.get("title_en"),
        description=row["description"], source=row["source"], source_ref=row["source_ref"],
        kind=row["kind"], class_=row["class"], hazards=list(row["hazards"]),
        owner_unit=row["owner_unit"], owner=row["owner"], due=row["due"], phase=row["phase"],
        cycle=row["cycle"], root_cause=row["root_cause"], action=row["action"],
        done_note=row["done_note"], evidence=row["evidence"], verifier=row["verifier"],
        verified_on=row["verified_on"], verdict=row["verdict"],
        standardisation=row["standardisation"], opened_on=row["opened_on"],
        phase_since=row["phase_since"], closed_on=row["closed_on"], transitions=transitions,
        overdue=e["overdue"], days_overdue=e["days_overdue"], days_open=e["days_open"],
        days_in_phase=e["days_in_phase"])


def open_item(store: Store, line: str | None, data: dict[str, Any], *,
              actor: Actor, on: dt.date | None = None) -> PdcaItem:
    """Open a new item at PLAN, cycle 1, on `on` (default today). `data`: title (required),
    class (required), source and kind (default other), as codes or labels; source_ref,
    description, hazards, owner_unit, owner, due (a date), id (default the next P-NNNN)."""
    item = item_row(data, on)
    with store.write(actor, "pdca open") as session:
        found = find_line(session, line)
        (code,) = pdca_store.open_items(session, found.id, [item], on)
    return show_item(store, line, code)


def item_row(data: dict[str, Any], on: dt.date | None) -> dict[str, Any]:
    """A new item's row for `pdca_store.open_items`, its codes checked (data as `open_item`):
    for a service that opens an item inside its own write."""
    if not (data.get("title") or "").strip():
        raise InvalidValue("pdca.needs_title")
    return {"title": data["title"], "description": data.get("description"),
            "source": coded("pdca_source", "--source", data.get("source") or "other"),
            "source_ref": data.get("source_ref"),
            "kind": coded("pdca_kind", "--kind", data.get("kind") or "other"),
            "item_class": coded("pdca_class", "--class", data.get("class"), required=True),
            "hazards": list(data.get("hazards") or []), "owner_unit": data.get("owner_unit"),
            "owner": data.get("owner"), "due": data.get("due"), "opened_on": on,
            "code": data.get("id")}


def step(store: Store, line: str | None, code: str, step_name: str, data: dict[str, Any], *,
         actor: Actor, on: dt.date | None = None, today: dt.date | None = None,
         evidence_file: tuple[str, bytes] | None = None,
         seen: tuple[str, int] | None = None) -> PdcaItem:
    """Complete the item's current phase (plan, do, check or act) on `on` (default today) and
    move it on; a field given as None is not given. A check is verified on the day of the
    check step, which may not be after `today`; its verdict is a code or a label.
    `evidence_file` (name, content): a file kept in the store in the same write and cited in
    the step's evidence. `seen` (phase, cycle): the item as the user saw it; if it has moved on
    since (someone else took the step), the step is refused with where it is now."""
    if step_name not in STEPS:
        raise InvalidValue("option.bad_code", option="step", value=step_name,
                           allowed=" / ".join(STEPS))
    today = today or dt.date.today()
    on = on or today
    data = {k: v for k, v in data.items() if v is not None}
    if step_name == "check":
        if on > today:  # a verification is something that has happened
            raise InvalidValue("option.in_future", option="--on", value=on.isoformat(),
                               today=today.isoformat())
        data["verdict"] = coded("check_verdict", "--verdict", data.get("verdict"))
        data["verified_on"] = on
    if evidence_file is not None:
        from readiness.evidence import check_upload

        check_upload(*evidence_file)  # before the write: a refused file writes nothing
    with store.write(actor, f"pdca {step_name} {code}") as session:
        found = find_line(session, line)
        item = pdca_store.load_item(session, found.id, code)
        if seen is not None and (item["phase"], item["cycle"]) != tuple(seen):
            raise InvalidValue("pdca.moved_on", id=code, phase=item["phase"],
                               cycle=item["cycle"], seen=seen[0])
        if evidence_file is not None:
            from readiness.evidence import keep, reference

            kept = reference(keep(session, *evidence_file))
            data["evidence"] = f"{data['evidence']}; {kept}" if data.get("evidence") else kept
        apply_step(session, found.id, item, step_name, data, on)
    return show_item(store, line, code)


def apply_step(session: WriteSession, line_id: int, item: dict[str, Any], step_name: str,
               data: dict[str, Any], on: dt.date) -> dict[str, Any]:
    changes = advance(item, step_name, data, on)
    pdca_store.apply_changes(session, item, changes, step_name, on)
    if changes.get("phase") == "CLOSED" and item["hazards"]:
        # The fix may change the risk: the linked hazards are due for re-evaluation.
        set_needs_reevaluation(session, line_id, item["hazards"], True)
    return changes


def show_item(store: Store, line: str | None, code: str,
              as_of: dt.date | None = None) -> PdcaItem:
    """One item with every transition, as of `as_of` (default today)."""
    with store.read() as session:
        found = find_line(session, line)
        row = pdca_store.load_item(session, found.id, code)
        moves = [Transition(**t) for t in pdca_store.transitions(session, row["row_id"])]
    return _item(row, as_of or dt.date.today(), found.name, moves)


def list_items(store: Store, line: str | None, *, as_of: dt.date | None = None,
               item_class: str | None = None, phase: str | None = None,
               owner_unit: str | None = None, kind: str | None = None,
               source: str | None = None, overdue: bool = False,
               include_closed: bool = False) -> list[PdcaItem]:
    """Items (open ones unless `include_closed`), filtered; an owner unit includes its subtree.
    Class, phase, kind and source are codes or labels; an unknown one is refused naming its
    option (--class, --phase, --kind, --source)."""
    from readiness.org.accountability import load_org

    as_of = as_of or dt.date.today()
    wanted = {"class": coded("pdca_class", "--class", item_class),
              "phase": coded("pdca_phase", "--phase", phase),
              "kind": coded("pdca_kind", "--kind", kind),
              "source": coded("pdca_source", "--source", source)}
    with store.read() as session:
        found = find_line(session, line)
        rows = pdca_store.load_items(session, found.id)
        org = load_org(session) if owner_unit else None
    subtree = ({c for c in org.units if owner_unit in org.ancestors(c)} | {owner_unit}
               if org else set())
    filters = [(key, value) for key, value in wanted.items() if value]
    result = []
    for row in rows:  # one pass: filter first, then build only what is listed
        if not include_closed and row["phase"] == "CLOSED" and wanted["phase"] != "CLOSED":
            continue
        if any(row[key] != value for key, value in filters):
            continue
        if owner_unit and row["owner_unit"] not in subtree:
            continue
        item = _item(row, as_of, found.name)
        if overdue and not item.overdue:
            continue
        result.append(item)
    return result


def burndown_report(store: Store, line: str | None, as_of: dt.date | None = None,
                    weeks: int = 12) -> BurndownReport:
    """The blocking burn-down up to `as_of` (default today), with `weeks` (at least 1) of
    closures per week."""
    if weeks < 1:
        raise InvalidValue("option.below_minimum", option="--weeks", value=weeks, minimum=1)
    as_of = as_of or dt.date.today()
    with store.read() as session:
        found = find_line(session, line)
        rows = pdca_store.load_items(session, found.id)
    open_rows = [r for r in rows if r["phase"] != "CLOSED"]
    # the aging list has always shown no line name ("line": null): kept, --json is a contract
    aging = sorted((_item(r, as_of, None) for r in open_rows), key=lambda i: -(i.days_open or 0))
    return BurndownReport(
        line=found.name, as_of=as_of,
        burndown=blocking_burndown(rows, as_of, found.planned_opening),
        closure_rate=weekly_closures(rows, as_of, weeks), open=open_counts(rows),
        overdue=sum(1 for i in aging if i.overdue), aging=aging[:20])
