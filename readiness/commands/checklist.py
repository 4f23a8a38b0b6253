"""`checklist` and `phase`: the opening safety points (开通运营安全要点), the line's phase."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from readiness.commands.options import (acting, emit_json, group, json_option, L, line_option,
                                        on_option, open_store, parse_date, short, show_table)
from readiness.dates import iso
from readiness.i18n import get_lang, t

if TYPE_CHECKING:
    import datetime as dt

    from readiness.checklist import ChecklistItem, PhaseStatus, SeedResult


@group()
def checklist() -> None:
    """Opening safety points, phase by phase, with evidence."""


def _text(item: ChecklistItem) -> str:
    return item.text if get_lang() == "zh" or not item.text_en else item.text_en


def _print_checklist_item(item: ChecklistItem) -> None:
    from readiness import vocab

    click.echo(f"{item.id}  {_text(item)}")
    if item.chapter:
        click.echo(f"  {vocab.label('assessment_chapter', item.chapter)} · "
                   f"{vocab.label('assessment_area', item.area)}")
    click.echo(f"  {vocab.label('phase', item.phase)} · "
               f"{vocab.label('checklist_aspect', item.aspect)} · "
               f"{L('阻断开通', 'blocking') if item.blocking else L('不阻断', 'not blocking')}")
    click.echo(f"  {L('状态', 'Status')}: {vocab.label('checklist_status', item.status)}   "
               f"{L('责任', 'Owner')}: {item.owner_unit or '-'} / {item.owner or '-'}   "
               f"{L('计划完成', 'Due')}: {iso(item.due) or '-'}")
    evidence = item.evidence_ref or ""
    if item.evidence_file:
        evidence += f" {item.evidence_file} sha256:{(item.evidence_sha256 or '')[:16]}…"
    if evidence:
        click.echo(f"  {L('证据', 'Evidence')}: {evidence.strip()}")
    if item.verifier:
        click.echo(f"  {L('验证', 'Verified')}: {item.verifier} {iso(item.verified_on)}")
    if item.na_reason and item.status == "not-applicable":
        click.echo(f"  {L('不适用理由', 'Not applicable')}: {item.na_reason}")
    if item.basis:
        from readiness.sources import cite

        click.echo(f"  {L('依据', 'Basis')}: "
                   + "; ".join(cite(b, get_lang()) for b in item.basis))


@checklist.command("list")
@line_option
@click.option("--phase", help="Only this phase, e.g. handover (or 设备交接).")
@click.option("--status", help="Only this status: open, in-progress, done, verified, not-applicable.")
@click.option("--chapter", help="Only attested items of this chapter of the assessment spec: "
              "preconditions, system-function, linkage, operational-readiness (or a label).")
@click.option("--open", "open_only", is_flag=True, help="Only items not yet verified or N/A.")
@click.option("--dropped", "include_dropped", is_flag=True, help="Include dropped items.")
@json_option
def checklist_list(line: str | None, phase: str | None, status: str | None,
                   chapter: str | None, open_only: bool, include_dropped: bool,
                   as_json: bool) -> None:
    """The opening safety points phase by phase, then the attested items chapter by chapter."""
    from readiness import vocab
    from readiness.checklist import list_items

    with open_store() as store:
        items = list_items(store, line, phase=phase, status=status, chapter=chapter,
                           open_only=open_only, include_dropped=include_dropped)
    if as_json:
        return emit_json(items)
    points = [i for i in items if not i.chapter]
    if points or not items:
        show_table([L("编号", "ID"), L("阶段", "Phase"), L("内容", "Item"), L("阻断", "Blocks"),
                    L("状态", "Status"), L("责任单位", "Owner unit")],
                   [[i.id, vocab.label("phase", i.phase), short(_text(i), 36),
                     "✓" if i.blocking else "", vocab.label("checklist_status", i.status),
                     i.owner_unit or "-"] for i in points])
    for code in vocab.codes("assessment_chapter"):
        attested = [i for i in items if i.chapter == code]
        if not attested:
            continue
        click.echo(f"\n{L('需证据核验的评估要求', 'Attested requirements')} · "
                   f"{vocab.label('assessment_chapter', code)}")
        show_table([L("编号", "ID"), L("评估方面", "Area"), L("内容", "Item"),
                    L("阻断", "Blocks"), L("状态", "Status"), L("责任单位", "Owner unit")],
                   [[i.id, vocab.label("assessment_area", i.area), short(_text(i), 36),
                     "✓" if i.blocking else "", vocab.label("checklist_status", i.status),
                     i.owner_unit or "-"] for i in attested])


@checklist.command("seed")
@line_option
@json_option
def checklist_seed(line: str | None, as_json: bool) -> None:
    """Add the catalogue's items the line does not have yet (a store made before they shipped)."""
    from readiness.checklist import seed_items

    with open_store() as store:
        result: SeedResult = seed_items(store, line, actor=acting())
    if as_json:
        return emit_json(result)
    click.echo(t("checklist.seeded", line=result.line, count=len(result.added)))
    if result.added:
        click.echo(t("checklist.seeded_ids", ids=", ".join(result.added)))


