"""`init`, `db`, `line` and `location`: the store itself and the lines and places in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from readiness.commands.options import (Decorator, L, acting, command, emit_json, force_option,
                                        group, json_option, line_option, open_store, parse_date,
                                        settings, show_table)
from readiness.i18n import t


@command()
@click.option("--line", "name", required=True, metavar="NAME", help="Name of the new line.")
@click.option("--opening-date", metavar="YYYY-MM-DD", help="Planned opening date.")
@click.option("--handover-date", metavar="YYYY-MM-DD",
              help="Three-rights handover date: drills count from this day.")
@click.option("--profile", metavar="NAME",
              help="Criteria profile: mot-2019, mot-2023 (default) or mot-2023-fao.")
@click.option("--method", help="Hazard scoring method: LEC (default), LS or 882E.")
@click.option("--band-table", help="The method's band table, e.g. A or B for LS.")
@json_option
def init(name: str, opening_date: str | None, handover_date: str | None, profile: str | None,
         method: str | None, band_table: str | None, as_json: bool) -> None:
    """Create the store if needed and add a line to it."""
    from readiness.admin import create_store
    from readiness.lines import init_line

    opening = parse_date("--opening-date", opening_date)
    handover = parse_date("--handover-date", handover_date)
    with create_store(settings().db) as store:
        line = init_line(store, name, opening=opening, handover=handover, profile=profile,
                         method=method, band_table=band_table, actor=acting())
        where = store.display_url()
    if as_json:
        emit_json(line)
    else:
        click.echo(t("line.created", name=name, db=where))
    _superseded_notice(line.profile, as_json)


def _superseded_notice(profile: str | None, as_json: bool) -> None:
    """One line when the chosen profile follows a superseded edition (beside JSON: on stderr)."""
    from readiness.assessment.profiles import superseded_notice

    notice = superseded_notice(profile) if profile else None
    if notice:
        click.echo(notice, err=as_json)


@group()
def db() -> None:
    """The store itself: schema version, upgrades, backup and restore."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring an older store forward to this code's schema (a no-op when current)."""
    from readiness.admin import upgrade_store

    done = upgrade_store(settings().db)
    key = "store.upgraded" if done.changed else "store.up_to_date"
    click.echo(t(key, before=done.before or "-", after=done.after))


@db.command("status")
@json_option
def db_status(as_json: bool) -> None:
    """Show the store's schema version against this code's."""
    from dataclasses import fields

    from readiness.admin import store_status

    status = store_status(settings().db)
    if as_json:
        emit_json(status)
    else:
        for field in fields(status):
            click.echo(f"{field.name}: {getattr(status, field.name)}")


@db.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@force_option("Replace FILE if it exists.")
@json_option
def db_backup(file: str, force: bool, as_json: bool) -> None:
    """Write a consistent copy of the store to FILE, even while others are writing."""
    from readiness.admin import backup_store

    done = backup_store(settings().db, file, force=force)
    if as_json:
        return emit_json(done)
    click.echo(t("backup.written", path=done.path, revision=done.revision or "-"))


@db.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@force_option("Replace a store that already holds data with the backup's content.")
@json_option
def db_restore(file: str, force: bool, as_json: bool) -> None:
    """Restore the store given by --db from a backup FILE made by `db backup`."""
    from readiness.admin import restore_store

    done = restore_store(file, settings().db, force=force)
    if as_json:
        return emit_json(done)
    if done.upgraded_from:
        click.echo(t("backup.restored_upgraded", before=done.upgraded_from, after=done.revision))
    click.echo(t("backup.restored", path=file, db=done.db, revision=done.revision,
                 records=done.audit_records))


@group()
def line() -> None:
    """Lines in the store: list, show, change dates and profile."""


@line.command("list")
@json_option
def line_list(as_json: bool) -> None:
    """List the lines in the store."""
    from readiness import vocab
    from readiness.lines import list_lines

    with open_store() as store:
        lines = list_lines(store)
    if as_json:
        return emit_json(lines)
    show_table([L("线路", "Line"), L("计划开通", "Opening"), L("三权移交", "Handover"),
                L("评估标准", "Profile"), L("阶段", "Phase"), L("位置数", "Locations")],
               [[ln.name, ln.planned_opening, ln.handover_date, ln.profile,
                 vocab.label("phase", ln.phase), ln.locations] for ln in lines])


@line.command("show")
@line_option
@json_option
def line_show(line: str | None, as_json: bool) -> None:
    """Show one line: dates, profile, phase and its locations by kind."""
    from readiness import vocab
    from readiness.lines import show_line

    with open_store() as store:
        shown = show_line(store, line)
    if as_json:
        return emit_json(shown)
    click.echo(f"{L('线路', 'Line')}: {shown.name}")
    click.echo(f"{L('计划开通日期', 'Planned opening')}: {shown.planned_opening or '-'}")
    click.echo(f"{L('三权移交日期', 'Handover')}: {shown.handover_date or '-'}")
    click.echo(f"{L('评估标准', 'Profile')}: {vocab.label('criteria_profile', shown.profile)}")
    click.echo(f"{L('当前阶段', 'Phase')}: {vocab.label('phase', shown.phase)}")
    click.echo(f"{L('风险评价方法', 'Scoring')}: {shown.scoring_method}"
               f"{' / ' + shown.band_table if shown.band_table else ''}")
    click.echo(f"{L('风险等级用词', 'Level words')}: {shown.level_words}")
    click.echo(f"{L('衔接枢纽', 'Connects to')}: "
               + (", ".join(vocab.label("line_connection", c) for c in shown.connects) or "-"))
    counts = ", ".join(f"{vocab.label('location_kind', k)} {n}"
                       for k, n in shown.locations.items())
    click.echo(f"{L('位置', 'Locations')}: {counts}")


