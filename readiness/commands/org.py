"""`org`: the safety-responsibility system (安全生产责任体系)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import click

from readiness.commands.options import (Decorator, L, acceptor, acting, as_of_option, emit_json,
                                        force_option, group, json_option, line_option, open_store,
                                        output_option, show_table)
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



# --- one record at a time (the same services as the web's organisation forms) --------------------
# Values go to the services as typed: they refuse them as importing that row of the organisation
# template would, in the same words. `set` changes only the options given (an empty value clears
# an optional field): the record's other values are passed as they are.

def _given(given: dict[str, Any]) -> dict[str, Any]:
    """The options given; none is a usage error."""
    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise click.UsageError(t("hazard.edit_nothing"))
    return changes


@org.group("unit")
def org_unit() -> None:
    """Units of the organisation: add one, or change one."""


def _unit_fields(required: bool) -> Decorator:
    def apply(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option("--posts", metavar="LIST",
                         help="The unit's posts, separated by | (as in the workbook).")(f)
        f = click.option("--head", metavar="STAFF_ID", help="Staff ID of the unit's head.")(f)
        f = click.option("--parent", metavar="UNIT",
                         help="ID of the unit above it (none for the company).")(f)
        f = click.option("--level", required=required,
                         help="company, hq, centre, division or team (code or label).")(f)
        return click.option("--name", required=required, help="The unit's name.")(f)

    return apply


def _print_unit(unit: Any, key: str, as_json: bool) -> None:
    if as_json:
        return emit_json(unit)
    click.echo(t(key, code=unit.code, name=unit.name))


@org_unit.command("add")
@click.argument("code")
@_unit_fields(required=True)
@json_option
def org_unit_add(code: str, name: str, level: str, parent: str | None, head: str | None,
                 posts: str | None, as_json: bool) -> None:
    """Add a unit CODE (refused as importing its row of the units sheet, or if CODE is taken)."""
    from readiness.org.edit import save_unit

    with open_store() as store:
        unit = save_unit(store, code, name=name, level=level, parent=parent, head=head,
                         posts=posts, actor=acting(), new=True)
    _print_unit(unit, "org.unit_added", as_json)


@org_unit.command("set")
@click.argument("code")
@_unit_fields(required=False)
@json_option
def org_unit_set(code: str, as_json: bool, **given: Any) -> None:
    """Change a unit's name, level, parent, head or posts (only those given; an empty value
    clears an optional one)."""
    from readiness.audit import version
    from readiness.org.edit import get_unit, save_unit

    changes = _given(given)
    with open_store() as store:
        seen = version(store, "org_units", code)  # read first: a change since is refused
        current = get_unit(store, code)
        values = {"name": current.name, "level": current.level, "parent": current.parent,
                  "head": current.head, "posts": current.posts}
        unit = save_unit(store, current.code, **{**values, **changes}, actor=acting(),
                         seen=seen)
    _print_unit(unit, "org.unit_updated", as_json)


@org.group("person")
def org_person() -> None:
    """People of the organisation: add one, or change one."""


def _person_fields(required: bool) -> Decorator:
    def apply(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option("--post", help="The person's post.")(f)
        f = click.option("--unit", required=required, metavar="UNIT",
                         help="ID of the unit the person belongs to.")(f)
        return click.option("--name", required=required, help="The person's name.")(f)

    return apply


def _print_person(person: Any, key: str, as_json: bool) -> None:
    if as_json:
        return emit_json(person)
    click.echo(t(key, staff_id=person.staff_id, name=person.name))


@org_person.command("add")
@click.argument("staff_id")
@_person_fields(required=True)
@json_option
def org_person_add(staff_id: str, name: str, unit: str, post: str | None,
                   as_json: bool) -> None:
    """Add a person STAFF_ID (refused as importing their row of the people sheet, or if the
    staff ID is taken)."""
    from readiness.org.edit import save_person

    with open_store() as store:
        person = save_person(store, staff_id, name=name, unit=unit, post=post, actor=acting(),
                             new=True)
    _print_person(person, "org.person_added", as_json)


@org_person.command("set")
@click.argument("staff_id")
@_person_fields(required=False)
@json_option
def org_person_set(staff_id: str, as_json: bool, **given: Any) -> None:
    """Change a person's name, unit or post (only those given); their education stays."""
    from readiness.audit import version
    from readiness.org.edit import get_person, save_person

    changes = _given(given)
    with open_store() as store:
        seen = version(store, "people", staff_id)  # read first: a change since is refused
        current = get_person(store, staff_id)
        values = {"name": current.name, "unit": current.unit, "post": current.post}
        person = save_person(store, current.staff_id, **{**values, **changes}, actor=acting(),
                             seen=seen)
    _print_person(person, "org.person_updated", as_json)


@org.group("letter")
def org_letter() -> None:
    """Responsibility letters, signed level by level."""


@org_letter.command("add")
@click.argument("signer")
@click.option("--with", "countersigner", required=True, metavar="UNIT",
              help="ID of the counter-signing unit, the one above the signer.")
@click.option("--signed-on", required=True, metavar="YYYY-MM-DD",
              help="Date the letter was signed.")
@click.option("--until", "valid_until", required=True, metavar="YYYY-MM-DD",
              help="Last day the letter is valid.")
@click.option("--signatories", help="Who signed it, by name.")
@json_option
def org_letter_add(signer: str, countersigner: str, signed_on: str, valid_until: str,
                   signatories: str | None, as_json: bool) -> None:
    """Record a letter SIGNER (a unit ID or a staff ID) signed with the unit above; the same
    signer, counter-signer and date is the same letter, whose end date and signatories change."""
    from readiness.org.edit import record_letter

    with open_store() as store:
        letter = record_letter(store, signer, countersigner=countersigner, signed_on=signed_on,
                               valid_until=valid_until, signatories=signatories,
                               actor=acting())
    if as_json:
        return emit_json(letter)
    click.echo(t("org.letter_recorded", signer=letter.signer,
                 countersigner=letter.countersigner, signed_on=letter.signed_on,
                 valid_until=letter.valid_until))


@org.group("education")
def org_education() -> None:
    """The three levels of a person's safety education."""


@org_education.command("set")
@click.argument("staff_id")
@click.option("--company", metavar="YYYY-MM-DD",
              help="Date of the company-level safety education (empty: not yet).")
@click.option("--centre", metavar="YYYY-MM-DD",
              help="Date of the centre-level safety education (empty: not yet).")
@click.option("--team", metavar="YYYY-MM-DD",
              help="Date of the team-level safety education (empty: not yet).")
@json_option
def org_education_set(staff_id: str, as_json: bool, **given: Any) -> None:
    """Record the dates of a person's company-, centre- and team-level safety education (only
    the levels given)."""
    from readiness.audit import version
    from readiness.org.edit import get_person, record_education

    changes = _given(given)
    with open_store() as store:
        seen = version(store, "people", staff_id)  # read first: a change since is refused
        current = get_person(store, staff_id)
        values = {"company": current.education_company, "centre": current.education_centre,
                  "team": current.education_team}
        person = record_education(store, current.staff_id, **{**values, **changes},
                                  actor=acting(), seen=seen)
    if as_json:
        return emit_json(person)
    click.echo(t("org.education_recorded", staff_id=person.staff_id, name=person.name,
                 company=person.education_company or "-",
                 centre=person.education_centre or "-", team=person.education_team or "-"))


COMMANDS = [org]