@checklist.command("show")
@click.argument("item_id")
@line_option
@json_option
def checklist_show(item_id: str, line: str | None, as_json: bool) -> None:
    """One safety point with its evidence and verification."""
    from readiness.checklist import show_item

    with open_store() as store:
        item = show_item(store, line, item_id)
    if as_json:
        return emit_json(item)
    _print_checklist_item(item)


@checklist.command("set")
@click.argument("item_id")
@line_option
@click.option("--status", help="open, in-progress, done, verified, not-applicable.")
@click.option("--owner-unit", help="Owner unit ID or name.")
@click.option("--owner", help="Owner staff ID or name.")
@click.option("--due", metavar="YYYY-MM-DD", help="Due date.")
@click.option("--evidence", "evidence_ref", help="A reference: document number, record ID …")
@click.option("--evidence-file", "evidence_path", type=click.Path(dir_okay=False),
              help="A file: its name and SHA-256 are recorded.")
@click.option("--reason", "na_reason", help="Why it is not applicable.")
@click.option("--note", help="A remark kept with the point.")
@json_option
def checklist_set(item_id: str, line: str | None, due: str | None, as_json: bool,
                  **changes: Any) -> None:
    """Change a safety point's owner, due date, status, evidence or note."""
    from readiness.checklist import set_item

    with open_store() as store:
        item = set_item(store, line, item_id, due=parse_date("--due", due), **changes,
                        actor=acting())
    if as_json:
        return emit_json(item)
    _print_checklist_item(item)


@checklist.command("verify")
@click.argument("item_id")
@line_option
@click.option("--verifier", required=True, help="Staff ID of the verifier: not the owner.")
@on_option("Date verified (default today).")
@json_option
def checklist_verify(item_id: str, line: str | None, verifier: str, on: dt.date | None,
                     as_json: bool) -> None:
    """Verify a safety point (it needs evidence, and a verifier other than its owner)."""
    from readiness.checklist import verify_item

    with open_store() as store:
        item = verify_item(store, line, item_id, verifier, on, actor=acting())
    if as_json:
        return emit_json(item)
    _print_checklist_item(item)


@checklist.command("add")
@line_option
@click.option("--id", "item_id", help="Its ID (default: the next CL-X-NN).")
@click.option("--phase", required=True, help="The phase it belongs to, e.g. handover, opening.")
@click.option("--aspect", required=True, help="The aspect it belongs to, e.g. 运营中的安全.")
@click.option("--text", required=True, help="What must be done or shown.")
@click.option("--not-blocking", is_flag=True, help="May close during initial operation.")
@json_option
def checklist_add(line: str | None, item_id: str | None, phase: str, aspect: str, text: str,
                  not_blocking: bool, as_json: bool) -> None:
    """Add the line's own safety point."""
    from readiness.checklist import add_item

    with open_store() as store:
        item = add_item(store, line, phase=phase, aspect=aspect, text=text, item_id=item_id,
                        blocking=not not_blocking, actor=acting())
    if as_json:
        return emit_json(item)
    _print_checklist_item(item)


@checklist.command("drop")
@click.argument("item_id")
@line_option
@click.option("--reason", required=True, help="Why it does not apply to this line (recorded).")
def checklist_drop(item_id: str, line: str | None, reason: str) -> None:
    """Drop a safety point from the line's list (kept, with the reason)."""
    from readiness.checklist import drop_item

    with open_store() as store:
        drop_item(store, line, item_id, reason, actor=acting())
    click.echo(t("checklist.dropped", id=item_id))


@group(invoke_without_command=True)
@line_option
@json_option
@click.pass_context
def phase(ctx: click.Context, line: str | None, as_json: bool) -> None:
    """The line's phase and what stands between it and the next (advance with `phase advance`)."""
    if ctx.invoked_subcommand is not None:
        return
    from readiness.checklist import phase_status

    with open_store() as store:
        status = phase_status(store, line)
    _print_phase(status, as_json)


def _print_phase(status: PhaseStatus, as_json: bool) -> None:
    from readiness import vocab

    if as_json:
        return emit_json(status)
    click.echo(f"{L('当前阶段', 'Phase')}: {vocab.label('phase', status.phase)}"
               f"  →  {vocab.label('phase', status.next) if status.next else '-'}")
    for item in status.blocking_open:
        click.echo(f"  ✗ {item.id} {short(_text(item), 50)} "
                   f"({vocab.label('checklist_status', item.status)})")
    for change in status.overrides:
        click.echo(t("phase.override_shown", from_phase=vocab.label("phase", change.from_phase),
                     to_phase=vocab.label("phase", change.to_phase), user=change.username,
                     at=iso(change.at), reason=change.reason))


@phase.command("advance")
@line_option
@click.option("--override", is_flag=True, help="Advance although blocking items are open.")
@click.option("--reason", help="Required with --override; recorded and shown in every report.")
@json_option
def phase_advance(line: str | None, override: bool, reason: str | None, as_json: bool) -> None:
    """Move the line to its next phase once every blocking item of this phase is verified."""
    from readiness.checklist import advance_phase

    with open_store() as store:
        status = advance_phase(store, line, override=override, reason=reason, actor=acting())
    _print_phase(status, as_json)


COMMANDS = [checklist, phase]
