"""Signing in to the web application from a test, as a browser does: the sign-in form's CSRF
token, the post, then English pages; returns the session's CSRF token for forms."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

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


@contextlib.contextmanager
def serving(db: str) -> Iterator[str]:
    """The application over the store at `db`, served by uvicorn in this process on a free
    loopback port (so a patched clock is the one it reads); yields its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    from readiness.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    running = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port,
                                            log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(100):  # bounded: a server that never starts fails the test that waits on it
        if running.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)


def sign_in_browser(page: Any, base: str, staff_id: str, lang: str = "en",
                    password: str = PASSWORD) -> None:
    """Sign a Playwright page in through the sign-in form, in `lang`, as a person would."""
    page.goto(f"{base}/lang/{lang}")
    page.goto(f"{base}/login")
    page.fill("#staff_id", staff_id)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
