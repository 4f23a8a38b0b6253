"""An inspector records an inspection on a tablet from a post's handbook: each control the post
checks with its result (ok, weakened, failed, missing), a grade and what was found — every
result but ok opens a hidden danger. The same library call as `readiness inspection record`;
the inspector is the signed-in person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, line_view, posted

RESULTS = ("ok", "weakened", "failed", "missing")


def routes() -> list[Route]:
    """Before the inspections' own routes: `inspections/record` is not an inspection's ID."""
    return [Route("/lines/{line}/inspections/record", record_form, methods=["GET"],
                  name="inspection_record_form"),
            Route("/lines/{line}/inspections/record", record, methods=["POST"],
                  name="inspection_record")]


def _page(request: Request, web: Web, visit: Visit, values: dict[str, Any], status: int = 200,
          error: str | None = None) -> Response:
    from readiness.report.handbook import line_handbook, post_title

    lang = web.lang(request)
    books = web.cached(line_handbook, visit.line, lang=lang).posts
    chosen = values.get("book")
    book = books[int(chosen)] if chosen not in (None, "") and chosen.isdigit() \
        and int(chosen) < len(books) else None
    return web.page(request, visit, "inspection_record.html", status=status, values=values,
                    error=error, books=[(i, post_title(b, lang), len(b.entries))
                                        for i, b in enumerate(books)],
                    book=book, results=RESULTS)


@line_view("inspection-edit")
def record_form(request: Request, web: Web, visit: Visit) -> Response:
    values = {"book": request.query_params.get("book") or "", "on": dt.date.today().isoformat(),
              "kind": "routine"}
    return _page(request, web, visit, values)


@posted("inspection-edit")
async def record(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    from hazards.inspections import record_inspection
    from readiness.accounts import acting_as
    from readiness.errors import ReadinessError

    values = {k: str(v).strip() for k, v in form.multi_items() if k != "csrf"}
    results = [{"hazard": values[f"hz_{i}"], "control": values[f"ctl_{i}"],
                "result": values[f"res_{i}"], "grade": values.get(f"grade_{i}") or None,
                "finding": values.get(f"finding_{i}") or None, "evidence": None}
               for i in range(int(values.get("rows") or 0)) if values.get(f"res_{i}")]
    try:
        data = {"id": values.get("code", ""), "on": dt.date.fromisoformat(values.get("on", "")),
                "kind": values.get("kind", ""), "reason": values.get("reason") or None,
                "inspector": visit.account.staff_id, "location": None, "results": results}
        await run_in_threadpool(lambda: record_inspection(
            web.store, visit.line, data, actor=acting_as(visit.account, "web")))
    except (ReadinessError, ValueError) as problem:
        message = (web.message(request, problem) if isinstance(problem, ReadinessError)
                   else f"{values.get('on') or '-'}: YYYY-MM-DD")
        return await run_in_threadpool(_page, request, web, visit, values, 400, message)
    return RedirectResponse(request.url_for("inspection", line=visit.line,
                                            code=values.get("code", "")), status_code=303)
