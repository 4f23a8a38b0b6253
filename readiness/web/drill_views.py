"""Read views of a line's pre-opening drills (`readiness drill`): the ranked catalogue with the
must-do selection and the coverage, the plan as a calendar (the saved one, whose drills a
commander may move, or one planned on the spot; and its workbook or calendar file), the
recorded runs with the drafts of runs being recorded, and one run with every evaluator's
rating of each task."""

from __future__ import annotations

import calendar
import datetime as dt
import tempfile
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, line_view

PLAN_FILES = ("xlsx", "ics")  # what `drill plan -o FILE` writes


def routes() -> list[Route]:
    return [Route("/lines/{line}/drills", drill_catalogue, name="drills"),
            Route("/lines/{line}/drills/plan", drill_plan, name="drill_plan"),
            Route("/lines/{line}/drills/plan.{fmt}", drill_plan_file, name="drill_plan_file"),
            Route("/lines/{line}/drills/runs", drill_runs, name="drill_runs"),
            Route("/lines/{line}/drills/runs/{run_id}", drill_run, name="drill_run")]


@line_view()
def drill_catalogue(request: Request, web: Web, visit: Visit) -> Response:
    """`drill catalogue` (applicable scenarios, ranked, must-do marked) and `drill coverage`."""
    from drills.catalogue import list_catalogue
    from drills.coverage import coverage
    from readiness import sources
    from readiness.i18n import t

    lang = web.lang(request)
    data = web.cached(coverage, visit.line)
    return web.page(request, visit, "drills.html", cite=sources.cite,
                    scenarios=[s for s in web.cached(list_catalogue, visit.line, lang)
                               if s.applicable],
                    coverage=data, summary=t("drill.coverage_summary", lang,
                                             **asdict(data.summary)))


def _plan_options(request: Request, lang: str) -> dict[str, Any]:
    """`drill plan`'s options from `?start=&end=&cap=&final_weeks=` (blank: the default)."""
    from readiness.errors import InvalidValue
    from readiness.i18n import t
    from readiness.web.org_views import query_date

    options: dict[str, Any] = {"start": query_date(request, "start"),
                               "end": query_date(request, "end")}
    for name in ("cap", "final_weeks"):
        value = (request.query_params.get(name) or "").strip()
        try:
            options[name] = int(value) if value else None
        except ValueError:
            raise InvalidValue("hazard.bad_field", field=name,
                               reason=t("cell.not_whole", lang, value=value)) from None
    return options


