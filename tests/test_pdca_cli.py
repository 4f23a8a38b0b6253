"""`readiness pdca …` and the PDCA workbook on a store."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from workbooks import make_workbook

HEAD = ["编号", "来源", "类型", "级别", "问题描述", "关联危险源", "责任单位", "责任人", "计划完成日期", "阶段",
        "原因分析", "整改措施", "完成情况及证据", "验证人", "验证日期", "验证结论", "标准化措施"]
KEYS = {"id", "source", "source_ref", "kind", "class", "phase", "cycle", "owner_unit", "owner",
        "due", "overdue"}


def j(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def open_item(run, db, *extra):
    return j(run("pdca", "open", "--title", "站台门误报", "--class", "blocking", "--source",
                 "trial-run", "--kind", "equipment-quality", *extra, "--json", db=db))


def test_full_loop_with_transitions_and_hazard_reevaluation(run, org_db) -> None:
    hazard = j(run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
                   "equipment", "--description", "站台门夹人", "--score", "L=3,E=6,C=7",
                   "--residual", "L=1,E=6,C=7", "--json", db=org_db))["id"]
    item = open_item(run, org_db, "--hazard", hazard, "--on", "2026-11-01")
    assert KEYS <= set(item) and (item["phase"], item["cycle"]) == ("PLAN", 1)
    code = item["id"]
    j(run("pdca", "plan", code, "--cause", "探测灵敏度设置过高", "--action", "厂家调整参数",
          "--owner-unit", "TM-KY1-01", "--owner", "900030", "--due", "2026-12-01", "--json",
          db=org_db))
    j(run("pdca", "do", code, "--done", "已调整", "--evidence", "调试记录", "--json", db=org_db))
    refused = run("pdca", "check", code, "--verifier", "900030", "--verdict", "有效", db=org_db)
    assert refused.output == ("Error: P-0001 cannot be verified by its owner 900030; the "
                              "verifier must be someone else\n")
    again = j(run("pdca", "check", code, "--verifier", "900020", "--verdict", "ineffective",
                  "--json", db=org_db))
    assert (again["phase"], again["cycle"]) == ("PLAN", 2)
    for cmd in (["plan", "--cause", "参数被复位", "--action", "固化参数"],
                ["do", "--done", "已固化", "--evidence", "记录"],
                ["check", "--verifier", "900020", "--verdict", "effective"],
                ["act", "--standardisation", "写入站台门维护规程"]):
        result = j(run("pdca", cmd[0], code, *cmd[1:], "--json", db=org_db))
    assert result["phase"] == "CLOSED" and result["cycle"] == 2
    moves = [(tr["from_phase"], tr["to_phase"], tr["cycle"]) for tr in result["transitions"]]
    assert moves == [(None, "PLAN", 1), ("PLAN", "DO", 1), ("DO", "CHECK", 1),
                     ("CHECK", "PLAN", 2), ("PLAN", "DO", 2), ("DO", "CHECK", 2),
                     ("CHECK", "ACT", 2), ("ACT", "CLOSED", 2)]
    assert all(tr["username"] == "tester" for tr in result["transitions"])
    findings = j(run("hazard", "check", "--json", db=org_db))
    assert "hazard.reevaluation-due" in {f["code"] for f in findings}
    j(run("hazard", "evaluate", hazard, "--score", "L=3,E=6,C=7", "--residual", "L=0.5,E=6,C=7",
          "--json", db=org_db))
    assert "hazard.reevaluation-due" not in {f["code"] for f in j(run("hazard", "check", "--json",
                                                                   db=org_db))}


def test_refusals_name_what_is_missing(run, org_db) -> None:
    code = open_item(run, org_db)["id"]
    assert run("pdca", "act", code, db=org_db).output == (
        f"Error: {code} is at PLAN, so 'act' is refused (act needs ACT); the next step is "
        "readiness pdca plan\n")
    assert run("pdca", "plan", code, "--cause", "x", db=org_db).output == (
        f"Error: {code} cannot 'plan' yet; missing: action (--action), owner unit (--owner-unit),"
        " owner (--owner), due date (--due)\n")
    zh = run("pdca", "plan", code, db=org_db, lang="zh").output
    assert "原因分析（--cause）" in zh


def test_list_filters_overdue_and_owner_subtree(run, org_db) -> None:
    # the items are opened today: dates relative to today keep the test true on any day
    today = dt.date.today()
    late, later = (today - dt.timedelta(days=22)).isoformat(), (today + dt.timedelta(days=29)).isoformat()
    a = open_item(run, org_db, "--owner-unit", "TM-KY1-01", "--due", late)["id"]
    b = open_item(run, org_db, "--owner-unit", "CT-KY", "--due", later)["id"]
    rows = j(run("pdca", "list", "--as-of", today.isoformat(), "--json", db=org_db))
    assert [(r["id"], r["overdue"]) for r in rows] == [(a, True), (b, False)]
    assert [r["id"] for r in j(run("pdca", "list", "--owner-unit", "DV-KY1", "--json",
                                   db=org_db))] == [a]
    assert [r["id"] for r in j(run("pdca", "list", "--owner-unit", "CT-KY", "--json",
                                   db=org_db))] == [a, b]
    assert [r["id"] for r in j(run("pdca", "list", "--overdue", "--as-of", today.isoformat(),
                                   "--json", db=org_db))] == [a]
    data = j(run("pdca", "burndown", "--as-of", today.isoformat(), "--json", db=org_db))
    assert data["burndown"]["open_blocking"] == 2 and data["burndown"]["forecast_zero"] is None


def test_import_moves_items_forward_and_rejects_an_illegal_row(run, org_db, tmp_path) -> None:
    ok = ["", "检查", "设备质量", "开通前必须整改", "S01 消防泵压力不足", "", "TM-KY1-01", "900030",
          "2026-12-01", "CHECK", "泵选型偏小", "更换水泵", "已更换，见记录", "", "", "", ""]
    book = make_workbook(tmp_path / "p.xlsx", {"问题整改": [HEAD, ok]})
    result = run("import", str(book), db=org_db)
    assert result.output.endswith("created 1, updated 0, unchanged 0, rejected 0\n"), result.output
    item = j(run("pdca", "show", "P-0001", "--json", db=org_db))
    assert item["phase"] == "CHECK" and len(item["transitions"]) == 3
    back = ["P-0001", *ok[1:9], "PLAN", *ok[10:]]
    missing = ["", "其他", "其他", "改进建议", "标识不统一", "", "", "", "", "DO", "", "", "", "", "",
               "", ""]
    bad = make_workbook(tmp_path / "bad.xlsx", {"问题整改": [HEAD, back, missing]})
    before = hashlib.sha256(Path(org_db).read_bytes()).hexdigest()
    result = run("import", str(bad), db=org_db)
    assert result.output.splitlines()[:-1] == [
        "问题整改!2, 阶段 (J): P-0001 is at CHECK and cannot go back to PLAN (the loop only "
        "moves forward; an ineffective check returns to PLAN)",
        "问题整改!3, 阶段 (J): (new) cannot 'plan' yet; missing: root cause (--cause), action "
        "(--action), owner unit (--owner-unit), owner (--owner), due date (--due)"]
    assert hashlib.sha256(Path(org_db).read_bytes()).hexdigest() == before


def test_export_then_import_changes_nothing(run, org_db, tmp_path) -> None:
    open_item(run, org_db, "--owner-unit", "TM-KY1-01", "--due", "2026-12-01")
    code = open_item(run, org_db)["id"]
    j(run("pdca", "plan", code, "--cause", "c", "--action", "a", "--owner-unit", "CT-KY",
          "--owner", "900010", "--due", "2026-12-15", "--json", db=org_db))
    out = tmp_path / "export.xlsx"
    assert run("export", "pdca", "-o", str(out), db=org_db).exit_code == 0
    before = hashlib.sha256(Path(org_db).read_bytes()).hexdigest()
    result = run("import", str(out), db=org_db)
    assert result.output.endswith("created 0, updated 0, unchanged 2, rejected 0\n"), result.output
    assert hashlib.sha256(Path(org_db).read_bytes()).hexdigest() == before
