"""Messages in both languages (zh default, en), loaded once from data/messages.toml.

Library code never formats user-facing text itself: it raises or returns a message key with
parameters, and the text is produced here in the language the user chose.
"""

from __future__ import annotations

import tomllib
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources

LANGUAGES = ("zh", "en")
_current: ContextVar[str] = ContextVar("readiness_lang", default="zh")


def set_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    _current.set(lang)


def get_lang() -> str:
    return _current.get()


@lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, str]]:
    text = resources.files("readiness").joinpath("data/messages.toml").read_text("utf-8")
    table = tomllib.loads(text)
    for key, entry in table.items():
        missing = [lang for lang in LANGUAGES if lang not in entry]
        if missing:
            raise ValueError(f"messages.toml: {key} lacks {', '.join(missing)}")
    return table


def t(key: str, lang: str | None = None, **params: object) -> str:
    """The message `key` in `lang` (default: the current language), formatted with params."""
    entry = messages().get(key)
    if entry is None:  # a programming error, but never hide the parameters from the user
        return key + (" " + repr(params) if params else "")
    return entry[lang or get_lang()].format(**params)
