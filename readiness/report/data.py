"""Everything a readiness report shows, as plain data: the content frozen with the snapshot
(`readiness.assessment.report_content`), in the reader's language.

The HTML report and the workbook are both rendered from this. The HTML summarises (top lists,
counts, charts) so that it stays small for a large network; the workbook carries the full rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from readiness.actor import Actor
from readiness import sources, vocab
from readiness.assessment import report_content
from readiness.assessment.assess import assess, current_hash, localised
from readiness.assessment.assess import gather as assess_gather
from readiness.dates import iso
from readiness.errors import NotFound, ReadinessError
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
    result = {**result, "criteria": [{**c, "citations": citations(c, lang)}
                                     for c in result["criteria"]]}
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
        "checklist": {**content["checklist"], "items": [
            {**x, "chapter": x.get("chapter"), "area": x.get("area"),
             "citations": [_citation(b, lang) for b in _basis(x.get("basis"))]}
            for x in content["checklist"]["items"]]}, "org": org, "as_of": as_of, "names": names,
        "empty": content["empty"],
        "riskmap": content.get("riskmap"),  # None: a snapshot taken before the map was kept
        "chapters": chapters(result, lang), "legend": sources.legend(lang),
        "superseded": superseded_line(result, snapshot["profile"], lang),
    }


def _basis(refs: Any) -> list[dict[str, Any]]:
    """A stored basis as shown; one naming a document no longer known is left out."""
    try:
        return sources.basis(refs)
    except KeyError:
        return []


def citations(c: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """A criterion's basis as the report shows it: each document by number, title and article
    with its kind (whether an article was checked stays in the data, not in the reader's face);
    a snapshot taken before criteria had a basis shows its clause as written."""
    if c.get("basis"):
        return [_citation(b, lang) for b in c["basis"]]
    return [{"kind": None, "text": c["clause"], "short": c["clause"]}] if c.get("clause") else []


def _citation(b: dict[str, Any], lang: str) -> dict[str, Any]:
    """One basis entry: `text` the whole citation; `short` what follows the kind's tag (for a
    kind that is not a published document, its name is the tag, so only the article)."""
    text = sources.cite(b, lang)
    name = vocab.label("basis_kind", b["kind"], lang)
    own = b["kind"] in ("operator-policy", "practice", "toolkit-control") \
        and text.startswith(name) and text != name
    return {"kind": b["kind"], "text": text, "short": text[len(name):].strip() if own else text}


def chapters(result: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The criteria grouped by the spec's chapters, in its order, each with its score (a
    snapshot taken before criteria had a chapter: placed by their area)."""
    from readiness.assessment.profiles import area_chapters

    by_area = area_chapters()
    scores = result.get("chapters") or {}
    out = []
    for code in vocab.codes("assessment_chapter"):
        mine = [c for c in result["criteria"]
                if (c.get("chapter") or by_area.get(c["area"], "operational-readiness")) == code]
        if mine:
            applied = [c for c in mine if c["status"] != "not-applicable"]
            passed = sum(1 for c in applied if c["status"] == "pass")
            score = (scores.get(code) or {}).get("score") if code in scores else (
                round(100 * passed / len(applied), 1) if applied else None)
            out.append({"code": code, "name": vocab.label("assessment_chapter", code, lang),
                        "criteria": mine, "score": score, "passed": passed,
                        "applied": len(applied)})
    return out


def superseded_line(result: dict[str, Any], profile: str, lang: str) -> str | None:
    """The one line saying the snapshot's profile follows a superseded edition, else None (a
    snapshot taken before it recorded this: as the profile stands now)."""
    from readiness.assessment.profiles import superseded_notice
    from readiness.i18n import t

    info = result.get("superseded_notice")
    if info:
        return t("profile.superseded", lang, profile=info["profile"], document=info["document"],
                 replacement=info["replacement"])
    if result.get("superseded") is False:
        return None
    return superseded_notice(profile, result.get("superseded_by"), lang)


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
