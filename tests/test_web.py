"""The web application, first steps: health, sign-in and out with server-side sessions, CSRF on
every form, security headers, cookie flags, the dashboard of the lines the account may read."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from readiness.web.app import COOKIE, create_app

PASSWORD = "Tunnel-Watch-2026"


@pytest.fixture
def web(run, org_db):
    for who, role in (("900001", "leadership"), ("900030", "viewer")):
        assert run("user", "add", who, "--role", role, "--password-stdin", db=org_db,
                   input=PASSWORD + "\n").exit_code == 0
    return TestClient(create_app(org_db), follow_redirects=False)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(web, staff_id="900001", password=PASSWORD):
    form = web.get("/login")
    return web.post("/login", data={"csrf": csrf_of(form.text), "staff_id": staff_id,
                                     "password": password})


def test_healthz_answers_without_data_and_headers_are_set(web) -> None:
    answer = web.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    assert answer.headers["x-frame-options"] == "DENY"
    assert "script-src 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["referrer-policy"] == "same-origin"


def test_anonymous_is_sent_to_sign_in(web) -> None:
    answer = web.get("/")
    assert answer.status_code == 303 and answer.headers["location"].endswith("/login")


def test_sign_in_sets_a_safe_cookie_and_shows_the_lines(web) -> None:
    answer = sign_in(web)
    assert answer.status_code == 303, answer.text
    cookie = answer.headers["set-cookie"]
    assert COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace(
        "SameSite=Lax", "SameSite=lax")
    page = web.get("/")
    assert page.status_code == 200 and "L9" in page.text and "900001" in page.text
    assert "<script" not in page.text


def test_a_wrong_password_is_refused_in_the_users_language(web) -> None:
    answer = sign_in(web, password="not-the-password")
    assert answer.status_code == 401 and "工号或密码不正确" in answer.text
    web.get("/lang/en")
    english = sign_in(web, password="not-the-password")
    assert "wrong staff ID or password" in english.text


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(web) -> None:
    web.get("/login")
    missing = web.post("/login", data={"staff_id": "900001", "password": PASSWORD})
    assert missing.status_code == 403
    wrong = web.post("/login", data={"csrf": "x", "staff_id": "900001", "password": PASSWORD})
    assert wrong.status_code == 403
    assert web.get("/").status_code == 303  # nobody signed in


def test_sign_out_ends_the_session_and_disabling_ends_it_at_once(web, run, org_db) -> None:
    sign_in(web)
    page = web.get("/")
    out = web.post("/logout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303
    assert web.get("/").status_code == 303
    sign_in(web, "900030")
    assert web.get("/").status_code == 200
    assert run("user", "disable", "900030", db=org_db).exit_code == 0
    assert web.get("/").status_code == 303


def test_a_line_name_is_text_not_markup(web, run, org_db) -> None:
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    assert run("init", "--line", hostile, "--opening-date", "2027-06-30", "--handover-date",
               "2027-03-01", db=org_db).exit_code == 0
    sign_in(web)
    page = web.get("/")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img" in page.text
    assert "<script>" not in page.text and "<img" not in page.text


@pytest.fixture
def two_lines(web, run, org_db):
    """L9 with hazard H-0001, L7 with its own H-0001; 900030 may read L9 only."""
    assert run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
               "equipment", "--description", "站台门夹人<b>", "--score", "L=3,E=6,C=7",
               "--control", "engineering: 挡板", db=org_db).exit_code == 0
    assert run("init", "--line", "L7", "--opening-date", "2027-06-30", "--handover-date",
               "2027-03-01", db=org_db).exit_code == 0
    assert run("user", "roles", "900030", "--role", "viewer", "--line", "L9",
               db=org_db).exit_code == 0
    return web


def test_the_register_and_a_hazard_read_in_the_browser(two_lines) -> None:
    web = two_lines
    sign_in(web, "900030")
    register = web.get("/lines/L9/hazards")
    assert register.status_code == 200 and "H-0001" in register.text
    assert "站台门夹人&lt;b&gt;" in register.text and "1 个危险源" in register.text
    one = web.get("/lines/L9/hazards/H-0001")
    assert one.status_code == 200 and "挡板" in one.text
    assert web.get("/lines/L9/hazards?level=nonsense").status_code == 400
    assert web.get("/lines/L9/hazards/H-9999").status_code == 404
    assert web.get("/lines/L5/hazards").status_code == 404


def test_a_user_limited_to_one_line_cannot_read_another_by_changing_the_url(two_lines) -> None:
    web = two_lines
    sign_in(web, "900030")
    assert web.get("/lines/L7/hazards").status_code == 403
    assert web.get("/lines/L7/hazards/H-0001").status_code == 403
    dashboard = web.get("/")
    assert "L9" in dashboard.text and ">L7<" not in dashboard.text


def test_anonymous_reads_nothing(two_lines) -> None:
    for path in ("/", "/lines/L9/hazards", "/lines/L9/hazards/H-0001"):
        answer = two_lines.get(path)
        assert answer.status_code == 303 and answer.headers["location"].endswith("/login"), path


def test_the_register_pages_in_the_store_with_its_filters(run, org_db) -> None:
    from hazards.register import list_hazards, page_hazards
    from readiness.store.core import Store

    for n, (location, owner) in enumerate((("S01", "CT-KY"), ("S01", "CT-KY"), ("D01", None))):
        extra = ["--owner-unit", owner] if owner else []
        added = run("hazard", "add", "--location", location, "--specialty", "psd", "--category",
                    "equipment", "--description", f"站台门夹人 {n}", "--score", "L=3,E=6,C=7",
                    *extra, db=org_db)
        assert added.exit_code == 0, added.output
    with Store.open(org_db) as store:
        every = [h.id for h in list_hazards(store, "L9")]
        assert every == ["H-0001", "H-0002", "H-0003"]
        first = page_hazards(store, "L9", page=1, size=2)
        second = page_hazards(store, "L9", page=2, size=2)
        assert (first[0], [h.id for h in first[1]]) == (3, ["H-0001", "H-0002"])
        assert (second[0], [h.id for h in second[1]]) == (3, ["H-0003"])
        assert [h.id for h in page_hazards(store, "L9", owner="CT-KY")[1]] == every[:2]
        assert page_hazards(store, "L9", location="D01")[0] == 1
        assert page_hazards(store, "L9", level="general")[0] == 3  # the level: a full read


def test_the_demo_gives_one_account_per_role_and_each_signs_in(tmp_path, runner) -> None:
    """`readiness demo` prints a sample account per role once; each signs in on the demo store,
    and the printed passwords are nowhere in the store's files."""
    import cli
    from readiness.accounts import roles

    result = runner.invoke(cli.cli, ["--lang", "en", "demo", "--out", str(tmp_path / "d")],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    printed = re.findall(r"^  ([a-z-]+) +(\d{6})  .+?  (\S{16})$", result.output, re.M)
    assert sorted(role for role, _, _ in printed) == sorted(roles())
    db = tmp_path / "d" / "demo.db"
    web = TestClient(create_app(str(db)), follow_redirects=False)
    for role, staff_id, password in printed:
        web.cookies.clear()
        assert sign_in(web, staff_id, password).status_code == 303, role
        assert "9号线一期" in web.get("/").text, role
    stored = db.read_bytes()
    assert not any(p.encode() in stored for _, _, p in printed)


def test_a_page_kept_by_the_server_changes_with_the_next_write(two_lines, run, org_db) -> None:
    """Pages are served from what the server keeps until the store changes: a hazard added at
    the command line shows on the next load; a failed sign-in elsewhere changes nothing shown."""
    from readiness.store.core import Store

    web = two_lines
    sign_in(web, "900030")
    assert "H-0002" not in web.get("/lines/L9/hazards").text
    with Store.open(org_db) as store:
        before = store.data_version()
    assert run("hazard", "add", "--line", "L9", "--location", "S01", "--specialty", "psd",
               "--category", "equipment", "--description", "新增的危险源", "--score", "L=1,E=6,C=7",
               db=org_db).exit_code == 0
    with Store.open(org_db) as store:
        assert store.data_version() > before
    again = web.get("/lines/L9/hazards").text
    assert "H-0002" in again and "新增的危险源" in again and "2 个危险源" in again


def test_an_administrator_reads_the_accounts_and_others_do_not(run, org_db) -> None:
    for who, role in (("900001", "admin"), ("900030", "viewer")):
        assert run("user", "add", who, "--role", role, *([] if role == "admin" else
                                                           ["--line", "L9"]),
                   "--password-stdin", db=org_db, input=PASSWORD + "\n").exit_code == 0
    assert run("user", "disable", "900030", db=org_db).exit_code == 0
    web = TestClient(create_app(org_db), follow_redirects=False)
    sign_in(web, "900001")
    web.cookies.set("readiness_lang", "en")
    page = web.get("/accounts").text
    viewer_row = next(r for r in page.split("<tr>") if "900030" in r)
    assert "Viewer（L9）" in viewer_row and "disabled" in viewer_row
    assert "Administrator" in page and 'href="/accounts"' in page
    assert run("user", "enable", "900030", db=org_db).exit_code == 0
    web.cookies.clear()
    sign_in(web, "900030")
    assert web.get("/accounts").status_code == 403
    assert 'href="/accounts"' not in web.get("/").text


def test_locations_with_the_kind_filter(run, org_db) -> None:
    assert run("user", "add", "900030", "--role", "viewer", "--password-stdin", db=org_db,
               input=PASSWORD + "\n").exit_code == 0
    web = TestClient(create_app(org_db), follow_redirects=False)
    sign_in(web, "900030")
    every = web.get("/lines/L9/locations").text
    assert "龙湖公园站" in every and "南湖车辆段" in every and "4 个位置" in every
    depots = web.get("/lines/L9/locations?kind=depot").text
    assert "南湖车辆段" in depots and "龙湖公园站" not in depots
    bad = web.get("/lines/L9/locations?kind=tunnel")
    assert bad.status_code == 400 and "--kind" in bad.text


def test_a_forged_post_writes_nothing_and_leaves_the_session(web, org_db) -> None:
    """No CSRF token, or another session's: refused (403) before anything is read or written —
    not even a failed login's count — and the signed-in session goes on."""
    from readiness.store.core import Store

    with Store.open(org_db) as store:
        before = store.data_version()
    web.get("/login")
    for forged in ({}, {"csrf": "x"}):
        refused = web.post("/login", data={**forged, "staff_id": "900001", "password": "wrong"})
        assert refused.status_code == 403
    with Store.open(org_db) as store:
        assert store.data_version() == before  # no failed login counted
    sign_in(web)
    assert web.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert web.post("/logout").status_code == 403
    assert web.get("/").status_code == 200  # still signed in


def test_five_wrong_passwords_in_the_browser_lock_the_account(web) -> None:
    for _ in range(5):
        assert sign_in(web, password="not-the-password").status_code == 401
    locked = sign_in(web)  # the right password, too late
    assert locked.status_code == 401 and "账号已锁定至" in locked.text
    assert web.get("/").status_code == 303
