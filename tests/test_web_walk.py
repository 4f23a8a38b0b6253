"""Every route of the web application for every role and for anonymous, with what the permission
data (readiness/data/roles.toml) allows; hostile text on every page that shows it; passwords
never logged or stored in clear; /healthz says nothing and reads nothing."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from readiness.web.app import create_app

PASSWORD = "Tunnel-Watch-2026"
ROLES = ("admin", "safety-officer", "drill-commander", "leadership", "assessor", "viewer")
STAFF = ("900001", "900010", "900020", "900030", "900031", "900032")
PDF = b"%PDF-1.4\n%%EOF\n"
EVIDENCE_SHA = __import__("hashlib").sha256(PDF).hexdigest()
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;"

# Every GET route, by its path in the application, with one URL to try on a line (LINE is
# replaced by the line) and the action roles.toml must grant on that line. None: public.
# "every-line": only an account whose grant covers every line (the store-wide audit trail).
GET_ROUTES = {
    "/healthz": ("/healthz", None),
    "/favicon.ico": ("/favicon.ico", None),
    "/login": ("/login", None),  # signed in: back to the dashboard (303)
    "/lang/{lang}": ("/lang/en", None),
    "/": ("/", "signed-in"),
    "/audit": ("/audit?entity=hazards&limit=5", "every-line"),
    "/accounts": ("/accounts", "accounts"),
    "/lines/{line}/locations": ("/lines/LINE/locations?kind=station", "read"),
    "/lines/{line}": ("/lines/LINE", "read"),
    "/lines/{line}/hazards": ("/lines/LINE/hazards?specialty=psd", "read"),
    "/lines/{line}/hazards/{code}": ("/lines/LINE/hazards/H-0001", "read"),
    "/lines/{line}/pdca": ("/lines/LINE/pdca?all=1", "read"),
    "/lines/{line}/pdca/{code}": ("/lines/LINE/pdca/P-0001", "read"),
    "/lines/{line}/import": ("/lines/LINE/import", "read"),
    "/lines/{line}/hazards/new": ("/lines/LINE/hazards/new", "hazard-edit"),
    "/lines/{line}/hazards/{code}/edit": ("/lines/LINE/hazards/H-0001/edit", "hazard-edit"),
    "/lines/{line}/locations/new": ("/lines/LINE/locations/new", "line-edit"),
    "/lines/{line}/locations/{code}/edit": ("/lines/LINE/locations/S01/edit", "line-edit"),
    "/lines/{line}/org/units/new": ("/lines/LINE/org/units/new", "org-edit"),
    "/lines/{line}/org/units/{code}/edit": ("/lines/LINE/org/units/CT-KY/edit", "org-edit"),
    "/lines/{line}/org/units/{code}/letters": ("/lines/LINE/org/units/CT-KY/letters",
                                               "org-edit"),
    "/lines/{line}/org/people": ("/lines/LINE/org/people", "org-edit"),
    "/lines/{line}/org/people/new": ("/lines/LINE/org/people/new", "org-edit"),
    "/lines/{line}/org/people/{staff_id}/edit": ("/lines/LINE/org/people/900031/edit",
                                                 "org-edit"),
    "/lines/{line}/org/people/{staff_id}/letters": ("/lines/LINE/org/people/900031/letters",
                                                    "org-edit"),
    "/lines/{line}/org/people/{staff_id}/education":
        ("/lines/LINE/org/people/900031/education", "org-edit"),
    "/lines/{line}/checklist/{code}": ("/lines/LINE/checklist/CL-SF-01", "read"),
    "/lines/{line}/inspections/record": ("/lines/LINE/inspections/record?book=0",
                                         "inspection-edit"),
    "/lines/{line}/drills/record": ("/lines/LINE/drills/record?scenario=EM-PSD-FAILURE",
                                    "drill-edit"),
    "/templates/{name}": ("/templates/hazards.xlsx", "signed-in"),
    "/lines/{line}/evidence/{sha256}": (f"/lines/LINE/evidence/{EVIDENCE_SHA}", "read"),
    "/lines/{line}/snapshots/{snapshot:int}/signoff": ("/lines/LINE/snapshots/1/signoff",
                                                       "signoff"),
    "/lines/{line}/checklist": ("/lines/LINE/checklist", "read"),
    "/lines/{line}/snapshots": ("/lines/LINE/snapshots", "read"),
    "/lines/{line}/snapshots/diff": ("/lines/LINE/snapshots/diff?a=1&b=1", "read"),
    "/lines/{line}/reports": ("/lines/LINE/reports", "read"),
    "/lines/{line}/report.{fmt}": ("/lines/LINE/report.html", "export"),
    "/lines/{line}/export/{name}": ("/lines/LINE/export/hazards.csv", "export"),
    "/lines/{line}/dangers": ("/lines/LINE/dangers?all=1", "read"),
    "/lines/{line}/dangers/{code}": ("/lines/LINE/dangers/YH-0001", "read"),
    "/lines/{line}/inspections": ("/lines/LINE/inspections?kind=special", "read"),
    "/lines/{line}/inspections/{code}": ("/lines/LINE/inspections/PC-1", "read"),
    "/lines/{line}/riskmap": ("/lines/LINE/riskmap", "read"),
    "/lines/{line}/riskmap.svg": ("/lines/LINE/riskmap.svg", "export"),
    "/lines/{line}/notices.html": ("/lines/LINE/notices.html", "export"),
    "/lines/{line}/org": ("/lines/LINE/org", "read"),
    "/lines/{line}/org/path": ("/lines/LINE/org/path?hazard=H-0001", "read"),
    "/lines/{line}/org/units/{code}": ("/lines/LINE/org/units/CT-KY", "read"),
    "/lines/{line}/org/export.{fmt}": ("/lines/LINE/org/export.graphml", "export"),
    "/lines/{line}/drills": ("/lines/LINE/drills", "read"),
    "/lines/{line}/drills/plan": ("/lines/LINE/drills/plan?start=2026-09-01", "read"),
    "/lines/{line}/drills/plan.{fmt}": ("/lines/LINE/drills/plan.xlsx?start=2026-09-01",
                                        "export"),
    "/lines/{line}/drills/runs": ("/lines/LINE/drills/runs", "read"),
    "/lines/{line}/drills/runs/{run_id}": ("/lines/LINE/drills/runs/R-1", "read"),
}
# POST routes on a line, with the action roles.toml must grant there
LINE_POSTS = {"/lines/{line}/pdca/{code}/{step}": ("/lines/LINE/pdca/P-0001/plan", "pdca-edit"),
              "/lines/{line}/assess": ("/lines/LINE/assess", "assess"),
              "/lines/{line}/hazards/{code}/evaluate": ("/lines/LINE/hazards/H-0001/evaluate",
                                                        "hazard-edit"),
              "/lines/{line}/hazards/{code}/accept": ("/lines/LINE/hazards/H-0001/accept",
                                                      "risk-accept"),
              "/lines/{line}/import": ("/lines/LINE/import", "read"),
              "/lines/{line}/import/{token}": ("/lines/LINE/import/x", "read"),
              "/lines/{line}/hazards/new": ("/lines/LINE/hazards/new", "hazard-edit"),
              "/lines/{line}/hazards/{code}/edit": ("/lines/LINE/hazards/H-0001/edit",
                                                    "hazard-edit"),
              "/lines/{line}/hazards/{code}/controls": ("/lines/LINE/hazards/H-0001/controls",
                                                        "hazard-edit"),
              "/lines/{line}/hazards/{code}/controls/{number:int}":
                  ("/lines/LINE/hazards/H-0001/controls/1", "hazard-edit"),
              "/lines/{line}/hazards/{code}/controls/{number:int}/remove":
                  ("/lines/LINE/hazards/H-0001/controls/1/remove", "hazard-edit"),
              "/lines/{line}/hazards/{code}/request-acceptance":
                  ("/lines/LINE/hazards/H-0001/request-acceptance", "hazard-edit"),
              "/lines/{line}/inspections/record": ("/lines/LINE/inspections/record",
                                                   "inspection-edit"),
              "/lines/{line}/checklist/{code}/set": ("/lines/LINE/checklist/CL-SF-01/set",
                                                     "checklist-edit"),
              "/lines/{line}/checklist/{code}/verify": ("/lines/LINE/checklist/CL-SF-01/verify",
                                                        "checklist-edit"),
              "/lines/{line}/drills/record": ("/lines/LINE/drills/record", "drill-edit"),
              "/lines/{line}/locations/new": ("/lines/LINE/locations/new", "line-edit"),
              "/lines/{line}/locations/{code}/edit": ("/lines/LINE/locations/S01/edit",
                                                      "line-edit"),
              "/lines/{line}/org/units/new": ("/lines/LINE/org/units/new", "org-edit"),
              "/lines/{line}/org/units/{code}/edit": ("/lines/LINE/org/units/CT-KY/edit",
                                                      "org-edit"),
              "/lines/{line}/org/units/{code}/letters": ("/lines/LINE/org/units/CT-KY/letters",
                                                         "org-edit"),
              "/lines/{line}/org/people/new": ("/lines/LINE/org/people/new", "org-edit"),
              "/lines/{line}/org/people/{staff_id}/edit":
                  ("/lines/LINE/org/people/900031/edit", "org-edit"),
              "/lines/{line}/org/people/{staff_id}/letters":
                  ("/lines/LINE/org/people/900031/letters", "org-edit"),
              "/lines/{line}/org/people/{staff_id}/education":
                  ("/lines/LINE/org/people/900031/education", "org-edit"),
              "/lines/{line}/drills/plan/{planned:int}/move": ("/lines/LINE/drills/plan/1/move",
                                                               "drill-edit"),
              "/lines/{line}/dangers/{code}/grade": ("/lines/LINE/dangers/YH-0001/grade",
                                                     "inspection-edit"),
              "/lines/{line}/dangers/{code}/plan": ("/lines/LINE/dangers/YH-0001/plan",
                                                    "inspection-edit"),
              "/lines/{line}/dangers/{code}/report": ("/lines/LINE/dangers/YH-0001/report",
                                                      "inspection-edit"),
              "/lines/{line}/dangers/{code}/accept": ("/lines/LINE/dangers/YH-0001/accept",
                                                      "risk-accept"),
              "/lines/{line}/snapshots/{snapshot:int}/signoff":
                  ("/lines/LINE/snapshots/1/signoff", "signoff")}
POST_ROUTES = {"/login", "/logout", *LINE_POSTS}


def run_cli(db: str, *args: str, input: str | None = None) -> None:
    from click.testing import CliRunner

    import cli

    result = CliRunner().invoke(cli.cli, ["--db", db, "--lang", "en", "--user", "tester", *args],
                                input=input, catch_exceptions=False)
    assert result.exit_code in (0, 3), (args, result.output)  # 3: assessed, not ready


def seed(db: str) -> None:
    """L9 with hostile text in a location, a person, a hazard, its control, a PDCA item and a
    drill run's note, assessed; L7 empty."""
    from readiness.actor import Actor
    from readiness.store.core import Store
    from readiness.store.lines import find_line
    from readiness.store.schema import Location, Person

    with Store.open(db) as store, store.write(Actor("seed"), "seed") as session:
        line = find_line(session, "L9")
        session.insert_rows(Location, [{"line_id": line.id, "code": "S09", "name": HOSTILE,
                                        "kind": "station", "seq": 9}])
        session.insert_rows(Person, [{"staff_id": "900099", "name": HOSTILE,
                                      "unit_code": "TM-KY1-01", "post": HOSTILE}],
                            key_field="staff_id")
    run_cli(db, "hazard", "add", "--location", "S09", "--specialty", "psd", "--category",
            "equipment", "--description", HOSTILE, "--activity", HOSTILE, "--score",
            "L=6,E=6,C=15", "--control", f"engineering: {HOSTILE}", "--owner-unit", "TM-KY1-01")
    run_cli(db, "pdca", "open", "--title", HOSTILE, "--class", "due-dated")
    run_cli(db, "pdca", "plan", "P-0001", "--cause", HOSTILE, "--action", HOSTILE,
            "--owner-unit", "TM-KY1-01", "--owner", "900030", "--due", "2027-01-10")
    from readiness.pdca.items import step

    with Store.open(db) as store:  # evidence kept as the web keeps it
        step(store, "L9", "P-0001", "do", {"done_note": HOSTILE, "evidence": HOSTILE},
             actor=Actor("seed"), evidence_file=("<img src=x onerror=alert(3)>.pdf", PDF))
    run_cli(db, "drill", "record", "R-1", "--scenario", "EM-PSD-FAILURE", "--date",
            "2026-10-01", "--location", "S01", "--unit", "CT-KY", "--evaluator", "陈静",
            "--task", "EM-PSD-FAILURE-T1=P/1.5@陈静", "--note", HOSTILE)
    run_cli(db, "inspection", "record", "PC-1", "--on", "2026-11-20", "--kind", "special",
            "--reason", HOSTILE, "--inspector", "900031", "--result",
            f"H-0001=failed/major@{HOSTILE}")
    run_cli(db, "assess", "--as-of", "2026-11-23")
    run_cli(db, "init", "--line", "L7", "--opening-date", "2027-06-30", "--handover-date",
            "2027-03-01")


