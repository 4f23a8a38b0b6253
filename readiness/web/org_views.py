"""Read views of the safety-responsibility system (`readiness org`): the tree with its letters
and the findings of `org check`, what a unit answers for (`org owns`), a hazard's chain of
responsibility up to the company (`org path`) and the graph files `org export` writes.

The organisation is company-wide; its pages sit under a line only because permissions are
granted per line."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from readiness.store.core import Store
from readiness.web.context import Visit, Web, line_view

EXPORTS = ("graphml", "dot", "svg")  # what `org export` writes, by suffix (no workbook)


def routes() -> list[Route]:
    return [Route("/lines/{line}/org", org_tree, name="org"),
            Route("/lines/{line}/org/path", org_path, name="org_path"),
            Route("/lines/{line}/org/units/{code}", org_unit, name="org_unit"),
            Route("/lines/{line}/org/export.{fmt}", org_export, name="org_export")]


def query_date(request: Request, name: str) -> dt.date | None:
    """`?name=YYYY-MM-DD` (blank: None), refused as the CLI refuses a bad date option, naming
    the parameter (the web may not import the CLI's parser: tests/test_layers.py)."""
    from readiness.dates import as_date
    from readiness.errors import InvalidValue

    value = (request.query_params.get(name) or "").strip()
    try:
        return as_date(value)
    except ValueError:
        raise InvalidValue("option.bad_date", option=name, value=value) from None


def _as_of(request: Request) -> dt.date | None:
    """`?as_of=` as `--as-of`: the day letters are judged on (default today)."""
    return query_date(request, "as_of")


def _tree_svg(store: Store, as_of: dt.date | None, lang: str) -> str:
    """The picture `org export FILE.svg` draws (its text escaped by the renderer)."""
    from readiness.org.accountability import export
    from readiness.web.record_views import _remove

    folder = Path(tempfile.mkdtemp(prefix="readiness-web-"))
    try:
        return Path(export(store, str(folder / "org.svg"), as_of, lang=lang)).read_text("utf-8")
    finally:
        _remove(folder)


@line_view()
def org_tree(request: Request, web: Web, visit: Visit) -> Response:
    """The tree as `org show` gives it, its picture and the findings of `org check`."""
    from markupsafe import Markup

    from readiness.accounts import allowed
    from readiness.errors import ReadinessError
    from readiness.org.accountability import check, show

    may_export = allowed(visit.account, "export", visit.line)
    try:
        as_of = _as_of(request)
        units = web.cached(show, as_of)
    except ReadinessError as problem:
        return web.page(request, visit, "org.html", status=400, units=[], findings=[],
                        svg="", as_of=request.query_params.get("as_of", ""),
                        may_export=may_export, error=web.message(request, problem))
    return web.page(request, visit, "org.html", units=units, findings=web.cached(check, as_of),
                    svg=Markup(web.cached(_tree_svg, as_of, web.lang(request))),
                    as_of=as_of.isoformat() if as_of else "", may_export=may_export,
                    error=None)


@line_view()
def org_path(request: Request, web: Web, visit: Visit) -> Response:
    """`?hazard=H-0001`: the chain from the hazard's owner up to the company (`org path`)."""
    from readiness.errors import NotFound, ReadinessError
    from readiness.org.accountability import path

    hazard = (request.query_params.get("hazard") or "").strip()
    context = {"hazard": hazard, "as_of": request.query_params.get("as_of", ""), "found": None}
    if not hazard:  # the form alone
        return web.page(request, visit, "org_path.html", error=None, **context)
    try:
        found = web.cached(path, visit.line, hazard, _as_of(request))
    except NotFound as problem:
        return web.page(request, visit, "org_path.html", status=404,
                        error=web.message(request, problem), **context)
    except ReadinessError as problem:
        return web.page(request, visit, "org_path.html", status=400,
                        error=web.message(request, problem), **context)
    return web.page(request, visit, "org_path.html", error=None, **{**context, "found": found})


@line_view()
def org_unit(request: Request, web: Web, visit: Visit) -> Response:
    """What a unit and its subtree answer for (`org owns`)."""
    from readiness.accounts import allowed, allowed_on_every_line
    from readiness.errors import NotFound
    from readiness.lines import list_lines
    from readiness.org.accountability import owns

    # a reader limited to some lines sees what the unit answers for on those lines only
    readable = None if allowed_on_every_line(visit.account, "read") else tuple(
        x.name for x in web.cached(list_lines) if allowed(visit.account, "read", x.name))
    try:
        owned = web.cached(owns, request.path_params["code"], readable)
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    return web.page(request, visit, "org_unit.html", owned=owned)


@line_view("export")
def org_export(request: Request, web: Web, visit: Visit) -> Response:
    """`export.graphml`, `export.dot`, `export.svg`: what `org export -o FILE` writes."""
    from readiness.errors import ReadinessError
    from readiness.org.accountability import export
    from readiness.web.record_views import _download, _remove

    fmt = request.path_params["fmt"]
    if fmt not in EXPORTS:
        return Response("no such export", status_code=404)
    folder = Path(tempfile.mkdtemp(prefix="readiness-web-"))
    try:
        written = export(web.store, str(folder / f"org.{fmt}"), _as_of(request),
                         lang=web.lang(request))
    except ReadinessError as problem:
        _remove(folder)
        return web.refusal(request, problem, 400)
    return _download(Path(written), f"organisation.{fmt}", folder)
