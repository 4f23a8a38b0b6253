"""`riskmap` and `notice`: the four-colour risk map (安全风险四色分布图) and the major-risk notices
(重大风险公告) of a line, to print and post."""

from __future__ import annotations

import click

from readiness.commands.options import (command, force_option, line_option, open_store,
                                        output_option)
from readiness.i18n import get_lang, t


@command()
@output_option("FILE.svg or FILE.html", required=True)
@line_option
@force_option()
def riskmap(output: str, line: str | None, force: bool) -> None:
    """Draw the four-colour risk map: each place coloured by its highest current risk level."""
    from readiness.report.posters import write_riskmap
    from readiness.report.riskmap import totals

    with open_store() as store:
        path, places = write_riskmap(store, line, output, lang=get_lang(), force=force)
    colours = totals(places)["places"]
    click.echo(t("riskmap.written", path=path, places=len(places), **colours))


@command()
@output_option("FILE.html", required=True)
@line_option
@force_option()
def notice(output: str, line: str | None, force: bool) -> None:
    """Write the major-risk notices: one A4 page per place with a major current risk."""
    from readiness.report.posters import write_notices

    with open_store() as store:
        path, pages = write_notices(store, line, output, lang=get_lang(), force=force)
    click.echo(t("notice.written", path=path, pages=pages) if pages else
               t("notice.none", path=path))


COMMANDS = [riskmap, notice]
