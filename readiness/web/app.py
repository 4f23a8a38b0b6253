"""`readiness serve`: the web application (Starlette, server-rendered with the project's jinja2
templates, no script). A face only: each route reads the request, checks the signed-in account's
permission (`readiness.accounts.allowed`, in `context.line_view`), calls service functions and
renders their result.

Sessions are server-side (`sessions.py`): a random token in an HttpOnly, SameSite=Lax cookie,
Secure over TLS. Every form carries the session's CSRF token; a non-GET request without it is
refused with 403 before anything is read or written.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from readiness.store.core import Store
from readiness.web import (account_views, checklist_forms, danger_forms, danger_views,
                           drill_forms, drill_views, hazard_edit_forms, hazard_forms,
                           import_views, inspection_forms, leader_views, line_views, org_forms,
                           org_views, pdca_views, record_views)
from readiness.web.context import COOKIE, LANG_COOKIE, Web, to_login
from readiness.web.sessions import Session, Sessions

__all__ = ["COOKIE", "create_app"]

HEADERS = {
    # no script at all, no inline style from elsewhere: the pages are plain server-rendered HTML
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; style-src 'self' "
                               "'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; "
                               "form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def create_app(db: str, *, secure_cookies: bool = False) -> Starlette:
    """The application over the store at `db` (a path or a database URL)."""
    from readiness.accounts import policy
    from readiness.report.html import environment

    web = Web(store=Store.open(db), sessions=Sessions(), secure_cookies=secure_cookies,
              idle=dt.timedelta(minutes=int(policy()["session"]["idle_minutes"])),
              templates=environment())
    routes = [Route("/healthz", healthz, name="healthz"),
              Route("/favicon.ico", favicon, name="favicon"),
              Route("/login", login_form, methods=["GET"], name="login_form"),
              Route("/login", login, methods=["POST"], name="login"),
              Route("/logout", logout, methods=["POST"], name="logout"),
              Route("/lang/{lang}", language, name="language"),
              *hazard_forms.routes(),  # hazards/new before a hazard's page
              *hazard_edit_forms.routes(),
              *org_forms.routes(),  # org/units/new and org/people/new before a unit's page
              *inspection_forms.routes(),  # inspections/record before an inspection's
              *line_views.routes(), *record_views.routes(), *org_views.routes(),
              *drill_views.routes(), *account_views.routes(), *danger_views.routes(),
              *pdca_views.routes(), *leader_views.routes(), *import_views.routes(),
              *drill_forms.routes(), *checklist_forms.routes(), *danger_forms.routes()]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])
    app.state.web = web
    return app


async def csrf_ok(request: Request, session: Session | None) -> bool:
    form = await request.form()
    given = str(form.get("csrf") or "")
    return session is not None and secrets.compare_digest(given, session.csrf)


def csrf_refused() -> Response:
    return Response("CSRF token missing or wrong", status_code=403)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})  # the store is not touched


async def favicon(request: Request) -> Response:
    return Response(status_code=204)  # no icon, and no 404 in the browser's console


async def login_form(request: Request) -> Response:
    web: Web = request.app.state.web
    if web.signed_in(request) is not None:  # already signed in: keep that session
        return RedirectResponse(request.url_for("dashboard"), status_code=303)
    token, pre = web.sessions.start("", web.now())  # anonymous: it only carries the CSRF
    response = web.page(request, None, "login.html", csrf=pre.csrf, error=None)
    _set_cookie(web, response, COOKIE, token)
    return response


async def login(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    from readiness.accounts import LoginRefused, authenticate

    web: Web = request.app.state.web
    pre = web.sessions.get(request.cookies.get(COOKIE), web.now(), web.idle)
    if not await csrf_ok(request, pre):
        return csrf_refused()
    assert pre is not None
    form = await request.form()
    try:  # Argon2 takes a while on purpose: off the event loop
        account = await run_in_threadpool(authenticate, web.store,
                                          str(form.get("staff_id") or ""),
                                          str(form.get("password") or ""))
    except LoginRefused as refused:
        return web.page(request, None, "login.html", status=401, csrf=pre.csrf,
                        error=web.message(request, refused))
    web.sessions.end(request.cookies.get(COOKIE))  # a fresh token on sign-in
    token, _ = web.sessions.start(account.staff_id, web.now())
    response = RedirectResponse(request.url_for("dashboard"), status_code=303)
    _set_cookie(web, response, COOKIE, token)
    return response


async def logout(request: Request) -> Response:
    web: Web = request.app.state.web
    visit = web.signed_in(request)
    if not await csrf_ok(request, visit.session if visit else None):
        return csrf_refused()
    web.sessions.end(request.cookies.get(COOKIE))
    response = to_login(request)
    response.delete_cookie(COOKIE, path="/")
    return response


async def language(request: Request) -> Response:
    web: Web = request.app.state.web
    lang = request.path_params["lang"]
    response = RedirectResponse(_same_site(request), status_code=303)
    if lang in ("zh", "en"):
        _set_cookie(web, response, LANG_COOKIE, lang, max_age=365 * 86400)
    return response


def _same_site(request: Request) -> str:
    """Back to the page the switch was pressed on, never to another site."""
    from urllib.parse import urlsplit

    referer = urlsplit(request.headers.get("referer") or "")
    if referer.netloc and referer.netloc != request.url.netloc:
        return "/"
    return (referer.path or "/") + (f"?{referer.query}" if referer.query else "")


def _set_cookie(web: Web, response: Response, name: str, value: str,
                max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=web.secure_cookies, path="/")
