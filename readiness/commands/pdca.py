"""`pdca`: problems and their rectification (问题整改闭环)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click

from readiness.commands.options import (acting, as_of_option, emit_json, group, json_option, L,
                                        line_option, on_option, open_store, parse_date, short,
                                        show_table)
from readiness.dates import iso
from readiness.i18n import get_lang, t

if TYPE_CHECKING:
    from readiness.pdca.items import PdcaItem


@group()
def pdca() -> None:
    """Problems driven round Plan–Do–Check–Act until they stay fixed."""


def _print_item(item: PdcaItem) -> None:
    from readiness import vocab
    from readiness.pdca.views import title

    click.echo(f"{item.id}  {title(item, get_lang())}")
    click.echo(f"  {vocab.label('pdca_class', item.class_)} · {vocab.label('pdca_kind', item.kind)}"
               f" · {vocab.label('pdca_source', item.source)} {item.source_ref or ''}")
    click.echo(f"  {L('阶段', 'Phase')}: {vocab.label('pdca_phase', item.phase)} "
               f"({L('第', 'cycle ')}{item.cycle}{L('轮', '')})   "
               f"{L('责任', 'Owner')}: {item.owner_unit or '-'} / {item.owner or '-'}   "
               f"{L('计划完成', 'Due')}: {iso(item.due) or '-'}{' !' if item.overdue else ''}")
    for tr in item.transitions or []:
        click.echo(f"  {iso(tr.on_date)} {tr.username}: {tr.from_phase or '-'} → {tr.to_phase}")


def _item_command(step_name: str, help_text: str, on_help: str, options: list[Any]):
    def command(item_id: str, line: str | None, on: dt.date | None, as_json: bool,
                **data: Any) -> None:
        from readiness.pdca.items import step

        if "due" in data:
            data["due"] = parse_date("--due", data["due"])
        with open_store() as store:
            item = step(store, line, item_id, step_name, data, actor=acting(), on=on)
        if as_json:
            return emit_json(item)
        _print_item(item)

    command.__doc__ = help_text
    for option in reversed([click.argument("item_id"), line_option, on_option(on_help),
                            *options, json_option]):
        command = option(command)
    return pdca.command(step_name)(command)


HAPPENED = "When it happened (default today)."
_item_command("plan", "PLAN → DO: the root cause, the action, who owns it and by when.", HAPPENED, [
    click.option("--cause", "root_cause", help="The root cause."),
    click.option("--action", help="The corrective action."),
    click.option("--owner-unit", help="Owner unit ID or name."),
    click.option("--owner", help="Owner staff ID or name."),
    click.option("--due", metavar="YYYY-MM-DD", help="Due date.")])
_item_command("do", "DO → CHECK: what was done, with evidence.", HAPPENED, [
    click.option("--done", "done_note", help="What was done."),
    click.option("--evidence", help="Evidence that it was done: document, record, photo …")])
_item_command("check", "CHECK → ACT (effective) or a new cycle at PLAN (ineffective).",
              "The day of the check, which is the day verified (default today).", [
                  click.option("--verifier", help="Staff ID of the verifier: not the owner."),
                  click.option("--verdict", help="effective or ineffective")])
_item_command("act", "ACT → CLOSED: the regulation, procedure, training or hazard entry changed.",
              HAPPENED, [
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
@on_option("Opened on (default today).")
@json_option
def pdca_open(line: str | None, item_class: str, due: str | None, on: dt.date | None,
              as_json: bool, **data: Any) -> None:
    """Open a problem at PLAN."""
    from readiness.pdca.items import open_item

    data.update({"class": item_class, "due": parse_date("--due", due)})
    with open_store() as store:
        item = open_item(store, line, data, actor=acting(), on=on)
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
@as_of_option("Date for overdue items (default today).")
@json_option
def pdca_list(line: str | None, as_of: dt.date | None, as_json: bool, **filters: Any) -> None:
    """Open items, filtered by class, phase, owner unit (with its subtree), kind or source."""
    from readiness import vocab
    from readiness.pdca.items import list_items
    from readiness.pdca.views import title

    with open_store() as store:
        items = list_items(store, line, as_of=as_of, **filters)
    if as_json:
        return emit_json(items)
    show_table([L("编号", "ID"), L("级别", "Class"), L("阶段", "Phase"), L("问题", "Problem"),
                L("责任单位", "Owner unit"), L("计划完成", "Due"), L("已开天数", "Days open")],
               [[i.id, vocab.label("pdca_class", i.class_),
                 f"{vocab.label('pdca_phase', i.phase)}{'' if i.cycle == 1 else ' #' + str(i.cycle)}",
                 short(title(i, get_lang()), 34), i.owner_unit or "-",
                 (iso(i.due) or "-") + (" !" if i.overdue else ""), i.days_open]
                for i in items])


@pdca.command("burndown")
@line_option
@as_of_option("The last day of the chart (default today).")
@click.option("--weeks", type=click.IntRange(min=1), default=12, show_default=True,
              help="Weeks of history shown.")
@json_option
def pdca_burndown(line: str | None, as_of: dt.date | None, weeks: int, as_json: bool) -> None:
    """Open blocking items over time, the closure rate, and when they reach zero."""
    from readiness.pdca.items import burndown_report

    with open_store() as store:
        report = burndown_report(store, line, as_of, weeks)
    if as_json:
        return emit_json(report)
    bd = report.burndown
    for week in report.closure_rate:
        click.echo(f"  {week.week}  {'█' * week.closed} {week.closed}")
    click.echo(t("pdca.burndown_summary", open=bd.open_blocking, rate=bd.rate_per_day,
                 days=bd.recent_days, forecast=iso(bd.forecast_zero) or t("pdca.never"),
                 overdue=report.overdue))
    if bd.after_opening:
        click.echo(t("pdca.forecast_after_opening", opening=iso(bd.planned_opening)), err=True)


COMMANDS = [pdca]
