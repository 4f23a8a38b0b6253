"""`user add|list|show|disable|enable|passwd|roles`: accounts, one per person, with their roles."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from readiness.commands.options import (L, acting, emit_json, group, json_option, open_store,
                                        show_table)
from readiness.i18n import get_lang, t

if TYPE_CHECKING:
    from readiness.accounts import Account


@group()
def user() -> None:
    """Accounts: who may sign in to the web application, with which roles and on which lines."""


def role_option(required: bool) -> click.Option:
    return click.option("--role", "roles_given", multiple=True, required=required,
                        help="admin, safety-officer, drill-commander, leadership, assessor, "
                             "viewer (repeatable).")


line_limit = click.option("--line", "lines", multiple=True,
                          help="Only on this line (repeatable; default: every line).")
password_stdin = click.option("--password-stdin", is_flag=True,
                              help="Read the password from standard input (for scripts).")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt(t("account.prompt"), hide_input=True,
                            confirmation_prompt=t("account.prompt_again")))


def _roles_text(account: Account) -> str:
    from readiness.accounts import roles

    table, lang = roles(), get_lang()
    words = [table[g.role][lang] if g.role in table else g.role for g in account.roles]
    if lang == "zh":
        return "、".join(w + (f"（{g.line}）" if g.line else "")
                        for w, g in zip(words, account.roles)) or "-"
    return ", ".join(w + (f" ({g.line})" if g.line else "")
                     for w, g in zip(words, account.roles)) or "-"


def _done(account: Account, key: str, as_json: bool) -> None:
    if as_json:
        return emit_json(account)
    click.echo(t(key, staff_id=account.staff_id, name=account.name or "-",
                 roles=_roles_text(account)))


@user.command("add")
@click.argument("staff_id")
@role_option(required=True)
@line_limit
@password_stdin
@json_option
def user_add(staff_id: str, roles_given: tuple[str, ...], lines: tuple[str, ...],
             password_stdin: bool, as_json: bool) -> None:
    """Add an account for a person of the organisation (staff ID or name); asks for the
    password twice."""
    from readiness.accounts import add_account

    password = _password(password_stdin)
    with open_store() as store:
        account = add_account(store, staff_id, roles_given=list(roles_given), lines=list(lines),
                              password=password, actor=acting())
    _done(account, "account.added", as_json)


@user.command("list")
@json_option
def user_list(as_json: bool) -> None:
    """List the accounts with their person, roles and state."""
    from readiness.accounts import list_accounts

    with open_store() as store:
        found = list_accounts(store)
    if as_json:
        return emit_json(found)
    show_table([L("工号", "Staff ID"), L("姓名", "Name"), L("单位", "Unit"), L("角色", "Roles"),
                L("状态", "State")],
               [[a.staff_id, a.name or "-", a.unit or "-", _roles_text(a),
                 L("已停用", "disabled") if a.disabled else
                 (L("已锁定", "locked") if a.locked_until else L("正常", "active"))]
                for a in found])


@user.command("show")
@click.argument("staff_id")
@json_option
def user_show(staff_id: str, as_json: bool) -> None:
    """One account."""
    from readiness.accounts import show_account

    with open_store() as store:
        account = show_account(store, staff_id)
    _done(account, "account.shown", as_json)


@user.command("disable")
@click.argument("staff_id")
@json_option
def user_disable(staff_id: str, as_json: bool) -> None:
    """Disable an account (it can no longer sign in)."""
    from readiness.accounts import set_disabled

    with open_store() as store:
        account = set_disabled(store, staff_id, True, actor=acting())
    _done(account, "account.disabled", as_json)


@user.command("enable")
@click.argument("staff_id")
@json_option
def user_enable(staff_id: str, as_json: bool) -> None:
    """Enable a disabled account again."""
    from readiness.accounts import set_disabled

    with open_store() as store:
        account = set_disabled(store, staff_id, False, actor=acting())
    _done(account, "account.enabled", as_json)


@user.command("passwd")
@click.argument("staff_id")
@password_stdin
@json_option
def user_passwd(staff_id: str, password_stdin: bool, as_json: bool) -> None:
    """Set an account's password (asks twice); this also lifts a lock-out."""
    from readiness.accounts import change_password

    password = _password(password_stdin)
    with open_store() as store:
        account = change_password(store, staff_id, password, actor=acting())
    _done(account, "account.password_set", as_json)


@user.command("roles")
@click.argument("staff_id")
@role_option(required=True)
@line_limit
@json_option
def user_roles(staff_id: str, roles_given: tuple[str, ...], lines: tuple[str, ...],
               as_json: bool) -> None:
    """Replace an account's roles (each on every line, or only on the --line given)."""
    from readiness.accounts import set_account_roles

    with open_store() as store:
        account = set_account_roles(store, staff_id, roles_given=list(roles_given),
                                    lines=list(lines), actor=acting())
    _done(account, "account.roles_set", as_json)


COMMANDS = [user]
