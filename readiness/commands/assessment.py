"""`assess`, `signoff`, `profile` and `report`: the readiness assessment, sign-off, reports."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from readiness.commands.options import (acting, as_of_option, command, emit_json, force_option,
                                        group, json_option, L, line_option, open_store,
                                        output_option, show_table, signing_account,
                                        signing_options, acting_for)
from readiness.dates import iso
from readiness.i18n import get_lang, t

if TYPE_CHECKING:
    from readiness.assessment.results import Assessment, Changes, LineAssessment, Signature


@group(invoke_without_command=True)
@line_option
@as_of_option("Assess as of this date (default today).")
@click.option("--profile", help="Criteria profile (default: the line's).")
@click.option("--strict", is_flag=True, help="Exit 3 unless the verdict is ready.")
@click.option("--dry-run", is_flag=True, help="Do not store a snapshot.")
@click.option("--all-lines", is_flag=True,
              help="Assess every line in the store (a network), one snapshot each.")
@json_option
@click.pass_context
def assess(ctx: click.Context, line: str | None, as_of: dt.date | None, profile: str | None,
           strict: bool, dry_run: bool, all_lines: bool, as_json: bool) -> None:
    """Assess the line for opening: every criterion, the evidence, and the verdict."""
    if ctx.invoked_subcommand is not None:
        return
    from readiness.assessment.assess import assess as run_assessment, assess_network
    from readiness.errors import ConflictingOptions

    options = {"as_of": as_of, "profile": profile,
               "actor": acting(), "lang": get_lang(), "save": not dry_run}
    if all_lines:
        with open_store() as store:
            try:
                results = assess_network(store, line=line, **options)
            except ConflictingOptions as err:  # as click says it of its own option rules
                raise click.UsageError(err.message()) from None
        if as_json:
            emit_json(results)
        else:
            _print_network(results)
        if strict and any(r.verdict != "ready" for r in results):
            ctx.exit(3)
        return
    with open_store() as store:
        data = run_assessment(store, line, **options)
    if as_json:
        emit_json(data)
    else:
        _print_assessment(data)
    if strict and data.verdict != "ready":
        ctx.exit(3)


def _print_network(results: list[LineAssessment]) -> None:
    from readiness import vocab
    from readiness.assessment.profiles import superseded_notice

    show_table([L("线路", "Line"), L("结论", "Verdict"), L("阻断项", "Blocking"),
                L("条件项", "Conditions"), L("快照", "Snapshot"), L("标准", "Profile"),
                L("评估日", "As of")],
               [[r.line, vocab.label("verdict", r.verdict), len(r.blocking),
                 len(r.conditions), "-" if r.snapshot is None else r.snapshot, r.profile,
                 iso(r.as_of)]
                for r in results])
    for r in results:
        notice = superseded_notice(r.profile, r.superseded_by) if r.superseded else None
        if notice:
            click.echo(f"{r.line}: {notice}")


def _print_assessment(data: Assessment) -> None:
    from readiness import vocab
    from readiness.assessment.profiles import superseded_notice

    mark = {"pass": "✓", "fail": "✗", "not-applicable": "–"}
    notice = superseded_notice(data.profile, data.superseded_by) if data.superseded else None
    if notice:
        click.echo(notice)
    for chapter in vocab.codes("assessment_chapter"):  # the spec's chapters, in its order
        mine = [c for c in data.criteria if c.chapter == chapter]
        if not mine:
            continue
        scored = data.chapters.get(chapter)
        score = scored.score if scored else None
        click.echo(f"{vocab.label('assessment_chapter', chapter)}  "
                   f"{'' if score is None else f'{score:g}%'}")
        for c in mine:
            kind = L("阻断", "blocking") if c.blocking else L("条件", "condition")
            click.echo(f"  {mark[c.status]} {c.id:<20} [{kind}] {c.message}")
    click.echo(t("assess.summary", verdict=vocab.label("verdict", data.verdict),
                 snapshot="-" if data.snapshot is None else data.snapshot, profile=data.profile,
                 as_of=iso(data.as_of)))


@assess.command("history")
@line_option
@click.option("--diff", nargs=2, type=int, metavar="OLD NEW",
              help="What changed between two snapshots: criteria, verdict and inputs.")
@json_option
def assess_history(line: str | None, diff: tuple[int, int] | None, as_json: bool) -> None:
    """Snapshots over time, their sign-offs (stale when the inputs changed), and differences."""
    from readiness import vocab
    from readiness.assessment.assess import history

    with open_store() as store:
        data = history(store, line, diff or None)
    if as_json:
        return emit_json(data)
    if data.changes is not None:
        return _print_diff(data.changes)
    show_table([L("快照", "Snapshot"), L("评估日", "As of"), L("时间", "Taken"),
                L("标准", "Profile"), L("结论", "Verdict"), L("阻断", "Blocking"),
                L("条件", "Conditions"), L("签认", "Sign-offs")],
               [[s.id, iso(s.as_of), iso(s.taken_at), s.profile,
                 vocab.label("verdict", s.verdict),
                 s.blocking, s.conditions, len(s.signoffs) or "-"]
                for s in data.snapshots])
    for s in data.snapshots:
        for x in s.signoffs:
            click.echo(f"  #{s.id} {_signer(x)}: "
                       f"{vocab.label('signoff_decision', x.decision)}  {iso(x.at)}"
                       + (f"  {L('（已过时）', '(stale)')}" if x.stale else "")
                       + (f"  [{t('assess.override_shown', reason=x.override_reason)}]"
                          if x.override_reason else "")
                       + (f"  {x.note}" if x.note else ""))


def _signer(x: Signature) -> str:
    """A sign-off's person: name, staff ID and post (older sign-offs have no staff ID)."""
    return " ".join(str(v) for v in (x.name, x.staff_id, x.role) if v)


