"""Read views of a line's records: the dashboard of lines, a line's overview, the hazard
register and a hazard, PDCA items, opening safety points and snapshots. Each calls the service
the matching CLI command calls, with the same filters."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, line_view, signed_in_view

PAGE = 50  # hazards per page


def routes() -> list[Route]:
    return [Route("/", dashboard, name="dashboard"),
            Route("/lines/{line}", overview, name="overview"),
            Route("/lines/{line}/locations", locations, name="locations"),
            Route("/lines/{line}/hazards", hazards, name="hazards"),
            Route("/lines/{line}/hazards/{code}", hazard, name="hazard"),
            Route("/lines/{line}/pdca", pdca, name="pdca"),
            Route("/lines/{line}/checklist", checklist, name="checklist"),
            Route("/lines/{line}/snapshots", snapshots, name="snapshots")]


@signed_in_view
def dashboard(request: Request, web: Web, visit: Visit) -> Response:
    from readiness.accounts import allowed
    from readiness.assessment.assess import latest_of_lines

    from hazards.editing import asked_of

    lines = [x for x in web.cached(latest_of_lines) if allowed(visit.account, "read", x["name"])]
    asked = [(name, r) for name, r in web.cached(asked_of, visit.account.staff_id)
             if allowed(visit.account, "risk-accept", name)]
    return web.page(request, visit, "dashboard.html", lines=lines, asked=asked)


@line_view()
def overview(request: Request, web: Web, visit: Visit) -> Response:
    """The line's verdict, what blocks it and what it is conditional on (with owners), and the
    trend of its snapshots."""
    from markupsafe import Markup

    from readiness.assessment.assess import criterion_message, latest_findings
    from readiness.report import charts

    found = web.cached(latest_findings, visit.line)
    zh = web.lang(request) == "zh"
    trend = Markup(charts.burndown_chart(
        [(s.as_of.isoformat(), s.blocking) for s in found.trend],
        title="各次评估的否决项" if zh else "Blocking items at each assessment"))
    lang = web.lang(request)
    def shown(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**c, "message": criterion_message(c, lang)} for c in criteria]

    return web.page(request, visit, "overview.html", found=found, trend_chart=trend,
                    blocking=shown(found.blocking), conditions=shown(found.conditions),
                    criteria=shown(found.criteria))


def _filters(request: Request, keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: request.query_params.get(k) or None for k in keys}


def _page_no(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page") or 1))
    except ValueError:
        return 1


@line_view()
def locations(request: Request, web: Web, visit: Visit) -> Response:
    from readiness.errors import ReadinessError
    from readiness.lines import list_locations

    kind = request.query_params.get("kind") or None
    try:
        rows = web.cached(list_locations, visit.line, kind)
    except ReadinessError as problem:
        return web.page(request, visit, "locations.html", status=400, rows=[], kind=kind,
                        error=web.message(request, problem))
    return web.page(request, visit, "locations.html", rows=rows, kind=kind, error=None)


@line_view()
def hazards(request: Request, web: Web, visit: Visit) -> Response:
    from hazards.register import page_hazards
    from readiness.errors import ReadinessError

    filters = _filters(request, ("level", "specialty", "location", "owner", "status"))
    page_no = _page_no(request)
    try:
        total, rows = web.cached(page_hazards, visit.line, page=page_no, size=PAGE, **filters)
    except ReadinessError as problem:
        return web.page(request, visit, "hazards.html", status=400, rows=[], total=0,
                        may_add=False,
                        error=web.message(request, problem), filters=filters, page_no=1,
                        pages=1, keep={})
    from readiness.accounts import allowed

    pages = max(1, -(-total // PAGE))
    return web.page(request, visit, "hazards.html", rows=rows, error=None, filters=filters,
                    may_add=allowed(visit.account, "hazard-edit", visit.line),
                    page_no=min(page_no, pages), pages=pages, total=total,
                    keep={k: v for k, v in filters.items() if v})


@line_view()
def hazard(request: Request, web: Web, visit: Visit) -> Response:
    from hazards.register import show_hazard
    from readiness.errors import NotFound
    from readiness.web.hazard_forms import forms

    try:
        h = web.cached(show_hazard, visit.line, request.path_params["code"])
    except (NotFound, StopIteration):
        return Response("no such hazard", status_code=404)
    return web.page(request, visit, "hazard.html", h=h, error=None, **forms(web, visit, h))


@line_view()
def pdca(request: Request, web: Web, visit: Visit) -> Response:
    from readiness.pdca.items import burndown_report, list_items

    every = request.query_params.get("all") == "1"
    overdue = request.query_params.get("overdue") == "1"
    items = web.cached(list_items, visit.line, include_closed=every, overdue=overdue)
    burndown = web.cached(burndown_report, visit.line)
    return web.page(request, visit, "pdca.html", items=items, every=every, overdue=overdue,
                    burndown=burndown, burndown_chart=_burndown_chart(burndown.burndown,
                                                                      web.lang(request)))


def _burndown_chart(bd: Any, lang: str) -> Any:
    """The blocking burn-down as the report draws it."""
    from markupsafe import Markup

    from readiness.report import charts

    zh = lang == "zh"
    return Markup(charts.burndown_chart(
        [(p.date.isoformat(), p.open) for p in bd.series],
        title="开通前必须整改问题" if zh else "Open blocking problems",
        forecast=(bd.forecast_zero.isoformat(), 0) if bd.forecast_zero and bd.open_blocking
        else None,
        deadline=(bd.planned_opening.isoformat(), "计划开通" if zh else "opening")
        if bd.planned_opening else None))


@line_view()
def checklist(request: Request, web: Web, visit: Visit) -> Response:
    from readiness.checklist import list_items
    from readiness.errors import ReadinessError

    filters = _filters(request, ("phase", "status", "chapter"))
    try:
        items = web.cached(list_items, visit.line, **filters)
    except ReadinessError as problem:
        return web.page(request, visit, "checklist.html", status=400, items=[], filters=filters,
                        error=web.message(request, problem))
    return web.page(request, visit, "checklist.html", items=items, filters=filters, error=None)


@line_view()
def snapshots(request: Request, web: Web, visit: Visit) -> Response:
    from readiness.accounts import allowed
    from readiness.assessment.assess import history

    return web.page(request, visit, "snapshots.html",
                    snapshots=web.cached(history, visit.line).snapshots,
                    may_assess=allowed(visit.account, "assess", visit.line),
                    may_sign=allowed(visit.account, "signoff", visit.line))
