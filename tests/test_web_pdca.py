"""A PDCA item walked round the loop in the browser's forms: the owner plans and does it with an
evidence file, a different person verifies, the item closes; what the CLI refuses the form
refuses with the same one line and nothing written; forged, stale and hostile posts; evidence
files checked on the way in and on the way out."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from readiness.web.app import create_app
from webclient import sign_in

PASSWORD = "Tunnel-Watch-2026"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
URL = "/lines/L9/pdca/P-0001"


@pytest.fixture
def web(run, org_db):
    """P-0001 open at PLAN; 900010 and 900020 safety officers, 900030 a viewer."""
    assert run("pdca", "open", "--title", "闸机扇门迟缓", "--class", "due-dated",
               db=org_db).exit_code == 0
    for who, role in (("900010", "safety-officer"), ("900020", "safety-officer"),
                      ("900030", "viewer")):
        assert run("user", "add", who, "--role", role, "--password-stdin", db=org_db,
                   input=PASSWORD + "\n").exit_code == 0
    return TestClient(create_app(org_db), follow_redirects=False)


def phase_of(run, db) -> str:
    import json

    return json.loads(run("pdca", "show", "P-0001", "--json", db=db).output)["phase"]


def post(web, csrf, step, fields, seen=("PLAN", 1), files=None):
    data = {"csrf": csrf, "phase": seen[0], "cycle": str(seen[1]), **fields}
    return web.post(f"{URL}/{step}", data=data, files=files)


def error_of(html: str) -> str:
    return re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S).group(1)


PLAN = {"root_cause": "扇门电机老化", "action": "更换电机", "owner_unit": "CT-KY",
        "owner": "900010", "due": "2027-01-10"}


def test_owner_and_a_different_verifier_walk_an_item_to_closed_with_evidence(web, run,
                                                                            org_db) -> None:
    csrf = sign_in(web, "900010")
    page = web.get(URL).text
    assert 'action="/lines/L9/pdca/P-0001/plan"' in page and "/do\"" not in page
    cli = run("pdca", "plan", "P-0001", "--cause", "x", "--action", "y", "--owner-unit",
              "CT-KY", "--owner", "900010", db=org_db)  # no --due: what the CLI says
    refused = post(web, csrf, "plan", {**PLAN, "due": ""})
    assert refused.status_code == 400
    assert "Error: " + error_of(refused.text).replace("&#39;", "'") + "\n" == cli.output
    assert phase_of(run, org_db) == "PLAN"
    assert post(web, csrf, "plan", PLAN).status_code == 303
    did = post(web, csrf, "do", {"done_note": "已更换", "evidence": "工单 WO-17"},
               seen=("DO", 1), files={"evidence_file": ("更换记录.pdf", PDF, "application/pdf")})
    assert did.status_code == 303, did.text
    page = web.get(URL).text
    link = re.search(r'href="(/lines/L9/evidence/[0-9a-f]{64})"', page).group(1)
    download = web.get(link)
    assert download.content == PDF and download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment; filename*=utf-8''")
    own = post(web, csrf, "check", {"verdict": "effective"}, seen=("CHECK", 1))
    assert own.status_code == 400 and "900010" in error_of(own.text)
    csrf = sign_in(web, "900020")
    assert post(web, csrf, "check", {"verdict": "effective"}, seen=("CHECK", 1)).status_code == 303
    assert post(web, csrf, "act", {"standardisation": "写入闸机维护规程"},
                seen=("ACT", 1)).status_code == 303
    assert phase_of(run, org_db) == "CLOSED"
    closed = web.get(URL).text
    assert "写入闸机维护规程" in closed and 'method="post" action="/lines/L9/pdca' not in closed
    import json

    log = json.loads(run("audit", "log", "--entity", "pdca_items", "--json", db=org_db).output)
    assert {r["username"] for r in log if r["action"] == "update"} == {"900010", "900020"}


def test_a_forged_a_stale_and_a_viewers_post_write_nothing(web, run, org_db) -> None:
    csrf = sign_in(web, "900010")
    assert post(web, "forged", "plan", PLAN).status_code == 403
    assert web.post(f"{URL}/plan", data=PLAN).status_code == 403
    assert phase_of(run, org_db) == "PLAN"
    assert post(web, csrf, "plan", PLAN).status_code == 303
    stale = post(web, csrf, "plan", PLAN)  # a second tab, still showing PLAN
    assert stale.status_code == 400 and "has moved on since you opened it" in stale.text
    assert phase_of(run, org_db) == "DO"
    viewer = sign_in(web, "900030")
    assert 'method="post" action="/lines/L9/pdca' not in web.get(URL).text
    assert post(web, viewer, "do", {"done_note": "x", "evidence": "y"},
                seen=("DO", 1)).status_code == 403
    assert phase_of(run, org_db) == "DO"


def evidence_rows(db: str) -> int:
    from sqlalchemy import func, select

    from readiness.store.core import Store
    from readiness.store.tables import evidence_files

    with Store.open(db) as store, store.read_rows() as conn:
        return conn.execute(select(func.count()).select_from(evidence_files)).scalar()


@pytest.mark.parametrize("name, content, says", [
    ("../../etc/passwd.pdf", PDF, "holds a folder"),
    ("tool.exe", b"MZ\x90\x00", "not a type that may be uploaded"),
    ("photo.png", PDF, "does not hold what a .png file holds"),
    ("big.pdf", PDF + b"0" * (20 * 2**20), "over the 20 MB limit"),
])
def test_an_upload_that_may_not_be_kept_is_refused_and_nothing_is_stored(web, run, org_db, name,
                                                                         content, says) -> None:
    csrf = sign_in(web, "900010")
    assert post(web, csrf, "plan", PLAN).status_code == 303
    refused = post(web, csrf, "do", {"done_note": "已更换", "evidence": "工单"}, seen=("DO", 1),
                   files={"evidence_file": (name, content, "application/octet-stream")})
    assert refused.status_code == 400 and says in refused.text
    assert phase_of(run, org_db) == "DO" and evidence_rows(org_db) == 0


def test_a_form_over_the_limit_is_refused_before_it_is_read(web) -> None:
    csrf = sign_in(web, "900010")
    answer = web.post(f"{URL}/do", content=b"x" * 10,
                      headers={"content-length": str(26 * 2**20),
                               "content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413 and csrf


def test_a_damaged_evidence_file_is_refused_on_download_and_by_audit_verify(web, run,
                                                                           org_db) -> None:
    from sqlalchemy import update

    from readiness.store.core import Store
    from readiness.store.tables import evidence_files

    csrf = sign_in(web, "900010")
    post(web, csrf, "plan", PLAN)
    post(web, csrf, "do", {"done_note": "已更换", "evidence": "工单"}, seen=("DO", 1),
         files={"evidence_file": ("记录.pdf", PDF, "application/pdf")})
    link = re.search(r'href="(/lines/L9/evidence/[0-9a-f]{64})"', web.get(URL).text).group(1)
    assert web.get(link).status_code == 200
    assert run("audit", "verify", db=org_db).exit_code == 0
    with Store.open(org_db) as store, store.engine.begin() as conn:  # behind the toolkit's back
        conn.execute(update(evidence_files).values(content=PDF + b"tampered"))
    damaged = web.get(link)
    assert damaged.status_code == 409 and "is damaged" in damaged.text
    assert run("audit", "verify", db=org_db).exit_code != 0
    assert web.get("/lines/L9/evidence/" + "0" * 64).status_code == 404


@pytest.mark.parametrize("name", ["../a.pdf", "/etc/a.pdf", "C:\\Users\\x\\a.pdf", "a\\b.pdf",
                                  "..", ""])
def test_a_name_with_a_folder_is_refused_before_anything_is_read(name) -> None:
    from readiness.errors import InvalidValue
    from readiness.evidence import check_upload

    with pytest.raises(InvalidValue) as refused:
        check_upload(name, PDF)
    assert refused.value.key == "evidence.path_in_name"
