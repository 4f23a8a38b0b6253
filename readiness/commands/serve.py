"""`serve`: the web application over the same store (see readiness/web/app.py)."""

from __future__ import annotations

import click

from readiness.commands.options import command, settings


@command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (keep 127.0.0.1 behind a reverse proxy).")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--root-path", default="",
              help="The path prefix the reverse proxy serves the application under, e.g. /readiness.")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="Proxies whose X-Forwarded-For and X-Forwarded-Proto headers are trusted.")
@click.option("--secure-cookies/--no-secure-cookies", default=False,
              help="Mark cookies Secure: on whenever users reach it over TLS (at the proxy).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]),
              help="How much the server logs (each request at info; never a form's content).")
def serve(host: str, port: int, root_path: str, forwarded_allow_ips: str,
          secure_cookies: bool, log_level: str) -> None:
    """Serve the web application on HOST:PORT (sign in with an account: readiness user add)."""
    import uvicorn

    from readiness.web.app import create_app

    app = create_app(settings().db, secure_cookies=secure_cookies)
    uvicorn.run(app, host=host, port=port, root_path=root_path, proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips, log_level=log_level)


COMMANDS = [serve]
