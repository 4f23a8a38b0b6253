"""Reading ledgers as they are kept (issue 20, items 1–4 and 10), for every kind, shown with the
hazard register: any sheet name (`--sheet`, else the header row), title rows and form codes, two-row
headers, merged cells, headers repeated at page breaks, `--ignore-column`, and values given for
every row (`--location`, `--owner-unit`).

Each workbook is built here with openpyxl, in the layouts ledgers use, with the register's current
headers (编号 / 位置 / 专业 / 风险类别 / 危险源描述 / L / E / C …) and synonyms already declared. What
is read is asserted from the store (`hazard list --json`) or from `import_file(..., dry_run=True)`;
each refusal as the one line the user sees.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from readiness.actor import Actor

TITLE = "9号线一期工程危险源辨识与风险评价表"
FORM_CODE = "表 AQ-03（2026 版）"
# A ledger's header over two rows: 危险性评价 merged above L / E / C, the other headers merged
# down over both rows (编号, 位置 …) or standing alone in the upper row over a blank cell (专业).
UPPER = ["编号", "位置", "专业", "风险类别", "作业活动", "危险源描述", "危险性评价", None, None,
         "管控措施", "责任单位"]
LOWER = [None, None, None, None, None, None, "L", "E", "C", None, None]


def hazard(code: str | None, desc: str, l: Any = 3, e: Any = 6, c: Any = 15, loc: Any = "S01",
           activity: Any = None, unit: Any = "TM-KY1-01") -> list[Any]:
    return [code, loc, "站台门", "客运组织", activity, desc, l, e, c, "工程控制：防夹挡板", unit]


def ledger(path: Path, sheets: dict[str, list[list[Any]]],
           merges: dict[str, list[str]] | None = None) -> Path:
    """A workbook as a safety officer keeps one: the sheets in order, cells merged as given."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        for ref in (merges or {}).get(name, []):
            ws.merge_cells(ref)
    wb.save(path)
    return path


def two_row_ledger(path: Path, data: list[list[Any]], merges: list[str] = (),
                   sheet: str = "危险源辨识清单", extra: dict[str, list[list[Any]]] | None = None
                   ) -> Path:
    """Title (merged across), form code, the two-row header, then `data` from row 5."""
    rows = [[TITLE], [None] * 10 + [FORM_CODE], UPPER, LOWER, *data]
    header_merges = ["A1:K1", "G3:I3", "A3:A4", "B3:B4", "D3:D4", "E3:E4", "F3:F4", "J3:J4",
                     "K3:K4"]  # 专业 (C3) is not merged: the upper cell alone over a blank one
    return ledger(path, {sheet: rows, **(extra or {})}, {sheet: [*header_merges, *merges]})


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def hazards(run, db: str) -> dict[str, dict[str, Any]]:
    result = run("hazard", "list", "--json", db=db)
    assert result.exit_code == 0, result.output
    return {h["id"]: h for h in json.loads(result.output)}


