"""Changing a hazard after it is added — at the command line and in the browser, with the same
checks and words as `hazard add`; a control's aspect; a request that a leader at the right level
accept the residual risk; and the second of two people editing at once refused, not lost."""

from __future__ import annotations

import json
import re

import pytest
from starlette.testclient import TestClient

from readiness.web.app import create_app
from webclient import sign_in

PASSWORD = "Tunnel-Watch-2026"
URL = "/lines/L9/hazards/H-0001"
HOSTILE = '<script>alert(1)</script>'


@pytest.fixture
def hazard_db(run, org_db):
    assert run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
               "equipment", "--description", "站台门夹人", "--score", "L=6,E=6,C=15",
               "--residual", "L=1,E=6,C=15", "--control", "engineering: 防夹挡板",
               db=org_db).exit_code == 0
    return org_db


@pytest.fixture
def web(run, hazard_db):
    for who, role in (("900010", "safety-officer"), ("900031", "safety-officer"),
                      ("900020", "leadership"), ("900030", "viewer")):
        assert run("user", "add", who, "--role", role, "--password-stdin", db=hazard_db,
                   input=PASSWORD + "\n").exit_code == 0
    return TestClient(create_app(hazard_db), follow_redirects=False)


def shown(run, db) -> dict:
    return json.loads(run("hazard", "show", "H-0001", "--json", db=db).output)


def error_of(html: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S)
    assert found, html[:2000]
    return found.group(1).replace("&#39;", "'").replace("&#34;", '"')


def audit(run, db, entity: str) -> list[dict]:
    return json.loads(run("audit", "log", "--entity", entity, "--json", db=db).output)


# --- the command line ------------------------------------------------------------------------

def test_hazard_edit_changes_only_what_is_given_and_is_audited(run, hazard_db) -> None:
    done = run("hazard", "edit", "H-0001", "--location", "科技大道站", "--owner", "陈静",
               "--review-days", "40", "--accident-type", "机械伤害/其他伤害", db=hazard_db)
    assert done.exit_code == 0, done.output
    h = shown(run, hazard_db)
    assert (h["location"], h["owner"], h["review_days"]) == ("S02", "900020", 40)
    assert h["accident_types"] == ["machinery", "other-injury"]
    assert (h["description"], h["evaluations"]) == ("站台门夹人", 1)  # untouched
    change = audit(run, hazard_db, "hazards")[0]
    assert change["action"] == "update" and change["command"].startswith("hazard edit")
    assert set(change["after"]) == {"location_id", "owner", "review_days", "accident_types",
                                    "accident_type"}


@pytest.mark.parametrize(("args", "words"), [
    (("--location", "S99"), "Error: --location: line 'L9' has no location 'S99'"),
    (("--specialty", "bogus"), "Error: --specialty: 'bogus' is not valid"),
    (("--description", ""), "Error: --description: required, may not be blank"),
    (("--review-days", "0"), "Error: --review-days: review days must be a positive"),
    (("--owner", "赵六"), "Error: --owner"),
])
def test_hazard_edit_refuses_what_hazard_add_refuses(run, hazard_db, args, words) -> None:
    before = shown(run, hazard_db)
    refused = run("hazard", "edit", "H-0001", *args, db=hazard_db)
    assert refused.exit_code == 1 and refused.output.startswith(words), refused.output
    assert "Traceback" not in refused.output
    assert shown(run, hazard_db) == before


def test_an_edit_that_makes_it_another_hazard_is_refused_as_a_duplicate(run, hazard_db) -> None:
    assert run("hazard", "add", "--location", "S02", "--specialty", "psd", "--category",
               "equipment", "--description", "站台门夹人", db=hazard_db).exit_code == 0
    refused = run("hazard", "edit", "H-0002", "--location", "S01", db=hazard_db)
    assert refused.exit_code == 1 and "H-0001" in refused.output


def test_changing_what_was_accepted_voids_the_acceptance(run, hazard_db) -> None:
    assert run("hazard", "accept", "H-0001", "--by", "900020", db=hazard_db).exit_code == 0
    assert run("hazard", "edit", "H-0001", "--notes", "夜间巡视", db=hazard_db).exit_code == 0
    assert shown(run, hazard_db)["acceptance"] is not None  # a remark is not what was accepted
    assert run("hazard", "edit", "H-0001", "--description", "站台门夹人夹物",
               db=hazard_db).exit_code == 0
    h = shown(run, hazard_db)
    assert h["acceptance"] is None and h["voided_acceptances"][-1]["void_reason"] == "changed"


