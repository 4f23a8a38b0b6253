"""A safety officer re-evaluates a hazard (a new dated evaluation, never an overwrite) with the
line's scoring method's scales as choices; a leader accepts its residual risk as themselves,
with their password again (step-up), within their level — the same library calls as
`readiness hazard evaluate` and `readiness hazard accept --as`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, line_view, posted


CONTROL_ROWS = 3  # control measures on the add form


def routes() -> list[Route]:
    """Before the register's routes: `hazards/new` is not a hazard's ID."""
    return [Route("/lines/{line}/hazards/new", new_form, methods=["GET"], name="hazard_new"),
            Route("/lines/{line}/hazards/new", add, methods=["POST"], name="hazard_add"),
            Route("/lines/{line}/hazards/{code}/evaluate", evaluate, methods=["POST"],
                  name="hazard_evaluate"),
            Route("/lines/{line}/hazards/{code}/accept", accept, methods=["POST"],
                  name="hazard_accept")]


def scales_of(store: Any, line: str, method_code: str | None) -> Any:
    """The scoring method the hazard is scored with (the line's own tables included)."""
    from hazards.scoring import method_for
    from readiness.lines import show_line

    found = show_line(store, line)
    return method_for(method_code or found.scoring_method or "LEC", found.settings)


def forms(web: Web, visit: Visit, h: Any) -> dict[str, Any]:
    """What the hazard's page needs to offer its forms to this account."""
    from readiness.accounts import allowed

    from hazards.checks import standing_level
    from hazards.editing import eligible_acceptors, open_requests, versions
    from readiness import vocab

    may_evaluate = allowed(visit.account, "hazard-edit", visit.line)
    may_accept = allowed(visit.account, "risk-accept", visit.line)
    # kept by the server until the next write, as the hazard itself: the organisation (whom to
    # ask) is read once, not on every page of every hazard
    extra: dict[str, Any] = {"requests": web.cached(open_requests, visit.line, codes=(h.id,))}
    if may_evaluate:
        extra["method"] = scales_of(web.store, str(visit.line), h.method)
        extra["versions"] = web.cached(versions, visit.line, h.id)
        extra["acceptors"] = web.cached(eligible_acceptors, standing_level(
            {"residual_level": h.residual_level, "level": h.level, "method": h.method}),
            visit.line)
        extra["control_choices"] = {name: list(vocab.codes(name))
                                    for name in ("control_type", "control_aspect")}
    return {"may_evaluate": may_evaluate, "may_accept": may_accept, "method": None, **extra}


def _factors(form: Any, prefix: str, method: Any) -> str:
    return ",".join(f"{name}={form.get(prefix + name) or ''}" for name in method.factors)


async def refused_on_hazard_page(request: Request, web: Web, visit: Visit, problem: Any) -> Response:
    from hazards.register import show_hazard

    h = await run_in_threadpool(show_hazard, web.store, visit.line, request.path_params["code"])
    extra = await run_in_threadpool(forms, web, visit, h)
    return web.page(request, visit, "hazard.html", status=400, h=h,
                    error=web.message(request, problem), **extra)


@posted("hazard-edit")
async def evaluate(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    from hazards.register import evaluate_hazard, show_hazard
    from readiness.accounts import acting_as
    from readiness.errors import ReadinessError

    code = request.path_params["code"]
    try:
        h = await run_in_threadpool(show_hazard, web.store, visit.line, code)
        method = await run_in_threadpool(scales_of, web.store, str(visit.line), h.method)
        on = form.get("on") or None
        await run_in_threadpool(lambda: evaluate_hazard(
            web.store, visit.line, code, actor=acting_as(visit.account, "web"),
            score=_factors(form, "f_", method), residual=_factors(form, "r_", method),
            method=None, evaluated_on=dt.date.fromisoformat(on) if on else None,
            note=str(form.get("note") or "").strip() or None,
            seen=int(form.get("evaluations") or -1)))
    except (ReadinessError, ValueError) as problem:
        return await refused_on_hazard_page(request, web, visit, problem)
    return RedirectResponse(request.url_for("hazard", line=visit.line, code=code),
                            status_code=303)


@posted("risk-accept")
async def accept(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    from hazards.register import accept_hazard
    from readiness.accounts import LoginRefused, acting_as, authenticate
    from readiness.errors import ReadinessError

    code = request.path_params["code"]
    until = str(form.get("until") or "").strip()
    try:  # step-up: the password again, checked (and counted) as at sign-in
        account = await run_in_threadpool(authenticate, web.store, visit.account.staff_id,
                                          str(form.get("password") or ""))
        await run_in_threadpool(lambda: accept_hazard(
            web.store, visit.line, code, accepted_by=account.staff_id,
            valid_until=dt.date.fromisoformat(until) if until else None,
            actor=acting_as(account, "web"), account=account))
    except (LoginRefused, ReadinessError, ValueError) as problem:
        return await refused_on_hazard_page(request, web, visit, problem)
    return RedirectResponse(request.url_for("hazard", line=visit.line, code=code),
                            status_code=303)


def _new_page(request: Request, web: Web, visit: Visit, values: dict[str, Any],
              status: int = 200, error: str | None = None) -> Response:
    from readiness import vocab
    from readiness.lines import list_locations
    from readiness.org.accountability import show

    lang = web.lang(request)
    choices = {name: [(c, vocab.label(name, c, lang)) for c in vocab.codes(name)]
               for name in ("specialty", "risk_category", "control_type")}
    return web.page(request, visit, "hazard_new.html", status=status, values=values,
                    error=error, choices=choices, method=scales_of(web.store, str(visit.line), None),
                    locations=web.cached(list_locations, visit.line), units=web.cached(show),
                    control_rows=range(CONTROL_ROWS))


@line_view("hazard-edit")
def new_form(request: Request, web: Web, visit: Visit) -> Response:
    return _new_page(request, web, visit, {})


@posted("hazard-edit")
async def add(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    """A new hazard with its first evaluation and its controls, as `readiness hazard add`."""
    from hazards.register import add_hazard
    from readiness.accounts import acting_as
    from readiness.errors import ReadinessError

    values = {k: str(v).strip() for k, v in form.multi_items() if k != "csrf"}
    method = await run_in_threadpool(scales_of, web.store, str(visit.line), None)
    controls = [f"{values.get(f'control_type_{i}')}: {values[f'control_text_{i}']}"
                for i in range(CONTROL_ROWS) if values.get(f"control_text_{i}")]
    try:
        h = await run_in_threadpool(lambda: add_hazard(
            web.store, visit.line, actor=acting_as(visit.account, "web"),
            location=values.get("location", ""), specialty=values.get("specialty", ""),
            risk_category=values.get("risk_category", ""),
            description=values.get("description", ""), activity=values.get("activity") or None,
            accident_type=values.get("accident_type") or None,
            score=_factors(form, "f_", method), residual=_factors(form, "r_", method),
            controls=controls, owner_unit=values.get("owner_unit") or None,
            owner=values.get("owner") or None))
    except ReadinessError as problem:
        return await run_in_threadpool(_new_page, request, web, visit, values, 400,
                                       web.message(request, problem))
    return RedirectResponse(request.url_for("hazard", line=visit.line, code=h.id),
                            status_code=303)
