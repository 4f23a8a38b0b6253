"""The checks made on a workbook before the reader loads it (readiness/xlsx/limits.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from readiness.xlsx import columns, limits
from readiness.errors import ReadinessError


def _book(path: Path, cells: dict[str, dict[str, object]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, values in cells.items():
        ws = wb.create_sheet(sheet)
        for ref, value in values.items():
            ws[ref] = value
    wb.save(path)
    return path


@pytest.mark.parametrize("number, letters", [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"),
                                             (100, "CV"), (702, "ZZ"), (703, "AAA"),
                                             (16384, "XFD")])
def test_column_letters_and_numbers_agree(number: int, letters: str) -> None:
    assert columns.column_letters(number) == letters
    assert columns.column_number(letters.encode()) == number


def test_sheet_parts_follow_the_workbook_relationships(tmp_path: Path) -> None:
    path = _book(tmp_path / "b.xlsx", {"说明": {"A1": "x"}, "危险源": {"A1": "x"},
                                       "管控措施": {"A1": "x"}})
    with zipfile.ZipFile(path) as zf:
        parts = limits.sheet_parts(zf)
        assert set(parts) == {"说明", "危险源", "管控措施"}
        assert all(part in zf.namelist() for part in parts.values())
        assert len(set(parts.values())) == 3


@pytest.mark.parametrize("far, extent, cells", [("AB7", "A1:AB7", "196"), ("C40", "A1:C40", "120"),
                                                ("Z5", "A1:Z5", "130")])
def test_a_sheet_past_the_cell_limit_is_named_with_its_extent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, far: str, extent: str, cells: str) -> None:
    monkeypatch.setenv("READINESS_MAX_IMPORT_CELLS", "100")
    path = _book(tmp_path / "b.xlsx", {"位置": {"A1": "编号 ID", "B2": "S01", far: "x"},
                                       "其他": {"A1": "x"}})
    with zipfile.ZipFile(path) as zf:
        parts = limits.sheet_parts(zf)
        limits.check_sheet(str(path), zf, "其他", parts["其他"])  # one cell: within
        with pytest.raises(ReadinessError) as caught:
            limits.check_sheet(str(path), zf, "位置", parts["位置"])
    message = caught.value.message("en")
    assert f"sheet “位置” spans {extent} ({cells} cells)" in message
    assert "limit of 100 cells (READINESS_MAX_IMPORT_CELLS)" in message


def test_a_sheet_within_the_cell_limit_passes(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READINESS_MAX_IMPORT_CELLS", "196")
    path = _book(tmp_path / "b.xlsx", {"位置": {"A1": "x", "AB7": "x"}})
    with zipfile.ZipFile(path) as zf:
        limits.check_sheet(str(path), zf, "位置", limits.sheet_parts(zf)["位置"])


def test_a_cell_reference_counts_even_in_a_low_numbered_row(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """calamine places a cell by its own reference, so a cell claiming row 5,000 inside
    `<row r="1">` makes the grid 5,000 rows tall."""
    monkeypatch.setenv("READINESS_MAX_IMPORT_CELLS", "1000")
    path = tmp_path / "b.xlsx"
    _book(path, {"位置": {"A1": "x"}})
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = limits.sheet_parts(zipfile.ZipFile(path))["位置"]
    parts[sheet] = parts[sheet].replace(b'r="A1"', b'r="B5000"', 1)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    with zipfile.ZipFile(path) as zf, pytest.raises(ReadinessError) as caught:
        limits.check_sheet(str(path), zf, "位置", sheet)
    assert "spans A1:B5000 (10,000 cells)" in caught.value.message("en")


def test_unpacked_size_is_counted_not_taken_from_the_zip_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READINESS_MAX_UNZIPPED_MB", "1")
    path = tmp_path / "b.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * (2 * 1024 * 1024) + b"</sst>")
    with zipfile.ZipFile(path) as zf, pytest.raises(ReadinessError) as caught:
        limits.check_package(str(path), zf)
    assert "xl/sharedStrings.xml unpacks to more than the import limit of 1 MB" in \
        caught.value.message("en")


@pytest.mark.parametrize("value, expected", [("7", 7), ("0", 1), ("-5", 1), ("junk", 200)])
def test_limits_from_the_environment_are_safe(monkeypatch: pytest.MonkeyPatch, value: str,
                                              expected: int) -> None:
    monkeypatch.setenv("READINESS_TEST_LIMIT", value)
    assert limits.limit("READINESS_TEST_LIMIT", 200) == expected


def test_sheet_parts_follow_a_main_part_that_is_not_where_excel_puts_it(tmp_path: Path) -> None:
    """The package's own relationships name the workbook part; some writers use other names."""
    path = _book(tmp_path / "b.xlsx", {"位置": {"A1": "x"}, "危险源": {"A1": "x"}})
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
        expected = limits.sheet_parts(zf)
    parts["xl/main.xml"] = parts.pop("xl/workbook.xml")
    parts["xl/_rels/main.xml.rels"] = parts.pop("xl/_rels/workbook.xml.rels")
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(b"xl/workbook.xml", b"/xl/main.xml")
    moved = tmp_path / "moved.xlsx"
    with zipfile.ZipFile(moved, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    with zipfile.ZipFile(moved) as zf:
        assert limits.sheet_parts(zf) == expected
        assert set(expected.values()) <= set(limits.worksheet_parts(zf))
    with zipfile.ZipFile(moved, "a") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("xl/_rels/main.xml.rels", b"not xml")  # a later duplicate entry wins
    with zipfile.ZipFile(moved) as zf:
        assert limits.sheet_parts(zf) == {"位置": "", "危险源": ""}
