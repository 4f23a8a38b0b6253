"""Reading a workbook: open it (calamine for .xlsx, the csv module for .csv), find each sheet's
header row, and stream its rows parsed by column kind.

Every sheet is checked against the import limits (`limits`) before calamine loads it, and every
problem is collected as `sheet!row, column: reason` rather than raised, so that a user sees
everything wrong at once. Ledgers are read as they are kept:

- header matching is forgiving: a title block or form code above the header, Chinese or English
  or both, synonyms, full-width characters and a trailing `*` are all fine;
- a header over two rows (危险性评价 merged above L / E / C / D) is read as one: the lower row's
  text, else the upper cell alone over a blank lower cell;
- merged cells, which calamine does not fill, are read from the sheet's `<mergeCells>`: a cell
  merged down applies to every row it spans, a cell merged across belongs to its first column;
- a header repeated further down (a printed page break) is skipped and counted, never read as
  data.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import re
import zipfile
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness import vocab
from readiness.errors import Problem, ReadinessError, one_line
from readiness.xlsx import limits
from readiness.xlsx.cells import CellError, cell_text, parser_for
from readiness.xlsx.columns import column_letters, column_number
from readiness.xlsx.spec import EXAMPLE_MARKERS, IGNORED_MARK, Column, Row, SheetData, SheetSpec
from readiness.xlsx.text import unquote_formula

HEADER_SCAN_ROWS = 10  # ledgers often carry a title block above the header row
MAX_MERGES = 1_000_000  # merged ranges a sheet may have that the reader must keep while reading

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # Excel 97–2003, and Office's encrypted packages
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

# One merged range of a sheet's <mergeCells> (any namespace prefix): its first and last cell.
MERGE_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref\s*=\s*["\']'
                        rb'\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?')
MERGE_TAIL = 512  # bytes kept between chunks: longer than any <mergeCell …ref="…"> a match needs

Numbered = tuple[int, Sequence[Any]]  # a row: its number as Excel shows it, and its cells
Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (from 1)


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
        self._merges: dict[str, list[Merge]] = {}
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

    def merges(self, name: str) -> list[Merge]:
        """The sheet's merged ranges that change what is read: those merged down, and those in
        the rows a header may be in (a group over two-row headers). A range merged across only,
        below the header, needs nothing: its first column holds the value, the others are blank.
        Read once per sheet from the part in the zip (calamine does not fill merged cells)."""
        if name not in self._merges:
            part = self.parts.get(name)
            try:
                self._merges[name] = (_read_merges(str(self.path), self.zip, name, part)
                                      if part else [])
            except ReadinessError:
                raise
            except Exception as exc:  # zip damage inside the part
                raise self.damaged(exc) from exc
        return self._merges[name]

    def find_sheet(self, spec: SheetSpec, main: bool) -> str | None:
        return next((n for n in self.sheet_names if vocab.normalise(n) in spec.aliases()), None)

    def close(self) -> None:
        for handle in (getattr(self, "book", None), getattr(self, "zip", None)):
            if handle is not None:
                handle.close()


def _read_merges(path: str, zf: zipfile.ZipFile, sheet: str, part: str) -> list[Merge]:
    """Stream the sheet's part once for its `<mergeCell ref="A1:B2">` elements (they follow the
    cells, at the end of the part). Only the `mergeCell` elements cost a regular-expression
    search; the rest is one substring search a chunk. Kept: the ranges merged down, and those in
    the rows a header may be in (at most MAX_MERGES of them)."""
    try:
        info = zf.getinfo(part)
    except KeyError:
        return []  # calamine names the missing part
    found: list[Merge] = []
    columns: dict[bytes, int] = {}  # a sheet has few column letters and many ranges
    tail = b""
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(limits.CHUNK)
            window = tail + chunk
            at = window.find(b"mergeCell")
            if at < 0:
                tail = window[-MERGE_TAIL:]
            else:
                cut = len(window) if not chunk else max(0, len(window) - MERGE_TAIL)
                # the search starts at the first one's "<": the cells before it cost nothing
                for match in MERGE_CELL.finditer(window, max(0, window.rfind(b"<", 0, at))):
                    if match.start() >= cut:
                        break
                    first_col, first_row, last_col, last_row = match.groups()
                    if last_col is None:
                        continue  # one cell: nothing merged
                    r1, r2 = int(first_row), int(last_row)
                    if r1 > r2:
                        r1, r2 = r2, r1
                    if r2 == r1 and r1 > HEADER_SCAN_ROWS:
                        continue  # across only, below the header: nothing to do
                    c1 = columns.get(first_col) or columns.setdefault(
                        first_col, column_number(first_col))
                    c2 = columns.get(last_col) or columns.setdefault(
                        last_col, column_number(last_col))
                    if c1 > c2:
                        c1, c2 = c2, c1
                    found.append((r1, c1, r2, c2))
                    if len(found) > MAX_MERGES:
                        raise ReadinessError("import.too_many_merges", path=path, sheet=sheet,
                                             limit=f"{MAX_MERGES:,}")
                tail = window[cut:]
            if not chunk:
                break
    found.sort()
    return found


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

    def merges(self, name: str) -> list[Merge]:
        return []

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


# --- a sheet's rows, with its merged cells filled ---------------------------------------------

@dataclass
class SheetHead:
    """A sheet opened for reading: its first rows (where a header may be) taken off the front of
    its numbered rows, merged cells filled in both. `rest` is None once the sheet is released
    (only its first rows kept, e.g. after it was looked at for a header and not taken)."""

    name: str
    head: list[Numbered]
    rest: Iterator[Numbered] | None
    offset: int  # empty leading columns calamine dropped: letters in messages count them
    last_row: int | None  # the last row's number, known before the rows are parsed
    total: int
    groups: dict[tuple[int, int], int] = field(default_factory=dict)  # (row, index) → last index

    def release(self) -> None:
        self.rest = None


def read_sheet(book: Workbook | CsvBook, name: str) -> SheetHead:
    """Open a sheet (limits checked first) and take its first rows."""
    sheet = book.sheet(name)
    merges = book.merges(name)
    # calamine yields rows from row 1 but drops empty leading columns; put them back in the
    # letters so that messages name the column the user sees.
    offset = sheet.start[1] if sheet.start else 0
    rows: Iterator[Numbered] = enumerate(sheet.iter_rows(), start=1)
    groups: dict[tuple[int, int], int] = {}
    if merges:
        down = [m for m in merges if m[2] > m[0]]
        if down:
            rows = _fill_down(rows, down, offset)
        groups = {(r1, c1 - 1 - offset): c2 - 1 - offset for r1, c1, r2, c2 in merges
                  if r1 <= HEADER_SCAN_ROWS and c2 > c1 and c1 > offset}
    head = first_rows(rows)
    last_row = sheet.end[0] + 1 if sheet.end else None
    return SheetHead(name, head, rows, offset, last_row, sheet.total_height or 0, groups)


def _fill_down(rows: Iterator[Numbered], merges: list[Merge], offset: int) -> Iterator[Numbered]:
    """Rows with each cell merged down written into every row it spans, in its first column
    (a range merged across as well belongs to its first column: the others stay blank)."""
    starts: dict[int, list[tuple[int, int]]] = {}
    for r1, c1, r2, _ in merges:
        if c1 > offset:  # a column left of the first calamine kept holds nothing
            starts.setdefault(r1, []).append((c1 - 1 - offset, r2))
    active: list[tuple[int, int, Any]] = []  # (index, last row, value)
    for number, values in rows:
        if active:
            active = [a for a in active if a[1] >= number]
            if active:
                values = list(values)
                for index, _, value in active:
                    if index >= len(values):
                        values.extend([None] * (index + 1 - len(values)))
                    values[index] = value
        begun = starts.get(number)
        if begun:
            for index, last in begun:
                value = values[index] if index < len(values) else None
                if not _blank(value):
                    active.append((index, last, value))
        yield number, values


# --- a sheet's header and rows ----------------------------------------------------------------

def first_rows(rows: Iterator[Numbered]) -> list[Numbered]:
    """The rows a header may be in, taken off the front of `rows` (numbered from 1)."""
    head = []
    for number, values in rows:
        head.append((number, values))
        if number >= HEADER_SCAN_ROWS:
            break
    return head


@dataclass
class Header:
    """A sheet's header as found: one row, or two read as one."""

    row: int  # its last row: the data follow it
    columns: dict[int, Column]  # index in the row → the column it names
    cells: dict[int, tuple[Any, int]]  # index → (the header's text, the row it is in)
    width: int

    @property
    def named(self) -> int:
        """How many of the sheet's columns it names (a column named twice counts once)."""
        return len({col.key for col in self.columns.values()})


