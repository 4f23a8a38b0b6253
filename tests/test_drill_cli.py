"""`readiness drill …` and the drill workbooks, end to end on a store."""

from __future__ import annotations

import json

from openpyxl import load_workbook

from workbooks import make_workbook

RUN_HEAD = ["演练编号", "科目编号", "日期", "地点", "形式", "总指挥", "评估人", "参演单位"]
TASK_HEAD = ["演练编号", "关键任务", "评级", "用时(分钟)"]


def test_catalogue_json_contract(run, org_db) -> None:
    data = json.loads(run("drill", "catalogue", "--json", db=org_db).output)
    assert len(data) == 32
    first = data[0]
    assert set(first) >= {"id", "name", "category", "tier", "forms", "venue", "importance",
                          "likelihood", "must_do", "critical_tasks", "basis",
                          "required_by_regulation"}
    assert set(first["critical_tasks"][0]) == {"id", "name", "time_standard_min", "time_basis"}
    # the top 17 by rank, and every scenario the regulation requires drilled (on this line)
    applicable = [s for s in data if s["applicable"]]
    ranked = [s["id"] for s in applicable][:17]
    must = {s["id"] for s in data if s["must_do"]}
    assert must == set(ranked) | {s["id"] for s in applicable if s["required_by_regulation"]}
    assert first["id"] == "OP-TIMETABLE"


def test_pin_and_unpin(run, org_db) -> None:
    assert run("drill", "pin", "EM-SECTION-BLOCK", db=org_db).exit_code == 0
    assert run("drill", "pin", "OP-TICKETING", "--unpin", db=org_db).exit_code == 0
    data = {s["id"]: s for s in json.loads(run("drill", "catalogue", "--json", db=org_db).output)}
    assert data["EM-SECTION-BLOCK"]["must_do_reason"] == "pinned"
    assert not data["OP-TICKETING"]["must_do"]
    assert run("drill", "pin", "NOPE", db=org_db).output == "Error: no drill scenario 'NOPE'\n"


def record(run, db, *tasks, run_id="R-1", date="2026-10-01", scenario="EM-PSD-FAILURE",
           extra=()):
    return run("drill", "record", run_id, "--scenario", scenario, "--date", date, "--location",
               "S01", "--unit", "CT-KY", *[x for t in tasks for x in ("--task", t)], *extra,
               "--json", db=db)


def pdca_refs(db) -> list[str]:
    from readiness.store.core import Store
    from readiness.store.schema import PdcaItem

    with Store.open(db) as store, store.read() as s:
        return sorted(p.source_ref for p in s.query(PdcaItem))


def test_record_outcome_and_pdca_items_exactly_once(run, org_db) -> None:
    tasks = [t["id"] for t in next(s for s in json.loads(run("drill", "catalogue", "--json",
                                                          db=org_db).output)
                                   if s["id"] == "EM-PSD-FAILURE")["critical_tasks"]]
    result = record(run, org_db, f"{tasks[0]}=P/1", f"{tasks[1]}=M", f"{tasks[2]}=U")
    data = json.loads(result.output)
    assert data["outcome"] == "fail" and data["pdca_opened"] == 2
    again = json.loads(record(run, org_db, f"{tasks[0]}=P/1", f"{tasks[1]}=M",
                              f"{tasks[2]}=U").output)
    assert again["pdca_opened"] == 0
    assert pdca_refs(org_db) == [f"R-1/{tasks[1]}", f"R-1/{tasks[2]}"]
    early = json.loads(record(run, org_db, f"{tasks[0]}=U", run_id="R-0", date="2026-08-01",
                              extra=["--allow-outside"]).output)
    assert early["outcome"] == "void" and early["pdca_opened"] == 0
    bad = run("drill", "record", "R-2", "--scenario", "EM-PSD-FAILURE", "--date", "2026-10-02",
              "--task", "EM-PSD-FAILURE-T9=P", db=org_db)
    assert bad.output == ("Error: --task: scenario EM-PSD-FAILURE has no critical task "
                          "'EM-PSD-FAILURE-T9'\n")
    bad = run("drill", "record", "R-2", "--scenario", "EM-PSD-FAILURE", "--date", "2026-10-02",
              "--task", "EM-PSD-FAILURE-T1=X", db=org_db)
    assert bad.exit_code == 1 and "P, S, M or U" in bad.output


def test_runs_workbook_import_and_reimport(run, org_db, tmp_path) -> None:
    book = make_workbook(tmp_path / "runs.xlsx", {
        "演练记录": [RUN_HEAD, ["R-7", "EM-STATION-FIRE", "2026-10-20", "S01", "实战", "李明",
                              "陈静|刘洋", "CT-KY|CT-DD"]],
        "任务评估": [TASK_HEAD, ["R-7", "EM-STATION-FIRE-T1", "P", 1.5],
                     ["R-7", "EM-STATION-FIRE-T2", "S", 9]]})
    result = run("import", str(book), db=org_db)
    assert result.output.endswith("created 1, updated 0, unchanged 0, rejected 0\n"), result.output
    runs = json.loads(run("drill", "runs", "--json", db=org_db).output)
    assert runs[0]["outcome"] == "incomplete"  # not every critical task was rated
    refs = pdca_refs(org_db)
    assert refs == ["R-7/EM-STATION-FIRE-T2"] or all(r.startswith("R-7/") for r in refs)
    assert run("import", str(book), db=org_db).output.endswith("unchanged 1, rejected 0\n")
    assert pdca_refs(org_db) == refs


