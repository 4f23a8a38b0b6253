"""`demo`: the sample line."""

from __future__ import annotations

import click

from readiness.commands.options import command, force_option, settings
from readiness.i18n import get_lang, t


@command()
@click.option("--out", "out_dir", default="demo", show_default=True, type=click.Path(file_okay=False),
              help="Folder for demo.db and the reports.")
@force_option("Replace an existing demo.db in that folder.")
def demo(out_dir: str, force: bool) -> None:
    """Build a realistic sample line in DIR/demo.db, assess it and write its reports."""
    from readiness.actor import Actor
    from readiness.demo import build_demo

    # the sample is written by the tool itself, unless someone says who they are
    summary = build_demo(out_dir, force=force, actor=Actor(settings().user or "demo", "demo"),
                         lang=get_lang())
    from readiness import vocab

    click.echo(t("demo.written", line=summary["line"], db=summary["db"]))
    click.echo(t("demo.summary", **summary["counts"]))
    click.echo(t("demo.verdict", verdict=vocab.label("verdict", summary["verdict"]),
                 snapshot=summary["snapshot"]))
    for path in summary.get("reports", []):
        click.echo(f"  {path}")
    click.echo(t("demo.accounts"))
    for a in summary["accounts"]:
        click.echo(f"  {a['role']:<16} {a['staff_id']}  {a['name']:<6}  {a['password']}")


COMMANDS = [demo]
