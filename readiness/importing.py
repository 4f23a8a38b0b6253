"""`readiness import`: one importer for every template workbook.

A template kind declares its sheets and columns (bilingual headers, synonyms, value kinds) and two
hooks: `check` (references and cross-row rules) and `write` (store writes). This module does the
rest the same way for every kind: recognise the kind by sheet names, find the header row, parse
and validate every cell, report *every* problem as `sheet!row, column: reason`, and write nothing
unless the whole file is valid (or `--skip-invalid` drops the bad rows).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import importlib
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness.actor import Actor
from readiness import vocab, xlsx_limits
from readiness.errors import ImportRejected, InvalidValue, Problem, ReadinessError
from readiness.template_kinds import KINDS  # the registry; each kind is imported only when used
from readiness.xlsx_limits import limit

HEADER_SCAN_ROWS = 10  # ledgers often carry a title block above the header row
EXAMPLE_MARKERS = ("示例", "example")
IGNORED_MARK = "#"  # a column whose header starts with this is the user's own, never imported
# Text a spreadsheet would run as a formula; CSV exports put an apostrophe before it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The readiness report workbook (`readiness report -o FILE.xlsx`): its summary and matrix sheets.
REPORT_SHEETS = (("概览", "summary"), ("风险矩阵", "matrix"))


MAX_ROWS = limit("READINESS_MAX_IMPORT_ROWS", 1_000_000)
MAX_CELL_CHARS = limit("READINESS_MAX_CELL_CHARS", 32_767)  # Excel's own limit for a cell
# Problems with the file's shape rather than one row: --skip-invalid cannot work around them.
STRUCTURAL = frozenset({"import.missing_column", "import.duplicate_header", "import.missing_sheet",
                        "import.no_header", "import.empty", "import.too_many_rows",
                        "import.unknown_column", "import.unknown_column_like",
                        "import.unnamed_column"})


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
    errored: set[str] = field(default_factory=set)  # cells that failed to parse (reported)


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
    """What a kind's hooks may use: the session, the target line (if any), the user, and
    `state`, which persists across the chunks of one import (for rules spanning chunks)."""

    session: Any
    line: Any  # store Line or None
    user: str
    as_of: dt.date
    state: dict[str, Any] = field(default_factory=dict)


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
    # Called once after the last chunk, for rules that span the whole file.
    finish: Callable[[ImportContext, dict[str, SheetData]], list[Problem]] | None = None
    # The sheet streamed in chunks (default: the first); the others are read whole first.
    main: str | None = None
    # False: the whole file is one chunk, for small workbooks whose sheets all refer to each
    # other (the organisation) and must be validated together.
    stream: bool = True


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

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # Excel 97–2003, and Office's encrypted packages
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def _not_a_zip_reason(path: Path) -> str:
    """Say what the file is when it is a kind users often send instead of .xlsx."""
    with path.open("rb") as fh:
        head = fh.read(256 * 1024)
    if head.startswith(OLE_MAGIC):
        return "import.encrypted" if ENCRYPTED_STREAM in head else "import.old_xls"
    return "import.not_xlsx"


class Workbook:
    """A workbook opened for a fast read (calamine, a Rust reader), each sheet checked against
    the import limits before calamine loads it (see `xlsx_limits`)."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise ReadinessError("import.no_file", path=str(path))
        if path.stat().st_size > xlsx_limits.max_file_mb() * 1024 * 1024:
            raise ReadinessError("import.too_large", path=str(path),
                                 limit=xlsx_limits.max_file_mb())
        if not zipfile.is_zipfile(path):
            raise ReadinessError(_not_a_zip_reason(path), path=str(path))
        from python_calamine import CalamineWorkbook

        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
            xlsx_limits.check_package(str(path), self.zip)
            self.parts = xlsx_limits.sheet_parts(self.zip)
            self.book = CalamineWorkbook.from_path(str(path))
        except ReadinessError:
            self.close()
            raise
        except Exception as exc:  # zip damage, or calamine's own error kinds for it
            self.close()
            raise self.damaged(exc) from exc
        self.sheet_names: list[str] = list(self.book.sheet_names)

    def damaged(self, exc: BaseException) -> ReadinessError:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return ReadinessError("import.unreadable", path=str(self.path), reason=reason[:200])

    def sheet(self, name: str) -> Any:
        # a sheet whose part the relationships do not name: check every part that may be it
        parts = [self.parts[name]] if self.parts.get(name) else xlsx_limits.worksheet_parts(self.zip)
        try:
            for part in parts:
                xlsx_limits.check_sheet(str(self.path), self.zip, name, part)
            return self.book.get_sheet_by_name(name)
        except ReadinessError:
            raise
        except Exception as exc:  # zip or XML damage inside the sheet, found when it is read
            raise self.damaged(exc) from exc

    def find_sheet(self, spec: SheetSpec, main: bool) -> str | None:
        return next((n for n in self.sheet_names if vocab.normalise(n) in spec.aliases()), None)

    def close(self) -> None:
        for handle in (getattr(self, "book", None), getattr(self, "zip", None)):
            if handle is not None:
                handle.close()


