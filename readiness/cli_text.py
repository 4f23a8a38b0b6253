"""The command line's own words in the user's language: the help of every command and option, and
click's usage messages ("Missing option", "Usage:", "Try … for help").

English is written once, in cli.py (docstrings and `help=`), and is the key. Chinese lives in
data/help.toml: `[commands]` by command path ("hazard add"), `[options]` by the option's English
help (an option shared by many commands is translated once), and `[click]` by click's own English
message templates. The tables are read only when help or an error is shown, so that an ordinary
command does not pay for them.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Any

from readiness.i18n import LANGUAGES, get_lang

ROOT = "readiness"  # the key of the top-level command in data/help.toml


@lru_cache(maxsize=1)
def tables() -> dict[str, dict[str, Any]]:
    text = resources.files("readiness").joinpath("data/help.toml").read_text("utf-8")
    data = tomllib.loads(text)
    for section in ("commands", "options", "click", "words"):
        data.setdefault(section, {})
    return data


@lru_cache(maxsize=1)
def _click_zh() -> dict[str, str]:
    return tables()["click"]  # type: ignore[no-any-return]


# --- commands and options --------------------------------------------------------------------

def command_help(path: str, english: str | None, lang: str | None = None) -> str:
    """The help of the command at `path` ("" or "readiness" for the top level) in `lang`."""
    if (lang or get_lang()) == "en" or not english:
        return english or ""
    entry = tables()["commands"].get(path or ROOT)
    return str(entry) if entry else english


def short_help(path: str, english: str | None) -> str:
    """The Chinese one-line summary shown in a group's list of commands: the first sentence
    of the command's help. (click makes the English one from the English help.)"""
    text = command_help(path, english, "zh").strip().split("\n\n")[0]
    first = re.split(r"(?<=[。！？])", text, maxsplit=1)[0]
    return first.rstrip("。").replace("\n", "")


def option_help(english: str | None, lang: str | None = None) -> str | None:
    """An option's (or argument's) help in `lang`: its English text is the key."""
    if not english or (lang or get_lang()) == "en":
        return english
    found = tables()["options"].get(" ".join(english.split()))
    return str(found) if found else english


# --- click's own messages ----------------------------------------------------------------------

class _Template(str):
    """A translated click template. click fills in some parameters with English words of its
    own (the type "integer", the parameter kind "option", a quoted '--name'): those are put in
    the user's language too."""

    WORDS = ("number_type", "param_type", "name")  # may hold one of click's English words
    QUOTED = ("param_hint", "possibility", "possibilities", "choices")  # click's 'x' quoting

    def format(self, *args: Any, **kwargs: Any) -> str:  # noqa: A003 - str.format's name
        words = tables()["words"]
        for key, value in kwargs.items():
            if isinstance(value, str) and key in self.WORDS:
                kwargs[key] = words.get(value, value)
            elif isinstance(value, str) and key in self.QUOTED:
                kwargs[key] = value.replace("'", "")
        return str.format(self, *args, **kwargs)


def gettext(message: str) -> str:
    """click's gettext: its English message, or the Chinese for it when the user reads Chinese."""
    if get_lang() == "en":
        return message
    found = _click_zh().get(message)
    return _Template(found) if found is not None else message


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def install() -> None:
    """Route click's messages through `gettext` above. click looks its `_` and `ngettext` up in
    each module's globals when a message is made, so replacing them there is enough. Help texts
    that click fixes when a command is defined (the --help and --version options) are
    translated with the other options instead (`option_help`)."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.termui
    import click.types
    import click.utils

    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser,
                   click.termui, click.types, click.utils):
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


def usage_error(err: Any) -> Any:
    """A click usage error as the user should read it. In Chinese, a missing option or argument
    is named plainly (`缺少选项 --residual`) rather than in click's English sentence shape."""
    import click

    if get_lang() == "en" or not isinstance(err, click.MissingParameter) or err.param is None:
        return err
    param = err.param
    if isinstance(param, click.Option):
        what, name = gettext("Missing option"), " / ".join(param.opts)
    else:
        what, name = gettext("Missing argument"), param.human_readable_name
    extra = param.type.get_missing_message(param=param, ctx=err.ctx)
    text = f"{what} {name}" + (f"（{extra}）" if extra else "")
    return click.UsageError(text, err.ctx)


TAKES_VALUE = ("--db", "--user", "--lang")  # the top-level options that take a value