def _print_diff(changes: Changes) -> None:
    from readiness import vocab

    old, new = changes.from_, changes.to
    click.echo(t("assess.diff_head", old=old.id, new=new.id, old_as_of=iso(old.as_of),
                 new_as_of=iso(new.as_of)))
    click.echo(f"  {L('结论', 'Verdict')}: {vocab.label('verdict', old.verdict)}"
               + (f" → {vocab.label('verdict', new.verdict)}"
                  if new.verdict != old.verdict else f" {L('（未变）', '(unchanged)')}"))
    if old.profile != new.profile:
        click.echo(f"  {L('标准', 'Profile')}: {old.profile} → {new.profile}")
    same = old.inputs_hash == new.inputs_hash
    click.echo(f"  {L('输入数据', 'Inputs')}: "
               + (L("未变", "unchanged") if same else L("已变化", "changed"))
               + f" ({old.inputs_hash[:12]}" + ("" if same else f" → {new.inputs_hash[:12]}")
               + ")")
    if not changes.criteria:
        return click.echo("  " + t("assess.diff_none"))
    for c in changes.criteria:
        before = vocab.label("criterion_status", c.from_) if c.from_ else L("（无）", "(none)")
        after = vocab.label("criterion_status", c.to) if c.to else L("（无）", "(none)")
        click.echo(f"  {c.id}: {before}" + (f" → {after}" if c.from_ != c.to else ""))
        if c.message_from != c.message_to:
            click.echo(f"      {L('原', 'was')}: {c.message_from or '-'}")
            click.echo(f"      {L('现', 'now')}: {c.message_to or '-'}")
        else:
            click.echo(f"      {c.message_to}")


@command()
@click.argument("snapshot", type=int)
@click.option("--by", "by", metavar="STAFF_ID|NAME",
              help="Who signs: a staff ID, or a name no one else in the organisation has "
                   "(default: the --as account's person).")
@click.option("--decision", required=True, metavar="approve|reject",
              help="The decision: approve or reject (no default).")
@click.option("--override-reason",
              help="Required to approve a not-ready snapshot: why opening is approved anyway.")
@click.option("--note", help="A remark kept with the decision.")
@signing_options
@json_option
def signoff(snapshot: int, by: str | None, decision: str, override_reason: str | None,
            note: str | None, as_account: str | None, password_stdin: bool,
            as_json: bool) -> None:
    """Record a leader's decision on an assessment snapshot (signing again updates it)."""
    from readiness import vocab
    from readiness.assessment.assess import sign_off

    with open_store() as store:
        account = signing_account(store, as_account, password_stdin)
        signer = by or (account.staff_id if account else None)
        if signer is None:
            raise click.UsageError(t("account.by_or_as"))
        data = sign_off(store, snapshot, by=signer, decision=decision,
                        override_reason=override_reason, note=note,
                        actor=acting_for(account), account=account)
    if as_json:
        return emit_json(data)
    params = {"name": data.name, "staff_id": data.staff_id, "role": data.role or "-",
              "snapshot": snapshot, "decision": vocab.label("signoff_decision", data.decision),
              "stale": t("assess.stale") if data.stale else ""}
    if data.previous:
        click.echo(t("assess.signed_again",
                     previous=vocab.label("signoff_decision", data.previous), **params))
    else:
        click.echo(t("assess.signed", **params))
    if data.override_reason:
        click.echo("  " + t("assess.override_shown", reason=data.override_reason))


@group()
def profile() -> None:
    """Criteria profiles: the shipped editions and a line's own."""


@profile.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@line_option
def profile_add(file: str, line: str | None) -> None:
    """Add the line's own profile (a TOML file that `extends` a shipped one)."""
    from readiness.assessment.assess import add_profile_file

    with open_store() as store:
        added = add_profile_file(store, line, file, actor=acting())
    click.echo(t("profile.added", name=added.id))


# --- reports -----------------------------------------------------------------------------------------

@command()
@output_option("FILE.html or FILE.xlsx", required=True)
@line_option
@click.option("--snapshot", type=int, help="Snapshot ID (default: the latest; one is made if none).")
@click.option("--template-dir", type=click.Path(file_okay=False),
              help="Your own templates, searched before the built-in ones.")
@force_option()
def report(output: str, line: str | None, snapshot: int | None, template_dir: str | None,
           force: bool) -> None:
    """Write the readiness report for opening approval (HTML or Excel)."""
    from readiness.report import write_report

    with open_store() as store:
        path = write_report(store, line, output, snapshot=snapshot, lang=get_lang(),
                            template_dir=template_dir, actor=acting(), force=force)
    click.echo(t("report.written", path=path))


COMMANDS = [assess, signoff, profile, report]