def test_a_control_gets_its_aspect_and_is_taken_off_with_its_values_kept(run,
                                                                         hazard_db) -> None:
    done = run("hazard", "control", "edit", "H-0001", "1", "--aspect", "机", "--owner", "刘洋",
               "--verified", db=hazard_db)
    assert done.exit_code == 0, done.output
    control = shown(run, hazard_db)["controls"][0]
    assert (control["aspect"], control["owner"], control["verified"]) == ("equipment", "刘洋",
                                                                           True)
    bad = run("hazard", "control", "edit", "H-0001", "1", "--aspect", "weather", db=hazard_db)
    assert bad.exit_code == 1 and bad.output.startswith("Error: --aspect: 'weather'")
    none = run("hazard", "control", "edit", "H-0001", "2", "--aspect", "机", db=hazard_db)
    assert none.output == "Error: H-0001 has no control number 2 (it has 1)\n"
    assert run("hazard", "control", "remove", "H-0001", "1", db=hazard_db).exit_code == 0
    assert shown(run, hazard_db)["controls"] == []
    gone = audit(run, hazard_db, "control_measures")[0]
    assert gone["action"] == "delete" and gone["before"]["description"] == "防夹挡板"


def test_a_request_for_acceptance_goes_to_someone_at_the_level_and_closes_on_acceptance(
        run, hazard_db) -> None:
    low = run("hazard", "request-acceptance", "H-0001", "--of", "刘洋", db=hazard_db)
    assert low.exit_code == 1
    assert low.output == ("Error: cannot ask 刘洋 (900030) to accept the residual risk of H-0001: "
                          "their unit is at Team level, and a General risk must be accepted at "
                          "Division level or above\n")
    ok = run("hazard", "request-acceptance", "H-0001", "--of", "陈静", "--note", "请审阅",
             db=hazard_db)
    assert ok.output == "asked 陈静 (900020) to accept the residual risk of H-0001\n"
    open_ = json.loads(run("hazard", "requests", "--of", "900020", "--json", db=hazard_db).output)
    assert [(r["hazard"], r["note"]) for r in open_] == [("H-0001", "请审阅")]
    assert run("hazard", "accept", "H-0001", "--by", "900020", db=hazard_db).exit_code == 0
    assert json.loads(run("hazard", "requests", "--json", db=hazard_db).output) == []


def test_the_second_of_two_edits_from_one_version_is_refused_with_who_changed_it(
        hazard_db) -> None:
    from hazards.editing import edit_hazard, versions
    from readiness.actor import Actor
    from readiness.errors import InvalidValue
    from readiness.store.core import Store

    with Store.open(hazard_db) as store:
        seen = versions(store, "L9", "H-0001")["hazard"]
        edit_hazard(store, "L9", "H-0001", actor=Actor("李明"), changes={"notes": "甲"},
                    seen=seen)
        with pytest.raises(InvalidValue) as refused:
            edit_hazard(store, "L9", "H-0001", actor=Actor("陈静"), changes={"notes": "乙"},
                        seen=seen)
        assert refused.value.key == "record.changed"
        assert refused.value.params["who"] == "李明"
        assert "hazard edit H-0001" in refused.value.params["command"]
        from hazards.register import show_hazard
        assert show_hazard(store, "L9", "H-0001").notes == "甲"


# --- the browser -----------------------------------------------------------------------------

