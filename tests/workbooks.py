"""Build small real .xlsx files for import tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook


def make_workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path
