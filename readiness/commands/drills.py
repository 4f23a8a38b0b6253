"""`drill`: the pre-opening drills (试运营演练)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from readiness.commands.options import (acting, emit_json, group, json_option, L, line_option,
                                        on_option, open_store, output_option, parse_date,
                                        show_table)
from readiness.dates import iso
from readiness.i18n import get_lang, t

if TYPE_CHECKING:
    from drills.runs import Run, TaskResult


@group()
def drill() -> None:
    """Pre-opening drills: catalogue, must-do, plan, runs, coverage."""


@drill.command("catalogue")
@line_option
@json_option
def drill_catalogue(line: str | None, as_json: bool) -> None:
    """The line's drill scenarios, ranked, with the must-do selection."""
    from drills.catalogue import list_catalogue
    from readiness import vocab

    with open_store() as store:
        scenarios = list_catalogue(store, line, get_lang())
    if as_json:
        return emit_json(scenarios)
    show_table([L("编号", "ID"), L("名称", "Name"), L("类别", "Category"), L("层级", "Tier"),
                L("重要×概率", "I×L"), L("必做", "Must-do"), L("依据", "Basis")],
               [[s.id, s.name, vocab.label("drill_category", s.category),
                 vocab.label("drill_tier", s.tier), s.importance * s.likelihood,
                 (L("✓ 法规要求", "✓ regulation") if s.must_do_reason == "regulation" else "✓")
                 if s.must_do else "",
                 "; ".join(_short_basis(b) for b in s.basis)]
                for s in scenarios if s.applicable])


def _short_basis(entry: dict[str, Any]) -> str:
    """A basis entry as a table cell: the document number and article, or what the rule is
    (operator policy, practice) in the language in use."""
    from readiness import vocab

    if entry["kind"] in ("operator-policy", "practice", "toolkit-control"):
        return vocab.label("basis_kind", entry["kind"])
    return f"{entry['document']} {entry['article']}".strip()


@drill.command("seed")
@line_option
@json_option
def drill_seed(line: str | None, as_json: bool) -> None:
    """Add the default catalogue's scenarios the line does not have yet (a store made before they shipped)."""
    from drills.catalogue import seed_scenarios

    with open_store() as store:
        result = seed_scenarios(store, line, actor=acting())
    if as_json:
        return emit_json(result)
    click.echo(t("drill.seeded", line=result.line, count=len(result.added)))
    if result.added:
        click.echo(t("checklist.seeded_ids", ids=", ".join(result.added)))


@drill.command("pin")
@click.argument("scenario")
@line_option
@click.option("--unpin", is_flag=True, help="Take it out of the must-do list instead.")
@click.option("--clear", is_flag=True, help="Let the ranking decide again.")
def drill_pin(scenario: str, line: str | None, unpin: bool, clear: bool) -> None:
    """Pin a scenario as must-do (or --unpin it, or --clear the choice)."""
    from drills.catalogue import pin

    with open_store() as store:
        pin(store, line, scenario, None if clear else not unpin, actor=acting())
    click.echo(t("drill.pinned", id=scenario))


@drill.command("plan")
@line_option
@click.option("--from", "start", metavar="YYYY-MM-DD",
              help="Default: the later of today and the handover date.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Default: the day before opening.")
@click.option("--cap", type=click.IntRange(min=1), help="Most drills on one day (default 3).")
@click.option("--final-weeks", type=click.IntRange(min=0),
              help="Weeks of daily timetable drills (default 6).")