def shown(run, db: str, code: str) -> dict[str, Any]:
    result = run("hazard", "show", code, "--json", db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def dry_run(db: str, book: Path, **options: Any):
    from readiness.importing import import_file
    from readiness.store.core import Store

    with Store.open(db) as store:
        return import_file(store, book, actor=Actor("tester"), dry_run=True, **options)


def refused(run, db: str, *args: str, lang: str = "en") -> list[str]:
    """The lines of a refused import; the store is left as it was."""
    before = digest(db)
    result = run("import", *args, db=db, lang=lang)
    assert result.exit_code == 1, result.output
    assert digest(db) == before
    return result.output.splitlines()


# --- sheets: by name, by header row, by --sheet --------------------------------------------------

def test_a_ledger_under_any_sheet_name_is_found_by_its_header_row(run, org_db, tmp_path) -> None:
    book = ledger(tmp_path / "清单.xlsx", {
        "说明": [["本表依据公司危险源辨识管理办法编制"]],
        "危险源辨识清单": [["编号", "位置", "专业", "风险类别", "危险源描述", "L", "E", "C"],
                     ["H-0001", "S01", "站台门", "客运组织", "站台门夹人后列车启动", 3, 6, 15]]})
    result = run("import", str(book), db=org_db)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "危险源辨识清单: imported as 危险源台帐 / Hazards, recognised by its header row",
        "说明: not imported",
        f"{book}: created 1, updated 0, unchanged 0, rejected 0"]
    h = hazards(run, org_db)["H-0001"]
    assert (h["location"], h["description"], h["score"]) == ("S01", "站台门夹人后列车启动", 270)
    # the same with --kind (it used to say: 危险源台帐 / Hazards: this sheet is missing)
    again = run("import", str(book), "--kind", "hazards", "--json", db=org_db)
    data = json.loads(again.output)
    assert (data["sheets"], data["not_imported"], data["unchanged"]) == (
        {"危险源辨识清单": "header"}, ["说明"], 1)
    assert (data["ignored_columns"], data["repeated_headers"], data["defaults"]) == ([], 0, {})
    zh = run("import", str(book), db=org_db, lang="zh").output.splitlines()
    assert zh[:2] == ["危险源辨识清单: 按表头识别，作为“危险源台帐 / Hazards”导入", "说明: 未导入"]


def test_sheet_option_picks_the_sheet_and_names_the_others(run, org_db, tmp_path) -> None:
    head = ["编号", "位置", "专业", "风险类别", "危险源描述", "L", "E", "C"]
    book = ledger(tmp_path / "两站.xlsx", {
        "龙湖公园站": [head, ["H-0001", "S01", "站台门", "客运组织", "站台门夹人", 3, 6, 15]],
        "科技大道站": [head, ["H-0002", "S02", "站台门", "客运组织", "扶梯逆转", 1, 6, 15]]})
    result = dry_run(org_db, book, sheets=["科技大道站"])
    assert (result.sheets, result.not_imported, result.rows) == (
        {"科技大道站": "option"}, ["龙湖公园站"], 1)
    ran = run("import", str(book), "--sheet", "科技大道站", db=org_db)
    assert ran.output.splitlines()[:2] == ["科技大道站: imported as 危险源台帐 / Hazards (--sheet)",
                                           "龙湖公园站: not imported"]
    assert list(hazards(run, org_db)) == ["H-0002"]
    # without --sheet: the first sheet whose header names the register's columns
    assert dry_run(org_db, book).sheets == {"龙湖公园站": "header"}
    # --sheet names the main sheet first, then the kind's others (管控措施) in order
    assert refused(run, org_db, str(book), "--sheet", "龙湖公园站", "--sheet", "科技大道站",
                   "--sheet", "龙湖公园站")[-1] == \
        "Error: --sheet: sheet '龙湖公园站' is named twice; a sheet is imported once"
    assert refused(run, org_db, str(book), "--sheet", "一号站") == [
        f"Error: --sheet: {book} has no sheet '一号站' (it has: 龙湖公园站, 科技大道站)"]


def test_no_sheet_to_take_says_what_to_do(run, org_db, tmp_path) -> None:
    book = ledger(tmp_path / "x.xlsx", {"统计": [["月份", "数量"], ["10月", 3]]})
    lines = refused(run, org_db, str(book), "--kind", "hazards")
    assert lines[0] == ("危险源台帐 / Hazards: this sheet is missing: no sheet has this name or a "
                        "header row naming its columns; name the sheet to import with --sheet")


# --- title rows, two-row headers, merged cells, repeated headers -------------------------------