def _months(planned: list[Any], first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """The plan as month grids, weeks Monday to Sunday; a day outside the month is None, a day
    outside the plan's window is marked so."""
    by_day: dict[dt.date, list[Any]] = defaultdict(list)
    for p in planned:
        by_day[p.date].append(p)
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        weeks = [[{"date": d, "drills": by_day.get(d, []), "inside": first <= d <= last}
                  if d.month == month else None for d in week]
                 for week in calendar.Calendar().monthdatescalendar(year, month)]
        months.append({"year": year, "month": month, "weeks": weeks})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


PLAN_OPTIONS = ("start", "end", "cap", "final_weeks")


def _plan_context(request: Request, visit: Visit) -> dict[str, Any]:
    from readiness.accounts import allowed

    shown = {k: request.query_params.get(k, "") for k in PLAN_OPTIONS}
    return {"filters": shown, "keep": {k: v for k, v in shown.items() if v},
            "may_export": allowed(visit.account, "export", visit.line)}


def saved_plan_page(request: Request, web: Web, visit: Visit, status: int = 200,
                    error: str | None = None, moving: dict[str, Any] | None = None) -> Response:
    """The line's saved plan (`drill plan --save`) as a calendar and a list, each drill with
    its move form for a drill commander; `moving`: what a refused move form held."""
    from drills.moves import saved_plan
    from drills.plan import TIMETABLE

    saved = web.cached(saved_plan, visit.line)
    drilled = [p for p in saved.planned if p.scenario != TIMETABLE]
    moved = request.query_params.get("moved", "")
    return web.page(request, visit, "drill_plan.html", status=status, plan=None, saved=saved,
                    has_saved=bool(saved.planned),
                    error=error, drills=drilled, timetable=TIMETABLE, moving=moving or {},
                    moved=next((p for p in drilled if str(p.id) == moved), None),
                    months=_months(saved.planned, saved.first_day, saved.last_day)
                    if saved.planned else [], **_plan_context(request, visit))


@line_view()
def drill_plan(request: Request, web: Web, visit: Visit) -> Response:
    """The saved plan with its move forms when the line has one and no planning option is
    given; else `drill plan` (never saved from here) as a month-by-month calendar and a list."""
    from drills.moves import saved_plan
    from drills.plan import TIMETABLE, plan_line
    from readiness.errors import ReadinessError
    from readiness.i18n import t

    lang = web.lang(request)
    context = _plan_context(request, visit)
    has_saved = bool(web.cached(saved_plan, visit.line).planned)
    if has_saved and not context["keep"] and not request.query_params.get("try"):
        return saved_plan_page(request, web, visit)
    context.update(has_saved=has_saved, saved=None, moving={}, moved=None)
    try:
        options = _plan_options(request, lang)
        result = web.cached(plan_line, visit.line, options.pop("start"), options.pop("end"),
                            **options)
    except ReadinessError as problem:
        return web.page(request, visit, "drill_plan.html", status=400, plan=None,
                        error=web.message(request, problem), **context)
    drilled = [p for p in result.planned if p.scenario != TIMETABLE]
    return web.page(request, visit, "drill_plan.html", plan=result, error=None, drills=drilled,
                    months=_months(result.planned, result.first_day, result.last_day),
                    timetable=TIMETABLE,
                    summary=t("drill.plan_summary", lang, planned=len(drilled),
                              daily=len(result.planned) - len(drilled),
                              unplaced=len(result.unplaced)), **context)


@line_view("export")
def drill_plan_file(request: Request, web: Web, visit: Visit) -> Response:
    """`plan.xlsx` or `plan.ics`: what `drill plan -o FILE` writes, with the page's options."""
    from drills.plan import plan_line
    from readiness.errors import ReadinessError
    from readiness.web.record_views import _download, _remove

    fmt = request.path_params["fmt"]
    if fmt not in PLAN_FILES:
        return Response("no such file", status_code=404)
    lang = web.lang(request)
    folder = Path(tempfile.mkdtemp(prefix="readiness-web-"))
    out = folder / f"plan.{fmt}"
    try:
        options = _plan_options(request, lang)
        plan_line(web.store, visit.line, options.pop("start"), options.pop("end"), **options,
                  output=str(out), lang=lang)
    except ReadinessError as problem:
        _remove(folder)
        return web.refusal(request, problem, 400)
    return _download(out, f"{visit.line}-drill-plan.{fmt}", folder)


@line_view()
def drill_runs(request: Request, web: Web, visit: Visit) -> Response:
    """`drill runs`: every run, oldest first, with its outcome and marks."""
    from drills.runs import list_drafts, run_outcomes

    return web.page(request, visit, "drill_runs.html", runs=web.cached(run_outcomes, visit.line),
                    drafts=web.cached(list_drafts, visit.line))


@line_view()
def drill_run(request: Request, web: Web, visit: Visit) -> Response:
    """`drill show`: one run, each task with every evaluator's rating (a column each)."""
    from drills.catalogue import list_catalogue
    from drills.runs import run_outcome
    from readiness.errors import NotFound

    try:
        run = web.cached(run_outcome, visit.line, request.path_params["run_id"])
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    # the run's named evaluators first, then anyone else who rated a task ("" for no name)
    evaluators = list(dict.fromkeys([*run.evaluators, *(r.evaluator or "" for k in run.tasks
                                                        for r in k.ratings)]))
    grid = [{"task": k, "by": {r.evaluator or "": r for r in k.ratings}} for k in run.tasks]
    names = {k.id: k.name for s in web.cached(list_catalogue, visit.line, web.lang(request))
             if s.id == run.scenario for k in s.critical_tasks}
    return web.page(request, visit, "drill_run.html", run=run, evaluators=evaluators, grid=grid,
                    task_names=names)
