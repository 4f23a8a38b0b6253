"""Leadership in the browser: assess now, compare, sign off with the password again (step-up),
approve a not-ready snapshot only with a reason; the same refusals as `readiness signoff`."""

from __future__ import annotations


import pytest
from starlette.testclient import TestClient

from readiness.web.app import create_app
from webclient import sign_in

PASSWORD = "Tunnel-Watch-2026"


@pytest.fixture
def web(run, org_db):
    """L9 with an open blocking PDCA item (so: not ready); 900001 leadership (company level),
    900010 viewer."""
    assert run("pdca", "open", "--title", "信号联锁未验收", "--class", "blocking",
               db=org_db).exit_code == 0
    for who, role in (("900001", "leadership"), ("900010", "viewer")):
        assert run("user", "add", who, "--role", role, "--password-stdin", db=org_db,
                   input=PASSWORD + "\n").exit_code == 0
    return TestClient(create_app(org_db), follow_redirects=False)


def test_assess_compare_and_sign_off_with_step_up(web, run, org_db) -> None:
    import json

    csrf = sign_in(web, "900001")
    for _ in range(2):
        assert web.post("/lines/L9/assess", data={"csrf": csrf}).status_code == 303
    page = web.get("/lines/L9/snapshots").text
    assert "/lines/L9/snapshots/2/signoff" in page and 'name="a"' in page
    assert web.get("/lines/L9/snapshots/diff?a=1&b=2").status_code == 200
    form = web.get("/lines/L9/snapshots/2/signoff").text
    assert 'name="override_reason"' in form and 'type="password"' in form
    base = {"csrf": csrf, "decision": "approve", "password": PASSWORD}
    no_reason = web.post("/lines/L9/snapshots/2/signoff", data=base)
    cli = run("signoff", "2", "--by", "900001", "--decision", "approve", db=org_db)
    assert no_reason.status_code == 400 and cli.exit_code != 0  # the CLI, too, wants --as
    assert "snapshot 2 is not ready; approving it needs --override-reason" in no_reason.text
    wrong = web.post("/lines/L9/snapshots/2/signoff",
                     data={**base, "password": "not-mine", "override_reason": "按期开通"})
    assert wrong.status_code == 400 and "wrong staff ID or password" in wrong.text
    history = json.loads(run("assess", "history", "--json", db=org_db).output)
    assert all(not s["signoffs"] for s in history["snapshots"])  # nothing signed so far
    signed = web.post("/lines/L9/snapshots/2/signoff", data={**base, "override_reason": "按期开通"})
    assert signed.status_code == 303, signed.text
    history = json.loads(run("assess", "history", "--json", db=org_db).output)
    mine = next(s for s in history["snapshots"] if s["id"] == 2)["signoffs"]
    assert [(x["staff_id"], x["decision"]) for x in mine] == [("900001", "approve")]
    log = json.loads(run("audit", "log", "--entity", "signoffs", "--json",
                         db=org_db).output)
    assert log and log[0]["username"] == "900001"


def test_a_viewer_may_neither_assess_nor_sign(web) -> None:
    csrf = sign_in(web, "900001")
    web.post("/lines/L9/assess", data={"csrf": csrf})
    csrf = sign_in(web, "900010")
    assert "/signoff" not in web.get("/lines/L9/snapshots").text
    assert web.post("/lines/L9/assess", data={"csrf": csrf}).status_code == 403
    assert web.get("/lines/L9/snapshots/1/signoff").status_code == 403
    assert web.post("/lines/L9/snapshots/1/signoff",
                    data={"csrf": csrf, "decision": "reject",
                          "password": PASSWORD}).status_code == 403