def test_title_rows_two_row_header_and_cells_merged_down(run, org_db, tmp_path) -> None:
    book = two_row_ledger(tmp_path / "评价表.xlsx", [
        hazard("H-0001", "站台门夹人后列车启动", activity="站台接发车"),
        hazard("H-0002", "乘客越过安全线候车", 1, 6, 7),
        hazard("H-0003", "列车进站时乘客跌落轨道", 1, 6, 40),
        hazard("H-0004", "电扶梯逆转", 1, 6, 15, loc="S02", activity="电扶梯运行")],
        merges=["E5:E7"])  # 作业活动 over three rows
    result = run("import", str(book), db=org_db)
    assert result.exit_code == 0, result.output
    got = hazards(run, org_db)
    assert {code: (h["activity"], h["location"], h["score"]) for code, h in got.items()} == {
        "H-0001": ("站台接发车", "S01", 270), "H-0002": ("站台接发车", "S01", 42),
        "H-0003": ("站台接发车", "S01", 240), "H-0004": ("电扶梯运行", "S02", 90)}
    assert shown(run, org_db, "H-0003")["factors"] == {"L": 1, "E": 6, "C": 40}


def test_a_cell_merged_across_belongs_to_its_first_column(run, org_db, tmp_path) -> None:
    # 危险源描述 spans F:G in the header and in every row; G holds nothing of its own
    head = ["编号", "位置", "专业", "风险类别", "作业活动", "危险源描述", None, "L", "E", "C"]
    book = ledger(tmp_path / "a.xlsx", {"危险源辨识清单": [
        head, ["H-0001", "S01", "站台门", "客运组织", "巡检", "站台门夹人", None, 3, 6, 15],
        ["H-0002", "S01", "站台门", "客运组织", "巡检", "门机故障", None, 1, 6, 15]]},
        {"危险源辨识清单": ["F1:G1", "F2:G2", "F3:G3", "E2:E3"]})
    assert run("import", str(book), db=org_db).exit_code == 0
    got = hazards(run, org_db)
    assert [(h["description"], h["activity"]) for h in got.values()] == [
        ("站台门夹人", "巡检"), ("门机故障", "巡检")]


def test_a_header_repeated_at_page_breaks_is_skipped_and_counted(run, org_db, tmp_path) -> None:
    rows = [hazard(f"H-{n:04d}", f"危险源{n}") for n in range(1, 8)]
    book = two_row_ledger(tmp_path / "分页.xlsx", [
        *rows[:3], UPPER, LOWER, *rows[3:5], UPPER, LOWER, rows[5], UPPER, LOWER, rows[6]],
        # as printed: merged again at the first break, copied as plain cells at the second
        merges=["A8:A9", "B8:B9", "G8:I8", "A12:A13", "G12:I12"])
    result = dry_run(org_db, book)
    assert (result.rows, result.repeated_headers, result.problems) == (7, 6, [])
    ran = run("import", str(book), db=org_db)
    assert ran.output.splitlines()[-2:] == [
        "危险源辨识清单: skipped 6 repeated header row(s) (as printed at page breaks)",
        f"{book}: created 7, updated 0, unchanged 0, rejected 0"]
    assert len(hazards(run, org_db)) == 7


def test_a_repeated_header_with_blank_cells_is_not_data_but_a_row_like_it_is(tmp_path) -> None:
    from hazards.sheets import REGISTER
    from readiness.xlsx.reader import open_book, open_sheet, read_sheet

    head = ["编号", "位置", "专业", "风险类别", "危险源描述", "L", "E", "C"]
    book = ledger(tmp_path / "r.xlsx", {"清单": [
        head, [None, "S01", "站台门", "客运组织", "夹人", 3, 6, 15],
        [None, None, None, None, None, "L", "E", "C"],  # part of the header again: skipped
        [None, "S01", "站台门", "客运组织", "危险源描述", 1, 6, 15],  # data, one cell a header
        head]})
    wb = open_book(book)
    problems: list = []
    stream = open_sheet(read_sheet(wb, "清单"), REGISTER, problems)
    rows = [r.values["description"] for r in stream.rows(problems)]
    wb.close()
    assert (rows, stream.repeated) == (["夹人", "危险源描述"], 2)


