"""A safety officer keeps the line's locations and the organisation in the browser, one record at
a time: each form refuses what importing that row of the template refuses, in the same words
(naming the form's field where the import names the cell); what it saves is what the CLI then
shows, with its audit record; a stale second save, a forged form and a viewer change nothing;
user text is shown as text."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from readiness.web.app import create_app
from webclient import PASSWORD, sign_in
from workbooks import make_workbook

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;"
LOCATION_HEAD = ["编号", "名称", "类型", "顺序", "备注"]
UNIT_HEAD = ["编号", "名称", "层级", "上级", "负责人", "岗位设置"]
PEOPLE_HEAD = ["工号", "姓名", "单位", "岗位", "公司级教育", "中心级教育", "班组级教育"]
LETTER_HEAD = ["下级", "上级", "签订日期", "有效期至", "签字人"]
PROBLEM = re.compile(r"^[^!\n]+!\d+, .+? \([A-Z]+\): (.*)$", re.M)


@pytest.fixture
def web(run, org_db) -> TestClient:
    """L9 with four locations and the six-unit organisation; 900010 and 900020 safety officers
    on L9, 900030 a viewer there."""
    for who, role in (("900010", "safety-officer"), ("900020", "safety-officer"),
                      ("900030", "viewer")):
        result = run("user", "add", who, "--role", role, "--line", "L9", "--password-stdin",
                     db=org_db, input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
    return TestClient(create_app(org_db), follow_redirects=False)


def error_of(page: str) -> str:
    return html.unescape(re.search(r'<p class="error" role="alert">(.*?)</p>', page,
                                   re.S).group(1))


def version_of(page: str) -> str:
    return re.search(r'name="version" value="(-?\d+)"', page).group(1)


def import_reason(run, db: str, path: Path, sheets: dict, lang: str = "en",
                  line: bool = False) -> str:
    """The one reason `readiness import` gives for the workbook's one bad row."""
    book = make_workbook(path, sheets)
    keep_text(book)
    result = run("import", str(book), *(["--line", "L9"] if line else []), db=db, lang=lang)
    assert result.exit_code == 1, result.output
    reasons = PROBLEM.findall(result.output)
    assert len(reasons) == 1, result.output
    return reasons[0]


def keep_text(book: Path) -> None:
    """Text such as "#N/A" stays text, as typed in a form (openpyxl makes it an error cell)."""
    from openpyxl import load_workbook

    wb = load_workbook(book)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("#"):
                    cell.data_type = "s"
    wb.save(book)


def org_book(units=(["C", "示范运营公司", "公司"],), people=(), letters=()) -> dict:
    """The organisation workbook; by default its units sheet restates the company as it is (an
    import checks the other sheets only alongside a units sheet that has rows)."""
    return {"单位": [UNIT_HEAD, *units], "人员": [PEOPLE_HEAD, *people],
            "责任状": [LETTER_HEAD, *letters]}


