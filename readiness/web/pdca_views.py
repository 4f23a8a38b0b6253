"""A PDCA item's page: where it is in the loop, and the one next step the account may take —
each step's form asks what the step needs (`readiness.pdca.loop.STEPS`), the library checks it
as it does for `readiness pdca plan|do|check|act`, and a refusal is shown in one line with
nothing written. The verification is the signed-in person's own (never a name typed in), so a
check by the item's owner is refused. Evidence files are kept in the store with the step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, line_view, posted

# the form fields of each step, as `step()` names them (the CLI's options)
FIELDS = {"plan": ("root_cause", "action", "owner_unit", "owner", "due"),
          "do": ("done_note", "evidence"),
          "check": ("verdict",),
          "act": ("standardisation",)}
NEXT = {"PLAN": "plan", "DO": "do", "CHECK": "check", "ACT": "act"}


def routes() -> list[Route]:
    return [Route("/lines/{line}/pdca/{code}", item_page, name="pdca_item"),
            Route("/lines/{line}/pdca/{code}/{step}", take_step, methods=["POST"],
                  name="pdca_step"),
            Route("/lines/{line}/evidence/{sha256}", evidence_download, name="evidence")]


def _page(request: Request, web: Web, visit: Visit, item: Any, status: int = 200,
          error: str | None = None, form: dict[str, Any] | None = None) -> Response:
    from readiness.accounts import allowed
    from readiness.evidence import cited

    step = NEXT.get(item.phase)
    may = step is not None and allowed(visit.account, "pdca-edit", visit.line)
    return web.page(request, visit, "pdca_item.html", status=status, item=item, step=step,
                    may_step=may, error=error, form=form or {}, fields=FIELDS.get(step, ()),
                    evidence=cited(item.evidence), today=dt.date.today().isoformat())


@line_view()
def item_page(request: Request, web: Web, visit: Visit) -> Response:
    from readiness.errors import NotFound
    from readiness.pdca.items import show_item

    try:
        item = web.cached(show_item, visit.line, request.path_params["code"])
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    return _page(request, web, visit, item)


@posted("pdca-edit")
async def take_step(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    from readiness.accounts import acting_as
    from readiness.errors import NotFound, ReadinessError
    from readiness.pdca.items import show_item, step

    code, step_name = request.path_params["code"], request.path_params["step"]
    if step_name not in FIELDS:
        return Response("no such step", status_code=404)
    data: dict[str, Any] = {f: (str(form.get(f) or "").strip() or None) for f in FIELDS[step_name]}
    if step_name == "check":
        data["verifier"] = visit.account.staff_id  # the signed-in person verifies
    upload = form.get("evidence_file")
    evidence_file = None
    if upload is not None and getattr(upload, "filename", None):
        evidence_file = (upload.filename, await upload.read())
    try:
        if data.get("due"):
            data["due"] = dt.date.fromisoformat(data["due"])
        seen = (str(form.get("phase") or ""), int(form.get("cycle") or 0))
        await run_in_threadpool(step, web.store, visit.line, code, step_name, data,
                                actor=acting_as(visit.account, "web"),
                                evidence_file=evidence_file, seen=seen)
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    except (ReadinessError, ValueError) as problem:
        item = await run_in_threadpool(show_item, web.store, visit.line, code)
        message = (web.message(request, problem) if isinstance(problem, ReadinessError)
                   else str(problem))
        return _page(request, web, visit, item, status=400, error=message,
                     form={k: v for k, v in data.items() if isinstance(v, str)})
    return RedirectResponse(request.url_for("pdca_item", line=visit.line, code=code),
                            status_code=303)


@line_view("read")
def evidence_download(request: Request, web: Web, visit: Visit) -> Response:
    """A kept file, as an attachment under its own name, only if its content still has its
    hash and a record of this line (a PDCA item, a safety point) cites it."""
    from readiness.checklist import list_items as checklist_items
    from readiness.errors import NotFound, ReadinessError
    from readiness.evidence import evidence_file
    from readiness.pdca.items import list_items

    sha256 = request.path_params["sha256"].lower()
    items = web.cached(list_items, visit.line, include_closed=True)
    points = web.cached(checklist_items, visit.line)
    if not any(sha256 in (i.evidence or "") for i in items) and \
            not any(p.evidence_sha256 == sha256 for p in points):
        return Response("no such evidence on this line", status_code=404)
    try:
        meta, content = evidence_file(web.store, sha256)
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    except ReadinessError as problem:
        return web.refusal(request, problem, 409)
    from urllib.parse import quote

    return Response(content, media_type=meta.media_type, headers={
        "Content-Disposition": f"attachment; filename*=utf-8''{quote(meta.name)}",
        "X-Content-Type-Options": "nosniff"})
