"""Coded values: stable English codes with Chinese and English labels (data/codes.toml).

`parse` accepts a code, either label, or a bilingual "车站 Station" cell, case- and
width-insensitively, and returns the code. `label` gives the label in the current language.
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from readiness.i18n import get_lang


@dataclass(frozen=True)
class Code:
    code: str
    zh: str
    en: str
    extra: tuple[tuple[str, str], ...] = ()

    def label(self, lang: str | None = None) -> str:
        return self.zh if (lang or get_lang()) == "zh" else self.en

    def bilingual(self) -> str:
        return f"{self.zh} {self.en}"


def normalise(text: str) -> str:
    """Fold width (全角→半角), case and inner white space so that labels match as users type them."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return " ".join(folded.split())


@lru_cache(maxsize=1)
def code_sets() -> dict[str, dict[str, Code]]:
    text = resources.files("readiness").joinpath("data/codes.toml").read_text("utf-8")
    sets: dict[str, dict[str, Code]] = {}
    for set_name, entries in tomllib.loads(text).items():
        sets[set_name] = {}
        for code, entry in entries.items():
            if "zh" not in entry or "en" not in entry:
                raise ValueError(f"codes.toml: [{set_name}] {code} needs both zh and en labels")
            extra = tuple((k, str(v)) for k, v in entry.items() if k not in ("zh", "en"))
            sets[set_name][code] = Code(code, entry["zh"], entry["en"], extra)
    return sets


def codes(set_name: str) -> dict[str, Code]:
    return code_sets()[set_name]


@lru_cache(maxsize=None)
def _lookup(set_name: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for code in codes(set_name).values():
        for text in (code.code, code.zh, code.en, code.bilingual(), f"{code.zh}{code.en}"):
            index[normalise(text)] = code.code
        std = dict(code.extra).get("std")
        if std:  # a standard's own code (GB/T 13861 "2.1"), also "2.1 物理性…"
            index[normalise(std)] = code.code
            index[normalise(f"{std} {code.zh}")] = code.code
    return index


def parse(set_name: str, value: object) -> str | None:
    """The code for `value` in `set_name`, or None when it is neither a code nor a label."""
    if value is None:
        return None
    return _lookup(set_name).get(normalise(str(value)))


def covers(set_name: str, broad: str, code: str | None) -> bool:
    """True when `code` is `broad` or sits under it in the standard's numbering (GB/T 13861:
    人的因素 "1" covers "1.1" and "1.2")."""
    if code is None:
        return False
    if code == broad:
        return True
    entries = codes(set_name)
    outer = dict(entries[broad].extra).get("std") if broad in entries else None
    inner = dict(entries[code].extra).get("std") if code in entries else None
    return bool(outer and inner and inner.startswith(outer + "."))


def label(set_name: str, code: str | None, lang: str | None = None) -> str:
    if code is None:
        return ""
    entry = codes(set_name).get(code)
    return entry.label(lang) if entry else code


def choices(set_name: str, lang: str | None = None) -> list[str]:
    """Labels in `lang`, in data order: what a drop-down in a workbook offers."""
    return [c.label(lang) for c in codes(set_name).values()]


@dataclass(frozen=True)
class OneOf:
    """The values a coded option or cell accepts, as a message parameter: shown as the labels
    in the reader's language (重大 / 较大 / 一般 / 较小), which is also what they may type."""

    set_name: str

    def shown(self, lang: str | None = None) -> str:
        return " / ".join(choices(self.set_name, lang))


def shown(value: object, lang: str | None = None) -> object:
    """A message parameter as the reader sees it: (set, code) → its label; (set, [codes]) →
    labels joined; [(set, code), …] (codes of several sets) → labels joined; OneOf(set) → the
    set's labels; anything else as it is. Lets errors and findings be raised before the
    language they are shown in is known."""
    if isinstance(value, OneOf):
        return value.shown(lang)
    if (isinstance(value, list) and value
            and all(isinstance(v, (list, tuple)) and len(v) == 2 and isinstance(v[0], str)
                    and v[0] in code_sets() for v in value)):
        return ("、" if (lang or get_lang()) == "zh" else ", ").join(
            label(s, c, lang) for s, c in value)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        set_name, code = value
        if isinstance(code, list):
            return ", ".join(label(set_name, c, lang) for c in code)
        return label(set_name, code, lang)  # type: ignore[arg-type]
    return value
