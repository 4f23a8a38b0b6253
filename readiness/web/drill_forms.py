"""A drill commander's forms: recording a run on a tablet and moving a drill of the saved plan.

Recording: the scenario, date, place, commander and evaluators, then each critical task rated
P/S/M/U (with minutes) by each evaluator — the same library call as `readiness drill record`,
whose refusals are shown in one line. Recording the same run again adds or corrects ratings, so
a run can be recorded as the drill goes on. "Save draft" keeps the form as typed under its run
ID (counted nowhere) to be reopened with `?draft=RUN_ID` and submitted later; a submitted draft
is gone in the same write as the run, a refused one stays.

Timing: beside each critical task a Start and then a Stop button (`timer=start:TASK`,
`stop:TASK`) saves the form as a draft with that task's timer, on the server's clock (no
script on the page); Stop writes the whole minutes into the task's minute fields still blank.

Moving: one drill of the saved plan to another day (and place), the same call as
`readiness drill move`, refused naming the planner's rule it breaks."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, line_view, posted

EVALUATORS = 3  # columns of ratings on the form
NOT_CONTENT = ("csrf", "intent", "timer", "draft_code", "draft_version")  # the form's own fields


def timer_clock() -> dt.datetime:
    """Now, for a task's timer: the server's clock (UTC), as the store's own times are."""
    return Web.now()


def routes() -> list[Route]:
    return [Route("/lines/{line}/drills/record", record_form, methods=["GET"],
                  name="drill_record_form"),
            Route("/lines/{line}/drills/record", record, methods=["POST"], name="drill_record"),
            Route("/lines/{line}/drills/plan/{planned:int}/move", move, methods=["POST"],
                  name="drill_plan_move")]


def _page(request: Request, web: Web, visit: Visit, values: dict[str, Any], status: int = 200,
          error: str | None = None, draft: dict[str, Any] | None = None,
          timers: dict[str, Any] | None = None) -> Response:
    from drills.catalogue import list_catalogue
    from readiness.lines import list_locations

    lang = web.lang(request)
    catalogue = [s for s in web.cached(list_catalogue, visit.line, lang) if s.applicable]
    chosen = next((s for s in catalogue if s.id == values.get("scenario")), None)
    return web.page(request, visit, "drill_record.html", status=status, catalogue=catalogue,
                    scenario=chosen, locations=web.cached(list_locations, visit.line),
                    values=values, evaluators=range(EVALUATORS), error=error,
                    ratings=("P", "S", "M", "U"), timers=timers or {},
                    draft=draft or {"code": "", "version": 0, "saved_by": None, "saved_at": None})


@line_view("drill-edit")
def record_form(request: Request, web: Web, visit: Visit) -> Response:
    """The form: empty (today, the scenario chosen), or a draft as it was saved (`?draft=`)."""
    from drills.runs import load_draft
    from readiness.errors import NotFound

    code = request.query_params.get("draft")
    if code:
        try:
            found = load_draft(web.store, visit.line, code)
        except NotFound as problem:
            return _page(request, web, visit, {"scenario": ""}, 404, web.message(request, problem))
        return _page(request, web, visit, dict(found.content), draft={
            "code": found.id, "version": found.version, "saved_by": found.saved_by,
            "saved_at": found.saved_at}, timers=found.timers)
    values = {"scenario": request.query_params.get("scenario") or "",
              "on": dt.date.today().isoformat()}
    return _page(request, web, visit, values)


def tasks_of(form: Any, evaluators: list[str]) -> list[str]:
    """`drill record --task` values from the form's rating grid: TASK=RATING[/MIN]@EVALUATOR."""
    from drills.timers import minutes_field

    out = []
    for key in form.keys():
        if not key.startswith("r__"):
            continue
        _, task, column = key.split("__")
        rating = str(form.get(key) or "")
        if not rating or int(column) >= len(evaluators) or not evaluators[int(column)]:
            continue
        minutes = str(form.get(minutes_field(task, int(column))) or "").strip()
        out.append(f"{task}={rating}{'/' + minutes if minutes else ''}@{evaluators[int(column)]}")
    return out


def _whole(text: Any) -> int:
    """A version the form carries; anything else is no version (0: a new draft)."""
    value = str(text or "").strip()
    return int(value) if value.isdigit() else 0


def _kept_timers(web: Web, visit: Visit, code: str) -> dict[str, Any]:
    """The timers of the draft a refused form stands on, to show it as it still is."""
    from drills.runs import load_draft
    from readiness.errors import NotFound

    if not code:
        return {}
    try:
        return load_draft(web.store, visit.line, code).timers
    except NotFound:
        return {}