def test_a_blank_header_over_a_column_of_letters_is_named_by_its_letter(run, org_db,
                                                                         tmp_path) -> None:
    # the ledger's level letters sit under a blank header (L, after 责任单位 in K)
    book = two_row_ledger(tmp_path / "letters.xlsx", [
        [*hazard("H-0001", "站台门夹人"), "B"], [*hazard("H-0002", "门机故障"), "C"]])
    lines = refused(run, org_db, str(book))
    assert lines == [
        "危险源辨识清单!L5: column L holds data but has no header: give it one (starting with # "
        "if it is not to be imported)",
        f"Error: {book} has 1 problem(s); nothing was written"]


# --- the ledger's own columns: --ignore-column, SheetSpec.ignored_headers ----------------------

def test_ignore_column_reads_past_a_column_and_lists_it(run, org_db, tmp_path) -> None:
    head = ["序号", "编号", "位置", "专业", "风险类别", "危险源描述", "L", "E", "C", "检查人"]
    book = ledger(tmp_path / "i.xlsx", {"危险源辨识清单": [
        head, [1, "H-0001", "S01", "站台门", "客运组织", "站台门夹人", 3, 6, 15, "赵六"]]})
    lines = refused(run, org_db, str(book))
    assert lines[0] == ("危险源辨识清单!J1: unknown column \"检查人\": to leave it out, give "
                        "--ignore-column \"检查人\" (or start the header with #)")
    assert len(lines) == 2  # 序号 is the register's own ignored header: never a word about it
    result = run("import", str(book), "--ignore-column", "检查人", db=org_db)
    assert result.exit_code == 0, result.output
    assert "危险源辨识清单, 检查人 (J): column not imported (--ignore-column)" in \
        result.output.splitlines()
    assert dry_run(org_db, book, ignore_columns=["检查人"]).ignored_columns == [
        {"sheet": "危险源辨识清单", "column": "J", "header": "检查人"}]
    assert json.loads(run("import", str(book), "--ignore-column", "检查人", "--json",
                          db=org_db).output)["ignored_columns"] == ["检查人"]
    zh = refused(run, org_db, str(book), lang="zh")[0]
    assert zh == "危险源辨识清单!J1: 不认识的列“检查人”：不导入此列，请用 --ignore-column \"检查人\"（或让表头以 # 开头）"
    assert list(hazards(run, org_db)) == ["H-0001"]


def test_ignored_headers_of_a_sheet_are_dropped_silently(tmp_path) -> None:
    from readiness.xlsx.reader import open_book, open_sheet, read_sheet
    from readiness.xlsx.spec import Column, SheetSpec

    spec = SheetSpec("things", "物品", "Things", (Column("code", "编号", "ID", required=True),
                                                  Column("name", "名称", "Name")),
                     ignored_headers=("序号", "No."))
    book = ledger(tmp_path / "t.xlsx", {"物品": [["No.", "编号", "名称"], [1, "A-1", "甲"]]})
    wb = open_book(book)
    problems: list = []
    stream = open_sheet(read_sheet(wb, "物品"), spec, problems)
    assert stream is not None and stream.ignored == []
    assert [r.values for r in stream.rows(problems)] == [{"code": "A-1", "name": "甲"}]
    assert problems == []
    wb.close()


# --- values for every row: --location, --owner-unit ----------------------------------------------

NO_PLACE = ["编号", "专业", "风险类别", "危险源描述", "L", "E", "C", "责任单位"]