def unquote_formula(value: str) -> str:
    """Undo the apostrophe a CSV export puts before formula-like text, so export → import is a
    no-op."""
    if value[:1] == "'" and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


class CsvSheet:
    """The one sheet of a CSV file, shaped like a calamine sheet: rows of text, streamed."""

    start = None
    end = None
    total_height = 0

    def __init__(self, path: Path, encoding: str) -> None:
        self.path, self.encoding = path, encoding

    def iter_rows(self) -> Iterator[tuple[Any, ...]]:
        try:
            with open(self.path, encoding=self.encoding, newline="") as fh:
                for row in csv.reader(fh):
                    yield tuple(unquote_formula(v) for v in row)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ReadinessError("import.unreadable", path=str(self.path),
                                 reason=f"{type(exc).__name__}: {exc}"[:200]) from exc


class CsvBook:
    """A .csv file (an export, or a sheet saved as CSV) read as a workbook of one sheet, named
    after the file so that messages say `FILE.csv!ROW, COLUMN: reason`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sheet_names = [path.name]
        self.encoding = _csv_encoding(path)

    def sheet(self, name: str) -> CsvSheet:
        return CsvSheet(self.path, self.encoding)

    def find_sheet(self, spec: SheetSpec, main: bool) -> str | None:
        return self.path.name if main else None

    def close(self) -> None:
        pass


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without the BOM Excel writes), else GB 18030: what Excel saves CSV as on a
    Chinese Windows."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    try:
        # a character cut at the end of the sample is fine
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "gb18030"


def open_book(path: Path) -> Workbook | CsvBook:
    """The file as a workbook: .xlsx (any name), or CSV when it is not a zip and is named .csv."""
    if not path.exists():
        raise ReadinessError("import.no_file", path=str(path))
    if path.suffix.lower() == ".csv" and not zipfile.is_zipfile(path):
        if path.stat().st_size > xlsx_limits.max_file_mb() * 1024 * 1024:
            raise ReadinessError("import.too_large", path=str(path),
                                 limit=xlsx_limits.max_file_mb())
        return CsvBook(path)
    return Workbook(path)


def is_report(sheet_names: Iterable[str]) -> bool:
    names = {vocab.normalise(n) for n in sheet_names}
    return all(names & set(pair) for pair in REPORT_SHEETS)


def detect_kind(sheet_names: Iterable[str]) -> str | None:
    names = {vocab.normalise(n) for n in sheet_names}
    for kind in KINDS:
        spec = template_kind(kind)
        if all(names & s.aliases() for s in spec.sheets if s.required):
            return kind
    return None


def _find_header(rows: list[tuple[int, tuple[Any, ...]]], spec: SheetSpec
                 ) -> tuple[int, dict[int, Column]] | None:
    alias_map = {alias: col for col in spec.columns for alias in col.aliases()}
    best: tuple[int, dict[int, Column]] | None = None
    for number, values in rows:
        found = {i: alias_map[_header_text(v)] for i, v in enumerate(values)
                 if not _blank(v) and _header_text(v) in alias_map}
        if found and (best is None or len(found) > len(best[1])):
            best = (number, found)
    return best


def _header_text(value: Any) -> str:
    text = vocab.normalise(str(value)).rstrip("*").strip()
    return text


def _unknown_column(spec: SheetSpec, sheet: str, row: int, letter: str, value: Any) -> Problem:
    """A header the sheet does not know, with the closest known spelling when one is close."""
    spellings: dict[str, str] = {}
    for col in spec.columns:
        for spelling in (col.zh, col.en, col.header(), *col.synonyms):
            spellings.setdefault(_header_text(spelling), spelling)
    close = difflib.get_close_matches(_header_text(value), list(spellings), n=1)
    params: dict[str, object] = {"value": _text(value)}
    if close:
        params["like"] = spellings[close[0]]
    return Problem(sheet, row, None,
                   "import.unknown_column_like" if close else "import.unknown_column",
                   params, cell=f"{letter}{row}")


@dataclass
class SheetStream:
    """A sheet whose header is found; `rows()` parses data rows lazily, one at a time."""

    data: SheetData
    columns: dict[str, int]  # column key -> index in the row
    pending: list[tuple[int, tuple[Any, ...]]]  # rows read while looking for the header
    rest: Iterator[tuple[Any, ...]]
    rest_starts_at: int  # the row number of the first row of `rest`
    total: int
    # Columns with a blank header (index -> letter): fine while empty, refused once data shows.
    unnamed: dict[int, str] = field(default_factory=dict)

    def rows(self, problems: list[Problem],
             progress: Callable[[int, int], None] | None = None) -> Iterator[Row]:
        data = self.data
        kinds = {c.key: c.kind for c in data.spec.columns}
        parsers = [(key, index, parser_for(kinds[key])) for key, index in self.columns.items()]
        required = [c.key for c in data.spec.columns if c.required]
        first_index = min(self.columns.values())
        known = sorted(self.columns.values())
        unnamed = self.unnamed
        for number, values in _chain(self.pending, self.rest, self.rest_starts_at):
            if progress is not None and number % 5000 == 0:
                progress(number, self.total)
            if number > MAX_ROWS:
                problems.append(Problem(data.name, number, None, "import.too_many_rows",
                                        {"limit": MAX_ROWS}))
                return
            for index in [i for i in unnamed if i < len(values) and not _blank(values[i])]:
                letter = unnamed.pop(index)
                problems.append(Problem(data.name, number, None, "import.unnamed_column",
                                        {"column": letter}, cell=f"{letter}{number}"))
            # a row is blank when every imported column is (the user's # columns do not count)
            if all(_blank(values[i]) for i in known if i < len(values)):
                continue
            first = values[first_index] if first_index < len(values) else None
            if isinstance(first, str) and first.strip().casefold().startswith(EXAMPLE_MARKERS):
                continue
            row = Row(number, {})
            cells = row.values
            errored = row.errored
            for key, index, parse in parsers:
                try:
                    raw = values[index] if index < len(values) else None
                    if isinstance(raw, str) and len(raw) > MAX_CELL_CHARS:
                        raise CellError("cell.too_long", length=len(raw), limit=MAX_CELL_CHARS)
                    cells[key] = parse(raw)
                except CellError as err:
                    problems.append(data.problem(row, key, err.key, **err.params))
                    cells[key] = None
                    errored.add(key)
            for key in required:
                if cells.get(key) in (None, "", []) and key not in errored:
                    problems.append(data.problem(row, key, "import.required"))
            yield row


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def open_sheet(sheet: Any, spec: SheetSpec, name: str, problems: list[Problem]
               ) -> SheetStream | None:
    """Find the header row of `sheet`; None (with a problem) when the sheet cannot be read."""
    data = SheetData(spec, name)
    if sheet.end and sheet.end[0] + 1 > MAX_ROWS:  # the last row's number: known before parsing
        problems.append(Problem(name, MAX_ROWS + 1, None, "import.too_many_rows", {"limit": MAX_ROWS}))
        return None
    # calamine yields rows from row 1 but drops empty leading columns; put them back in the
    # letters so that messages name the column the user sees.
    offset = sheet.start[1] if sheet.start else 0
    rows_iter: Iterator[tuple[Any, ...]] = iter(sheet.iter_rows())
    head: list[tuple[int, tuple[Any, ...]]] = []
    for number, values in enumerate(rows_iter, start=1):
        head.append((number, values))
        if number >= HEADER_SCAN_ROWS:
            break
    found = _find_header(head, spec)
    if found is None:
        problems.append(Problem(name, None, None, "import.no_header",
                                {"expected": ", ".join(c.header() for c in spec.columns[:4])}))
        return None
    header_row, columns = found
    header_cells = head[header_row - 1][1]
    unnamed: dict[int, str] = {}
    for index, value in enumerate(header_cells):
        if index in columns:
            continue
        letter = xlsx_limits.column_letters(index + offset + 1)
        if _blank(value):
            unnamed[index] = letter
        elif not _header_text(value).startswith(IGNORED_MARK):
            problems.append(_unknown_column(spec, name, header_row, letter, value))
    seen: dict[str, int] = {}
    missing = False
    for index, col in columns.items():
        letter = xlsx_limits.column_letters(index + offset + 1)
        if col.key in seen:
            problems.append(Problem(name, header_row, f"{col.header()} ({letter})",
                                    "import.duplicate_header",
                                    {"other": xlsx_limits.column_letters(seen[col.key] + offset + 1)}))
            continue
        seen[col.key] = index
        data.headers[col.key] = (letter, str(head[header_row - 1][1][index]).replace("\n", " "))
    for col in spec.columns:
        if col.required and col.key not in seen:
            problems.append(Problem(name, header_row, col.header(), "import.missing_column"))
            missing = True
    if missing:
        return None
    pending = [r for r in head if r[0] > header_row]
    return SheetStream(data, seen, pending, rows_iter, len(head) + 1, sheet.total_height or 0,
                       unnamed)


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


def parser_for(kind: str) -> Callable[[Any], Any]:
    """The parser for one column kind; blank cells (None, "", spaces) parse to None or []."""
    if kind == "text":
        return _parse_text
    if kind.startswith("code:"):
        set_name = kind.removeprefix("code:")
        return _guarded(lambda raw: _code(set_name, raw))
    return _guarded(_PARSERS[kind], empty=[] if kind == "list" else None)


def _guarded(parse: Callable[[Any], Any], empty: Any = None) -> Callable[[Any], Any]:
    def parse_cell(raw: Any) -> Any:
        if raw is None:
            return empty
        if isinstance(raw, str):
            text = raw.strip()
            if not text:
                return empty
            if text[0] == "#" and text.casefold() in _EXCEL_ERRORS:
                raise CellError("cell.excel_error", value=text)
        return parse(raw)
    return parse_cell


def _parse_text(raw: Any) -> str | None:
    """The common case, kept short: most cells of a register are text."""
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if text[:1] == "#" and text.casefold() in _EXCEL_ERRORS:
            raise CellError("cell.excel_error", value=text)
        return text or None
    return _text(raw)


def _code(set_name: str, raw: Any) -> str:
    code = vocab.parse(set_name, raw if isinstance(raw, str) else _text(raw))  # 2.0 → "2"
    if code is None:
        raise CellError("cell.not_in_set", value=_text(raw),
                        allowed=" / ".join(vocab.choices(set_name)))
    return code


def _int(raw: Any) -> int:
    number = _count(raw)
    if number != int(number):
        raise CellError("cell.not_whole", value=_text(raw))
    if abs(number) > 2**53:  # beyond what a count can be, and what a database integer holds
        raise CellError("cell.out_of_range", value=_text(raw))
    return int(number)


def _bool(raw: Any) -> bool:
    text = vocab.normalise(_text(raw))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("cell.not_bool", value=_text(raw))


def _list(raw: Any) -> list[str]:
    return [part.strip() for part in re.split(r"[\n|]", _text(raw)) if part.strip()]


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat()
    return str(raw).strip()


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise CellError("cell.not_number", value=str(raw))
    try:
        number = float(raw) if isinstance(raw, (int, float)) else float(
            vocab.normalise(str(raw)).replace(",", ""))
    except ValueError:
        raise CellError("cell.not_number", value=_text(raw)) from None
    if not math.isfinite(number):  # "nan", "inf": text that float() accepts but no count is
        raise CellError("cell.not_number", value=_text(raw))
    return number


def _count(raw: Any) -> float:
    """Every number a template asks for is a count, minutes or days: never below zero."""
    number = _number(raw)
    if number < 0:
        raise CellError("cell.negative", value=_text(raw))
    return number


def _date(raw: Any) -> dt.date:
    """A date cell, or text such as 2026-10-01, 2026/10/1 or 2026年10月1日."""
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

CHUNK_ROWS = 2000  # rows validated and written together; bounds memory on large files


def detect_csv_kind(book: CsvBook) -> str | None:
    """The kind whose main sheet's required columns a CSV file's header row holds (the most
    recognised columns wins)."""
    rows = []
    for number, values in enumerate(book.sheet(book.path.name).iter_rows(), start=1):
        rows.append((number, values))
        if number >= HEADER_SCAN_ROWS:
            break
    best: tuple[int, str] | None = None
    for kind in KINDS:
        spec = template_kind(kind)
        main = next(s for s in spec.sheets if s.key == (spec.main or spec.sheets[0].key))
        found = _find_header(rows, main)
        if found is None:
            continue
        keys = {col.key for col in found[1].values()}
        if all(c.key in keys for c in main.columns if c.required) and (
                best is None or len(keys) > best[0]):
            best = (len(keys), kind)
    return best[1] if best else None


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_file(store: Any, path: str | Path, *, kind: str | None = None, line: str | None = None,
                actor: Actor, dry_run: bool = False, skip_invalid: bool = False,
                as_of: dt.date | None = None,
                progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Validate every row of a template workbook and write it in one transaction.

    The main sheet is streamed in chunks: each chunk is validated and written inside the one
    write transaction, which is rolled back when any row anywhere is bad, so nothing is written
    (ImportRejected) unless `skip_invalid` drops the bad rows. Side sheets (e.g. controls) are
    read whole first. Memory stays bounded however long the file is.
    """
    from readiness.store.lines import find_line

    path = Path(path)
    wb = open_book(path)
    try:
        names = wb.sheet_names
        if is_report(names):
            raise ReadinessError("import.report_workbook", path=str(path))
        if isinstance(wb, CsvBook):
            kind = kind or detect_csv_kind(wb)
            if kind is None:
                raise ReadinessError("import.csv_kind", path=str(path), kinds=", ".join(KINDS))
        kind = kind or detect_kind(names)
        if kind is None:
            raise ReadinessError("import.unknown_template", path=str(path),
                                 sheets=", ".join(names), kinds=", ".join(KINDS))
        spec = template_kind(kind)
        main_spec = next(s for s in spec.sheets if s.key == (spec.main or spec.sheets[0].key))
        side_specs = [s for s in spec.sheets if s is not main_spec]
        problems: list[Problem] = []
        side: dict[str, SheetData] = {}
        for sheet in side_specs:
            match = wb.find_sheet(sheet, main=False)
            stream = open_sheet(wb.sheet(match), sheet, match, problems) if match else None
            side[sheet.key] = stream.data if stream else SheetData(sheet, sheet.zh)
            if stream:
                side[sheet.key].rows = list(stream.rows(problems))
        match = wb.find_sheet(main_spec, main=True)
        if match is None:
            problems.append(Problem(f"{main_spec.zh} / {main_spec.en}", None, None,
                                    "import.missing_sheet"))
        main = open_sheet(wb.sheet(match), main_spec, match, problems) if match else None
        if main is None or any(p.key in STRUCTURAL for p in problems):
            raise ImportRejected(str(path), problems)
        for data in side.values():
            problems.extend(_duplicates_across(data, {}))
        if skip_invalid:
            for data in side.values():
                bad = {p.row for p in problems if p.sheet == data.name}
                data.rows = [r for r in data.rows if r.number not in bad]
        result = ImportResult(spec.kind, str(path), written=False, dry_run=dry_run)
        session_scope = (store.read() if dry_run else
                         store.write(actor, f"import {path.name}"))
        with session_scope as session:
            ctx = ImportContext(session, find_line(session, line) if spec.needs_line else None,
                                actor.user, as_of or dt.date.today())
            counts = {"created": 0, "updated": 0, "unchanged": 0}
            keys_seen: dict[Any, int] = {}
            mark = len(problems)  # cell problems of a chunk arrive while the chunk is read
            size = CHUNK_ROWS if spec.stream else 1 << 62
            for chunk in _chunks(main.rows(problems, progress), size):
                before, mark = mark, len(problems)
                data = SheetData(main_spec, main.data.name, chunk, main.data.headers)
                problems.extend(_duplicates_across(data, keys_seen))
                problems.extend(spec.check(ctx, {main_spec.key: data, **side}))
                result.rows += len(chunk)
                chunk_problems = problems[before:]
                mark = len(problems)
                if skip_invalid and chunk_problems:
                    bad = {p.row for p in chunk_problems if p.sheet == data.name}
                    data.rows = [r for r in chunk if r.number not in bad]
                    result.rejected += len(chunk) - len(data.rows)
                if dry_run or (problems and not skip_invalid):
                    continue  # keep validating to report everything; nothing more is written
                for key, value in spec.write(session, ctx, {main_spec.key: data, **side}).items():
                    counts[key] = counts.get(key, 0) + value
            if spec.finish is not None:
                problems.extend(spec.finish(ctx, {main_spec.key: main.data, **side}))
            if result.rows == 0:
                problems.append(Problem(main.data.name, None, None, "import.empty"))
            problems.sort(key=_reading_order)
            result.problems = problems
            structural = any(p.row is None or p.key in STRUCTURAL for p in problems)
            if problems and (not skip_invalid or structural):
                raise ImportRejected(str(path), problems)  # rolls the transaction back
            if skip_invalid and not dry_run:
                result.rejected += len({(p.sheet, p.row) for p in problems
                                        if p.sheet != main.data.name})
    finally:
        wb.close()
    if not dry_run:
        result.written = True
        result.created = counts["created"]
        result.updated = counts["updated"]
        result.unchanged = counts["unchanged"]
    return result