@pytest.fixture
def walked(org_db):
    """The seeded store; one account per role on L9 only (admin on every line: it may not be
    limited) and one for the hostile person, with every role on every line."""
    seed(org_db)
    for who, role in zip(STAFF, ROLES):
        limit = [] if role == "admin" else ["--line", "L9"]
        run_cli(org_db, "user", "add", who, "--role", role, *limit, "--password-stdin",
                input=PASSWORD + "\n")
    every = [x for r in ROLES for x in ("--role", r)]
    run_cli(org_db, "user", "add", "900099", *every, "--password-stdin", input=PASSWORD + "\n")
    return org_db


def sign_in(web: TestClient, staff_id: str) -> None:
    web.cookies.clear()
    form = web.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    answer = web.post("/login", data={"csrf": csrf, "staff_id": staff_id, "password": PASSWORD})
    assert answer.status_code == 303, answer.text


def test_the_walk_covers_every_route_of_the_application(walked) -> None:
    app = create_app(walked)
    gets = {r.path for r in app.routes if "GET" in (r.methods or ())}
    posts = {r.path for r in app.routes if (r.methods or set()) - {"GET", "HEAD"}}
    assert gets == set(GET_ROUTES), "add the new route to GET_ROUTES with its action"
    assert posts == POST_ROUTES