def test_location_for_a_ledger_without_one_and_owner_unit_for_blank_cells(run, org_db,
                                                                          tmp_path) -> None:
    book = ledger(tmp_path / "部门清单.xlsx", {"危险源辨识清单": [
        NO_PLACE, ["H-0001", "站台门", "客运组织", "站台门夹人", 3, 6, 15, None],
        ["H-0002", "站台门", "客运组织", "门机故障", 1, 6, 15, "TM-KY1-02"]]})
    result = run("import", str(book), "--location", "S02", "--owner-unit", "TM-KY1-01", db=org_db)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-3:-1] == [
        "危险源辨识清单: 2 row(s) take 'S02' from --location",
        "危险源辨识清单: 1 row(s) take 'TM-KY1-01' from --owner-unit"]
    got = hazards(run, org_db)
    assert [(h["location"], h["owner_unit"]) for h in got.values()] == [
        ("S02", "TM-KY1-01"), ("S02", "TM-KY1-02")]
    # the command as typed, options and all, is what the audit trail records
    log = json.loads(run("audit", "log", "--json", db=org_db).output)
    assert any("--location S02 --owner-unit TM-KY1-01" in (e.get("command") or "") for e in log)
    data = dry_run(org_db, book, defaults={"location": "S02"}).as_dict()
    assert data["defaults"] == {"location": {"value": "S02", "option": "--location", "rows": 2}}


def test_a_location_by_name_and_a_library_import_records_its_defaults(org_db, tmp_path) -> None:
    from readiness.importing import import_file
    from readiness.store.core import Store

    book = ledger(tmp_path / "l.xlsx", {"危险源辨识清单": [
        NO_PLACE, ["H-0001", "站台门", "客运组织", "站台门夹人", 3, 6, 15, "TM-KY1-01"]]})
    with Store.open(org_db) as store:
        done = import_file(store, book, actor=Actor("tester"), defaults={"location": "科技大道站"})
    assert (done.created, done.defaulted) == (1, {"location": 1})
    import sqlite3

    conn = sqlite3.connect(org_db)
    commands = [r[0] for r in conn.execute("select command from audit_log")]
    conn.close()
    assert any(c == "import l.xlsx --location 科技大道站" for c in commands), commands


def test_a_bad_default_is_refused_once_naming_its_option(run, org_db, tmp_path) -> None:
    book = ledger(tmp_path / "b.xlsx", {"危险源辨识清单": [
        NO_PLACE, *[[f"H-000{n}", "站台门", "客运组织", f"危险源{n}", 3, 6, 15, None]
                    for n in range(1, 4)]]})
    lines = refused(run, org_db, str(book), "--location", "S99")
    assert lines == ["危险源辨识清单, --location: line 'L9' has no location 'S99'",
                     f"Error: {book} has 1 problem(s); nothing was written"]
    lines = refused(run, org_db, str(book), "--location", "S01", "--owner-unit", "XX")
    assert len(lines) == 2 and lines[0].startswith("危险源辨识清单, --owner-unit: ") and "XX" in lines[0]
    # a kind whose sheet has no such column
    pdca = ledger(tmp_path / "p.xlsx", {"问题整改": [["编号"], ["P-1"]]})
    assert refused(run, org_db, str(pdca), "--location", "S01") == [
        "Error: --location: 问题整改 / PDCA has no such column to give every row a value for"]


def test_a_missing_required_column_says_add_it_or_give_the_option(run, org_db, tmp_path) -> None:
    book = ledger(tmp_path / "m.xlsx", {"危险源辨识清单": [
        NO_PLACE, ["H-0001", "站台门", "客运组织", "站台门夹人", 3, 6, 15, None]]})
    # a blank cell of such a column says so too
    blank = two_row_ledger(tmp_path / "blank.xlsx", [hazard("H-0001", "站台门夹人", loc=None)])
    assert refused(run, org_db, str(blank))[0] == (
        "危险源辨识清单!5, 位置 (B): required, may not be blank: fill it in, or give blank cells a "
        "value with --location")
    for kind in ([], ["--kind", "hazards"]):  # the kind told by the columns it has, or given
        assert refused(run, org_db, str(book), *kind)[0] == (
            "危险源辨识清单: no '位置' column: add the column, or give one for every row "
            "with --location")
    assert refused(run, org_db, str(book), "--kind", "hazards", lang="zh")[0] == (
        "危险源辨识清单: 没有“位置”列：加上此列，或用 --location 给出全部行的位置")


# --- merged ranges as the reader finds them in the package ---------------------------------------

