"""A hazard in the browser: a safety officer re-evaluates it with the method's scales as
choices (a new dated evaluation, the old one kept); a leader accepts its residual risk as
themselves with their password again; what the CLI refuses is refused with its words."""

from __future__ import annotations

import json
import re

import pytest
from starlette.testclient import TestClient

from readiness.web.app import create_app
from webclient import sign_in

PASSWORD = "Tunnel-Watch-2026"
URL = "/lines/L9/hazards/H-0001"


@pytest.fixture
def web(run, org_db):
    assert run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
               "equipment", "--description", "站台门夹人", "--score", "L=6,E=6,C=15",
               "--residual", "L=1,E=6,C=15", "--control", "engineering: 防夹挡板",
               db=org_db).exit_code == 0
    for who, role in (("900010", "safety-officer"), ("900001", "leadership"),
                      ("900020", "leadership"), ("900030", "viewer")):
        assert run("user", "add", who, "--role", role, "--password-stdin", db=org_db,
                   input=PASSWORD + "\n").exit_code == 0
    return TestClient(create_app(org_db), follow_redirects=False)


def shown(run, db) -> dict:
    return json.loads(run("hazard", "show", "H-0001", "--json", db=db).output)


def error_of(html: str) -> str:
    return re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S).group(1)


def test_a_safety_officer_re_evaluates_with_the_scales_as_choices(web, run, org_db) -> None:
    csrf = sign_in(web, "900010")
    page = web.get(URL).text
    assert '<select id="f_L" name="f_L">' in page and "Quite possible" in page
    assert "/accept" not in page  # a safety officer accepts no risk
    values = {"f_L": "3", "f_E": "6", "f_C": "15", "r_L": "1", "r_E": "6", "r_C": "7",
              "evaluations": "1"}
    bad = web.post(f"{URL}/evaluate", data={"csrf": csrf, **values, "f_L": "7"})
    cli = run("hazard", "evaluate", "H-0001", "--score", "L=7,E=6,C=15", "--residual",
              "L=1,E=6,C=7", db=org_db)
    assert bad.status_code == 400
    assert "Error: " + error_of(bad.text).replace("&#39;", "'") + "\n" == cli.output
    assert shown(run, org_db)["evaluations"] == 1
    done = web.post(f"{URL}/evaluate", data={"csrf": csrf, **values, "note": "加装挡板后复评"})
    assert done.status_code == 303
    h = shown(run, org_db)
    assert h["evaluations"] == 2 and h["factors"] == {"L": 3, "E": 6, "C": 15}
    assert [e["factors"]["L"] for e in h["history"]] in ([6, 3], [3, 6])  # both kept


def test_a_leader_accepts_as_themselves_with_the_password_again(web, run, org_db) -> None:
    cli = run("hazard", "accept", "H-0001", "--by", "900020", db=org_db)
    assert cli.exit_code != 0 and "--as" in cli.output  # the store has accounts
    csrf = sign_in(web, "900020")  # a division head may accept a general residual risk
    assert web.post(f"{URL}/accept", data={"csrf": csrf, "password": PASSWORD}
                    ).status_code == 303
    assert shown(run, org_db)["acceptance"]["accepted_by"] == "900020"
    csrf = sign_in(web, "900001")
    wrong = web.post(f"{URL}/accept", data={"csrf": csrf, "password": "not-mine"})
    assert wrong.status_code == 400 and "wrong staff ID or password" in wrong.text
    done = web.post(f"{URL}/accept", data={"csrf": csrf, "password": PASSWORD,
                                           "until": "2027-12-31"})
    assert done.status_code == 303, done.text
    acc = shown(run, org_db)["acceptance"]
    assert (acc["accepted_by"], acc["valid_until"]) == ("900001", "2027-12-31")
    assert "王建国" in web.get(URL).text


def test_a_viewer_sees_no_form_and_may_post_none(web, run, org_db) -> None:
    csrf = sign_in(web, "900030")
    page = web.get(URL).text
    assert "/evaluate" not in page and "/accept" not in page
    for step in ("evaluate", "accept"):
        assert web.post(f"{URL}/{step}", data={"csrf": csrf}).status_code == 403
    assert shown(run, org_db)["evaluations"] == 1


def test_the_second_of_two_people_re_evaluating_at_once_is_told_not_overwritten(web, run,
                                                                              org_db) -> None:
    """Both opened the hazard with one evaluation; the first saves; the second's save is
    refused with what happened since, and the first one's evaluation stands."""
    values = {"f_L": "3", "f_E": "6", "f_C": "15", "r_L": "1", "r_E": "6", "r_C": "7",
              "evaluations": "1"}
    csrf = sign_in(web, "900010")
    assert web.post(f"{URL}/evaluate", data={"csrf": csrf, **values}).status_code == 303
    second = web.post(f"{URL}/evaluate", data={"csrf": csrf, **values, "f_L": "10"})
    assert second.status_code == 400
    assert "has been re-evaluated since you opened it (you saw 1 evaluations, it now has 2" \
        in second.text
    h = shown(run, org_db)
    assert h["evaluations"] == 2 and h["factors"]["L"] == 3


def test_a_safety_officer_adds_a_hazard_as_hazard_add_would(web, run, org_db) -> None:
    csrf = sign_in(web, "900010")
    assert 'href="/lines/L9/hazards/new"' in web.get("/lines/L9/hazards").text
    form = web.get("/lines/L9/hazards/new").text
    assert '<select id="specialty" name="specialty">' in form and 'name="control_text_2"' in form
    values = {"csrf": csrf, "location": "S02", "specialty": "psd", "risk_category": "equipment",
              "activity": "站台门维修", "description": "站台门维修时误动作夹伤作业人员",
              "accident_type": "机械伤害/其他伤害", "f_L": "3", "f_E": "6", "f_C": "7",
              "r_L": "1", "r_E": "6", "r_C": "7", "control_type_0": "engineering",
              "control_text_0": "维修模式下门机断电", "control_type_1": "administrative",
              "control_text_1": "两人作业、互相监护", "owner_unit": "TM-KY1-02", "owner": "陈静"}
    missing = web.post("/lines/L9/hazards/new", data={**values, "f_C": ""})
    assert missing.status_code == 400 and "维修模式下门机断电" in missing.text  # kept
    assert json.loads(run("hazard", "list", "--json", db=org_db).output)[-1]["id"] == "H-0001"
    added = web.post("/lines/L9/hazards/new", data=values)
    assert added.status_code == 303 and added.headers["location"].endswith("/hazards/H-0002")
    h = json.loads(run("hazard", "show", "H-0002", "--json", db=org_db).output)
    assert (h["location"], h["owner_unit"], h["owner"]) == ("S02", "TM-KY1-02", "900020")
    assert h["accident_types"] == ["machinery", "other-injury"]
    assert [c["type"] for c in h["controls"]] == ["engineering", "administrative"]
    assert (h["score"], h["residual_score"]) == (126.0, 42.0)
    again = web.post("/lines/L9/hazards/new", data=values)  # the same hazard twice
    cli = run("hazard", "add", "--location", "S02", "--specialty", "psd", "--category",
              "equipment", "--description", "站台门维修时误动作夹伤作业人员", db=org_db)
    assert again.status_code == 400
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', again.text, re.S).group(1)
    assert "Error: " + error.replace("&#39;", "'").replace("&#34;", '"') + "\n" == cli.output
