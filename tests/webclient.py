"""Signing in to the web application from a test, as a browser does: the sign-in form's CSRF
token, the post, then English pages; returns the session's CSRF token for forms."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

PASSWORD = "Tunnel-Watch-2026"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def sign_in(web: TestClient, staff_id: str, password: str = PASSWORD) -> str:
    web.cookies.clear()  # signed in already, /login would keep that session
    assert web.post("/login", data={"csrf": csrf_of(web.get("/login").text),
                                     "staff_id": staff_id, "password": password}
                    ).status_code == 303
    web.cookies.set("readiness_lang", "en")
    return csrf_of(web.get("/").text)
