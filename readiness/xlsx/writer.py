"""Writing workbooks: fillable templates and exports (openpyxl), and CSV exports.

Templates get an instructions sheet in both languages, frozen bilingual headers, a drop-down for
every coded column (from a hidden list sheet when the list is too long to type into the
validation) and an example row the importer skips. Text that a spreadsheet would run as a formula
is neutralised on the way out (`text`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from readiness import vocab
from readiness.xlsx.columns import column_letters
from readiness.xlsx.spec import EXAMPLE_MARKERS, IGNORED_MARK, Column, SheetSpec, TemplateKind
from readiness.xlsx.text import safe_cell, safe_text

HEADER_FILL = "1F4E79"
EXAMPLE_FONT = "7F7F7F"
# Excel refuses a typed drop-down list ("a,b,c") longer than this; longer lists live on a sheet.
TYPED_LIST_LIMIT = 255
LIST_SHEET = {"zh": "下拉列表", "en": "Lists"}


def _cell_example(col: Column, lang: str) -> Any:
    if col.code_set and col.example is not None:
        return vocab.label(col.code_set, str(col.example), lang)
    return col.example


def write_template(spec: TemplateKind, path: str | Path, lang: str = "zh") -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    info = wb.active
    info.title = "说明" if lang == "zh" else "Instructions"
    info.column_dimensions["A"].width = 110
    lines_zh = [f"{spec.title_zh} 导入模板", *spec.instructions_zh,
                f"示例行（编号以“{EXAMPLE_MARKERS[0]}”开头）导入时跳过；表头可用中文或英文。",
                f"不认识的列会被拒绝，以免填写的内容被悄悄丢掉；自己要用、不导入的列，请让表头以"
                f" {IGNORED_MARK} 开头（如“{IGNORED_MARK} 备注”）。"]
    lines_en = [f"{spec.title_en} import template", *spec.instructions_en,
                "The example row (ID starting with 'example') is skipped on import; headers may "
                "be in Chinese or English.",
                "A column the importer does not know is refused, so that nothing you typed is "
                f"silently dropped; start the header of a column of your own with {IGNORED_MARK} "
                f"(e.g. '{IGNORED_MARK} remarks') and it is not imported."]
    for text in [*lines_zh, "", *lines_en]:
        info.append([text])
    info["A1"].font = Font(bold=True, size=14)
    info[f"A{len(lines_zh) + 2}"].font = Font(bold=True, size=14)
    for sheet in spec.sheets:
        info.append([])
        info.append([f"{sheet.zh} / {sheet.en}"])
        info.cell(info.max_row, 1).font = Font(bold=True)
        for col in sheet.columns:
            must = "（必填 required）" if col.required else ""
            note = " ".join(n for n in (col.note_zh, col.note_en) if n)
            if col.code_set:
                note += " " + " / ".join(c.bilingual() for c in vocab.codes(col.code_set).values())
            info.append([f"  {col.header()}{must}: {note}".rstrip(": ")])
    for sheet in spec.sheets:
        ws = wb.create_sheet(sheet.title(lang))
        ws.append([col.header() for col in sheet.columns])
        for index, col in enumerate(sheet.columns, start=1):
            cell = ws.cell(1, index)
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            ws.column_dimensions[column_letters(index)].width = col.width
        ws.row_dimensions[1].height = 32
        ws.freeze_panes = "A2"
        example = [_cell_example(col, lang) for col in sheet.columns]
        if any(v is not None for v in example):
            example[0] = f"{EXAMPLE_MARKERS[0]}-{example[0]}" if example[0] else EXAMPLE_MARKERS[0]
            ws.append(example)
            for index in range(1, len(sheet.columns) + 1):
                ws.cell(2, index).font = Font(italic=True, color=EXAMPLE_FONT)
        for index, col in enumerate(sheet.columns, start=1):
            if col.code_set:
                letter = column_letters(index)
                dv = DataValidation(type="list", formula1=_list_source(wb, col.code_set, lang),
                                    allow_blank=True, showErrorMessage=True, errorStyle="stop")
                if not col.drop_down_strict:  # other words are the ledger's own: say, not stop
                    dv.errorStyle = "information"
                    dv.errorTitle = col.header()[:32]
                    dv.error = (col.note_zh if lang == "zh" else col.note_en)[:255]
                dv.add(f"{letter}2:{letter}5000")
                ws.add_data_validation(dv)
    if LIST_SHEET[lang] in wb.sheetnames:  # last, after the sheets a user fills in
        lists = wb[LIST_SHEET[lang]]
        wb.move_sheet(lists, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(lists.title))
    return save(wb, path)


def _list_source(wb: Any, set_name: str, lang: str) -> str:
    """A drop-down's values: typed into the validation when short enough, else a column of the
    hidden list sheet (one column per coded set, written once)."""
    options = vocab.choices(set_name, lang)
    typed = ",".join(options)
    if len(typed) <= TYPED_LIST_LIMIT:
        return f'"{typed}"'
    from openpyxl.utils import quote_sheetname

    title = LIST_SHEET[lang]
    if title not in wb.sheetnames:
        lists = wb.create_sheet(title)
        lists.sheet_state = "hidden"
    lists = wb[title]
    header = [c.value for c in lists[1]] if lists.max_row >= 1 and lists["A1"].value else []
    if set_name in header:
        index = header.index(set_name) + 1
    else:
        index = len(header) + 1
        lists.cell(1, index, set_name)
        for row, option in enumerate(options, start=2):
            lists.cell(row, index, option)
    letter = column_letters(index)
    return f"{quote_sheetname(title)}!${letter}$2:${letter}${len(options) + 1}"


def write_sheets(path: Path, sheets: list[tuple[SheetSpec, list[list[Any]]]]) -> None:
    """An export workbook: one sheet per spec, bilingual frozen headers, formulas neutralised."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook(write_only=True)
    for spec, rows in sheets:
        ws = wb.create_sheet(spec.zh)
        for index, col in enumerate(spec.columns):
            ws.column_dimensions[column_letters(index + 1)].width = col.width
        ws.freeze_panes = "A2"
        header = []
        for col in spec.columns:
            cell = WriteOnlyCell(ws, value=col.header())
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            cell.alignment = Alignment(wrap_text=True)
            header.append(cell)
        ws.append(header)
        for row in rows:
            ws.append([safe_cell(ws, v) for v in row])
    save(wb, path)