def find_header(rows: list[Numbered], spec: SheetSpec,
                groups: dict[tuple[int, int], int] | None = None) -> Header | None:
    """The header that names the most of the sheet's columns: the best row alone, or with the
    row above or below it read as one header when that names more (and loses none)."""
    alias_map = {alias: col for col in spec.columns for alias in col.aliases()}

    def names(values: Sequence[Any]) -> dict[int, Column]:
        found = {}
        for i, v in enumerate(values):
            if not _blank(v):
                col = alias_map.get(header_text(v))
                if col is not None:
                    found[i] = col
        return found

    scored = [(number, values, names(values)) for number, values in rows]
    best = None
    for pos, (_, _, found) in enumerate(scored):
        if found and (best is None or len(found) > len(scored[best][2])):
            best = pos
    if best is None:
        return None
    number, values, single = scored[best]
    header = Header(number, single, {i: (v, number) for i, v in enumerate(values) if not _blank(v)},
                    len(values))
    for upper in (best - 1, best):
        if upper < 0 or upper + 1 >= len(scored):
            continue
        pair = _two_rows(scored[upper][:2], scored[upper + 1][:2], alias_map, groups or {})
        if pair.named > header.named and all(i in pair.columns for i in single):
            header = pair
    return header


def _two_rows(upper: Numbered, lower: Numbered, alias_map: dict[str, Column],
              groups: dict[tuple[int, int], int]) -> Header:
    """Two header rows as one: the lower row's text, else the upper cell alone over a blank
    lower cell. Under a group merged across the upper row, the group and the lower text
    together (残余风险 over L: 残余风险L) when the sheet knows that header, else the lower text."""
    (up_row, up), (low_row, low) = upper, lower
    width = max(len(up), len(low))
    group_of: dict[int, str] = {}
    for (row, first), last in groups.items():
        if row == up_row and first < len(up) and not _blank(up[first]):
            for i in range(first, last + 1):
                group_of[i] = str(up[first]).strip()
    cells: dict[int, tuple[Any, int]] = {}
    columns: dict[int, Column] = {}
    for i in range(width):
        below = low[i] if i < len(low) else None
        above = up[i] if i < len(up) else None
        if not _blank(below):
            # a header merged down over both rows is named by its upper cell, as Excel does
            cells[i] = (below, up_row if below == above else low_row)
            if i in group_of:
                for joined in (f"{group_of[i]}{str(below).strip()}",
                               f"{group_of[i]} {str(below).strip()}"):
                    if header_text(joined) in alias_map:
                        cells[i] = (joined, low_row)
                        break
        elif not _blank(above):
            cells[i] = (above, up_row)
        else:
            continue
        col = alias_map.get(header_text(cells[i][0]))
        if col is not None:
            columns[i] = col
    return Header(low_row, columns, cells, width)


