"""The steps of a hidden danger in the browser, on its page: a safety officer re-grades it,
records its treatment plan (the five fixes) and the report of a major one; a leader accepts and
closes it as themselves with their password again. Each form refuses what `readiness danger
grade|plan|report|accept` refuses, in the same words, and writes nothing then; a stale form
(someone else saved first) is refused; a viewer, a missing CSRF token and a wrong role get 403."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from starlette.testclient import TestClient

from readiness.web.app import create_app
from webclient import PASSWORD, sign_in

CODE = "YH-0001"
PAGE = f"/lines/L9/dangers/{CODE}"
YESTERDAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()
HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
PLAN = {"measures": "更换防夹挡板", "responsible": "刘洋", "funds": "2万元",
        "deadline": "2027-01-10", "contingency": "人工盯控"}
ACCOUNTS = (("900030", "safety-officer"), ("900020", "safety-officer"), ("900031", "viewer"),
            ("900001", "leadership"), ("900010", "leadership"))


def j(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def found(run, db: str, grade: str = "major") -> None:
    j(run("inspection", "record", f"PC-{grade}", "--on", YESTERDAY, "--kind", "routine",
          "--inspector", "900031", "--result", f"H-0001=failed/{grade}@挡板脱落", "--json", db=db))


@pytest.fixture
def web(run, org_db) -> TestClient:
    """L9 with hazard H-0001 at S01 and a major hidden danger YH-0001 found yesterday."""
    j(run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category", "equipment",
          "--description", "站台门夹人", "--score", "L=3,E=6,C=7",
          "--control", "engineering: 防夹挡板", "--owner-unit", "TM-KY1-01", "--json",
          db=org_db))
    found(run, org_db)
    for who, role in ACCOUNTS:
        assert run("user", "add", who, "--role", role, "--password-stdin", db=org_db,
                   input=PASSWORD + "\n").exit_code == 0
    return TestClient(create_app(org_db), follow_redirects=False)


def shown(run, db: str, code: str = CODE) -> dict:
    return j(run("danger", "show", code, "--json", db=db))


def version_of(page: str) -> str:
    return re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]


def error_of(page: str) -> str:
    return html.unescape(re.search(r'<p class="error" role="alert">(.*?)</p>', page,
                                   re.S).group(1))  # type: ignore[union-attr]


def stored_version(web: TestClient, code: str = CODE) -> int:
    from readiness.audit import version

    store = web.app.state.web.store  # type: ignore[attr-defined]
    return version(store, "hidden_dangers", code, "L9")


def post(web: TestClient, csrf: str, step: str, code: str = CODE, **fields: str):
    """A step's form as the page offers it: the CSRF token and the version it shows (the
    version now where the page offers no form: a step the state does not leave open)."""
    page = web.get(f"/lines/L9/dangers/{code}").text
    version = version_of(page) if 'name="version"' in page else str(stored_version(web, code))
    return web.post(f"/lines/L9/dangers/{code}/{step}",
                    data={"csrf": csrf, "version": version, **fields})


def same_refusal(answer, cli) -> None:
    """The form is refused with the CLI's own words (one line)."""
    assert answer.status_code == 400 and cli.exit_code == 1, (answer.status_code, cli.output)
    assert "Error: " + error_of(answer.text) + "\n" == cli.output


def close_pdca(run, db: str, item: str) -> None:
    for cmd in (["plan", "--cause", "螺栓松动", "--action", "紧固", "--owner-unit", "TM-KY1-01",
                 "--owner", "900030", "--due", "2027-01-10"],
                ["do", "--done", "已紧固", "--evidence", "记录"],
                ["check", "--verifier", "900020", "--verdict", "effective"],
                ["act", "--standardisation", "写入维护规程"]):
        j(run("pdca", cmd[0], item, *cmd[1:], "--json", db=db))


def forms_on(page: str) -> set[str]:
    return set(re.findall(rf'action="{PAGE}/(\w+)"', page))


# --- the walk ------------------------------------------------------------------------------

