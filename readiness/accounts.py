"""Accounts, roles and permissions: who may sign in, and what each role may do.

Every account is one person of the organisation (their staff ID). Passwords are hashed with
Argon2id (argon2-cffi) and never stored, logged or audited in clear (the audit trail holds a
digest of the hash). The roles and their actions are data (data/roles.toml); the password and
lock-out rules too (data/accounts.toml). A face asks `allowed(account, action, line)` before it
calls a service; authority that comes from the organisation (a person's level) is still checked
by the service itself.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from readiness.actor import Actor
from readiness.errors import InvalidValue, NotFound, ReadinessError
from readiness.store import accounts as account_store
from readiness.store.core import Store, utcnow


class LoginRefused(ReadinessError):
    """Wrong staff ID or password, a disabled account, or one locked after failed logins."""


# --- rules (data) --------------------------------------------------------------------------------

@cache
def roles() -> dict[str, dict[str, Any]]:
    text = resources.files("readiness").joinpath("data/roles.toml").read_text("utf-8")
    return dict(tomllib.loads(text)["role"])


@cache
def policy() -> dict[str, Any]:
    text = resources.files("readiness").joinpath("data/accounts.toml").read_text("utf-8")
    return tomllib.loads(text)


def password_problem(password: str, person: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """Why a password is refused (message key, parameters), or None: too short, or holding the
    person's own staff ID or name."""
    least = int(policy()["password"]["min_length"])
    if len(password) < least:
        return "account.password_short", {"least": least}
    lowered = password.casefold()
    for own in (person["staff_id"], person["name"]):
        if own and str(own).casefold() in lowered:
            return "account.password_personal", {}
    return None


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()  # Argon2id with the library's current recommended parameters


# --- results ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RoleGrant:
    role: str
    line: str | None  # None: every line


@dataclass(frozen=True, slots=True)
class Account:
    staff_id: str
    name: str | None  # the person's name (None: no longer in the organisation)
    unit: str | None
    disabled: bool
    locked_until: dt.datetime | None
    roles: list[RoleGrant]
    created_at: dt.datetime

    def allows(self, action: str, line: str | None = None) -> bool:
        return allowed(self, action, line)


def _account(row: dict[str, Any]) -> Account:
    return Account(row["staff_id"], row.get("name"), row.get("unit_code"), bool(row["disabled"]),
                   row["locked_until"], [RoleGrant(r["role"], r["line"]) for r in row["roles"]],
                   row["created_at"])


def allowed(account: Account, action: str, line: str | None = None) -> bool:
    """Whether the account may do `action` (on `line`, when it is about one line). A disabled
    account may do nothing."""
    if account.disabled:
        return False
    table = roles()
    return any(action in table[g.role]["actions"]
               and (g.line is None or line is None or g.line == line)
               for g in account.roles if g.role in table)


def allowed_on_every_line(account: Account, action: str) -> bool:
    """Whether the account may do `action` on every line: what records that are not about one
    line (the whole audit trail) need."""
    if account.disabled:
        return False
    table = roles()
    return any(action in table[g.role]["actions"] and g.line is None
               for g in account.roles if g.role in table)


# --- services --------------------------------------------------------------------------------------

def _role_rows(session: Any, wanted: list[str], lines: list[str]) -> list[tuple[str, int | None]]:
    """(role, line row ID or None) for each role on each line given (every line without)."""
    from readiness.store.lines import line_row

    table = roles()
    if not wanted:
        raise InvalidValue("account.needs_role", allowed=" / ".join(table))
    for role in wanted:
        if role not in table:
            raise InvalidValue("option.bad_code", option="--role", value=role,
                               allowed=" / ".join(table))
    line_ids = [line_row(session, name).id for name in lines]
    out: list[tuple[str, int | None]] = []
    for role in dict.fromkeys(wanted):
        if line_ids and not table[role]["lines"]:
            raise InvalidValue("account.role_every_line", role=role)
        out += [(role, i) for i in line_ids] or [(role, None)]
    return out


def add_account(store: Store, person: str, *, roles_given: list[str], lines: list[str],
                password: str, actor: Actor) -> Account:
    """An account for a person of the organisation (staff ID or unique name), with its roles
    (each on every line, or only on `lines`) and a password that passes the policy."""
    from readiness.store.org import find_person

    with store.write(actor, f"user add {person}") as session:
        found = find_person(session, person, "STAFF_ID")
        if account_store.find_account(session, found["staff_id"]) is not None:
            raise InvalidValue("account.exists", staff_id=found["staff_id"])
        rows = _role_rows(session, roles_given, lines)
        problem = password_problem(password, found)
        if problem:
            raise InvalidValue(problem[0], **problem[1])
        now = utcnow()
        new_id = account_store.insert_account(session, {
            "staff_id": found["staff_id"], "password_hash": _hasher().hash(password),
            "disabled": False, "failed_logins": 0, "locked_until": None, "created_at": now,
            "password_changed_at": now})
        account_store.set_roles(session, {"id": new_id, "staff_id": found["staff_id"],
                                          "roles": []}, rows)
    return show_account(store, found["staff_id"])


