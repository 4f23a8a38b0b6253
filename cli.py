"""The `readiness` command: parses arguments, calls the library, prints. Nothing else.

Heavy libraries (SQLAlchemy, pandas, openpyxl, networkx) are imported inside commands only, so
`readiness --version` and `--help` start fast.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable

import click

from readiness import __version__, cli_text
from readiness.i18n import get_lang, set_lang, t


@dataclass
class Settings:
    db: str
    user: str | None
    debug: bool


class ReadinessContext(click.Context):
    formatter_class = cli_text.help_formatter_class()


def _command_path(ctx: click.Context) -> str:
    """"hazard control add": the key of a command's help in data/help.toml."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


class LocalisedHelp(click.Command):
    """`--help` in the user's language: English from the docstrings and `help=` below, Chinese
    from data/help.toml."""

    context_class = ReadinessContext

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        import inspect

        text = cli_text.command_help(_command_path(ctx), self.help)
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
    pass


class ReadinessGroup(LocalisedHelp, click.Group):
    """Turns the library's named errors into one `Error: …` line (exit 1), no traceback; speaks
    the user's language from the first argument on (help, usage errors); and treats a reader
    that stops reading (`| head`) as the end of the command, not an error."""

    command_class = ReadinessCommand
    group_class = type  # subgroups are ReadinessGroups too

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        argv = sys.argv[1:] if args is None else list(args)
        set_lang(cli_text.lang_from_args(argv, os.environ.get("READINESS_LANG")))
        cli_text.install()  # click's own messages (usage errors, headings) in that language
        return super().main(argv, prog_name, complete_var, standalone_mode, **extra)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        path = _command_path(ctx)
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
            _reader_gone()
            raise  # not reached: _reader_gone ends the command

    def invoke(self, ctx: click.Context) -> Any:
        from readiness.errors import ImportRejected, ReadinessError

        try:
            return super().invoke(ctx)
        except ImportRejected as err:
            for problem in err.problems:
                click.echo(problem.message(), err=True)
            raise click.ClickException(err.message()) from None
        except ReadinessError as err:
            raise click.ClickException(err.message()) from None
        except click.UsageError as err:
            raise cli_text.usage_error(err) from None
        except (click.exceptions.Exit, click.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            _reader_gone()
        except Exception as exc:
            if ctx.find_root().params.get("debug"):
                raise
            detail = str(exc).splitlines()[0][:300] if str(exc) else ""
            raise click.ClickException(t("internal", kind=type(exc).__name__,
                                         detail=detail)) from None


def _reader_gone() -> None:
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


def json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True,
                        help="Machine-readable output: stable English keys, codes not labels.")(f)


def line_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--line", "line", metavar="NAME",
                        help="The line to act on (default: the only line in the store).")(f)


def emit_json(data: Any) -> None:
    import orjson  # fast for large listings; imported here so that start-up stays light

    text = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str)
    click.echo(text.decode("utf-8"))


def settings() -> Settings:
    return click.get_current_context().find_object(Settings)  # type: ignore[return-value]


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


def show_table(headers: list[str], rows: list[list[Any]]) -> None:
    from readiness.tables import render

    click.echo(render(headers, rows))


def L(zh: str, en: str) -> str:  # noqa: N802 - a column heading in the user's language
    return zh if get_lang() == "zh" else en


@click.group(cls=ReadinessGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="readiness")
@click.option("--db", envvar="READINESS_DB", default="readiness.db", show_default=True,
              help="Store: a SQLite file path or a SQLAlchemy URL (postgresql+psycopg://…). "
                   "Env: READINESS_DB.")
@click.option("--lang", type=click.Choice(["zh", "en"]), envvar="READINESS_LANG", default="zh",
              show_default=True, help="Language of messages, labels and reports.")
@click.option("--user", envvar="READINESS_USER", help="Who is making changes, for the audit "
              "trail (default: READINESS_USER, else the login name).")
@click.option("--debug", is_flag=True, help="Show full tracebacks for unexpected errors.")
@click.pass_context
def cli(ctx: click.Context, db: str, lang: str, user: str | None, debug: bool) -> None:
    """metro-readiness: a new metro line's pre-opening safety readiness.

    Hazard register, safety responsibility, drills, PDCA problem tracking, trial-run indicators,
    readiness assessment and reports, in one store.
    """
    set_lang(lang)
    ctx.obj = Settings(db=db, user=user, debug=debug)


# --- store and lines ---------------------------------------------------------------------------

@cli.command()
@click.option("--line", "name", required=True, metavar="NAME", help="Name of the new line.")
@click.option("--opening-date", metavar="YYYY-MM-DD", help="Planned opening date.")
@click.option("--handover-date", metavar="YYYY-MM-DD",
              help="Three-rights handover date: drills count from this day.")
@click.option("--profile", metavar="NAME",
              help="Criteria profile: mot-2019, mot-2023 (default) or mot-2023-fao.")
@click.option("--method", help="Hazard scoring method: LEC (default), LS or 882E.")
@click.option("--band-table", help="The method's band table, e.g. A or B for LS.")
@json_option
def init(name: str, opening_date: str | None, handover_date: str | None, profile: str | None,
         method: str | None, band_table: str | None, as_json: bool) -> None:
    """Create the store if needed and add a line to it."""
    from readiness.lines import init_line
    from readiness.store.core import Store

    opening = parse_date("--opening-date", opening_date)
    handover = parse_date("--handover-date", handover_date)
    with Store.create(settings().db) as store:
        line = init_line(store, name, opening=opening, handover=handover, profile=profile,
                         method=method, band_table=band_table, user=settings().user)
        where = store.display_url()
    if as_json:
        emit_json(line)
    else:
        click.echo(t("line.created", name=name, db=where))


@cli.group()
def db() -> None:
    """The store itself: schema version, upgrades, backup and restore."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring an older store forward to this code's schema (a no-op when current)."""
    from readiness.store.core import Store, _refuse_missing_sqlite_file, resolve_url

    url = resolve_url(settings().db)
    _refuse_missing_sqlite_file(url)
    with Store(url) as store:
        before, after = store.upgrade()
    key = "store.up_to_date" if before == after else "store.upgraded"
    click.echo(t(key, before=before or "-", after=after))


@db.command("status")
@json_option
def db_status(as_json: bool) -> None:
    """Show the store's schema version against this code's."""
    from readiness.store.core import Store, _refuse_missing_sqlite_file, resolve_url

    url = resolve_url(settings().db)
    _refuse_missing_sqlite_file(url)
    with Store(url) as store:
        state, revision, head = store.schema_state()
        where = store.display_url()
    data = {"db": where, "state": state, "revision": revision, "head": head}
    if as_json:
        emit_json(data)
    else:
        for key, value in data.items():
            click.echo(f"{key}: {value}")


@db.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@json_option
def db_backup(file: str, force: bool, as_json: bool) -> None:
    """Write a consistent copy of the store to FILE, even while others are writing."""
    from readiness.store.backup import backup

    done = backup(settings().db, file, force=force)
    if as_json:
        return emit_json({"path": done.path, "revision": done.revision})
    click.echo(t("backup.written", path=done.path, revision=done.revision or "-"))


@db.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True,
              help="Replace a store that already holds data with the backup's content.")
@json_option
def db_restore(file: str, force: bool, as_json: bool) -> None:
    """Restore the store given by --db from a backup FILE made by `db backup`."""
    from readiness.store.backup import restore

    done = restore(file, settings().db, force=force)
    if as_json:
        return emit_json({"db": done.db, "revision": done.revision,
                          "upgraded_from": done.upgraded_from,
                          "audit_records": done.audit_records})
    if done.upgraded_from:
        click.echo(t("backup.restored_upgraded", before=done.upgraded_from, after=done.revision))
    click.echo(t("backup.restored", path=file, db=done.db, revision=done.revision,
                 records=done.audit_records))


@cli.group()
def line() -> None:
    """Lines in the store: list, show, change dates and profile."""


@line.command("list")
@json_option
def line_list(as_json: bool) -> None:
    """List the lines in the store."""
    from readiness import vocab
    from readiness.lines import list_lines

    with open_store() as store:
        lines = list_lines(store)
    if as_json:
        return emit_json(lines)
    show_table([L("线路", "Line"), L("计划开通", "Opening"), L("三权移交", "Handover"),
                L("评估标准", "Profile"), L("阶段", "Phase"), L("位置数", "Locations")],
               [[ln["name"], ln["planned_opening"], ln["handover_date"], ln["profile"],
                 vocab.label("phase", ln["phase"]), ln["locations"]] for ln in lines])


@line.command("show")
@line_option
@json_option
def line_show(line: str | None, as_json: bool) -> None:
    """Show one line: dates, profile, phase and its locations by kind."""
    from readiness import vocab
    from readiness.lines import show_line

    with open_store() as store:
        data = show_line(store, line)
    if as_json:
        return emit_json(data)
    click.echo(f"{L('线路', 'Line')}: {data['name']}")
    click.echo(f"{L('计划开通日期', 'Planned opening')}: {data['planned_opening'] or '-'}")
    click.echo(f"{L('三权移交日期', 'Handover')}: {data['handover_date'] or '-'}")
    click.echo(f"{L('评估标准', 'Profile')}: {vocab.label('criteria_profile', data['profile'])}")
    click.echo(f"{L('当前阶段', 'Phase')}: {vocab.label('phase', data['phase'])}")
    click.echo(f"{L('风险评价方法', 'Scoring')}: {data['scoring_method']}"
               f"{' / ' + data['band_table'] if data['band_table'] else ''}")
    counts = ", ".join(f"{vocab.label('location_kind', k)} {n}"
                       for k, n in data["locations"].items())
    click.echo(f"{L('位置', 'Locations')}: {counts}")


