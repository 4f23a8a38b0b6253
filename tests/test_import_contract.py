"""What a user enters in a workbook, a CSV file or an option is kept exactly, or refused:
unknown columns, dates that cannot be true, negative counts, CSV round trips, report workbooks,
long drop-downs, GB/T 13861 categories at either level, and places given by name."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from readiness.actor import Actor
from workbooks import make_workbook

H = ["编号", "位置", "专业", "风险类别", "危险源描述", "评价方法", "L", "E", "C", "残余L", "残余E",
     "残余C", "管控措施", "责任单位", "责任人", "上次复核日期"]
FUTURE = "2099-01-01"


def row(code="H-0001", loc="S01", desc="站台门夹人后列车启动", owner="900030", review="2026-10-01",
        days=None):
    return [code, loc, "站台门", "客运组织", desc, "LEC", 3, 6, 15, 1, 6, 15,
            "工程控制：防夹挡板\n司机瞭望", "TM-KY1-01", owner, review] + ([days] if days else [])


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def j(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def today() -> str:
    return dt.date.today().isoformat()


def refused(result, book, count: int) -> list[str]:
    """The problem lines of a refused import (the last line says nothing was written)."""
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[-1].endswith((f"{book} has {count} problem(s); nothing was written",
                               f"{book} 有 {count} 处问题，未写入任何数据")), result.output
    return lines[:-1]


# --- unknown columns are refused, not ignored ------------------------------------------------

def test_renamed_optional_headers_are_refused_naming_cell_and_closest_header(run, org_db,
                                                                            tmp_path) -> None:
    book = make_workbook(tmp_path / "a.xlsx", {"危险源台帐": [H, row(), row(code="H-0002",
                                                                       desc="扶梯逆转")]})
    assert run("import", str(book), db=org_db).exit_code == 0
    out = tmp_path / "export.xlsx"
    assert run("export", "hazards", "-o", str(out), db=org_db).exit_code == 0
    wb = load_workbook(out)
    ws = wb["危险源台帐"]
    assert (ws["V1"].value, ws["X1"].value) == ("责任人 Owner", "上次复核日期 Last review")
    ws["V1"], ws["X1"] = "责任任", "上次复核日其"
    wb.save(out)
    before = digest(org_db)
    result = run("import", str(out), db=org_db)
    assert refused(result, out, 2) == [
        '危险源台帐!V1: unknown column "责任任" — did you mean "责任人"?',
        '危险源台帐!X1: unknown column "上次复核日其" — did you mean "上次复核日期"?']
    assert digest(org_db) == before
    zh = run("import", str(out), db=org_db, lang="zh")
    assert zh.output.splitlines()[0] == "危险源台帐!V1: 不认识的列“责任任”，是否指“责任人”？"
    owners = [h["owner"] for h in j(run("hazard", "list", "--json", db=org_db))]
    assert owners == ["900030", "900030"]


@pytest.mark.parametrize("kind", ["line", "hazards", "org", "drill-runs", "drill-catalogue",
                                  "pdca", "checklist", "trial-run"])
def test_every_template_kind_refuses_an_unknown_column(run, org_db, tmp_path, kind) -> None:
    from readiness.importing import template_kind

    spec = template_kind(kind)
    main = next(s for s in spec.sheets if s.key == (spec.main or spec.sheets[0].key))
    out = tmp_path / f"{kind}.xlsx"
    assert run("template", kind, "-o", str(out), db=org_db).exit_code == 0
    wb = load_workbook(out)
    ws = wb[main.en]
    cell = ws.cell(1, ws.max_column + 1)
    cell.value = "Remarkz"
    wb.save(out)
    before = digest(org_db)
    result = run("import", str(out), db=org_db)
    assert result.exit_code == 1
    assert re.match(rf'^{main.en}!{cell.column_letter}1: unknown column "Remarkz"',
                    result.output.splitlines()[0]), result.output
    assert len(result.output.splitlines()) == 2
    assert digest(org_db) == before


def test_hash_columns_are_ignored_and_a_blank_header_over_data_is_refused(run, org_db,
                                                                          tmp_path) -> None:
    mine = make_workbook(tmp_path / "mine.xlsx", {"危险源台帐": [
        [*H, "", "# 备注 own remarks"], [*row(), "", "只给自己看"]]})
    result = run("import", str(mine), db=org_db)
    assert result.output.endswith("created 1, updated 0, unchanged 0, rejected 0\n"), result.output
    unnamed = make_workbook(tmp_path / "unnamed.xlsx", {"危险源台帐": [
        [*H, None, "# 备注"], row(code="H-0001"), [*row(code="H-0002", desc="扶梯逆转"), "孤儿值"]]})
    before = digest(org_db)
    result = run("import", str(unnamed), db=org_db, lang="zh")
    assert refused(result, unnamed, 1) == [
        "危险源台帐!Q3: 第 Q 列有数据但没有表头：请填写表头（不导入的列请让表头以 # 开头）"]
    assert run("import", str(unnamed), "--skip-invalid", db=org_db).exit_code == 1
    assert digest(org_db) == before


def test_template_instructions_say_how_to_keep_a_column_of_your_own(run, org_db, tmp_path):
    out = tmp_path / "t.xlsx"
    run("template", "checklist", "-o", str(out), db=org_db)
    text = "\n".join(str(c.value) for c in load_workbook(out).worksheets[0]["A"] if c.value)
    assert "表头以 # 开头" in text and "start the header of a column of your own with #" in text


# --- dates that cannot be true, and negative counts ------------------------------------------

def test_opening_on_or_before_handover_is_refused(run, line_db, tmp_path) -> None:
    new = str(tmp_path / "new.db")
    result = run("init", "--line", "L10", "--opening-date", "2026-09-01", "--handover-date",
                 "2026-09-01", db=new)
    assert (result.exit_code, result.output) == (1, "Error: --opening-date: the opening date "
                                                    "2026-09-01 must be after the handover date "
                                                    "2026-09-01\n")
    result = run("line", "set", "--handover-date", "2027-01-05", db=line_db)
    assert result.output == ("Error: --handover-date: the opening date 2026-12-28 must be after "
                             "the handover date 2027-01-05\n")
    assert j(run("line", "show", "--json", db=line_db))["handover_date"] == "2026-09-01"


def test_lines_library_checks_the_dates(line_db) -> None:
    from readiness.errors import InvalidValue
    from readiness.lines import set_line
    from readiness.store.core import Store

    with Store.open(line_db) as store, pytest.raises(InvalidValue) as err:
        set_line(store, None, opening=dt.date(2026, 8, 1), actor=Actor("tester"))
    assert err.value.key == "line.opening_not_after_handover"


def test_future_review_education_signing_and_verification_dates_are_refused(run, org_db,
                                                                            tmp_path) -> None:
    before = digest(org_db)
    hz = make_workbook(tmp_path / "h.xlsx", {"危险源台帐": [H, row(review=FUTURE)]})
    assert refused(run("import", str(hz), db=org_db), hz, 1) == [
        f"危险源台帐!2, 上次复核日期 (P): {FUTURE} is in the future (today is {today()})"]
    org = make_workbook(tmp_path / "o.xlsx", {
        "单位": [["编号", "名称", "层级", "上级"], ["C", "示范运营公司", "公司", None]],
        "人员": [["工号", "姓名", "单位", "公司级教育"], ["900001", "王建国", "C", FUTURE]],
        "责任状": [["下级", "上级", "签订日期", "有效期至"], ["900001", "C", FUTURE, "2099-12-31"]]})
    assert refused(run("import", str(org), db=org_db), org, 2) == [
        f"人员!2, 公司级教育 (D): {FUTURE} is in the future (today is {today()})",
        f"责任状!2, 签订日期 (C): {FUTURE} is in the future (today is {today()})"]
    cl = make_workbook(tmp_path / "c.xlsx", {"安全要点": [
        ["编号", "责任人", "状态", "证据", "验证人", "验证日期"],
        ["CL-HO-01", "900010", "已验证", "移交书", "900020", FUTURE]]})
    assert refused(run("import", str(cl), db=org_db), cl, 1) == [
        f"安全要点!2, 验证日期 (F): {FUTURE} is in the future (today is {today()})"]
    pdca = make_workbook(tmp_path / "p.xlsx", {"问题整改": [
        ["来源", "类型", "级别", "问题描述", "责任单位", "责任人", "计划完成日期", "阶段", "原因分析",
         "整改措施", "完成情况及证据", "验证人", "验证日期", "验证结论"],
        ["检查", "设备质量", "开通前必须整改", "消防泵压力不足", "TM-KY1-01", "900030", "2026-12-01",
         "ACT", "泵选型偏小", "更换水泵", "已更换", "900020", FUTURE, "有效"]]})
    assert refused(run("import", str(pdca), db=org_db), pdca, 1) == [
        f"问题整改!2, 验证日期 (M): {FUTURE} is in the future (today is {today()})"]
    assert digest(org_db) == before
    # and at the command line
    run("checklist", "set", "CL-HO-01", "--owner", "900030", "--status", "done", "--evidence",
        "移交书", db=org_db)
    assert run("checklist", "verify", "CL-HO-01", "--verifier", "900020", "--on", FUTURE,
               db=org_db).output == f"Error: --on: {FUTURE} is in the future (today is {today()})\n"
    code = j(run("pdca", "open", "--title", "站台门误报", "--class", "blocking", "--source",
                 "trial-run", "--kind", "equipment-quality", "--json", db=org_db))["id"]
    run("pdca", "plan", code, "--cause", "c", "--action", "a", "--owner-unit", "CT-KY", "--owner",
        "900010", "--due", "2026-12-15", db=org_db)
    run("pdca", "do", code, "--done", "d", "--evidence", "e", db=org_db)
    result = run("pdca", "check", code, "--verifier", "900020", "--verdict", "effective", "--on",
                 FUTURE, db=org_db)
    assert result.output == f"Error: --on: {FUTURE} is in the future (today is {today()})\n"
    assert j(run("pdca", "show", code, "--json", db=org_db))["phase"] == "CHECK"


def test_import_takes_today_as_a_parameter(org_db, tmp_path) -> None:
    from readiness.errors import ImportRejected
    from readiness.importing import import_file
    from readiness.store.core import Store

    book = make_workbook(tmp_path / "h.xlsx", {"危险源台帐": [H, row(review="2026-10-01")]})
    with Store.open(org_db) as store, pytest.raises(ImportRejected) as err:
        import_file(store, book, as_of=dt.date(2026, 9, 30), actor=Actor("tester"))
    assert [(p.key, p.params["today"]) for p in err.value.problems] == [
        ("cell.in_future", "2026-09-30")]


def test_negative_minutes_and_counts_are_refused(run, org_db, tmp_path) -> None:
    before = digest(org_db)
    cat = make_workbook(tmp_path / "cat.xlsx", {
        "演练科目": [["科目编号", "名称", "类别", "预案层级", "形式", "场地", "重要程度", "发生概率"],
                   ["EM-WIND", "高架区段大风停运", "应急预案演练", "专项", "实战", "正线", 4, 2]],
        "关键任务": [["科目编号", "任务编号", "任务名称", "时间标准(分钟)"],
                   ["EM-WIND", "EM-WIND-T1", "行调发布停运命令", -2]]})
    assert refused(run("import", str(cat), db=org_db), cat, 1) == [
        "关键任务!2, 时间标准(分钟) (D): cannot be negative (-2)"]
    hz = make_workbook(tmp_path / "h.xlsx", {"危险源台帐": [[*H, "复核周期(天)"], row(days=-30)]})
    assert refused(run("import", str(hz), db=org_db), hz, 1) == [
        "危险源台帐!2, 复核周期(天) (Q): cannot be negative (-30)"]
    assert digest(org_db) == before
    for args in (["drill", "plan", "--cap", "-1"], ["drill", "plan", "--final-weeks", "-2"],
                 ["pdca", "burndown", "--weeks", "-1"], ["audit", "log", "--limit", "-5"]):
        result = run(*args, db=org_db)
        assert result.exit_code == 2 and args[-2] in result.output, result.output


# --- CSV round trip, and report workbooks ----------------------------------------------------

def _register(run, db, tmp_path) -> None:
    book = make_workbook(tmp_path / "a.xlsx", {"危险源台帐": [
        H, row(desc="=cmd|' /C calc'!A0"), row(code="H-0002", loc="S02", desc="-扶梯逆转",
                                              owner="900010", review="2026-11-02")]})
    assert run("import", str(book), db=db).exit_code == 0
    assert run("hazard", "control", "add", "H-0001", "--type", "engineering", "--aspect", "机",
               "--text", "激光探测", "--verified", db=db).exit_code == 0


def test_csv_export_reimports_unchanged(run, org_db, tmp_path) -> None:
    _register(run, org_db, tmp_path)
    out = tmp_path / "x.csv"
    assert run("export", "hazards", "-o", str(out), db=org_db).exit_code == 0
    before = digest(org_db)
    result = run("import", str(out), "--kind", "hazards", db=org_db)
    assert result.output == f"{out}: created 0, updated 0, unchanged 2, rejected 0\n"
    assert run("import", str(out), db=org_db).output.endswith("unchanged 2, rejected 0\n")
    assert digest(org_db) == before
    shown = j(run("hazard", "show", "H-0001", "--json", db=org_db))
    assert shown["description"] == "=cmd|' /C calc'!A0"
    details = {c["description"]: (c["aspect"], c["verified"]) for c in shown["controls"]}
    assert details["激光探测"] == ("equipment", True)  # details the CSV does not carry are kept


def test_csv_import_follows_the_xlsx_rules_with_row_and_column(run, org_db, tmp_path) -> None:
    _register(run, org_db, tmp_path)
    out = tmp_path / "x.csv"
    run("export", "hazards", "-o", str(out), db=org_db)
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[2][2] = "S99"
    rows[1][22] = "-7"
    rows[0].append("说明")
    for r in rows[1:]:
        r.append("")
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    before = digest(org_db)
    assert refused(run("import", str(out), "--kind", "hazards", db=org_db), out, 1) == [
        'x.csv!AF1: unknown column "说明" (start the header with # for a column that is not to '
        'be imported)']
    rows[0][-1] = "# 说明"
    with open(out, "w", encoding="gb18030", newline="") as fh:  # as Excel saves CSV in China
        csv.writer(fh).writerows(rows)
    assert refused(run("import", str(out), "--kind", "hazards", db=org_db), out, 2) == [
        "x.csv!2, 复核周期(天) Review days (W): cannot be negative (-7)",
        "x.csv!3, 位置 Location (C): line 'L9' has no location 'S99'"]
    assert digest(org_db) == before


def test_importing_a_report_workbook_says_what_it_is(run, org_db, tmp_path) -> None:
    report = tmp_path / "r.xlsx"
    assert run("report", "-o", str(report), db=org_db).exit_code == 0
    for extra in ([], ["--kind", "hazards"]):
        result = run("import", str(report), *extra, db=org_db)
        assert result.exit_code == 1
        assert result.output.startswith(f"Error: {report} is a readiness report, not an import "
                                        "template")
        assert "readiness export hazards" in result.output
        assert len(result.output.splitlines()) == 1


# --- long drop-downs and the paper drill form ------------------------------------------------

@pytest.mark.parametrize("lang,kind", [("en", "hazards"), ("zh", "hazards"), ("en", "pdca"),
                                       ("en", "drill-catalogue")])
def test_long_dropdowns_read_their_values_from_a_hidden_sheet(run, org_db, tmp_path, lang,
                                                              kind) -> None:
    from readiness import vocab
    from readiness.importing import template_kind

    out = tmp_path / "t.xlsx"
    assert run("template", kind, "-o", str(out), db=org_db, lang=lang).exit_code == 0
    wb = load_workbook(out)
    seen = set()
    for sheet in template_kind(kind).sheets:
        ws = wb[sheet.title(lang)]
        for dv in ws.data_validations.dataValidation:
            letter = re.match(r"[A-Z]+", str(dv.sqref)).group(0)
            col = next(c for i, c in enumerate(sheet.columns, start=1)
                       if ws.cell(1, i).column_letter == letter)
            wanted = vocab.choices(col.code_set, lang)
            if dv.formula1.startswith('"'):
                assert len(dv.formula1) - 2 <= 255 and dv.formula1[1:-1].split(",") == wanted
                continue
            title, cells = dv.formula1.split("!")
            lists = wb[title.strip("'")]
            assert lists.sheet_state == "hidden"
            values = [c.value for row in lists[cells.replace("$", "")] for c in row]
            assert values == wanted
            seen.add(col.code_set)
    if lang == "en" and kind == "hazards":
        assert {"accident_type", "factor_category"} <= seen


def test_paper_drill_form_explains_the_ratings(run, org_db, tmp_path) -> None:
    out = tmp_path / "sheet.xlsx"
    assert run("template", "drill-sheet", "EM-TRAIN-FIRE", "-o", str(out), db=org_db).exit_code == 0
    text = "\n".join(str(c.value) for c in load_workbook(out)["任务评估"][1] if c.value)
    for line in ("P 顺利完成 · Performed without challenges",
                 "S 完成但有些问题 · Performed with some challenges",
                 "M 完成但问题重大 · Performed with major challenges",
                 "U 未能完成 · Unable to be performed"):
        assert line in text


# --- GB/T 13861 at either level --------------------------------------------------------------

def test_factor_categories_at_either_level_by_label_or_code(run, org_db, tmp_path) -> None:
    head = [*H, "危险因素类别"]
    given = ["物的因素", "2.1", 3, "人的因素", "1.2", "Management"]
    rows = [[*row(code=f"H-000{i + 1}", desc=f"危险源{i}"), value] for i, value in enumerate(given)]
    book = make_workbook(tmp_path / "f.xlsx", {"危险源台帐": [head, *rows]})
    result = run("import", str(book), db=org_db)
    assert result.exit_code == 0, result.output
    stored = [h["factor_category"] for h in j(run("hazard", "list", "--json", db=org_db))]
    assert stored == ["material", "physical", "environment", "human", "human-behavioural",
                      "management"]
    out = tmp_path / "e.xlsx"
    run("export", "hazards", "-o", str(out), db=org_db)
    assert [c.value for c in load_workbook(out)["危险源台帐"]["H"][1:]] == stored
    assert run("import", str(out), db=org_db).output.endswith("unchanged 6, rejected 0\n")
    by = {arg: [h["id"] for h in j(run("hazard", "list", "--factor-category", arg, "--json",
                                       db=org_db))]
          for arg in ("物的因素", "2", "2.1", "人的因素", "管理因素")}
    assert by == {"物的因素": ["H-0001", "H-0002"], "2": ["H-0001", "H-0002"], "2.1": ["H-0002"],
                  "人的因素": ["H-0004", "H-0005"], "管理因素": ["H-0006"]}
    added = j(run("hazard", "add", "--location", "S02", "--specialty", "psd", "--category",
                  "passenger-operation", "--description", "站台积水", "--factor-category", "环境因素",
                  "--json", db=org_db))
    assert added["factor_category"] == "environment"


# --- places by name --------------------------------------------------------------------------

def test_locations_are_accepted_by_a_name_unique_on_the_line(run, org_db, tmp_path) -> None:
    result = run("drill", "record", "R-1", "--scenario", "EM-PSD-FAILURE", "--date", "2026-10-01",
                 "--location", "龙湖公园站", "--unit", "CT-KY", "--json", db=org_db)
    assert j(result)["location"] == "S01"
    book = make_workbook(tmp_path / "runs.xlsx", {"演练记录": [
        ["演练编号", "科目编号", "日期", "地点", "形式"],
        ["R-2", "EM-STATION-FIRE", "2026-10-20", "科技大道站", "实战"]]})
    assert run("import", str(book), db=org_db).exit_code == 0
    runs = {r["id"]: r["location"] for r in j(run("drill", "runs", "--json", db=org_db))}
    assert runs == {"R-1": "S01", "R-2": "S02"}


def test_an_ambiguous_location_name_lists_the_codes(run, org_db, tmp_path) -> None:
    places = make_workbook(tmp_path / "loc.xlsx", {"位置": [
        ["编号", "名称", "类型", "顺序"], ["P01", "南湖停车场", "车辆段", 5],
        ["P02", "南湖停车场", "车辆段", 6]]})
    assert run("import", str(places), db=org_db).exit_code == 0
    before = digest(org_db)
    result = run("drill", "record", "R-1", "--scenario", "EM-PSD-FAILURE", "--date", "2026-10-01",
                 "--location", "南湖停车场", db=org_db)
    assert result.output == ("Error: --location: several locations on line 'L9' are called "
                             "'南湖停车场' (IDs P01, P02): give the ID\n")
    book = make_workbook(tmp_path / "h.xlsx", {"危险源台帐": [H, row(loc="南湖停车场")]})
    assert refused(run("import", str(book), db=org_db), book, 1) == [
        "危险源台帐!2, 位置 (B): several locations on line 'L9' are called '南湖停车场' "
        "(IDs P01, P02): give the ID"]
    assert digest(org_db) == before