def expected(role: str, action: str | None, line: str) -> set[int]:
    """What a role may get on `line`, from the permission data; 404 where L7 lacks the record
    (no hazard H-0001, no run R-1, no snapshot) for a role that may look."""
    from readiness.accounts import Account, RoleGrant, allowed, allowed_on_every_line

    grant = RoleGrant(role=role, line=None if role == "admin" else "L9")
    account = Account(staff_id="x", name="x", unit=None, disabled=False, locked_until=None,
                      roles=[grant], created_at=None)
    if action is None:
        return {200, 204, 303}  # 204: the favicon there is none of; 303: /login signed in
    if action == "signed-in":
        return {200}
    if action == "every-line":
        return {200} if allowed_on_every_line(account, "read") else {403}
    if action == "accounts":  # not about a line
        return {200} if allowed(account, "accounts") else {403}
    return {200, 404} if allowed(account, action, line) else {403}


def test_every_route_for_every_role_and_anonymous(walked) -> None:
    web = TestClient(create_app(walked), follow_redirects=False)
    for path, action in GET_ROUTES.values():
        answer = web.get(path.replace("LINE", "L9"))
        if action is None:
            assert answer.status_code in (200, 204, 303), path
        else:
            assert answer.status_code == 303, path
            assert answer.headers["location"].endswith("/login"), path
    for role, who in zip(ROLES, STAFF):
        sign_in(web, who)
        for path, action in GET_ROUTES.values():
            if path.startswith("/lang/"):
                continue  # it sets the language cookie; walked above
            for line in ("L9", "L7"):
                answer = web.get(path.replace("LINE", line))
                allowed = expected(role, action, line)
                if line == "L9" and allowed == {200, 404}:
                    allowed = {200}  # L9 has every record the URLs name
                assert answer.status_code in allowed, (role, line, path, answer.status_code)


