"""What a snapshot's report shows, frozen with the snapshot when it is taken.

Built once from the very rows the assessment read, so a report rendered later (in either
language) shows the snapshot as it was assessed, whatever changed in the store since. Codes are
kept as codes and texts in both languages; labels are rendered at report time. Stored compactly
(lists of rows as columns + values, compressed) beside the result of the snapshot.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import zlib
from collections import Counter
from typing import Any

from drills.coverage import coverage_of
from drills.outcome import assess_run
from readiness.errors import ReadinessError
from readiness.org.graph import Org
from readiness.pdca.views import burndown, closure_rate, enrich

TOP = 30  # rows in the HTML's summary lists; the workbook has them all
AXES = {"LEC": ("L", "C"), "LS": ("L", "S"), "882E": ("P", "S")}
VERSION = 1


def build(loaded: dict[str, Any], result: dict[str, Any], line: Any,
          as_of: dt.date) -> dict[str, Any]:
    """The report content (plain JSON-ready data) from what the assessment loaded (`loaded`:
    register, catalogue, runs, plan, items, days, checklist, changes, locations, org, findings)
    and its result."""
    register, org = loaded["register"], loaded["org"]
    locations = {loc["code"]: loc for loc in loaded["locations"]}
    items, checklist = loaded["items"], loaded["checklist"]
    settings = line.settings or {}
    hazards = _hazards(register, loaded["findings"], locations, org, as_of, settings)
    pdca = _pdca(items, as_of, line.planned_opening)
    people = _referenced_people(result, register, items, checklist, org)
    names = _names(register, loaded["catalogue"], items, checklist, locations, "zh")
    names_en = {k: v for k, v in _names(register, loaded["catalogue"], items, checklist,
                                        locations, "en").items() if names.get(k) != v}
    return {
        "version": VERSION,
        "line": {"name": line.name, "opening": _iso(line.planned_opening),
                 "handover": _iso(line.handover_date), "phase": line.phase,
                 "fully_automatic": line.fully_automatic,
                 "city_zh": settings.get("city_zh"), "city_en": settings.get("city_en")},
        "names": names, "names_en": names_en,
        "trial": {"days": _daily(loaded["days"]), "count": len(loaded["days"])},
        "hazards": hazards,
        "drills": _drills(loaded["catalogue"], loaded["runs"], loaded["plan"],
                          [h for h in register if h["level"] == "major"], line.handover_date),
        "pdca": pdca,
        "checklist": {"items": checklist,
                      "overrides": [c for c in loaded["changes"] if c["override"]],
                      "changes": loaded["changes"]},
        "org": {"units": {code: {k: u.get(k) for k in ("code", "name", "level", "parent_code",
                                                       "head_staff_id")}
                          for code, u in org.units.items()},
                "people": {code: {k: org.people[code].get(k) for k in ("staff_id", "name",
                                                                       "unit_code", "post")}
                           for code in sorted(people)},
                "letters": {code: _letter(org, code, u["parent_code"], as_of)
                            for code, u in org.units.items() if u["parent_code"] in org.units}},
        "empty": not (register or loaded["runs"] or items or loaded["days"]),
        "riskmap": _riskmap(loaded["locations"], register, loaded.get("open_dangers")),
    }


def _riskmap(locations: list[dict[str, Any]], register: list[dict[str, Any]],
             dangers: dict[str, dict[str, int]] | None) -> list[dict[str, Any]]:
    """The four-colour risk map's places in line order, as assessed (`dangers`: the open hidden
    dangers by place, when the assessment read them)."""
    from readiness.report.riskmap import places

    return [p.as_dict() for p in places(locations, register, dangers)]


def pack(content: dict[str, Any]) -> str:
    """The content as one compressed JSON document (text, so it fits a JSON column)."""
    from readiness.store.core import jsonable

    text = json.dumps(_columns(jsonable(content)), ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True)
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 6)).decode("ascii")


def unpack(packed: str) -> dict[str, Any]:
    return _rows(json.loads(zlib.decompress(base64.b64decode(packed)).decode("utf-8")))  # type: ignore[no-any-return]


class FrozenOrg(Org):
    """The organisation as a snapshot froze it: units, the people the report names, and the
    status of each unit's letter to its parent on the snapshot's date."""

    def __init__(self, frozen: dict[str, Any]) -> None:
        super().__init__(frozen["units"], frozen["people"], [])
        self.frozen_letters = frozen["letters"]

    def letter(self, signer: str, countersigner: str, as_of: dt.date
               ) -> tuple[str, dict[str, Any] | None]:
        status, valid_until = self.frozen_letters.get(signer) or ("missing", None)
        return status, ({"valid_until": valid_until} if valid_until else None)


def _letter(org: Org, code: str, parent: str, as_of: dt.date) -> list[Any]:
    status, letter = org.letter(code, parent, as_of)
    return [status, str(letter["valid_until"]) if letter else None]


def _referenced_people(result: dict[str, Any], register: list[dict[str, Any]],
                       items: list[dict[str, Any]], checklist: list[dict[str, Any]],
                       org: Org) -> set[str]:
    """The people the report names (the organisation may hold many more)."""
    codes: set[str] = set()
    for c in result.get("conditions", []):
        for x in c.get("conditions", []):
            codes.update(str(v) for v in (x.get("owner"), x.get("subject")) if v)
    for h in register:
        codes.update(v for v in (h.get("owner"), (h.get("acceptance") or {}).get("accepted_by"))
                     if v)
    codes.update(i["owner"] for i in items if i.get("owner"))
    codes.update(x["verifier"] for x in checklist if x.get("verifier"))
    return {c for c in codes if c in org.people}


def _names(register: list[dict[str, Any]], catalogue: list[dict[str, Any]],
           items: list[dict[str, Any]], checklist: list[dict[str, Any]],
           locations: dict[str, Any], lang: str) -> dict[str, str]:
    """The name the report shows beside each code of places, hazards, problems, safety points
    and scenarios (people and units are named from the frozen organisation)."""
    zh = lang == "zh"
    names = {code: loc["name"] for code, loc in locations.items()}
    names.update({h["id"]: _short(h["description"]) for h in register})
    names.update({i["code"]: _short(i["title"] if zh or not i.get("title_en") else i["title_en"])
                  for i in items})
    names.update({x["id"]: _short(x["text"] if zh or not x.get("text_en") else x["text_en"])
                  for x in checklist})
    names.update({s["id"]: (s.get("name_zh") if zh else s.get("name_en")) or s.get("name_zh") or ""
                  for s in catalogue})
    return names


def _short(text: str | None, width: int = 40) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _daily(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from readiness.assessment.trial import daily

    return daily(days)  # an infinite rate survives: the stored document is JSON text, not SQL JSON


def _matrix_axes(method_code: str, line_settings: dict[str, Any]) -> tuple[Any, ...]:
    """The matrix's (row factor, column factor, row values, column values) for the method most
    hazards are scored with: a shipped method or the line's own scale (`readiness scale add`)."""
    from hazards.scoring import method_for

    try:
        scoring = method_for(method_code, line_settings)
    except ReadinessError:  # a scale the line has since removed: no matrix
        return (*AXES.get(method_code, ("L", "C")), [], [])
    factors = scoring.factors
    if not factors:
        return (*AXES.get(method_code, ("L", "C")), [], [])
    row_axis, col_axis = AXES.get(method_code, (factors[0], factors[-1]))
    return (row_axis, col_axis, list(scoring.scales[row_axis].values),
            list(scoring.scales[col_axis].values))


