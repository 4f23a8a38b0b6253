"""`inspection` and `danger`: hidden-danger inspection and remediation (隐患排查治理)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click

from readiness.commands.options import (acting, acting_for, as_of_option, emit_json,
                                        force_option, group, json_option, L, line_option,
                                        on_option, open_store, output_option, parse_date, short,
                                        show_table, signing_account, signing_options)
from readiness.dates import iso
from readiness.i18n import t

if TYPE_CHECKING:
    from hazards.dangers import HiddenDanger
    from hazards.inspections import Inspection


@group()
def inspection() -> None:
    """Hidden-danger inspections: routine, periodic and special, with their results."""


@group()
def danger() -> None:
    """Hidden dangers: grade, treatment plan (five fixes), report and acceptance."""


def _label(set_name: str, code: str | None) -> str:
    from readiness import vocab

    return vocab.label(set_name, code) if code else "-"


def _print_inspection(item: Inspection) -> None:
    reason = f" ({item.reason})" if item.reason else ""
    click.echo(f"{item.id}  {iso(item.on)}  {_label('inspection_kind', item.kind)}{reason}  "
               f"{L('排查人', 'Inspector')}: {item.inspector}  "
               f"{L('位置', 'Location')}: {item.location or '-'}")
    for r in item.results:
        control = f" · {short(r.control, 24)}" if r.control else ""
        grade = f" · {_label('danger_grade', r.grade)}" if r.grade else ""
        found = f" → {r.danger}" if r.danger else ""
        click.echo(f"  {r.hazard}{control}: {_label('inspection_result', r.result)}{grade}"
                   f"{found}{'  ' + short(r.finding, 30) if r.finding else ''}")


def _print_danger(d: HiddenDanger) -> None:
    click.echo(f"{d.id}  {_label('danger_grade', d.grade)} · {_label('danger_status', d.status)}"
               f"{'  ' + L('逾期', 'OVERDUE') if d.overdue else ''}")
    click.echo(f"  {L('位置', 'Location')}: {d.location or '-'}  {L('危险源', 'Hazard')}: "
               f"{d.hazard or '-'}  {L('措施', 'Control')}: {short(d.control, 30) or '-'}")
    click.echo(f"  {L('发现', 'Found')}: {iso(d.found_on)} {d.found_by} ({d.inspection}, "
               f"{_label('inspection_result', d.result)})  {short(d.description, 40)}")
    click.echo(f"  {L('整改措施', 'Measures')}: {short(d.measures, 40) or '-'}  "
               f"{L('责任人', 'Responsible')}: {d.responsible or '-'}  "
               f"{L('资金', 'Funds')}: {d.funds or '-'}  {L('期限', 'Deadline')}: "
               f"{iso(d.deadline) or '-'}  {L('预案', 'Contingency')}: "
               f"{short(d.contingency, 30) or '-'}")
    click.echo(f"  PDCA: {d.pdca or '-'} {d.pdca_phase or ''}  {L('报告', 'Reported')}: "
               f"{d.reported_to or '-'} {iso(d.reported_on) or ''}  {L('验收', 'Accepted')}: "
               f"{d.accepted_by or '-'} {iso(d.accepted_on) or ''}")


# --- inspection -------------------------------------------------------------------------------------

@inspection.command("record")
@click.argument("inspection_id")
@line_option
@on_option("The day of the inspection.", required=True)
@click.option("--kind", required=True, help="routine, periodic or special.")
@click.option("--reason", help="Why a special inspection: season, holiday, after an incident "
                               "or a change.")
@click.option("--inspector", required=True, help="Staff ID or name of the inspector.")
@click.option("--location", help="Where: location ID or name (default: each hazard's).")
@click.option("--result", "results", multiple=True, required=True,
              metavar="HAZARD[:CONTROL]=RESULT[/GRADE][@FINDING]",
              help="One result (repeatable): the hazard ID, optionally a control's ID or text, "
                   "ok/weakened/failed/missing, the grade general/major (required unless ok) "
                   "and what was found.")
@json_option
def inspection_record(inspection_id: str, line: str | None, on: dt.date, as_json: bool,
                      **data: Any) -> None:
    """Record an inspection; each result other than ok is a hidden danger."""
    from hazards.inspections import record_inspection
    from readiness.i18n import t

    with open_store() as store:
        done = record_inspection(store, line, {"id": inspection_id, "on": on, **data},
                                 actor=acting())
    if as_json:
        return emit_json(done)
    _print_inspection(done.inspection)
    click.echo(t("danger.written", id=done.inspection.id, created=done.created,
                 unchanged=done.unchanged, dangers=", ".join(done.dangers) or "-"))


@inspection.command("show")
@click.argument("inspection_id")
@line_option
@json_option
def inspection_show(inspection_id: str, line: str | None, as_json: bool) -> None:
    """One inspection with its results and the hidden dangers they found."""
    from hazards.inspections import show_inspection

    with open_store() as store:
        item = show_inspection(store, line, inspection_id)
    if as_json:
        return emit_json(item)
    _print_inspection(item)


@inspection.command("list")
@line_option
@click.option("--kind", help="Only this kind: routine, periodic, special.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only inspections on or after this day.")
@json_option
def inspection_list(line: str | None, kind: str | None, since: str | None,
                    as_json: bool) -> None:
    """The line's inspections by date."""
    from hazards.inspections import list_inspections

    with open_store() as store:
        items = list_inspections(store, line, kind=kind, since=parse_date("--since", since))
    if as_json:
        return emit_json(items)
    show_table([L("编号", "ID"), L("日期", "Date"), L("类型", "Kind"), L("排查人", "Inspector"),
                L("位置", "Location"), L("结果", "Results"), L("隐患", "Hidden dangers")],
               [[i.id, iso(i.on), _label("inspection_kind", i.kind), i.inspector,
                 i.location or "-", len(i.results),
                 ", ".join(r.danger for r in i.results if r.danger) or "-"] for i in items])