@click.option("--save", is_flag=True, help="Keep this as the line's plan (shown in reports).")
@output_option("Also write FILE.xlsx or FILE.ics (calendar).")
@json_option
def drill_plan(line: str | None, start: str | None, end: str | None, cap: int | None,
               final_weeks: int | None, save: bool, output: str | None, as_json: bool) -> None:
    """Lay the drills out on a calendar from today (or handover) to opening."""
    from drills.plan import plan_line
    from readiness import vocab

    with open_store() as store:
        result = plan_line(store, line, parse_date("--from", start), parse_date("--to", end),
                           cap=cap, final_weeks=final_weeks, save=save, output=output,
                           lang=get_lang(), actor=acting())
    if as_json:
        return emit_json(result)
    start_key = {"option": "drill.plan_from_option", "handover": "drill.plan_from_handover",
                 "today": "drill.plan_from_today" if result.handover
                 else "drill.plan_from_today_only"}[result.start_from]
    click.echo(t(start_key, start=iso(result.first_day), handover=iso(result.handover)))
    show_table([L("日期", "Date"), L("科目", "Scenario"), L("名称", "Name"), L("地点", "Location"),
                L("必做", "Must-do")],
               [[iso(p.date), p.scenario, p.name_zh if get_lang() == "zh" else p.name_en,
                 p.location or "", "✓" if p.must_do else ""]
                for p in result.planned if p.scenario != "OP-TIMETABLE"])
    daily = sum(1 for p in result.planned if p.scenario == "OP-TIMETABLE")
    click.echo(t("drill.plan_summary", planned=len(result.planned) - daily, daily=daily,
                 unplaced=len(result.unplaced)))
    for u in result.unplaced:
        click.echo(t("drill.unplaced", id=u.scenario,
                     reason=vocab.label("plan_reason", u.reason)), err=True)
    for n in result.needs_units:
        click.echo(t("drill.needs_unit", id=n.scenario, units=" / ".join(n.units)), err=True)


@drill.command("move")
@click.argument("planned")
@line_option
@click.option("--to", "to", required=True, metavar="YYYY-MM-DD",
              help="The new day of the planned drill.")
@click.option("--location", help="The new place, a location ID (default: where it is).")
@json_option
def drill_move(planned: str, line: str | None, to: str, location: str | None,
               as_json: bool) -> None:
    """Move one drill of the saved plan to another day (and place), by the planner's rules.

    PLANNED is the scenario ID (or SCENARIO@YYYY-MM-DD). The move is refused naming the rule
    it breaks: the drill window, the day's cap, the place or the units already taken."""
    from drills.moves import move_planned_drill

    on = parse_date("--to", to)
    assert on is not None
    with open_store() as store:
        result = move_planned_drill(store, line, planned, to=on, location=location,
                                    actor=acting())
    if as_json:
        return emit_json(result)
    click.echo(t("drill.moved", id=result.scenario, from_date=iso(result.from_date),
                 date=iso(result.date), location=result.location or "-"))


@drill.command("record")
@click.argument("run_id")
@line_option
@click.option("--scenario", required=True, help="The drill scenario ID, e.g. EM-STATION-FIRE.")
@on_option("The day the drill was run.", required=True)
@click.option("--location", help="Location ID, or a name unique on the line.")
@click.option("--form", default="live", show_default=True, help="live or tabletop.")
@click.option("--commander", help="The drill commander.")
@click.option("--evaluator", "evaluators", multiple=True, help="An evaluator of the run (repeatable).")
@click.option("--unit", "units", multiple=True, help="Participating unit (repeatable).")
@click.option("--task", "tasks", multiple=True,
              help="TASK-ID=RATING[/MINUTES][@EVALUATOR], e.g. EM-STATION-FIRE-T1=P/1.5@陈静 "
                   "(repeatable; several evaluators may rate one task, the worst rating decides).")
@click.option("--allow-outside", is_flag=True,
              help="Record a run dated before handover or after opening on purpose (marked so).")
@click.option("--note", "notes", help="A remark kept with the run.")
@json_option
def drill_record(run_id: str, line: str | None, scenario: str, on: dt.date, location: str | None,
                 form: str, commander: str | None, evaluators: tuple[str, ...],
                 units: tuple[str, ...], tasks: tuple[str, ...], allow_outside: bool,
                 notes: str | None, as_json: bool) -> None:
    """Record how a drill run went, task by task (M, U and missed times become PDCA items)."""
    from drills.runs import record_run
    from readiness import vocab

    with open_store() as store:
        result = record_run(store, line, run_id, scenario=scenario, on=on, location=location,
                            form=form, commander=commander, evaluators=evaluators, units=units,
                            tasks=tasks, notes=notes, allow_outside=allow_outside,
                            actor=acting())
    if as_json:
        return emit_json(result)
    click.echo(t("drill.recorded", id=run_id, outcome=vocab.label("drill_outcome",
                                                                   result.outcome),
                 opened=result.pdca_opened))
    _print_run_marks(result)


def _ratings_text(task: TaskResult) -> str:
    """"陈静 S, 刘洋 U/4" — each evaluator's rating (and minutes) of one task."""
    return ", ".join(f"{r.evaluator or '-'} {r.rating}"
                     + (f"/{r.minutes:g}" if r.minutes is not None else "")
                     for r in task.ratings)


