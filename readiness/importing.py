"""`readiness import`: one importer for every template workbook.

A template kind (`readiness.xlsx.spec.TemplateKind`, declared in its domain's `sheets.py`) names
its sheets and columns and two hooks: `check` (references and cross-row rules) and `write` (store
writes). This module does the rest the same way for every kind: recognise the kind by sheet names
(or a CSV file by its header), read every sheet through `readiness.xlsx.reader` (which reports
*every* problem as `sheet!row, column: reason`), run the hooks chunk by chunk inside one write,
and write nothing unless the whole file is valid (or `--skip-invalid` drops the bad rows).
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness import vocab
from readiness.actor import Actor
from readiness.errors import ImportRejected, InvalidValue, Problem, ReadinessError
from readiness.template_kinds import KINDS  # the registry; each kind is imported only when used
from readiness.xlsx.columns import column_number
from readiness.xlsx.reader import CsvBook, find_header, first_rows, open_book, open_sheet
from readiness.xlsx.spec import ImportContext, Row, SheetData, TemplateKind

# The readiness report workbook (`readiness report -o FILE.xlsx`): its summary and matrix sheets.
REPORT_SHEETS = (("概览", "summary"), ("风险矩阵", "matrix"))
# Problems with the file's shape rather than one row: --skip-invalid cannot work around them.
STRUCTURAL = frozenset({"import.missing_column", "import.duplicate_header", "import.missing_sheet",
                        "import.no_header", "import.empty", "import.too_many_rows",
                        "import.unknown_column", "import.unknown_column_like",
                        "import.unnamed_column"})


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


def detect_csv_kind(book: CsvBook) -> str | None:
    """The kind whose main sheet's required columns a CSV file's header row holds (the most
    recognised columns wins)."""
    rows = first_rows(iter(book.sheet(book.path.name).iter_rows()))
    best: tuple[int, str] | None = None
    for kind in KINDS:
        main = template_kind(kind).main_sheet
        found = find_header(rows, main)
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
        main_spec = spec.main_sheet
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

