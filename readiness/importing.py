"""`readiness import`: one importer for every template workbook.

A template kind declares its sheets and columns (bilingual headers, synonyms, value kinds) and two
hooks: `check` (references and cross-row rules) and `write` (store writes). This module does the
rest the same way for every kind: recognise the kind by sheet names, find the header row, parse
and validate every cell, report *every* problem as `sheet!row, column: reason`, and write nothing
unless the whole file is valid (or `--skip-invalid` drops the bad rows).
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness import vocab
from readiness.errors import ImportRejected, InvalidValue, Problem, ReadinessError

# Template kinds, imported only when used so that the CLI starts fast.
KINDS: dict[str, str] = {
    "line": "readiness.locations:LINE_TEMPLATE",
    "hazards": "hazards.excel:HAZARD_TEMPLATE",
}

HEADER_SCAN_ROWS = 10  # ledgers often carry a title block above the header row
EXAMPLE_MARKERS = ("示例", "example")
MAX_FILE_BYTES = 200 * 1024 * 1024
# Problems with the file's shape rather than one row: --skip-invalid cannot work around them.
STRUCTURAL = frozenset({"import.missing_column", "import.duplicate_header", "import.missing_sheet",
                        "import.no_header", "import.empty"})


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str = "text"  # text | int | number | date | bool | list | code:<set>
    required: bool = False
    synonyms: tuple[str, ...] = ()
    note_zh: str = ""
    note_en: str = ""
    example: object = None
    width: int = 16

    def header(self) -> str:
        return self.zh if self.zh == self.en else f"{self.zh} {self.en}"

    def aliases(self) -> set[str]:
        names = {self.key, self.zh, self.en, f"{self.zh} {self.en}", f"{self.zh}{self.en}",
                 *self.synonyms}
        return {vocab.normalise(n) for n in names}

    @property
    def code_set(self) -> str | None:
        return self.kind.removeprefix("code:") if self.kind.startswith("code:") else None


@dataclass(frozen=True)
class SheetSpec:
    key: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    key_column: str | None = "code"  # unique within the sheet
    required: bool = True
    synonyms: tuple[str, ...] = ()

    def aliases(self) -> set[str]:
        return {vocab.normalise(n) for n in (self.key, self.zh, self.en, f"{self.zh} {self.en}",
                                             *self.synonyms)}

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass
class Row:
    number: int  # the row number Excel shows
    values: dict[str, Any]


@dataclass
class SheetData:
    spec: SheetSpec
    name: str  # as in the file
    rows: list[Row] = field(default_factory=list)
    headers: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (letter, header)

    def problem(self, row: Row | int | None, column: str | None, key: str,
                **params: object) -> Problem:
        number = row.number if isinstance(row, Row) else row
        where = None
        if column is not None:
            letter, text = self.headers.get(column, ("", column))
            where = f"{text} ({letter})" if letter else text
        return Problem(self.name, number, where, key, params)


@dataclass
class ImportContext:
    """What a kind's hooks may use: the read session, the target line (if any), the user."""

    session: Any
    line: Any  # store Line or None
    user: str | None
    as_of: dt.date


@dataclass(frozen=True)
class TemplateKind:
    kind: str
    title_zh: str
    title_en: str
    sheets: tuple[SheetSpec, ...]
    check: Callable[[ImportContext, dict[str, SheetData]], list[Problem]]
    write: Callable[[Any, ImportContext, dict[str, SheetData]], dict[str, int]]
    needs_line: bool = True
    instructions_zh: tuple[str, ...] = ()
    instructions_en: tuple[str, ...] = ()


@dataclass
class ImportResult:
    kind: str
    path: str
    written: bool
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self, lang: str | None = None) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "written": self.written,
                "dry_run": self.dry_run, "rows": self.rows, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "rejected": self.rejected,
                "problems": [p.as_dict(lang) for p in self.problems]}


def template_kind(kind: str) -> TemplateKind:
    if kind not in KINDS:
        raise InvalidValue("import.unknown_kind", kind=kind, known=", ".join(sorted(KINDS)))
    module, attr = KINDS[kind].split(":")
    return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]


# --- reading workbooks -----------------------------------------------------------------------