def _find(session: Any, person: str) -> dict[str, Any]:
    account = account_store.find_account(session, str(person).strip())
    if account is None:
        from readiness.store.org import find_person

        try:
            staff_id = find_person(session, person, "STAFF_ID")["staff_id"]
        except InvalidValue:
            staff_id = None
        account = account_store.find_account(session, staff_id) if staff_id else None
    if account is None:
        raise NotFound("account.unknown", value=person)
    return account


def show_account(store: Store, person: str) -> Account:
    with store.read() as session:
        return _account(_find(session, person))


def list_accounts(store: Store) -> list[Account]:
    with store.read() as session:
        return [_account(r) for r in account_store.load_accounts(session)]


def set_disabled(store: Store, person: str, disabled: bool, *, actor: Actor) -> Account:
    """Disable (its sessions end at once, once there are any) or enable an account; the last
    enabled administrator cannot be disabled."""
    with store.write(actor, f"user {'disable' if disabled else 'enable'} {person}") as session:
        account = _find(session, person)
        if disabled and not account["disabled"] and \
                any(r["role"] == "admin" for r in account["roles"]) and \
                account_store.count_admins(session) <= 1:
            raise InvalidValue("account.last_admin", staff_id=account["staff_id"])
        if bool(account["disabled"]) != disabled:
            account_store.update_account(session, account, {"disabled": disabled})
    return show_account(store, person)


def change_password(store: Store, person: str, password: str, *, actor: Actor) -> Account:
    """A new password (checked against the policy); it also lifts a lock-out."""
    from readiness.store.org import find_person

    with store.write(actor, f"user passwd {person}") as session:
        account = _find(session, person)
        owner = find_person(session, account["staff_id"], "STAFF_ID")
        problem = password_problem(password, owner)
        if problem:
            raise InvalidValue(problem[0], **problem[1])
        account_store.update_account(session, account, {
            "password_hash": _hasher().hash(password), "password_changed_at": utcnow(),
            "failed_logins": 0, "locked_until": None})
    return show_account(store, person)


def set_account_roles(store: Store, person: str, *, roles_given: list[str], lines: list[str],
                      actor: Actor) -> Account:
    """Replace an account's roles; the last enabled administrator keeps the admin role."""
    with store.write(actor, f"user roles {person}") as session:
        account = _find(session, person)
        rows = _role_rows(session, roles_given, lines)
        was_admin = any(r["role"] == "admin" for r in account["roles"])
        if was_admin and "admin" not in roles_given and not account["disabled"] \
                and account_store.count_admins(session) <= 1:
            raise InvalidValue("account.last_admin", staff_id=account["staff_id"])
        account_store.set_roles(session, account, rows)
    return show_account(store, person)


def authenticate(store: Store, staff_id: str, password: str,
                 now: dt.datetime | None = None) -> Account:
    """The account if the password is right; otherwise LoginRefused, the same words whether the
    account exists or not. Failed logins in a row (policy) lock the account for a while; each
    failure and each lock is audited (the password never)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    now = now or utcnow()
    lock = policy()["lockout"]
    actor = Actor(f"login:{staff_id}"[:60], via="login")
    with store.write(actor, "login") as session:
        account = account_store.find_account(session, str(staff_id).strip())
        if account is None:
            raise LoginRefused("account.login_refused")
        if account["locked_until"] is not None and account["locked_until"] > now:
            raise LoginRefused("account.locked", until=account["locked_until"].isoformat(
                timespec="minutes"))
        try:
            _hasher().verify(account["password_hash"], password)
            ok = not account["disabled"]
        except (VerificationError, InvalidHashError):
            ok = False
        if ok:
            if account["failed_logins"] or account["locked_until"]:
                account_store.update_account(session, account,
                                             {"failed_logins": 0, "locked_until": None})
        else:
            failed = int(account["failed_logins"]) + 1
            changes: dict[str, Any] = {"failed_logins": failed}
            if failed >= int(lock["failures"]):
                changes.update(failed_logins=0,
                               locked_until=now + dt.timedelta(minutes=int(lock["minutes"])))
            account_store.update_account(session, account, changes)
    if not ok:  # the failure is recorded (the write above committed); then refused
        raise LoginRefused("account.login_refused")
    return show_account(store, staff_id)


# --- legal acts: who signs must be a real, authenticated person ------------------------------------

def check_signer(session: Any, account: Account | None, action: str, line: str,
                 person: dict[str, Any]) -> None:
    """Once the store has accounts, a sign-off or a risk acceptance needs an authenticated
    account (`authenticate`) that may do `action` on `line`, acting for its own person; the
    person's own authority (their level) is checked by the service on top. Without accounts
    (a store not yet shared) the act is recorded as before."""
    if account is None:
        if account_store.any_account(session):
            raise InvalidValue("account.needs_as")
        return
    if not allowed(account, action, line):
        raise InvalidValue("account.not_allowed", staff_id=account.staff_id, line=line,
                           action=action)
    if account.staff_id != person["staff_id"]:
        raise InvalidValue("account.not_yourself", staff_id=account.staff_id,
                           other=person["staff_id"])


def acting_as(account: Account, via: str | None) -> Actor:
    """The actor of a write made by an authenticated account: the audit records the account."""
    return Actor(account.staff_id, via)
