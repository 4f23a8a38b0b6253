"""A drill commander records a run in the browser with two evaluators rating each task; a task
rated U opens a PDCA item, shown on the run's page; the CLI's refusals are the form's."""

from __future__ import annotations

import json
import re

import pytest
from starlette.testclient import TestClient

from readiness.web.app import create_app
from webclient import sign_in

PASSWORD = "Tunnel-Watch-2026"


@pytest.fixture
def web(run, org_db):
    for who, role in (("900010", "drill-commander"), ("900030", "viewer")):
        assert run("user", "add", who, "--role", role, "--password-stdin", db=org_db,
                   input=PASSWORD + "\n").exit_code == 0
    return TestClient(create_app(org_db), follow_redirects=False)


FORM = {"scenario": "EM-PSD-FAILURE", "run_id": "R-7", "on": "2026-10-01", "location": "S01",
        "units": "CT-KY", "evaluator_0": "陈静", "evaluator_1": "刘洋",
        "r__EM-PSD-FAILURE-T1__0": "P", "m__EM-PSD-FAILURE-T1__0": "1.5",
        "r__EM-PSD-FAILURE-T1__1": "U", "m__EM-PSD-FAILURE-T1__1": "4",
        "r__EM-PSD-FAILURE-T2__0": "S", "notes": "站台门故障演练"}


def test_two_evaluators_rate_each_task_and_the_finding_opens_a_pdca_item(web, run,
                                                                         org_db) -> None:
    csrf = sign_in(web, "900010")
    form = web.get("/lines/L9/drills/record?scenario=EM-PSD-FAILURE").text
    assert 'name="r__EM-PSD-FAILURE-T1__1" value="U"' in form
    bad = web.post("/lines/L9/drills/record", data={"csrf": csrf, **FORM, "location": "S99"})
    cli = run("drill", "record", "R-7", "--scenario", "EM-PSD-FAILURE", "--date", "2026-10-01",
              "--location", "S99", db=org_db)
    assert bad.status_code == 400
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', bad.text, re.S).group(1)
    assert "Error: " + error.replace("&#39;", "'") + "\n" == cli.output
    assert 'value="刘洋"' in bad.text  # what was typed is kept
    done = web.post("/lines/L9/drills/record", data={"csrf": csrf, **FORM})
    assert done.status_code == 303 and done.headers["location"].endswith("/drills/runs/R-7")
    shown = json.loads(run("drill", "show", "R-7", "--json", db=org_db).output)
    t1 = next(t for t in shown["tasks"] if t["task"] == "EM-PSD-FAILURE-T1")
    assert sorted((r["evaluator"], r["rating"]) for r in t1["ratings"]) == [("刘洋", "U"),
                                                                          ("陈静", "P")]
    page = web.get("/lines/L9/drills/runs/R-7").text
    assert "刘洋" in page and "陈静" in page
    items = json.loads(run("pdca", "list", "--json", db=org_db).output)
    assert any("R-7" in (i.get("source_ref") or "") for i in items)


def test_a_viewer_may_not_record(web) -> None:
    csrf = sign_in(web, "900030")
    assert web.get("/lines/L9/drills/record").status_code == 403
    assert web.post("/lines/L9/drills/record", data={"csrf": csrf, **FORM}).status_code == 403
