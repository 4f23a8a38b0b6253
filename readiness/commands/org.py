"""`org`: the safety-responsibility system (安全生产责任体系)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from readiness.commands.options import (L, acceptor, as_of_option, emit_json, force_option, group,
                                        json_option, line_option, open_store, output_option,
                                        show_table)
from readiness.i18n import t


@group()
def org() -> None:
    """The safety-responsibility system: units, people, letters."""


@org.command("show")
@as_of_option("Letter status as of this date (default today).")
@json_option
def org_show(as_of: dt.date | None, as_json: bool) -> None:
    """The organisation tree with heads, head counts and each unit's letter to its parent."""
    from readiness import vocab
    from readiness.org.accountability import show

    with open_store() as store:
        rows = show(store, as_of)
    if as_json:
        return emit_json(rows)
    show_table([L("单位", "Unit"), L("层级", "Level"), L("负责人", "Head"), L("人数", "People"),
                L("责任状", "Letter")],
               [["  " * r.depth + f"{r.name} ({r.code})", vocab.label("org_level", r.level),
                 r.head_name or "-", r.people,
                 vocab.label("letter_status", r.letter) if r.letter != "-" else ""]
                for r in rows])


def _print_findings(findings: list[Any], as_json: bool, count_key: str, **counts: Any) -> None:
    if as_json:
        return emit_json([f.as_dict() for f in findings])
    for f in findings:
        click.echo(f"{f.code:<32} {f.message()}")
    click.echo(t(count_key, findings=len(findings), **counts))


@org.command("check")
@as_of_option("Check letters as of this date (default today).")
@json_option
def org_check(as_of: dt.date | None, as_json: bool) -> None:
    """Check the structure, letters, education, owners and concentration of responsibility."""
    from readiness.org.accountability import check

    with open_store() as store:
        findings = check(store, as_of)
    _print_findings(findings, as_json, "org.check_summary")


@org.command("path")
@click.argument("hazard_id")
@line_option
@as_of_option("Letter status as of this date (default today).")
@json_option
def org_path(hazard_id: str, line: str | None, as_of: dt.date | None, as_json: bool) -> None:
    """The chain of responsibility from a hazard's owner up to the company."""
    from readiness import vocab
    from readiness.org.accountability import path

    with open_store() as store:
        found = path(store, line, hazard_id, as_of)
    if as_json:
        return emit_json(found)
    click.echo(f"{found.hazard}  {found.description}  "
               f"({vocab.label('risk_level', found.level)} → "
               f"{vocab.label('risk_level', found.residual_level)})")
    for link in found.chain:
        status = vocab.label("letter_status", link.letter)
        until = f" {L('至', 'until')} {link.valid_until}" if link.valid_until else ""
        mark = "✓" if link.letter == "valid" else "✗"
        click.echo(f"  {mark} {link.from_name} ({link.from_}) —[{status}{until}]→ "
                   f"{link.to_name} ({link.to})")
    acc = found.acceptance
    required = vocab.label("org_level", found.required_level)
    if acc:
        mark = "✓" if found.acceptance_ok else "✗"
        click.echo(f"  {mark} {L('风险接受', 'Accepted by')}: {acceptor(acc)} "
                   f"({vocab.label('org_level', acc.org_level)}); {L('需要', 'needs')} {required}")
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
        owned = owns(store, unit)
    if as_json:
        return emit_json(owned)
    click.echo(f"{owned.name} ({owned.unit}): {owned.units} {L('个单位', 'units')}, "
               f"{owned.people} {L('人', 'people')}")
    levels = ", ".join(f"{vocab.label('risk_level', k)} {v}"
                       for k, v in owned.hazards.by_level.items())
    click.echo(f"  {L('危险源', 'Hazards')}: {levels}")
    click.echo(f"  {L('演练', 'Drills')}: {len(owned.drills)}   "
               f"{L('未关闭整改问题', 'Open PDCA items')}: {len(owned.pdca)}")


@org.command("export")
@output_option("FILE.graphml, FILE.dot or FILE.svg", required=True)
@as_of_option("Letter status as of this date.")
@force_option()
def org_export(output: str, as_of: dt.date | None, force: bool) -> None:
    """Export the responsibility graph as GraphML or DOT, or draw it as SVG."""
    from readiness.org.accountability import export

    with open_store() as store:
        written = export(store, output, as_of, force=force)
    click.echo(t("org.exported", path=written))


COMMANDS = [org]
