"""Filled workbooks uploaded in the browser, as `readiness import` takes them: first a check
that writes nothing and lists every problem as `sheet!row, column: reason` with what the
import would create, update and leave unchanged; then "import", which writes it all or nothing.
And every template to download.

An uploaded file is kept in a folder of its own under the server's temporary directory until
it is imported (or for an hour), under a random name: the name it was sent with is only shown.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, line_view, posted, signed_in_view

# which action a role needs to import each kind of workbook (readiness/template_kinds.py)
KIND_ACTIONS = {"line": "line-edit", "hazards": "hazard-edit", "org": "org-edit",
                "drill-runs": "drill-edit", "drill-catalogue": "drill-edit",
                "pdca": "pdca-edit", "inspection": "inspection-edit",
                "dangers": "inspection-edit", "checklist": "checklist-edit",
                "trial-run": "line-edit"}
KEEP_SECONDS = 3600
SUFFIXES = (".xlsx", ".csv")


@dataclass
class Upload:
    staff_id: str
    line: str
    kind: str
    name: str
    folder: Path
    at: float

    @property
    def path(self) -> Path:
        return self.folder / ("upload" + PurePosixPath(self.name).suffix.lower())


UPLOADS: dict[str, Upload] = {}
LOCK = threading.Lock()


def routes() -> list[Route]:
    return [Route("/lines/{line}/import", import_form, methods=["GET"], name="import_form"),
            Route("/lines/{line}/import", check_upload, methods=["POST"], name="import_check"),
            Route("/lines/{line}/import/{token}", import_upload, methods=["POST"],
                  name="import_upload"),
            Route("/templates/{name}", template_download, name="template")]


def _kinds(visit: Visit) -> list[str]:
    from readiness.accounts import allowed

    return [k for k, action in KIND_ACTIONS.items() if allowed(visit.account, action, visit.line)]


@line_view()
def import_form(request: Request, web: Web, visit: Visit) -> Response:
    return web.page(request, visit, "import.html", kinds=_kinds(visit), result=None, error=None,
                    problems=[], upload=None, token=None)


def _forget_old() -> None:
    with LOCK:
        old = [t for t, u in UPLOADS.items() if time.time() - u.at > KEEP_SECONDS]
        for token in old:
            shutil.rmtree(UPLOADS.pop(token).folder, ignore_errors=True)


def _run(web: Web, upload: Upload, visit: Visit, dry_run: bool) -> Any:
    from readiness.accounts import acting_as
    from readiness.importing import import_file

    return import_file(web.store, upload.path, kind=upload.kind, line=upload.line,
                       actor=acting_as(visit.account, "web"), dry_run=dry_run, rehearse=dry_run)


def _outcome(request: Request, web: Web, visit: Visit, upload: Upload, token: str | None,
             dry_run: bool) -> Response:
    """Run the check or the import; the page with its problems or its counts."""
    from readiness.errors import ImportRejected, ReadinessError

    try:
        result = _run(web, upload, visit, dry_run)
    except ImportRejected as rejected:
        lines = [p.message() for p in rejected.problems]
        return web.page(request, visit, "import.html", status=400, kinds=_kinds(visit),
                        result=None, error=_hide(web.message(request, rejected), upload),
                        problems=lines, upload=upload, token=None)
    except ReadinessError as problem:
        return web.page(request, visit, "import.html", status=400, kinds=_kinds(visit),
                        result=None, error=_hide(web.message(request, problem), upload),
                        problems=[], upload=upload, token=None)
    return web.page(request, visit, "import.html", kinds=_kinds(visit), result=result,
                    error=None, problems=[], upload=upload, token=token)


def _hide(message: str, upload: Upload) -> str:
    """The server's own folder is nobody's business: the file is named as it was sent."""
    return message.replace(str(upload.path), upload.name)


@posted("read")
async def check_upload(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    """The check before importing: every problem, or what the import would do."""
    from readiness.i18n import set_lang, t

    _forget_old()
    kind = str(form.get("kind") or "")
    file = form.get("file")
    set_lang(web.lang(request))
    if kind not in _kinds(visit):
        return Response("not allowed", status_code=403)
    name = str(getattr(file, "filename", "") or "")
    if not name or PurePosixPath(name).suffix.lower() not in SUFFIXES \
            or PurePosixPath(name).name != name or "\\" in name:
        return web.page(request, visit, "import.html", status=400, kinds=_kinds(visit),
                        result=None, error=t("web.import_name", name=name or "-"), problems=[],
                        upload=None, token=None)
    folder = Path(tempfile.mkdtemp(prefix="readiness-upload-"))
    upload = Upload(visit.account.staff_id, str(visit.line), kind, name, folder, time.time())
    upload.path.write_bytes(await file.read())
    token = secrets.token_urlsafe(24)
    response = await run_in_threadpool(_outcome, request, web, visit, upload, token, True)
    if response.status_code == 200:
        with LOCK:
            UPLOADS[token] = upload
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return response


@posted("read")
async def import_upload(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    """Import a checked upload: all or nothing. Only its uploader, on its line, once."""
    with LOCK:
        upload = UPLOADS.get(request.path_params["token"])
        if upload is None or upload.staff_id != visit.account.staff_id \
                or upload.line != visit.line:
            return Response("no such upload: send the file again", status_code=404)
        if upload.kind not in _kinds(visit):
            return Response("not allowed", status_code=403)
        del UPLOADS[request.path_params["token"]]
    try:
        return await run_in_threadpool(_outcome, request, web, visit, upload, None, False)
    finally:
        shutil.rmtree(upload.folder, ignore_errors=True)


@signed_in_view
def template_download(request: Request, web: Web, visit: Visit) -> Response:
    """`/templates/hazards.xlsx`: the workbook `readiness template hazards` writes."""
    from readiness.importing import template_kind
    from readiness.web.record_views import _download
    from readiness.xlsx.writer import write_template

    stem, _, ext = request.path_params["name"].rpartition(".")
    if ext != "xlsx" or stem not in KIND_ACTIONS:
        return Response("no such template", status_code=404)
    folder = Path(tempfile.mkdtemp(prefix="readiness-web-"))
    out = write_template(template_kind(stem), folder / f"{stem}.xlsx", web.lang(request))
    return _download(Path(out), f"{stem}-template.xlsx", folder)
