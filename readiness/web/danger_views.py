"""Read views of dual prevention (双重预防): the hidden dangers (`readiness danger list/show`), the
inspections that found them (`inspection list/show`), the four-colour risk map
(`readiness riskmap`) and the major-risk notices (`readiness notice`). Each calls the service the
matching CLI command calls, with the same filters; nothing is written from here."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from readiness.store.core import Store
from readiness.web.context import Visit, Web, line_view

PAGE = 50  # inspections per page (the sample line has some 950)
# What `riskmap.to_svg` draws, and nothing else may be put inline in a page: no element that
# runs, loads or embeds anything, no event handler, link or style attribute.
SVG_ELEMENTS = frozenset({"svg", "g", "rect", "circle", "line", "path", "text", "title"})


def routes() -> list[Route]:
    return [Route("/lines/{line}/dangers", dangers, name="dangers"),
            Route("/lines/{line}/dangers/{code}", danger, name="danger"),
            Route("/lines/{line}/inspections", inspections, name="inspections"),
            Route("/lines/{line}/inspections/{code}", inspection, name="inspection"),
            Route("/lines/{line}/riskmap", riskmap_page, name="riskmap"),
            Route("/lines/{line}/riskmap.svg", riskmap_file, name="riskmap_file"),
            Route("/lines/{line}/notices.html", notices_file, name="notices_file")]



# --- hidden dangers ----------------------------------------------------------------------------

DANGER_FILTERS = ("grade", "status", "overdue", "all", "as_of")


@line_view()
def dangers(request: Request, web: Web, visit: Visit) -> Response:
    """`danger list`: hidden dangers not yet closed (`?all=1`: closed ones too), `?grade=`,
    `?status=` (codes or labels), `?overdue=1`, overdue as of `?as_of=` (default today)."""
    from hazards.dangers import list_dangers
    from readiness.accounts import allowed
    from readiness.errors import ReadinessError
    from readiness.web.org_views import query_date

    q = request.query_params
    shown = {k: (q.get(k) or "").strip() for k in DANGER_FILTERS}
    context = {"filters": shown, "may_export": allowed(visit.account, "export", visit.line)}
    try:
        as_of = query_date(request, "as_of")
        rows = web.cached(list_dangers, visit.line, as_of=as_of, grade=shown["grade"] or None,
                          status=shown["status"] or None, overdue=shown["overdue"] == "1",
                          include_closed=shown["all"] == "1")
    except ReadinessError as problem:
        return web.page(request, visit, "dangers.html", status=400, rows=[],
                        error=web.message(request, problem), **context)
    return web.page(request, visit, "dangers.html", rows=rows, error=None, **context)


@line_view()
def danger(request: Request, web: Web, visit: Visit) -> Response:
    """`danger show`: where, what, the five fixes, report, PDCA item and acceptance
    (overdue as of `?as_of=`, default today)."""
    from hazards.dangers import show_danger
    from readiness.audit import version
    from readiness.errors import NotFound, ReadinessError
    from readiness.web.org_views import query_date

    try:
        d = web.cached(show_danger, visit.line, request.path_params["code"],
                       query_date(request, "as_of"))
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    except ReadinessError as problem:
        return web.refusal(request, problem, 400)
    return web.page(request, visit, "danger.html", d=d, version=web.cached(
        version, "hidden_dangers", request.path_params["code"], visit.line))


# --- inspections -------------------------------------------------------------------------------

@line_view()
def inspections(request: Request, web: Web, visit: Visit) -> Response:
    """`inspection list`: the line's inspections by date, `?kind=` (code or label) and
    `?since=YYYY-MM-DD`, 50 a page (`?page=`)."""
    from hazards.inspections import list_inspections
    from readiness.errors import ReadinessError
    from readiness.web.line_views import _page_no
    from readiness.web.org_views import query_date

    q = request.query_params
    filters = {k: (q.get(k) or "").strip() for k in ("kind", "since")}
    keep = {k: v for k, v in filters.items() if v}
    page_no = _page_no(request)
    try:
        items = web.cached(list_inspections, visit.line, kind=filters["kind"] or None,
                           since=query_date(request, "since"))
    except ReadinessError as problem:
        return web.page(request, visit, "inspections.html", status=400, rows=[], total=0,
                        page_no=1, pages=1, filters=filters, keep=keep,
                        error=web.message(request, problem))
    pages = max(1, -(-len(items) // PAGE))
    page_no = min(page_no, pages)
    return web.page(request, visit, "inspections.html",
                    rows=items[(page_no - 1) * PAGE:page_no * PAGE], total=len(items),
                    page_no=page_no, pages=pages, filters=filters, keep=keep, error=None)


@line_view()
def inspection(request: Request, web: Web, visit: Visit) -> Response:
    """`inspection show`: one inspection, its result for each control checked and the hidden
    danger each result other than ok found."""
    from hazards.inspections import show_inspection
    from readiness.errors import NotFound

    try:
        item = web.cached(show_inspection, visit.line, request.path_params["code"])
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    return web.page(request, visit, "inspection.html", i=item)


# --- the four-colour map and the notices --------------------------------------------------------

def _drawn_map(store: Store, line: str, lang: str) -> tuple[str, list[Any]]:
    """The SVG `riskmap -o FILE.svg` writes today, and the places it draws."""
    from readiness.report.posters import write_riskmap
    from readiness.web.record_views import _remove

    folder = Path(tempfile.mkdtemp(prefix="readiness-web-"))
    try:
        path, places = write_riskmap(store, line, folder / "riskmap.svg", lang=lang)
        return path.read_text("utf-8"), places
    finally:
        _remove(folder)


def inline_svg(svg: str) -> Any:
    """The drawing as markup to put in a page, or None when it is not plainly a drawing: it
    must parse as XML (text escaped, attributes closed) and hold only the shapes the map draws,
    with no event handler, link or style attribute. Its text stays text either way."""
    import xml.etree.ElementTree as ET

    from markupsafe import Markup

    from readiness.report.riskmap import inline

    body = inline(svg)
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag.rpartition("}")[2] not in SVG_ELEMENTS:
            return None
        for name in element.attrib:
            local = name.rpartition("}")[2].lower()
            if local.startswith("on") or local in ("href", "style", "src"):
                return None
    return Markup(body)


@line_view()
def riskmap_page(request: Request, web: Web, visit: Visit) -> Response:
    """The four-colour map as `readiness riskmap` draws it, each place with its hazards by
    current level and its open hidden dangers, and the places a major-risk notice is posted
    at."""
    from readiness.accounts import allowed
    from readiness.report.riskmap import LEVELS, totals

    svg, places = web.cached(_drawn_map, visit.line, web.lang(request))
    return web.page(request, visit, "riskmap.html", svg=inline_svg(svg), places=places,
                    levels=LEVELS, totals=totals(places),
                    notices=[p for p in places if p.level == "major"],
                    may_export=allowed(visit.account, "export", visit.line))


@line_view("export")
def riskmap_file(request: Request, web: Web, visit: Visit) -> Response:
    """`riskmap.svg`: what `readiness riskmap -o FILE.svg` writes."""
    from readiness.errors import ReadinessError
    from readiness.report.posters import write_riskmap
    from readiness.web.record_views import _download, _remove

    folder = Path(tempfile.mkdtemp(prefix="readiness-web-"))
    try:
        path, _ = write_riskmap(web.store, visit.line, folder / "riskmap.svg",
                                lang=web.lang(request))
    except ReadinessError as problem:
        _remove(folder)
        return web.refusal(request, problem, 400)
    return _download(path, f"{visit.line}-riskmap.svg", folder)


@line_view("export")
def notices_file(request: Request, web: Web, visit: Visit) -> Response:
    """`notices.html`: what `readiness notice -o FILE.html` writes, one A4 page per place with a
    major current risk (a file with no page when there is none)."""
    from readiness.errors import ReadinessError
    from readiness.report.posters import write_notices
    from readiness.web.record_views import _download, _remove

    folder = Path(tempfile.mkdtemp(prefix="readiness-web-"))
    try:
        path, _ = write_notices(web.store, visit.line, folder / "notices.html",
                                lang=web.lang(request))
    except ReadinessError as problem:
        _remove(folder)
        return web.refusal(request, problem, 400)
    return _download(path, f"{visit.line}-notices.html", folder)
