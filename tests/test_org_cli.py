"""`readiness org …` and the organisation workbook: import, path, approval levels, owns, export."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from openpyxl import load_workbook

from workbooks import make_workbook
from readiness.actor import Actor

UNITS = [["编号", "名称", "层级", "上级", "负责人", "岗位设置"],
         ["C", "运营公司", "公司", None, "1", "总经理"],
         ["HQ", "运营总部", "总部", "C", "2", "总部经理"],
         ["CT", "客运中心", "中心", "HQ", "3", "中心主任"],
         ["DV", "客运一分部", "分部", "CT", "4", "分部经理"],
         ["TM", "龙湖公园站务班组", "班组", "DV", "5", "班组长|站务员"]]
PEOPLE = [["工号", "姓名", "单位", "岗位", "公司级教育", "中心级教育", "班组级教育"],
          ["1", "王建国", "C", "总经理", "2026-03-01", "2026-03-15", "2026-04-01"],
          ["2", "李明", "HQ", "总部经理", "2026-03-01", "2026-03-15", "2026-04-01"],
          ["3", "陈静", "CT", "中心主任", "2026-03-01", "2026-03-15", "2026-04-01"],
          ["4", "刘洋", "DV", "分部经理", "2026-03-01", "2026-03-15", "2026-04-01"],
          ["5", "张伟", "TM", "班组长", "2026-03-01", "2026-03-15", "2026-04-01"],
          ["6", "赵敏", "TM", "站务员", "2026-03-01", "2026-03-15", None]]
LETTERS = [["下级", "上级", "签订日期", "有效期至", "签字人"],
           *[[s, p, "2026-01-08", "2026-12-31", None] for s, p in
             [("HQ", "C"), ("CT", "HQ"), ("DV", "CT"), ("TM", "DV"), ("1", "C"), ("2", "HQ"),
              ("3", "CT"), ("4", "DV"), ("5", "TM")]],
           ["6", "TM", "2025-01-08", "2025-12-31", "赵敏 / 张伟"]]


@pytest.fixture
def org_book(tmp_path: Path) -> Path:
    return make_workbook(tmp_path / "org.xlsx", {"单位": UNITS, "人员": PEOPLE, "责任状": LETTERS})


def imported(run, line_db, org_book):
    result = run("import", str(org_book), db=line_db)
    assert result.exit_code == 0, result.output
    return result


def test_template_has_the_three_contract_sheets(run, line_db, tmp_path) -> None:
    out = tmp_path / "t.xlsx"
    assert run("template", "org", "-o", str(out), db=line_db, lang="zh").exit_code == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["说明", "单位", "人员", "责任状"]
    assert [c.value for c in wb["单位"][1]][:5] == ["编号 ID", "名称 Name", "层级 Level",
                                                   "上级 Parent", "负责人 Head"]
    assert [c.value for c in wb["人员"][1]] == [
        "工号 Staff ID", "姓名 Name", "单位 Unit", "岗位 Post", "公司级教育 Company-level education",
        "中心级教育 Centre-level education", "班组级教育 Team-level education"]
    assert [c.value for c in wb["责任状"][1]] == [
        "下级 Signer", "上级 Counter-signer", "签订日期 Signed", "有效期至 Valid until",
        "签字人 Signatories"]


def test_import_then_check_finds_the_expired_letter_and_education_gap(run, line_db, org_book):
    result = imported(run, line_db, org_book)
    assert result.output.endswith("created 21, updated 0, unchanged 0, rejected 0\n")
    findings = json.loads(run("org", "check", "--as-of", "2026-11-23", "--json", db=line_db).output)
    assert [(f["code"], f["subject"]) for f in findings] == [
        ("org.letter-expired", "6→TM"), ("org.education-missing", "6")]
    again = run("import", str(org_book), db=line_db)
    assert again.output.endswith("created 0, updated 0, unchanged 21, rejected 0\n")


def test_import_errors_name_sheet_row_and_column(run, line_db, tmp_path) -> None:
    bad_units = [*UNITS, ["X", "悬空班组", "班组", "NOPE", "99", None]]
    bad_people = [*PEOPLE, ["7", "钱七", "GONE", "站务员", "2026-13-01", None, None]]
    bad_letters = [*LETTERS, ["ZZ", "TM", "2026-02-01", "2026-01-01", None]]
    book = make_workbook(tmp_path / "bad.xlsx", {"单位": bad_units, "人员": bad_people,
                                                 "责任状": bad_letters})
    before = hashlib.sha256(Path(line_db).read_bytes()).hexdigest()
    result = run("import", str(book), db=line_db)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "人员!8, 单位 (C): no unit 'GONE' (neither in this file nor in the store)",
        "人员!8, 公司级教育 (E): '2026-13-01' is not a date (use YYYY-MM-DD)",
        "单位!7, 上级 (D): no unit 'NOPE' (neither in this file nor in the store)",
        "单位!7, 负责人 (E): no person with staff ID '99' (neither in this file nor in the store)",
        "责任状!12, 下级 (A): 'ZZ' is neither a unit ID nor a staff ID",
        "责任状!12, 有效期至 (D): valid until is before the date signed (2026-02-01)",
        f"Error: {book} has 6 problem(s); nothing was written"]
    assert hashlib.sha256(Path(line_db).read_bytes()).hexdigest() == before


def hazard(run, db, residual: str, owner="6", unit="TM"):
    score = {"major": "L=6,E=6,C=15", "significant": "L=3,E=6,C=15", "general": "L=3,E=6,C=7",
             "low": "L=1,E=6,C=3"}
    result = run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
                 "environment", "--description", f"x ({residual}, {unit})", "--score",
                 score["major"], "--residual",
                 score[residual], "--owner-unit", unit, "--owner", owner, "--json", db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["id"]


@pytest.mark.parametrize("residual,required,ok_by,low_by", [
    ("major", "company", "1", "2"), ("significant", "centre", "3", "4"),
    ("general", "division", "4", "5"), ("low", "team", "5", None)])
def test_path_and_approval_level_for_each_risk_level(run, line_db, org_book, residual, required,
                                                    ok_by, low_by) -> None:
    imported(run, line_db, org_book)
    seed_line_locations_only(line_db)
    code = hazard(run, line_db, residual)
    run("hazard", "accept", code, "--by", ok_by, db=line_db)
    data = json.loads(run("org", "path", code, "--as-of", "2026-11-23", "--json", db=line_db).output)
    assert [(link["from"], link["to"], link["letter"]) for link in data["chain"]] == [
        ("6", "TM", "expired"), ("TM", "DV", "valid"), ("DV", "CT", "valid"),
        ("CT", "HQ", "valid"), ("HQ", "C", "valid")]
    assert data["reaches_company"] and not data["all_letters_valid"]
    assert (data["required_level"], data["acceptance_ok"]) == (required, True)
    if low_by:
        run("hazard", "accept", code, "--by", low_by, db=line_db)
        data = json.loads(run("org", "path", code, "--json", db=line_db).output)
        assert data["acceptance_ok"] is False
    text = run("org", "path", code, "--as-of", "2026-11-23", db=line_db).output
    assert "✗ 赵敏 (6) —[Expired until 2025-12-31]→ 龙湖公园站务班组 (TM)" in text


def seed_line_locations_only(db: str) -> None:
    from readiness.store.core import Store
    from readiness.store.lines import find_line
    from readiness.store.schema import Location

    with Store.open(db) as store, store.write(Actor("seed"), "test") as session:
        line = find_line(session, None)
        session.insert_rows(Location, [{"line_id": line.id, "code": "S01", "name": "龙湖公园站",
                                        "kind": "station", "seq": 1}])


def test_owns_counts_the_subtree(run, line_db, org_book) -> None:
    imported(run, line_db, org_book)
    seed_line_locations_only(line_db)
    hazard(run, line_db, "general")
    hazard(run, line_db, "low", owner="4", unit="DV")
    data = json.loads(run("org", "owns", "CT", "--json", db=line_db).output)
    assert (data["units"], data["people"]) == (3, 4)
    assert data["hazards"]["ids"] == ["H-0001", "H-0002"]
    assert data["hazards"]["by_level"]["major"] == 2
    assert json.loads(run("org", "owns", "TM", "--json", db=line_db).output)["hazards"]["ids"] == [
        "H-0001"]
    assert run("org", "owns", "NOPE", db=line_db).output == "Error: no unit 'NOPE'\n"


def test_show_and_exports(run, line_db, org_book, tmp_path) -> None:
    imported(run, line_db, org_book)
    rows = json.loads(run("org", "show", "--json", db=line_db).output)
    assert [(r["code"], r["depth"]) for r in rows] == [("C", 0), ("HQ", 1), ("CT", 2), ("DV", 3),
                                                       ("TM", 4)]
    graphml = tmp_path / "o.graphml"
    assert run("org", "export", "-o", str(graphml), db=line_db).exit_code == 0
    root = ET.parse(graphml).getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(root.findall(".//g:node", ns)) == 5 and len(root.findall(".//g:edge", ns)) == 4
    dot = tmp_path / "o.dot"
    run("org", "export", "-o", str(dot), db=line_db)
    assert '"DV" -> "TM"' in dot.read_text()
    svg = tmp_path / "o.svg"
    run("org", "export", "-o", str(svg), "--as-of", "2025-06-01", db=line_db)
    tree = ET.parse(svg)
    assert tree.getroot().tag.endswith("svg")
    text = svg.read_text()
    assert "龙湖公园站务班组" in text and text.count("<rect") >= 5 and "#2e7d32" in text
    assert run("org", "export", "-o", str(tmp_path / "o.png"), db=line_db).output == (
        f"Error: {tmp_path / 'o.png'}: export to .graphml, .dot or .svg\n")
