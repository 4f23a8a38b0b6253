"""`template`, `import` and `export`: Excel templates to fill, and files in and out.

The `template` and `export` commands are made from the registry of template kinds
(`readiness/template_kinds.py`): one command per kind, the same options everywhere.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from readiness.commands.options import (acting, command, emit_json, force_option, group,
                                        json_option, L, line_option, open_store, output_option,
                                        refuse_existing)
from readiness.i18n import get_lang, t
from readiness.template_kinds import REGISTRY, Kind


@group()
def template() -> None:
    """Write fillable Excel templates for `readiness import`."""


@group()
def export() -> None:
    """Export registers to Excel or CSV, with codes that re-import unchanged."""


def _template_command(kind: Kind) -> click.Command:
    def write(output: str, force: bool) -> None:
        from readiness.importing import template_kind
        from readiness.xlsx.writer import write_template

        refuse_existing(output, force)
        path = write_template(template_kind(kind.name), output, get_lang())
        click.echo(t("template.written", path=path))

    write.__doc__ = kind.summary
    write = force_option()(write)
    write = output_option(default=kind.template_file)(write)
    return template.command(kind.name)(write)


def _export_command(kind: Kind, target: str) -> click.Command:
    def write(output: str, line: str | None, force: bool) -> None:
        import importlib

        module, function = target.split(":")
        refuse_existing(output, force)
        with open_store() as store:
            done = getattr(importlib.import_module(module), function)(store, line, output)
        click.echo(t("export.written", rows=done["rows"], path=done["path"]))

    write.__doc__ = kind.export_summary
    write = force_option()(write)
    write = line_option(write)
    write = output_option(kind.export_formats, required=True)(write)
    return export.command(kind.name)(write)


for _kind in REGISTRY:
    _template_command(_kind)
    if _kind.export:
        _export_command(_kind, _kind.export)


@template.command("drill-sheet")
@click.argument("scenario")
@line_option
@output_option("Default: SCENARIO-evaluation.xlsx")
@force_option()
def template_drill_sheet(scenario: str, line: str | None, output: str | None, force: bool) -> None:
    """A one-scenario evaluation form to fill on paper and import as drill runs."""
    from drills.sheets import drill_sheet

    output = output or f"{scenario}-evaluation.xlsx"
    refuse_existing(output, force)
    with open_store() as store:
        path = drill_sheet(store, line, scenario, output)
    click.echo(t("template.written", path=path))


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


@command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--kind", help="Template kind, when the sheet names do not tell.")
@line_option
@click.option("--sheet", "sheets", multiple=True, metavar="NAME",
              help="The sheet to import, when its name does not tell (repeatable: the main "
                   "sheet first, then the kind's other sheets in order). Default: by sheet name, "
                   "else by header row.")
@click.option("--ignore-column", "ignore_columns", multiple=True, metavar="NAME",
              help="A column not to import, by its header (repeatable); listed in the summary "
                   "instead of refused as unknown.")
@click.option("--location", metavar="CODE",
              help="The location of every row whose location is blank, or of every row when "
                   "the file has no location column (ID or name).")
@click.option("--owner-unit", metavar="CODE",
              help="The owner unit of every row whose owner unit is blank, or of every row when "
                   "the file has no owner unit column (ID or name).")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option("--skip-invalid", is_flag=True,
              help="Write the valid rows and list the rejected ones (default: write nothing).")
@json_option
def import_(file: str, kind: str | None, line: str | None, sheets: tuple[str, ...],
            ignore_columns: tuple[str, ...], location: str | None, owner_unit: str | None,
            dry_run: bool, skip_invalid: bool, as_json: bool) -> None:
    """Import a filled template workbook (.xlsx), a ledger as it is kept, or a CSV export;
    every row is checked before any is written."""
    from readiness.importing import import_file

    progress = _Progress() if sys.stderr.isatty() and not as_json else None
    defaults = {key: value for key, value in (("location", location), ("owner_unit", owner_unit))
                if value is not None}
    try:
        with open_store() as store:
            result = import_file(store, file, kind=kind, line=line, actor=acting(),
                                 dry_run=dry_run, skip_invalid=skip_invalid, progress=progress,
                                 sheets=sheets, ignore_columns=ignore_columns,
                                 defaults=defaults)
    finally:
        if progress is not None:
            progress.close()
    if as_json:
        return emit_json(result.as_dict())
    for problem in result.problems:
        click.echo(problem.message(), err=True)
    for note in result.notes():
        click.echo(note.message())
    if result.dry_run:
        key = "import.dry_run_skipped" if result.rejected else "import.dry_run"
        click.echo(t(key, path=file, rows=result.rows, rejected=result.rejected))
    else:
        click.echo(t("import.summary", path=file, created=result.created, updated=result.updated,
                     unchanged=result.unchanged, rejected=result.rejected))


COMMANDS = [template, export, import_]
