"""A 20-line network store for the assessment and report benchmarks, built deterministically.

    python bench/gen_network.py OUT.db|postgresql+psycopg://…/EMPTY_DB [LINES]

Per line: the sample line's 50 locations; 5,000 hazards (the sample templates at their fitting
locations, each with its LEC evaluation, controls and mostly an acceptance at the required level);
the default drill catalogue with 100 runs rated task by task; 1,000 PDCA items in every phase with
their transitions; the opening checklist and phase history; 120 days of trial-run records;
10,000 inspection results over the last 30 days (rounds of 20 controls; one in twenty found
wanting, a hidden danger each), so most controls are checked and some are not.
Company-wide: 5,000 units, 50,000 people and their letters (`bench_org_check.organisation`, eight
centres renamed to the catalogue's centre codes). Every row is written and audited through
`Store.write` sessions, as in real use.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from drills import sample as drill_sample
from hazards.checks import material_snapshot, snapshot_hash
from hazards.sample import templates
from hazards.scoring import method, policy
from readiness.assessment.sample import days as trial_days
from readiness.checklist import PHASES
from readiness.checklist.sample import OWNER_UNITS, PHASE_DATES
from readiness.demo import sample_line
from readiness.lines import init_line
from readiness.pdca.sample import PROBLEMS
from readiness.store import checklist as checklist_store, drills as drill_store
from readiness.store import hazards as hazard_store
from readiness.store.core import Store, WriteSession
from readiness.store.schema import (
    Base, DrillRun, Location, OrgUnit, PdcaItem, PdcaTransition, Person, PhaseChange,
    ResponsibilityLetter, TaskEvaluation, TrialRunDay,
)
from readiness.actor import Actor

AS_OF = dt.date(2026, 11, 23)
HAZARDS, RUNS, ITEMS, DAYS = 5000, 100, 1000, 120
RESULTS, ROUND = 10_000, 20  # inspection results per line, controls per inspection
CENTRES = ["CT-KY", "CT-CW", "CT-DD", "CT-CL", "CT-GD", "CT-TH", "CT-GW", "CT-JD"]
LOOP = ["PLAN", "DO", "CHECK", "ACT", "CLOSED"]
WEAK_FIX = {"type": "engineering", "aspect": "equipment", "zh": "增设区间作业防护报警装置"}
VENUE_KINDS = {"station": "station", "main-line": "section", "depot-test-track": "depot",
               "control-centre": "control-centre"}


def network_org() -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_org_check import organisation

    units, people, letters, _ = organisation(5000, 50000)
    rename = {f"CT{i}": code for i, code in enumerate(CENTRES)}  # codes the catalogue uses
    r = lambda code: rename.get(code, code)  # noqa: E731
    units = {r(c): {**u, "code": r(c), "name": r(u["name"]), "parent_code": r(u["parent_code"])}
             for c, u in units.items()}
    people = {s: {**p, "unit_code": r(p["unit_code"])} for s, p in people.items()}
    letters = [{**x, "signer": r(x["signer"]), "countersigner": r(x["countersigner"]),
                "signer_is_person": x["signer"] in people, "signatories": None} for x in letters]
    members: dict[str, list[str]] = {}
    for s, p in people.items():
        members.setdefault(p["unit_code"], []).append(s)
    teams = [c for c, u in units.items() if u["level"] == "team"]
    return dict(units=units, people=people, letters=letters, members=members, teams=teams)


def hazards(session: WriteSession, line_id: int, n_line: int, org: dict[str, Any],
            locations: list[dict[str, Any]], loc_ids: dict[str, int]) -> None:
    """The sample templates (hazards/sample.py) in turn at their fitting locations."""
    lec, pol, units, teams = method("LEC"), policy(), org["units"], org["teams"]
    scored = [{**t, **dict(zip(("score", "level"), lec.evaluate(t["inherent"]))),
               **dict(zip(("residual_score", "residual_level"), lec.evaluate(t["residual"])))}
              for t in templates()]  # scored once: 100,000 hazards share 107 templates
    fits = [[x["code"] for x in locations if x["kind"] in t["location_kinds"]] for t in scored]
    rows = []
    for n in range(1, HAZARDS + 1):
        t, fitting = scored[n % len(scored)], fits[n % len(scored)]
        place = fitting[n // len(scored) % len(fitting)]
        team = teams[(n_line * HAZARDS + n) % len(teams)]
        owner = org["members"][team][n % len(org["members"][team])]
        interval = pol["review_days"][t["level"]]
        days_ago = (n * 7) % max(interval - 3, 1) + (interval + 5 if n % 29 == 0 else 0)
        extra = [WEAK_FIX] if t.get("finding") == "weak-controls" else []  # as in the sample
        rows.append({
            "code": f"H-{n:04d}", "location": place, "location_id": loc_ids[place],
            **{k: t[k] for k in ("specialty", "risk_category", "factor_category", "accident_type",
                                 "score", "level", "residual_score", "residual_level")},
            "activity": t["activity_zh"], "description": t["description_zh"],
            "causes": t.get("causes_zh"), "consequences": t.get("consequences_zh"),
            "owner_unit": team, "owner": owner, "status": "controlled",
            "last_review": AS_OF - dt.timedelta(days=days_ago), "method": "LEC",
            "linked_drills": list(t["drills"]), "factors": dict(t["inherent"]),
            "residual_factors": dict(t["residual"]),
            "controls": [{"type": c["type"], "aspect": c["aspect"], "description": c["zh"],
                          "owner": owner, "verification": "现场检查及记录核查",
                          "evidence": f"检查记录 JC-{n:04d}", "verified": n % 11 != 0}
                         for c in [*t["controls"], *extra]]})
    ids = hazard_store.insert_hazards(session, line_id, rows)
    acceptances = []
    for n, (hid, h) in enumerate(zip(ids, rows), start=1):
        h.update(hazard_id=hid, evaluated_on=h["last_review"], evaluator="安全质量部")
        if h["level"] != "major" and n % 23 == 0:
            continue  # not yet accepted: a gap for the checks, as in the sample
        unit = h["owner_unit"]
        while units[unit]["level"] != pol["approval_level"][h["residual_level"]] \
                and units[unit]["parent_code"]:
            unit = units[unit]["parent_code"]
        acceptances.append((hid, {
            "accepted_by": units[unit]["head_staff_id"], "org_level": units[unit]["level"],
            "accepted_on": AS_OF - dt.timedelta(days=20 + n % 40),
            "valid_until": dt.date(2027, 12, 31),
            "snapshot": material_snapshot(h), "snapshot_hash": snapshot_hash(h)}))
    hazard_store.insert_evaluations(session, rows)
    hazard_store.insert_controls(session, [
        {"hazard_id": h["hazard_id"], "control_type": c["type"], **c}
        for h in rows for c in h["controls"]])
    hazard_store.insert_acceptances(session, acceptances)


def drill_runs(session: WriteSession, line_id: int, handover: dt.date,
               locations: list[dict[str, Any]], loc_ids: dict[str, int]) -> None:
    scenarios = [s for s in drill_store.load_scenarios(session, line_id) if not s["fao_only"]]
    by_kind: dict[str, list[str]] = {}
    for loc in locations:
        by_kind.setdefault(loc["kind"], []).append(loc["code"])
    runs = []
    for k in range(RUNS):
        s = scenarios[k % len(scenarios)]
        places = by_kind.get(VENUE_KINDS.get(s["venue"], "station")) or by_kind["station"]
        entry = {"scenario": s["id"], "units": s["unit_kinds"], "location": places[k % len(places)],
                 "form": "live" if "live" in s["forms"] else s["forms"][0],
                 "date": (handover + dt.timedelta(days=1 + (k * 37) % 100)).isoformat()}
        # The first round carries the sample's deliberate findings; later rounds are clean repeats.
        runs.append({**drill_sample._run(k + 1, entry, s, rehearsal=k >= len(scenarios)),
                     "scenario_id": s["row_id"]})
    task_ids = {t["id"]: t["row_id"] for s in scenarios for t in s["critical_tasks"]}
    ids = session.insert_rows(DrillRun, [
        {"line_id": line_id, "code": r["id"], "scenario_id": r["scenario_id"], "run_on": r["date"],
         "location_id": loc_ids[r["location"]], "form": r["form"], "commander": r["commander"],
         "evaluators": r["evaluators"], "units": list(r["units"]), "notes": None} for r in runs])
    session.insert_rows(TaskEvaluation, [
        {"run_id": i, "task_id": task_ids[t["task"]], "rating": t["rating"],
         "minutes": t["minutes"], "evaluator": t["evaluator"], "notes": t["notes"]}
        for i, r in zip(ids, runs) for t in r["tasks"]], key_field="run_id")


def pdca(session: WriteSession, line_id: int, n_line: int, org: dict[str, Any]) -> None:
    teams, members, units = org["teams"], org["members"], org["units"]
    items = []
    for n in range(ITEMS):
        source, kind, cls, title, linked, _ = PROBLEMS[n % len(PROBLEMS)]
        team = teams[(n_line * 7919 + n * 13) % len(teams)]
        owner = members[team][n % len(members[team])]
        verifier = units[units[team]["parent_code"]]["head_staff_id"]
        stop = 4 if cls == "blocking" else (0, 1, 2, 3, 4, 4, 4, 1)[n % 8]
        opened = AS_OF - dt.timedelta(days=90 - n % 80)
        on = [opened + dt.timedelta(days=3 * k) for k in range(stop + 1)]
        due = AS_OF + dt.timedelta(days=-5 - n % 7 if n % 6 == 1 else 7 + n % 30)
        steps = [{"owner": owner, "due": due, "root_cause": "培训与规程交底不到位",
                  "action": "修订作业指导书并组织专项培训"},
                 {"done_note": "已完成整改", "evidence": f"整改记录 ZG-{n + 1:04d}"},
                 {"verifier": verifier, "verified_on": on[min(3, stop)], "verdict": "effective"},
                 {"standardisation": "已纳入作业标准", "closed_on": on[-1]}]
        item = {**dict.fromkeys(k for step in steps for k in step), "line_id": line_id,
                "code": f"P-{n + 1:04d}", "title": f"{title}（{n + 1}）", "description": title,
                "source": source, "source_ref": f"SY-{n + 1:04d}", "kind": kind,
                "item_class": cls, "hazards": [f"H-{n * 7 % HAZARDS + 1:04d}"] if linked else [],
                "owner_unit": team, "phase": LOOP[stop], "cycle": 1, "opened_on": opened,
                "phase_since": on[-1]}
        for step in steps[:stop]:  # the fields each step of the loop filled in
            item.update(step)
        items.append((item, on))
    ids = session.insert_rows(PdcaItem, [item for item, _ in items])
    session.insert_rows(PdcaTransition, [
        {"item_id": i, "cycle": 1, "from_phase": LOOP[k - 1] if k else None, "to_phase": LOOP[k],
         "on_date": day, "at": session.now, "username": session.user,
         "data": {"step": LOOP[k - 1].lower()} if k else {"opened": True}}
        for i, (_, on) in zip(ids, items) for k, day in enumerate(on)], key_field="to_phase")


def checklist(session: WriteSession, line_id: int, org: dict[str, Any]) -> None:
    """As readiness/checklist/sample.py: earlier phases verified, the current one mostly done."""
    units, current = org["units"], PHASES.index("pre-opening-assessment")
    for n, item in enumerate(checklist_store.load_items(session, line_id, phase_order=PHASES)):
        order = PHASES.index(item["phase"])
        unit = OWNER_UNITS.get(item["owner_kind"] or "", "HQ")
        owner = units[unit]["head_staff_id"]
        due = PHASE_DATES.get(PHASES[min(order + 1, len(PHASES) - 1)], dt.date(2026, 12, 13))
        changes: dict[str, Any] = {"owner_unit": unit, "owner": owner, "due": due}
        if order < current or (order == current and (item["blocking"] or n % 2)):
            changes.update(status="verified", evidence_ref=f"{item['id']} 归档号 AQ-{n + 1:03d}",
                           verifier="P0" if owner != "P0" else "P1",
                           verified_on=min(due - dt.timedelta(days=3 + n % 5), AS_OF))
        elif order == current:
            changes.update(status="done", evidence_ref=f"{item['id']} 记录待签认")
        checklist_store.update_item(session, item, changes)
    path = ["site-follow-up", "acceptance", "handover", "commissioning", "pre-opening-assessment"]
    session.insert_rows(PhaseChange, [
        {"line_id": line_id, "from_phase": a, "to_phase": b, "username": "运营总部",
         "at": dt.datetime.combine(PHASE_DATES[b], dt.time(9, 0)), "override": False,
         "reason": None} for a, b in zip(path, path[1:])], key_field="to_phase")


def inspections(session: WriteSession, line_id: int) -> None:
    """RESULTS results on the line's controls in register order, as the importer writes them."""
    from hazards.inspections import write_inspections

    register = hazard_store.load_register(session, line_id)
    ids = hazard_store.existing_codes(session, line_id)
    checks = [(h, c) for h in register for c in h["controls"]][:RESULTS]
    plans = []
    for n in range(0, len(checks), ROUND):
        day = AS_OF - dt.timedelta(days=1 + (n // ROUND) % 30)
        rows = []
        for k, (h, c) in enumerate(checks[n:n + ROUND], start=n):
            wanting = k % 20 == 7
            rows.append({"hazard_id": ids[h["id"]], "hazard": h["id"], "control_id": c["id"],
                         "result": "weakened" if wanting else "ok",
                         "finding": "措施执行不到位" if wanting else None,
                         "grade": "general" if wanting else None, "evidence": None})
        plans.append((None, {"code": f"PC-{line_id}-{n // ROUND + 1:05d}", "inspected_on": day,
                             "kind": "routine", "special_reason": None,
                             "inspector": checks[n][0]["owner"] or "bench",
                             "location_id": None}, rows))
    write_inspections(session, line_id, plans)


def build_network(path: str | Path, lines: int = 20) -> dict[str, Any]:
    """The network in a fresh SQLite file at `path`, or in the (empty) database at a URL."""
    started, is_url = time.perf_counter(), "://" in str(path)
    if not is_url:
        path = Path(path)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    data, org = sample_line(), network_org()
    line_data = data["line"]
    with Store.create(path) as store:
        with store.write(Actor("bench"), "gen_network org") as session:
            session.insert_rows(OrgUnit, list(org["units"].values()))
            session.insert_rows(Person, list(org["people"].values()), key_field="staff_id")
            session.insert_rows(ResponsibilityLetter, org["letters"], key_field="signer")
        for n in range(1, lines + 1):
            line = init_line(store, f"{n}号线", opening=line_data["planned_opening"],
                             handover=line_data["handover_date"], profile=line_data["profile"],
                             phase=line_data["phase"], actor=Actor("bench"))
            with store.write(Actor("bench"), f"gen_network line {n}") as session:
                ids = session.insert_rows(Location, [
                    {"line_id": line.id, "code": x["code"], "name": x["zh"], "kind": x["kind"],
                     "seq": x["order"], "note": x.get("note")} for x in data["locations"]])
                loc_ids = {x["code"]: i for x, i in zip(data["locations"], ids)}
                hazards(session, line.id, n, org, data["locations"], loc_ids)
                drill_runs(session, line.id, line_data["handover_date"], data["locations"], loc_ids)
                pdca(session, line.id, n, org)
                checklist(session, line.id, org)
                inspections(session, line.id)
                days = trial_days(AS_OF - dt.timedelta(days=DAYS), AS_OF - dt.timedelta(days=1))
                session.insert_rows(TrialRunDay, [{"line_id": line.id, **d} for d in days],
                                    key_field="day")
        with store.engine.connect() as conn:  # verified with SQL, not the generator's tally
            counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                      for t in Base.metadata.sorted_tables}
            per_line = {t: sorted({c for _, c in conn.execute(
                select(table.c.line_id, func.count()).group_by(table.c.line_id))})
                for t, table in Base.metadata.tables.items() if "line_id" in table.c}
    return {"db": str(path), "seconds": round(time.perf_counter() - started, 1), "counts": counts,
            "size_mb": None if is_url else round(Path(path).stat().st_size / 2**20, 1),
            "per_line": per_line}


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    result = build_network(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20)
    print(json.dumps(result, ensure_ascii=False, indent=2))
