"""`readiness serve`: the web application (Starlette, server-rendered with the project's jinja2
templates, no script). A face only: each route reads the request, checks the signed-in account's
permission (`readiness.accounts.allowed`), calls one service function and renders its result.

Sessions are server-side (a random token in an HttpOnly, SameSite=Lax cookie, Secure over TLS;
the token's SHA-256 is the key), end at logout, after the idle timeout (data/accounts.toml) and at
once when the account is disabled. Every form carries the session's CSRF token; a non-GET request
without it is refused with 403 before anything is read or written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from readiness.store.core import Store

COOKIE = "readiness_session"
LANG_COOKIE = "readiness_lang"
HEADERS = {
    # no script at all, no inline style from elsewhere: the pages are plain server-rendered HTML
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; style-src 'self' "
                               "'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; "
                               "form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


@dataclass
class Session:
    staff_id: str
    csrf: str
    last_seen: dt.datetime


@dataclass
class Sessions:
    """Server-side sessions by the SHA-256 of their token (the token itself is only in the
    cookie). In the process: a restart signs everyone out."""

    by_hash: dict[str, Session] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, staff_id: str, now: dt.datetime) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(staff_id, secrets.token_urlsafe(32), now)
        with self.lock:
            self.by_hash[_digest(token)] = session
        return token, session

    def get(self, token: str | None, now: dt.datetime, idle: dt.timedelta) -> Session | None:
        if not token:
            return None
        with self.lock:
            session = self.by_hash.get(_digest(token))
            if session is None:
                return None
            if now - session.last_seen > idle:
                del self.by_hash[_digest(token)]
                return None
            session.last_seen = now
            return session

    def end(self, token: str | None) -> None:
        if token:
            with self.lock:
                self.by_hash.pop(_digest(token), None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _lang(request: Request) -> str:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"


def create_app(db: str, *, secure_cookies: bool = False) -> Starlette:
    """The application over the store at `db` (a path or a database URL)."""
    from readiness.accounts import policy
    from readiness.report.html import environment

    store = Store.open(db) if "://" not in db else Store.open(db)
    sessions = Sessions()
    idle = dt.timedelta(minutes=int(policy()["session"]["idle_minutes"]))
    templates = environment()

    def now() -> dt.datetime:
        from readiness.store.core import utcnow

        return utcnow()

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        from readiness.i18n import set_lang

        lang = _lang(request)
        set_lang(lang)
        html = templates.get_template(f"web/{name}").render(lang=lang, zh=lang == "zh",
                                                           **context)
        return HTMLResponse(html, status_code=status)

    def signed_in(request: Request) -> tuple[Any, Session] | None:
        from readiness.accounts import show_account
        from readiness.errors import NotFound

        session = sessions.get(request.cookies.get(COOKIE), now(), idle)
        if session is None:
            return None
        try:
            account = show_account(store, session.staff_id)
        except NotFound:
            account = None
        if account is None or account.disabled:  # a disabled account's sessions end at once
            sessions.end(request.cookies.get(COOKIE))
            return None
        return account, session

    async def csrf_ok(request: Request, session: Session | None) -> bool:
        form = await request.form()
        given = str(form.get("csrf") or "")
        return session is not None and secrets.compare_digest(given, session.csrf)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def login_form(request: Request) -> Response:
        token, pre = sessions.start("", now())  # an anonymous session only to carry the CSRF
        response = page(request, "login.html", csrf=pre.csrf, error=None)
        _set_cookie(response, COOKIE, token, secure_cookies)
        return response

    async def login(request: Request) -> Response:
        from readiness.accounts import LoginRefused, authenticate
        from readiness.i18n import t

        pre = sessions.get(request.cookies.get(COOKIE), now(), idle)
        if not await csrf_ok(request, pre):
            return Response("CSRF token missing or wrong", status_code=403)
        form = await request.form()
        try:
            account = authenticate(store, str(form.get("staff_id") or ""),
                                   str(form.get("password") or ""))
        except LoginRefused as refused:
            assert pre is not None
            from readiness.i18n import set_lang

            set_lang(_lang(request))
            return page(request, "login.html", status=401, csrf=pre.csrf,
                        error=t(refused.key, **refused.params))
        sessions.end(request.cookies.get(COOKIE))  # a fresh token on sign-in
        token, _ = sessions.start(account.staff_id, now())
        response = RedirectResponse(request.url_for("dashboard"), status_code=303)
        _set_cookie(response, COOKIE, token, secure_cookies)
        return response

    async def logout(request: Request) -> Response:
        found = signed_in(request)
        if not await csrf_ok(request, found[1] if found else None):
            return Response("CSRF token missing or wrong", status_code=403)
        sessions.end(request.cookies.get(COOKIE))
        response = RedirectResponse(request.url_for("login_form"), status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # The read views are plain functions: Starlette runs them in its thread pool, so a slow
    # store read does not hold up other requests (sign-in and sign-out await their forms).
    def dashboard(request: Request) -> Response:
        from readiness.accounts import allowed
        from readiness.assessment.assess import latest
        from readiness.lines import list_lines

        found = signed_in(request)
        if found is None:
            return RedirectResponse(request.url_for("login_form"), status_code=303)
        account, session = found
        lines = []
        for line in list_lines(store):
            if not allowed(account, "read", line.name):
                continue
            lines.append({"name": line.name, "phase": line.phase,
                          "latest": latest(store, line.name)})
        return page(request, "dashboard.html", account=account, csrf=session.csrf, lines=lines)

    PAGE = 50  # hazards per page

    def reader(request: Request) -> tuple[Any, Session] | Response:
        """The signed-in account allowed to read the line in the URL, or the response."""
        from readiness.accounts import allowed
        from readiness.lines import list_lines

        found = signed_in(request)
        if found is None:
            return RedirectResponse(request.url_for("login_form"), status_code=303)
        line = request.path_params["line"]
        if line not in {x.name for x in list_lines(store)}:
            return Response("no such line", status_code=404)
        if not allowed(found[0], "read", line):
            return Response("not allowed", status_code=403)
        return found

    def hazards(request: Request) -> Response:
        from hazards.register import page_hazards
        from readiness.errors import ReadinessError

        found = reader(request)
        if isinstance(found, Response):
            return found
        account, session = found
        line = request.path_params["line"]
        q = request.query_params
        filters = {k: q.get(k) or None for k in ("level", "specialty", "location", "owner",
                                                   "status")}
        try:
            page_no = max(1, int(q.get("page") or 1))
        except ValueError:
            page_no = 1
        try:
            total, rows = page_hazards(store, line, page=page_no, size=PAGE, **filters)
        except ReadinessError as problem:
            from readiness.i18n import set_lang, t

            set_lang(_lang(request))
            return page(request, "hazards.html", status=400, account=account, csrf=session.csrf,
                        line=line, rows=[], error=t(problem.key, **problem.params),
                        filters=filters, page_no=1, pages=1, total=0, keep={})
        pages = max(1, -(-total // PAGE))
        return page(request, "hazards.html", account=account, csrf=session.csrf, line=line,
                    rows=rows, error=None, filters=filters, page_no=min(page_no, pages),
                    pages=pages, total=total, keep={k: v for k, v in filters.items() if v})

    def hazard(request: Request) -> Response:
        from readiness.errors import NotFound
        from hazards.register import show_hazard

        found = reader(request)
        if isinstance(found, Response):
            return found
        account, session = found
        line = request.path_params["line"]
        try:
            h = show_hazard(store, line, request.path_params["code"])
        except (NotFound, StopIteration):
            return Response("no such hazard", status_code=404)
        return page(request, "hazard.html", account=account, csrf=session.csrf, line=line, h=h)

    def pdca(request: Request) -> Response:
        from readiness.pdca.items import list_items

        found = reader(request)
        if isinstance(found, Response):
            return found
        account, session = found
        line = request.path_params["line"]
        every = request.query_params.get("all") == "1"
        items = list_items(store, line, include_closed=every,
                           overdue=request.query_params.get("overdue") == "1")
        return page(request, "pdca.html", account=account, csrf=session.csrf, line=line,
                    items=items, every=every)

    def checklist(request: Request) -> Response:
        from readiness.checklist import list_items as checklist_items

        found = reader(request)
        if isinstance(found, Response):
            return found
        account, session = found
        line = request.path_params["line"]
        return page(request, "checklist.html", account=account, csrf=session.csrf, line=line,
                    items=checklist_items(store, line))

    def snapshots(request: Request) -> Response:
        from readiness.assessment.assess import history

        found = reader(request)
        if isinstance(found, Response):
            return found
        account, session = found
        line = request.path_params["line"]
        return page(request, "snapshots.html", account=account, csrf=session.csrf, line=line,
                    snapshots=history(store, line).snapshots)

    async def language(request: Request) -> Response:
        lang = request.path_params["lang"]
        response = RedirectResponse(request.headers.get("referer") or "/", status_code=303)
        if lang in ("zh", "en"):
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True,
                                samesite="lax", secure=secure_cookies, path="/")
        return response

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)  # no icon, and no 404 in the browser's console

    routes = [Route("/healthz", healthz, name="healthz"),
              Route("/favicon.ico", favicon, name="favicon"),
              Route("/login", login_form, methods=["GET"], name="login_form"),
              Route("/login", login, methods=["POST"], name="login"),
              Route("/logout", logout, methods=["POST"], name="logout"),
              Route("/lang/{lang}", language, name="language"),
              Route("/lines/{line}/hazards", hazards, name="hazards"),
              Route("/lines/{line}/hazards/{code}", hazard, name="hazard"),
              Route("/lines/{line}/pdca", pdca, name="pdca"),
              Route("/lines/{line}/checklist", checklist, name="checklist"),
              Route("/lines/{line}/snapshots", snapshots, name="snapshots"),
              Route("/", dashboard, name="dashboard")]
    return Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])


def _set_cookie(response: Response, name: str, value: str, secure: bool) -> None:
    response.set_cookie(name, value, httponly=True, samesite="lax", secure=secure, path="/")