def cli_json(run, db: str, *args: str):
    result = run(*args, "--json", db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def audit_of(run, db: str, entity: str, key: str) -> list[dict]:
    return cli_json(run, db, "audit", "log", "--entity", entity, "--key", key)


# --- refused as importing the row is refused -----------------------------------------------------

LOCATION_CASES = [  # (what the form sends, the form's label of the field refused)
    ({"code": "S05", "name": "新站", "kind": "bogus", "seq": "5"}, "Kind"),
    ({"code": "S05", "name": "新站", "kind": "station", "seq": "-1"}, "Order"),
    ({"code": "S05", "name": "新站", "kind": "station", "seq": "0"}, "Order"),
    ({"code": "S05", "name": "新站", "kind": "station", "seq": "2.5"}, "Order"),
    ({"code": "S05", "name": "", "kind": "station", "seq": "5"}, "Name"),
    ({"code": "S05", "name": "#N/A", "kind": "station", "seq": "5"}, "Name"),
    ({"code": "", "name": "新站", "kind": "station", "seq": "5"}, "ID"),
]


@pytest.mark.parametrize(("sent", "label"), LOCATION_CASES)
def test_a_location_is_refused_as_its_row_would_be(web, run, org_db, tmp_path, sent,
                                                   label) -> None:
    row = [sent[k] or None for k in ("code", "name", "kind", "seq")]
    reason = import_reason(run, org_db, tmp_path / "line.xlsx",
                           {"位置": [LOCATION_HEAD, row]}, line=True)
    csrf = sign_in(web, "900010")
    answer = web.post("/lines/L9/locations/new", data={"csrf": csrf, **sent})
    assert answer.status_code == 400
    assert error_of(answer.text) == f"{label}: {reason}"
    assert [x["code"] for x in cli_json(run, org_db, "location", "list", "--line", "L9")] == [
        "S01", "Q01-02", "S02", "D01"]


def test_the_refusal_is_in_the_visitors_language(web, run, org_db, tmp_path) -> None:
    reason = import_reason(run, org_db, tmp_path / "line.xlsx",
                           {"位置": [LOCATION_HEAD, ["S05", "新站", "bogus", "5"]]}, lang="zh",
                           line=True)
    csrf = sign_in(web, "900010")
    web.cookies.set("readiness_lang", "zh")
    answer = web.post("/lines/L9/locations/new",
                      data={"csrf": csrf, "code": "S05", "name": "新站", "kind": "bogus",
                            "seq": "5"})
    assert error_of(answer.text) == f"类型：{reason}"
    assert "车站 / 区间 / 车辆段 / 控制中心" in reason


UNIT_CASES = [
    ({"code": "TM-X", "name": "新班组", "level": "team", "parent": "NOPE"}, "Parent"),
    ({"code": "TM-X", "name": "新班组", "level": "team", "parent": "DV-KY1",
      "head": "999999"}, "Head"),
    ({"code": "TM-X", "name": "新班组", "level": "squad", "parent": "DV-KY1"}, "Level"),
    ({"code": "TM-X", "name": "", "level": "team", "parent": "DV-KY1"}, "Name"),
]


@pytest.mark.parametrize(("sent", "label"), UNIT_CASES)
def test_a_unit_is_refused_as_its_row_would_be(web, run, org_db, tmp_path, sent, label) -> None:
    row = [sent.get(k) or None for k in ("code", "name", "level", "parent", "head")]
    reason = import_reason(run, org_db, tmp_path / "org.xlsx", org_book(units=[row]))
    csrf = sign_in(web, "900010")
    answer = web.post("/lines/L9/org/units/new", data={"csrf": csrf, **sent})
    assert answer.status_code == 400
    assert error_of(answer.text) == f"{label}: {reason}"
    assert "TM-X" not in {u["code"] for u in cli_json(run, org_db, "org", "show")}


PERSON_CASES = [
    ({"staff_id": "900040", "name": "赵磊", "unit": "NOPE"}, "Unit"),
    ({"staff_id": "900040", "name": "", "unit": "TM-KY1-01"}, "Name"),
    ({"staff_id": "", "name": "赵磊", "unit": "TM-KY1-01"}, "Staff ID"),
]


@pytest.mark.parametrize(("sent", "label"), PERSON_CASES)
def test_a_person_is_refused_as_their_row_would_be(web, run, org_db, tmp_path, sent,
                                                   label) -> None:
    row = [sent[k] or None for k in ("staff_id", "name", "unit")]
    reason = import_reason(run, org_db, tmp_path / "org.xlsx", org_book(people=[row]))
    csrf = sign_in(web, "900010")
    answer = web.post("/lines/L9/org/people/new", data={"csrf": csrf, **sent})
    assert answer.status_code == 400
    assert error_of(answer.text) == f"{label}: {reason}"
    assert "900040" not in web.get("/lines/L9/org/people").text


LETTER_CASES = [
    ({"countersigner": "NOPE", "signed_on": "2026-01-08", "valid_until": "2026-12-31"},
     "Counter-signer"),
    ({"countersigner": "TM-KY1-01", "signed_on": "2026-01-08", "valid_until": "2025-12-31"},
     "Valid until"),
    ({"countersigner": "TM-KY1-01", "signed_on": "2099-01-08", "valid_until": "2099-12-31"},
     "Signed"),
    ({"countersigner": "TM-KY1-01", "signed_on": "soon", "valid_until": "2026-12-31"},
     "Signed"),
    ({"countersigner": "TM-KY1-01", "signed_on": "2026-01-08", "valid_until": ""},
     "Valid until"),
]


@pytest.mark.parametrize(("sent", "label"), LETTER_CASES)
def test_a_letter_is_refused_as_its_row_would_be(web, run, org_db, tmp_path, sent,
                                                 label) -> None:
    row = ["900031", *[sent[k] or None for k in ("countersigner", "signed_on", "valid_until")]]
    reason = import_reason(run, org_db, tmp_path / "org.xlsx", org_book(letters=[row]))
    csrf = sign_in(web, "900010")
    answer = web.post("/lines/L9/org/people/900031/letters", data={"csrf": csrf, **sent})
    assert answer.status_code == 400
    assert error_of(answer.text) == f"{label}: {reason}"
    assert audit_of(run, org_db, "responsibility_letters", "900031") == []


EDUCATION_CASES = [
    ({"education_company": "2099-03-02"}, "Company-level education"),
    ({"education_company": "2026-03-02", "education_team": "2026-02-30"},
     "Team-level education"),
]


@pytest.mark.parametrize(("sent", "label"), EDUCATION_CASES)
def test_education_is_refused_as_the_persons_row_would_be(web, run, org_db, tmp_path, sent,
                                                          label) -> None:
    dates = [sent.get(k) for k in ("education_company", "education_centre", "education_team")]
    reason = import_reason(run, org_db, tmp_path / "org.xlsx",
                           org_book(people=[["900031", "张伟", "TM-KY1-01", "站务员", *dates]]))
    csrf = sign_in(web, "900010")
    form = web.get("/lines/L9/org/people/900031/education")
    answer = web.post("/lines/L9/org/people/900031/education",
                      data={"csrf": csrf, "version": version_of(form.text), **sent})
    assert answer.status_code == 400
    assert error_of(answer.text) == f"{label}: {reason}"


def test_a_unit_may_not_sit_below_itself(web, run, org_db) -> None:
    csrf = sign_in(web, "900010")
    form = web.get("/lines/L9/org/units/CT-KY/edit")
    sent = {"csrf": csrf, "version": version_of(form.text), "name": "客运中心",
            "level": "centre"}
    below = web.post("/lines/L9/org/units/CT-KY/edit", data={**sent, "parent": "TM-KY1-01"})
    assert below.status_code == 400
    assert error_of(below.text) == ("Parent: 'TM-KY1-01' is below CT-KY "
                                    "(TM-KY1-01 → DV-KY1 → CT-KY), so it cannot be its parent")
    own = web.post("/lines/L9/org/units/CT-KY/edit", data={**sent, "parent": "CT-KY"})
    assert error_of(own.text) == "Parent: unit 'CT-KY' cannot be its own parent"
    units = {u["code"]: u for u in cli_json(run, org_db, "org", "show")}
    assert units["CT-KY"]["parent"] == "HQ"


def test_an_add_never_overwrites(web, run, org_db) -> None:
    csrf = sign_in(web, "900010")
    answer = web.post("/lines/L9/locations/new", data={"csrf": csrf, "code": "S01",
                                                        "name": "别的站", "kind": "station",
                                                        "seq": "7"})
    assert error_of(answer.text) == ("ID: line 'L9' already has a location 'S01': "
                                     "edit it rather than add it again")
    unit = web.post("/lines/L9/org/units/new", data={"csrf": csrf, "code": "HQ", "name": "x",
                                                      "level": "hq", "parent": "C"})
    assert error_of(unit.text).startswith("ID: there is a unit 'HQ' already")
    person = web.post("/lines/L9/org/people/new", data={"csrf": csrf, "staff_id": "900030",
                                                         "name": "x", "unit": "C"})
    assert error_of(person.text).startswith("Staff ID: there is a person with staff ID")
    assert cli_json(run, org_db, "location", "list", "--line", "L9")[0]["name"] == "龙湖公园站"


# --- saved, shown by the CLI, audited -----------------------------------------------------------

def test_a_location_added_then_edited_shows_in_the_cli_with_its_audit(web, run, org_db) -> None:
    csrf = sign_in(web, "900010")
    page = web.get("/lines/L9/locations").text
    assert 'href="/lines/L9/locations/new"' in page
    assert 'href="/lines/L9/locations/S01/edit"' in page
    added = web.post("/lines/L9/locations/new", data={"csrf": csrf, "code": "S03",
                                                       "name": "南湖站", "kind": "车站",
                                                       "seq": "5", "note": "换乘站"})
    assert added.status_code == 303 and added.headers["location"].endswith("/lines/L9/locations")
    form = web.get("/lines/L9/locations/S03/edit")
    assert 'value="南湖站"' in form.text
    edited = web.post("/lines/L9/locations/S03/edit",
                      data={"csrf": csrf, "version": version_of(form.text), "name": "南湖公园站",
                            "kind": "station", "seq": "5", "note": ""})
    assert edited.status_code == 303
    found = {x["code"]: x for x in cli_json(run, org_db, "location", "list", "--line", "L9")}
    assert (found["S03"]["name"], found["S03"]["kind"], found["S03"]["seq"],
            found["S03"]["note"]) == ("南湖公园站", "station", 5, None)
    trail = audit_of(run, org_db, "locations", "S03")
    assert [(r["action"], r["username"], r["command"]) for r in trail] == [
        ("update", "900010", "web: location set S03"),
        ("create", "900010", "web: location set S03")]
    assert trail[0]["before"] == {"name": "南湖站", "note": "换乘站"}


def test_units_people_letters_and_education_show_in_the_cli(web, run, org_db) -> None:
    csrf = sign_in(web, "900010")
    tree = web.get("/lines/L9/org").text
    for link in ("/lines/L9/org/units/new", "/lines/L9/org/people",
                 "/lines/L9/org/units/DV-KY1/edit", "/lines/L9/org/units/DV-KY1/letters"):
        assert f'href="{link}"' in tree, link
    assert web.get("/lines/L9/org/units/new").status_code == 200  # not a unit called "new"
    unit = web.post("/lines/L9/org/units/new",
                    data={"csrf": csrf, "code": "TM-KY1-03", "name": "南湖站务班组",
                          "level": "班组", "parent": "DV-KY1", "head": "900031",
                          "posts": "班组长\n站务员"})
    assert unit.status_code == 303
    person = web.post("/lines/L9/org/people/new",
                      data={"csrf": csrf, "staff_id": "900040", "name": "赵磊",
                            "unit": "TM-KY1-03", "post": "站务员"})
    assert person.status_code == 303
    letter = web.post("/lines/L9/org/units/TM-KY1-03/letters",
                      data={"csrf": csrf, "countersigner": "DV-KY1", "signed_on": "2026-01-08",
                            "valid_until": "2026-12-31", "signatories": "刘洋 / 陈静"})
    assert letter.status_code == 303
    assert "刘洋 / 陈静" in web.get("/lines/L9/org/units/TM-KY1-03/letters").text
    form = web.get("/lines/L9/org/people/900040/education")
    education = web.post("/lines/L9/org/people/900040/education",
                         data={"csrf": csrf, "version": version_of(form.text),
                               "education_company": "2026-03-02",
                               "education_centre": "2026/3/16", "education_team": ""})
    assert education.status_code == 303
    units = {u["code"]: u for u in cli_json(run, org_db, "org", "show", "--as-of", "2026-11-23")}
    new = units["TM-KY1-03"]
    assert (new["name"], new["level"], new["parent"], new["head"], new["people"],
            new["letter"], new["letter_valid_until"]) == (
        "南湖站务班组", "team", "DV-KY1", "900031", 1, "valid", "2026-12-31")
    findings = cli_json(run, org_db, "org", "check", "--as-of", "2026-11-23")
    mine = [f for f in findings if f["code"] == "org.education-missing"
            and f["subject"] == "900040"]
    assert len(mine) == 1 and mine[0]["message"].endswith("lacks safety education: Team level")
    people = audit_of(run, org_db, "people", "900040")
    assert [(r["action"], r["username"]) for r in people] == [("update", "900010"),
                                                               ("create", "900010")]
    assert people[0]["after"] == {"education_company": "2026-03-02",
                                  "education_centre": "2026-03-16"}
    assert audit_of(run, org_db, "org_units", "TM-KY1-03")[0]["after"]["posts"] == [
        "班组长", "站务员"]


def test_editing_a_person_keeps_their_education(web, run, org_db) -> None:
    csrf = sign_in(web, "900010")
    form = web.get("/lines/L9/org/people/900031/education")
    assert web.post("/lines/L9/org/people/900031/education",
                    data={"csrf": csrf, "version": version_of(form.text),
                          "education_company": "2026-03-02"}).status_code == 303
    form = web.get("/lines/L9/org/people/900031/edit")
    assert 'value="张伟"' in form.text
    moved = web.post("/lines/L9/org/people/900031/edit",
                     data={"csrf": csrf, "version": version_of(form.text), "name": "张伟",
                           "unit": "TM-KY1-02", "post": "值班站长"})
    assert moved.status_code == 303
    row = next(p for p in web.get("/lines/L9/org/people?unit=TM-KY1-02").text.split("<tr>")
               if "900031" in p)
    assert "值班站长" in row and "2026-03-02" in row
    units = {u["code"]: u for u in cli_json(run, org_db, "org", "show")}
    assert (units["TM-KY1-01"]["people"], units["TM-KY1-02"]["people"]) == (1, 2)


# --- stale, forged, not allowed, hostile ---------------------------------------------------------

def test_a_stale_second_save_is_refused_saying_who_changed_it(web, run, org_db) -> None:
    first, second = TestClient(web.app, follow_redirects=False), web
    first_csrf = sign_in(first, "900010")
    second_csrf = sign_in(second, "900020")
    for url, sent in (("/lines/L9/locations/S02/edit",
                       {"kind": "station", "seq": "3", "note": ""}),
                      ("/lines/L9/org/units/DV-KY1/edit",
                       {"level": "division", "parent": "CT-KY"}),
                      ("/lines/L9/org/people/900020/edit", {"unit": "DV-KY1"})):
        seen = version_of(first.get(url).text)
        assert version_of(second.get(url).text) == seen
        assert first.post(url, data={"csrf": first_csrf, "version": seen, "name": "第一位",
                                     **sent}).status_code == 303
        late = second.post(url, data={"csrf": second_csrf, "version": seen, "name": "第二位",
                                      **sent})
        assert late.status_code == 400, url
        assert "has been changed since you opened it (900010, " in error_of(late.text)
        assert "your change was not saved" in error_of(late.text)
        fresh = second.get(url)
        assert 'value="第一位"' in fresh.text and version_of(fresh.text) != seen
    form = second.get("/lines/L9/org/people/900031/education")
    assert first.post("/lines/L9/org/people/900031/education",
                      data={"csrf": first_csrf, "version": version_of(form.text),
                            "education_company": "2026-03-02"}).status_code == 303
    late = second.post("/lines/L9/org/people/900031/education",
                       data={"csrf": second_csrf, "version": version_of(form.text),
                             "education_company": "2026-04-01"})
    assert late.status_code == 400 and "900031 has been changed" in error_of(late.text)
    assert audit_of(run, org_db, "people", "900031")[0]["after"] == {
        "education_company": "2026-03-02"}


def test_a_form_without_the_csrf_token_writes_nothing(web, run, org_db) -> None:
    sign_in(web, "900010")
    before = cli_json(run, org_db, "audit", "log", "--limit", "0")
    posts = {"/lines/L9/locations/new": {"code": "S09", "name": "x", "kind": "station",
                                         "seq": "9"},
             "/lines/L9/locations/S01/edit": {"name": "x", "kind": "station", "seq": "1",
                                              "version": "0"},
             "/lines/L9/org/units/new": {"code": "X", "name": "x", "level": "team"},
             "/lines/L9/org/units/HQ/edit": {"name": "x", "level": "hq", "parent": "C"},
             "/lines/L9/org/units/HQ/letters": {"countersigner": "C",
                                                "signed_on": "2026-01-08",
                                                "valid_until": "2026-12-31"},
             "/lines/L9/org/people/new": {"staff_id": "1", "name": "x", "unit": "C"},
             "/lines/L9/org/people/900031/edit": {"name": "x", "unit": "C"},
             "/lines/L9/org/people/900031/letters": {"countersigner": "C",
                                                     "signed_on": "2026-01-08",
                                                     "valid_until": "2026-12-31"},
             "/lines/L9/org/people/900031/education": {"education_company": "2026-01-01"}}
    for url, sent in posts.items():
        for token in ({}, {"csrf": "forged"}):
            answer = web.post(url, data={**sent, **token})
            assert answer.status_code == 403, url
            assert answer.text == "CSRF token missing or wrong"
    assert cli_json(run, org_db, "audit", "log", "--limit", "0") == before


def test_a_viewer_gets_no_form_and_no_link(web, run, org_db) -> None:
    csrf = sign_in(web, "900030")
    assert "/locations/new" not in web.get("/lines/L9/locations").text
    assert "/edit" not in web.get("/lines/L9/locations").text
    tree = web.get("/lines/L9/org").text
    assert "/org/units/new" not in tree and "/org/people" not in tree and "/edit" not in tree
    assert "/edit" not in web.get("/lines/L9/org/units/DV-KY1").text
    for url in ("/lines/L9/locations/new", "/lines/L9/locations/S01/edit",
                "/lines/L9/org/units/new", "/lines/L9/org/units/HQ/edit",
                "/lines/L9/org/units/HQ/letters", "/lines/L9/org/people",
                "/lines/L9/org/people/new", "/lines/L9/org/people/900031/edit",
                "/lines/L9/org/people/900031/letters",
                "/lines/L9/org/people/900031/education"):
        assert web.get(url).status_code == 403, url
        if url.endswith("/org/people"):
            continue  # a list: no form is sent to it
        answer = web.post(url, data={"csrf": csrf, "name": "x"})
        assert (answer.status_code, answer.text) == (403, "not allowed"), url
    officer = sign_in(web, "900010")  # limited to L9: the organisation through L7 is refused
    assert run("init", "--line", "L7", db=org_db).exit_code == 0
    assert web.get("/lines/L7/org/units/new").status_code == 403
    assert web.post("/lines/L7/org/units/new", data={"csrf": officer}).status_code == 403


def test_unknown_records_are_not_found(web) -> None:
    sign_in(web, "900010")
    for url in ("/lines/L9/locations/S99/edit", "/lines/L9/org/units/NOPE/edit",
                "/lines/L9/org/units/NOPE/letters", "/lines/L9/org/people/1/edit",
                "/lines/L9/org/people/1/letters", "/lines/L9/org/people/1/education"):
        assert web.get(url).status_code == 404, url


def test_hostile_text_is_text(web, run, org_db) -> None:
    csrf = sign_in(web, "900010")
    assert web.post("/lines/L9/locations/new",
                    data={"csrf": csrf, "code": "S09", "name": HOSTILE, "kind": "station",
                          "seq": "9", "note": HOSTILE}).status_code == 303
    assert web.post("/lines/L9/org/units/new",
                    data={"csrf": csrf, "code": "TM-H", "name": HOSTILE, "level": "team",
                          "parent": "DV-KY1", "posts": HOSTILE}).status_code == 303
    assert web.post("/lines/L9/org/people/new",
                    data={"csrf": csrf, "staff_id": "900041", "name": HOSTILE,
                          "unit": "TM-H", "post": HOSTILE}).status_code == 303
    assert web.post("/lines/L9/org/people/900041/letters",
                    data={"csrf": csrf, "countersigner": "TM-H", "signed_on": "2026-01-08",
                          "valid_until": "2026-12-31", "signatories": HOSTILE}
                    ).status_code == 303
    refused = web.post("/lines/L9/org/units/new",
                       data={"csrf": csrf, "code": "TM-I", "name": "x", "level": "team",
                             "parent": HOSTILE})
    pages = [refused, web.get("/lines/L9/locations"), web.get("/lines/L9/locations/S09/edit"),
             web.get("/lines/L9/org"), web.get("/lines/L9/org/units/TM-H/edit"),
             web.get("/lines/L9/org/people"), web.get("/lines/L9/org/people/900041/edit"),
             web.get("/lines/L9/org/people/900041/letters"),
             web.get("/lines/L9/org/people/900041/education")]
    for page in pages:
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert ESCAPED in page.text or "&lt;script&gt;" in page.text, page.url
    assert cli_json(run, org_db, "location", "list", "--line", "L9")[-1]["name"] == HOSTILE