@line.command("set")
@line_option
@click.option("--opening-date", metavar="YYYY-MM-DD", help="Planned opening date.")
@click.option("--handover-date", metavar="YYYY-MM-DD",
              help="Three-rights handover date: drills count from this day.")
@click.option("--profile", metavar="NAME",
              help="Criteria profile: mot-2019, mot-2023, mot-2023-fao or the line's own.")
@click.option("--method",
              help="Hazard scoring method: LEC, LS, 882E or the line's own scale (scale list).")
@click.option("--band-table", help="The method's band table, e.g. A or B for LS.")
@click.option("--level-words", metavar="NAME",
              help="How the line's ledgers write risk levels: four-level (default), "
                   "grade-1-highest, grade-4-highest, colours or letters.")
@click.option("--connects", metavar="LIST",
              help="What the line connects to: railway-station, airport (comma-separated; "
                   "none clears). A joint drill with it is then required.")
@json_option
def line_set(line: str | None, opening_date: str | None, handover_date: str | None,
             profile: str | None, method: str | None, band_table: str | None,
             level_words: str | None, connects: str | None, as_json: bool) -> None:
    """Change a line's dates, profile, scoring method, level words or connections (audited)."""
    from readiness.lines import set_line

    with open_store() as store:
        changed = set_line(store, line, opening=parse_date("--opening-date", opening_date),
                           handover=parse_date("--handover-date", handover_date),
                           profile=profile, method=method, band_table=band_table,
                           level_words=level_words, connects=connects, actor=acting())
    if as_json:
        emit_json(changed)
    else:
        click.echo(t("line.updated", name=changed.name))
    if profile:
        _superseded_notice(changed.profile, as_json)


@group()
def location() -> None:
    """Stations, sections, depots and control centres of a line."""


@location.command("list")
@line_option
@click.option("--kind", help="Only this kind: station, section, depot, control-centre.")
@json_option
def location_list(line: str | None, kind: str | None, as_json: bool) -> None:
    """List a line's locations in order along the line."""
    from readiness import vocab
    from readiness.lines import list_locations

    with open_store() as store:
        rows = list_locations(store, line, kind)
    if as_json:
        return emit_json(rows)
    show_table([L("顺序", "Order"), L("编号", "ID"), L("名称", "Name"), L("类型", "Kind")],
               [[r.seq, r.code, r.name, vocab.label("location_kind", r.kind)] for r in rows])



def _location_fields(required: bool) -> Decorator:
    """`--name`, `--kind`, `--seq` and `--note`: a location's fields (all but the note required
    when it is added). Values go to the service as typed: it refuses them as an import would."""

    def apply(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option("--note", help="A remark kept with the location.")(f)
        f = click.option("--seq", required=required, metavar="N",
                         help="Its order along the line: 1, 2, 3 …")(f)
        f = click.option("--kind", required=required,
                         help="station, section, depot or control-centre (code or label).")(f)
        return click.option("--name", required=required, help="The location's name.")(f)

    return apply


def _print_location(found: Any, key: str, as_json: bool) -> None:
    if as_json:
        return emit_json(found)
    click.echo(t(key, code=found.code, name=found.name))


@location.command("add")
@click.argument("code")
@line_option
@_location_fields(required=True)
@json_option
def location_add(code: str, line: str | None, name: str, kind: str, seq: str,
                 note: str | None, as_json: bool) -> None:
    """Add a location CODE to a line (refused as importing its row of the line template)."""
    from readiness.lines.edit import save_location

    with open_store() as store:
        added = save_location(store, line, code, name=name, kind=kind, seq=seq, note=note,
                              actor=acting(), new=True)
    _print_location(added, "location.added", as_json)


@location.command("set")
@click.argument("code")
@line_option
@_location_fields(required=False)
@json_option
def location_set(code: str, line: str | None, as_json: bool, **given: Any) -> None:
    """Change a location's name, kind, order or note (only those given; an empty note clears
    it)."""
    from readiness.audit import version
    from readiness.lines.edit import get_location, save_location

    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise click.UsageError(t("hazard.edit_nothing"))
    with open_store() as store:
        seen = version(store, "locations", code, line)  # read first: a change since is refused
        current = get_location(store, line, code)
        values = {k: getattr(current, k) for k in ("name", "kind", "seq", "note")}
        changed = save_location(store, line, current.code, **{**values, **changes},
                                actor=acting(), seen=seen)
    _print_location(changed, "location.updated", as_json)


COMMANDS = [init, db, line, location]
