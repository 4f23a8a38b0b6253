"""What a template declares, and what is read from a sheet.

A template kind (`TemplateKind`) names its sheets (`SheetSpec`) and their columns (`Column`:
bilingual headers, synonyms, the kind of value) and the hooks the importer calls with an
`ImportContext`: `check` (references and cross-row rules) and `write` (store writes). The same
declaration writes the fillable template and reads the filled one. Each domain declares its kinds
in its `sheets.py`; `readiness/template_kinds.py` lists them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from readiness import vocab
from readiness.errors import Problem

EXAMPLE_MARKERS = ("示例", "example")  # a row whose first cell starts so is the template's example
IGNORED_MARK = "#"  # a column whose header starts with this is the user's own, never imported


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

    @property
    def drop_down_strict(self) -> bool:
        """Whether the template's drop-down refuses a value not in it (a coded column), or only
        offers its values (a column read in the ledger's own words: several, or its level words)."""
        return True


@dataclass(frozen=True)
class SheetSpec:
    key: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    key_column: str | None = "code"  # unique within the sheet
    required: bool = True
    synonyms: tuple[str, ...] = ()
    # Headers always read past without a word (a ledger's own row numbers: 序号, No.).
    ignored_headers: tuple[str, ...] = ()

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
    defaulted: frozenset[str] = frozenset()  # cells given the import's default (--location …)


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

    @property
    def main_sheet(self) -> SheetSpec:
        return next(s for s in self.sheets if s.key == (self.main or self.sheets[0].key))
