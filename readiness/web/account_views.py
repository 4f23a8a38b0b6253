"""The accounts, for an administrator (`readiness user list`): who may sign in, with which
roles on which lines, and whether the account is disabled or locked out. Accounts are made and
changed at the command line (the first administrator only there)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, signed_in_view


def routes() -> list[Route]:
    return [Route("/accounts", accounts, name="accounts")]


@signed_in_view
def accounts(request: Request, web: Web, visit: Visit) -> Response:
    from readiness.accounts import allowed, list_accounts, roles

    if not allowed(visit.account, "accounts"):
        return Response("not allowed", status_code=403)
    return web.page(request, visit, "accounts.html", accounts=web.cached(list_accounts),
                    roles=roles(), now=web.now())
