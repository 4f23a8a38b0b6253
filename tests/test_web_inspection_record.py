"""An inspector records an inspection on a tablet from a post's handbook: a failed control opens
a hidden danger; the CLI's refusals are the form's; a viewer records nothing."""

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
    assert run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
               "equipment", "--description", "站台门夹人", "--score", "L=3,E=6,C=7",
               "--control", "engineering: 防夹挡板", "--owner-unit", "TM-KY1-01",
               db=org_db).exit_code == 0
    for who, role in (("900030", "safety-officer"), ("900031", "viewer")):
        assert run("user", "add", who, "--role", role, "--password-stdin", db=org_db,
                   input=PASSWORD + "\n").exit_code == 0
    return TestClient(create_app(org_db), follow_redirects=False)


def test_a_failed_control_opens_a_hidden_danger(web, run, org_db) -> None:
    csrf = sign_in(web, "900030")
    chooser = web.get("/lines/L9/inspections/record").text
    book = re.search(r'<option value="(\d+)"', chooser).group(1)
    form = web.get(f"/lines/L9/inspections/record?book={book}").text
    control = re.search(r'name="ctl_0" value="(\d+)"', form).group(1)
    assert 'name="res_0" value="failed"' in form
    base = {"csrf": csrf, "book": book, "rows": "1", "code": "PC-1", "on": "2026-11-20",
            "kind": "routine", "hz_0": "H-0001", "ctl_0": control, "res_0": "failed",
            "finding_0": "挡板松动"}
    no_grade = web.post("/lines/L9/inspections/record", data=base)
    cli = run("inspection", "record", "PC-1", "--on", "2026-11-20", "--kind", "routine",
              "--inspector", "900030", "--result", f"H-0001:{control}=failed@挡板松动", db=org_db)
    assert no_grade.status_code == 400 and cli.exit_code != 0
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', no_grade.text, re.S).group(1)
    assert "Error: " + error.replace("&#39;", "'").replace("&#34;", '"') + "\n" == \
        cli.output.replace(f"H-0001:{control}", "H-0001")
    assert "挡板松动" in no_grade.text  # what was typed is kept
    done = web.post("/lines/L9/inspections/record", data={**base, "grade_0": "general"})
    assert done.status_code == 303 and done.headers["location"].endswith("/inspections/PC-1")
    shown = json.loads(run("inspection", "show", "PC-1", "--json", db=org_db).output)
    assert shown["inspector"] == "900030"
    dangers = json.loads(run("danger", "list", "--json", db=org_db).output)
    assert [d["hazard"] for d in dangers] == ["H-0001"]


def test_a_viewer_records_nothing(web) -> None:
    csrf = sign_in(web, "900031")
    assert web.get("/lines/L9/inspections/record").status_code == 403
    assert web.post("/lines/L9/inspections/record", data={"csrf": csrf}).status_code == 403