def edit_values(page: str) -> dict[str, str]:
    """The edit form's fields as the browser would send them."""
    values = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    values.update(re.findall(r'<textarea[^>]*name="([a-z_]+)"[^>]*>([^<]*)</textarea>', page))
    for name, options in re.findall(r'<select[^>]*name="([a-z_]+)">(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        values[name] = chosen.group(1) if chosen else ""
    return values


def test_the_edit_page_saves_what_changed_and_refuses_as_the_cli_does(web, run,
                                                                      hazard_db) -> None:
    sign_in(web, "900010")  # the form carries the CSRF token itself
    assert f'href="{URL}/edit"' in web.get(URL).text
    values = edit_values(web.get(f"{URL}/edit").text)
    assert values["location"] == "S01" and values["description"] == "站台门夹人"
    bad = web.post(f"{URL}/edit", data={**values, "review_days": "0", "owner": "陈静"})
    cli = run("hazard", "edit", "H-0001", "--review-days", "0", db=hazard_db)
    assert bad.status_code == 400 and "Error: " + error_of(bad.text) + "\n" == cli.output
    assert 'value="陈静"' in bad.text  # what was typed is kept
    done = web.post(f"{URL}/edit", data={**values, "location": "S02", "owner": "陈静",
                                         "notes": HOSTILE})
    assert done.status_code == 303 and done.headers["location"].endswith(URL)
    h = shown(run, hazard_db)
    assert (h["location"], h["owner"], h["notes"]) == ("S02", "900020", HOSTILE)
    assert HOSTILE not in web.get(f"{URL}/edit").text  # escaped
    assert audit(run, hazard_db, "hazards")[0]["username"] == "900010"


def test_two_safety_officers_editing_at_once_the_second_is_told_not_overwritten(
        web, run, hazard_db) -> None:
    first, second = web, TestClient(web.app, follow_redirects=False)
    csrf_1, csrf_2 = sign_in(first, "900010"), sign_in(second, "900031")
    opened_1 = edit_values(first.get(f"{URL}/edit").text)
    opened_2 = edit_values(second.get(f"{URL}/edit").text)
    assert first.post(f"{URL}/edit", data={**opened_1, "csrf": csrf_1,
                                           "description": "站台门夹人（首班）"}).status_code == 303
    late = second.post(f"{URL}/edit", data={**opened_2, "csrf": csrf_2, "notes": "补充"})
    assert late.status_code == 400
    assert re.match(r"H-0001 has been changed since you opened it \(900010, [0-9-]+ [0-9:]+, "
                    r"web: hazard edit H-0001\); your change was not saved", error_of(late.text))
    h = shown(run, hazard_db)
    assert (h["description"], h["notes"]) == ("站台门夹人（首班）", None)


def test_controls_are_changed_added_and_removed_on_the_hazard_page(web, run,
                                                                   hazard_db) -> None:
    csrf = sign_in(web, "900010")
    page = web.get(URL).text
    version = re.search(rf'action="{URL}/controls/1".*?name="version" value="(\d+)"', page,
                        re.S).group(1)
    form = {"csrf": csrf, "version": version, "type": "engineering", "aspect": "equipment",
            "description": "防夹挡板及激光探测", "owner": "刘洋", "verified": "1"}
    assert web.post(f"{URL}/controls/1", data={**form, "aspect": "weather"}).status_code == 400
    assert web.post(f"{URL}/controls/1", data=form).status_code == 303
    control = shown(run, hazard_db)["controls"][0]
    assert (control["aspect"], control["description"], control["verified"]) == (
        "equipment", "防夹挡板及激光探测", True)
    stale = web.post(f"{URL}/controls/1", data={**form, "owner": "张伟"})  # the old version
    assert stale.status_code == 400 and "has been changed since you opened it" in stale.text
    assert web.post(f"{URL}/controls", data={"csrf": csrf, "type": "administrative",
                                             "aspect": "management",
                                             "description": HOSTILE}).status_code == 303
    assert [c["aspect"] for c in shown(run, hazard_db)["controls"]] == ["equipment",
                                                                       "management"]
    page = web.get(URL).text
    assert HOSTILE not in page and "&lt;script&gt;" in page
    version = re.search(rf'action="{URL}/controls/2/remove".*?name="version" value="(\d+)"',
                        page, re.S).group(1)
    assert web.post(f"{URL}/controls/2/remove", data={"csrf": csrf, "version": version}
                    ).status_code == 303
    assert len(shown(run, hazard_db)["controls"]) == 1


def test_a_safety_officer_asks_a_leader_who_then_sees_it_and_accepts(web, run,
                                                                     hazard_db) -> None:
    csrf = sign_in(web, "900010")
    page = web.get(URL).text
    offered = re.findall(r'<option value="(\d+)">', page.split('name="of"')[1].split("</select>")[0])
    # only people at the level whose account may accept risk: not the team leader (900030),
    # not the centre's safety officer (900010, no risk-accept), not the general manager (no account)
    assert offered == ["900020"]
    low = web.post(f"{URL}/request-acceptance", data={"csrf": csrf, "of": "900030"})
    cli = run("hazard", "request-acceptance", "H-0001", "--of", "900030", db=hazard_db)
    assert low.status_code == 400 and "Error: " + error_of(low.text) + "\n" == cli.output
    assert web.post(f"{URL}/request-acceptance", data={"csrf": csrf, "of": "900020",
                                                       "note": "请审阅"}).status_code == 303
    csrf = sign_in(web, "900020")
    assert "请审阅" in web.get(URL).text
    assert f'href="{URL}"' in web.get("/").text and "请审阅" in web.get("/").text  # their list
    assert web.post(f"{URL}/accept", data={"csrf": csrf, "password": PASSWORD}
                    ).status_code == 303
    assert json.loads(run("hazard", "requests", "--json", db=hazard_db).output) == []


def test_no_form_writes_without_the_csrf_token_or_for_a_viewer(web, run, hazard_db) -> None:
    before = shown(run, hazard_db)
    posts = (f"{URL}/edit", f"{URL}/controls", f"{URL}/controls/1",
             f"{URL}/controls/1/remove", f"{URL}/request-acceptance")
    sign_in(web, "900010")
    for url in posts:
        assert web.post(url, data={"description": "x", "of": "900020"}).status_code == 403
    csrf = sign_in(web, "900030")
    page = web.get(URL).text
    assert "/edit" not in page and "/controls" not in page
    assert web.get(f"{URL}/edit").status_code == 403
    for url in posts:
        assert web.post(url, data={"csrf": csrf, "description": "x"}).status_code == 403
    assert shown(run, hazard_db) == before
