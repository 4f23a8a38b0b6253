"""Build small real .xlsx files for import tests. Strings are written as text cells."""

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
            for cell in ws[ws.max_row]:  # text is text: openpyxl would store "=…" as a formula
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    wb.save(path)
    return path
