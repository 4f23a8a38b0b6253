"""`inspection handbook`: the inspection handbooks (隐患排查手册, 一岗一册), one per post."""

from __future__ import annotations

import click

from readiness.commands.options import (command, force_option, line_option, open_store,
                                        output_option)
from readiness.i18n import get_lang, t


@command("handbook")
@output_option("FILE.xlsx or FILE.html (printable A4).", required=True)
@line_option
@click.option("--post", help="Only the posts of this name, as the organisation names them.")
@click.option("--unit",
              help="Only the posts of this unit and the units under it: unit ID or name.")
@force_option()
def handbook_command(output: str, line: str | None, post: str | None, unit: str | None,
                     force: bool) -> None:
    """Write the inspection handbook of each post (one per post): every control the post owns,
    what to check, how, and how often."""
    from readiness.report.handbook import write_handbook

    with open_store() as store:
        path, handbook = write_handbook(store, line, output, post=post, unit=unit,
                                        lang=get_lang(), force=force)
    key = "handbook.written" if handbook.posts else "handbook.empty"
    click.echo(t(key, path=path, posts=len(handbook.posts), controls=handbook.controls))