def header_text(value: Any) -> str:
    """A header as matched: normalised, without the `*` templates mark required columns with."""
    return vocab.normalise(str(value)).rstrip("*").strip()


def _unknown_column(spec: SheetSpec, sheet: str, row: int, letter: str, value: Any,
                    ledger: bool = False) -> Problem:
    """A header the sheet does not know, with the closest known spelling when one is close;
    `ledger` (a sheet not taken by its template name): with --ignore-column as what to do."""
    spellings: dict[str, str] = {}
    for col in spec.columns:
        for spelling in (col.zh, col.en, col.header(), *col.synonyms):
            spellings.setdefault(header_text(spelling), spelling)
    close = difflib.get_close_matches(header_text(value), list(spellings), n=1)
    params: dict[str, object] = {"value": cell_text(value)}
    if close:
        params["like"] = spellings[close[0]]
    key = "import.unknown_column_like" if close else "import.unknown_column"
    return Problem(sheet, row, None, f"{key}_ledger" if ledger else key, params,
                   cell=f"{letter}{row}")


@dataclass
class SheetStream:
    """A sheet whose header is found; `rows()` parses data rows lazily, one at a time."""

    data: SheetData
    columns: dict[str, int]  # column key -> index in the row
    pending: list[Numbered]  # rows read while looking for the header
    rest: Iterator[Numbered]
    total: int
    # Columns with a blank header (index -> letter): fine while empty, refused once data shows.
    unnamed: dict[int, str] = field(default_factory=dict)
    width: int = 0  # the header's width: a cell right of it is under no header
    offset: int = 0
    # Per column index, the texts of the rows down to the header: a row holding only these is
    # the header repeated (a printed page break), skipped and counted in `repeated`.
    block: dict[int, frozenset[str]] = field(default_factory=dict)
    defaults: list[tuple[str, Any]] = field(default_factory=list)  # (key, value) for blank cells
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (letter, header) read past
    repeated: int = 0
    defaulted: dict[str, int] = field(default_factory=dict)  # key -> rows given the default
    options: dict[str, str] = field(default_factory=dict)  # key -> the option giving a default

    def rows(self, problems: list[Problem],
             progress: Callable[[int, int], None] | None = None) -> Iterator[Row]:
        data = self.data
        kinds = {c.key: c.kind for c in data.spec.columns}
        parsers = [(key, index, parser_for(kinds[key])) for key, index in self.columns.items()]
        required = [(c.key, "import.required_option", {"option": self.options[c.key]})
                    if c.key in self.options else (c.key, "import.required", {})
                    for c in data.spec.columns if c.required]
        first_index = min(self.columns.values())
        known = sorted(self.columns.values())
        unnamed = self.unnamed
        width, block, defaults = self.width, self.block, self.defaults
        probe = block.get(first_index, frozenset())
        max_rows, max_chars = limits.max_rows(), limits.max_cell_chars()
        for number, values in _chain(self.pending, self.rest):
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
            if len(values) > width:  # a ragged CSV row: cells under no header at all
                self._beyond(values, number, problems)
            # a row is blank when every imported column is (the user's # columns do not count)
            if all(_blank(values[i]) for i in known if i < len(values)):
                continue
            first = values[first_index] if first_index < len(values) else None
            if isinstance(first, str):
                text = first.strip()
                # the header again (a page break): its first imported cell is the header's own
                # text, or blank (calamine gives "" for an empty cell)
                if (not text or text in probe) and _repeats(values, block):
                    self.repeated += 1
                    continue
                if text.casefold().startswith(EXAMPLE_MARKERS):
                    continue
            elif first is None and _repeats(values, block):
                self.repeated += 1
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
            if defaults:
                self._default(row)
            for key, message, params in required:
                if cells.get(key) in (None, "", []) and key not in errored:
                    problems.append(data.problem(row, key, message, **params))
            yield row

    def _default(self, row: Row) -> None:
        """Blank cells (or the column the sheet lacks) take the value given for every row."""
        cells, given = row.values, []
        for key, value in self.defaults:
            if cells.get(key) in (None, "", []) and key not in row.errored:
                cells[key] = list(value) if isinstance(value, list) else value
                given.append(key)
                self.defaulted[key] = self.defaulted.get(key, 0) + 1
        if given:
            row.defaulted = frozenset(given)

    def _beyond(self, values: Sequence[Any], number: int, problems: list[Problem]) -> None:
        for index in range(self.width, len(values)):
            if index not in self.unnamed and not _blank(values[index]):
                letter = column_letters(index + self.offset + 1)
                self.unnamed[index] = letter  # reported once, as a blank header is
                problems.append(Problem(self.data.name, number, None, "import.unnamed_column",
                                        {"column": letter}, cell=f"{letter}{number}"))
        self.width = max(self.width, len(values))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _repeats(values: Sequence[Any], block: dict[int, frozenset[str]]) -> bool:
    """Whether a row holds nothing but the header's own texts, each in its own column."""
    seen = False
    for i, value in enumerate(values):
        if value is None:
            continue
        if not isinstance(value, str):
            return False
        text = value.strip()
        if not text:
            continue
        texts = block.get(i)
        if texts is None or (text not in texts and header_text(text) not in texts):
            return False
        seen = True
    return seen