def test_runs_workbook_errors(run, org_db, tmp_path) -> None:
    book = make_workbook(tmp_path / "bad.xlsx", {
        "演练记录": [RUN_HEAD, ["R-8", "EM-NOPE", "2026-10-20", "S99", "实战"]],
        "任务评估": [TASK_HEAD, ["R-9", "EM-STATION-FIRE-T1", "Q", 1]]})
    result = run("import", str(book), db=org_db)
    assert result.output.splitlines()[:-1] == [
        "任务评估!2, 演练编号 (A): no run 'R-9' in the runs sheet",
        "任务评估!2, 评级 (C): 'Q' is not one of: Performed without challenges / Performed with "
        "some challenges / Performed with major challenges / Unable to be performed",
        "演练记录!2, 科目编号 (B): no drill scenario 'EM-NOPE'",
        "演练记录!2, 地点 (D): line 'L9' has no location 'S99'"]


def test_drill_sheet_is_importable(run, org_db, tmp_path) -> None:
    out = tmp_path / "sheet.xlsx"
    assert run("template", "drill-sheet", "EM-TRAIN-FIRE", "-o", str(out), db=org_db).exit_code == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["演练记录", "任务评估"]
    tasks = wb["任务评估"]
    assert tasks.max_row - 1 >= 3 and tasks["B2"].value == "EM-TRAIN-FIRE-T1"
    wb["演练记录"]["A2"] = "R-20"
    wb["演练记录"]["C2"] = "2026-11-02"
    wb["演练记录"]["E2"] = "live"
    for row in range(2, tasks.max_row + 1):
        tasks.cell(row, 1).value = "R-20"
        tasks.cell(row, 3).value = "P"
    wb.save(out)
    result = run("import", str(out), db=org_db)
    assert result.exit_code == 0, result.output
    assert json.loads(run("drill", "runs", "--json", db=org_db).output)[0]["outcome"] == "pass"


def test_plan_outputs_and_coverage(run, org_db, tmp_path) -> None:
    data = json.loads(run("drill", "plan", "--from", "2026-09-01", "--json", db=org_db).output)
    assert data["unplaced"] == [] or all(u["reason"] for u in data["unplaced"])
    assert data["first_day"] == "2026-09-01" and data["start_from"] == "option"
    ics, xlsx = tmp_path / "plan.ics", tmp_path / "plan.xlsx"
    assert run("drill", "plan", "-o", str(ics), "--save", db=org_db).exit_code == 0
    assert ics.read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")
    assert run("drill", "plan", "--from", "2026-09-01", "-o", str(xlsx), db=org_db).exit_code == 0
    assert load_workbook(xlsx).active.max_row == len(data["planned"]) + 1
    tasks = [f"EM-PSD-FAILURE-T{i}=P/1" for i in range(1, 7)]
    scenario = next(s for s in json.loads(run("drill", "catalogue", "--json", db=org_db).output)
                    if s["id"] == "EM-PSD-FAILURE")
    record(run, org_db, *tasks[: len(scenario["critical_tasks"])])
    cov = json.loads(run("drill", "coverage", "--json", db=org_db).output)
    psd = next(s for s in cov["scenarios"] if s["id"] == "EM-PSD-FAILURE")
    assert (psd["outcome"], psd["passed"]) == ("pass", True)
    assert cov["summary"]["drilled"] == 1 and cov["summary"]["passed"] == 1
    assert cov["tiers"]["on-site"]["covered"] and not cov["tiers"]["comprehensive"]["covered"]
    assert cov["categories"]["emergency"]["passed"] == 1


def test_catalogue_template_adds_a_scenario(run, org_db, tmp_path) -> None:
    book = make_workbook(tmp_path / "cat.xlsx", {
        "演练科目": [["科目编号", "名称", "类别", "预案层级", "形式", "场地", "重要程度", "发生概率"],
                   ["EM-WIND", "高架区段大风停运", "应急预案演练", "专项", "桌面|实战", "正线", 4, 2]],
        "关键任务": [["科目编号", "任务编号", "任务名称", "时间标准(分钟)"],
                   ["EM-WIND", "EM-WIND-T1", "行调发布停运命令", 2]]})
    result = run("import", str(book), db=org_db)
    assert result.exit_code == 0, result.output
    data = {s["id"]: s for s in json.loads(run("drill", "catalogue", "--json", db=org_db).output)}
    (task,) = data["EM-WIND"]["critical_tasks"]
    assert (task["id"], task["name"], task["time_standard_min"]) == ("EM-WIND-T1", "行调发布停运命令", 2)
    # a line's own scenario and time standard rest on the operator's policy
    assert [b["kind"] for b in task["time_basis"]] == ["operator-policy"]
    assert [b["kind"] for b in data["EM-WIND"]["basis"]] == ["operator-policy"]
    assert data["EM-WIND"]["required_by_regulation"] is False
    assert data["EM-WIND"]["forms"] == ["tabletop", "live"]