def test_recorded_planned_reported_accepted_closed(web, run, org_db) -> None:
    officer = sign_in(web, "900030")
    page = web.get(PAGE).text
    assert forms_on(page) == {"grade", "plan", "report"}  # no acceptance before the fix
    assert version_of(page) == str(stored_version(web)) != "0"
    planned = post(web, officer, "plan", **PLAN)
    assert planned.status_code == 303 and planned.headers["location"].endswith(PAGE)
    now = shown(run, org_db)
    assert (now["status"], now["pdca"], now["responsible"], now["funds"]) == (
        "planned", "P-0001", "900030", "2万元")
    assert forms_on(web.get(PAGE).text) == {"report"}
    reported = post(web, officer, "report", to="市交通运输局", on=YESTERDAY)
    assert reported.status_code == 303
    assert (shown(run, org_db)["reported_to"], shown(run, org_db)["reported_on"]) == (
        "市交通运输局", YESTERDAY)
    close_pdca(run, org_db, "P-0001")
    assert shown(run, org_db)["status"] == "rectified"
    assert "accept" not in forms_on(web.get(PAGE).text)  # a safety officer does not accept
    leader = sign_in(web, "900001")
    assert forms_on(web.get(PAGE).text) == {"accept"}
    done = post(web, leader, "accept", note="验收合格", password=PASSWORD)
    assert done.status_code == 303 and done.headers["location"].endswith(PAGE)
    closed = shown(run, org_db)
    assert (closed["status"], closed["accepted_by"], closed["acceptance_note"]) == (
        "closed", "900001", "验收合格")
    assert closed["accepted_on"] == dt.date.today().isoformat()
    assert j(run("hazard", "show", "H-0001", "--json", db=org_db))["needs_reevaluation"] is True
    assert forms_on(web.get(PAGE).text) == set()
    log = j(run("audit", "log", "--entity", "hidden_dangers", "--json", db=org_db))
    assert {(r["username"], r["command"]) for r in log if r["action"] == "update"} == {
        ("900030", "web: danger plan YH-0001"), ("900030", "web: danger report YH-0001"),
        ("900001", "web: danger accept YH-0001")}  # who, and which form


def test_a_general_one_is_planned_with_its_default_deadline_and_not_reported(web, run,
                                                                             org_db) -> None:
    found(run, org_db, "general")
    officer = sign_in(web, "900030")
    code = "YH-0002"
    page = web.get(f"/lines/L9/dangers/{code}").text
    deadline = shown(run, org_db, code)["deadline"]
    assert f'name="deadline" type="date" value="{deadline}"' in page
    assert set(re.findall(rf'dangers/{code}/(\w+)"', page)) == {"grade", "plan"}
    report = post(web, officer, "report", code=code, to="市交通运输局")
    same_refusal(report, run("danger", "report", code, "--to", "市交通运输局", db=org_db))
    done = post(web, officer, "plan", code=code, measures="紧固", responsible="900030",
                deadline=deadline)
    assert done.status_code == 303
    assert (shown(run, org_db, code)["status"], shown(run, org_db, code)["deadline"]) == (
        "planned", deadline)


# --- refusals: the CLI's words, nothing written --------------------------------------------

def test_plan_refusals_are_the_clis_and_keep_what_was_typed(web, run, org_db) -> None:
    officer = sign_in(web, "900030")
    before = shown(run, org_db)
    partial = post(web, officer, "plan", measures="更换防夹挡板", responsible="900030",
                   deadline="2027-01-10")
    same_refusal(partial, run("danger", "plan", CODE, "--measures", "更换防夹挡板",
                              "--responsible", "900030", "--deadline", "2027-01-10", db=org_db))
    assert "更换防夹挡板</textarea>" in partial.text and 'value="2027-01-10"' in partial.text
    nobody = post(web, officer, "plan", **{**PLAN, "responsible": "无此人"})
    same_refusal(nobody, run("danger", "plan", CODE, *[a for k, v in PLAN.items() for a in (
        f"--{k}", "无此人" if k == "responsible" else v)], db=org_db))
    bad_day = post(web, officer, "plan", **{**PLAN, "deadline": "2027-13-01"})
    same_refusal(bad_day, run("danger", "plan", CODE, *[a for k, v in PLAN.items() for a in (
        f"--{k}", "2027-13-01" if k == "deadline" else v)], db=org_db))
    assert shown(run, org_db) == before
    assert post(web, officer, "plan", **PLAN).status_code == 303
    again = post(web, officer, "plan", **PLAN)
    same_refusal(again, run("danger", "plan", CODE, *[a for k, v in PLAN.items()
                                                      for a in (f"--{k}", v)], db=org_db))