# --- danger ------------------------------------------------------------------------------------------

@danger.command("list")
@line_option
@click.option("--grade", help="Only this grade: general or major.")
@click.option("--status", help="Only this status: open, planned, rectified, closed.")
@click.option("--overdue", is_flag=True, help="Only hidden dangers past their deadline.")
@click.option("--all", "include_closed", is_flag=True, help="Closed ones too.")
@as_of_option("Date for overdue ones (default today).")
@json_option
def danger_list(line: str | None, as_of: dt.date | None, as_json: bool, **filters: Any) -> None:
    """Hidden dangers not yet closed, filtered by grade, status or overdue."""
    from hazards.dangers import list_dangers

    with open_store() as store:
        items = list_dangers(store, line, as_of=as_of, **filters)
    if as_json:
        return emit_json(items)
    show_table([L("编号", "ID"), L("等级", "Grade"), L("状态", "Status"), L("位置", "Location"),
                L("危险源", "Hazard"), L("描述", "Finding"), L("期限", "Deadline"), "PDCA"],
               [[d.id, _label("danger_grade", d.grade), _label("danger_status", d.status),
                 d.location or "-", d.hazard or "-", short(d.description, 30) or "-",
                 (iso(d.deadline) or "-") + (" !" if d.overdue else ""), d.pdca or "-"]
                for d in items])


@danger.command("show")
@click.argument("danger_id")
@line_option
@as_of_option("Date for overdue (default today).")
@json_option
def danger_show(danger_id: str, line: str | None, as_of: dt.date | None, as_json: bool) -> None:
    """One hidden danger: where, what, the five fixes, report and acceptance."""
    from hazards.dangers import show_danger

    with open_store() as store:
        item = show_danger(store, line, danger_id, as_of)
    if as_json:
        return emit_json(item)
    _print_danger(item)


def _done(item: HiddenDanger, as_json: bool) -> None:
    if as_json:
        return emit_json(item)
    _print_danger(item)


@danger.command("grade")
@click.argument("danger_id")
@line_option
@click.option("--grade", required=True, help="general or major.")
@json_option
def danger_grade(danger_id: str, line: str | None, grade: str, as_json: bool) -> None:
    """Re-grade a hidden danger before its treatment plan."""
    from hazards.dangers import grade_danger

    with open_store() as store:
        item = grade_danger(store, line, danger_id, grade, actor=acting())
    _done(item, as_json)


@danger.command("plan")
@click.argument("danger_id")
@line_option
@click.option("--measures", help="The rectification measures.")
@click.option("--responsible", help="Staff ID or name of the person responsible for the fix.")
@click.option("--funds", help="The funds set aside for the fix.")
@click.option("--deadline", metavar="YYYY-MM-DD",
              help="Fixed by this day (a general one: default from the policy).")
@click.option("--contingency", help="The contingency plan until it is fixed.")
@on_option("Planned on (default today).")
@json_option
def danger_plan(danger_id: str, line: str | None, deadline: str | None, on: dt.date | None,
                as_json: bool, **data: Any) -> None:
    """The five fixes; opens the rectification as a PDCA item (all five for a major one)."""
    from hazards.dangers import plan_danger

    data["deadline"] = parse_date("--deadline", deadline)
    with open_store() as store:
        item = plan_danger(store, line, danger_id, data, actor=acting(), on=on)
    _done(item, as_json)


@danger.command("report")
@click.argument("danger_id")
@line_option
@click.option("--to", "to", required=True, help="To whom a major hidden danger was reported.")
@on_option("Reported on (default today).")
@json_option
def danger_report(danger_id: str, line: str | None, to: str, on: dt.date | None,
                  as_json: bool) -> None:
    """Record that a major hidden danger was reported: to whom, when."""
    from hazards.dangers import report_danger

    with open_store() as store:
        item = report_danger(store, line, danger_id, to=to, on=on, actor=acting())
    _done(item, as_json)


@danger.command("accept")
@click.argument("danger_id")
@line_option
@click.option("--by", "by",
              help="Staff ID or name of the person accepting: not the responsible person "
                   "(default: the --as account's person).")
@click.option("--note", help="The acceptance opinion.")
@on_option("Accepted on (default today).")
@signing_options
@json_option
def danger_accept(danger_id: str, line: str | None, by: str | None, note: str | None,
                  on: dt.date | None, as_account: str | None, password_stdin: bool,
                  as_json: bool) -> None:
    """Accept and close a hidden danger once its PDCA item is closed."""
    from hazards.dangers import accept_danger

    with open_store() as store:
        account = signing_account(store, as_account, password_stdin)
        accepter = by or (account.staff_id if account else None)
        if accepter is None:
            raise click.UsageError(t("account.by_or_as"))
        item = accept_danger(store, line, danger_id, by=accepter, note=note, on=on,
                             actor=acting_for(account), account=account)
    _done(item, as_json)


@inspection.command("handbook")
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
    from readiness.i18n import get_lang, t
    from readiness.report.handbook import write_handbook

    with open_store() as store:
        path, handbook = write_handbook(store, line, output, post=post, unit=unit,
                                        lang=get_lang(), force=force)
    key = "handbook.written" if handbook.posts else "handbook.empty"
    click.echo(t(key, path=path, posts=len(handbook.posts), controls=handbook.controls))


COMMANDS = [inspection, danger]
