"""Leadership's acts in the browser: assess a line now, and sign a snapshot off. Signing is a
legal act, so it asks the signer's password again (step-up) even in a live session, and signs
only as the signed-in person, through the same library call as `readiness signoff --as`."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, line_view, posted


def routes() -> list[Route]:
    return [Route("/lines/{line}/assess", assess_now, methods=["POST"], name="assess_now"),
            Route("/lines/{line}/snapshots/{snapshot:int}/signoff", signoff_form,
                  methods=["GET"], name="signoff_form"),
            Route("/lines/{line}/snapshots/{snapshot:int}/signoff", signoff, methods=["POST"],
                  name="signoff")]


@posted("assess")
async def assess_now(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    from readiness.accounts import acting_as
    from readiness.assessment.assess import assess

    await run_in_threadpool(assess, web.store, visit.line, actor=acting_as(visit.account, "web"))
    return RedirectResponse(request.url_for("overview", line=visit.line), status_code=303)


def _snapshot(web: Web, line: str, snapshot_id: int) -> Any:
    from readiness.assessment.assess import history

    return next((s for s in web.cached(history, line).snapshots if s.id == snapshot_id), None)


@line_view("signoff")
def signoff_form(request: Request, web: Web, visit: Visit) -> Response:
    snapshot = _snapshot(web, visit.line, request.path_params["snapshot"])
    if snapshot is None:
        return Response("no such snapshot on this line", status_code=404)
    return web.page(request, visit, "signoff.html", snapshot=snapshot, error=None, form={})


@posted("signoff")
async def signoff(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    from readiness.accounts import LoginRefused, acting_as, authenticate
    from readiness.assessment.assess import sign_off
    from readiness.errors import ReadinessError

    snapshot = await run_in_threadpool(_snapshot, web, visit.line, request.path_params["snapshot"])
    if snapshot is None:
        return Response("no such snapshot on this line", status_code=404)
    fields = {k: str(form.get(k) or "").strip() or None
              for k in ("decision", "override_reason", "note")}
    try:  # step-up: the password again, checked (and counted) as at sign-in
        account = await run_in_threadpool(authenticate, web.store, visit.account.staff_id,
                                          str(form.get("password") or ""))
        await run_in_threadpool(lambda: sign_off(
            web.store, snapshot.id, by=account.staff_id, decision=fields["decision"],
            override_reason=fields["override_reason"], note=fields["note"],
            actor=acting_as(account, "web"), account=account))
    except (LoginRefused, ReadinessError) as problem:
        return web.page(request, visit, "signoff.html", status=400, snapshot=snapshot,
                        error=web.message(request, problem),
                        form={k: v for k, v in fields.items() if v})
    return RedirectResponse(request.url_for("snapshots", line=visit.line), status_code=303)