def test_report_refusals_are_the_clis(web, run, org_db) -> None:
    officer = sign_in(web, "900030")
    before = shown(run, org_db)
    no_one = post(web, officer, "report", to=" ")
    same_refusal(no_one, run("danger", "report", CODE, "--to", " ", db=org_db))
    future = post(web, officer, "report", to="市交通运输局", on=TOMORROW)
    same_refusal(future, run("danger", "report", CODE, "--to", "市交通运输局", "--on", TOMORROW,
                             db=org_db))
    assert 'value="市交通运输局"' in future.text  # what was typed is kept
    assert shown(run, org_db) == before


def test_grade_before_the_plan_only(web, run, org_db) -> None:
    officer = sign_in(web, "900030")
    wrong = post(web, officer, "grade", grade="serious")
    same_refusal(wrong, run("danger", "grade", CODE, "--grade", "serious", db=org_db))
    assert post(web, officer, "grade", grade="general").status_code == 303
    now = shown(run, org_db)
    assert now["grade"] == "general" and now["deadline"] is not None
    assert post(web, officer, "grade", grade="major").status_code == 303
    assert post(web, officer, "plan", **PLAN).status_code == 303
    late = post(web, officer, "grade", grade="general")
    same_refusal(late, run("danger", "grade", CODE, "--grade", "general", db=org_db))
    assert shown(run, org_db)["grade"] == "major"


def test_acceptance_refusals_are_the_clis(web, run, org_db) -> None:
    leader = sign_in(web, "900001")
    unplanned = post(web, leader, "accept", password=PASSWORD)
    same_refusal(unplanned, run("danger", "accept", CODE, "--by", "900001", db=org_db))
    officer = sign_in(web, "900030")
    assert post(web, officer, "plan", **PLAN).status_code == 303
    close_pdca(run, org_db, "P-0001")
    leader = sign_in(web, "900001")
    unreported = post(web, leader, "accept", password=PASSWORD)
    same_refusal(unreported, run("danger", "accept", CODE, "--by", "900001", db=org_db))
    page = web.get(PAGE).text
    assert "accept" not in forms_on(page) and "is reported before it can be accepted" in page
    officer = sign_in(web, "900030")
    assert post(web, officer, "report", to="市交通运输局").status_code == 303
    centre = sign_in(web, "900010")
    low = post(web, centre, "accept", note="同意", password=PASSWORD)
    same_refusal(low, run("danger", "accept", CODE, "--as", "900010", "--password-stdin",
                          db=org_db, input=PASSWORD + "\n"))
    assert "同意</textarea>" in low.text
    assert shown(run, org_db)["status"] == "rectified"


def test_step_up_with_a_wrong_password_is_refused_and_writes_nothing(web, run, org_db) -> None:
    officer = sign_in(web, "900030")
    assert post(web, officer, "plan", **PLAN).status_code == 303
    assert post(web, officer, "report", to="市交通运输局").status_code == 303
    close_pdca(run, org_db, "P-0001")
    leader = sign_in(web, "900001")
    before = shown(run, org_db)
    wrong = post(web, leader, "accept", note="验收合格", password="not-the-password")
    cli = run("danger", "accept", CODE, "--as", "900001", "--password-stdin", db=org_db,
              input="not-the-password\n")
    same_refusal(wrong, cli)
    assert "not-the-password" not in wrong.text  # a password is never shown again
    assert shown(run, org_db) == before
    none_given = post(web, leader, "accept", note="验收合格")
    assert none_given.status_code == 400 and shown(run, org_db) == before


