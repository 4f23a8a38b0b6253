"""One record typed in a form, read as a one-row sheet of its template: each value through its
column's own cell parser, then the kind's own `check` hook, so a form refuses exactly what
importing that row would refuse, in the same words. What an import reports as `sheet!row,
column: reason` a form reports as `label: reason`, the label being the column's header (what the
form shows). Used by the location and organisation forms (`readiness.lines.edit`,
`readiness.org.edit`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from readiness import vocab
from readiness.errors import InvalidValue
from readiness.i18n import get_lang, t
from readiness.xlsx.spec import Column, ImportContext, Row, SheetData, SheetSpec, TemplateKind


class FieldRefused(InvalidValue):
    """A value of a form refused: `LABEL: reason`, the reason as importing the same cell or row
    would give it; `field` is the column's key (the form field's name)."""

    def __init__(self, column: Column, key: str, **params: object) -> None:
        self.column = column
        self.field = column.key
        super().__init__(key, **params)

    def message(self, lang: str | None = None) -> str:
        lang = lang or get_lang()
        label = self.column.zh if lang == "zh" else self.column.en
        return t("form.field", lang, field=label, reason=super().message(lang))


def sheet_of(kind: TemplateKind, key: str) -> SheetSpec:
    return next(s for s in kind.sheets if s.key == key)


def _cell(column: Column, raw: Any) -> tuple[Any, tuple[str, dict[str, Any]] | None]:
    """A value as its column's cell would be read: (value, None) or (None, (key, params))."""
    from readiness.xlsx import limits
    from readiness.xlsx.cells import CellError, parser_for

    if column.kind == "list" and isinstance(raw, (list, tuple)):
        raw = "\n".join(str(x) for x in raw)
    if isinstance(raw, str) and len(raw) > limits.max_cell_chars():
        return None, ("cell.too_long", {"length": len(raw), "limit": limits.max_cell_chars()})
    try:
        return parser_for(column.kind)(raw), None
    except CellError as err:
        params = dict(err.params)
        if err.key == "cell.not_in_set" and column.code_set:  # in the reader's language
            params["allowed"] = vocab.OneOf(column.code_set)
        return None, (err.key, params)


def read_row(kind: TemplateKind, sheet: str, given: Mapping[str, Any], session: Any, *,
             line: Any, user: str, today: dt.date) -> dict[str, Any]:
    """The values of one record read as a row of `kind`'s sheet `sheet` (the columns given;
    a required one always), checked by the kind's own `check` hook against the store as an
    import of a file holding only this row would be. The first problem that import would
    report, left to right, is raised as `FieldRefused`."""
    spec = sheet_of(kind, sheet)
    columns = {c.key: c for c in spec.columns}
    row = Row(1, {})
    found: list[tuple[str, str, dict[str, Any]]] = []
    for column in spec.columns:
        if column.key not in given and not column.required:
            continue
        value, problem = _cell(column, given.get(column.key))
        row.values[column.key] = value
        if problem is not None:
            row.errored.add(column.key)
            found.append((column.key, *problem))
        elif column.required and value in (None, "", []):
            found.append((column.key, "import.required", {}))
    sheets = {s.key: SheetData(s, s.zh, [row] if s.key == sheet else []) for s in kind.sheets}
    ctx = ImportContext(session, line, user, today)
    for p in kind.check(ctx, sheets):
        if p.column in columns:
            found.append((p.column, p.key, dict(p.params)))
        else:  # a problem of the row as a whole: no such check today
            raise InvalidValue(p.key, **p.params)
    if found:
        order = list(columns)
        key, message, params = min(found, key=lambda f: order.index(f[0]))
        raise FieldRefused(columns[key], message, **params)
    return row.values
