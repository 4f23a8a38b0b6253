"""Reading a workbook: open it (calamine for .xlsx, the csv module for .csv), find each sheet's
header row, and stream its rows parsed by column kind.

Every sheet is checked against the import limits (`limits`) before calamine loads it, and every
problem is collected as `sheet!row, column: reason` rather than raised, so that a user sees
everything wrong at once. Header matching is forgiving: a title block above the header, Chinese
or English or both, synonyms, full-width characters and a trailing `*` are all fine.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness import vocab
from readiness.errors import Problem, ReadinessError
from readiness.xlsx import limits
from readiness.xlsx.cells import CellError, cell_text, parser_for
from readiness.xlsx.columns import column_letters
from readiness.xlsx.spec import EXAMPLE_MARKERS, IGNORED_MARK, Column, Row, SheetData, SheetSpec
from readiness.xlsx.text import unquote_formula

HEADER_SCAN_ROWS = 10  # ledgers often carry a title block above the header row

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
    the import limits before calamine loads it (see `limits`)."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise ReadinessError("import.no_file", path=str(path))
        if path.stat().st_size > limits.max_file_mb() * 1024 * 1024:
            raise ReadinessError("import.too_large", path=str(path),
                                 limit=limits.max_file_mb())
        if not zipfile.is_zipfile(path):
            raise ReadinessError(_not_a_zip_reason(path), path=str(path))
        from python_calamine import CalamineWorkbook

        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
            limits.check_package(str(path), self.zip)
            self.parts = limits.sheet_parts(self.zip)
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
        parts = [self.parts[name]] if self.parts.get(name) else limits.worksheet_parts(self.zip)
        try:
            for part in parts:
                limits.check_sheet(str(self.path), self.zip, name, part)
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
        pass  # each CsvSheet opens and closes the file itself: nothing is held open here


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
        if path.stat().st_size > limits.max_file_mb() * 1024 * 1024:
            raise ReadinessError("import.too_large", path=str(path),
                                 limit=limits.max_file_mb())
        return CsvBook(path)
    return Workbook(path)


# --- a sheet's header and rows ----------------------------------------------------------------

def first_rows(rows: Iterator[tuple[Any, ...]]) -> list[tuple[int, tuple[Any, ...]]]:
    """The rows a header may be in, numbered from 1, taken off the front of `rows`."""
    head = []
    for number, values in enumerate(rows, start=1):
        head.append((number, values))
        if number >= HEADER_SCAN_ROWS:
            break
    return head


def find_header(rows: list[tuple[int, tuple[Any, ...]]], spec: SheetSpec
                ) -> tuple[int, dict[int, Column]] | None:
    """The row (number, and column index → Column) that names the most of the sheet's columns."""
    alias_map = {alias: col for col in spec.columns for alias in col.aliases()}
    best: tuple[int, dict[int, Column]] | None = None
    for number, values in rows:
        found = {i: alias_map[header_text(v)] for i, v in enumerate(values)
                 if not _blank(v) and header_text(v) in alias_map}
        if found and (best is None or len(found) > len(best[1])):
            best = (number, found)
    return best


def header_text(value: Any) -> str:
    """A header as matched: normalised, without the `*` templates mark required columns with."""
    return vocab.normalise(str(value)).rstrip("*").strip()


def _unknown_column(spec: SheetSpec, sheet: str, row: int, letter: str, value: Any) -> Problem:
    """A header the sheet does not know, with the closest known spelling when one is close."""
    spellings: dict[str, str] = {}
    for col in spec.columns:
        for spelling in (col.zh, col.en, col.header(), *col.synonyms):
            spellings.setdefault(header_text(spelling), spelling)
    close = difflib.get_close_matches(header_text(value), list(spellings), n=1)
    params: dict[str, object] = {"value": cell_text(value)}
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
        max_rows, max_chars = limits.max_rows(), limits.max_cell_chars()
        for number, values in _chain(self.pending, self.rest, self.rest_starts_at):
            if progress is not None and number % 5000 == 0:
                progress(number, self.total)
            if number > max_rows:
                problems.append(Problem(data.name, number, None, "import.too_many_rows",
                                        {"limit": max_rows}))
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
                    if isinstance(raw, str) and len(raw) > max_chars:
                        raise CellError("cell.too_long", length=len(raw), limit=max_chars)
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
    max_rows = limits.max_rows()
    if sheet.end and sheet.end[0] + 1 > max_rows:  # the last row's number: known before parsing
        problems.append(Problem(name, max_rows + 1, None, "import.too_many_rows",
                                {"limit": max_rows}))
        return None
    # calamine yields rows from row 1 but drops empty leading columns; put them back in the
    # letters so that messages name the column the user sees.
    offset = sheet.start[1] if sheet.start else 0
    rows_iter: Iterator[tuple[Any, ...]] = iter(sheet.iter_rows())
    head = first_rows(rows_iter)
    found = find_header(head, spec)
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
        letter = column_letters(index + offset + 1)
        if _blank(value):
            unnamed[index] = letter
        elif not header_text(value).startswith(IGNORED_MARK):
            problems.append(_unknown_column(spec, name, header_row, letter, value))
    seen: dict[str, int] = {}
    missing = False
    for index, col in columns.items():
        letter = column_letters(index + offset + 1)
        if col.key in seen:
            problems.append(Problem(name, header_row, f"{col.header()} ({letter})",
                                    "import.duplicate_header",
                                    {"other": column_letters(seen[col.key] + offset + 1)}))
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


