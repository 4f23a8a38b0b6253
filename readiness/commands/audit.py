"""`audit`: the hash-chained audit trail."""

from __future__ import annotations

from typing import Any

import click

from readiness.commands.options import (L, emit_json, group, json_option, open_store, show_table)
from readiness.i18n import t


@group()
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
    from readiness.audit import list_records

    with open_store() as store:
        records = list_records(store, entity=entity, key=key, limit=limit)
    if as_json:
        return emit_json(records)
    if not records:
        return click.echo(t("audit.none"))
    show_table([L("时间", "When"), L("用户", "User"), L("操作", "Action"), L("对象", "Entity"),
                L("编号", "Key"), L("变更", "Change")],
               [[r.at.isoformat(), r.username, r.action, r.entity, r.entity_key,
                 _change_text(r.before, r.after)] for r in records])


@audit.command("verify")
@json_option
def audit_verify(as_json: bool) -> None:
    """Check the hash-chained trail, and every data row against it: tampering is named."""
    from readiness.audit import verify

    with open_store() as store:
        result = verify(store)
    if as_json:
        emit_json(result.problems)
    else:
        for problem in result.problems:
            click.echo(problem.message())
    result.raise_if_tampered()
    if not as_json:
        click.echo(t("audit.intact"))


def _change_text(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    if before and after:
        return "; ".join(f"{k}: {before.get(k)} → {v}" for k, v in after.items())[:100]
    return ""


COMMANDS = [audit]