def test_a_stale_form_is_refused_saying_who_saved_first(web, run, org_db) -> None:
    first, second = TestClient(web.app, follow_redirects=False), web
    csrf_first = sign_in(first, "900030")
    csrf_second = sign_in(second, "900020")
    opened = version_of(first.get(PAGE).text)
    assert version_of(second.get(PAGE).text) == opened
    saved = first.post(f"{PAGE}/plan", data={"csrf": csrf_first, "version": opened, **PLAN})
    assert saved.status_code == 303
    stale = second.post(f"{PAGE}/report", data={"csrf": csrf_second, "version": opened,
                                                "to": "市交通运输局"})
    assert stale.status_code == 400
    message = error_of(stale.text)
    assert message.startswith(f"{CODE} has been changed since you opened it (900030, ")
    assert message.endswith(", web: danger plan YH-0001); your change was not saved. Open it "
                            "again and change what is there now")
    assert shown(run, org_db)["reported_to"] is None
    assert 'value="市交通运输局"' in stale.text  # kept, with the version it shows now
    assert version_of(stale.text) != opened
    again = second.post(f"{PAGE}/plan", data={"csrf": csrf_second, "version": opened, **PLAN})
    assert again.status_code == 400 and "has been changed since you opened it" in again.text
    missing = second.post(f"{PAGE}/report", data={"csrf": csrf_second, "to": "市交通运输局"})
    assert missing.status_code == 400 and shown(run, org_db)["reported_to"] is None


# --- who may, and the CSRF token -------------------------------------------------------------

STEPS = {"grade": {"grade": "general"}, "plan": PLAN, "report": {"to": "市交通运输局"},
         "accept": {"password": PASSWORD}}


def test_without_the_csrf_token_nothing_is_written(web, run, org_db) -> None:
    sign_in(web, "900030")
    before = shown(run, org_db)
    version = version_of(web.get(PAGE).text)
    for step, fields in STEPS.items():
        answer = web.post(f"{PAGE}/{step}", data={"version": version, **fields})
        assert answer.status_code == 403, step
        assert web.post(f"{PAGE}/{step}", data={"csrf": "forged", "version": version,
                                                **fields}).status_code == 403
    assert shown(run, org_db) == before


@pytest.mark.parametrize(("staff_id", "allowed"), [
    ("900031", set()), ("900001", {"accept"}), ("900030", {"grade", "plan", "report"})])
def test_each_step_only_for_its_role(web, run, org_db, staff_id, allowed) -> None:
    csrf = sign_in(web, staff_id)
    before = shown(run, org_db)
    page = web.get(PAGE).text
    assert forms_on(page) <= allowed
    for step in set(STEPS) - allowed:
        answer = web.post(f"{PAGE}/{step}", data={"csrf": csrf,
                                                  "version": stored_version(web),
                                                  **STEPS[step]})
        assert answer.status_code == 403, step
    assert shown(run, org_db) == before


def test_an_unknown_hidden_danger_is_404(web) -> None:
    csrf = sign_in(web, "900030")
    answer = web.post("/lines/L9/dangers/YH-0999/plan", data={"csrf": csrf, "version": "0",
                                                              **PLAN})
    assert answer.status_code == 404 and "no hidden danger YH-0999" in answer.text


# --- text -------------------------------------------------------------------------------------

def test_hostile_text_is_shown_as_text(web, run, org_db) -> None:
    officer = sign_in(web, "900030")
    refused = post(web, officer, "plan", measures=HOSTILE, responsible=HOSTILE)
    assert refused.status_code == 400
    assert HOSTILE not in refused.text and ESCAPED in refused.text
    done = post(web, officer, "plan", **{**PLAN, "measures": HOSTILE, "contingency": HOSTILE})
    assert done.status_code == 303
    assert post(web, officer, "report", to=HOSTILE).status_code == 303
    page = web.get(PAGE).text
    assert HOSTILE not in page and page.count(ESCAPED) >= 3
    assert shown(run, org_db)["measures"] == HOSTILE


def test_the_forms_in_chinese(web) -> None:
    sign_in(web, "900030")
    web.cookies.delete("readiness_lang")
    page = web.get(PAGE).text
    assert "制定治理方案（五定）" in page and "登记重大隐患报告" in page and "重大隐患" in page
    sign_in(web, "900001")
    web.cookies.delete("readiness_lang")
    assert "验收销号（以本人身份签认）" not in web.get(PAGE).text  # not yet rectified
