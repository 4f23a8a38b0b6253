"""Records to read, compare and take away: a snapshot's difference from another, the reports
of a snapshot (HTML to view, Excel to download), the registers' Excel/CSV exports (the same
files `readiness export` writes) and the audit trail with its filters."""

from __future__ import annotations

import tempfile
from pathlib import Path


from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, line_view, signed_in_view

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_TITLES = {"hazards": ("危险源台帐", "Hazard register"),
                 "pdca": ("问题整改", "PDCA items"),
                 "dangers": ("隐患排查治理台账", "Hidden-danger ledger")}
TYPES = {".xlsx": XLSX, ".csv": "text/csv; charset=utf-8", ".html": "text/html; charset=utf-8",
         ".ics": "text/calendar; charset=utf-8", ".graphml": "application/graphml+xml",
         ".dot": "text/vnd.graphviz", ".svg": "image/svg+xml"}


def routes() -> list[Route]:
    return [Route("/lines/{line}/snapshots/diff", snapshot_diff, name="snapshot_diff"),
            Route("/lines/{line}/reports", reports, name="reports"),
            Route("/lines/{line}/report.{fmt}", report, name="report"),
            Route("/lines/{line}/export/{name}", export, name="export"),
            Route("/audit", audit_log, name="audit")]


@line_view()
def snapshot_diff(request: Request, web: Web, visit: Visit) -> Response:
    """What changed between two snapshots (`?a=OLD&b=NEW`), as `assess history --diff`."""
    from readiness.assessment.assess import history
    from readiness.errors import ReadinessError

    try:
        pair = (int(request.query_params["a"]), int(request.query_params["b"]))
    except (KeyError, ValueError):
        return Response("give two snapshot numbers: ?a=OLD&b=NEW", status_code=400)
    try:
        found = history(web.store, visit.line, diff=pair)  # messages in the visitor's language
    except ReadinessError as problem:
        return web.page(request, visit, "snapshot_diff.html", status=404, changes=None,
                        error=web.message(request, problem), pair=pair)
    return web.page(request, visit, "snapshot_diff.html", changes=found.changes, error=None,
                    pair=pair)


def _snapshot(request: Request) -> int | None:
    value = request.query_params.get("snapshot")
    return int(value) if value and value.isdigit() else None


@line_view()
def reports(request: Request, web: Web, visit: Visit) -> Response:
    from readiness.accounts import allowed
    from readiness.template_kinds import REGISTRY

    exports = [(k.name, fmt, *EXPORT_TITLES[k.name]) for k in REGISTRY if k.export
               for fmt in (("xlsx", "csv") if "csv" in k.export_formats else ("xlsx",))]
    return web.page(request, visit, "reports.html", exports=exports,
                    may_export=allowed(visit.account, "export", visit.line),
                    snapshot=_snapshot(request))


@line_view("export")
def report(request: Request, web: Web, visit: Visit) -> Response:
    """The readiness report of the latest (or `?snapshot=N`) snapshot: HTML shown in the
    browser, Excel downloaded. Never assesses: a line with no snapshot answers 404."""
    from readiness.errors import ReadinessError
    from readiness.report import write_report

    fmt = request.path_params["fmt"]
    if fmt not in ("html", "xlsx"):
        return Response("no such report", status_code=404)
    folder = Path(tempfile.mkdtemp(prefix="readiness-web-"))
    out = folder / f"report.{fmt}"
    try:
        write_report(web.store, visit.line, out, snapshot=_snapshot(request),
                     lang=web.lang(request))
    except ReadinessError as problem:
        _remove(folder)
        return web.refusal(request, problem, 404)
    if fmt == "html":
        html = out.read_text(encoding="utf-8")
        _remove(folder)
        return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})
    return _download(out, f"{visit.line}-readiness.xlsx", folder)


# The report is a self-contained page with its own inline style and SVG charts, and no script.
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


@line_view("export")
def export(request: Request, web: Web, visit: Visit) -> Response:
    """`/export/hazards.xlsx`, `hazards.csv`, `pdca.xlsx`, `dangers.xlsx`: what
    `readiness export NAME -o FILE` writes, re-importable unchanged."""
    import importlib

    from readiness.errors import ReadinessError
    from readiness.template_kinds import REGISTRY

    stem, _, fmt = request.path_params["name"].rpartition(".")
    kind = next((k for k in REGISTRY if k.name == stem and k.export), None)
    if kind is None or f".{fmt}" not in kind.export_formats:
        return Response("no such export", status_code=404)
    folder = Path(tempfile.mkdtemp(prefix="readiness-web-"))
    out = folder / f"{stem}.{fmt}"
    module, function = kind.export.split(":")
    try:
        getattr(importlib.import_module(module), function)(web.store, visit.line, str(out))
    except ReadinessError as problem:
        _remove(folder)
        return web.refusal(request, problem, 400)
    return _download(out, f"{visit.line}-{stem}.{fmt}", folder)


@signed_in_view
def audit_log(request: Request, web: Web, visit: Visit) -> Response:
    """The audit trail, newest first, with `audit log`'s filters. The trail is the store's, not
    one line's: only an account that may read every line sees it."""
    from readiness.accounts import allowed_on_every_line
    from readiness.audit import list_records
    from readiness.errors import ReadinessError

    if not allowed_on_every_line(visit.account, "read"):
        return Response("not allowed", status_code=403)
    q = request.query_params
    filters = {"entity": q.get("entity") or None, "key": q.get("key") or None}
    try:
        limit = int(q.get("limit") or 50)
        records = list_records(web.store, limit=limit, **filters)
    except ValueError:
        return Response("limit: a whole number", status_code=400)
    except ReadinessError as problem:
        return web.page(request, visit, "audit.html", status=400, records=[], filters=filters,
                        limit=50, error=web.message(request, problem))
    return web.page(request, visit, "audit.html", records=records, filters=filters,
                    limit=limit, error=None)


def _download(path: Path, name: str, folder: Path) -> Response:
    """The file as an attachment under `name` (never a path), removed once sent."""
    return FileResponse(path, media_type=TYPES.get(path.suffix, "application/octet-stream"),
                        filename=name, content_disposition_type="attachment",
                        background=BackgroundTask(_remove, folder))


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


