"""The sample line's hidden-danger inspection (隐患排查治理) over its trial run.

Every control is checked at its handbook frequency (hazards.handbook: by the hazard's current
level) from the first day of the trial run to the demo day, each hazard's checks staggered so
that a post does not inspect everything on one day: routine rounds for the daily and weekly
checks, periodic ones for the monthly and quarterly, special ones before the National Day
holiday and in the flood season. Most results are ok; a few controls are found weakened, failed
or missing. The general hidden dangers found early are fixed round the PDCA loop and accepted;
the latest are open, one past its deadline. One major hidden danger, at the river-crossing
tunnel, was planned with the five fixes, reported, fixed and accepted at company level.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from hazards.handbook import default_every
from hazards.inspections import write_inspections
from readiness.pdca.items import apply_step, item_row
from readiness.store import dangers as danger_store
from readiness.store import hazards as hazard_store
from readiness.store import pdca as pdca_store
from readiness.store.core import WriteSession

HOLIDAY_CHECK = dt.date(2026, 9, 28)  # before the National Day holiday (国庆节前专项排查)
FLOOD_CHECK = dt.date(2026, 9, 5)  # the autumn flood peak (汛期专项排查)
MAJOR_AT = "Q17-18"  # the river-crossing section
MAJOR_FOUND = dt.date(2026, 9, 12)
# every Nth result is found wanting: (result, finding)
WANTING = ((173, "weakened", "措施执行不到位：记录缺项，现场抽查有人员未按规程操作"),
           (389, "failed", "设备功能试验未通过，需报修"),
           (1201, "missing", "现场未见该措施（标识或设施缺失）"))


def build(session: WriteSession, line_id: int, data: dict[str, Any], start: dt.date,
          as_of: dt.date) -> dict[str, int]:
    """Three months of inspections and the hidden dangers they found; counts."""
    register = hazard_store.load_register(session, line_id)
    locations = hazard_store.location_ids(session, line_id)
    hazard_ids = hazard_store.existing_codes(session, line_id)
    visits = _visits(register, start, as_of)
    codes = iter(range(1, len(visits) + 1))
    results = 0
    plans, wanting = [], []
    by_hazard = {h["id"]: h for h in register}
    for (day, owner, location, kind, reason), checks in sorted(visits.items(),
                                                              key=lambda v: (v[0][0], v[0][1])):
        header = {"code": f"PC-{day:%Y%m%d}-{next(codes):04d}", "inspected_on": day,
                  "kind": kind, "special_reason": reason, "inspector": owner,
                  "location_id": locations.get(location)}
        rows = []
        for h, c in checks:
            results += 1
            result, finding, grade = _outcome(results, h, c, day)
            rows.append({"hazard_id": hazard_ids[h["id"]], "hazard": h["id"],
                         "control_id": c["id"], "result": result, "finding": finding,
                         "grade": grade,
                         "evidence": f"巡检照片 {header['code']}" if result != "ok" else None})
            if result != "ok":
                wanting.append(by_hazard[h["id"]])
        plans.append((None, header, rows))
    # the dangers' IDs come back in the order of the results that found them
    found = list(zip(write_inspections(session, line_id, plans), wanting))
    _treat(session, line_id, data, found, as_of)
    return {"inspections": len(visits), "results": results, "dangers": len(found)}


def _visits(register: list[dict[str, Any]], start: dt.date, as_of: dt.date
            ) -> dict[tuple[Any, ...], list[tuple[dict[str, Any], dict[str, Any]]]]:
    """{(day, inspector, location, kind, reason): [(hazard, control)]}: each control checked
    every `every` days from a staggered first day, so its last check is within its frequency."""
    visits: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for n, h in enumerate(register):
        if not h["controls"] or h["status"] == "eliminated":
            continue
        level = h.get("residual_level") or h.get("level")
        for c in h["controls"]:
            every = c.get("check_every_days") or default_every(level)
            day = start + dt.timedelta(days=n % every)
            while day <= as_of:
                kind = "routine" if every <= 7 else "periodic"
                visits[(day, c["owner"] or h["owner"], h["location"], kind, None)].append((h, c))
                day += dt.timedelta(days=every)
        if n % 9 == 0:  # the holiday round looks at the stations' passenger-facing controls
            key = (HOLIDAY_CHECK, h["owner"], h["location"], "special", "国庆节前")
            visits[key] += [(h, c) for c in h["controls"]]
        if h["location"] == MAJOR_AT or (h["accident_type"] == "water-inrush" and n % 2 == 0):
            key = (FLOOD_CHECK, h["owner"], h["location"], "special", "汛期")
            visits[key] += [(h, c) for c in h["controls"]]
    return visits


def _outcome(n: int, h: dict[str, Any], c: dict[str, Any], day: dt.date
             ) -> tuple[str, str | None, str | None]:
    """(result, finding, grade) of the nth result of the run."""
    current = h.get("residual_level") or h.get("level")
    if day == MAJOR_FOUND and h["location"] == MAJOR_AT and current == "major" \
            and c["type"] == "engineering" and "防淹门" in c["description"]:
        return ("failed", "防淹门 2 号水位传感器失效，高水位联动关门试验未触发；越江段汛期高水位",
                "major")
    for every, result, finding in WANTING:
        if n % every == 0:
            return result, finding, "general"
    return "ok", None, None


def _treat(session: WriteSession, line_id: int, data: dict[str, Any],
           found: list[tuple[str, dict[str, Any]]], as_of: dt.date) -> None:
    """Plan, fix and accept what was found in time; leave the latest open (one overdue)."""
    units = {u["code"]: u for u in data["units"]}
    unit_of = {p["staff_id"]: p["unit"] for p in data["people"]}
    rows = {r["code"]: r for r in danger_store.load_dangers(session, line_id)}
    for code, hazard in found:
        row = rows[code]
        age = (as_of - row["found_on"]).days
        if row["grade"] == "general" and age <= 6:
            continue  # found this week: still open, within its deadline
        responsible = hazard["owner"]
        major = row["grade"] == "major"
        deadline = row["found_on"] + dt.timedelta(days=30 if major else 7)
        plan = {"measures": "更换失效传感器并复测防淹门联动；越江段汛期加密巡查" if major
                else "按规程整改并复查，组织班组培训",
                "responsible": responsible, "deadline": deadline,
                "funds": "专项维修资金 48 万元" if major else None,
                "contingency": "水位超警戒即提前关闭防淹门、越江区间停运，启动区间防汛应急预案"
                if major else None, "status": "planned"}
        item = item_row({"title": f"{code} {row['description'] or ''}".strip(),
                         "description": plan["measures"], "source": "inspection",
                         "source_ref": code, "class": "blocking" if major else "due-dated",
                         "hazards": [hazard["id"]], "owner_unit": unit_of.get(responsible),
                         "owner": responsible, "due": deadline},
                        row["found_on"] + dt.timedelta(days=1))
        (pdca,) = pdca_store.open_items(session, line_id, [item])
        plan["pdca_code"] = pdca
        if major:
            plan.update(reported_to="市交通运输局；公司职工代表大会",
                        reported_on=row["found_on"] + dt.timedelta(days=1))
        danger_store.update_danger(session, row, plan)
        overdue = not major and age <= 12  # fixed but not yet checked: past its deadline
        if overdue:
            continue
        fixed_on = row["found_on"] + dt.timedelta(days=5 if not major else 20)
        _close_item(session, line_id, pdca, responsible, fixed_on)
        acceptor = _acceptor(units, unit_of.get(responsible), "company" if major else "division",
                             responsible)
        danger_store.update_danger(session, {**row, **plan}, {
            "status": "closed", "accepted_by": acceptor,
            "accepted_on": fixed_on + dt.timedelta(days=1),
            "acceptance_note": "复测合格，同意销号" if not major
            else "防淹门联动复测合格，越江段专项巡查纳入汛期常态，同意销号"})


def _close_item(session: WriteSession, line_id: int, code: str, owner: str,
                fixed_on: dt.date) -> None:
    item = pdca_store.load_item(session, line_id, code)
    verifier = "900002" if owner != "900002" else "900003"
    steps = (("plan", {"root_cause": "巡检发现措施失效，原因已查明", "action": "整改并复测",
                       "owner_unit": item["owner_unit"], "owner": owner, "due": item["due"]}),
             ("do", {"done_note": "已完成整改", "evidence": f"整改记录 {code}"}),
             ("check", {"verifier": verifier, "verified_on": fixed_on, "verdict": "effective"}),
             ("act", {"standardisation": "纳入隐患排查手册复查"}))
    for k, (name, step) in enumerate(steps):
        changes = apply_step(session, line_id, item, name, step,
                             fixed_on - dt.timedelta(days=len(steps) - 1 - k))
        item = {**item, **changes}


def _acceptor(units: dict[str, dict[str, Any]], unit: str | None, level: str,
              responsible: str) -> str:
    """The head of the first unit at `level` or above over `unit`, other than `responsible`."""
    from readiness.org.graph import LEVELS

    code = unit
    while code and units[code]["parent"] and (
            LEVELS.index(units[code]["level"]) > LEVELS.index(level)
            or units[code]["head"] == responsible):
        code = units[code]["parent"]
    return str(units[code]["head"]) if code else "900001"
