"""`readiness import`: one importer for every template workbook, and for ledgers as they are kept.

A template kind (`readiness.xlsx.spec.TemplateKind`, declared in its domain's `sheets.py`) names
its sheets and columns and two hooks: `check` (references and cross-row rules) and `write` (store
writes). This module does the rest the same way for every kind: recognise the kind by sheet names
(else by a sheet's header row, as for a CSV file), choose the sheet for each of the kind's sheets
(`--sheet`, else its name, else its header row), read every sheet through `readiness.xlsx.reader`
(which reports *every* problem as `sheet!row, column: reason`), run the hooks chunk by chunk
inside one write, and write nothing unless the whole file is valid (or `--skip-invalid` drops the
bad rows).
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness import vocab
from readiness.actor import Actor
from readiness.errors import ImportRejected, InvalidValue, Problem, ReadinessError
from readiness.i18n import t
from readiness.template_kinds import KINDS  # the registry; each kind is imported only when used
from readiness.xlsx.cells import CellError, parser_for
from readiness.xlsx.columns import column_number
from readiness.xlsx.reader import (CsvBook, SheetHead, SheetStream, Workbook, find_header,
                                   open_book, open_sheet, read_sheet)
from readiness.xlsx.spec import ImportContext, Row, SheetData, SheetSpec, TemplateKind

# The readiness report workbook (`readiness report -o FILE.xlsx`): its summary and matrix sheets.
REPORT_SHEETS = (("概览", "summary"), ("风险矩阵", "matrix"))
# Problems with the file's shape rather than one row: --skip-invalid cannot work around them.
STRUCTURAL = frozenset({"import.missing_column", "import.duplicate_header", "import.missing_sheet",
                        "import.no_header", "import.empty", "import.too_many_rows",
                        "import.unknown_column", "import.unknown_column_like",
                        "import.unknown_column_ledger", "import.unknown_column_like_ledger",
                        "import.unnamed_column", "import.missing_column_option"})
# The column keys the command line gives a value for every row, by its option.
DEFAULT_OPTIONS = {"location": "--location", "owner_unit": "--owner-unit"}
# The sheets a template carries besides its data (instructions, drop-down lists): not worth
# naming as "not imported" when the workbook is a template read by its sheet names.
TEMPLATE_OWN_SHEETS = frozenset({"说明", "instructions", "下拉列表", "lists"})


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
    # How the file was read: sheet name → how it was chosen ("name", "header", "option", "file"),
    # and which of the kind's sheets it was read as; the file's other sheets; the columns read
    # past with --ignore-column; header rows repeated further down (page breaks), skipped.
    sheets: dict[str, str] = field(default_factory=dict)
    read_as: dict[str, str] = field(default_factory=dict)  # sheet name → the kind's sheet key
    not_imported: list[str] = field(default_factory=list)
    ignored_columns: list[dict[str, str]] = field(default_factory=list)
    repeated_headers: int = 0
    repeated_by_sheet: dict[str, int] = field(default_factory=dict)
    # Values given for every row (--location …): column key → value, and rows that took each.
    defaults: dict[str, str] = field(default_factory=dict)
    defaulted: dict[str, int] = field(default_factory=dict)

    def as_dict(self, lang: str | None = None) -> dict[str, Any]:
        """The result as `--json` gives it. The keys saying how the file was read (`sheets`:
        sheet → how it was chosen; `not_imported`; `ignored_columns`: their headers;
        `repeated_headers`; `defaults`: column → value, option and rows given it) are there when
        any of them says something: a template read by its sheet names, with no other sheet,
        gives the keys it gave before them."""
        out: dict[str, Any] = {
            "kind": self.kind, "path": self.path, "written": self.written,
            "dry_run": self.dry_run, "rows": self.rows, "created": self.created,
            "updated": self.updated, "unchanged": self.unchanged, "rejected": self.rejected,
            "problems": [p.as_dict(lang) for p in self.problems]}
        if (any(how not in ("name", "file") for how in self.sheets.values())
                or self.not_imported or self.ignored_columns or self.repeated_headers
                or self.defaults):
            out["sheets"] = dict(self.sheets)
            out["not_imported"] = list(self.not_imported)
            out["ignored_columns"] = [c["header"] for c in self.ignored_columns]
            out["repeated_headers"] = self.repeated_headers
            out["defaults"] = {key: {"value": value, "option": _option(key),
                                     "rows": self.defaulted.get(key, 0)}
                               for key, value in self.defaults.items()}
        return out

    def notes(self) -> list[Problem]:
        """How the file was read, one line each as `SHEET: …` (shown before the summary): a
        sheet taken by its header row or by --sheet, the sheets not imported, the columns read
        past, the repeated headers skipped, the rows that took a default. A template read by its
        sheet names, with only its own instructions besides, needs none of it."""
        spec = template_kind(self.kind)
        titles = {s.key: f"{s.zh} / {s.en}" for s in spec.sheets}
        notes = [Problem(name, None, None, f"import.taken_by_{how}",
                         {"sheet": titles.get(self.read_as.get(name, ""), "")})
                 for name, how in self.sheets.items() if how in ("header", "option")]
        plain = not notes
        notes += [Problem(name, None, None, "import.not_imported")
                  for name in self.not_imported
                  if not (plain and vocab.normalise(name) in TEMPLATE_OWN_SHEETS)]
        notes += [Problem(c["sheet"], None, f"{c['header']} ({c['column']})",
                          "import.ignored_column") for c in self.ignored_columns]
        notes += [Problem(name, None, None, "import.repeated_headers", {"count": count})
                  for name, count in self.repeated_by_sheet.items() if count]
        main = next((n for n, key in self.read_as.items() if key == spec.main_sheet.key), None)
        notes += [Problem(main or spec.main_sheet.zh, None, None, "import.default_used",
                          {"count": self.defaulted.get(key, 0), "option": _option(key),
                           "value": value})
                  for key, value in self.defaults.items()]
        return notes


def _option(key: str) -> str:
    """The command-line option that gives column `key` a value for every row."""
    return DEFAULT_OPTIONS.get(key, "--" + key.replace("_", "-"))


def template_kind(kind: str) -> TemplateKind:
    if kind not in KINDS:
        raise InvalidValue("import.unknown_kind", kind=kind, known=", ".join(sorted(KINDS)))
    module, attr = KINDS[kind].split(":")
    return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]


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


CHUNK_ROWS = 2000  # rows validated and written together; bounds memory on large files


def _named(head: SheetHead, spec: SheetSpec, given: Iterable[str] = ()) -> tuple[int, bool]:
    """How many of `spec`'s columns the sheet's header names, and whether it names every
    required one (a column given a value for every row, `given`, need not be there)."""
    found = find_header(head.head, spec, head.groups)
    if found is None:
        return 0, False
    keys = {col.key for col in found.columns.values()}
    have = keys | set(given)
    return len(keys), all(c.key in have for c in spec.columns if c.required)


class _Sheets:
    """The workbook's sheets as they are looked at: each opened once, its first rows kept;
    a sheet looked at for its header and not taken is released (only its first rows kept)."""

    def __init__(self, book: Workbook | CsvBook) -> None:
        self.book = book
        self.heads: dict[str, SheetHead] = {}

    def head(self, name: str) -> SheetHead:
        if name not in self.heads:
            self.heads[name] = read_sheet(self.book, name)
        return self.heads[name]

    def take(self, name: str) -> SheetHead:
        """The sheet, to read all of it (opened again when it was released)."""
        head = self.heads.get(name)
        if head is None or head.rest is None:
            head = self.heads[name] = read_sheet(self.book, name)
        return head

    def release_except(self, keep: Iterable[str]) -> None:
        kept = set(keep)
        for name, head in self.heads.items():
            if name not in kept:
                head.release()

    def by_header(self, spec: SheetSpec, names: Iterable[str], lenient: bool = False,
                  given: Iterable[str] = ()) -> str | None:
        """The sheet among `names` whose header names the most of `spec`'s columns: all its
        required ones (`given` count as named), or, `lenient`, at least two (the sheet's missing
        columns are then reported as for any sheet)."""
        best: tuple[tuple[bool, int], str] | None = None
        for name in names:
            count, complete = _named(self.head(name), spec, given)
            rank = (complete, count)  # a sheet naming every required column first
            if (complete and count or lenient and count >= 2) and (
                    best is None or rank > best[0]):
                best = (rank, name)
        return best[1] if best else None


def detect_csv_kind(book: CsvBook, given: Iterable[str] = ()) -> str | None:
    """The kind whose main sheet's required columns a CSV file's header row holds (the most
    recognised columns wins)."""
    return _kind_by_header(_Sheets(book), book.sheet_names, given)


def _kind_by_header(sheets: _Sheets, names: Sequence[str], given: Iterable[str] = (),
                    lenient: bool = False) -> str | None:
    """The kind whose main sheet's required columns a sheet's header names, the most named
    columns winning (the first sheet, then the first kind, on a tie). A kind whose main sheet
    has no column for a value given for every row (`given`: column keys) is not it. `lenient`:
    the kind whose header names the most of its columns, all its required ones or at least
    three (what it lacks is then reported), a kind naming all its required ones first on a tie."""
    given = set(given)
    best: tuple[tuple[int, bool], str] | None = None
    for name in names:
        for kind in KINDS:
            main = template_kind(kind).main_sheet
            if not given <= {c.key for c in main.columns}:
                continue
            count, complete = _named(sheets.head(name), main, given)
            rank = (count, complete) if lenient else (int(complete), count)
            if count and (complete or lenient and count >= 3) and (
                    best is None or rank > best[0]):
                best = (rank, kind)
    return best[1] if best else None


def _given_sheets(book: Workbook | CsvBook, path: Path, given: Sequence[str]) -> list[str]:
    """The sheets named with --sheet, as the workbook spells them (exactly, else the one sheet
    whose name is the same once width, case and spaces are folded)."""
    found: list[str] = []
    for name in given:
        if name in book.sheet_names:
            match = name
        else:
            alike = [n for n in book.sheet_names if vocab.normalise(n) == vocab.normalise(name)]
            if len(alike) != 1:
                raise InvalidValue("import.no_such_sheet", path=str(path), name=name,
                                   sheets=", ".join(book.sheet_names))
            match = alike[0]
        if match in found:
            raise InvalidValue("import.sheet_twice", name=match)
        found.append(match)
    return found


def _choose_sheets(sheets: _Sheets, spec: TemplateKind, given: list[str],
                   given_keys: Iterable[str] = ()) -> dict[str, tuple[str, str]]:
    """For each of the kind's sheets (key), the workbook's sheet to read and how it was chosen:
    --sheet in order (the main sheet first, then the others in the kind's order), else by its
    name, else by its header row among the sheets not taken: for the main sheet the one naming
    the most of its columns (what it lacks is then reported), for the others one naming all
    their required columns."""
    book = sheets.book
    order = [spec.main_sheet, *[s for s in spec.sheets if s is not spec.main_sheet]]
    if len(given) > len(order):
        raise InvalidValue("import.too_many_sheets", given=len(given), kind=spec.kind,
                           count=len(order),
                           order=", ".join(f"{s.zh} / {s.en}" for s in order))
    chosen: dict[str, tuple[str, str]] = {}
    for sheet, name in zip(order, given):
        chosen[sheet.key] = (name, "option" if not isinstance(book, CsvBook) else "file")
    taken = {name for name, _ in chosen.values()}
    for sheet in order[len(given):]:
        match = book.find_sheet(sheet, main=sheet is spec.main_sheet)
        if match is not None and match not in taken:
            chosen[sheet.key] = (match, "file" if isinstance(book, CsvBook) else "name")
            taken.add(match)
    for sheet in order[len(given):]:
        if sheet.key in chosen or isinstance(book, CsvBook):
            continue
        main = sheet is spec.main_sheet
        match = sheets.by_header(sheet, [n for n in book.sheet_names if n not in taken],
                                 lenient=main, given=given_keys if main else ())
        if match is not None:
            chosen[sheet.key] = (match, "header")
            taken.add(match)
    sheets.release_except(taken)
    return chosen


def _parse_defaults(spec: SheetSpec, defaults: Mapping[str, str | None] | None
                    ) -> tuple[dict[str, Any], dict[str, str]]:
    """The values given for every row, parsed as their column's cells are: (key → value, and
    the value as given). A key the main sheet has no column for, or a value its column cannot
    take, is refused naming the option."""
    columns = {c.key: c for c in spec.columns}
    parsed: dict[str, Any] = {}
    given: dict[str, str] = {}
    for key, raw in (defaults or {}).items():
        if raw is None:
            continue
        option = _option(key)
        if key not in columns:
            raise InvalidValue("import.default_no_column", option=option,
                               sheet=f"{spec.zh} / {spec.en}")
        try:
            value = parser_for(columns[key].kind)(raw)
        except CellError as err:
            raise InvalidValue("import.bad_default", option=option, value=raw,
                               reason=t(err.key, **err.params)) from None
        if value in (None, "", []):
            raise InvalidValue("import.bad_default", option=option, value=raw,
                               reason=t("import.required"))
        parsed[key], given[key] = value, str(raw)
    return parsed, given


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
                progress: Callable[[int, int], None] | None = None,
                sheets: Sequence[str] = (), ignore_columns: Sequence[str] = (),
                defaults: Mapping[str, str | None] | None = None,
                rehearse: bool = False) -> ImportResult:
    """Validate every row of a template workbook (or a ledger as it is kept) and write it in
    one transaction.

    `dry_run` validates only. `rehearse` (with `dry_run`) also writes everything inside the
    transaction and rolls it back, so the result counts what an import would create, update
    and leave unchanged (the web's check before importing); it holds the write lock while it
    runs, as the import would.

    The main sheet is streamed in chunks: each chunk is validated and written inside the one
    write transaction, which is rolled back when any row anywhere is bad, so nothing is written
    (ImportRejected) unless `skip_invalid` drops the bad rows. Side sheets (e.g. controls) are
    read whole first. Memory stays bounded however long the file is.

    `sheets`: the sheets to read (`--sheet`), the main sheet first, then the kind's others in
    order; without them each is found by its name, else by its header row. `ignore_columns`:
    headers read past rather than refused as unknown (`--ignore-column`). `defaults`: column key
    → the value (as a cell would hold it) of every row whose cell is blank or whose sheet lacks
    the column (`--location`, `--owner-unit`), checked as the column's own values are; a bad one
    is refused once, naming its option.
    """
    from readiness.store.lines import find_line

    path = Path(path)
    wb = open_book(path)
    try:
        names = wb.sheet_names
        if is_report(names):
            raise ReadinessError("import.report_workbook", path=str(path))
        given = _given_sheets(wb, path, sheets)
        looked = _Sheets(wb)
        given_keys = [k for k, v in (defaults or {}).items() if v is not None]
        if isinstance(wb, CsvBook):
            kind = kind or _kind_by_header(looked, names, given_keys)
            if kind is None:
                raise ReadinessError("import.csv_kind", path=str(path), kinds=", ".join(KINDS))
        kind = (kind or detect_kind(names)
                or _kind_by_header(looked, given or names, given_keys, lenient=True))
        if kind is None:
            raise ReadinessError("import.unknown_template", path=str(path),
                                 sheets=", ".join(names), kinds=", ".join(KINDS))
        spec = template_kind(kind)
        main_spec = spec.main_sheet
        parsed_defaults, given_defaults = _parse_defaults(main_spec, defaults)
        chosen = _choose_sheets(looked, spec, given, parsed_defaults)
        result = ImportResult(spec.kind, str(path), written=False, dry_run=dry_run,
                              defaults=given_defaults)
        for sheet in spec.sheets:
            if sheet.key in chosen:
                name, how = chosen[sheet.key]
                result.sheets[name] = how
                result.read_as[name] = sheet.key
        result.not_imported = [n for n in names if n not in result.sheets]
        side_specs = [s for s in spec.sheets if s is not main_spec]
        problems: list[Problem] = []
        streams: list[SheetStream] = []
        side: dict[str, SheetData] = {}
        for sheet in side_specs:
            match = chosen.get(sheet.key, (None, ""))[0]
            stream = (open_sheet(looked.take(match), sheet, problems, ignore=ignore_columns,
                                 ledger=result.sheets[match] in ("header", "option"))
                      if match else None)
            side[sheet.key] = stream.data if stream else SheetData(sheet, sheet.zh)
            if stream:
                streams.append(stream)
                side[sheet.key].rows = list(stream.rows(problems))
        match = chosen.get(main_spec.key, (None, ""))[0]
        if match is None:
            problems.append(Problem(f"{main_spec.zh} / {main_spec.en}", None, None,
                                    "import.missing_sheet"))
        main = (open_sheet(looked.take(match), main_spec, problems, ignore=ignore_columns,
                           defaults=parsed_defaults, default_options=DEFAULT_OPTIONS,
                           ledger=result.sheets[match] in ("header", "option"))
                if match else None)
        if main is None or any(p.key in STRUCTURAL for p in problems):
            raise ImportRejected(str(path), problems)
        streams.append(main)
        for data in side.values():
            problems.extend(_duplicates_across(data, {}))
        if skip_invalid:
            for data in side.values():
                bad = {p.row for p in problems if p.sheet == data.name}
                data.rows = [r for r in data.rows if r.number not in bad]
        action = f"import {path.name}" + "".join(f" {_option(k)} {v}"
                                                 for k, v in given_defaults.items())
        rehearsing = dry_run and rehearse
        session_scope = (_rehearsal(store, actor, action) if rehearsing else
                         store.read() if dry_run else store.write(actor, action))
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
                if parsed_defaults:
                    problems[before:] = _once_per_default(problems[before:], data,
                                                          parsed_defaults)
                result.rows += len(chunk)
                chunk_problems = problems[before:]
                mark = len(problems)
                if skip_invalid and chunk_problems:
                    bad = {p.row for p in chunk_problems if p.sheet == data.name}
                    data.rows = [r for r in chunk if r.number not in bad]
                    result.rejected += len(chunk) - len(data.rows)
                if (dry_run and not rehearsing) or (problems and not skip_invalid):
                    continue  # keep validating to report everything; nothing more is written
                for key, value in spec.write(session, ctx, {main_spec.key: data, **side}).items():
                    counts[key] = counts.get(key, 0) + value
            if spec.finish is not None:
                problems.extend(spec.finish(ctx, {main_spec.key: main.data, **side}))
            if result.rows == 0:
                problems.append(Problem(main.data.name, None, None, "import.empty"))
            if parsed_defaults:  # once in the file, not once a chunk
                problems[:] = _once_per_default(problems, main.data, parsed_defaults)
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
    for stream in streams:
        name = stream.data.name
        result.ignored_columns += [{"sheet": name, "column": letter, "header": header}
                                   for letter, header in stream.ignored]
        if stream.repeated:
            result.repeated_by_sheet[name] = stream.repeated
    result.repeated_headers = sum(result.repeated_by_sheet.values())
    result.defaulted = dict(main.defaulted)
    if not dry_run or rehearse:
        result.written = not dry_run
        result.created = counts["created"]
        result.updated = counts["updated"]
        result.unchanged = counts["unchanged"]
    return result


class _Rehearsed(Exception):
    """Raised at the end of a rehearsal to roll its writes back."""


@contextmanager
def _rehearsal(store: Any, actor: Actor, action: str) -> Iterator[Any]:
    """A write session whose work is rolled back at the end: what an import would do, undone
    (raising `_Rehearsed` out of `store.write` is what rolls it back)."""
    with suppress(_Rehearsed), store.write(actor, action) as session:
        yield session
        raise _Rehearsed


def _once_per_default(problems: list[Problem], data: SheetData,
                      keys: Iterable[str]) -> list[Problem]:
    """A value given for every row (--location) that the kind's check refuses is one problem,
    naming the option, not one a row: a row's problem in a column it took the default of
    becomes the option's (each said once)."""
    where = {data.problem(None, key, "").column: key for key in keys}
    options = {_option(key) for key in keys}
    rows = {r.number: r for r in data.rows}
    out: list[Problem] = []
    made: set[tuple[Any, ...]] = set()
    for p in problems:
        key = where.get(p.column) if p.sheet == data.name else None
        if key is not None and p.row in rows and key in rows[p.row].defaulted:
            p = Problem(p.sheet, None, _option(key), p.key, p.params)
        if p.row is None and p.column in options:
            said = (p.column, p.key, repr(sorted(p.params.items())))
            if said in made:
                continue
            made.add(said)
        out.append(p)
    return out


def _reading_order(p: Problem) -> tuple[str, int, int, str]:
    """Sheet, row, then column left to right (by the letter in "header (C)" or the cell "C1")."""
    match = (re.match(r"([A-Z]+)", p.cell) if p.cell else
             re.search(r"\(([A-Z]+)\)$", p.column or ""))
    return (p.sheet, p.row or 0, column_number(match.group(1)) if match else 0, p.column or "")


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
