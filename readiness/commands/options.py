"""What every command module shares: the localised command classes, the option decorators that
mean the same thing everywhere (`--line`, `--json`, `--as-of`, `-o/--output` with `--force`),
and the small helpers that open the store and print.

Nothing heavy is imported here: SQLAlchemy, openpyxl and friends are imported inside the
commands, so that `readiness --version` and `--help` start fast.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import click

from readiness import cli_text
from readiness.i18n import get_lang

if TYPE_CHECKING:
    from readiness.actor import Actor

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


@dataclass
class Settings:
    """The global options, and the command as the user typed it after them (for the audit)."""

    db: str
    user: str | None
    debug: bool
    command: str | None = None


class ReadinessContext(click.Context):
    formatter_class = cli_text.help_formatter_class()


def command_path(ctx: click.Context) -> str:
    """"hazard control add": the key of a command's help in data/help.toml."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


class LocalisedHelp(click.Command):
    """`--help` in the user's language: English from the docstrings and `help=`, Chinese from
    data/help.toml."""

    context_class = ReadinessContext

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        import inspect

        text = cli_text.command_help(command_path(ctx), self.help)
        text = inspect.cleandoc(text).partition("\f")[0]
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        import copy

        rows = []
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                shown = copy.copy(param)
                shown.help = cli_text.option_help(param.help)
                record = shown.get_help_record(ctx)
                if record is not None:
                    rows.append(record)
        if rows:
            with formatter.section(cli_text.gettext("Options")):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


class ReadinessCommand(LocalisedHelp):
    """A command whose help speaks the user's language (all behaviour is in LocalisedHelp)."""


class ReadinessGroup(LocalisedHelp, click.Group):
    """A group whose help and usage errors speak the user's language, and whose help may be
    cut short by its reader (`| head`). The top-level group (cli.py) adds the error mapping."""

    command_class = ReadinessCommand
    group_class = type  # subgroups are ReadinessGroups too

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        path = command_path(ctx)
        commands = [(name, cmd) for name in self.list_commands(ctx)
                    if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        if not commands:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in commands)
        rows = [(name, cmd.get_short_help_str(limit) if get_lang() == "en" or cmd.short_help
                 else cli_text.short_help(f"{path} {name}".strip(), cmd.help))
                for name, cmd in commands]
        with formatter.section(cli_text.gettext("Commands")):
            formatter.write_dl(rows)

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:  # `readiness --help | head -1` prints here, before any command runs
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as err:
            raise cli_text.usage_error(err) from None
        except BrokenPipeError:
            reader_gone()
            raise  # not reached: reader_gone ends the command