def _header_block(head: list[Numbered], last: int) -> dict[int, frozenset[str]]:
    texts: dict[int, set[str]] = {}
    for number, values in head:
        if number > last:
            break
        for i, value in enumerate(values):
            if isinstance(value, str) and value.strip():
                texts.setdefault(i, set()).update((value.strip(), header_text(value)))
    return {i: frozenset(t) for i, t in texts.items()}


def open_sheet(head: SheetHead, spec: SheetSpec, problems: list[Problem], *,
               ignore: Collection[str] = (), defaults: dict[str, Any] | None = None,
               default_options: dict[str, str] | None = None,
               ledger: bool = False) -> SheetStream | None:
    """Find the header of a sheet; None (with a problem) when the sheet cannot be read.

    `ignore`: headers to read past (`--ignore-column`), listed in `SheetStream.ignored`;
    `defaults`: column key → the value (already parsed) of every blank cell of that column, and
    of every row when the sheet lacks the column; `default_options`: column key → the option
    that gives it, named when a required column is missing; `ledger`: the sheet was not taken
    by its template name, so an unknown column's refusal offers --ignore-column."""
    name = head.name
    data = SheetData(spec, name)
    max_rows = limits.max_rows()
    if head.last_row and head.last_row > max_rows:
        problems.append(Problem(name, max_rows + 1, None, "import.too_many_rows",
                                {"limit": max_rows}))
        return None
    found = find_header(head.head, spec, head.groups)
    if found is None:
        problems.append(Problem(name, None, None, "import.no_header",
                                {"expected": ", ".join(c.header() for c in spec.columns[:4])}))
        return None
    defaults = defaults or {}
    options = default_options or {}
    offset = head.offset
    told = {header_text(n) for n in ignore}
    silent = {header_text(n) for n in spec.ignored_headers}
    columns = dict(found.columns)
    unnamed: dict[int, str] = {}
    ignored: list[tuple[str, str]] = []
    for index in range(found.width):
        letter = column_letters(index + offset + 1)
        if index not in found.cells:
            unnamed[index] = letter
            continue
        value, row = found.cells[index]
        text = header_text(value)
        if text in told or text in silent:
            columns.pop(index, None)
            if text in told:
                ignored.append((letter, str(one_line(cell_text(value)))))
        elif index not in columns and not text.startswith(IGNORED_MARK):
            problems.append(_unknown_column(spec, name, row, letter, value, ledger))
    seen: dict[str, int] = {}
    missing = False
    for index, col in columns.items():
        letter = column_letters(index + offset + 1)
        value, row = found.cells[index]
        if col.key in seen:
            problems.append(Problem(name, row, f"{col.header()} ({letter})",
                                    "import.duplicate_header",
                                    {"other": column_letters(seen[col.key] + offset + 1)}))
            continue
        seen[col.key] = index
        data.headers[col.key] = (letter, str(value).replace("\n", " "))
    for col in spec.columns:
        if col.key in seen:
            continue
        if col.key in defaults:
            data.headers[col.key] = ("", f"{col.header()} ({options.get(col.key, col.key)})")
        elif col.required:
            missing = True
            if col.key in options:
                problems.append(Problem(name, None, None, "import.missing_column_option",
                                        {"column": col.zh, "option": options[col.key]}))
            else:
                problems.append(Problem(name, found.row, col.header(), "import.missing_column"))
    if missing:
        return None
    if not seen:  # every column it names was read past
        problems.append(Problem(name, None, None, "import.no_header",
                                {"expected": ", ".join(c.header() for c in spec.columns[:4])}))
        return None
    pending = [r for r in head.head if r[0] > found.row]
    rest = head.rest if head.rest is not None else iter(())
    return SheetStream(data, seen, pending, rest, head.total, unnamed, found.width, offset,
                       _header_block(head.head, found.row),
                       [(k, v) for k, v in defaults.items()], ignored,
                       options={k: o for k, o in options.items() if k not in defaults})


def _chain(first: list[Numbered], rest: Iterator[Numbered]) -> Iterator[Numbered]:
    yield from first
    yield from rest
