"""Small named exceptions, each carrying a message key so the CLI can say it in the user's language."""

from __future__ import annotations

from dataclasses import dataclass, field

from readiness.i18n import t
from readiness.vocab import shown


class ReadinessError(Exception):
    """A runtime or data error the user can act on (exit 1, one line, no traceback)."""

    key = "error"

    def __init__(self, key: str | None = None, **params: object) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str | None = None) -> str:
        # one line, whatever the parameters hold (sheet names, cell text, reader errors)
        return t(self.key, lang, **{k: one_line(shown(v, lang), 10_000)
                                    for k, v in self.params.items()})


class StoreMissing(ReadinessError):
    """No store at the given location: run `readiness init` first."""


class StoreBusy(ReadinessError):
    """Another writer held the store for longer than the retries allow."""


class StoreVersionError(ReadinessError):
    """The store's schema is older or newer than this code."""


class BackupRefused(ReadinessError):
    """A backup or restore that would not give the user a trustworthy copy of the store."""


class LineNotFound(ReadinessError):
    """No such line in the store, or several and none chosen."""


class NotFound(ReadinessError):
    """A named record does not exist."""


class InvalidValue(ReadinessError):
    """A value given on the command line or to a library function is not acceptable."""


class ConflictingOptions(InvalidValue):
    """Two options given together that exclude each other (a usage error at the command line)."""


def coded(set_name: str, option: str, value: str | None, required: bool = False) -> str | None:
    """The code for a value given on the command line (a code or either label), or a clear
    error naming the option and what it accepts."""
    from readiness.vocab import OneOf, parse

    if value is None and not required:
        return None
    code = parse(set_name, value) if value is not None else None
    if code is None:
        raise InvalidValue("option.bad_code", option=option, value=value or "",
                           allowed=OneOf(set_name))
    return code


@dataclass(frozen=True)
class Problem:
    """One bad cell or row in an imported file: where it is and why it is wrong."""

    sheet: str
    row: int | None
    column: str | None
    key: str
    params: dict[str, object] = field(default_factory=dict)
    cell: str | None = None  # "G1": a problem with one cell of the header, named as Excel does

    def where(self) -> str:
        # Sheet names and headers are the user's text: a newline in one must not split the line.
        place = str(one_line(self.sheet, 10_000))
        if self.cell:
            return f"{place}!{self.cell}"
        if self.row is not None:
            place += f"!{self.row}"
        if self.column:
            place += f", {one_line(self.column, 10_000)}"
        return place

    def reason(self, lang: str | None = None) -> str:
        return t(self.key, lang, **{k: one_line(shown(v, lang), 80 if k == "value" else 10_000)
                                    for k, v in self.params.items()})

    def message(self, lang: str | None = None) -> str:
        return f"{self.where()}: {self.reason(lang)}"

    def as_dict(self, lang: str | None = None) -> dict[str, object]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                **({"cell": self.cell} if self.cell else {}),
                "code": self.key, "message": self.reason(lang)}


def one_line(value: object, limit: int = 10_000) -> object:
    """A parameter as a message shows it: one line; a cell's own value not in full if huge."""
    if not isinstance(value, str):
        return value
    parts = value.splitlines()  # every line break Python knows, not only "\n"
    text = value if parts == [value] else " ".join(p.strip() for p in parts if p.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ImportRejected(ReadinessError):
    """A file failed validation; nothing was written."""

    key = "import.rejected"

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(self.key, path=path, count=len(problems))