def test_changing_the_line_in_the_url_reads_nothing_of_another_line(walked) -> None:
    """The viewer limited to L9 gets 403 (never the record) on every L7 URL, whatever the ID."""
    web = TestClient(create_app(walked), follow_redirects=False)
    sign_in(web, "900032")
    for path, action in GET_ROUTES.values():
        if "LINE" in path:
            answer = web.get(path.replace("LINE", "L7"))
            assert answer.status_code == 403 and answer.text == "not allowed", path


def test_hostile_text_is_text_on_every_page(walked) -> None:
    """The hostile person's own name is in every page's header; the hostile location, hazard,
    control, PDCA item and drill note on the pages that show them: always escaped."""
    web = TestClient(create_app(walked), follow_redirects=False)
    sign_in(web, "900099")
    shown = {}
    for path, _ in GET_ROUTES.values():
        if path.startswith(("/lang/", "/login", "/favicon", "/healthz")):
            continue
        for lang in ("zh", "en"):
            web.cookies.set("readiness_lang", lang)
            answer = web.get(path.replace("LINE", "L9"))
            assert answer.status_code == 200, (path, answer.status_code)
            if not answer.headers["content-type"].startswith("text/html"):
                continue  # a download holds the data as it is; it is no page
            body = answer.text
            assert "<script>alert" not in body and "<img src=x" not in body, path
            assert "onerror=alert(2)>" not in body.replace(ESCAPED, ""), path
            shown[path] = shown.get(path, True) and (ESCAPED in body or "&lt;script&gt;" in body)
    html_pages = [p for p in shown  # every page; a download is no page
                  if p != "/lines/LINE/report.html"]  # the report: the snapshot's own content
    assert len(html_pages) > 25
    missing = [p for p in html_pages if not shown[p]]
    assert not missing, f"the hostile name should show (escaped) on {missing}"


