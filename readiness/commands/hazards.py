"""`hazard`: the hazard register (危险源台帐)."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import click

from readiness.commands.options import (acceptor, acting, as_of_option, emit_json, group,
                                        json_option, L, line_option, on_option, open_store,
                                        parse_date, short, show_table, signing_account,
                                        signing_options, acting_for)
from readiness.i18n import t

if TYPE_CHECKING:
    from hazards.results import Hazard


@group()
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
@click.option("--accident-type",
              help="GB 6441 accident type(s), label or code; several separated by / or |.")
@click.option("--causes", help="What could cause it.")
@click.option("--consequences", help="What could follow from it.")
@click.option("--method", help="LEC (default), LS or 882E.")
@click.option("--score", help="Inherent factors, e.g. L=6,E=6,C=15 (882E: S=1,P=C).")
@click.option("--residual", help="Residual factors after controls, same form.")
@click.option("--level", "level_given", help="The level the ledger states, if any.")
@click.option("--basis",
              help="The basis of a direct judgement (a level given without scores), e.g. the "
                   "regulation not met or a past accident.")
@click.option("--notes", help="Remarks kept with the hazard.")
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

    with open_store() as store:
        h = add_hazard(store, line, actor=acting(), code=code, **options)
    _emit_hazard(h, as_json)


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
@as_of_option("Date for overdue reviews (default today).")
@json_option
def hazard_list(line: str | None, as_of: dt.date | None, as_json: bool, **filters: Any) -> None:
    """List hazards, filtered by level, specialty, location, owner, status or overdue review."""
    from hazards.register import list_hazards
    from readiness import vocab

    with open_store() as store:
        rows = list_hazards(store, line, as_of=as_of, **filters)
    if as_json:
        return emit_json(rows)
    show_table([L("编号", "ID"), L("位置", "Location"), L("专业", "Specialty"),
                L("危险源", "Hazard"), L("固有", "Inherent"), L("残余", "Residual"),
                L("责任单位", "Owner unit"), L("下次复核", "Next review"), L("状态", "Status")],
               [[h.id, h.location_name, vocab.label("specialty", h.specialty),
                 short(h.description), vocab.label("risk_level", h.level),
                 vocab.label("risk_level", h.residual_level), h.owner_unit,
                 (h.next_review.isoformat() if h.next_review else "")
                 + (" !" if h.overdue else ""),
                 vocab.label("hazard_status", h.status)] for h in rows])


@hazard.command("show")
@click.argument("hazard_id")
@line_option
@json_option
def hazard_show(hazard_id: str, line: str | None, as_json: bool) -> None:
    """Show one hazard: scores, controls, owner, acceptance, history and findings."""
    from hazards.register import show_hazard

    with open_store() as store:
        h = show_hazard(store, line, hazard_id)
    _emit_hazard(h, as_json)


def _emit_hazard(h: Hazard, as_json: bool) -> None:
    """A hazard as `--json` (its findings with their message in the user's language) or as
    text."""
    if as_json:
        return emit_json({**{f.name: getattr(h, f.name) for f in fields(h)},
                          "findings": [f.as_dict() for f in h.findings]})
    _print_hazard(h)


def _print_hazard(h: Hazard) -> None:
    from hazards.scoring import method
    from readiness import vocab
    from readiness.errors import InvalidValue

    def score(factors: dict[str, Any], value: Any, level: str | None,
              method_code: str | None = None) -> str:
        if not level:
            return "-"
        try:
            code = method(method_code or h.method).risk_code(factors)
        except InvalidValue:  # the line's own scale: its factors as stored
            code = " ".join(f"{k}{v:g}" if isinstance(v, float) else f"{k}{v}"
                            for k, v in factors.items())
        shown = f" = {value:g}" if value is not None else ""
        return f"{code}{shown} → {vocab.label('risk_level', level)}"

    click.echo(f"{h.id}  {h.description}")
    click.echo(f"  {L('位置', 'Location')}: {h.location_name} ({h.location})   "
               f"{L('专业', 'Specialty')}: {vocab.label('specialty', h.specialty)}   "
               f"{L('类别', 'Category')}: {vocab.label('risk_category', h.risk_category)}")
    if h.accident_types:
        click.echo(f"  {L('可能导致的事故', 'Accident types')}: " + L("、", ", ").join(
            vocab.label("accident_type", a) for a in h.accident_types))
    click.echo(f"  {L('固有风险', 'Inherent')}: {score(h.factors, h.score, h.level)}")
    if h.basis:
        click.echo(f"  {L('判别依据', 'Basis')}: {h.basis}")
    click.echo(f"  {L('残余风险', 'Residual')}: "
               f"{score(h.residual_factors, h.residual_score, h.residual_level)}")
    for c in h.controls:
        mark = "✓" if c.verified else " "
        click.echo(f"  [{mark}] {vocab.label('control_type', c.type)}: {c.description}")
    click.echo(f"  {L('责任', 'Owner')}: {h.owner_unit or '-'} / {h.owner or '-'}   "
               f"{L('下次复核', 'Next review')}: {h.next_review or '-'}")
    if h.notes:
        click.echo(f"  {L('备注', 'Notes')}: {h.notes}")
    acc = h.acceptance
    if acc:
        click.echo(f"  {L('风险接受', 'Accepted')}: {acceptor(acc)} "
                   f"({vocab.label('org_level', acc.org_level)}) {acc.accepted_on}"
                   f" → {acc.valid_until or '-'}")
    if h.history:
        click.echo(f"  {L('评价记录', 'Evaluations')}:")
        for e in h.history:
            click.echo(f"    {e.evaluated_on}  {vocab.label('scoring_method', e.method)}  "
                       f"{L('固有', 'inherent')} {score(e.factors, e.score, e.level, e.method)}  "
                       f"{L('残余', 'residual')} "
                       f"{score(e.residual_factors, e.residual_score, e.residual_level, e.method)}"
                       f"  {L('评价人', 'by')} {e.evaluator or '-'}"
                       + (f"  {e.note}" if e.note else ""))
    for f in h.findings:
        click.echo(f"  ! {f.message()}")


@hazard.command("evaluate")
@click.argument("hazard_id")
@line_option
@click.option("--score", required=True, help="Inherent factors, e.g. L=6,E=6,C=15.")
@click.option("--residual", required=True, help="Residual factors, same form.")
@click.option("--method", help="Scoring method, if not the hazard's current one.")
@on_option("Evaluation date (default today).")
@click.option("--note", help="A remark kept with the evaluation.")
@json_option
def hazard_evaluate(hazard_id: str, line: str | None, score: str, residual: str,
                    method: str | None, on: dt.date | None, note: str | None,
                    as_json: bool) -> None:
    """Record a new dated evaluation; earlier evaluations stay in the history."""
    from hazards.register import evaluate_hazard

    with open_store() as store:
        h = evaluate_hazard(store, line, hazard_id, actor=acting(), score=score,
                            residual=residual, method=method, evaluated_on=on, note=note)
    _emit_hazard(h, as_json)


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
@click.option("--check", "check_what",
              help="What an inspection checks (default: whether the control is in place and "
                   "working).")
@click.option("--how", "check_how", help="How it is checked (default: by the control's type).")
@click.option("--every", "check_every_days", type=int, metavar="DAYS",
              help="Days between checks (default: by the hazard's level).")
@json_option
def hazard_control_add(hazard_id: str, line: str | None, control_type: str, as_json: bool,
                       **control: Any) -> None:
    """Add a control measure to a hazard."""
    from hazards.register import add_control

    with open_store() as store:
        h = add_control(store, line, hazard_id, actor=acting(), control_type=control_type,
                        **control)
    _emit_hazard(h, as_json)


@hazard.command("edit")
@click.argument("hazard_id")
@line_option
@click.option("--location", help="Location ID or name.")
@click.option("--specialty", help="e.g. psd, signalling, 站台门.")
@click.option("--category", "risk_category", help="Risk category (code or label).")
@click.option("--factor-category", help="Factor category: people, equipment, environment or management.")
@click.option("--accident-type", help="GB 6441 accident types (several: separated by /).")
@click.option("--activity", help="Work activity or equipment.")
@click.option("--description", help="Description of the hazard.")
@click.option("--causes", help="What could cause it.")
@click.option("--consequences", help="What could follow from it.")
@click.option("--owner-unit", help="Owner unit ID or name.")
@click.option("--owner", help="Owner staff ID or name.")
@click.option("--review-days", help="Days between reviews (empty: by level).")
@click.option("--status", help="New status: controlled, action-needed or eliminated.")
@click.option("--notes", help="Remarks kept with the hazard.")
@json_option
def hazard_edit(hazard_id: str, line: str | None, as_json: bool, **given: Any) -> None:
    """Change a hazard's fields (only those given; an empty value clears an optional one)."""
    from hazards.editing import edit_hazard

    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise click.UsageError(t("hazard.edit_nothing"))
    with open_store() as store:
        h = edit_hazard(store, line, hazard_id, actor=acting(), changes=changes)
    if as_json:
        return _emit_hazard(h, True)
    click.echo(t("hazard.edited", id=h.id, fields=", ".join(sorted(changes))))


@hazard_control.command("edit")
@click.argument("hazard_id")
@click.argument("number", type=click.IntRange(min=1))
@line_option
@click.option("--type", "control_type", help="Control type (code or label).")
@click.option("--text", "description", help="What the control is.")
@click.option("--aspect", help="people, equipment, environment, management.")
@click.option("--owner", help="Who keeps the control working.")
@click.option("--verification", help="How it is verified.")
@click.option("--evidence", help="Evidence that it works.")
@click.option("--verified/--not-verified", default=None, help="Whether it is verified to work.")
@json_option
def hazard_control_edit(hazard_id: str, number: int, line: str | None, control_type: str | None,
                        as_json: bool, **given: Any) -> None:
    """Change control NUMBER of a hazard (1 = the first `hazard show` lists)."""
    from hazards.editing import edit_control

    changes = {k: v for k, v in {"type": control_type, **given}.items() if v is not None}
    if not changes:
        raise click.UsageError(t("hazard.edit_nothing"))
    with open_store() as store:
        h = edit_control(store, line, hazard_id, number, actor=acting(), changes=changes)
    _emit_hazard(h, as_json)


@hazard_control.command("remove")
@click.argument("hazard_id")
@click.argument("number", type=click.IntRange(min=1))
@line_option
@json_option
def hazard_control_remove(hazard_id: str, number: int, line: str | None, as_json: bool) -> None:
    """Take control NUMBER off a hazard (kept in the audit trail)."""
    from hazards.editing import remove_control

    with open_store() as store:
        h = remove_control(store, line, hazard_id, number, actor=acting())
    _emit_hazard(h, as_json)


@hazard.command("request-acceptance")
@click.argument("hazard_id")
@line_option
@click.option("--of", "of", required=True,
              help="Who is asked: a staff ID, or a name no one else has.")
@click.option("--note", help="A word to them.")
@json_option
def hazard_request_acceptance(hazard_id: str, line: str | None, of: str, note: str | None,
                              as_json: bool) -> None:
    """Ask a person at the level the residual risk needs to accept it."""
    from hazards.editing import request_acceptance

    with open_store() as store:
        req = request_acceptance(store, line, hazard_id, of=of, note=note, actor=acting())
    if as_json:
        return emit_json(req)
    click.echo(t("hazard.request_sent", id=req.hazard, who=req.requested_of_name,
                 staff_id=req.requested_of))


@hazard.command("requests")
@line_option
@click.option("--of", "of", help="Only those asked of this staff ID.")
@json_option
def hazard_requests(line: str | None, of: str | None, as_json: bool) -> None:
    """Open requests to accept residual risk, oldest first."""
    from hazards.editing import open_requests

    with open_store() as store:
        found = open_requests(store, line, of=of)
    if as_json:
        return emit_json(found)
    for r in found:
        click.echo(f"{r.hazard:<10} {r.requested_of_name or ''}（{r.requested_of}） "
                   f"{r.requested_on}  {r.note or ''}".rstrip())


@hazard.command("accept")
@click.argument("hazard_id")
@line_option
@click.option("--by", "accepted_by",
              help="Who accepts: a staff ID, or a name no one else in the organisation has "
                   "(default: the --as account's person).")
@click.option("--level", "org_level",
              help="Optional check: the level of their unit (company … team); refused if it differs.")
@on_option("Date accepted (default today).")
@click.option("--until", "valid_until", metavar="YYYY-MM-DD", help="Acceptance valid until.")
@signing_options
@json_option
def hazard_accept(hazard_id: str, line: str | None, accepted_by: str | None,
                  org_level: str | None, on: dt.date | None, valid_until: str | None,
                  as_account: str | None, password_stdin: bool, as_json: bool) -> None:
    """Record acceptance of a hazard's residual risk (voided by any later material change)."""
    from hazards.register import accept_hazard
    from readiness import vocab

    with open_store() as store:
        account = signing_account(store, as_account, password_stdin)
        accepter = accepted_by or (account.staff_id if account else None)
        if accepter is None:
            raise click.UsageError(t("account.by_or_as"))
        h = accept_hazard(store, line, hazard_id, accepted_by=accepter, org_level=org_level,
                          accepted_on=on, valid_until=parse_date("--until", valid_until),
                          actor=acting_for(account), account=account)
    if as_json:
        return _emit_hazard(h, True)
    acc = h.acceptance
    assert acc is not None  # just recorded
    click.echo(t("hazard.accepted", id=h.id, who=acc.accepted_by_name,
                 staff_id=acc.accepted_by, level=vocab.label("org_level", acc.org_level)))


@hazard.command("check")
@line_option
@as_of_option("Check as of this date (default today).")
@json_option
def hazard_check(line: str | None, as_of: dt.date | None, as_json: bool) -> None:
    """Check the register: scores, controls, drills, owners, reviews and acceptance."""
    from hazards.register import check_hazards

    with open_store() as store:
        checked = check_hazards(store, line, as_of)
    if as_json:
        return emit_json([f.as_dict() for f in checked.findings])
    for f in checked.findings:
        click.echo(f"{f.code:<42} {f.message()}")
    key = "hazard.check_summary" if checked.findings else "hazard.check_clean"
    click.echo(t(key, count=checked.hazards, findings=len(checked.findings)))


COMMANDS = [hazard]