def lang_from_args(args: list[str], env: str | None) -> str:
    """The language asked for before the command is known: READINESS_LANG, else a `--lang`
    before the command's name, else Chinese. Used so that help and usage errors found while
    the arguments are parsed already speak it."""
    lang = env if env in LANGUAGES else None
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            lang = args[i + 1] if args[i + 1] in LANGUAGES else lang
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1] if arg.split("=", 1)[1] in LANGUAGES else lang
        elif not arg.startswith("-") and (i == 0 or args[i - 1] not in TAKES_VALUE):
            break  # the command's name: what follows belongs to it
    return lang or "zh"


# --- wrapping text that mixes Chinese and Latin ------------------------------------------------

def width(text: str) -> int:
    """Columns on a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def is_wide(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in "WF" for ch in text)


_NO_LINE_START = set("，。、；：？！）》」』”’%")
_NO_LINE_END = set("“‘（《「『")
_TOKEN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f“‘（《「『]"
                    r"|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f“‘（《「『]+|\s+")


def wrap(text: str, columns: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """Wrap a paragraph by terminal columns, between any two Chinese characters or at spaces,
    never putting closing punctuation at the start of a line."""
    tokens: list[str] = []
    for m in _TOKEN.finditer(_unwrap(text)):
        if tokens and tokens[-1][-1] in _NO_LINE_END and not m.group(0).isspace():
            tokens[-1] += m.group(0)  # an opening bracket or quote stays with what it opens
        else:
            tokens.append(m.group(0))
    lines: list[str] = []
    line: list[str] = []  # the tokens of the line being filled
    indent = initial_indent
    for token in tokens:
        if token.isspace():
            if not line:
                continue
            token = " "
        if width(indent + "".join(line) + token) <= columns or not line:
            line.append(token)
            continue
        carried: list[str] = []
        if token[0] in _NO_LINE_START and len(line) > 1:
            carried = [line.pop()]  # closing punctuation goes down with the word before it
        lines.append(indent + "".join(line).rstrip())
        indent, line = subsequent_indent, [] if token == " " else [*carried, token]
    if "".join(line).strip():
        lines.append(indent + "".join(line).rstrip())
    return "\n".join(lines)


def _unwrap(text: str) -> str:
    """One paragraph's lines as one line: a line break between Chinese characters disappears,
    elsewhere it is a space."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    out = lines[0] if lines else ""
    for ln in lines[1:]:
        joint = "" if is_wide(out[-1]) and is_wide(ln[0]) else " "
        out += joint + ln
    return out


def wrap_paragraphs(text: str, columns: int, initial_indent: str = "",
                    subsequent_indent: str = "") -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "\n\n".join(wrap(p.strip(), columns, initial_indent if i == 0 else subsequent_indent,
                            subsequent_indent) for i, p in enumerate(paragraphs))


def help_formatter_class() -> type:
    """click's help formatter, wrapping Chinese by terminal columns (click counts characters,
    which makes Chinese lines twice as wide as the terminal)."""
    import click

    class HelpFormatter(click.HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            if prefix is None:
                heading = gettext("Usage:")
                prefix = heading if is_wide(heading) else heading + " "
            super().write_usage(prog, args, prefix)

        def write_heading(self, heading: str) -> None:
            colon = "：" if is_wide(heading) else ":"
            self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")

        def write_text(self, text: str) -> None:
            if not is_wide(text):
                return super().write_text(text)
            indent = " " * self.current_indent
            self.write(wrap_paragraphs(text, self.width, indent, indent) + "\n")
            return None

        def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
            rows = list(rows)
            if not any(is_wide(second) for _, second in rows):
                return super().write_dl(rows, col_max, col_spacing)
            first_col = min(max(len(first) for first, _ in rows), col_max) + col_spacing
            text_width = max(self.width - first_col - self.current_indent, 20)
            pad = " " * (first_col + self.current_indent)
            for first, second in rows:
                self.write(f"{'':>{self.current_indent}}{first}")
                if not second:
                    self.write("\n")
                    continue
                if len(first) <= first_col - col_spacing:
                    self.write(" " * (first_col - len(first)))
                else:
                    self.write("\n" + pad)
                lines = wrap_paragraphs(second, text_width).splitlines() or [""]
                self.write(lines[0] + "\n")
                for line in lines[1:]:
                    self.write((pad + line).rstrip() + "\n")
            return None

    return HelpFormatter
