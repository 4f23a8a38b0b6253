"""Accounts: one per person, Argon2 password hashes never held in clear (not in the store, not in
the audit trail), the password policy, lock-out after failed logins, roles and line limits as
data, and the last administrator kept."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from readiness.accounts import (LoginRefused, RoleGrant, allowed, authenticate, list_accounts,
                                roles, show_account)
from readiness.store.core import Store

PASSWORD = "Tunnel-Watch-2026"


def j(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def add(run, db, who, *roles_and_lines, password=PASSWORD):
    return run("user", "add", who, *roles_and_lines, "--password-stdin", "--json", db=db,
               input=password + "\n")


def test_an_account_for_a_person_with_roles_and_lines(run, org_db) -> None:
    admin = j(add(run, org_db, "900001", "--role", "admin"))
    assert (admin["staff_id"], admin["roles"]) == ("900001", [{"role": "admin", "line": None}])
    officer = j(add(run, org_db, "刘洋", "--role", "safety-officer", "--line", "L9"))  # a name
    assert officer["staff_id"] == "900030"
    assert officer["roles"] == [{"role": "safety-officer", "line": "L9"}]
    listed = run("user", "list", db=org_db)
    assert "900030" in listed.output and "Safety officer (L9)" in listed.output
    zh = run("user", "list", db=org_db, lang="zh")
    assert "安全员（L9）" in zh.output and "系统管理员" in zh.output


@pytest.mark.parametrize("args, password, says", [
    (["900030", "--role", "viewer"], "short", "at least 10 characters"),
    (["900030", "--role", "viewer"], "xx900030xxxxxx", "own staff ID or name"),
    (["900030", "--role", "viewer"], "刘洋-long-password", "own staff ID or name"),
    (["900030", "--role", "boss"], PASSWORD, "--role: 'boss' is not valid"),
    (["900030", "--role", "admin", "--line", "L9"], PASSWORD, "admin is not limited to lines"),
    (["900030", "--role", "viewer", "--line", "L7"], PASSWORD, "L7"),
    (["990099", "--role", "viewer"], PASSWORD, "990099"),
])
def test_refusals_are_one_line_and_write_nothing(run, org_db, args, password, says) -> None:
    result = run("user", "add", *args, "--password-stdin", db=org_db, input=password + "\n")
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and says in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert j(run("user", "list", "--json", db=org_db)) == []


def test_a_second_account_for_the_same_person_is_refused(run, org_db) -> None:
    j(add(run, org_db, "900030", "--role", "viewer"))
    again = add(run, org_db, "900030", "--role", "leadership")
    assert again.exit_code == 1 and "already has an account" in again.output


def test_the_prompt_asks_twice(run, org_db) -> None:
    mismatch = run("user", "add", "900030", "--role", "viewer", db=org_db,
                   input=f"{PASSWORD}\nsomething-else\n{PASSWORD}\n{PASSWORD}\n")
    assert mismatch.exit_code == 0, mismatch.output
    assert "account added for 刘洋 (900030)" in mismatch.output


def test_the_password_is_never_held_in_clear(run, org_db) -> None:
    j(add(run, org_db, "900030", "--role", "viewer"))
    j(run("user", "passwd", "900030", "--password-stdin", "--json", db=org_db,
          input="Another-Long-Secret\n"))
    conn = sqlite3.connect(org_db)
    (stored,) = conn.execute("select password_hash from accounts").fetchone()
    assert stored.startswith("$argon2id$")
    trail = " ".join(str(r) for r in conn.execute("select before, after from audit_log "
                                                  "where entity = 'accounts'"))
    assert "sha256:" in trail and "$argon2" not in trail
    conn.close()
    for path in (org_db, org_db + "-wal"):
        try:
            data = open(path, "rb").read()
        except FileNotFoundError:
            continue
        assert PASSWORD.encode() not in data and b"Another-Long-Secret" not in data


def test_a_hash_changed_behind_the_toolkits_back_is_found(run, org_db) -> None:
    j(add(run, org_db, "900030", "--role", "viewer"))
    conn = sqlite3.connect(org_db)
    conn.execute("update accounts set password_hash = 'x' where staff_id = '900030'")
    conn.commit()
    conn.close()
    result = run("audit", "verify", db=org_db)
    assert result.exit_code != 0 and "accounts" in result.output
    assert "password_hash" in result.output


def test_lock_out_after_five_failed_logins_and_passwd_lifts_it(run, org_db) -> None:
    j(add(run, org_db, "900030", "--role", "viewer"))
    now = dt.datetime(2026, 12, 1, 8, 0)
    with Store.open(org_db) as store:
        assert authenticate(store, "900030", PASSWORD, now).staff_id == "900030"
        for _ in range(4):
            with pytest.raises(LoginRefused):
                authenticate(store, "900030", "wrong-password", now)
        assert show_account(store, "900030").locked_until is None
        with pytest.raises(LoginRefused):
            authenticate(store, "900030", "wrong-password", now)  # the fifth
        locked = show_account(store, "900030").locked_until
        assert locked == now + dt.timedelta(minutes=15)
        with pytest.raises(LoginRefused) as refused:
            authenticate(store, "900030", PASSWORD, now + dt.timedelta(minutes=14))
        assert refused.value.key == "account.locked"
        later = authenticate(store, "900030", PASSWORD, now + dt.timedelta(minutes=16))
        assert later.locked_until is None
        with pytest.raises(LoginRefused) as unknown:
            authenticate(store, "990099", PASSWORD, now)
        assert unknown.value.key == "account.login_refused"  # the same words as a wrong password
    log = j(run("audit", "log", "--json", db=org_db))
    assert any(r["entity"] == "accounts" and (r.get("after") or {}).get("locked_until")
               for r in log)


def test_a_disabled_account_cannot_sign_in_and_the_last_admin_stays(run, org_db) -> None:
    j(add(run, org_db, "900001", "--role", "admin"))
    j(add(run, org_db, "900030", "--role", "viewer"))
    last = run("user", "disable", "900001", db=org_db)
    assert last.exit_code == 1 and "last active administrator" in last.output
    demote = run("user", "roles", "900001", "--role", "viewer", db=org_db)
    assert demote.exit_code == 1 and "last active administrator" in demote.output
    j(run("user", "disable", "900030", "--json", db=org_db))
    with Store.open(org_db) as store:
        with pytest.raises(LoginRefused):
            authenticate(store, "900030", PASSWORD)
        assert not allowed(show_account(store, "900030"), "read")
    j(run("user", "enable", "900030", "--json", db=org_db))
    with Store.open(org_db) as store:
        assert authenticate(store, "900030", PASSWORD).staff_id == "900030"


def test_permissions_are_data_and_lines_limit_them(run, org_db) -> None:
    j(add(run, org_db, "900030", "--role", "safety-officer", "--line", "L9"))
    j(add(run, org_db, "900001", "--role", "leadership"))
    with Store.open(org_db) as store:
        officer, leader = show_account(store, "900030"), show_account(store, "900001")
        assert [a.staff_id for a in list_accounts(store)] == ["900001", "900030"]
    assert officer.roles == [RoleGrant("safety-officer", "L9")]
    assert allowed(officer, "hazard-edit", "L9") and not allowed(officer, "hazard-edit", "L7")
    assert not allowed(officer, "signoff", "L9")
    assert allowed(leader, "signoff", "L7") and not allowed(leader, "hazard-edit", "L7")
    table = roles()
    assert set(table) == {"admin", "safety-officer", "drill-commander", "leadership",
                          "assessor", "viewer"}
    assert "signoff" not in table["admin"]["actions"]
    assert table["assessor"]["actions"] == ["read", "export"]  # writes nothing


# --- legal acts once the store has accounts ------------------------------------------------------

@pytest.fixture
def signing_db(run, org_db):
    """L9 with a hazard H-0001 and a snapshot 1; accounts for the GM (leadership) and 李明
    (leadership, on L7 only) and an admin."""
    j(run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category", "equipment",
          "--description", "站台门夹人", "--score", "L=3,E=6,C=7", "--residual", "L=1,E=6,C=7",
          "--control", "engineering: 挡板", "--owner-unit", "CT-KY", "--json", db=org_db))
    assert run("assess", "--as-of", "2026-11-23", "--json", db=org_db).exit_code == 0
    j(add(run, org_db, "900030", "--role", "admin"))
    return org_db


def test_without_accounts_signing_is_as_before(run, org_db) -> None:
    assert run("assess", "--as-of", "2026-11-23", "--json", db=org_db).exit_code == 0
    signed = run("signoff", "1", "--by", "900001", "--decision", "reject", db=org_db)
    assert signed.exit_code == 0, signed.output


def test_once_accounts_exist_a_sign_off_needs_the_signers_own_account(run, signing_db) -> None:
    j(add(run, signing_db, "900001", "--role", "leadership"))
    j(add(run, signing_db, "900010", "--role", "viewer"))
    bare = run("signoff", "1", "--by", "900001", "--decision", "reject", db=signing_db)
    assert bare.exit_code == 1 and "need --as YOUR_STAFF_ID" in bare.output
    wrong = run("signoff", "1", "--as", "900001", "--password-stdin", "--decision", "reject",
                db=signing_db, input="not-the-password\n")
    assert wrong.exit_code == 1 and "wrong staff ID or password" in wrong.output
    other = run("signoff", "1", "--as", "900001", "--by", "900010", "--password-stdin",
                "--decision", "reject", db=signing_db, input=PASSWORD + "\n")
    assert other.exit_code == 1 and "signs only as its own person" in other.output
    viewer = run("signoff", "1", "--as", "900010", "--password-stdin", "--decision", "reject",
                 db=signing_db, input=PASSWORD + "\n")
    assert viewer.exit_code == 1 and "may not signoff on line L9" in viewer.output
    admin = run("signoff", "1", "--as", "900030", "--password-stdin", "--decision", "reject",
                db=signing_db, input=PASSWORD + "\n")
    assert admin.exit_code == 1 and "may not signoff" in admin.output  # admins do not sign
    signed = j(run("signoff", "1", "--as", "900001", "--password-stdin", "--decision", "reject",
                   "--json", db=signing_db, input=PASSWORD + "\n"))
    assert (signed["staff_id"], signed["decision"]) == ("900001", "reject")
    log = j(run("audit", "log", "--json", db=signing_db))
    assert any(r["entity"] == "signoffs" and r["username"] == "900001" for r in log), \
        [(r["entity"], r["username"]) for r in log[-3:]]


def test_a_line_limited_leader_accepts_risk_only_on_their_line(run, signing_db) -> None:
    assert run("init", "--line", "L7", "--opening-date", "2027-06-30", "--handover-date",
               "2027-03-01", db=signing_db).exit_code == 0
    j(add(run, signing_db, "900010", "--role", "leadership", "--line", "L7"))
    elsewhere = run("hazard", "accept", "H-0001", "--line", "L9", "--as", "900010",
                    "--password-stdin", db=signing_db, input=PASSWORD + "\n")
    assert elsewhere.exit_code == 1 and "may not risk-accept on line L9" in elsewhere.output
    j(run("user", "roles", "900010", "--role", "leadership", "--line", "L9", "--json",
          db=signing_db))
    accepted = j(run("hazard", "accept", "H-0001", "--line", "L9", "--as", "900010",
                     "--password-stdin", "--json", db=signing_db, input=PASSWORD + "\n"))
    assert accepted["acceptance"]["accepted_by"] == "900010"
