"""A drill commander records a run on a tablet: the scenario, date, place, commander and
evaluators, then each critical task rated P/S/M/U (with minutes) by each evaluator — the same
library call as `readiness drill record`, whose refusals are shown in one line. Recording the
same run again adds or corrects ratings, so a run can be recorded as the drill goes on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, line_view, posted

EVALUATORS = 3  # columns of ratings on the form


def routes() -> list[Route]:
    return [Route("/lines/{line}/drills/record", record_form, methods=["GET"],
                  name="drill_record_form"),
            Route("/lines/{line}/drills/record", record, methods=["POST"], name="drill_record")]


def _page(request: Request, web: Web, visit: Visit, values: dict[str, Any], status: int = 200,
          error: str | None = None) -> Response:
    from drills.catalogue import list_catalogue
    from readiness.lines import list_locations

    lang = web.lang(request)
    catalogue = [s for s in web.cached(list_catalogue, visit.line, lang) if s.applicable]
    chosen = next((s for s in catalogue if s.id == values.get("scenario")), None)
    return web.page(request, visit, "drill_record.html", status=status, catalogue=catalogue,
                    scenario=chosen, locations=web.cached(list_locations, visit.line),
                    values=values, evaluators=range(EVALUATORS), error=error,
                    ratings=("P", "S", "M", "U"))


@line_view("drill-edit")
def record_form(request: Request, web: Web, visit: Visit) -> Response:
    values = {"scenario": request.query_params.get("scenario") or "",
              "on": dt.date.today().isoformat()}
    return _page(request, web, visit, values)


def tasks_of(form: Any, evaluators: list[str]) -> list[str]:
    """`drill record --task` values from the form's rating grid: TASK=RATING[/MIN]@EVALUATOR."""
    out = []
    for key in form.keys():
        if not key.startswith("r__"):
            continue
        _, task, column = key.split("__")
        rating = str(form.get(key) or "")
        if not rating or int(column) >= len(evaluators) or not evaluators[int(column)]:
            continue
        minutes = str(form.get(f"m__{task}__{column}") or "").strip()
        out.append(f"{task}={rating}{'/' + minutes if minutes else ''}@{evaluators[int(column)]}")
    return out


@posted("drill-edit")
async def record(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    from drills.runs import record_run
    from readiness.accounts import acting_as
    from readiness.errors import ReadinessError

    values = {k: str(v) for k, v in form.multi_items() if k != "csrf"}
    evaluators = [str(form.get(f"evaluator_{i}") or "").strip() for i in range(EVALUATORS)]
    try:
        on = dt.date.fromisoformat(values.get("on") or "")
        run = await run_in_threadpool(lambda: record_run(
            web.store, visit.line, values.get("run_id", "").strip(),
            scenario=values.get("scenario", ""), on=on,
            location=values.get("location") or None, commander=values.get("commander") or None,
            evaluators=[e for e in evaluators if e], units=[u.strip() for u in
                                                             values.get("units", "").split(",")
                                                             if u.strip()],
            tasks=tasks_of(form, evaluators), notes=values.get("notes") or None,
            actor=acting_as(visit.account, "web")))
    except (ReadinessError, ValueError) as problem:
        message = (web.message(request, problem) if isinstance(problem, ReadinessError)
                   else f"{values.get('on') or '-'}: YYYY-MM-DD")
        return await run_in_threadpool(_page, request, web, visit, values, 400, message)
    return RedirectResponse(request.url_for("drill_run", line=visit.line, run_id=run.id),
                            status_code=303)
