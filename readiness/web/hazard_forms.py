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

from readiness.web.context import Visit, Web, posted


def routes() -> list[Route]:
    return [Route("/lines/{line}/hazards/{code}/evaluate", evaluate, methods=["POST"],
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

    may_evaluate = allowed(visit.account, "hazard-edit", visit.line)
    may_accept = allowed(visit.account, "risk-accept", visit.line)
    method = scales_of(web.store, str(visit.line), h.method) if may_evaluate else None
    return {"may_evaluate": may_evaluate, "may_accept": may_accept, "method": method}


def _factors(form: Any, prefix: str, method: Any) -> str:
    return ",".join(f"{name}={form.get(prefix + name) or ''}" for name in method.factors)


async def _refused(request: Request, web: Web, visit: Visit, problem: Any) -> Response:
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
        return await _refused(request, web, visit, problem)
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
        return await _refused(request, web, visit, problem)
    return RedirectResponse(request.url_for("hazard", line=visit.line, code=code),
                            status_code=303)
