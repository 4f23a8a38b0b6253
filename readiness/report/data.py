"""Everything a readiness report shows, as plain data: the content frozen with the snapshot
(`readiness.assessment.report_content`), in the reader's language.

The HTML report and the workbook are both rendered from this. The HTML summarises (top lists,
counts, charts) so that it stays small for a large network; the workbook carries the full rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from readiness.actor import Actor
from readiness import vocab
from readiness.assessment import report_content
from readiness.assessment.assess import assess, current_hash, localised
from readiness.assessment.assess import gather as assess_gather
from readiness.dates import iso
from readiness.errors import NotFound
from readiness.pdca.views import title
from readiness.store import assessment as snapshot_store
from readiness.store.core import Store
from readiness.store.lines import find_line


def snapshot_for(store: Store, line: str | None, snapshot_id: int | None,
                 *, actor: Actor | None, lang: str) -> dict[str, Any]:
    """The given snapshot (it must be the line's), else the line's latest, else a new
    assessment (a write, so only with an `actor`); with its whole result."""
    with store.read() as session:
        found = find_line(session, line)
        if snapshot_id is not None:
            snapshot = snapshot_store.get(session, snapshot_id)
            if snapshot["line_id"] != found.id:
                raise NotFound("assess.snapshot_not_found", id=snapshot_id)
            return snapshot
        latest = snapshot_store.latest_id(session, found.id)
        if latest is not None:
            return snapshot_store.get(session, latest)
    if actor is None:
        raise NotFound("report.no_snapshot", line=found.name)
    made = assess(store, found.name, actor=actor, lang=lang)
    assert made.snapshot is not None  # assessed with save
    with store.read() as session:
        return snapshot_store.get(session, made.snapshot)


def gather(store: Store, line: str | None = None, snapshot_id: int | None = None, *,
           actor: Actor | None = None, lang: str = "zh") -> dict[str, Any]:
    """The report of a snapshot in `lang`: the content frozen with it; its sign-offs and whether
    its inputs have changed since, as they stand now."""
    snapshot = snapshot_for(store, line, snapshot_id, actor=actor, lang=lang)
    as_of = snapshot["as_of"]
    with store.read() as session:
        found = find_line(session, line)
        signoffs = snapshot_store.signoffs(session, [snapshot["id"]]).get(snapshot["id"], [])
        packed = snapshot["result"].get("report")
        if packed is None:  # taken before snapshots kept their report: read the store as it is now
            read: dict[str, Any] = {}
            assess_gather(session, found, as_of, keep=read)
    # an older snapshot's content goes through the same JSON form as a packed one
    content = report_content.unpack(packed if packed is not None else
                                    report_content.pack(report_content.build(
                                        read, snapshot["result"], found, as_of)))
    stale = current_hash(store, found.id, as_of) != snapshot["inputs_hash"]
    generated = dt.datetime.now().replace(microsecond=0).isoformat(" ")
    data = view(content, snapshot, lang)
    data.update(generated=generated, stale=stale,
                signoffs=[{**s, "at": iso(s["at"]), "stale": stale} for s in signoffs],
                predates=None if packed is not None else generated)
    return data


def view(content: dict[str, Any], snapshot: dict[str, Any], lang: str) -> dict[str, Any]:
    """What the renderers read, in `lang`, from a snapshot and its report content."""
    zh = lang == "zh"
    result = localised({k: v for k, v in snapshot["result"].items() if k != "report"}, lang)
    as_of = snapshot["as_of"]
    org = report_content.FrozenOrg(content["org"])
    names = {code: p["name"] for code, p in org.people.items()}
    names.update({code: u["name"] for code, u in org.units.items()})
    names.update(content["names"])
    if not zh:
        names.update(content["names_en"])
    names.update({c["id"]: c.get("name_zh" if zh else "name_en") or ""
                  for c in result["criteria"]})
    result = {**result, "conditions": [
        {**c, "conditions": [_condition(x, names, org, lang) for x in c["conditions"]]}
        for c in result["conditions"]]}
    line = content["line"]
    hazards = dict(content["hazards"])
    by_id = {h["id"]: h for h in hazards["register"]}
    hazards["majors"] = [{**by_id[m["id"]], "chain": m["chain"]} for m in hazards["majors"]]
    matrix = hazards["matrix"]
    hazards["matrix"] = {**matrix, **_axis_values(matrix),
                         "cells": {(r, c): n for r, c, n in matrix["cells"]},
                         "worst": {(r, c): w for r, c, w in matrix["worst"]}}
    hazards["by_specialty"] = [tuple(x) for x in hazards["by_specialty"]]
    hazards["by_kind"] = [tuple(x) for x in hazards["by_kind"]]
    pdca = dict(content["pdca"])
    pdca["items"] = [{**i, "title": title(i, lang)} for i in pdca["items"]]
    by_code = {i["code"]: i for i in pdca["items"]}
    pdca["blocking_open"] = [by_code[c] for c in pdca["blocking_open"]]
    pdca["aging"] = [by_code[c] for c in pdca["aging"]]
    criteria = {c["id"]: c for c in result["criteria"] if c["area"] == "trial-run"}
    return {
        "lang": lang,
        "line": {"name": line["name"], "opening": line["opening"], "handover": line["handover"],
                 "phase": line["phase"], "profile": snapshot["profile"],
                 "fully_automatic": line["fully_automatic"],
                 "city": line["city_zh" if zh else "city_en"]},
        "snapshot": {k: iso(snapshot[k]) for k in ("id", "as_of", "taken_at", "inputs_hash",
                                                   "verdict", "profile")},
        "result": result,
        "trial": {**content["trial"], "window": result.get("window") or [],
                  "criteria": criteria, "indicators": result.get("indicators", {})},
        "hazards": hazards, "drills": content["drills"], "pdca": pdca,
        "checklist": content["checklist"], "org": org, "as_of": as_of, "names": names,
        "empty": content["empty"],
    }


def _condition(x: dict[str, Any], names: dict[str, str], org: Any, lang: str) -> dict[str, Any]:
    """A condition as the report shows it: its subject named, and the owner unit taken from the
    owner's own unit when the condition names only the person."""
    out = dict(x)
    subject = str(x.get("subject") or "")
    phases = subject.split("→")
    if len(phases) == 2 and all(p in vocab.codes("phase") for p in phases):
        out["subject_name"] = " → ".join(vocab.label("phase", p, lang) for p in phases)
    else:
        out["subject_name"] = names.get(subject, "")
    person = org.people.get(x.get("owner") or "")
    if not x.get("owner_unit") and person:
        out["owner_unit"] = person["unit_code"]
    return out


def label(set_name: str, code: Any, lang: str) -> str:
    return vocab.label(set_name, code, lang) if code else "-"


def _axis_values(matrix: dict[str, Any]) -> dict[str, list[Any]]:
    """The matrix's row and column values as the snapshot recorded them; a snapshot written before
    lines had their own scales names a shipped method, whose values are looked up."""
    if "row_values" in matrix:
        return {"row_values": matrix["row_values"], "col_values": matrix["col_values"]}
    from hazards.scoring import method

    try:
        scoring = method(matrix["method"])
        return {"row_values": list(scoring.scales[matrix["rows"]].values),
                "col_values": list(scoring.scales[matrix["cols"]].values)}
    except (ReadinessError, KeyError):  # a method no longer shipped: no matrix
        return {"row_values": [], "col_values": []}
