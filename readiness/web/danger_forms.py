"""The steps of a hidden danger (隐患) in the browser, on its page: a safety officer re-grades it,
records its treatment plan (整改方案, the five fixes 五定) and the report of a major one; a leader
accepts and closes it (验收销号) as themselves, with their password again (step-up). The same
library calls and refusals as `readiness danger grade|plan|report|accept --as`. Each form
carries the version of the hidden danger it showed: a save after someone else changed it is
refused, saying who changed it, and nothing is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, posted, seen

# the fields of each step's form, as the CLI's options name them (a refused form keeps them)
FIELDS = {"grade": ("grade",),
          "plan": ("measures", "responsible", "funds", "deadline", "contingency", "on"),
          "report": ("to", "on"),
          "accept": ("note", "on")}


def routes() -> list[Route]:
    return [Route(f"/lines/{{line}}/dangers/{{code}}/{step}", view, methods=["POST"],
                  name=f"danger_{step}")
            for step, view in (("grade", grade), ("plan", plan), ("report", report),
                               ("accept", accept))]


def _typed(form: Any, step: str) -> dict[str, str]:
    return {name: str(form.get(name) or "").strip() for name in FIELDS[step]}


def _date(value: str, option: str) -> dt.date | None:
    """A date field (blank: None), refused as the CLI refuses a bad date option."""
    from readiness.dates import as_date
    from readiness.errors import InvalidValue

    try:
        return as_date(value)
    except ValueError:
        raise InvalidValue("option.bad_date", option=option, value=value) from None


async def _done(request: Request, web: Web, visit: Visit, step: str, typed: dict[str, str],
                change: Callable[[], Any]) -> Response:
    """Run the step; a refusal shows the page again with its one line and what was typed."""
    from hazards.dangers import show_danger
    from readiness.audit import version
    from readiness.errors import NotFound, ReadinessError

    code = request.path_params["code"]
    try:
        await run_in_threadpool(change)
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    except ReadinessError as problem:  # a wrong password (LoginRefused) too
        try:
            d = await run_in_threadpool(show_danger, web.store, visit.line, code)
        except NotFound as missing:
            return web.refusal(request, missing, 404)
        return web.page(request, visit, "danger.html", status=400, d=d,
                        version=version(web.store, "hidden_dangers", code, visit.line),
                        error=web.message(request, problem), refused=step, typed=typed)
    return RedirectResponse(request.url_for("danger", line=visit.line, code=code),
                            status_code=303)


@posted("inspection-edit")
async def grade(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    """`danger grade`: re-grade it before its treatment plan."""
    from hazards.dangers import grade_danger
    from readiness.accounts import acting_as

    typed = _typed(form, "grade")
    return await _done(request, web, visit, "grade", typed, lambda: grade_danger(
        web.store, visit.line, request.path_params["code"], typed["grade"],
        actor=acting_as(visit.account, "web"), seen=seen(form)))


@posted("inspection-edit")
async def plan(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    """`danger plan`: the five fixes; opens the rectification as a PDCA item."""
    from hazards.dangers import plan_danger
    from readiness.accounts import acting_as

    typed = _typed(form, "plan")

    def change() -> Any:
        data: dict[str, Any] = {k: typed[k] or None for k in FIELDS["plan"] if k != "on"}
        data["deadline"] = _date(typed["deadline"], "--deadline")
        return plan_danger(web.store, visit.line, request.path_params["code"], data,
                           actor=acting_as(visit.account, "web"),
                           on=_date(typed["on"], "--on"), seen=seen(form))

    return await _done(request, web, visit, "plan", typed, change)


@posted("inspection-edit")
async def report(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    """`danger report`: to whom a major hidden danger was reported, and when."""
    from hazards.dangers import report_danger
    from readiness.accounts import acting_as

    typed = _typed(form, "report")
    return await _done(request, web, visit, "report", typed, lambda: report_danger(
        web.store, visit.line, request.path_params["code"], to=typed["to"],
        on=_date(typed["on"], "--on"), actor=acting_as(visit.account, "web"),
        seen=seen(form)))


@posted("risk-accept")
async def accept(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    """`danger accept --as`: accepted and closed by the signed-in person, who gives their
    password again (checked and counted as at sign-in); the service checks their level."""
    from hazards.dangers import accept_danger
    from readiness.accounts import acting_as, authenticate

    typed = _typed(form, "accept")
    password = str(form.get("password") or "")

    def change() -> Any:
        on = _date(typed["on"], "--on")
        account = authenticate(web.store, visit.account.staff_id, password)
        return accept_danger(web.store, visit.line, request.path_params["code"],
                             by=account.staff_id, note=typed["note"] or None, on=on,
                             actor=acting_as(account, "web"), account=account,
                             seen=seen(form))

    return await _done(request, web, visit, "accept", typed, change)