def _print_run_marks(run: Run, prefix: str = "") -> None:
    """The lines a run carries beyond its table row: void, outside the window, conflicts."""
    if run.void:
        click.echo(prefix + t("drill.void_note", reason=run.void_reason, by=run.voided_by,
                              at=(iso(run.voided_at) or "")[:10]))
    if run.outside_window:
        click.echo(prefix + t("drill.outside_note"))
    for task in run.tasks:
        if task.conflict:
            click.echo(prefix + t("drill.conflict", task=task.task, ratings=_ratings_text(task)))


@drill.command("runs")
@line_option
@json_option
def drill_runs(line: str | None, as_json: bool) -> None:
    """Recorded runs with their outcome, voided runs and evaluator conflicts marked."""
    from drills.runs import run_outcomes
    from readiness import vocab

    with open_store() as store:
        runs = run_outcomes(store, line)
    if as_json:
        return emit_json(runs)
    show_table([L("演练编号", "Run"), L("科目", "Scenario"), L("日期", "Date"),
                L("地点", "Location"), L("结果", "Outcome"), L("问题", "Findings"),
                L("评级分歧", "Conflicts")],
               [[r.id, r.scenario, iso(r.date), r.location or "",
                 vocab.label("drill_outcome", r.outcome), len(r.problems),
                 len(r.conflicts) or ""] for r in runs])
    for r in runs:
        _print_run_marks(r, prefix=f"{r.id}  ")


@drill.command("show")
@click.argument("run_id")
@line_option
@json_option
def drill_show(run_id: str, line: str | None, as_json: bool) -> None:
    """One run: its outcome and every evaluator's rating of each task."""
    from drills.runs import run_outcome
    from readiness import vocab

    with open_store() as store:
        run = run_outcome(store, line, run_id)
    if as_json:
        return emit_json(run)
    click.echo(f"{run.id}  {run.scenario}  {iso(run.date)}  {run.location or '-'}  "
               f"{vocab.label('drill_form', run.form)}  "
               f"{vocab.label('drill_outcome', run.outcome)}")
    click.echo(f"  {L('总指挥', 'Commander')}: {run.commander or '-'}   "
               f"{L('评估人', 'Evaluators')}: {', '.join(run.evaluators) or '-'}   "
               f"{L('参演单位', 'Units')}: {', '.join(run.units) or '-'}")
    _print_run_marks(run, prefix="  ")
    show_table([L("关键任务", "Task"), L("评级", "Rating"), L("用时", "Minutes"),
                L("各评估人", "By evaluator"), L("分歧", "Conflict")],
               [[k.task, k.rating, "" if k.minutes is None else f"{k.minutes:g}",
                 _ratings_text(k), "!" if k.conflict else ""] for k in run.tasks]
               + [[task_id, "-", "", "", ""] for task_id in run.unrated])


@drill.command("void")
@click.argument("run_id")
@line_option
@click.option("--reason", required=True, help="Why the run is void (kept in the audit trail).")
@json_option
def drill_void(run_id: str, line: str | None, reason: str, as_json: bool) -> None:
    """Void a mistaken run: it stays on record, marked void, and stops counting."""
    from drills.runs import void_run

    with open_store() as store:
        result = void_run(store, line, run_id, reason, actor=acting())
    if as_json:
        return emit_json(result)
    click.echo(t("drill.voided", id=run_id, reason=result.void_reason))


@drill.command("coverage")
@line_option
@json_option
def drill_coverage(line: str | None, as_json: bool) -> None:
    """Per scenario, category, plan tier and major hazard: drilled since handover, and passed?"""
    from drills.coverage import coverage
    from readiness import vocab

    with open_store() as store:
        data = coverage(store, line)
    if as_json:
        return emit_json(data)
    show_table([L("科目", "Scenario"), L("名称", "Name"), L("必做", "Must-do"),
                L("最近一次", "Latest run"), L("结果", "Outcome")],
               [[s.id, s.name_zh if get_lang() == "zh" else s.name_en,
                 "✓" if s.must_do else "", iso(s.latest_date) or "-",
                 vocab.label("drill_outcome", s.outcome) if s.outcome else "-"]
                for s in data.scenarios])
    click.echo(t("drill.coverage_summary", **asdict(data.summary)))


COMMANDS = [drill]