def write_styled_rows(path: Path, title: str, widths: list[int],
                      rows: Iterable[tuple[str, list[Any]]]) -> None:
    """A printable one-sheet workbook (handbooks and the like), written row by row: each row is
    (style, values), style "title" (large bold), "section" (bold first cell), "heading" (the
    header colours) or "" (plain text, formulas neutralised)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[column_letters(index)].width = width
    fonts = {"title": Font(bold=True, size=15), "section": Font(bold=True, size=13),
             "heading": Font(bold=True, color="FFFFFF")}
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    wrap = Alignment(wrap_text=True, vertical="center")

    def styled(value: Any, style: str) -> Any:
        cell = WriteOnlyCell(ws, value=value)
        cell.font = fonts[style]
        if style == "heading":
            cell.fill, cell.alignment = fill, wrap
        return cell

    for style, values in rows:
        if style in ("title", "section"):
            ws.append([styled(values[0], style), *values[1:]] if values else [])
        elif style == "heading":
            ws.append([styled(v, style) for v in values])
        else:
            ws.append([safe_cell(ws, v) for v in values])
    save(wb, path)


def save(wb: Any, path: str | Path) -> Path:
    """Save an openpyxl workbook to `path`, making its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    """A CSV export of one sheet: UTF-8 with the BOM Excel needs to read it as UTF-8, and
    formula-like text prefixed with an apostrophe (the reader takes it off again)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow([safe_text(v) for v in row])
