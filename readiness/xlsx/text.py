"""Text a spreadsheet would run as a formula (OWASP's CSV injection advice): stored as text in
.xlsx, prefixed with an apostrophe in .csv, and the apostrophe taken off again when a .csv is
read, so that export → import changes nothing."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> Any:
    """A CSV value: formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unquote_formula(value: str) -> str:
    """Undo `safe_text` on a value read from CSV."""
    if value[:1] == "'" and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


def safe_cell(ws: Any, value: Any) -> Any:
    """A write-only sheet's cell: formula-like text is stored as a string cell, never a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value
