"""What every web view shares: the store, the templates, the sessions, and the checks a view
makes before it calls a service — who is signed in, and may they read the line in the URL.

A read view is a plain function decorated with `line_view` (or `signed_in_view` for pages that
are not about one line): the decorator answers a visitor who is not signed in with a redirect to
/login, an unknown line with 404 and a line the account may not read with 403, before the view
runs. Starlette runs plain functions in its thread pool, so a slow store read does not hold up
other requests.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from readiness.store.core import Store
from readiness.web.sessions import Session, Sessions

COOKIE = "readiness_session"
LANG_COOKIE = "readiness_lang"
CACHE_SIZE = 512  # service results kept, newest used last


@dataclass
class Visit:
    """The signed-in account on a request, and the line its URL names (if any)."""

    account: Any
    session: Session
    line: str | None = None


@dataclass
class Web:
    store: Store
    sessions: Sessions
    idle: dt.timedelta
    secure_cookies: bool
    templates: Any
    cache: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    cache_lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def now() -> dt.datetime:
        from readiness.store.core import utcnow

        return utcnow()

    @staticmethod
    def lang(request: Request) -> str:
        return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"

    def page(self, request: Request, visit: Visit | None, name: str, status: int = 200,
             **context: Any) -> HTMLResponse:
        from readiness.i18n import set_lang

        lang = self.lang(request)
        set_lang(lang)
        if visit is not None:
            from readiness.accounts import allowed, allowed_on_every_line

            may = {"audit": allowed_on_every_line(visit.account, "read"),
                   "accounts": allowed(visit.account, "accounts"),
                   "drill_edit": bool(visit.line) and allowed(visit.account, "drill-edit",
                                                              visit.line),
                   "inspection_edit": bool(visit.line) and allowed(
                       visit.account, "inspection-edit", visit.line)}
            context = {"account": visit.account, "csrf": visit.session.csrf,
                       "line": visit.line, "may": may, **context}
        root = request.scope.get("root_path", "").rstrip("/")  # behind a proxy's prefix
        html = self.templates.get_template(f"web/{name}").render(lang=lang, zh=lang == "zh",
                                                                root=root, **context)
        return HTMLResponse(html, status_code=status)

    def message(self, request: Request, problem: Any) -> str:
        """A refusal's one line in the visitor's language."""
        from readiness.i18n import set_lang

        set_lang(self.lang(request))
        return str(problem.message())

    def refusal(self, request: Request, problem: Any, status: int) -> Response:
        """A refusal's one line as the whole answer (plain text), for a URL that names no
        such record (404) or a step the record's state refuses."""
        return Response(self.message(request, problem), status_code=status,
                        media_type="text/plain; charset=utf-8")

    def signed_in(self, request: Request) -> Visit | None:
        from readiness.accounts import show_account
        from readiness.errors import NotFound

        token = request.cookies.get(COOKIE)
        session = self.sessions.get(token, self.now(), self.idle)
        if session is None or not session.staff_id:
            return None
        try:
            account = self.cached(show_account, session.staff_id)
        except NotFound:
            account = None
        if account is None or account.disabled:  # a disabled account's sessions end at once
            self.sessions.end(token)
            return None
        return Visit(account, session)

    def cached(self, compute: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`compute(self.store, *args, **kwargs)`, reused while the store's data is unchanged
        (its audit trail has no newer record) and on the same day (overdue, due soon). The
        result is shared by every visitor, so views ask for it only after the permission
        check, and treat it as read-only."""
        key = (compute.__module__, compute.__qualname__, args, tuple(sorted(kwargs.items())),
               self.store.data_version(), dt.date.today())
        with self.cache_lock:
            if key in self.cache:
                self.cache.move_to_end(key)
                return self.cache[key]
        value = compute(self.store, *args, **kwargs)
        with self.cache_lock:
            self.cache[key] = value
            while len(self.cache) > CACHE_SIZE:
                self.cache.popitem(last=False)
        return value


def to_login(request: Request) -> Response:
    return RedirectResponse(request.url_for("login_form"), status_code=303)


def signed_in_view(view: Callable[[Request, Web, Visit], Response]) -> Callable[[Request],
                                                                                 Response]:
    @functools.wraps(view)
    def checked(request: Request) -> Response:
        web: Web = request.app.state.web
        visit = web.signed_in(request)
        if visit is None:
            return to_login(request)
        return view(request, web, visit)

    return checked


def _line_visit(request: Request, action: str) -> Visit | Response:
    """The signed-in account on the line the URL names, if its roles allow `action` there;
    else the answer: /login, 404 for no such line, 403."""
    from readiness.accounts import allowed
    from readiness.lines import list_lines

    web: Web = request.app.state.web
    visit = web.signed_in(request)
    if visit is None:
        return to_login(request)
    line = request.path_params["line"]
    if line not in {x.name for x in web.cached(list_lines)}:
        return Response("no such line", status_code=404)
    if not allowed(visit.account, action, line):
        return Response("not allowed", status_code=403)
    visit.line = line
    return visit


def line_view(action: str = "read") -> Callable[..., Callable[[Request], Response]]:
    """A view of one line's records, for accounts whose roles allow `action` on that line."""

    def decorate(view: Callable[[Request, Web, Visit], Response]) -> Callable[[Request],
                                                                               Response]:
        @functools.wraps(view)
        def checked(request: Request) -> Response:
            visit = _line_visit(request, action)
            if isinstance(visit, Response):
                return visit
            return view(request, request.app.state.web, visit)

        return checked

    return decorate


FORM_LIMIT = 25 * 2**20  # a form's body at most: the largest evidence file and its fields


def posted(action: str) -> Callable[..., Callable[[Request], Any]]:
    """A form sent to a line's URL by an account whose roles allow `action` there: the CSRF
    token is checked before anything is read or written (403), and a body over FORM_LIMIT is
    refused (413) before it is read."""

    def decorate(view: Callable[..., Any]) -> Callable[[Request], Any]:
        @functools.wraps(view)
        async def checked(request: Request) -> Response:
            import secrets

            visit = _line_visit(request, action)
            if isinstance(visit, Response):
                return visit
            if int(request.headers.get("content-length") or 0) > FORM_LIMIT:
                return Response(f"the form is over {FORM_LIMIT // 2**20} MB", status_code=413)
            form = await request.form(max_files=5, max_fields=100)
            if not secrets.compare_digest(str(form.get("csrf") or ""), visit.session.csrf):
                return Response("CSRF token missing or wrong", status_code=403)
            return await view(request, request.app.state.web, visit, form)

        return checked

    return decorate


def seen(form: Any) -> int:
    """The version of the record an edit form was opened at (`readiness.audit.version`); a form
    without one counts as stale, so it can never overwrite unnoticed."""
    try:
        return int(form.get("version") or -1)
    except ValueError:
        return -1