def test_merged_ranges_are_read_from_the_part_across_chunk_edges(tmp_path, monkeypatch) -> None:
    from readiness.xlsx import limits, reader

    rows = [["作业活动", "危险源描述"]] + [[f"活动{n}" if n % 3 == 0 else None, f"危险源{n}"]
                                       for n in range(300)]
    merges = [f"A{n + 2}:A{n + 4}" for n in range(0, 300, 3)] + ["A1:B1"]
    book = ledger(tmp_path / "m.xlsx", {"清单": rows}, {"清单": merges})
    expected = sorted([(n + 2, 1, n + 4, 1) for n in range(0, 300, 3)] + [(1, 1, 1, 2)])
    for chunk in (7, 64, 1000, limits.CHUNK):  # a range cut by a chunk's end is still found
        monkeypatch.setattr(limits, "CHUNK", chunk)
        wb = reader.open_book(book)
        assert wb.merges("清单") == expected, chunk
        wb.close()
    # a prefixed namespace, as some producers write it
    part = zipfile.ZipFile(book).read("xl/worksheets/sheet1.xml").decode()
    prefixed = part.replace("<mergeCell ", "<x:mergeCell ")
    assert len(reader.MERGE_CELL.findall(prefixed.encode())) == len(merges)
    assert (b"A", b"2", b"A", b"4") in reader.MERGE_CELL.findall(prefixed.encode())


def test_rows_under_a_merged_range_take_its_value(tmp_path) -> None:
    from readiness.xlsx.reader import open_book, read_sheet

    book = ledger(tmp_path / "r.xlsx", {"清单": [
        ["作业活动", "危险源描述", "备注"], ["巡检", "夹人", "甲"], [None, "坠落", None],
        [None, "触电", None], ["驾驶", "冲突", None]]}, {"清单": ["A2:A4", "C2:C3"]})
    wb = open_book(book)
    head = read_sheet(wb, "清单")
    assert [list(v) for _, v in head.head] == [
        ["作业活动", "危险源描述", "备注"], ["巡检", "夹人", "甲"], ["巡检", "坠落", "甲"],
        ["巡检", "触电", ""], ["驾驶", "冲突", ""]]
    wb.close()


@pytest.mark.parametrize("kind,rows", [
    ("line", [["ID", "Name", "Kind", "Order"], ["S01", "甲站", "车站", 1]]),
])
def test_other_kinds_are_read_the_same_way(run, line_db, tmp_path, kind, rows) -> None:
    # any sheet name, a title row above, and a sheet besides: the line's locations
    book = ledger(tmp_path / "k.xlsx", {"封面": [["线路资料"]], "车站一览": [["车站一览表"], *rows]})
    result = run("import", str(book), "--kind", kind, db=line_db)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "车站一览: imported as 位置 / Locations, recognised by its header row", "封面: not imported"]


def test_a_sheet_with_too_many_merged_ranges_is_refused_naming_it(run, org_db, tmp_path,
                                                                  monkeypatch) -> None:
    from readiness.xlsx import reader

    monkeypatch.setattr(reader, "MAX_MERGES", 2)
    book = two_row_ledger(tmp_path / "many.xlsx", [hazard("H-0001", "站台门夹人")])
    assert refused(run, org_db, str(book)) == [
        f"Error: {book}, sheet “危险源辨识清单” has more than 2 merged ranges: unmerge the ones "
        "not needed, then import it"]


def test_a_csv_cell_right_of_the_header_is_named_by_its_letter(run, org_db, tmp_path) -> None:
    csv_file = tmp_path / "h.csv"
    csv_file.write_text("编号,位置,专业,风险类别,危险源描述\nH-0001,S01,站台门,客运组织,夹人,多出来的\n",
                        encoding="utf-8")
    assert refused(run, org_db, str(csv_file), "--kind", "hazards")[0] == (
        "h.csv!F2: column F holds data but has no header: give it one (starting with # if it is "
        "not to be imported)")
