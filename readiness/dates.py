"""Dates at the edges. The store and the library hand out `datetime.date` / `datetime.datetime`
values; text output, templates and other places that need text turn them into ISO text here
(`--json` does the same through orjson: 2026-11-23, 2026-11-23T09:00:00)."""

from __future__ import annotations

import datetime as dt
from typing import Any


def iso(value: Any) -> Any:
    """A date or time as ISO text; any other value (None, text) as it is."""
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def as_date(value: Any) -> dt.date | None:
    """A date from a row: a date as it is (the store's rows), ISO text parsed (rows a rule is
    given as data: the packaged samples, the tests), None or "" as None. The one copy: rules
    that take rows call this rather than parse dates themselves."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
