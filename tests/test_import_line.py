"""`readiness import` of the line template: validation, exact messages, atomicity, re-import."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from openpyxl import load_workbook

from workbooks import make_workbook

HEADER = ["编号 ID", "名称 Name", "类型 Kind", "顺序 Order"]


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def locations(run, db: str) -> list[dict]:
    result = run("location", "list", "--json", db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_template_is_recognised_and_imports(run, line_db: str, tmp_path: Path) -> None:
    template = tmp_path / "t.xlsx"
    assert run("template", "line", "-o", str(template), db=line_db).exit_code == 0
    wb = load_workbook(template)
    assert wb.sheetnames == ["Instructions", "Locations"]
    ws = wb["Locations"]
    assert [c.value for c in ws[1]] == [*HEADER, "备注 Note"]
    assert ws.freeze_panes == "A2"
    assert any("station" in str(dv.formula1).lower() or "Station" in str(dv.formula1)
               for dv in ws.data_validations.dataValidation)
    ws.append(["S01", "龙湖公园站", "Station", 1])
    ws.append(["Q01-02", "龙湖公园—科技大道区间", "区间", 2])
    ws.append(["S02", "科技大道站", "station", 3])
    wb.save(template)
    result = run("import", str(template), db=line_db)
    assert result.exit_code == 0, result.output
    assert result.output == f"{template}: created 3, updated 0, unchanged 0, rejected 0\n"
    assert [(r["code"], r["kind"], r["seq"]) for r in locations(run, line_db)] == [
        ("S01", "station", 1), ("Q01-02", "section", 2), ("S02", "station", 3)]


def test_reimport_updates_never_duplicates(run, line_db: str, tmp_path: Path) -> None:
    first = make_workbook(tmp_path / "a.xlsx", {"位置": [HEADER, ["S01", "A站", "车站", 1],
                                                        ["S02", "B站", "车站", 2]]})
    assert run("import", str(first), db=line_db).exit_code == 0
    second = make_workbook(tmp_path / "b.xlsx", {"位置": [HEADER, ["S01", "A站", "车站", 1],
                                                         ["S02", "B站（改）", "车站", 2],
                                                         ["S03", "C站", "车站", 3]]})
    result = run("import", str(second), db=line_db)
    assert result.output.endswith("created 1, updated 1, unchanged 1, rejected 0\n")
    assert [r["name"] for r in locations(run, line_db)] == ["A站", "B站（改）", "C站"]
    audit = json.loads(run("audit", "log", "--entity", "locations", "--key", "S02", "--json",
                           db=line_db).output)
    assert audit[0]["before"] == {"name": "B站"} and audit[0]["after"] == {"name": "B站（改）"}
    assert audit[0]["username"] == "tester"


def test_every_problem_is_reported_with_place_and_nothing_written(
        run, line_db: str, tmp_path: Path) -> None:
    bad = make_workbook(tmp_path / "bad.xlsx", {"Locations": [
        ["9号线 位置表"],  # a title row above the header, as ledgers have
        HEADER,
        ["S01", "A站", "车站", 1],
        ["S02", "", "地铁站", "二"],
        ["S01", "C站", "车站", 1],
        ["S04", "D站", "#N/A", 0],
    ]})
    before = digest(line_db)
    result = run("import", str(bad), db=line_db)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Locations!4, 名称 Name (B): required, may not be blank",
        "Locations!4, 类型 Kind (C): '地铁站' is not one of: Station / Section / Depot / "
        "Control centre",
        "Locations!4, 顺序 Order (D): '二' is not a number",
        "Locations!5, 编号 ID (A): ID 'S01' repeats row 3",
        "Locations!5, 顺序 Order (D): order 1 repeats row 3",
        # a real error cell (#N/A) reads as blank with the fast reader: still named, still refused
        "Locations!6, 类型 Kind (C): required, may not be blank",
        "Locations!6, 顺序 Order (D): order must be a positive whole number, not 0",
        f"Error: {bad} has 7 problem(s); nothing was written",
    ]
    assert "Traceback" not in result.output
    assert digest(line_db) == before
    assert locations(run, line_db) == []


def test_error_text_and_offset_columns(run, line_db: str, tmp_path: Path) -> None:
    """Text that is an Excel error value is refused; a table starting in column B keeps letters."""
    book = make_workbook(tmp_path / "b.xlsx", {"位置": [[None, *HEADER],
                                                       [None, "S01", "A站", "车站", "#VALUE!"]]})
    result = run("import", str(book), db=line_db)
    assert result.output.splitlines()[0] in (
        "位置!2, 顺序 Order (E): the cell holds the Excel error #VALUE!",
        "位置!2, 顺序 Order (E): required, may not be blank")


def test_messages_follow_the_language(run, line_db: str, tmp_path: Path) -> None:
    bad = make_workbook(tmp_path / "bad.xlsx", {"位置": [HEADER, ["S01", "A站", "车站", 1.5]]})
    result = run("import", str(bad), db=line_db, lang="zh")
    assert result.output.splitlines() == ["位置!2, 顺序 Order (D): “1.5”不是整数",
                                          f"错误：{bad} 有 1 处问题，未写入任何数据"]


def test_skip_invalid_writes_good_rows_and_dry_run_writes_none(
        run, line_db: str, tmp_path: Path) -> None:
    mixed = make_workbook(tmp_path / "m.xlsx", {"位置": [HEADER, ["S01", "A站", "车站", 1],
                                                        ["S02", "B站", "no-such-kind", 2]]})
    before = digest(line_db)
    dry = run("import", str(mixed), "--dry-run", "--skip-invalid", db=line_db)
    assert dry.exit_code == 0
    assert dry.output.endswith("1 of 2 rows would be rejected (dry run, nothing written)\n")
    assert digest(line_db) == before
    result = run("import", str(mixed), "--skip-invalid", db=line_db)
    assert result.exit_code == 0
    assert result.output.endswith("created 1, updated 0, unchanged 0, rejected 1\n")
    assert [r["code"] for r in locations(run, line_db)] == ["S01"]


def test_missing_required_column_and_unknown_template(run, line_db: str, tmp_path: Path) -> None:
    no_kind = make_workbook(tmp_path / "nk.xlsx", {"位置": [["编号", "名称", "顺序"],
                                                           ["S01", "A站", 1]]})
    result = run("import", str(no_kind), db=line_db)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "位置!1, 类型 Kind: required column is missing"
    other = make_workbook(tmp_path / "o.xlsx", {"Sheet9": [["a", "b"]]})
    result = run("import", str(other), db=line_db)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot tell which template {other} follows (sheets: "
                                    "Sheet9); name it with --kind: line, hazards")


def test_not_a_workbook_and_missing_file(run, line_db: str, tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("id,name\n1,x\n")
    result = run("import", str(fake), db=line_db)
    assert (result.exit_code, result.output) == (
        1, f"Error: {fake} is not an Excel workbook (.xlsx)\n")
    result = run("import", str(tmp_path / "gone.xlsx"), db=line_db)
    assert result.exit_code == 1 and "no such file" in result.output


def test_import_json_reports_counts(run, line_db: str, tmp_path: Path) -> None:
    ok = make_workbook(tmp_path / "ok.xlsx", {"Locations": [["ID", "Name", "Kind", "Order"],
                                                           ["OCC", "控制中心", "控制中心", 9]]})
    data = json.loads(run("import", str(ok), "--json", db=line_db).output)
    assert data == {"kind": "line", "path": str(ok), "written": True, "dry_run": False,
                    "rows": 1, "created": 1, "updated": 0, "unchanged": 0, "rejected": 0,
                    "problems": []}


def test_cli_against_postgresql(run, store_url: str, tmp_path: Path) -> None:
    """The shared-server mode end to end: init, import and audit through the CLI."""
    assert run("init", "--line", "L9", db=store_url).exit_code == 0
    book = make_workbook(tmp_path / "p.xlsx", {"位置": [HEADER, ["S01", "A站", "车站", 1]]})
    result = run("import", str(book), db=store_url)
    assert result.exit_code == 0, result.output
    assert [r["code"] for r in locations(run, store_url)] == ["S01"]
    bad = make_workbook(tmp_path / "q.xlsx", {"位置": [HEADER, ["S02", "B站", "车站", -1]]})
    assert run("import", str(bad), db=store_url).exit_code == 1
    assert [r["code"] for r in locations(run, store_url)] == ["S01"]
    audit = json.loads(run("audit", "log", "--limit", "0", "--json", db=store_url).output)
    assert [(a["action"], a["entity"]) for a in audit
            if a["entity"] in ("lines", "locations")] == [("create", "locations"),
                                                          ("create", "lines")]


def test_row_numbers_hold_far_down_a_long_sheet(run, line_db: str, tmp_path: Path) -> None:
    rows = [["9号线位置表"], HEADER] + [[f"S{n:03d}", f"站{n}", "车站", n] for n in range(1, 2501)]
    rows[2400][2] = "地铁站"  # Excel row 2401
    book = make_workbook(tmp_path / "long.xlsx", {"位置": rows})
    result = run("import", str(book), db=line_db)
    assert result.output.splitlines()[0].startswith("位置!2401, 类型 Kind (C): '地铁站'")
