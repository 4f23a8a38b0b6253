"""Hazard register workbook: template, import validation, re-import, export round trip, escaping."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from workbooks import make_workbook

ISSUE_HEADERS = [
    "编号 ID", "线路 Line", "位置 Location", "专业 Specialty", "风险类别 Risk category",
    "作业活动/设备 Activity", "危险源描述 Hazard", "危险因素类别 Factor category",
    "可能导致的事故 Accident type", "评价方法 Method", "L", "E", "C", "S", "风险等级 Level",
    "管控措施 Controls", "残余L Residual L", "残余E Residual E", "残余C Residual C",
    "残余S Residual S", "责任单位 Owner unit", "责任人 Owner", "复核周期(天) Review days",
    "上次复核日期 Last review", "关联演练 Linked drills", "状态 Status"]
H = ["编号", "位置", "专业", "风险类别", "危险源描述", "评价方法", "L", "E", "C", "残余L", "残余E",
     "残余C", "管控措施", "责任单位", "责任人", "上次复核日期"]


def row(code="H-0001", loc="S01", spec="站台门", cat="客运组织", desc="站台门夹人后列车启动",
        method="LEC", l=3, e=6, c=15, rl=1, re_=6, rc=15, controls="工程控制：防夹挡板\n司机瞭望",
        unit="TM-KY1-01", owner="900030", review="2026-10-01"):
    return [code, loc, spec, cat, desc, method, l, e, c, rl, re_, rc, controls, unit, owner, review]


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def hazards(run, db) -> list[dict]:
    result = run("hazard", "list", "--json", db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_template_has_the_contracted_sheets_headers_and_dropdowns(run, org_db, tmp_path) -> None:
    out = tmp_path / "h.xlsx"
    assert run("template", "hazards", "-o", str(out), db=org_db, lang="zh").exit_code == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["说明", "危险源台帐", "管控措施"]
    ws = wb["危险源台帐"]
    headers = [c.value for c in ws[1]]
    assert headers[: len(ISSUE_HEADERS)] == ISSUE_HEADERS
    assert ws.freeze_panes == "A2"
    assert str(ws["A2"].value).startswith("示例")  # the example row, skipped on import
    lists = {next(iter(dv.sqref.ranges)).coord.split(":")[0][0]: dv.formula1
             for dv in ws.data_validations.dataValidation}
    assert "站台门" in lists["D"] and "客运组织" in lists["E"] and "较大" in lists["O"]
    # a coded column refuses other words; the ledger's several accident types and its own level
    # words only get a note (the import reads them, `readiness line set --level-words`)
    styles = {next(iter(dv.sqref.ranges)).coord.split(":")[0][0]: (dv.errorStyle, dv.error)
              for dv in ws.data_validations.dataValidation}
    assert styles["D"] == ("stop", None)
    assert styles["I"][0] == styles["O"][0] == "information"
    assert "多个用 / 、 | 或换行分隔" in styles["I"][1] and "等级用词" in styles["O"][1]
    assert [c.value for c in wb["管控措施"][1]][:4] == ["危险源编号 Hazard ID", "类型 Type",
                                                       "人机环管 Aspect", "措施内容 Description"]
    info = "\n".join(str(r[0].value) for r in wb["说明"].iter_rows() if r[0].value)
    assert "危险源台帐" in info and "Hazards: one hazard per row" in info
    en = tmp_path / "en.xlsx"
    run("template", "hazards", "-o", str(en), db=org_db, lang="en")
    # the long English drop-downs read their values from a hidden list sheet, placed last
    assert load_workbook(en).sheetnames == ["Instructions", "Hazards", "Controls", "Lists"]


def test_filled_template_imports(run, org_db, tmp_path) -> None:
    out = tmp_path / "h.xlsx"
    run("template", "hazards", "-o", str(out), db=org_db)
    wb = load_workbook(out)
    ws = wb["Hazards"]
    ws.append([None, "L9", "S01", "psd", "passenger-operation", "列车进出站", "站台门夹人",
               "human-behavioural", "vehicle-injury", "LEC", 3, 6, 15, None, "significant",
               "engineering: 防夹挡板", 1, 6, 15, None, "CT-KY", "900010", None, "2026-10-01",
               "EM-PSD-FAILURE", "controlled"])
    wb.save(out)
    result = run("import", str(out), db=org_db)
    assert result.output.endswith("created 1, updated 0, unchanged 0, rejected 0\n"), result.output
    (h,) = hazards(run, org_db)
    assert (h["id"], h["level"], h["residual_level"], h["score"]) == (
        "H-0001", "significant", "general", 270.0)
    assert h["linked_drills"] == ["EM-PSD-FAILURE"] and h["controls"][0]["type"] == "engineering"


def test_import_creates_then_reimport_updates_with_new_evaluation(run, org_db, tmp_path) -> None:
    first = make_workbook(tmp_path / "a.xlsx", {"危险源台帐": [H, row(), row(code=None,
                                                                       desc="扶梯逆转")]})
    assert run("import", str(first), db=org_db).output.endswith(
        "created 2, updated 0, unchanged 0, rejected 0\n")
    assert [h["id"] for h in hazards(run, org_db)] == ["H-0001", "H-0002"]
    again = make_workbook(tmp_path / "b.xlsx", {"危险源台帐": [H, row(rl=0.5), row(code="H-0002",
                                                                              desc="扶梯逆转")]})
    result = run("import", str(again), db=org_db)
    assert result.output.endswith("created 0, updated 1, unchanged 1, rejected 0\n")
    shown = json.loads(run("hazard", "show", "H-0001", "--json", db=org_db).output)
    assert [e["residual_score"] for e in shown["history"]] == [90.0, 45.0]
    assert shown["residual_level"] == "low" and len(hazards(run, org_db)) == 2
    audit = json.loads(run("audit", "log", "--entity", "hazard_evaluations", "--json",
                           db=org_db).output)
    assert len(audit) == 3 and audit[0]["username"] == "tester"


def test_controls_sheet_details_controls(run, org_db, tmp_path) -> None:
    book = make_workbook(tmp_path / "c.xlsx", {
        "危险源台帐": [H, row(controls="防夹挡板")],
        "管控措施": [["危险源编号", "类型", "人机环管", "措施内容", "已验证"],
                 ["H-0001", "工程控制", "机", "防夹挡板", "是"],
                 ["H-0001", "应急处置", "管", "站台紧急停车按钮", "否"]]})
    assert run("import", str(book), db=org_db).exit_code == 0
    (h,) = hazards(run, org_db)
    assert [(c["type"], c["aspect"], c["description"], c["verified"]) for c in h["controls"]] == [
        ("engineering", "equipment", "防夹挡板", True),
        ("emergency", "management", "站台紧急停车按钮", False)]


BAD_CASES = [
    ("wrong type", row(review="上周"), "危险源台帐!2, 上次复核日期 (P): '上周' is not a date (use YYYY-MM-DD)"),
    ("off-scale", row(l=4), "危险源台帐!2, L (G): LEC L cannot be 4; allowed: 10, 6, 3, 1, 0.5, 0.2, 0.1"),
    ("unknown location", row(loc="S99"), "危险源台帐!2, 位置 (B): line 'L9' has no location 'S99'"),
    ("unknown owner", row(owner="李四"),
     "危险源台帐!2, 责任人 (O): no person '李四' in the organisation (give a staff ID or name)"),
    ("ambiguous owner", row(owner="张伟"),
     "危险源台帐!2, 责任人 (O): several people are called '张伟' (staff IDs 900031, 900032); "
     "give the staff ID"),
    ("unknown unit", row(unit="安全部"), "危险源台帐!2, 责任单位 (N): no unit '安全部' in the organisation"),
    ("bad code", row(spec="地铁"), "危险源台帐!2, 专业 (C): '地铁' is not one of: Rolling stock / "
     "Signalling / Power supply / Communications / Track / Platform screen doors / E&M equipment / "
     "Fire protection / Civil structures / Ticketing (AFC) / Train operation / Passenger operation "
     "/ General"),
    ("missing factor", row(c=None), "危险源台帐!2, C (I): LEC scoring needs this factor (the row gives the others)"),
]


@pytest.mark.parametrize("name,bad,message", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_row_names_sheet_row_column_and_writes_nothing(run, org_db, tmp_path, name, bad,
                                                           message) -> None:
    book = make_workbook(tmp_path / "bad.xlsx", {"危险源台帐": [H, bad]})
    before = digest(org_db)
    result = run("import", str(book), db=org_db)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == message
    assert result.output.splitlines()[-1] == f"Error: {book} has 1 problem(s); nothing was written"
    assert digest(org_db) == before and hazards(run, org_db) == []


def test_all_problems_at_once_duplicate_ids_and_good_rows_not_written(run, org_db, tmp_path):
    book = make_workbook(tmp_path / "bad.xlsx", {"危险源台帐": [H, row(), row(), row(code="H-0009",
                                                                              loc="S99", l=7)]})
    before = digest(org_db)
    result = run("import", str(book), db=org_db)
    assert result.output.splitlines()[:-1] == [
        "危险源台帐!3, 编号 (A): ID 'H-0001' repeats row 2",
        "危险源台帐!4, 位置 (B): line 'L9' has no location 'S99'",
        "危险源台帐!4, L (G): LEC L cannot be 7; allowed: 10, 6, 3, 1, 0.5, 0.2, 0.1"]
    assert digest(org_db) == before
    skipped = run("import", str(book), "--skip-invalid", db=org_db)
    assert skipped.output.splitlines()[-1].endswith("created 1, updated 0, unchanged 0, rejected 2")


@pytest.mark.parametrize("sheets,message", [
    ({"危险源台帐": [["编号", "位置", "专业", "风险类别"], ["H-1", "S01", "psd", "environment"]]},
     "危险源台帐!1, 危险源描述 Hazard: required column is missing"),
    ({"危险源台帐": [H]}, "危险源台帐: the sheet has no data rows"),
])
def test_missing_column_and_empty_sheet(run, org_db, tmp_path, sheets, message) -> None:
    book = make_workbook(tmp_path / "s.xlsx", sheets)
    before = digest(org_db)
    result = run("import", str(book), db=org_db)
    assert result.exit_code == 1 and result.output.splitlines()[0] == message
    assert digest(org_db) == before


def test_non_xlsx_file_is_refused(run, org_db, tmp_path) -> None:
    fake = tmp_path / "台帐.xlsx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0 not really an old xls")
    before = digest(org_db)
    result = run("import", str(fake), db=org_db)
    assert (result.exit_code, result.output) == (1, f"Error: {fake} is not an Excel workbook (.xlsx)\n")
    assert digest(org_db) == before


def test_ledger_synonyms_and_title_rows(run, org_db, tmp_path) -> None:
    ledger = ["序号编号", "所在位置", "所属专业", "风险分类", "风险点名称", "评价方法", "L", "E", "C",
              "残余L", "残余E", "残余C", "控制措施", "责任部门", "管控责任人", "复核日期"]
    book = make_workbook(tmp_path / "l.xlsx", {"危险源台账": [["9号线危险源辨识台账（2026版）"], [],
                                                          ledger, row(unit="客运中心",
                                                                      owner="李明")]})
    result = run("import", str(book), db=org_db)
    assert result.exit_code == 0, result.output
    (h,) = hazards(run, org_db)
    assert (h["owner_unit"], h["owner"]) == ("CT-KY", "900010")


def test_export_then_import_changes_nothing(run, org_db, tmp_path) -> None:
    book = make_workbook(tmp_path / "a.xlsx", {"危险源台帐": [H, row(), row(code=None, method="LS",
                                                                       l=4, e=None, c=None, rl=2,
                                                                       re_=None, rc=None)]})
    book_ls = tmp_path / "ls.xlsx"
    make_workbook(book_ls, {"危险源台帐": [["编号", "位置", "专业", "风险类别", "危险源描述", "评价方法",
                                          "L", "S", "残余L", "残余S", "风险等级"],
                                         ["H-0100", "D01", "车辆", "设备运行维修", "=HYPERLINK(\"x\")",
                                          "LS", 4, 4, 2, 4, "重大"]]})
    assert run("import", str(book), db=org_db).exit_code == 1  # LS rows need S
    assert run("import", str(book_ls), db=org_db).exit_code == 0
    assert run("import", str(make_workbook(tmp_path / "b.xlsx", {"危险源台帐": [H, row()]})),
               db=org_db).exit_code == 0
    out = tmp_path / "export.xlsx"
    assert run("export", "hazards", "-o", str(out), db=org_db).exit_code == 0
    audit_before = len(json.loads(run("audit", "log", "--limit", "0", "--json", db=org_db).output))
    before = digest(org_db)
    result = run("import", str(out), db=org_db)
    assert result.output.endswith("created 0, updated 0, unchanged 2, rejected 0\n"), result.output
    assert digest(org_db) == before
    assert len(json.loads(run("audit", "log", "--limit", "0", "--json", db=org_db).output)) == \
        audit_before
    formula = load_workbook(out)["危险源台帐"]["G3"]
    assert formula.value == '=HYPERLINK("x")' and formula.data_type == "s"
    shown = json.loads(run("hazard", "show", "H-0100", "--json", db=org_db).output)
    assert shown["level_given"] == "major" and shown["level"] == "significant"


def test_csv_export_neutralises_formulas(run, org_db, tmp_path) -> None:
    book = make_workbook(tmp_path / "a.xlsx", {"危险源台帐": [H, row(desc="=cmd|' /C calc'!A0",
                                                                   controls="+SUM(1)\n@x")]})
    assert run("import", str(book), db=org_db).exit_code == 0
    out = tmp_path / "h.csv"
    assert run("export", "hazards", "-o", str(out), db=org_db).exit_code == 0
    with open(out, encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["编号 ID", "线路 Line", "位置 Location"]
    assert rows[1][6] == "'=cmd|' /C calc'!A0"
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