def reader_gone() -> None:
    """The reader of our output went away (`readiness hazard list | head`): that is the reader's
    choice, not an error. Point stdout at the null device so that nothing is reported at exit,
    and end with success."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file behind stdout (e.g. under a test runner)
        pass
    raise click.exceptions.Exit(0)


def group(*args: Any, **kwargs: Any) -> Any:
    """`@group()`: a command group with localised help (registered in cli.py)."""
    return click.group(*args, cls=ReadinessGroup, **kwargs)


def command(*args: Any, **kwargs: Any) -> Any:
    """`@command()`: a top-level command with localised help (registered in cli.py)."""
    return click.command(*args, cls=ReadinessCommand, **kwargs)


# --- shared options -------------------------------------------------------------------------------

def json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True,
                        help="Machine-readable output: stable English keys, codes not labels.")(f)


def line_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--line", "line", metavar="NAME",
                        help="The line to act on (default: the only line in the store).")(f)


def _as_date(option: str) -> Callable[[click.Context, click.Parameter, Any], dt.date | None]:
    return lambda ctx, param, value: parse_date(option, value)


def as_of_option(help: str) -> Decorator:  # noqa: A002 - click's own name for it
    """`--as-of YYYY-MM-DD`: the day to list, check or assess as of (default today). The
    command receives a date (or None); a bad date is refused naming the option."""
    return click.option("--as-of", "as_of", metavar="YYYY-MM-DD", callback=_as_date("--as-of"),
                        help=help)


class _FirstNameInHelp(click.Option):
    """An option whose help shows only its first name: the later ones are old spellings that
    keep working (scripts and habits) but are no longer taught."""

    @property
    def shown_opts(self) -> list[str]:
        return self.opts[:1]

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        import copy

        shown = copy.copy(self)
        shown.opts, shown.secondary_opts = self.shown_opts, []
        return click.Option.get_help_record(shown, ctx)


def on_option(help: str, required: bool = False) -> Decorator:  # noqa: A002
    """`--on YYYY-MM-DD`: the day something happened (a drill run, an evaluation, a verification,
    an acceptance, a PDCA step). One name for one meaning: `--as-of` is the day a listing, check or
    assessment is made as of. `--date`, the old spelling, is still accepted."""
    return click.option("--on", "--date", "on", cls=_FirstNameInHelp, metavar="YYYY-MM-DD",
                        required=required, callback=_as_date("--on"), help=help)


def output_option(help: str = "The workbook to write.", default: str | None = None,  # noqa: A002
                  required: bool = False) -> Decorator:
    """`-o/--output FILE`: where a command writes its file (pair it with `force_option`)."""
    return click.option("-o", "--output", default=default, required=required,
                        show_default=default is not None, help=help)


def force_option(help: str = "Replace the file if it exists.") -> Decorator:  # noqa: A002
    """`--force`: replace what is already there (the output file, by default)."""
    return click.option("--force", is_flag=True, help=help)


# --- helpers --------------------------------------------------------------------------------------

def emit_json(data: Any) -> None:
    """Print a result as `--json` (readiness.results says how a result shows its keys)."""
    from readiness.results import json_bytes

    click.echo(json_bytes(data).decode("utf-8"))


def settings() -> Settings:
    return click.get_current_context().find_object(Settings)  # type: ignore[return-value]


def acting() -> Actor:
    """Who is acting at the command line (`--user`, READINESS_USER or the login name), and the
    command as they typed it: what every write records."""
    from readiness.actor import Actor

    s = settings()
    return Actor.of_os_user(s.user, s.command)


def open_store() -> Any:
    from readiness.store.core import Store

    return Store.open(settings().db)


def parse_date(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        from readiness.errors import InvalidValue

        raise InvalidValue("option.bad_date", option=option, value=value) from None


def refuse_existing(output: str, force: bool) -> None:
    """An output file that exists is replaced only with --force."""
    if os.path.exists(output) and not force:
        from readiness.errors import ReadinessError

        raise ReadinessError("output.exists", path=output)


def show_table(headers: list[str], rows: list[list[Any]]) -> None:
    from readiness.tables import render

    click.echo(render(headers, rows))


def L(zh: str, en: str) -> str:  # noqa: N802 - a column heading in the user's language
    return zh if get_lang() == "zh" else en


def short(text: str | None, width: int = 30) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def acceptor(acc: Any) -> str:
    """Who accepted a residual risk (an acceptance with the acceptor's name): name and staff ID
    (an old free-text entry as it is)."""
    name = acc.accepted_by_name
    return f"{name} {acc.accepted_by}" if name else str(acc.accepted_by)


def signing_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """`--as ACCOUNT` and `--password-stdin`: who performs a legal act (sign-off, risk
    acceptance) once the store has accounts."""
    f = click.option("--password-stdin", is_flag=True,
                     help="Read the account's password from standard input.")(f)
    return click.option("--as", "as_account", metavar="STAFF_ID",
                        help="Your account (asks its password); required once the store has "
                             "accounts.")(f)


def signing_account(store: Any, as_account: str | None, password_stdin: bool) -> Any:
    """The authenticated account `--as` names (None without `--as`), and the actor its write
    records."""
    if not as_account:
        return None
    from readiness.accounts import authenticate
    from readiness.i18n import t

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = str(click.prompt(t("account.prompt"), hide_input=True))
    return authenticate(store, as_account, password)


def acting_for(account: Any) -> Actor:
    """The actor of a write: the signed-in account when there is one, else the OS user."""
    from readiness.accounts import acting_as

    return acting_as(account, acting().via) if account is not None else acting()