def _hazards(register: list[dict[str, Any]], findings: list[Any], locations: dict[str, Any],
             org: Org, as_of: dt.date, line_settings: dict[str, Any]) -> dict[str, Any]:
    levels = Counter(h["level"] for h in register)
    residual = Counter(h["residual_level"] for h in register)
    # a directly judged hazard has no factors to place on the matrix
    method = Counter(h["method"] for h in register if h["method"] and h["factors"]).most_common(1)
    method_code = method[0][0] if method else "LEC"
    row_axis, col_axis, row_values, col_values = _matrix_axes(method_code, line_settings)
    cells: Counter[tuple[Any, Any]] = Counter()
    worst: dict[tuple[Any, Any], str] = {}
    order = ("major", "significant", "general", "low")
    for h in register:
        if h["method"] != method_code or not h["factors"]:
            continue
        key = (h["factors"].get(row_axis), h["factors"].get(col_axis))
        cells[key] += 1
        if h["level"] and (key not in worst or order.index(h["level"]) < order.index(worst[key])):
            worst[key] = h["level"]
    majors = []
    for h in sorted((h for h in register if h["level"] == "major"), key=lambda h: h["id"])[:TOP]:
        majors.append({"id": h["id"], "chain": _chain(org, h["owner"], h["owner_unit"], as_of)})
    return {"count": len(register), "levels": dict(levels), "residual": dict(residual),
            "by_specialty": Counter(h["specialty"] for h in register).most_common(),
            "by_kind": Counter((locations.get(h["location"]) or {}).get("kind")
                               for h in register).most_common(),
            "by_location": Counter(h["location_name"] for h in register).most_common(12),
            "matrix": {"method": method_code, "rows": row_axis, "cols": col_axis,
                       "row_values": row_values, "col_values": col_values,
                       "cells": [[r, c, n] for (r, c), n in cells.items()],
                       "worst": [[r, c, w] for (r, c), w in worst.items()]},
            "majors": majors, "major_total": levels.get("major", 0),
            "findings": dict(Counter(f.code for f in findings)), "register": register}


