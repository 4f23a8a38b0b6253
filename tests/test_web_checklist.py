"""A safety officer attests an opening safety point in the browser with an evidence file, and
another person verifies it; the status rules refuse as `readiness checklist set` does."""

from __future__ import annotations

import json
import re

import pytest
from starlette.testclient import TestClient

from readiness.web.app import create_app
from webclient import sign_in

PASSWORD = "Tunnel-Watch-2026"
PDF = b"%PDF-1.4\n%%EOF\n"
URL = "/lines/L9/checklist/CL-SF-01"


@pytest.fixture
def web(run, org_db):
    assert run("checklist", "set", "CL-SF-01", "--owner", "900010", db=org_db).exit_code == 0
    for who, role in (("900010", "safety-officer"), ("900020", "safety-officer"),
                      ("900030", "viewer")):
        assert run("user", "add", who, "--role", role, "--password-stdin", db=org_db,
                   input=PASSWORD + "\n").exit_code == 0
    return TestClient(create_app(org_db), follow_redirects=False)


def point(run, db) -> dict:
    return json.loads(run("checklist", "show", "CL-SF-01", "--json", db=db).output)


def error_of(html: str) -> str:
    return re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S).group(1)


def version(web) -> str:
    """The point's version as its page gives it to the forms (what a browser would send)."""
    return re.search(r'name="version" value="(\d+)"', web.get(URL).text).group(1)


def test_attest_with_an_evidence_file_then_another_person_verifies(web, run, org_db) -> None:
    csrf = sign_in(web, "900010")
    assert 'href="/lines/L9/checklist/CL-SF-01"' in web.get("/lines/L9/checklist").text
    bare = web.post(f"{URL}/set", data={"csrf": csrf, "status": "done", "version": version(web)})
    cli = run("checklist", "set", "CL-SF-01", "--status", "done", db=org_db)
    assert bare.status_code == 400
    assert "Error: " + error_of(bare.text).replace("&#39;", "'") + "\n" == cli.output
    done = web.post(f"{URL}/set", data={"csrf": csrf, "status": "done", "version": version(web)},
                    files={"evidence_file": ("安委会成立文件.pdf", PDF, "application/pdf")})
    assert done.status_code == 303
    p = point(run, org_db)
    assert (p["status"], p["evidence_file"]) == ("done", "安委会成立文件.pdf")
    page = web.get(URL).text
    link = re.search(r'href="(/lines/L9/evidence/[0-9a-f]{64})"', page).group(1)
    assert web.get(link).content == PDF
    own = web.post(f"{URL}/verify", data={"csrf": csrf, "version": version(web)})
    assert own.status_code == 400 and "900010" in error_of(own.text)
    other = sign_in(web, "900020")
    assert web.post(f"{URL}/verify", data={"csrf": other, "version": version(web)}
                    ).status_code == 303
    p = point(run, org_db)
    assert (p["status"], p["verifier"]) == ("verified", "900020")


def test_a_viewer_attests_nothing_and_a_forged_form_writes_nothing(web, run, org_db) -> None:
    csrf = sign_in(web, "900030")
    assert f"{URL}/set" not in web.get(URL).text
    assert web.post(f"{URL}/set", data={"csrf": csrf, "status": "done"}).status_code == 403
    sign_in(web, "900010")
    assert web.post(f"{URL}/set", data={"csrf": "forged", "status": "in-progress"}
                    ).status_code == 403
    assert point(run, org_db)["status"] == "open"


def test_two_people_attesting_one_point_at_once_the_second_is_refused(web, run, org_db) -> None:
    first, second = web, TestClient(web.app, follow_redirects=False)
    csrf_1, csrf_2 = sign_in(first, "900010"), sign_in(second, "900020")
    opened_1, opened_2 = version(first), version(second)
    assert first.post(f"{URL}/set", data={"csrf": csrf_1, "status": "in-progress",
                                          "note": "甲", "version": opened_1}).status_code == 303
    late = second.post(f"{URL}/set", data={"csrf": csrf_2, "status": "open", "note": "乙",
                                           "version": opened_2})
    assert late.status_code == 400
    assert error_of(late.text).startswith("CL-SF-01 has been changed since you opened it (900010")
    p = point(run, org_db)
    assert (p["status"], p["note"]) == ("in-progress", "甲")