def test_healthz_says_nothing_and_reads_no_data(walked) -> None:
    app = create_app(walked)
    Path(walked).unlink()  # the store's file is gone: health does not read it
    answer = TestClient(app).get("/healthz")
    assert answer.status_code == 200 and answer.content == b'{"status":"ok"}'
    assert "set-cookie" not in answer.headers
    leaked = [h for h in answer.headers if h.lower() in ("server", "x-powered-by")]
    assert not leaked, leaked


def test_a_password_is_never_logged_nor_stored_in_clear(walked, tmp_path: Path) -> None:
    """Sign in (right and wrong) against `readiness serve` in its own process, with its log at
    debug; change a password from the CLI: neither password is in the server's log, the store's
    files, nor the audit trail."""
    import httpx

    wrong = "Not-The-Password-4711"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-c", "import cli; cli.main()", "--db", walked,
                                   "serve", "--port", str(port), "--log-level", "debug"],
                                  stdout=out, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    httpx.get(f"{base}/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            with httpx.Client(base_url=base) as client:
                for password in (wrong, PASSWORD):
                    csrf = re.search(r'name="csrf" value="([^"]+)"',
                                     client.get("/login").text).group(1)
                    client.post("/login", data={"csrf": csrf, "staff_id": "900001",
                                                "password": password})
                assert client.get("/").status_code == 200  # signed in
        finally:
            server.terminate()
            server.wait(timeout=30)
    new = "Fresh-Password-2027"
    run_cli(walked, "user", "passwd", "900001", "--password-stdin", input=new + "\n")
    served = log.read_bytes()
    assert b"POST /login" in served  # the log is there, and says only what was asked
    stored = b"".join(p.read_bytes() for p in Path(walked).parent.glob(Path(walked).name + "*"))
    for secret in (PASSWORD, wrong, new):
        assert secret.encode() not in served, secret
        assert secret.encode() not in stored, secret
    from readiness.audit import list_records
    from readiness.store.core import Store

    with Store.open(walked) as store:
        trail = repr(list_records(store, limit=0))
    assert "argon2" not in trail and PASSWORD not in trail and new not in trail


def test_every_post_for_every_role_and_anonymous(walked) -> None:
    """A POST to a line needs a session (else /login), a role allowed there (else 403 "not
    allowed", whatever the token) and the session's CSRF token (else 403): nothing is read."""
    web = TestClient(create_app(walked), follow_redirects=False)
    for path, _ in LINE_POSTS.values():
        answer = web.post(path.replace("LINE", "L9"), data={"csrf": "x"})
        assert answer.status_code == 303 and answer.headers["location"].endswith("/login")
    for role, who in zip(ROLES, STAFF):
        sign_in(web, who)
        for path, action in LINE_POSTS.values():
            for line in ("L9", "L7"):
                answer = web.post(path.replace("LINE", line), data={"csrf": "forged"})
                may = 200 in expected(role, action, line)
                assert answer.status_code == 403, (role, path, line)
                assert (answer.text == "not allowed") is not may, (role, path, line, answer.text)
