"""Level words: how a ledger writes its risk levels, mapped to major / significant / general / low.

The tables are data (hazards/data/level_words.toml), each naming where its convention comes from.
A line chooses one (`settings["level_words"]`, set by `readiness line set --level-words NAME`);
without a choice the four-level words (重大风险 … 低风险, and today's labels) are in force.
Pure rules: no store, no clock.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from readiness.errors import InvalidValue, ReadinessError
from readiness.vocab import label, normalise

LEVELS = ("major", "significant", "general", "low")  # high to low, as hazards.scoring
SETTING = "level_words"  # the key in a line's settings


class LevelWordsDataError(ReadinessError):
    """The shipped level-word data file is inconsistent (a programming error caught by tests)."""

    key = "level_words.data_invalid"


@dataclass(frozen=True)
class LevelWords:
    """One table of level words: `words[level]` are the words for that level, in order."""

    name: str
    zh: str
    en: str
    kind: str
    source_zh: str
    source_en: str
    words: dict[str, tuple[str, ...]]
    lookup: dict[str, str]  # normalised word (and each level code) -> level

    def level(self, word: Any) -> str | None:
        """The level a ledger's word means under this table (a code also passes), or None for
        a blank cell or a word the table does not know."""
        if word is None:
            return None
        text = normalise(str(word))
        if not text:
            return None
        return self.lookup.get(text)

    def parse(self, word: Any, field: str = "level") -> str | None:
        """`level`, but a non-blank word the table does not know is an InvalidValue naming the
        field, the word and the table in force."""
        found = self.level(word)
        if found is None and word is not None and str(word).strip():
            raise InvalidValue("level_words.unknown_word", field=field, value=str(word).strip(),
                               table=self.name, words=self)
        return found

    def describe(self, lang: str | None = None) -> str:
        """The table in force, for an error message: "重大风险/重大/Major=重大, …"."""
        return ", ".join(f"{'/'.join(self.words[lv])}={label('risk_level', lv, lang)}"
                         for lv in LEVELS)

    def title(self, lang: str | None = None) -> str:
        from readiness.i18n import get_lang

        return self.zh if (lang or get_lang()) == "zh" else self.en

    def source(self, lang: str | None = None) -> str:
        from readiness.i18n import get_lang

        return self.source_zh if (lang or get_lang()) == "zh" else self.source_en

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "zh": self.zh, "en": self.en, "kind": self.kind,
                "source_zh": self.source_zh, "source_en": self.source_en,
                "words": {lv: list(self.words[lv]) for lv in LEVELS}}

    def __str__(self) -> str:  # as a message parameter, before the language is known
        return self.describe()


def _table(name: str, raw: dict[str, Any]) -> LevelWords:
    def fail(reason: str) -> None:
        raise LevelWordsDataError(file="level_words.toml", reason=f"tables.{name}: {reason}")

    for key in ("zh", "en", "kind", "source_zh", "source_en"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            fail(f"{key} must be non-empty text")
    unknown = sorted(set(raw) - {"zh", "en", "kind", "source_zh", "source_en", *LEVELS})
    if unknown:
        fail(f"unknown key {unknown[0]}")
    words: dict[str, tuple[str, ...]] = {}
    lookup: dict[str, str] = {lv: lv for lv in LEVELS}  # the codes, as `hazard export` writes
    for level in LEVELS:
        given = raw.get(level)
        if not isinstance(given, list) or not given or not all(isinstance(w, str) for w in given):
            fail(f"{level} must be a non-empty list of words")
        words[level] = tuple(given)  # type: ignore[arg-type]
        for word in given:  # type: ignore[union-attr]
            key = normalise(word)
            if lookup.get(key, level) != level:
                fail(f"{word!r} means both {lookup[key]} and {level}")
            lookup[key] = level
    return LevelWords(name, raw["zh"], raw["en"], raw["kind"], raw["source_zh"],
                      raw["source_en"], words, lookup)


@lru_cache(maxsize=1)
def _data() -> tuple[str, dict[str, LevelWords]]:
    text = resources.files("hazards").joinpath("data", "level_words.toml").read_text("utf-8")
    data = tomllib.loads(text)
    tables = {name: _table(name, raw) for name, raw in data["tables"].items()}
    default = data["default"]
    if default not in tables:
        raise LevelWordsDataError(file="level_words.toml", reason=f"default {default} is no table")
    return default, tables


def tables() -> dict[str, LevelWords]:
    """Every shipped table by name, in file order."""
    return dict(_data()[1])


def default_name() -> str:
    return _data()[0]


def table(name: str | None, option: str = "--level-words") -> LevelWords:
    """The shipped table `name` (the default for None), or InvalidValue listing the names."""
    default, known = _data()
    key = default if name is None else str(name).strip().lower()
    if key not in known:
        raise InvalidValue("level_words.unknown_table", option=option, value=name,
                           known=", ".join(known))
    return known[key]


def for_line(line_settings: dict[str, Any] | None) -> LevelWords:
    """The level words in force on a line: its chosen table, else the default four-level words."""
    chosen = (line_settings or {}).get(SETTING)
    return table(chosen) if chosen else table(None)