@line.command("set")
@line_option
@click.option("--opening-date", metavar="YYYY-MM-DD", help="Planned opening date.")
@click.option("--handover-date", metavar="YYYY-MM-DD",
              help="Three-rights handover date: drills count from this day.")
@click.option("--profile", metavar="NAME",
              help="Criteria profile: mot-2019, mot-2023, mot-2023-fao or the line's own.")
@click.option("--method", help="Hazard scoring method: LEC, LS or 882E.")
@click.option("--band-table", help="The method's band table, e.g. A or B for LS.")
@json_option
def line_set(line: str | None, opening_date: str | None, handover_date: str | None,
             profile: str | None, method: str | None, band_table: str | None,
             as_json: bool) -> None:
    """Change a line's dates, criteria profile or hazard scoring method (audited)."""
    from readiness.lines import set_line

    with open_store() as store:
        data = set_line(store, line, opening=parse_date("--opening-date", opening_date),
                        handover=parse_date("--handover-date", handover_date), profile=profile,
                        method=method, band_table=band_table, user=settings().user)
    if as_json:
        return emit_json(data)
    click.echo(t("line.updated", name=data["name"]))


@cli.group()
def location() -> None:
    """Stations, sections, depots and control centres of a line."""


@location.command("list")
@line_option
@click.option("--kind", help="Only this kind: station, section, depot, control-centre.")
@json_option
def location_list(line: str | None, kind: str | None, as_json: bool) -> None:
    """List a line's locations in order along the line."""
    from readiness import vocab
    from readiness.lines import list_locations

    with open_store() as store:
        rows = list_locations(store, line, kind)
    if as_json:
        return emit_json(rows)
    show_table([L("顺序", "Order"), L("编号", "ID"), L("名称", "Name"), L("类型", "Kind")],
               [[r["seq"], r["code"], r["name"], vocab.label("location_kind", r["kind"])]
                for r in rows])


# --- templates and import ----------------------------------------------------------------------

@cli.group()
def template() -> None:
    """Write fillable Excel templates for `readiness import`."""


def _write_template(kind: str, output: str, force: bool) -> None:
    from readiness.importing import template_kind
    from readiness.workbook import write_template

    _refuse_existing(output, force)
    path = write_template(template_kind(kind), output, get_lang())
    click.echo(t("template.written", path=path))