def _open_workbook(path: Path) -> Any:
    """Open a workbook for a fast, streaming read (calamine, a Rust reader)."""
    if not path.exists():
        raise ReadinessError("import.no_file", path=str(path))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ReadinessError("import.too_large", path=str(path), limit=MAX_FILE_BYTES // 2**20)
    if not zipfile.is_zipfile(path):
        raise ReadinessError("import.not_xlsx", path=str(path))
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # the reader raises its own kinds for a damaged package
        raise ReadinessError("import.unreadable", path=str(path), reason=str(exc)[:200]) from exc


def detect_kind(sheet_names: Iterable[str]) -> str | None:
    names = {vocab.normalise(n) for n in sheet_names}
    for kind in KINDS:
        spec = template_kind(kind)
        if all(names & s.aliases() for s in spec.sheets if s.required):
            return kind
    return None


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _find_header(rows: list[tuple[int, tuple[Any, ...]]], spec: SheetSpec
                 ) -> tuple[int, dict[int, Column]] | None:
    alias_map = {alias: col for col in spec.columns for alias in col.aliases()}
    best: tuple[int, dict[int, Column]] | None = None
    for number, values in rows:
        found = {i: alias_map[_header_text(v)] for i, v in enumerate(values)
                 if v is not None and _header_text(v) in alias_map}
        if found and (best is None or len(found) > len(best[1])):
            best = (number, found)
    return best


def _header_text(value: Any) -> str:
    text = vocab.normalise(str(value)).rstrip("*").strip()
    return text


def read_sheet(sheet: Any, spec: SheetSpec, name: str, problems: list[Problem],
               progress: Callable[[int, int], None] | None = None) -> SheetData:
    """Parse one sheet: find the header, then type-check every cell of every row."""
    data = SheetData(spec, name)
    # calamine yields rows from row 1 but drops empty leading columns; put them back in the
    # letters so that messages name the column the user sees.
    offset = sheet.start[1] if sheet.start else 0
    total = sheet.total_height or 0
    rows_iter: Iterator[tuple[Any, ...]] = (
        tuple(None if v == "" else v for v in row) for row in sheet.iter_rows())
    head: list[tuple[int, tuple[Any, ...]]] = []
    for number, values in enumerate(rows_iter, start=1):
        head.append((number, values))
        if number >= HEADER_SCAN_ROWS:
            break
    found = _find_header(head, spec)
    if found is None:
        problems.append(Problem(name, None, None, "import.no_header",
                                {"expected": ", ".join(c.header() for c in spec.columns[:4])}))
        return data
    header_row, columns = found
    seen: dict[str, int] = {}
    for index, col in columns.items():
        letter = _column_letter(index + offset)
        if col.key in seen:
            problems.append(Problem(name, header_row, f"{col.header()} ({letter})",
                                    "import.duplicate_header",
                                    {"other": _column_letter(seen[col.key] + offset)}))
            continue
        seen[col.key] = index
        data.headers[col.key] = (letter, str(head[header_row - 1][1][index]).replace("\n", " "))
    for col in spec.columns:
        if col.required and col.key not in seen:
            problems.append(Problem(name, header_row, col.header(), "import.missing_column"))
    if any(p.sheet == name and p.key == "import.missing_column" for p in problems):
        return data
    body = [r for r in head if r[0] > header_row]
    by_key = {c.key: c for c in spec.columns}
    for number, values in _chain(body, rows_iter, len(head) + 1):
        if progress is not None and number % 2000 == 0:
            progress(number, total)
        if not any(v is not None and str(v).strip() != "" for v in values):
            continue
        first = values[min(seen.values())] if seen else None
        if isinstance(first, str) and first.strip().casefold().startswith(EXAMPLE_MARKERS):
            continue
        row = Row(number, {})
        errored = set()
        for key, index in seen.items():
            raw = values[index] if index < len(values) else None
            try:
                row.values[key] = parse_value(raw, by_key[key].kind)
            except CellError as err:
                problems.append(data.problem(row, key, err.key, **err.params))
                row.values[key] = None
                errored.add(key)
        for col in spec.columns:
            if col.required and col.key not in errored and row.values.get(col.key) in (None, "", []):
                problems.append(data.problem(row, col.key, "import.required"))
        data.rows.append(row)
    return data


def _chain(first: list[tuple[int, tuple[Any, ...]]], rest: Iterator[tuple[Any, ...]],
           start: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    yield from first
    yield from enumerate(rest, start=start)


# --- cell values -----------------------------------------------------------------------------

_DATE_PATTERNS = (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
                  re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"))
_TRUE = {"是", "yes", "y", "true", "1", "√", "✓"}
_FALSE = {"否", "no", "n", "false", "0", "×", "✗"}
_EXCEL_ERRORS = {"#n/a", "#value!", "#ref!", "#div/0!", "#num!", "#name?", "#null!"}


class CellError(Exception):
    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params


def parse_value(raw: Any, kind: str) -> Any:
    """Turn a cell into a typed value of `kind`, or raise CellError saying why it cannot."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return [] if kind == "list" else None
    if isinstance(raw, str) and raw.strip().casefold() in _EXCEL_ERRORS:
        raise CellError("cell.excel_error", value=raw.strip())
    if kind == "text":
        return _text(raw)
    if kind == "list":
        return [part.strip() for part in re.split(r"[\n|]", _text(raw)) if part.strip()]
    if kind == "int":
        number = _number(raw)
        if number != int(number):
            raise CellError("cell.not_whole", value=_text(raw))
        return int(number)
    if kind == "number":
        return _number(raw)
    if kind == "date":
        return _date(raw)
    if kind == "bool":
        text = vocab.normalise(_text(raw))
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise CellError("cell.not_bool", value=_text(raw))
    if kind.startswith("code:"):
        set_name = kind.removeprefix("code:")
        code = vocab.parse(set_name, raw)
        if code is None:
            raise CellError("cell.not_in_set", value=_text(raw),
                            allowed=" / ".join(vocab.choices(set_name)))
        return code
    raise ValueError(f"unknown column kind {kind}")


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat()
    return str(raw).strip()


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise CellError("cell.not_number", value=str(raw))
    if isinstance(raw, (int, float)):
        return float(raw)
    try:
        return float(vocab.normalise(str(raw)).replace(",", ""))
    except ValueError:
        raise CellError("cell.not_number", value=_text(raw)) from None


def _date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = vocab.normalise(_text(raw)).replace(" ", "")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                break
    raise CellError("cell.not_date", value=_text(raw))


# --- the import ------------------------------------------------------------------------------

def read_workbook(path: Path, kind: str | None,
                  progress: Callable[[int, int], None] | None = None
                  ) -> tuple[TemplateKind, dict[str, SheetData], list[Problem]]:
    wb = _open_workbook(path)
    try:
        names = list(wb.sheet_names)
        kind = kind or detect_kind(names)
        if kind is None:
            raise ReadinessError("import.unknown_template", path=str(path),
                                 sheets=", ".join(names), kinds=", ".join(KINDS))
        spec = template_kind(kind)
        problems: list[Problem] = []
        sheets: dict[str, SheetData] = {}
        for sheet in spec.sheets:
            match = next((n for n in names if vocab.normalise(n) in sheet.aliases()), None)
            if match is None:
                if sheet.required:
                    problems.append(Problem(sheet.title("zh") + " / " + sheet.en, None, None,
                                            "import.missing_sheet"))
                sheets[sheet.key] = SheetData(sheet, sheet.zh)
                continue
            sheets[sheet.key] = read_sheet(wb.get_sheet_by_name(match), sheet, match, problems,
                                           progress)
        return spec, sheets, problems
    finally:
        wb.close()


def duplicate_keys(data: SheetData) -> list[Problem]:
    key = data.spec.key_column
    if key is None:
        return []
    first_seen: dict[Any, int] = {}
    problems = []
    for row in data.rows:
        value = row.values.get(key)
        if value in (None, ""):
            continue
        if value in first_seen:
            problems.append(data.problem(row, key, "import.duplicate_key", value=value,
                                         first=first_seen[value]))
        else:
            first_seen[value] = row.number
    return problems


def import_file(store: Any, path: str | Path, *, kind: str | None = None, line: str | None = None,
                user: str | None = None, dry_run: bool = False, skip_invalid: bool = False,
                as_of: dt.date | None = None, command: str | None = None,
                progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Validate every row of a template workbook, then write it in one transaction.

    Raises ImportRejected (nothing written) when any row is bad, unless `skip_invalid`.
    """
    from readiness.store.lines import find_line

    path = Path(path)
    spec, sheets, problems = read_workbook(path, kind, progress)
    for data in sheets.values():
        problems.extend(duplicate_keys(data))
    rows = sum(len(d.rows) for d in sheets.values())
    if not rows and not problems:
        problems.append(Problem(sheets[spec.sheets[0].key].name, None, None, "import.empty"))
    with store.read() as session:
        target = find_line(session, line) if spec.needs_line else None
        ctx = ImportContext(session, target, user, as_of or dt.date.today())
        if not any(p.key in STRUCTURAL for p in problems):
            problems.extend(spec.check(ctx, sheets))
    problems.sort(key=lambda p: (p.sheet, p.row or 0, p.column or ""))
    bad_rows = {(p.sheet, p.row) for p in problems}
    structural = [p for p in problems if p.row is None or p.key in STRUCTURAL]
    result = ImportResult(spec.kind, str(path), written=False, dry_run=dry_run, rows=rows,
                          problems=problems)
    if problems and (not skip_invalid or structural):
        raise ImportRejected(str(path), problems)
    if skip_invalid:
        for data in sheets.values():
            kept = [r for r in data.rows if (data.name, r.number) not in bad_rows]
            result.rejected += len(data.rows) - len(kept)
            data.rows = kept
    if dry_run:
        return result
    with store.write(user, command or f"import {path.name}") as session:
        ctx = ImportContext(session, find_line(session, line) if spec.needs_line else None,
                            user, as_of or dt.date.today())
        counts = spec.write(session, ctx, sheets)
    result.written = True
    result.created = counts.get("created", 0)
    result.updated = counts.get("updated", 0)
    result.unchanged = counts.get("unchanged", 0)
    return result
