"""The library behind `readiness pdca`: open items, move them round the loop, list and chart."""

from __future__ import annotations

import datetime as dt
from typing import Any

from readiness.actor import Actor
from readiness.errors import InvalidValue, coded
from readiness.pdca.loop import advance
from readiness.pdca.views import burndown, closure_rate, counts, enrich
from readiness.store import pdca as pdca_store
from readiness.store.core import Store, WriteSession
from readiness.store.hazards import set_needs_reevaluation
from readiness.store.lines import find_line


def open_item(store: Store, line: str | None, data: dict[str, Any], *,
              actor: Actor, on: dt.date | None = None) -> dict[str, Any]:
    """Open a new item at PLAN, cycle 1."""
    item = {"title": data["title"], "description": data.get("description"),
            "source": coded("pdca_source", "--source", data.get("source") or "other"),
            "source_ref": data.get("source_ref"),
            "kind": coded("pdca_kind", "--kind", data.get("kind") or "other"),
            "item_class": coded("pdca_class", "--class", data.get("class"), required=True),
            "hazards": list(data.get("hazards") or []), "owner_unit": data.get("owner_unit"),
            "owner": data.get("owner"), "due": data.get("due"), "opened_on": on, "code": data.get("id")}
    with store.write(actor, "pdca open") as session:
        found = find_line(session, line)
        (code,) = pdca_store.open_items(session, found.id, [item], on)
    return show_item(store, line, code)


def step(store: Store, line: str | None, code: str, step_name: str, data: dict[str, Any], *,
         actor: Actor, on: dt.date | None = None,
         today: dt.date | None = None) -> dict[str, Any]:
    """Complete the item's current phase (plan, do, check or act) and move it on. A check's
    verification date may not be after `today`."""
    today = today or dt.date.today()
    on = on or today
    if step_name == "check":
        data["verdict"] = coded("check_verdict", "--verdict", data.get("verdict"))
        data.setdefault("verified_on", on)
        if data["verified_on"] > today:
            raise InvalidValue("option.in_future", option="--on",
                               value=data["verified_on"].isoformat(), today=today.isoformat())
    with store.write(actor, f"pdca {step_name} {code}") as session:
        found = find_line(session, line)
        item = pdca_store.load_item(session, found.id, code)
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
              as_of: dt.date | None = None) -> dict[str, Any]:
    with store.read() as session:
        found = find_line(session, line)
        item = pdca_store.load_item(session, found.id, code)
        item["transitions"] = pdca_store.transitions(session, item["row_id"])
    item["line"] = found.name
    return _public(enrich(item, as_of or dt.date.today()))


def _public(item: dict[str, Any]) -> dict[str, Any]:
    """The item as `--json` shows it: dates as ISO text (items are flat, so no recursion)."""
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in item.items()
            if k not in ("row_id", "code")}


def list_items(store: Store, line: str | None, *, as_of: dt.date | None = None,
               item_class: str | None = None, phase: str | None = None,
               owner_unit: str | None = None, kind: str | None = None,
               source: str | None = None, overdue: bool = False,
               include_closed: bool = False) -> list[dict[str, Any]]:
    """Items (open ones unless `include_closed`), filtered; an owner unit includes its subtree."""
    from readiness.org.accountability import load_org

    as_of = as_of or dt.date.today()
    wanted = {"class": coded("pdca_class", "--class", item_class),
              "phase": coded("pdca_phase", "--phase", phase),
              "kind": coded("pdca_kind", "--kind", kind),
              "source": coded("pdca_source", "--source", source)}
    with store.read() as session:
        found = find_line(session, line)
        items = pdca_store.load_items(session, found.id)
        org = load_org(session) if owner_unit else None
    subtree = ({c for c in org.units if owner_unit in org.ancestors(c)} | {owner_unit}
               if org else set())
    filters = [(key, value) for key, value in wanted.items() if value]
    result = []
    for raw in items:  # one pass: filter first, enrich and convert only what is listed
        if not include_closed and raw["phase"] == "CLOSED" and wanted["phase"] != "CLOSED":
            continue
        if any(raw[key] != value for key, value in filters):
            continue
        if owner_unit and raw["owner_unit"] not in subtree:
            continue
        item = enrich(raw, as_of)
        if overdue and not item["overdue"]:
            continue
        item["line"] = found.name
        result.append(_public(item))
    return result


def burndown_report(store: Store, line: str | None, as_of: dt.date | None = None,
                    weeks: int = 12) -> dict[str, Any]:
    as_of = as_of or dt.date.today()
    with store.read() as session:
        found = find_line(session, line)
        items = pdca_store.load_items(session, found.id)
    enriched = [enrich(i, as_of) for i in items]
    open_items = [i for i in enriched if i["phase"] != "CLOSED"]
    aging = sorted(open_items, key=lambda i: -(i["days_open"] or 0))[:20]
    return {"line": found.name, "as_of": as_of.isoformat(),
            "burndown": burndown(items, as_of, found.planned_opening),
            "closure_rate": closure_rate(items, as_of, weeks), "open": counts(items),
            "overdue": sum(1 for i in open_items if i["overdue"]),
            "aging": [_public(i) for i in aging]}
