"""A safety officer changes a hazard after adding it — its fields on an edit page, each control
measure (type, aspect 人机环管, owner, verified) on the hazard's page, a new control, a control
taken off — and asks a leader at the right level to accept its residual risk. The same library
calls as `readiness hazard edit`, `hazard control add|edit|remove` and `hazard
request-acceptance`; every form carries the version the user saw, so a second save of a record
someone else changed meanwhile is refused with who changed it."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, line_view, posted, seen
from readiness.web.hazard_forms import refused_on_hazard_page

PAGE = "/lines/{line}/hazards/{code}"


def routes() -> list[Route]:
    return [Route(PAGE + "/edit", edit_form, methods=["GET"], name="hazard_edit_form"),
            Route(PAGE + "/edit", edit, methods=["POST"], name="hazard_edit"),
            Route(PAGE + "/controls", control_add, methods=["POST"], name="control_add"),
            Route(PAGE + "/controls/{number:int}", control_edit, methods=["POST"],
                  name="control_edit"),
            Route(PAGE + "/controls/{number:int}/remove", control_remove, methods=["POST"],
                  name="control_remove"),
            Route(PAGE + "/request-acceptance", request_acceptance, methods=["POST"],
                  name="hazard_request_acceptance")]


def _back(request: Request, visit: Visit) -> Response:
    return RedirectResponse(request.url_for("hazard", line=visit.line,
                                            code=request.path_params["code"]), status_code=303)


def _edit_page(request: Request, web: Web, visit: Visit, values: dict[str, Any] | None,
               status: int = 200, error: str | None = None) -> Response:
    from hazards.editing import versions
    from hazards.register import show_hazard
    from readiness import vocab
    from readiness.errors import NotFound
    from readiness.lines import list_locations
    from readiness.org.accountability import show

    code = request.path_params["code"]
    try:
        h = show_hazard(web.store, visit.line, code)
    except NotFound:
        return Response("no such hazard", status_code=404)
    if values is None:  # opened: the hazard as it is now, at its version
        values = {"location": h.location, "specialty": h.specialty,
                  "risk_category": h.risk_category, "factor_category": h.factor_category or "",
                  "accident_type": "/".join(vocab.label("accident_type", a, web.lang(request))
                                            for a in h.accident_types),
                  **{k: getattr(h, k) or "" for k in ("activity", "description", "causes",
                                                      "consequences", "owner_unit", "owner",
                                                      "review_days", "notes")},
                  "status": h.status, "version": versions(web.store, visit.line, code)["hazard"]}
    lang = web.lang(request)
    choices = {name: [(c, vocab.label(name, c, lang)) for c in vocab.codes(name)]
               for name in ("specialty", "risk_category", "factor_category", "hazard_status")}
    return web.page(request, visit, "hazard_edit.html", status=status, h=h, values=values,
                    error=error, choices=choices, locations=web.cached(list_locations, visit.line),
                    units=web.cached(show))


@line_view("hazard-edit")
def edit_form(request: Request, web: Web, visit: Visit) -> Response:
    return _edit_page(request, web, visit, None)


@posted("hazard-edit")
async def edit(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    """Every field of the page is sent; the service changes those that differ."""
    from hazards.editing import EDITABLE, edit_hazard
    from readiness.accounts import acting_as
    from readiness.errors import ReadinessError

    values = {k: str(v) for k, v in form.multi_items() if k != "csrf"}
    changes = {k: values.get(k, "") for k in EDITABLE if k in values}
    try:
        await run_in_threadpool(lambda: edit_hazard(
            web.store, visit.line, request.path_params["code"],
            actor=acting_as(visit.account, "web"), changes=changes, seen=seen(form)))
    except ReadinessError as problem:
        return await run_in_threadpool(_edit_page, request, web, visit, values, 400,
                                       web.message(request, problem))
    return _back(request, visit)


@posted("hazard-edit")
async def control_add(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    from hazards.register import add_control
    from readiness.accounts import acting_as
    from readiness.errors import ReadinessError

    try:
        await run_in_threadpool(lambda: add_control(
            web.store, visit.line, request.path_params["code"],
            actor=acting_as(visit.account, "web"),
            control_type=str(form.get("type") or ""),
            description=str(form.get("description") or "").strip(),
            aspect=str(form.get("aspect") or "") or None,
            owner=str(form.get("owner") or "").strip() or None))
    except ReadinessError as problem:
        return await refused_on_hazard_page(request, web, visit, problem)
    return _back(request, visit)


@posted("hazard-edit")
async def control_edit(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    from hazards.editing import edit_control
    from readiness.accounts import acting_as
    from readiness.errors import ReadinessError

    changes = {k: str(form.get(k) or "") for k in ("type", "description", "aspect", "owner",
                                                   "verification", "evidence")}
    changes["verified"] = form.get("verified") == "1"
    try:
        await run_in_threadpool(lambda: edit_control(
            web.store, visit.line, request.path_params["code"], request.path_params["number"],
            actor=acting_as(visit.account, "web"), changes=changes, seen=seen(form)))
    except ReadinessError as problem:
        return await refused_on_hazard_page(request, web, visit, problem)
    return _back(request, visit)


@posted("hazard-edit")
async def control_remove(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    from hazards.editing import remove_control
    from readiness.accounts import acting_as
    from readiness.errors import ReadinessError

    try:
        await run_in_threadpool(lambda: remove_control(
            web.store, visit.line, request.path_params["code"], request.path_params["number"],
            actor=acting_as(visit.account, "web"), seen=seen(form)))
    except ReadinessError as problem:
        return await refused_on_hazard_page(request, web, visit, problem)
    return _back(request, visit)


@posted("hazard-edit")
async def request_acceptance(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    from hazards.editing import request_acceptance as ask
    from readiness.accounts import acting_as
    from readiness.errors import ReadinessError

    try:
        await run_in_threadpool(lambda: ask(
            web.store, visit.line, request.path_params["code"], of=str(form.get("of") or ""),
            note=str(form.get("note") or ""), actor=acting_as(visit.account, "web")))
    except ReadinessError as problem:
        return await refused_on_hazard_page(request, web, visit, problem)
    return _back(request, visit)
