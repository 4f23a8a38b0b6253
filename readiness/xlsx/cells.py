"""A cell's value as a user typed it → the Python value its column's kind asks for.

Blank cells (None, "", spaces) parse to None (or [] for a list); an Excel error cell (#N/A …)
and a value the kind cannot take raise `CellError`, which the reader reports as
`sheet!row, column: reason` and goes on.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from readiness import vocab

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


def cell_text(raw: Any) -> str:
    """A cell as text: 2.0 → "2", a midnight datetime → its date."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat()
    return str(raw).strip()


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
    return cell_text(raw)


def _code(set_name: str, raw: Any) -> str:
    code = vocab.parse(set_name, raw if isinstance(raw, str) else cell_text(raw))  # 2.0 → "2"
    if code is None:
        raise CellError("cell.not_in_set", value=cell_text(raw),
                        allowed=" / ".join(vocab.choices(set_name)))
    return code


def _int(raw: Any) -> int:
    number = _count(raw)
    if number != int(number):
        raise CellError("cell.not_whole", value=cell_text(raw))
    if abs(number) > 2**53:  # beyond what a count can be, and what a database integer holds
        raise CellError("cell.out_of_range", value=cell_text(raw))
    return int(number)


def _bool(raw: Any) -> bool:
    text = vocab.normalise(cell_text(raw))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("cell.not_bool", value=cell_text(raw))


def _list(raw: Any) -> list[str]:
    return [part.strip() for part in re.split(r"[\n|]", cell_text(raw)) if part.strip()]


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise CellError("cell.not_number", value=str(raw))
    try:
        number = float(raw) if isinstance(raw, (int, float)) else float(
            vocab.normalise(str(raw)).replace(",", ""))
    except ValueError:
        raise CellError("cell.not_number", value=cell_text(raw)) from None
    if not math.isfinite(number):  # "nan", "inf": text that float() accepts but no count is
        raise CellError("cell.not_number", value=cell_text(raw))
    return number


def _count(raw: Any) -> float:
    """Every number a template asks for is a count, minutes or days: never below zero."""
    number = _number(raw)
    if number < 0:
        raise CellError("cell.negative", value=cell_text(raw))
    return number


def _date(raw: Any) -> dt.date:
    """A date cell, or text such as 2026-10-01, 2026/10/1 or 2026年10月1日."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = vocab.normalise(cell_text(raw)).replace(" ", "")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                break
    raise CellError("cell.not_date", value=cell_text(raw))


_PARSERS: dict[str, Callable[[Any], Any]] = {  # "text" and "code:…" are made in parser_for
    "list": _list, "int": _int, "number": _count, "date": _date, "bool": _bool,
}
