"""How a service's typed result becomes plain data (JSON for `--json`, later for the web).

Results are dataclasses whose fields are the keys users and tools rely on. Two rules keep those
keys as they always were: a field named for a Python keyword with a trailing underscore
(`class_`, `from_`) is shown under the keyword, and a field declared with
`metadata={"omit_none": True}` is left out when it is None (a key only some results carry).
"""

from __future__ import annotations

import dataclasses
import keyword
from typing import Any

OMIT_NONE = {"omit_none": True}  # `field(default=None, metadata=OMIT_NONE)`

_FIELDS: dict[type, tuple[tuple[str, str, bool], ...]] = {}


def _fields(cls: type) -> tuple[tuple[str, str, bool], ...]:
    """(attribute, key, omit when None) for each shown field (not `_private` ones)."""
    if cls not in _FIELDS:
        _FIELDS[cls] = tuple(
            (f.name, f.name[:-1] if f.name.endswith("_") and keyword.iskeyword(f.name[:-1])
             else f.name, bool(f.metadata.get("omit_none")))
            for f in dataclasses.fields(cls) if not f.name.startswith("_"))
    return _FIELDS[cls]


def shown_fields(result: Any) -> dict[str, Any]:
    """One level of a result as a dict under its public keys (nested values left as they are:
    orjson walks them and calls back here)."""
    shown = {}
    for name, key, omit_none in _fields(type(result)):
        value = getattr(result, name)
        if not (omit_none and value is None):
            shown[key] = value
    return shown


def json_default(value: Any) -> Any:
    """orjson's `default=`: a dataclass by its shown fields, anything else as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return shown_fields(value)
    return str(value)


def json_bytes(value: Any, indent: bool = True) -> bytes:
    """A result (or a list or dict of them) as JSON; dates in ISO form."""
    import orjson  # imported here so that start-up stays light

    option = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
    if indent:
        option |= orjson.OPT_INDENT_2
    return orjson.dumps(value, option=option, default=json_default)


def plain(value: Any) -> Any:
    """A result as plain Python data (dicts, lists, dates kept as dates), e.g. for a template."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: plain(v) for k, v in shown_fields(value).items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
