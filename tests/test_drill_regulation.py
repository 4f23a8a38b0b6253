"""Drills the regulation requires (交运规〔2024〕5号 第七条): must-do whatever their rank, the
joint drill where a line connects to a railway station or airport, rehearsals that are not a plan
tier, and the basis of every scenario and time standard."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from types import SimpleNamespace

from drills.catalogue import applies, default_catalogue, must_do, rank_key
from drills.coverage import coverage_of
from readiness import sources
from readiness.actor import Actor

ME = Actor("tester")
HANDOVER = dt.date(2026, 9, 1)
DRILLS = Path(__file__).resolve().parents[1] / "drills"
REGULATION = {"source": "JYG-2024-5", "article": "第七条", "kind": "regulation", "verified": True}
# the scenarios 第七条 says special plans must at least cover and drill
REQUIRED = {"EM-COLLISION", "RP-SWITCH-RUN", "EM-STRUCTURE", "RP-RAIL-BREAK", "EM-INTRUSION",
            "EM-SECTION-FLOOD", "EM-STATION-FLOOD", "RP-VEHICLE", "EM-STATION-POWER", "RP-POWER",
            "EM-COMMS", "OP-DEGRADED-SIG", "EM-LARGE-FLOW", "EM-INJURY", "EM-TRAIN-FIRE",
            "EM-STATION-FIRE", "EM-SECTION-FIRE", "EM-ROOM-FIRE", "EM-CYBER", "EM-TRAIN-SLIP",
            "EM-JOINT-HUB", "EM-FAO-MODE"}


def line_scenarios(fully_automatic: bool = False, connects: tuple[str, ...] = ()) -> list[dict]:
    """The shipped catalogue as line_catalogue marks it for such a line."""
    catalogue = [dict(s) for s in default_catalogue()]
    applicable = [s for s in catalogue if applies(s, fully_automatic, list(connects))]
    chosen = must_do(applicable)
    for s in catalogue:
        s.update(must_do=s["id"] in chosen, must_do_reason=chosen.get(s["id"]),
                 applicable=s in applicable)
    return sorted(catalogue, key=rank_key)


def passing_run(n: int, scenario: dict) -> dict:
    return {"id": f"R-{n}", "scenario": scenario["id"], "date": HANDOVER + dt.timedelta(days=n),
            "tasks": [{"task": t["id"], "rating": "P", "minutes": None, "evaluator": None}
                      for t in scenario["critical_tasks"]]}


# --- the catalogue's data ------------------------------------------------------------------------

def test_every_scenario_has_a_valid_basis_and_the_required_ones_cite_article_7() -> None:
    for s in default_catalogue():
        assert sources.check_refs(s["basis"], s["id"]) == s["basis"]
        assert sources.basis(s["basis"])[0]["document"]
        if s["required_by_regulation"]:
            assert REGULATION in s["basis"], s["id"]
    assert {s["id"] for s in default_catalogue() if s["required_by_regulation"]} == REQUIRED


def test_nothing_in_the_catalogue_or_the_drill_code_cites_a_development_document() -> None:
    pattern = re.compile(r"DOMAIN|原文[AB]|source text|西安|Xi'an|issue \d", re.IGNORECASE)
    for path in [DRILLS / "data" / "catalogue.toml", *sorted(DRILLS.glob("*.py"))]:
        hits = pattern.findall(path.read_text(encoding="utf-8"))
        assert hits == [], f"{path.name}: {hits}"
    assert "source" not in {k for s in default_catalogue() for k in s} - {"basis"}


def test_train_slip_is_in_the_catalogue_and_must_do_whatever_its_rank() -> None:
    catalogue = line_scenarios()
    slip = next(s for s in catalogue if s["id"] == "EM-TRAIN-SLIP")
    assert slip["name_zh"] == "列车打滑" and len(slip["critical_tasks"]) >= 3
    assert slip["tier"] == "special" and slip["objectives_zh"] and slip["unit_kinds"]
    ranked = [s["id"] for s in catalogue if s["applicable"]]
    assert ranked.index("EM-TRAIN-SLIP") >= 17  # outside the top 17 by rank
    assert (slip["must_do"], slip["must_do_reason"]) == (True, "regulation")


def test_time_standards_cite_their_basis_and_evacuation_is_the_design_reference() -> None:
    evacuation = []
    for s in default_catalogue():
        for task in s["critical_tasks"]:
            if task.get("time_standard_min") is None:
                assert task["time_basis"] is None
                continue
            kinds = {b["kind"] for b in task["time_basis"]}
            if "疏散完毕" in task["name_zh"]:  # the platform cleared
                evacuation.append(task)
            else:
                assert kinds == {"operator-policy"}, task["id"]
    assert {t["id"] for t in evacuation} == {"EM-STATION-FIRE-T5", "EM-TRAIN-FIRE-T4"}
    for task in evacuation:
        assert task["time_standard_min"] == 4
        assert task["time_basis"] == [{"source": "GB-51298-2018", "article": "§5.1.1",
                                       "kind": "standard", "verified": True}]
        assert "设计" in task["name_zh"] and "design" in task["name_en"]
    text = (DRILLS / "data" / "catalogue.toml").read_text(encoding="utf-8")
    assert "GB 50157" not in text and "GB-50157" not in text


# --- must-do and coverage ------------------------------------------------------------------------

def test_a_required_scenario_never_run_is_must_do_and_not_passed() -> None:
    """Every ranked must-do passed, but no run of 设备房火灾: the must-do criterion fails."""
    from readiness.assessment.criteria import must_do_drills

    catalogue = line_scenarios()
    ranked = [s for s in catalogue if s["must_do_reason"] == "rank"]
    assert "EM-ROOM-FIRE" not in {s["id"] for s in sorted(
        (s for s in catalogue if s["applicable"]), key=rank_key)[:17]}
    runs = [passing_run(n, s) for n, s in enumerate(ranked, start=1)]
    cov = coverage_of(catalogue, runs, [], HANDOVER)
    by_id = {s["id"]: s for s in cov["scenarios"]}
    assert all(by_id[s["id"]]["passed"] for s in ranked)
    room = by_id["EM-ROOM-FIRE"]
    assert (room["must_do"], room["passed"], room["must_do_reason"]) == (True, False, "regulation")
    assert room["required_by_regulation"] is True
    assert room["basis"][0]["document"] == "交运规〔2024〕5号" and room["basis"][0]["article"] == "第七条"
    status = must_do_drills(SimpleNamespace(coverage=cov), {})
    assert status["status"] == "fail" and "EM-ROOM-FIRE" in status["evidence"]


def test_coverage_makes_a_required_scenario_must_do_even_if_the_catalogue_did_not() -> None:
    catalogue = line_scenarios()
    for s in catalogue:
        s.update(must_do=False, must_do_reason=None)
    cov = coverage_of(catalogue, [], [], HANDOVER)
    must = {s["id"] for s in cov["scenarios"] if s["must_do"]}
    assert must == {s["id"] for s in catalogue if s["applicable"] and s["required_by_regulation"]}


def test_rehearsals_alone_do_not_satisfy_tier_coverage() -> None:
    catalogue = line_scenarios()
    by_id = {s["id"]: s for s in catalogue}
    assert {by_id["OP-TIMETABLE"]["tier"], by_id["OP-TICKETING"]["tier"]} == {"rehearsal"}
    runs = [passing_run(1, by_id["OP-TIMETABLE"]), passing_run(2, by_id["OP-TICKETING"])]
    cov = coverage_of(catalogue, runs, [], HANDOVER)
    assert set(cov["tiers"]) == {"comprehensive", "special", "on-site"}
    assert not any(t["covered"] or t["drilled"] for t in cov["tiers"].values())
    assert cov["categories"]["operation"]["passed"] == 2


def test_the_joint_drill_and_the_fao_drill_apply_only_where_the_line_has_them() -> None:
    plain = {s["id"]: s for s in line_scenarios()}
    assert not plain["EM-JOINT-HUB"]["applicable"] and not plain["EM-JOINT-HUB"]["must_do"]
    assert not plain["EM-FAO-MODE"]["applicable"]
    hub = {s["id"]: s for s in line_scenarios(connects=("airport",))}
    assert hub["EM-JOINT-HUB"]["applicable"]
    assert hub["EM-JOINT-HUB"]["must_do_reason"] == "regulation"
    fao = {s["id"]: s for s in line_scenarios(fully_automatic=True)}
    assert fao["EM-FAO-MODE"]["must_do_reason"] == "regulation"


# --- end to end ----------------------------------------------------------------------------------

def catalogue_json(run, db) -> dict[str, dict]:
    return {s["id"]: s for s in json.loads(run("drill", "catalogue", "--json", db=db).output)}


def test_connects_is_a_line_attribute_that_makes_the_joint_drill_must_do(run, org_db) -> None:
    assert not catalogue_json(run, org_db)["EM-JOINT-HUB"]["must_do"]
    result = run("line", "set", "--connects", "railway-station,airport", db=org_db)
    assert result.exit_code == 0, result.output
    shown = json.loads(run("line", "show", "--json", db=org_db).output)
    assert shown["connects"] == ["railway-station", "airport"]
    assert "Connects to: Railway station, Airport" in run("line", "show", db=org_db).output
    joint = catalogue_json(run, org_db)["EM-JOINT-HUB"]
    assert joint["must_do"] and joint["must_do_reason"] == "regulation" and joint["applicable"]
    cov = json.loads(run("drill", "coverage", "--json", db=org_db).output)
    assert "EM-JOINT-HUB" in {s["id"] for s in cov["scenarios"] if s["must_do"]}
    bad = run("line", "set", "--connects", "harbour", db=org_db)
    assert bad.exit_code != 0 and "--connects" in bad.output and "Traceback" not in bad.output
    assert run("line", "set", "--connects", "none", db=org_db).exit_code == 0
    assert json.loads(run("line", "show", "--json", db=org_db).output)["connects"] == []
    assert not catalogue_json(run, org_db)["EM-JOINT-HUB"]["must_do"]


def test_a_required_scenario_cannot_be_unpinned(run, org_db) -> None:
    result = run("drill", "pin", "EM-ROOM-FIRE", "--unpin", db=org_db)
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 and "第七条" in result.output, result.output
    zh = run("drill", "pin", "EM-ROOM-FIRE", "--unpin", db=org_db, lang="zh")
    assert zh.exit_code != 0 and "第七条" in zh.output and "EM-ROOM-FIRE" in zh.output
    assert catalogue_json(run, org_db)["EM-ROOM-FIRE"]["must_do"]


def test_run_results_show_the_time_standard_and_its_basis(run, org_db) -> None:
    tasks = [t["id"] for t in catalogue_json(run, org_db)["EM-STATION-FIRE"]["critical_tasks"]]
    out = run("drill", "record", "R-1", "--scenario", "EM-STATION-FIRE", "--date", "2026-10-01",
              "--location", "S01", *[x for t in tasks for x in ("--task", f"{t}=P/5")], "--json",
              db=org_db)
    assert out.exit_code == 0, out.output
    shown = {t["task"]: t for t in json.loads(out.output)["tasks"]}
    evac = shown["EM-STATION-FIRE-T5"]
    assert evac["time_standard_min"] == 4
    assert [(b["document"], b["article"]) for b in evac["time_basis"]] == [("GB 51298-2018",
                                                                           "§5.1.1")]
    late = {p["task"]: p for p in json.loads(out.output)["problems"]}
    assert late["EM-STATION-FIRE-T5"]["time_basis"][0]["kind"] == "standard"
    assert late["EM-STATION-FIRE-T2"]["time_basis"][0]["kind"] == "operator-policy"


def test_assessment_fails_must_do_while_room_fire_was_never_drilled(run, org_db) -> None:
    """`assess --json`: every other must-do drill passed, 设备房火灾 never run → DR-MUST-DO fails."""
    from drills.runs import record_run
    from readiness.store.core import Store, resolve_url

    catalogue = catalogue_json(run, org_db)
    must = [s for s in catalogue.values() if s["must_do"] and s["id"] != "EM-ROOM-FIRE"]
    with Store(resolve_url(org_db)) as store:
        for n, s in enumerate(must, start=1):
            record_run(store, None, f"R-{n}", scenario=s["id"], on=HANDOVER + dt.timedelta(days=n),
                       form=s["forms"][0], tasks=[f"{t['id']}=P" for t in s["critical_tasks"]],
                       actor=ME)
    data = json.loads(run("assess", "--as-of", "2026-12-01", "--json", db=org_db).output)
    (criterion,) = [c for c in data["criteria"] if c["id"] == "DR-MUST-DO"]
    assert criterion["status"] == "fail" and criterion["evidence"] == ["EM-ROOM-FIRE"]


def test_rows_stored_before_the_basis_was_kept_read_the_shipped_basis(run, org_db) -> None:
    """A store made before 0007 holds no basis: the shipped catalogue gives it by code (and
    whether the regulation requires the drill, and a rehearsal's tier); a line's own scenario
    is operator policy."""
    import sqlite3

    conn = sqlite3.connect(org_db)
    with conn:
        conn.execute("UPDATE drill_scenarios SET basis = NULL, required_by_regulation = 0")
        conn.execute("UPDATE drill_scenarios SET tier = 'special' WHERE code = 'OP-TIMETABLE'")
        conn.execute("UPDATE critical_tasks SET time_basis = NULL")
        conn.execute("UPDATE critical_tasks SET time_standard_min = 6 "
                     "WHERE code = 'EM-TRAIN-FIRE-T4'")
    conn.close()
    data = catalogue_json(run, org_db)
    room = data["EM-ROOM-FIRE"]
    assert room["required_by_regulation"] and room["must_do_reason"] == "regulation"
    assert (room["basis"][0]["document"], room["basis"][0]["article"]) == ("交运规〔2024〕5号", "第七条")
    assert data["OP-TIMETABLE"]["tier"] == "rehearsal"
    assert [b["kind"] for b in data["OP-TIMETABLE"]["basis"]] == ["practice"]
    fire = {t["id"]: t for t in data["EM-STATION-FIRE"]["critical_tasks"]}
    assert fire["EM-STATION-FIRE-T5"]["time_basis"][0]["document"] == "GB 51298-2018"
    # a time the line changed is its own rule, not the standard's
    train = {t["id"]: t for t in data["EM-TRAIN-FIRE"]["critical_tasks"]}
    assert train["EM-TRAIN-FIRE-T4"]["time_basis"][0]["kind"] == "operator-policy"


def test_the_catalogue_workbook_keeps_and_takes_a_basis(run, org_db, tmp_path) -> None:
    from workbooks import make_workbook

    head = ["科目编号", "名称", "类别", "预案层级", "形式", "场地", "重要程度", "发生概率", "依据"]
    task_head = ["科目编号", "任务编号", "任务名称", "时间标准(分钟)", "时间标准依据"]
    book = make_workbook(tmp_path / "cat.xlsx", {
        "演练科目": [head,
                   ["EM-ROOM-FIRE", "设备房火灾", "应急预案演练", "专项", "桌面|实战", "车站", 4, 3, None],
                   ["EM-WIND", "高架区段大风停运", "应急预案演练", "专项", "桌面|实战", "正线", 4, 2,
                    "JYG-2024-5 第七条; OPERATOR-POLICY"]],
        "关键任务": [task_head, ["EM-WIND", "EM-WIND-T1", "行调发布停运命令", 2, "GB-51298-2018 §5.1.1"]]})
    result = run("import", str(book), db=org_db)
    assert result.exit_code == 0, result.output
    data = catalogue_json(run, org_db)
    room = data["EM-ROOM-FIRE"]
    assert room["required_by_regulation"] and room["likelihood"] == 3
    assert room["basis"][0]["verified"] is True  # kept as shipped
    wind = data["EM-WIND"]
    assert [(b["document"], b["article"], b["verified"]) for b in wind["basis"]] == [
        ("交运规〔2024〕5号", "第七条", False), ("运营单位管理要求", "", False)]
    assert not wind["required_by_regulation"]
    assert wind["critical_tasks"][0]["time_basis"][0]["document"] == "GB 51298-2018"
    bad = make_workbook(tmp_path / "bad.xlsx", {
        "演练科目": [head, ["EM-WIND", "高架区段大风停运", "应急预案演练", "专项", "桌面", "正线", 4, 2,
                        "NOPE 第一条"]]})
    refused = run("import", str(bad), db=org_db)
    assert refused.exit_code != 0 and "依据" in refused.output and "NOPE" in refused.output


def test_the_plan_leaves_out_a_joint_drill_the_line_has_no_hub_for() -> None:
    from drills.plan import plan

    places = [{"code": "S01", "name": "站1", "kind": "station"},
              {"code": "Q01", "name": "区间1", "kind": "section"},
              {"code": "D01", "name": "车辆段试车线", "kind": "depot"}]

    def ids(catalogue):
        laid = plan(catalogue, places, HANDOVER, dt.date(2026, 12, 27), handover=HANDOVER,
                    opening=dt.date(2026, 12, 28), must_do={})
        return {p.scenario for p in laid.planned} | {u.scenario for u in laid.unplaced}

    assert "EM-JOINT-HUB" not in ids(default_catalogue())
    assert "EM-JOINT-HUB" not in ids(line_scenarios())
    assert "EM-JOINT-HUB" in ids(line_scenarios(connects=("railway-station",)))


def test_seed_adds_the_scenarios_a_newer_catalogue_brought_to_an_older_store(run, line_db) -> None:
    """A store made before 列车打滑 and the joint drill shipped gets them with `drill seed`; the
    line's other scenarios, and a second seed, are left alone; the change is audited."""
    import sqlite3

    with sqlite3.connect(line_db) as conn:  # a store made before this catalogue edition
        conn.execute("DELETE FROM critical_tasks WHERE scenario_id IN (SELECT id FROM "
                     "drill_scenarios WHERE code IN ('EM-TRAIN-SLIP', 'EM-JOINT-HUB'))")
        conn.execute("DELETE FROM drill_scenarios WHERE code IN ('EM-TRAIN-SLIP', 'EM-JOINT-HUB')")
    result = run("drill", "seed", db=line_db)
    assert result.exit_code == 0, result.output
    assert result.output == ("added 2 scenario(s) from the default catalogue to L9 (the line's "
                             "existing and edited scenarios are left as they are)\n"
                             "added: EM-TRAIN-SLIP, EM-JOINT-HUB\n")
    shown = json.loads(run("drill", "catalogue", "--json", db=line_db).output)
    slip = next(s for s in shown if s["id"] == "EM-TRAIN-SLIP")
    assert slip["required_by_regulation"] and slip["basis"][0]["article"] == "第七条"
    assert json.loads(run("drill", "seed", "--json", db=line_db).output) == {
        "line": "L9", "added": []}
    audit = json.loads(run("audit", "log", "--json", db=line_db).output)
    assert audit[0]["command"] == "drill seed"
    assert run("drill", "seed", db=line_db, lang="zh").output.startswith(
        "已为 L9 从默认演练科目库添加 0 个科目")
