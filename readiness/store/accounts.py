"""Store queries and writes for accounts and their roles: the only code that talks to the
tables accounts and account_roles. Plain dicts in and out; the password hash leaves this module
only for the service that checks a password."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from readiness.store import tables

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from readiness.store.write_session import WriteSession

A = tables.accounts
AR = tables.account_roles
L = tables.lines
P = tables.people


def load_accounts(session: Session | Connection, staff_ids: list[str] | None = None
                  ) -> list[dict[str, Any]]:
    """Accounts (or just `staff_ids`), each with its person's name and unit and its roles
    [{"role", "line"}] (line None: every line), ordered by staff ID."""
    query = (select(A, P.c.name, P.c.unit_code).select_from(A)
             .join(P, P.c.staff_id == A.c.staff_id, isouter=True))
    if staff_ids is not None:
        query = query.where(A.c.staff_id.in_(staff_ids))
    rows = [dict(r) for r in session.execute(query.order_by(A.c.staff_id)).mappings()]
    if not rows:
        return []
    roles: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in session.execute(
            select(AR.c.id, AR.c.account_id, AR.c.role, L.c.name.label("line"))
            .select_from(AR).join(L, L.c.id == AR.c.line_id, isouter=True)
            .where(AR.c.account_id.in_([r["id"] for r in rows]))
            .order_by(AR.c.role, L.c.name)).mappings():
        roles[r["account_id"]].append({"row_id": r["id"], "role": r["role"], "line": r["line"]})
    for r in rows:
        r["roles"] = roles.get(r["id"], [])
    return rows


def find_account(session: Session | Connection, staff_id: str) -> dict[str, Any] | None:
    found = load_accounts(session, [staff_id])
    return found[0] if found else None


def any_account(session: Session | Connection) -> bool:
    return session.execute(select(A.c.id).limit(1)).first() is not None


def count_admins(session: Session | Connection) -> int:
    return len(session.execute(select(AR.c.account_id).join(A, A.c.id == AR.c.account_id)
                               .where(AR.c.role == "admin", A.c.disabled.is_(False))
                               .distinct()).all())


def insert_account(session: WriteSession, row: dict[str, Any]) -> int:
    (new_id,) = session.insert_rows(A, [row], key_field="staff_id")
    return new_id


def update_account(session: WriteSession, account: dict[str, Any],
                   changes: dict[str, Any]) -> None:
    before = {k: account[k] for k in changes}
    session.update_rows(A, [(account["id"], account["staff_id"], before, changes)])


def set_roles(session: WriteSession, account: dict[str, Any],
              roles: list[tuple[str, int | None]]) -> None:
    """Replace the account's roles with `roles` [(role, line row ID or None)], audited."""
    session.delete_rows(AR, [(r["row_id"], account["staff_id"],
                              {"account_id": account["id"], "role": r["role"], "line": r["line"]})
                             for r in account["roles"]])
    session.insert_rows(AR, [{"account_id": account["id"], "role": role, "line_id": line_id}
                             for role, line_id in roles], key_field="role")