def _reading_order(p: Problem) -> tuple[str, int, int, str]:
    """Sheet, row, then column left to right (by the letter in "header (C)" or the cell "C1")."""
    match = (re.match(r"([A-Z]+)", p.cell) if p.cell else
             re.search(r"\(([A-Z]+)\)$", p.column or ""))
    col = 0
    for ch in match.group(1) if match else "":
        col = col * 26 + ord(ch) - 64
    return (p.sheet, p.row or 0, col, p.column or "")


def future_dates(data: SheetData, keys: Iterable[str], today: dt.date) -> list[Problem]:
    """Dates of what has already happened (a review, an education, a signature, a check) that
    fall after today: refused, naming the cell."""
    return [data.problem(row, key, "cell.in_future", value=row.values[key].isoformat(),
                         today=today.isoformat())
            for row in data.rows for key in keys
            if isinstance(row.values.get(key), dt.date) and row.values[key] > today]


def _duplicates_across(data: SheetData, seen: dict[Any, int]) -> list[Problem]:
    """Duplicate IDs in the main sheet, across chunks (the first occurrence wins)."""
    key = data.spec.key_column
    if key is None:
        return []
    problems = []
    for row in data.rows:
        value = row.values.get(key)
        if value in (None, ""):
            continue
        if value in seen:
            problems.append(data.problem(row, key, "import.duplicate_key", value=value,
                                         first=seen[value]))
        else:
            seen[value] = row.number
    return problems


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "text": lambda raw: _text(raw), "list": _list, "int": _int,
    "number": lambda raw: _count(raw), "date": lambda raw: _date(raw), "bool": _bool,
}
