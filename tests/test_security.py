"""Security properties: no SQL from string formatting, defused XML, outputs where asked, limits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import readiness
from workbooks import make_workbook

SOURCE_DIRS = ("readiness", "hazards", "drills")
# Statement shapes, not bare words ("drop" and "update" are also everyday words in messages).
SQL = (r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|PRAGMA\s|BEGIN\s+"
       r"(IMMEDIATE|DEFERRED|EXCLUSIVE|TRANSACTION)|(CREATE|DROP|ALTER)\s+(TABLE|INDEX))")
FORMATTED_SQL = [
    re.compile(r"""(execute|exec_driver_sql|text)\(\s*f["']"""),  # execute(f"…")
    re.compile(r"""f["'][^"'\n]*""" + SQL, re.I),  # an f-string holding SQL
    re.compile(r"""["'][^"'\n]*""" + SQL + r"""[^"'\n]*["']\s*(%|\.format\()""", re.I),
]


def source_files() -> list[Path]:
    root = Path(readiness.__file__).resolve().parent.parent
    files = [root / "cli.py"] if (root / "cli.py").exists() else []
    for folder in SOURCE_DIRS:
        files += sorted((root / folder).rglob("*.py"))
    return [f for f in files if "migrations" not in f.parts]


def test_no_sql_is_built_by_string_formatting() -> None:
    files = source_files()
    assert len(files) > 20
    offenders = [f"{f.name}:{n}: {line.strip()}" for f in files
                 for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
                 if any(p.search(line) for p in FORMATTED_SQL)]
    assert offenders == []


def test_the_grep_would_catch_formatted_sql() -> None:
    for bad in ('cur.execute(f"SELECT * FROM t WHERE id={x}")', 'q = f"DELETE FROM {t}"',
                '"UPDATE t SET a=%s" % value', '"SELECT {} FROM t".format(col)',
                'sql = f"select a from {table}"', 'x = f"PRAGMA busy_timeout={n}"'):
        assert any(p.search(bad) for p in FORMATTED_SQL), bad
    for fine in ('conn.execute(text("SELECT 1"))', 'store.write(user, f"checklist drop {code}")',
                 'f"update {name}"'):
        assert not any(p.search(fine) for p in FORMATTED_SQL), fine


def test_xml_parsing_is_defused() -> None:
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_outputs_go_only_where_asked(run, line_db, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.rglob("*"))
    out = tmp_path / "reports" / "r.html"
    assert run("report", "-o", str(out), db=line_db).exit_code == 0
    created = set(tmp_path.rglob("*")) - before
    created = {p for p in created if not p.name.startswith("store.db")}
    assert created == {out, out.parent}
    assert not list(out.parent.glob("*.partial"))
    assert run("template", "line", "-o", "t.xlsx", db=line_db).exit_code == 0
    assert (tmp_path / "t.xlsx").exists()


def test_import_row_and_cell_limits(run, line_db, tmp_path, monkeypatch) -> None:
    head = ["编号 ID", "名称 Name", "类型 Kind", "顺序 Order"]
    book = make_workbook(tmp_path / "many.xlsx", {"位置": [head] + [[f"S{n}", "站", "车站", n]
                                                             for n in range(1, 8)]})
    monkeypatch.setenv("READINESS_MAX_IMPORT_ROWS", "5")
    result = run("import", str(book), db=line_db)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "位置!6: the sheet has more than 5 rows, the import limit (READINESS_MAX_IMPORT_ROWS)")
    monkeypatch.setenv("READINESS_MAX_IMPORT_ROWS", "1000")
    monkeypatch.setenv("READINESS_MAX_CELL_CHARS", "50")
    long = make_workbook(tmp_path / "long.xlsx", {"位置": [head, ["S1", "站" * 60, "车站", 1]]})
    result = run("import", str(long), db=line_db)
    assert result.output.splitlines()[0] == (
        "位置!2, 名称 Name (B): the cell holds 60 characters, more than the limit of 50")


def test_file_size_limit_comes_from_the_environment(run, line_db, tmp_path, monkeypatch) -> None:
    big = make_workbook(tmp_path / "b.xlsx", {"位置": [["编号", "名称", "类型", "顺序"],
                                                      ["S1", "x" * 2000, "车站", 1]]})
    monkeypatch.setenv("READINESS_MAX_IMPORT_MB", "1")
    with open(big, "ab") as fh:  # pad past 1 MB: a zip reader ignores trailing bytes
        fh.write(b"\0" * (1024 * 1024 + 10))
    result = run("import", str(big), db=line_db)
    assert (result.exit_code, result.output) == (
        1, f"Error: {big} is larger than the import limit of 1 MB\n")


@pytest.mark.parametrize("kind", ["line", "hazards", "org", "pdca", "checklist", "trial-run",
                                  "drill-runs", "drill-catalogue"])
def test_every_template_kind_is_detected_from_its_own_template(run, line_db, tmp_path, kind):
    from readiness.importing import detect_kind, template_kind
    from readiness.xlsx.writer import write_template

    path = write_template(template_kind(kind), tmp_path / f"{kind}.xlsx", "zh")
    from python_calamine import CalamineWorkbook

    assert detect_kind(CalamineWorkbook.from_path(str(path)).sheet_names) == kind