def _chain(org: Org, owner: str | None, unit: str | None, as_of: dt.date) -> list[dict[str, Any]]:
    """Who answers for a hazard, up to the company, with each letter as it stood on `as_of`."""
    chain = []
    person = org.people.get(owner or "")
    if person:
        chain.append({"code": person["staff_id"], "name": person["name"], "level": "person",
                      "letter": org.letter(person["staff_id"], person["unit_code"], as_of)[0]})
        unit = unit or person["unit_code"]
    for code in org.ancestors(unit):
        parent = org.units[code]["parent_code"]
        letter = org.letter(code, parent, as_of)[0] if parent in org.units else "-"
        chain.append({"code": code, "name": org.units[code]["name"],
                      "level": org.units[code]["level"], "letter": letter})
    return chain


def _drills(catalogue: list[dict[str, Any]], runs: list[dict[str, Any]],
            plan: list[dict[str, Any]], majors: list[dict[str, Any]],
            handover: dt.date | None) -> dict[str, Any]:
    coverage = coverage_of(catalogue, runs, majors, handover)
    outcomes: dict[str, Counter[str]] = {s["id"]: Counter() for s in coverage["scenarios"]}
    by_id = {s["id"]: s for s in catalogue}
    assessed = []
    for run in runs:
        outcome = assess_run(run, by_id[run["scenario"]], handover) \
            if run["scenario"] in by_id else {"outcome": None, "problems": []}
        if run["scenario"] in outcomes:
            outcomes[run["scenario"]][outcome["outcome"]] += 1
        assessed.append({"id": run["id"], "scenario": run["scenario"], "date": run["date"],
                         "location": run["location"], "outcome": outcome["outcome"],
                         "problems": "; ".join(f"{p['task']} {p['why']}"
                                               for p in outcome["problems"])})
    must = {s["id"] for s in catalogue if s.get("must_do")}
    plan = [{**p, "must_do": p["scenario"] in must} for p in plan]
    months: dict[str, list[dict[str, Any]]] = {}
    for p in plan:
        if p["scenario"] != "OP-TIMETABLE":
            months.setdefault(p["date"].isoformat()[:7], []).append(p)
    timetable = [p["date"] for p in plan if p["scenario"] == "OP-TIMETABLE"]
    return {"coverage": coverage, "outcomes": {k: dict(v) for k, v in outcomes.items()},
            "calendar": months, "timetable_days": [timetable[0], timetable[-1], len(timetable)]
            if timetable else None, "runs": assessed, "plan": plan}


def _pdca(items: list[dict[str, Any]], as_of: dt.date, opening: dt.date | None) -> dict[str, Any]:
    enriched = [{k: v for k, v in enrich(i, as_of).items() if k != "row_id"} for i in items]
    open_items = [i for i in enriched if i["phase"] != "CLOSED"]
    return {"items": enriched, "open": len(open_items),
            "blocking_open": [i["code"] for i in open_items if i["class"] == "blocking"],
            "aging": [i["code"] for i in sorted(open_items,
                                                key=lambda i: -(i["days_open"] or 0))[:TOP]],
            "overdue": sum(1 for i in open_items if i["overdue"]),
            "by_phase": dict(Counter(i["phase"] for i in enriched)),
            "burndown": burndown(items, as_of, opening),
            "closure": closure_rate(items, as_of, 12)}


# --- compact storage: a list of records as {"cols": [...], "rows": [[...], ...]} -------------------

def _columns(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _columns(v) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) > 1 and all(isinstance(v, dict) for v in value):
            cols = list(dict.fromkeys(k for v in value for k in v))
            return {"\x00cols": cols,
                    "rows": [[_columns(v.get(k)) for k in cols] for v in value],
                    "has": [[k in v for k in cols] for v in value]
                    if any(len(v) != len(cols) for v in value) else None}
        return [_columns(v) for v in value]
    return value


def _rows(value: Any) -> Any:
    if isinstance(value, dict):
        if "\x00cols" in value:
            cols, has = value["\x00cols"], value.get("has")
            return [{k: _rows(v) for i, (k, v) in enumerate(zip(cols, row))
                     if has is None or has[n][i]} for n, row in enumerate(value["rows"])]
        return {k: _rows(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rows(v) for v in value]
    return value