@posted("drill-edit")
async def record(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    """Submit the run (`intent=submit`, the default), save it as a draft (`intent=draft`) or
    save it as a draft starting or stopping a task's timer (`timer=start:TASK`, `stop:TASK`)."""
    from drills.runs import press_timer, record_run, save_draft
    from readiness.accounts import acting_as
    from readiness.errors import ReadinessError

    values = {k: str(v) for k, v in form.multi_items() if k not in NOT_CONTENT}
    run_id = values.get("run_id", "").strip()
    opened = {"code": str(form.get("draft_code") or ""),
              "version": _whole(form.get("draft_version")), "saved_by": None, "saved_at": None}
    # the version seen is the draft's the form was opened on; a run ID typed anew has none
    seen = opened["version"] if opened["code"] and run_id == opened["code"] else 0
    actor = acting_as(visit.account, "web")
    action, _, task = str(form.get("timer") or "").partition(":")
    if action or form.get("intent") == "draft":
        def save() -> Any:
            if action:
                return press_timer(web.store, visit.line, run_id, values, action=action,
                                   task=task, now=timer_clock(), rows=EVALUATORS, actor=actor,
                                   seen=seen)
            return save_draft(web.store, visit.line, run_id, values, actor=actor, seen=seen)

        try:
            draft = await run_in_threadpool(save)
        except ReadinessError as problem:
            return await _refused(request, web, visit, values, web.message(request, problem),
                                  opened, run_id)
        url = request.url_for("drill_record_form", line=visit.line).include_query_params(
            draft=draft.id)
        return RedirectResponse(f"{url}#{quote(task, safe='')}" if action else str(url),
                                status_code=303)
    evaluators = [str(form.get(f"evaluator_{i}") or "").strip() for i in range(EVALUATORS)]
    try:
        on = dt.date.fromisoformat(values.get("on") or "")
        run = await run_in_threadpool(lambda: record_run(
            web.store, visit.line, run_id,
            scenario=values.get("scenario", ""), on=on,
            location=values.get("location") or None, commander=values.get("commander") or None,
            evaluators=[e for e in evaluators if e], units=[u.strip() for u in
                                                             values.get("units", "").split(",")
                                                             if u.strip()],
            tasks=tasks_of(form, evaluators), notes=values.get("notes") or None,
            actor=actor, draft_seen=seen))
    except (ReadinessError, ValueError) as problem:
        message = (web.message(request, problem) if isinstance(problem, ReadinessError)
                   else f"{values.get('on') or '-'}: YYYY-MM-DD")
        return await _refused(request, web, visit, values, message, opened, run_id)
    return RedirectResponse(request.url_for("drill_run", line=visit.line, run_id=run.id),
                            status_code=303)


async def _refused(request: Request, web: Web, visit: Visit, values: dict[str, Any],
                   message: str, opened: dict[str, Any], run_id: str) -> Response:
    """The form again, as typed, with the refusal in one line (and its draft's timers)."""
    def page() -> Response:
        timers = _kept_timers(web, visit, opened["code"]) if run_id == opened["code"] else {}
        return _page(request, web, visit, values, 400, message, opened, timers)

    return await run_in_threadpool(page)


@posted("drill-edit")
async def move(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    """Move one drill of the saved plan (`drill move`): to the form's day and place, at the
    version the plan page showed; a refusal is shown on the plan page in one line."""
    from drills.moves import move_planned_drill
    from readiness.accounts import acting_as
    from readiness.errors import InvalidValue, ReadinessError
    from readiness.web.drill_views import saved_plan_page

    planned = request.path_params["planned"]
    typed = {"id": planned, "to": str(form.get("to") or ""),
             "location": str(form.get("location") or ""), "seen": str(form.get("seen") or "")}
    try:
        try:
            to = dt.date.fromisoformat(typed["to"].strip())
        except ValueError:
            raise InvalidValue("option.bad_date", option="to", value=typed["to"]) from None
        await run_in_threadpool(lambda: move_planned_drill(
            web.store, visit.line, planned, to=to, location=typed["location"] or None,
            actor=acting_as(visit.account, "web"), seen=_whole(typed["seen"])))
    except ReadinessError as problem:
        return await run_in_threadpool(saved_plan_page, request, web, visit, 400,
                                       web.message(request, problem), typed)
    url = request.url_for("drill_plan", line=visit.line).include_query_params(moved=planned)
    return RedirectResponse(f"{url}#p{planned}", status_code=303)