@template.command("line")
@click.option("-o", "--output", default="line-template.xlsx", show_default=True,
              help="The workbook to write.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def template_line(output: str, force: bool) -> None:
    """Template for a line's locations (sheet 位置 Locations)."""
    _write_template("line", output, force)


@template.command("hazards")
@click.option("-o", "--output", default="hazards-template.xlsx", show_default=True,
              help="The workbook to write.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def template_hazards(output: str, force: bool) -> None:
    """Template for the hazard register (sheets 危险源台帐 Hazards and 管控措施 Controls)."""
    _write_template("hazards", output, force)


@cli.group()
def export() -> None:
    """Export registers to Excel or CSV, with codes that re-import unchanged."""


@export.command("hazards")
@click.option("-o", "--output", required=True, help="FILE.xlsx or FILE.csv")
@line_option
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def export_hazards_cmd(output: str, line: str | None, force: bool) -> None:
    """Export the hazard register (re-importing the file changes nothing)."""
    from hazards.excel import export_hazards

    _refuse_existing(output, force)
    with open_store() as store:
        done = export_hazards(store, line, output)
    click.echo(t("export.written", rows=done["rows"], path=done["path"]))


def _refuse_existing(output: str, force: bool) -> None:
    if os.path.exists(output) and not force:
        from readiness.errors import ReadinessError

        raise ReadinessError("output.exists", path=output)


class _Progress:
    """A progress bar on stderr for long imports, only when a person is watching."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, done), file=sys.stderr,
                                         label=L("读取", "reading"))
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--kind", help="Template kind, when the sheet names do not tell.")
@line_option
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option("--skip-invalid", is_flag=True,
              help="Write the valid rows and list the rejected ones (default: write nothing).")
@json_option
def import_(file: str, kind: str | None, line: str | None, dry_run: bool, skip_invalid: bool,
            as_json: bool) -> None:
    """Import a filled template workbook (.xlsx) or a CSV export; every row is checked before
    any is written."""
    from readiness.importing import import_file

    progress = _Progress() if sys.stderr.isatty() and not as_json else None
    try:
        with open_store() as store:
            result = import_file(store, file, kind=kind, line=line, user=settings().user,
                                 dry_run=dry_run, skip_invalid=skip_invalid,
                                 command=" ".join(["import", *sys.argv[2:]])[:200],
                                 progress=progress)
    finally:
        if progress is not None:
            progress.close()
    if as_json:
        return emit_json(result.as_dict())
    for problem in result.problems:
        click.echo(problem.message(), err=True)
    if result.dry_run:
        key = "import.dry_run_skipped" if result.rejected else "import.dry_run"
        click.echo(t(key, path=file, rows=result.rows, rejected=result.rejected))
    else:
        click.echo(t("import.summary", path=file, created=result.created, updated=result.updated,
                     unchanged=result.unchanged, rejected=result.rejected))


# --- hazards -----------------------------------------------------------------------------------

def _factor_pairs(option: str, text: str | None) -> dict[str, Any]:
    """"L=6,E=6,C=15" → {"L": "6", …}; for 882E "S=1,P=C" puts P in the L column."""
    if not text:
        return {}
    pairs: dict[str, Any] = {}
    for part in text.replace("，", ",").split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            from readiness.errors import InvalidValue

            raise InvalidValue("option.bad_factors", option=option, value=text)
        key = key.strip().upper()
        pairs["L" if key == "P" else key] = value.strip()
    return pairs


def _scores(score: str | None, residual: str | None) -> dict[str, Any]:
    values = dict(_factor_pairs("--score", score))
    values.update({f"residual_{k}": v for k, v in _factor_pairs("--residual", residual).items()})
    return values


@cli.group()
def hazard() -> None:
    """The hazard register: add, list, score, control, accept, check."""


@hazard.command("add")
@line_option
@click.option("--id", "code", help="Hazard ID (default: the next H-NNNN).")
@click.option("--location", required=True, help="Location ID or name.")
@click.option("--specialty", required=True, help="e.g. psd, signalling, 站台门.")
@click.option("--category", "risk_category", required=True,
              help="MoT risk category, e.g. passenger-operation, 客运组织.")
@click.option("--description", required=True, help="Description of the hazard.")
@click.option("--activity", help="Work activity or equipment.")
@click.option("--factor-category",
              help="GB/T 13861 factor category at either level, label or code (e.g. 物的因素, 2.1).")
@click.option("--accident-type", help="GB 6441 accident type.")
@click.option("--causes", help="What could cause it.")
@click.option("--consequences", help="What could follow from it.")
@click.option("--method", help="LEC (default), LS or 882E.")
@click.option("--score", help="Inherent factors, e.g. L=6,E=6,C=15 (882E: S=1,P=C).")
@click.option("--residual", help="Residual factors after controls, same form.")
@click.option("--level", "level_given", help="The level the ledger states, if any.")
@click.option("--control", "controls", multiple=True,
              help="A control measure, 'type: text' (repeatable).")
@click.option("--owner-unit", help="Owner unit ID or name.")
@click.option("--owner", help="Owner staff ID or name.")
@click.option("--review-days", type=int, help="Days between reviews (default: by level).")
@click.option("--drill", "linked_drills", multiple=True, help="Linked drill scenario ID (repeatable).")
@click.option("--status", help="controlled (default), action-needed or eliminated.")
@click.option("--allow-duplicate", is_flag=True,
              help="Add it even if a hazard with the same description, location and specialty "
                   "exists.")
@json_option
def hazard_add(line: str | None, code: str | None, as_json: bool, **options: Any) -> None:
    """Add a hazard with its first evaluation."""
    from hazards.register import add_hazard
    from readiness import vocab

    allow_duplicate = options.pop("allow_duplicate")
    values: dict[str, Any] = {"code": code, **_scores(options.pop("score"), options.pop("residual"))}
    for key, set_name in (("specialty", "specialty"), ("risk_category", "risk_category"),
                          ("factor_category", "factor_category"),
                          ("accident_type", "accident_type"), ("method", "scoring_method"),
                          ("level_given", "risk_level"), ("status", "hazard_status")):
        raw = options.pop(key)
        if raw is not None:
            parsed = vocab.parse(set_name, raw)
            if parsed is None:
                from readiness.errors import InvalidValue

                raise InvalidValue("option.bad_code", option="--" + key.replace("_", "-"),
                                   value=raw, allowed=vocab.OneOf(set_name))
            values[key] = parsed
    values.update(options)
    with open_store() as store:
        h = add_hazard(store, line, values, user=settings().user,
                       allow_duplicate=allow_duplicate)
    if as_json:
        return emit_json(h)
    _print_hazard(h)


@hazard.command("list")
@line_option
@click.option("--level", help="major, significant, general, low (or their labels).")
@click.option("--specialty", help="Only this specialty, e.g. psd (or 站台门).")
@click.option("--location", help="Location ID or name.")
@click.option("--owner", help="Owner staff ID or unit ID.")
@click.option("--status", help="Only this status: controlled, action-needed, eliminated.")
@click.option("--factor-category",
              help="GB/T 13861 category at either level, label or code (e.g. 物的因素, 2, 2.1); "
                   "a top-level category includes its sub-categories.")
@click.option("--overdue", is_flag=True, help="Only hazards whose review is overdue.")
@click.option("--as-of", metavar="YYYY-MM-DD", help="Date for overdue reviews (default today).")
@json_option
def hazard_list(line: str | None, as_of: str | None, as_json: bool, **filters: Any) -> None:
    """List hazards, filtered by level, specialty, location, owner, status or overdue review."""
    from hazards.register import list_hazards
    from readiness import vocab

    with open_store() as store:
        rows = list_hazards(store, line, as_of=parse_date("--as-of", as_of), **filters)
    if as_json:
        return emit_json(rows)
    show_table([L("编号", "ID"), L("位置", "Location"), L("专业", "Specialty"),
                L("危险源", "Hazard"), L("固有", "Inherent"), L("残余", "Residual"),
                L("责任单位", "Owner unit"), L("下次复核", "Next review"), L("状态", "Status")],
               [[h["id"], h["location_name"], vocab.label("specialty", h["specialty"]),
                 _short(h["description"]), vocab.label("risk_level", h["level"]),
                 vocab.label("risk_level", h["residual_level"]), h["owner_unit"],
                 (h["next_review"] or "") + (" !" if h["overdue"] else ""),
                 vocab.label("hazard_status", h["status"])] for h in rows])


def _short(text: str | None, width: int = 30) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


@hazard.command("show")
@click.argument("hazard_id")
@line_option
@json_option
def hazard_show(hazard_id: str, line: str | None, as_json: bool) -> None:
    """Show one hazard: scores, controls, owner, acceptance, history and findings."""
    from hazards.register import show_hazard

    with open_store() as store:
        h = show_hazard(store, line, hazard_id)
    if as_json:
        return emit_json(h)
    _print_hazard(h)


def _acceptor(acc: dict[str, Any]) -> str:
    """Who accepted a residual risk: name and staff ID (an old free-text entry as it is)."""
    name = acc.get("accepted_by_name")
    return f"{name} {acc['accepted_by']}" if name else str(acc["accepted_by"])


def _print_hazard(h: dict[str, Any]) -> None:
    from hazards.scoring import method
    from readiness import vocab

    def score(factors: dict[str, Any], value: Any, level: str | None,
              method_code: str | None = None) -> str:
        if not level:
            return "-"
        code = method(method_code or h["method"]).risk_code(factors)
        shown = f" = {value:g}" if value is not None else ""
        return f"{code}{shown} → {vocab.label('risk_level', level)}"

    click.echo(f"{h['id']}  {h['description']}")
    click.echo(f"  {L('位置', 'Location')}: {h['location_name']} ({h['location']})   "
               f"{L('专业', 'Specialty')}: {vocab.label('specialty', h['specialty'])}   "
               f"{L('类别', 'Category')}: {vocab.label('risk_category', h['risk_category'])}")
    click.echo(f"  {L('固有风险', 'Inherent')}: {score(h['factors'], h['score'], h['level'])}")
    click.echo(f"  {L('残余风险', 'Residual')}: "
               f"{score(h['residual_factors'], h['residual_score'], h['residual_level'])}")
    for c in h["controls"]:
        mark = "✓" if c["verified"] else " "
        click.echo(f"  [{mark}] {vocab.label('control_type', c['type'])}: {c['description']}")
    click.echo(f"  {L('责任', 'Owner')}: {h['owner_unit'] or '-'} / {h['owner'] or '-'}   "
               f"{L('下次复核', 'Next review')}: {h.get('next_review') or '-'}")
    acc = h["acceptance"]
    if acc:
        click.echo(f"  {L('风险接受', 'Accepted')}: {_acceptor(acc)} "
                   f"({vocab.label('org_level', acc['org_level'])}) {acc['accepted_on']}"
                   f" → {acc['valid_until'] or '-'}")
    if h.get("history"):
        click.echo(f"  {L('评价记录', 'Evaluations')}:")
        for e in h["history"]:
            click.echo(f"    {e['evaluated_on']}  {vocab.label('scoring_method', e['method'])}  "
                       f"{L('固有', 'inherent')} {score(e['factors'], e['score'], e['level'], e['method'])}  "
                       f"{L('残余', 'residual')} "
                       f"{score(e['residual_factors'], e['residual_score'], e['residual_level'], e['method'])}"
                       f"  {L('评价人', 'by')} {e['evaluator'] or '-'}"
                       + (f"  {e['note']}" if e.get("note") else ""))
    for f in h.get("findings", []):
        click.echo(f"  ! {f['message']}")


@hazard.command("evaluate")
@click.argument("hazard_id")
@line_option
@click.option("--score", required=True, help="Inherent factors, e.g. L=6,E=6,C=15.")
@click.option("--residual", required=True, help="Residual factors, same form.")
@click.option("--method", help="Scoring method, if not the hazard's current one.")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Evaluation date (default today).")
@click.option("--note", help="A remark kept with the evaluation.")
@json_option
def hazard_evaluate(hazard_id: str, line: str | None, score: str, residual: str,
                    method: str | None, on: str | None, note: str | None, as_json: bool) -> None:
    """Record a new dated evaluation; earlier evaluations stay in the history."""
    from hazards.register import evaluate_hazard

    values = _scores(score, residual)
    if method:
        values["method"] = method.upper()
    with open_store() as store:
        h = evaluate_hazard(store, line, hazard_id, values, user=settings().user,
                            as_of=parse_date("--date", on), note=note)
    if as_json:
        return emit_json(h)
    _print_hazard(h)


@hazard.group("control")
def hazard_control() -> None:
    """Control measures of a hazard."""


@hazard_control.command("add")
@click.argument("hazard_id")
@line_option
@click.option("--type", "control_type", required=True,
              help="eliminate, substitute, engineering, administrative, ppe, emergency.")
@click.option("--text", "description", required=True, help="What the control is.")
@click.option("--aspect", help="people, equipment, environment, management.")
@click.option("--owner", help="Who keeps the control working: staff ID or name.")
@click.option("--verification", help="How it is verified.")
@click.option("--evidence", help="Evidence that it works.")
@click.option("--verified", is_flag=True, help="The control has been verified to work.")
@json_option
def hazard_control_add(hazard_id: str, line: str | None, control_type: str, as_json: bool,
                       **control: Any) -> None:
    """Add a control measure to a hazard."""
    from hazards.register import add_control

    with open_store() as store:
        h = add_control(store, line, hazard_id, {"type": control_type, **control},
                        user=settings().user)
    if as_json:
        return emit_json(h)
    _print_hazard(h)


@hazard.command("accept")
@click.argument("hazard_id")
@line_option
@click.option("--by", "accepted_by", required=True,
              help="Who accepts: a staff ID, or a name no one else in the organisation has.")
@click.option("--level", "org_level",
              help="Optional check: the level of their unit (company … team); refused if it differs.")
@click.option("--on", "accepted_on", metavar="YYYY-MM-DD", help="Date accepted (default today).")
@click.option("--until", "valid_until", metavar="YYYY-MM-DD", help="Acceptance valid until.")
@json_option
def hazard_accept(hazard_id: str, line: str | None, accepted_by: str, org_level: str | None,
                  accepted_on: str | None, valid_until: str | None, as_json: bool) -> None:
    """Record acceptance of a hazard's residual risk (voided by any later material change)."""
    from hazards.register import accept_hazard
    from readiness import vocab

    with open_store() as store:
        h = accept_hazard(store, line, hazard_id, accepted_by=accepted_by, org_level=org_level,
                          accepted_on=parse_date("--on", accepted_on),
                          valid_until=parse_date("--until", valid_until), user=settings().user)
    if as_json:
        return emit_json(h)
    acc = h["acceptance"]
    click.echo(t("hazard.accepted", id=h["id"], who=acc["accepted_by_name"],
                 staff_id=acc["accepted_by"], level=vocab.label("org_level", acc["org_level"])))


@hazard.command("check")
@line_option
@click.option("--as-of", metavar="YYYY-MM-DD", help="Check as of this date (default today).")
@json_option
def hazard_check(line: str | None, as_of: str | None, as_json: bool) -> None:
    """Check the register: scores, controls, drills, owners, reviews and acceptance."""
    from hazards.register import check_hazards, list_hazards

    with open_store() as store:
        findings = check_hazards(store, line, parse_date("--as-of", as_of))
        count = len(list_hazards(store, line))
    if as_json:
        return emit_json([f.as_dict() for f in findings])
    for f in findings:
        click.echo(f"{f.code:<42} {f.message()}")
    key = "hazard.check_summary" if findings else "hazard.check_clean"
    click.echo(t(key, count=count, findings=len(findings)))


# --- organisation and responsibility ---------------------------------------------------------------

@template.command("org")
@click.option("-o", "--output", default="org-template.xlsx", show_default=True,
              help="The workbook to write.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def template_org(output: str, force: bool) -> None:
    """Template for the organisation (sheets 单位 Units, 人员 People, 责任状 Letters)."""
    _write_template("org", output, force)


@cli.group()
def org() -> None:
    """The safety-responsibility system: units, people, letters."""


@org.command("show")
@click.option("--as-of", metavar="YYYY-MM-DD", help="Letter status as of this date (default today).")
@json_option
def org_show(as_of: str | None, as_json: bool) -> None:
    """The organisation tree with heads, head counts and each unit's letter to its parent."""
    from readiness import vocab
    from readiness.org.accountability import show

    with open_store() as store:
        rows = show(store, parse_date("--as-of", as_of))
    if as_json:
        return emit_json(rows)
    show_table([L("单位", "Unit"), L("层级", "Level"), L("负责人", "Head"), L("人数", "People"),
                L("责任状", "Letter")],
               [["  " * r["depth"] + f"{r['name']} ({r['code']})", vocab.label("org_level", r["level"]),
                 r["head_name"] or "-", r["people"],
                 vocab.label("letter_status", r["letter"]) if r["letter"] != "-" else ""]
                for r in rows])


def _print_findings(findings: list[Any], as_json: bool, count_key: str, **counts: Any) -> None:
    if as_json:
        return emit_json([f.as_dict() for f in findings])
    for f in findings:
        click.echo(f"{f.code:<32} {f.message()}")
    click.echo(t(count_key, findings=len(findings), **counts))


@org.command("check")
@click.option("--as-of", metavar="YYYY-MM-DD", help="Check letters as of this date (default today).")
@json_option
def org_check(as_of: str | None, as_json: bool) -> None:
    """Check the structure, letters, education, owners and concentration of responsibility."""
    from readiness.org.accountability import check

    with open_store() as store:
        findings = check(store, parse_date("--as-of", as_of))
    _print_findings(findings, as_json, "org.check_summary")


@org.command("path")
@click.argument("hazard_id")
@line_option
@click.option("--as-of", metavar="YYYY-MM-DD", help="Letter status as of this date (default today).")
@json_option
def org_path(hazard_id: str, line: str | None, as_of: str | None, as_json: bool) -> None:
    """The chain of responsibility from a hazard's owner up to the company."""
    from readiness import vocab
    from readiness.org.accountability import path

    with open_store() as store:
        data = path(store, line, hazard_id, parse_date("--as-of", as_of))
    if as_json:
        return emit_json(data)
    click.echo(f"{data['hazard']}  {data['description']}  "
               f"({vocab.label('risk_level', data['level'])} → "
               f"{vocab.label('risk_level', data['residual_level'])})")
    for link in data["chain"]:
        status = vocab.label("letter_status", link["letter"])
        until = f" {L('至', 'until')} {link['valid_until']}" if link["valid_until"] else ""
        mark = "✓" if link["letter"] == "valid" else "✗"
        click.echo(f"  {mark} {link['from_name']} ({link['from']}) —[{status}{until}]→ "
                   f"{link['to_name']} ({link['to']})")
    acc = data["acceptance"]
    required = vocab.label("org_level", data["required_level"])
    if acc:
        mark = "✓" if data["acceptance_ok"] else "✗"
        click.echo(f"  {mark} {L('风险接受', 'Accepted by')}: {_acceptor(acc)} "
                   f"({vocab.label('org_level', acc['org_level'])}); {L('需要', 'needs')} {required}")
    else:
        click.echo(f"  ✗ {L('残余风险尚未接受；需要', 'Residual risk not accepted; needs')} {required}")


@org.command("owns")
@click.argument("unit")
@json_option
def org_owns(unit: str, as_json: bool) -> None:
    """What a unit and its subtree are responsible for: hazards, drills, open PDCA items."""
    from readiness import vocab
    from readiness.org.accountability import owns

    with open_store() as store:
        data = owns(store, unit)
    if as_json:
        return emit_json(data)
    click.echo(f"{data['name']} ({data['unit']}): {data['units']} {L('个单位', 'units')}, "
               f"{data['people']} {L('人', 'people')}")
    levels = ", ".join(f"{vocab.label('risk_level', k)} {v}"
                       for k, v in data["hazards"]["by_level"].items())
    click.echo(f"  {L('危险源', 'Hazards')}: {levels}")
    click.echo(f"  {L('演练', 'Drills')}: {len(data['drills'])}   "
               f"{L('未关闭整改问题', 'Open PDCA items')}: {len(data['pdca'])}")


@org.command("export")
@click.option("-o", "--output", required=True, help="FILE.graphml, FILE.dot or FILE.svg")
@click.option("--as-of", metavar="YYYY-MM-DD", help="Letter status as of this date.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def org_export(output: str, as_of: str | None, force: bool) -> None:
    """Export the responsibility graph as GraphML or DOT, or draw it as SVG."""
    from readiness.org.accountability import export

    _refuse_existing(output, force)
    with open_store() as store:
        written = export(store, output, parse_date("--as-of", as_of))
    click.echo(t("org.exported", path=written))


# --- drills -------------------------------------------------------------------------------------------

@template.command("drill-runs")
@click.option("-o", "--output", default="drill-runs-template.xlsx", show_default=True,
              help="The workbook to write.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def template_drill_runs(output: str, force: bool) -> None:
    """Template for drill runs and task ratings (sheets 演练记录 Runs, 任务评估 Tasks)."""
    _write_template("drill-runs", output, force)


@template.command("drill-catalogue")
@click.option("-o", "--output", default="drill-catalogue-template.xlsx", show_default=True,
              help="The workbook to write.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def template_drill_catalogue(output: str, force: bool) -> None:
    """Template to add or edit the line's drill scenarios (sheets 演练科目 Scenarios, 关键任务 Critical tasks)."""
    _write_template("drill-catalogue", output, force)


@template.command("drill-sheet")
@click.argument("scenario")
@line_option
@click.option("-o", "--output", help="Default: SCENARIO-evaluation.xlsx")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def template_drill_sheet(scenario: str, line: str | None, output: str | None, force: bool) -> None:
    """A one-scenario evaluation form to fill on paper and import as drill runs."""
    from drills.excel import drill_sheet

    output = output or f"{scenario}-evaluation.xlsx"
    _refuse_existing(output, force)
    with open_store() as store:
        path = drill_sheet(store, line, scenario, output)
    click.echo(t("template.written", path=path))


@cli.group()
def drill() -> None:
    """Pre-opening drills: catalogue, must-do, plan, runs, coverage."""


@drill.command("catalogue")
@line_option
@json_option
def drill_catalogue(line: str | None, as_json: bool) -> None:
    """The line's drill scenarios, ranked, with the must-do selection."""
    from drills.catalogue import list_catalogue
    from readiness import vocab

    with open_store() as store:
        scenarios = list_catalogue(store, line)
    if as_json:
        return emit_json([{
            "id": s["id"], "name": s["name_zh"] if get_lang() == "zh" else s["name_en"],
            "name_zh": s["name_zh"], "name_en": s["name_en"], "category": s["category"],
            "tier": s["tier"], "forms": s["forms"], "venue": s["venue"],
            "importance": s["importance"], "likelihood": s["likelihood"],
            "must_do": s["must_do"], "must_do_reason": s["must_do_reason"],
            "applicable": s["applicable"], "report_required": s["report_required"],
            "unit_kinds": s["unit_kinds"],
            "critical_tasks": [{"id": k["id"], "name": k["name_zh"] if get_lang() == "zh"
                                else k["name_en"], "time_standard_min": k["time_standard_min"]}
                               for k in s["critical_tasks"]]} for s in scenarios])
    show_table([L("编号", "ID"), L("名称", "Name"), L("类别", "Category"), L("层级", "Tier"),
                L("重要×概率", "I×L"), L("必做", "Must-do")],
               [[s["id"], s["name_zh"] if get_lang() == "zh" else s["name_en"],
                 vocab.label("drill_category", s["category"]), vocab.label("drill_tier", s["tier"]),
                 s["importance"] * s["likelihood"], "✓" if s["must_do"] else ""]
                for s in scenarios if s["applicable"]])


@drill.command("pin")
@click.argument("scenario")
@line_option
@click.option("--unpin", is_flag=True, help="Take it out of the must-do list instead.")
@click.option("--clear", is_flag=True, help="Let the ranking decide again.")
def drill_pin(scenario: str, line: str | None, unpin: bool, clear: bool) -> None:
    """Pin a scenario as must-do (or --unpin it, or --clear the choice)."""
    from drills.catalogue import pin

    with open_store() as store:
        pin(store, line, scenario, None if clear else not unpin, user=settings().user)
    click.echo(t("drill.pinned", id=scenario))


@drill.command("plan")
@line_option
@click.option("--from", "start", metavar="YYYY-MM-DD",
              help="Default: the later of today and the handover date.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Default: the day before opening.")
@click.option("--cap", type=click.IntRange(min=1), help="Most drills on one day (default 3).")
@click.option("--final-weeks", type=click.IntRange(min=0),
              help="Weeks of daily timetable drills (default 6).")
@click.option("--save", is_flag=True, help="Keep this as the line's plan (shown in reports).")
@click.option("-o", "--output", help="Also write FILE.xlsx or FILE.ics (calendar).")
@json_option
def drill_plan(line: str | None, start: str | None, end: str | None, cap: int | None,
               final_weeks: int | None, save: bool, output: str | None, as_json: bool) -> None:
    """Lay the drills out on a calendar from today (or handover) to opening."""
    from drills.plan import plan_line
    from readiness import vocab

    with open_store() as store:
        result = plan_line(store, line, parse_date("--from", start), parse_date("--to", end),
                           cap=cap, final_weeks=final_weeks, save=save, user=settings().user)
    if output:
        _write_plan_file(result, output)
    if as_json:
        return emit_json(result)
    start_key = {"option": "drill.plan_from_option", "handover": "drill.plan_from_handover",
                 "today": "drill.plan_from_today" if result["handover"]
                 else "drill.plan_from_today_only"}[result["start_from"]]
    click.echo(t(start_key, start=result["first_day"], handover=result["handover"]))
    show_table([L("日期", "Date"), L("科目", "Scenario"), L("名称", "Name"), L("地点", "Location"),
                L("必做", "Must-do")],
               [[p["date"], p["scenario"], p["name_zh"] if get_lang() == "zh" else p["name_en"],
                 p["location"] or "", "✓" if p["must_do"] else ""]
                for p in result["planned"] if p["scenario"] != "OP-TIMETABLE"])
    daily = sum(1 for p in result["planned"] if p["scenario"] == "OP-TIMETABLE")
    click.echo(t("drill.plan_summary", planned=len(result["planned"]) - daily, daily=daily,
                 unplaced=len(result["unplaced"])))
    for u in result["unplaced"]:
        click.echo(t("drill.unplaced", id=u["scenario"],
                     reason=vocab.label("plan_reason", u["reason"])), err=True)
    for n in result["needs_units"]:
        click.echo(t("drill.needs_unit", id=n["scenario"], units=" / ".join(n["units"])), err=True)


def _write_plan_file(result: dict[str, Any], output: str) -> None:
    from pathlib import Path

    from drills.excel import write_plan_xlsx
    from drills.plan import to_ics
    from readiness.errors import InvalidValue
    from readiness.store.core import utcnow

    suffix = Path(output).suffix.lower()
    if suffix == ".ics":
        Path(output).write_text(to_ics(result["planned"], result["line"], utcnow(), get_lang()),
                                encoding="utf-8", newline="")
    elif suffix == ".xlsx":
        write_plan_xlsx(result, output, get_lang())
    else:
        raise InvalidValue("drill.bad_plan_suffix", path=output)


@drill.command("record")
@click.argument("run_id")
@line_option
@click.option("--scenario", required=True, help="The drill scenario ID, e.g. EM-STATION-FIRE.")
@click.option("--date", "on", required=True, metavar="YYYY-MM-DD", help="The day the drill was run.")
@click.option("--location", help="Location ID, or a name unique on the line.")
@click.option("--form", default="live", show_default=True, help="live or tabletop.")
@click.option("--commander", help="The drill commander.")
@click.option("--evaluator", "evaluators", multiple=True, help="An evaluator of the run (repeatable).")
@click.option("--unit", "units", multiple=True, help="Participating unit (repeatable).")
@click.option("--task", "tasks", multiple=True,
              help="TASK-ID=RATING[/MINUTES][@EVALUATOR], e.g. EM-STATION-FIRE-T1=P/1.5@陈静 "
                   "(repeatable; several evaluators may rate one task, the worst rating decides).")
@click.option("--allow-outside", is_flag=True,
              help="Record a run dated before handover or after opening on purpose (marked so).")
@click.option("--note", "notes", help="A remark kept with the run.")
@json_option
def drill_record(run_id: str, line: str | None, scenario: str, on: str, location: str | None,
                 form: str, commander: str | None, evaluators: tuple[str, ...],
                 units: tuple[str, ...], tasks: tuple[str, ...], allow_outside: bool,
                 notes: str | None, as_json: bool) -> None:
    """Record how a drill run went, task by task (M, U and missed times become PDCA items)."""
    from drills.runs import parse_task, record_run
    from readiness import vocab

    form_code = vocab.parse("drill_form", form)
    if form_code is None:
        from readiness.errors import InvalidValue

        raise InvalidValue("option.bad_code", option="--form", value=form,
                           allowed=vocab.OneOf("drill_form"))
    run = {"id": run_id, "scenario": scenario, "date": parse_date("--date", on),
           "location": location, "form": form_code, "commander": commander,
           "evaluators": list(evaluators), "units": list(units), "notes": notes,
           "tasks": [parse_task(x) for x in tasks]}
    with open_store() as store:
        result = record_run(store, line, run, user=settings().user, allow_outside=allow_outside)
    if as_json:
        return emit_json(result)
    click.echo(t("drill.recorded", id=run_id, outcome=vocab.label("drill_outcome",
                                                                   result["outcome"]),
                 opened=result["pdca_opened"]))
    _print_run_marks(result)


def _ratings_text(task: dict[str, Any]) -> str:
    """"陈静 S, 刘洋 U/4" — each evaluator's rating (and minutes) of one task."""
    return ", ".join(f"{r['evaluator'] or '-'} {r['rating']}"
                     + (f"/{r['minutes']:g}" if r["minutes"] is not None else "")
                     for r in task["ratings"])


def _print_run_marks(run: dict[str, Any], prefix: str = "") -> None:
    """The lines a run carries beyond its table row: void, outside the window, conflicts."""
    if run["void"]:
        click.echo(prefix + t("drill.void_note", reason=run["void_reason"], by=run["voided_by"],
                              at=(run["voided_at"] or "")[:10]))
    if run["outside_window"]:
        click.echo(prefix + t("drill.outside_note"))
    for task in run["tasks"]:
        if task["conflict"]:
            click.echo(prefix + t("drill.conflict", task=task["task"],
                                  ratings=_ratings_text(task)))


@drill.command("runs")
@line_option
@json_option
def drill_runs(line: str | None, as_json: bool) -> None:
    """Recorded runs with their outcome, voided runs and evaluator conflicts marked."""
    from drills.runs import run_outcomes
    from readiness import vocab

    with open_store() as store:
        runs = run_outcomes(store, line)
    if as_json:
        return emit_json(runs)
    show_table([L("演练编号", "Run"), L("科目", "Scenario"), L("日期", "Date"),
                L("地点", "Location"), L("结果", "Outcome"), L("问题", "Findings"),
                L("评级分歧", "Conflicts")],
               [[r["id"], r["scenario"], r["date"], r["location"] or "",
                 vocab.label("drill_outcome", r["outcome"]), len(r["problems"]),
                 len(r["conflicts"]) or ""] for r in runs])
    for r in runs:
        _print_run_marks(r, prefix=f"{r['id']}  ")


@drill.command("show")
@click.argument("run_id")
@line_option
@json_option
def drill_show(run_id: str, line: str | None, as_json: bool) -> None:
    """One run: its outcome and every evaluator's rating of each task."""
    from drills.runs import run_outcomes
    from readiness import vocab

    with open_store() as store:
        run = run_outcomes(store, line, run_id)[0]
    if as_json:
        return emit_json(run)
    click.echo(f"{run['id']}  {run['scenario']}  {run['date']}  {run['location'] or '-'}  "
               f"{vocab.label('drill_form', run['form'])}  "
               f"{vocab.label('drill_outcome', run['outcome'])}")
    click.echo(f"  {L('总指挥', 'Commander')}: {run['commander'] or '-'}   "
               f"{L('评估人', 'Evaluators')}: {', '.join(run['evaluators']) or '-'}   "
               f"{L('参演单位', 'Units')}: {', '.join(run['units']) or '-'}")
    _print_run_marks(run, prefix="  ")
    show_table([L("关键任务", "Task"), L("评级", "Rating"), L("用时", "Minutes"),
                L("各评估人", "By evaluator"), L("分歧", "Conflict")],
               [[k["task"], k["rating"], "" if k["minutes"] is None else f"{k['minutes']:g}",
                 _ratings_text(k), "!" if k["conflict"] else ""] for k in run["tasks"]]
               + [[task_id, "-", "", "", ""] for task_id in run["unrated"]])


@drill.command("void")
@click.argument("run_id")
@line_option
@click.option("--reason", required=True, help="Why the run is void (kept in the audit trail).")
@json_option
def drill_void(run_id: str, line: str | None, reason: str, as_json: bool) -> None:
    """Void a mistaken run: it stays on record, marked void, and stops counting."""
    from drills.runs import void_run

    with open_store() as store:
        result = void_run(store, line, run_id, reason, user=settings().user)
    if as_json:
        return emit_json(result)
    click.echo(t("drill.voided", id=run_id, reason=result["void_reason"]))


@drill.command("coverage")
@line_option
@json_option
def drill_coverage(line: str | None, as_json: bool) -> None:
    """Per scenario, category, plan tier and major hazard: drilled since handover, and passed?"""
    from drills.coverage import coverage
    from readiness import vocab

    with open_store() as store:
        data = coverage(store, line)
    if as_json:
        return emit_json(data)
    show_table([L("科目", "Scenario"), L("名称", "Name"), L("必做", "Must-do"),
                L("最近一次", "Latest run"), L("结果", "Outcome")],
               [[s["id"], s["name_zh"] if get_lang() == "zh" else s["name_en"],
                 "✓" if s["must_do"] else "", s["latest_date"] or "-",
                 vocab.label("drill_outcome", s["outcome"]) if s["outcome"] else "-"]
                for s in data["scenarios"]])
    click.echo(t("drill.coverage_summary", **data["summary"]))


# --- PDCA ---------------------------------------------------------------------------------------------

@template.command("pdca")
@click.option("-o", "--output", default="pdca-template.xlsx", show_default=True,
              help="The workbook to write.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def template_pdca(output: str, force: bool) -> None:
    """Template for problems and their rectification (sheet 问题整改 PDCA)."""
    _write_template("pdca", output, force)


@export.command("pdca")
@click.option("-o", "--output", required=True, help="FILE.xlsx")
@line_option
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def export_pdca(output: str, line: str | None, force: bool) -> None:
    """Export every PDCA item (re-importing the file changes nothing)."""
    from readiness.pdca.excel import export_items

    _refuse_existing(output, force)
    with open_store() as store:
        done = export_items(store, line, output)
    click.echo(t("export.written", rows=done["rows"], path=done["path"]))


@cli.group()
def pdca() -> None:
    """Problems driven round Plan–Do–Check–Act until they stay fixed."""


def _print_item(item: dict[str, Any]) -> None:
    from readiness import vocab
    from readiness.pdca.views import title

    click.echo(f"{item['id']}  {title(item, get_lang())}")
    click.echo(f"  {vocab.label('pdca_class', item['class'])} · {vocab.label('pdca_kind', item['kind'])}"
               f" · {vocab.label('pdca_source', item['source'])} {item['source_ref'] or ''}")
    click.echo(f"  {L('阶段', 'Phase')}: {vocab.label('pdca_phase', item['phase'])} "
               f"({L('第', 'cycle ')}{item['cycle']}{L('轮', '')})   "
               f"{L('责任', 'Owner')}: {item['owner_unit'] or '-'} / {item['owner'] or '-'}   "
               f"{L('计划完成', 'Due')}: {item['due'] or '-'}{' !' if item['overdue'] else ''}")
    for tr in item.get("transitions", []):
        click.echo(f"  {tr['on_date']} {tr['username']}: {tr['from_phase'] or '-'} → {tr['to_phase']}")


def _item_command(step_name: str, help_text: str, options: list[Any]):
    def command(item_id: str, line: str | None, on: str | None, as_json: bool,
                **data: Any) -> None:
        from readiness.pdca.items import step

        data = {k: v for k, v in data.items() if v is not None}
        if "due" in data:
            data["due"] = parse_date("--due", data["due"])
        if "verified_on" in data:
            data["verified_on"] = parse_date("--on", data["verified_on"])
        with open_store() as store:
            item = step(store, line, item_id, step_name, data, user=settings().user,
                        on=parse_date("--date", on))
        if as_json:
            return emit_json(item)
        _print_item(item)

    command.__doc__ = help_text
    for option in reversed([click.argument("item_id"), line_option,
                            click.option("--date", "on", metavar="YYYY-MM-DD",
                                         help="When it happened (default today)."),
                            *options, json_option]):
        command = option(command)
    return pdca.command(step_name)(command)


_item_command("plan", "PLAN → DO: the root cause, the action, who owns it and by when.", [
    click.option("--cause", "root_cause", help="The root cause."),
    click.option("--action", help="The corrective action."),
    click.option("--owner-unit", help="Owner unit ID or name."),
    click.option("--owner", help="Owner staff ID or name."),
    click.option("--due", metavar="YYYY-MM-DD", help="Due date.")])
_item_command("do", "DO → CHECK: what was done, with evidence.", [
    click.option("--done", "done_note", help="What was done."),
    click.option("--evidence", help="Evidence that it was done: document, record, photo …")])
_item_command("check", "CHECK → ACT (effective) or a new cycle at PLAN (ineffective).", [
    click.option("--verifier", help="Staff ID of the verifier: not the owner."),
    click.option("--verdict", help="effective or ineffective"),
    click.option("--on", "verified_on", metavar="YYYY-MM-DD", help="Date verified.")])
_item_command("act", "ACT → CLOSED: the regulation, procedure, training or hazard entry changed.", [
    click.option("--standardisation",
                 help="The regulation, procedure, training or hazard entry changed.")])


@pdca.command("open")
@line_option
@click.option("--title", required=True, help="A short title of the problem.")
@click.option("--class", "item_class", required=True, help="blocking, due-dated or improvement.")
@click.option("--source", default="other", show_default=True,
              help="drill, trial-run, inspection, hazard-review, assessment, other.")
@click.option("--ref", "source_ref", help="The record it came from.")
@click.option("--kind", default="other", show_default=True,
              help="staff-operation, equipment-quality, regulation-text, other.")
@click.option("--description", help="The problem in full.")
@click.option("--hazard", "hazards", multiple=True, help="Linked hazard ID (repeatable).")
@click.option("--owner-unit", help="Owner unit ID or name.")
@click.option("--owner", help="Owner staff ID or name.")
@click.option("--due", metavar="YYYY-MM-DD", help="Due date.")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Opened on (default today).")
@json_option
def pdca_open(line: str | None, item_class: str, due: str | None, on: str | None,
              as_json: bool, **data: Any) -> None:
    """Open a problem at PLAN."""
    from readiness.pdca.items import open_item

    data.update({"class": item_class, "due": parse_date("--due", due)})
    with open_store() as store:
        item = open_item(store, line, data, user=settings().user, on=parse_date("--date", on))
    if as_json:
        return emit_json(item)
    _print_item(item)


@pdca.command("show")
@click.argument("item_id")
@line_option
@json_option
def pdca_show(item_id: str, line: str | None, as_json: bool) -> None:
    """One item with every transition: who moved it, when."""
    from readiness.pdca.items import show_item

    with open_store() as store:
        item = show_item(store, line, item_id)
    if as_json:
        return emit_json(item)
    _print_item(item)


@pdca.command("list")
@line_option
@click.option("--class", "item_class", help="Only this class: blocking, due-dated, improvement.")
@click.option("--phase", help="Only this phase: PLAN, DO, CHECK, ACT, CLOSED.")
@click.option("--owner-unit", help="This unit and every unit below it.")
@click.option("--kind", help="Only this kind: staff-operation, equipment-quality, regulation-text, other.")
@click.option("--source", help="Only this source, e.g. drill, trial-run, inspection.")
@click.option("--overdue", is_flag=True, help="Only items past their due date.")
@click.option("--all", "include_closed", is_flag=True, help="Closed items too.")
@click.option("--as-of", metavar="YYYY-MM-DD", help="Date for overdue items (default today).")
@json_option
def pdca_list(line: str | None, as_of: str | None, as_json: bool, **filters: Any) -> None:
    """Open items, filtered by class, phase, owner unit (with its subtree), kind or source."""
    from readiness import vocab
    from readiness.pdca.items import list_items
    from readiness.pdca.views import title

    with open_store() as store:
        items = list_items(store, line, as_of=parse_date("--as-of", as_of), **filters)
    if as_json:
        return emit_json(items)
    show_table([L("编号", "ID"), L("级别", "Class"), L("阶段", "Phase"), L("问题", "Problem"),
                L("责任单位", "Owner unit"), L("计划完成", "Due"), L("已开天数", "Days open")],
               [[i["id"], vocab.label("pdca_class", i["class"]),
                 f"{vocab.label('pdca_phase', i['phase'])}{'' if i['cycle'] == 1 else ' #' + str(i['cycle'])}",
                 _short(title(i, get_lang()), 34), i["owner_unit"] or "-",
                 (i["due"] or "-") + (" !" if i["overdue"] else ""), i["days_open"]]
                for i in items])


@pdca.command("burndown")
@line_option
@click.option("--as-of", metavar="YYYY-MM-DD", help="The last day of the chart (default today).")
@click.option("--weeks", type=click.IntRange(min=1), default=12, show_default=True,
              help="Weeks of history shown.")
@json_option
def pdca_burndown(line: str | None, as_of: str | None, weeks: int, as_json: bool) -> None:
    """Open blocking items over time, the closure rate, and when they reach zero."""
    from readiness.pdca.items import burndown_report

    with open_store() as store:
        data = burndown_report(store, line, parse_date("--as-of", as_of), weeks)
    if as_json:
        return emit_json(data)
    bd = data["burndown"]
    for week in data["closure_rate"]:
        click.echo(f"  {week['week']}  {'█' * week['closed']} {week['closed']}")
    click.echo(t("pdca.burndown_summary", open=bd["open_blocking"], rate=bd["rate_per_day"],
                 days=bd["recent_days"], forecast=bd["forecast_zero"] or t("pdca.never"),
                 overdue=data["overdue"]))
    if bd["after_opening"]:
        click.echo(t("pdca.forecast_after_opening", opening=bd["planned_opening"]), err=True)


# --- opening safety points and phases ------------------------------------------------------------

@template.command("checklist")
@click.option("-o", "--output", default="checklist-template.xlsx", show_default=True,
              help="The workbook to write.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def template_checklist(output: str, force: bool) -> None:
    """Template for the opening safety points (sheet 安全要点 Checklist)."""
    _write_template("checklist", output, force)


@cli.group()
def checklist() -> None:
    """Opening safety points, phase by phase, with evidence."""


def _print_checklist_item(item: dict[str, Any]) -> None:
    from readiness import vocab

    text = item["text"] if get_lang() == "zh" or not item["text_en"] else item["text_en"]
    click.echo(f"{item['id']}  {text}")
    click.echo(f"  {vocab.label('phase', item['phase'])} · "
               f"{vocab.label('checklist_aspect', item['aspect'])} · "
               f"{L('阻断开通', 'blocking') if item['blocking'] else L('不阻断', 'not blocking')}")
    click.echo(f"  {L('状态', 'Status')}: {vocab.label('checklist_status', item['status'])}   "
               f"{L('责任', 'Owner')}: {item['owner_unit'] or '-'} / {item['owner'] or '-'}   "
               f"{L('计划完成', 'Due')}: {item['due'] or '-'}")
    evidence = item["evidence_ref"] or ""
    if item["evidence_file"]:
        evidence += f" {item['evidence_file']} sha256:{item['evidence_sha256'][:16]}…"
    if evidence:
        click.echo(f"  {L('证据', 'Evidence')}: {evidence.strip()}")
    if item["verifier"]:
        click.echo(f"  {L('验证', 'Verified')}: {item['verifier']} {item['verified_on']}")


@checklist.command("list")
@line_option
@click.option("--phase", help="Only this phase, e.g. handover (or 设备交接).")
@click.option("--status", help="Only this status: open, in-progress, done, verified, not-applicable.")
@click.option("--open", "open_only", is_flag=True, help="Only items not yet verified or N/A.")
@click.option("--dropped", "include_dropped", is_flag=True, help="Include dropped items.")
@json_option
def checklist_list(line: str | None, phase: str | None, status: str | None, open_only: bool,
                   include_dropped: bool, as_json: bool) -> None:
    """The opening safety points, phase by phase."""
    from readiness import vocab
    from readiness.checklist import list_items

    phase_code = vocab.parse("phase", phase) if phase else None
    status_code = vocab.parse("checklist_status", status) if status else None
    with open_store() as store:
        items = list_items(store, line, phase=phase_code, status=status_code, open_only=open_only,
                           include_dropped=include_dropped)
    if as_json:
        return emit_json([{k: v for k, v in i.items() if k not in ("row_id", "code")}
                          for i in items])
    show_table([L("编号", "ID"), L("阶段", "Phase"), L("内容", "Item"), L("阻断", "Blocks"),
                L("状态", "Status"), L("责任单位", "Owner unit")],
               [[i["id"], vocab.label("phase", i["phase"]),
                 _short(i["text"] if get_lang() == "zh" or not i["text_en"] else i["text_en"], 36),
                 "✓" if i["blocking"] else "", vocab.label("checklist_status", i["status"]),
                 i["owner_unit"] or "-"] for i in items])


@checklist.command("show")
@click.argument("item_id")
@line_option
@json_option
def checklist_show(item_id: str, line: str | None, as_json: bool) -> None:
    """One safety point with its evidence and verification."""
    from readiness.checklist import show_item

    with open_store() as store:
        item = show_item(store, line, item_id)
    if as_json:
        return emit_json({k: v for k, v in item.items() if k not in ("row_id", "code")})
    _print_checklist_item(item)


@checklist.command("set")
@click.argument("item_id")
@line_option
@click.option("--status", help="open, in-progress, done, verified, not-applicable.")
@click.option("--owner-unit", help="Owner unit ID or name.")
@click.option("--owner", help="Owner staff ID or name.")
@click.option("--due", metavar="YYYY-MM-DD", help="Due date.")
@click.option("--evidence", "evidence_ref", help="A reference: document number, record ID …")
@click.option("--evidence-file", "evidence_path", type=click.Path(dir_okay=False),
              help="A file: its name and SHA-256 are recorded.")
@click.option("--reason", "na_reason", help="Why it is not applicable.")
@click.option("--note", help="A remark kept with the point.")
@json_option
def checklist_set(item_id: str, line: str | None, due: str | None, as_json: bool,
                  **changes: Any) -> None:
    """Change a safety point's owner, due date, status, evidence or note."""
    from readiness.checklist import set_item

    changes["due"] = parse_date("--due", due)
    with open_store() as store:
        item = set_item(store, line, item_id, changes, user=settings().user)
    if as_json:
        return emit_json({k: v for k, v in item.items() if k not in ("row_id", "code")})
    _print_checklist_item(item)


@checklist.command("verify")
@click.argument("item_id")
@line_option
@click.option("--verifier", required=True, help="Staff ID of the verifier: not the owner.")
@click.option("--on", metavar="YYYY-MM-DD", help="Date verified (default today).")
@json_option
def checklist_verify(item_id: str, line: str | None, verifier: str, on: str | None,
                     as_json: bool) -> None:
    """Verify a safety point (it needs evidence, and a verifier other than its owner)."""
    from readiness.checklist import verify_item

    with open_store() as store:
        item = verify_item(store, line, item_id, verifier, parse_date("--on", on),
                           user=settings().user)
    if as_json:
        return emit_json({k: v for k, v in item.items() if k not in ("row_id", "code")})
    _print_checklist_item(item)


@checklist.command("add")
@line_option
@click.option("--id", "item_id", help="Its ID (default: the next CL-X-NN).")
@click.option("--phase", required=True, help="The phase it belongs to, e.g. handover, opening.")
@click.option("--aspect", required=True, help="The aspect it belongs to, e.g. 运营中的安全.")
@click.option("--text", required=True, help="What must be done or shown.")
@click.option("--not-blocking", is_flag=True, help="May close during initial operation.")
@json_option
def checklist_add(line: str | None, item_id: str | None, phase: str, aspect: str, text: str,
                  not_blocking: bool, as_json: bool) -> None:
    """Add the line's own safety point."""
    from readiness.checklist import add_item

    with open_store() as store:
        item = add_item(store, line, {"id": item_id, "phase": phase, "aspect": aspect,
                                      "text": text, "blocking": not not_blocking},
                        user=settings().user)
    if as_json:
        return emit_json({k: v for k, v in item.items() if k not in ("row_id", "code")})
    _print_checklist_item(item)


@checklist.command("drop")
@click.argument("item_id")
@line_option
@click.option("--reason", required=True, help="Why it does not apply to this line (recorded).")
def checklist_drop(item_id: str, line: str | None, reason: str) -> None:
    """Drop a safety point from the line's list (kept, with the reason)."""
    from readiness.checklist import drop_item

    with open_store() as store:
        drop_item(store, line, item_id, reason, user=settings().user)
    click.echo(t("checklist.dropped", id=item_id))


@cli.group(invoke_without_command=True)
@line_option
@json_option
@click.pass_context
def phase(ctx: click.Context, line: str | None, as_json: bool) -> None:
    """The line's phase and what stands between it and the next (advance with `phase advance`)."""
    if ctx.invoked_subcommand is not None:
        return
    from readiness.checklist import phase_status

    with open_store() as store:
        data = phase_status(store, line)
    _print_phase(data, as_json)


def _print_phase(data: dict[str, Any], as_json: bool) -> None:
    from readiness import vocab

    if as_json:
        return emit_json({**data, "blocking_open": [
            {k: v for k, v in i.items() if k not in ("row_id", "code")}
            for i in data["blocking_open"]]})
    click.echo(f"{L('当前阶段', 'Phase')}: {vocab.label('phase', data['phase'])}"
               f"  →  {vocab.label('phase', data['next']) if data['next'] else '-'}")
    for item in data["blocking_open"]:
        text = item["text"] if get_lang() == "zh" or not item["text_en"] else item["text_en"]
        click.echo(f"  ✗ {item['id']} {_short(text, 50)} "
                   f"({vocab.label('checklist_status', item['status'])})")
    for change in data["overrides"]:
        click.echo(t("phase.override_shown", from_phase=vocab.label("phase", change["from_phase"]),
                     to_phase=vocab.label("phase", change["to_phase"]), user=change["username"],
                     at=change["at"], reason=change["reason"]))


@phase.command("advance")
@line_option
@click.option("--override", is_flag=True, help="Advance although blocking items are open.")
@click.option("--reason", help="Required with --override; recorded and shown in every report.")
@json_option
def phase_advance(line: str | None, override: bool, reason: str | None, as_json: bool) -> None:
    """Move the line to its next phase once every blocking item of this phase is verified."""
    from readiness.checklist import advance_phase

    with open_store() as store:
        data = advance_phase(store, line, override=override, reason=reason, user=settings().user)
    _print_phase(data, as_json)


# --- trial run, assessment and sign-off ------------------------------------------------------------

@template.command("trial-run")
@click.option("-o", "--output", default="trial-run-template.xlsx", show_default=True,
              help="The workbook to write.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def template_trial_run(output: str, force: bool) -> None:
    """Template for trial-run daily records (sheet 试运行 Trial run)."""
    _write_template("trial-run", output, force)


@cli.group(invoke_without_command=True)
@line_option
@click.option("--as-of", metavar="YYYY-MM-DD", help="Assess as of this date (default today).")
@click.option("--profile", help="Criteria profile (default: the line's).")
@click.option("--strict", is_flag=True, help="Exit 3 unless the verdict is ready.")
@click.option("--dry-run", is_flag=True, help="Do not store a snapshot.")
@click.option("--all-lines", is_flag=True,
              help="Assess every line in the store (a network), one snapshot each.")
@json_option
@click.pass_context
def assess(ctx: click.Context, line: str | None, as_of: str | None, profile: str | None,
           strict: bool, dry_run: bool, all_lines: bool, as_json: bool) -> None:
    """Assess the line for opening: every criterion, the evidence, and the verdict."""
    if ctx.invoked_subcommand is not None:
        return
    from readiness.assessment.assess import assess as run_assessment, assess_network

    options = {"as_of": parse_date("--as-of", as_of), "profile": profile,
               "user": settings().user, "lang": get_lang(), "save": not dry_run}
    if all_lines:
        if line:
            raise click.UsageError(L("--all-lines 与 --line 不能同时使用",
                                     "--all-lines and --line cannot be used together"))
        with open_store() as store:
            results = assess_network(store, **options)
        if as_json:
            emit_json(results)
        else:
            _print_network(results)
        if strict and any(r["verdict"] != "ready" for r in results):
            ctx.exit(3)
        return
    with open_store() as store:
        data = run_assessment(store, line, **options)
    if as_json:
        emit_json({k: v for k, v in data.items() if k != "indicators"} | {
            "indicators": data["indicators"]})
    else:
        _print_assessment(data)
    if strict and data["verdict"] != "ready":
        ctx.exit(3)


def _print_network(results: list[dict[str, Any]]) -> None:
    from readiness import vocab

    show_table([L("线路", "Line"), L("结论", "Verdict"), L("阻断项", "Blocking"),
                L("条件项", "Conditions"), L("快照", "Snapshot"), L("标准", "Profile"),
                L("评估日", "As of")],
               [[r["line"], vocab.label("verdict", r["verdict"]), len(r["blocking"]),
                 len(r["conditions"]), r.get("snapshot", "-"), r["profile"], r["as_of"]]
                for r in results])


def _print_assessment(data: dict[str, Any]) -> None:
    from readiness import vocab

    mark = {"pass": "✓", "fail": "✗", "not-applicable": "–"}
    for area in vocab.codes("assessment_area"):
        score = data["areas"][area]["score"]
        click.echo(f"{vocab.label('assessment_area', area)}  "
                   f"{'' if score is None else f'{score:g}%'}")
        for c in data["criteria"]:
            if c["area"] == area:
                kind = L("阻断", "blocking") if c["blocking"] else L("条件", "condition")
                click.echo(f"  {mark[c['status']]} {c['id']:<18} [{kind}] {c['message']}")
    click.echo(t("assess.summary", verdict=vocab.label("verdict", data["verdict"]),
                 snapshot=data.get("snapshot", "-"), profile=data["profile"],
                 as_of=data["as_of"]))


@assess.command("history")
@line_option
@click.option("--diff", nargs=2, type=int, metavar="OLD NEW",
              help="What changed between two snapshots: criteria, verdict and inputs.")
@json_option
def assess_history(line: str | None, diff: tuple[int, int] | None, as_json: bool) -> None:
    """Snapshots over time, their sign-offs (stale when the inputs changed), and differences."""
    from readiness import vocab
    from readiness.assessment.assess import history

    with open_store() as store:
        data = history(store, line, diff or None)
    if as_json:
        return emit_json(data)
    if diff:
        return _print_diff(data["changes"])
    show_table([L("快照", "Snapshot"), L("评估日", "As of"), L("时间", "Taken"),
                L("标准", "Profile"), L("结论", "Verdict"), L("阻断", "Blocking"),
                L("条件", "Conditions"), L("签认", "Sign-offs")],
               [[s["id"], s["as_of"], s["taken_at"], s["profile"], vocab.label("verdict", s["verdict"]),
                 s["blocking"], s["conditions"], len(s["signoffs"]) or "-"]
                for s in data["snapshots"]])
    for s in data["snapshots"]:
        for x in s["signoffs"]:
            click.echo(f"  #{s['id']} {_signer(x)}: "
                       f"{vocab.label('signoff_decision', x['decision'])}  {x['at']}"
                       + (f"  {L('（已过时）', '(stale)')}" if x["stale"] else "")
                       + (f"  [{t('assess.override_shown', reason=x['override_reason'])}]"
                          if x["override_reason"] else "")
                       + (f"  {x['note']}" if x["note"] else ""))


def _signer(x: dict[str, Any]) -> str:
    """A sign-off's person: name, staff ID and post (older sign-offs have no staff ID)."""
    return " ".join(str(v) for v in (x["name"], x.get("staff_id"), x["role"]) if v)


def _print_diff(changes: dict[str, Any]) -> None:
    from readiness import vocab

    old, new = changes["from"], changes["to"]
    click.echo(t("assess.diff_head", old=old["id"], new=new["id"], old_as_of=old["as_of"],
                 new_as_of=new["as_of"]))
    click.echo(f"  {L('结论', 'Verdict')}: {vocab.label('verdict', old['verdict'])}"
               + (f" → {vocab.label('verdict', new['verdict'])}"
                  if new["verdict"] != old["verdict"] else f" {L('（未变）', '(unchanged)')}"))
    if old["profile"] != new["profile"]:
        click.echo(f"  {L('标准', 'Profile')}: {old['profile']} → {new['profile']}")
    same = old["inputs_hash"] == new["inputs_hash"]
    click.echo(f"  {L('输入数据', 'Inputs')}: "
               + (L("未变", "unchanged") if same else L("已变化", "changed"))
               + f" ({old['inputs_hash'][:12]}" + ("" if same else f" → {new['inputs_hash'][:12]}")
               + ")")
    if not changes["criteria"]:
        return click.echo("  " + t("assess.diff_none"))
    for c in changes["criteria"]:
        before = vocab.label("criterion_status", c["from"]) if c["from"] else L("（无）", "(none)")
        after = vocab.label("criterion_status", c["to"]) if c["to"] else L("（无）", "(none)")
        click.echo(f"  {c['id']}: {before}" + (f" → {after}" if c["from"] != c["to"] else ""))
        if c["message_from"] != c["message_to"]:
            click.echo(f"      {L('原', 'was')}: {c['message_from'] or '-'}")
            click.echo(f"      {L('现', 'now')}: {c['message_to'] or '-'}")
        else:
            click.echo(f"      {c['message_to']}")


@cli.command()
@click.argument("snapshot", type=int)
@click.option("--by", "by", required=True, metavar="STAFF_ID|NAME",
              help="Who signs: a staff ID, or a name no one else in the organisation has.")
@click.option("--decision", required=True, metavar="approve|reject",
              help="The decision: approve or reject (no default).")
@click.option("--override-reason",
              help="Required to approve a not-ready snapshot: why opening is approved anyway.")
@click.option("--note", help="A remark kept with the decision.")
@json_option
def signoff(snapshot: int, by: str, decision: str, override_reason: str | None,
            note: str | None, as_json: bool) -> None:
    """Record a leader's decision on an assessment snapshot (signing again updates it)."""
    from readiness import vocab
    from readiness.assessment.assess import sign_off

    with open_store() as store:
        data = sign_off(store, snapshot, by=by, decision=decision,
                        override_reason=override_reason, note=note, user=settings().user)
    if as_json:
        return emit_json(data)
    params = {"name": data["name"], "staff_id": data["staff_id"], "role": data["role"] or "-",
              "snapshot": snapshot, "decision": vocab.label("signoff_decision", data["decision"]),
              "stale": t("assess.stale") if data["stale"] else ""}
    if data["previous"]:
        click.echo(t("assess.signed_again",
                     previous=vocab.label("signoff_decision", data["previous"]), **params))
    else:
        click.echo(t("assess.signed", **params))
    if data["override_reason"]:
        click.echo("  " + t("assess.override_shown", reason=data["override_reason"]))


@cli.group()
def profile() -> None:
    """Criteria profiles: the shipped editions and a line's own."""


@profile.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@line_option
def profile_add(file: str, line: str | None) -> None:
    """Add the line's own profile (a TOML file that `extends` a shipped one)."""
    from pathlib import Path

    from readiness.assessment.assess import add_profile

    with open_store() as store:
        name = add_profile(store, line, Path(file).read_text(encoding="utf-8"), settings().user)
    click.echo(t("profile.added", name=name))


# --- reports -----------------------------------------------------------------------------------------

@cli.command()
@click.option("-o", "--output", required=True, help="FILE.html or FILE.xlsx")
@line_option
@click.option("--snapshot", type=int, help="Snapshot ID (default: the latest; one is made if none).")
@click.option("--template-dir", type=click.Path(file_okay=False),
              help="Your own templates, searched before the built-in ones.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def report(output: str, line: str | None, snapshot: int | None, template_dir: str | None,
           force: bool) -> None:
    """Write the readiness report for opening approval (HTML or Excel)."""
    from readiness.report import write_report

    _refuse_existing(output, force)
    with open_store() as store:
        path = write_report(store, line, output, snapshot=snapshot, lang=get_lang(),
                            template_dir=template_dir, user=settings().user)
    click.echo(t("report.written", path=path))


# --- audit -------------------------------------------------------------------------------------

@cli.group()
def audit() -> None:
    """The audit trail: who changed what, when, before and after."""


@audit.command("log")
@click.option("--entity", help="Only this table, e.g. lines, locations, hazards.")
@click.option("--key", help="Only records for this business ID (e.g. S01, H-0001).")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="Most records to show, newest first.")
@json_option
def audit_log(entity: str | None, key: str | None, limit: int, as_json: bool) -> None:
    """Show the newest audit records."""
    from readiness.store.audit import list_records

    with open_store() as store, store.read() as session:
        records = list_records(session, entity=entity, key=key, limit=limit)
    if as_json:
        return emit_json(records)
    if not records:
        return click.echo(t("audit.none"))
    show_table([L("时间", "When"), L("用户", "User"), L("操作", "Action"), L("对象", "Entity"),
                L("编号", "Key"), L("变更", "Change")],
               [[r["at"], r["username"], r["action"], r["entity"], r["entity_key"],
                 _change_text(r["before"], r["after"])] for r in records])


@audit.command("verify")
@json_option
def audit_verify(as_json: bool) -> None:
    """Check the hash-chained trail, and every data row against it: tampering is named."""
    from readiness.store.audit import verify

    with open_store() as store, store.read() as session:
        problems = verify(session)
    if as_json:
        emit_json(problems)
    else:
        for p in problems:
            click.echo(t("audit." + p["kind"], **{k: v for k, v in p.items() if k != "kind"}))
    if problems:
        from readiness.errors import ReadinessError

        raise ReadinessError("audit.tampered", count=len(problems))
    if not as_json:
        click.echo(t("audit.intact"))


def _change_text(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    if before and after:
        return "; ".join(f"{k}: {before.get(k)} → {v}" for k, v in after.items())[:100]
    return ""


# --- the sample line -----------------------------------------------------------------------------

@cli.command()
@click.option("--out", "out_dir", default="demo", show_default=True, type=click.Path(file_okay=False),
              help="Folder for demo.db and the reports.")
@click.option("--force", is_flag=True, help="Replace an existing demo.db in that folder.")
def demo(out_dir: str, force: bool) -> None:
    """Build a realistic sample line in DIR/demo.db, assess it and write its reports."""
    from readiness.demo import build_demo

    summary = build_demo(out_dir, force=force, user=settings().user, lang=get_lang())
    from readiness import vocab

    click.echo(t("demo.written", line=summary["line"], db=summary["db"]))
    click.echo(t("demo.summary", **summary["counts"]))
    click.echo(t("demo.verdict", verdict=vocab.label("verdict", summary["verdict"]),
                 snapshot=summary["snapshot"]))
    for path in summary.get("reports", []):
        click.echo(f"  {path}")


def main() -> None:
    cli(prog_name="readiness")


if __name__ == "__main__":
    main()
