"""A safety officer attests an opening safety point or one of the spec's attested items in the
browser: status, evidence (a reference or an evidence file kept in the store), a reason for
not applicable, a note; and verifies another owner's point as the signed-in person — the same
library calls and refusals as `readiness checklist set` and `checklist verify`."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, line_view, posted, seen


def routes() -> list[Route]:
    return [Route("/lines/{line}/checklist/{code}", item_page, name="checklist_item"),
            Route("/lines/{line}/checklist/{code}/set", set_point, methods=["POST"],
                  name="checklist_set"),
            Route("/lines/{line}/checklist/{code}/verify", verify_point, methods=["POST"],
                  name="checklist_verify")]


def _page(request: Request, web: Web, visit: Visit, item: Any, status: int = 200,
          error: str | None = None) -> Response:
    from readiness import vocab
    from readiness.accounts import allowed
    from readiness.audit import version

    lang = web.lang(request)
    return web.page(request, visit, "checklist_item.html", status=status, item=item, error=error,
                    version=version(web.store, "checklist_items", item.id, visit.line),
                    may_edit=allowed(visit.account, "checklist-edit", visit.line),
                    statuses=[(c, vocab.label("checklist_status", c, lang))
                              for c in vocab.codes("checklist_status")])


@line_view()
def item_page(request: Request, web: Web, visit: Visit) -> Response:
    from readiness.checklist import show_item
    from readiness.errors import NotFound

    try:
        item = web.cached(show_item, visit.line, request.path_params["code"])
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    return _page(request, web, visit, item)


async def _done(request: Request, web: Web, visit: Visit, change: Any) -> Response:
    from readiness.checklist import show_item
    from readiness.errors import NotFound, ReadinessError

    code = request.path_params["code"]
    try:
        await run_in_threadpool(change)
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    except ReadinessError as problem:
        item = await run_in_threadpool(show_item, web.store, visit.line, code)
        return _page(request, web, visit, item, 400, web.message(request, problem))
    return RedirectResponse(request.url_for("checklist_item", line=visit.line, code=code),
                            status_code=303)


@posted("checklist-edit")
async def set_point(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    from readiness.accounts import acting_as
    from readiness.checklist import set_item

    fields = {k: (str(form.get(k) or "").strip() or None)
              for k in ("status", "evidence_ref", "na_reason", "note")}
    upload = form.get("evidence_file")
    evidence = ((upload.filename, await upload.read())
                if upload is not None and getattr(upload, "filename", None) else None)
    return await _done(request, web, visit, lambda: set_item(
        web.store, visit.line, request.path_params["code"], **fields, evidence_upload=evidence,
        actor=acting_as(visit.account, "web"), seen=seen(form)))


@posted("checklist-edit")
async def verify_point(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    from readiness.accounts import acting_as
    from readiness.checklist import verify_item

    return await _done(request, web, visit, lambda: verify_item(
        web.store, visit.line, request.path_params["code"], visit.account.staff_id,
        actor=acting_as(visit.account, "web"), seen=seen(form)))
