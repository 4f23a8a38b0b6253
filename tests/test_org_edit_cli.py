"""One record at a time from the shell: `readiness location add|set`, `readiness org unit add|set`,
`org person add|set`, `org letter add` and `org education set`. Each calls the service the web's
forms call, so it refuses what importing that row of the template refuses, in the web form's
words (`Error: LABEL: reason`, exit 1, no traceback); what it saves shows in `location list`,
`org show` and `audit log`; `set` changes only the options given and refuses a record that is
not there."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from workbooks import make_workbook

LOCATION_HEAD = ["编号", "名称", "类型", "顺序", "备注"]
UNIT_HEAD = ["编号", "名称", "层级", "上级", "负责人", "岗位设置"]
PEOPLE_HEAD = ["工号", "姓名", "单位", "岗位", "公司级教育", "中心级教育", "班组级教育"]
LETTER_HEAD = ["下级", "上级", "签订日期", "有效期至", "签字人"]
PROBLEM = re.compile(r"^[^!\n]+!\d+, .+? \([A-Z]+\): (.*)$", re.MULTILINE)
LOCATIONS = ["S01", "Q01-02", "S02", "D01"]


def cli_json(run, db: str, *args: str):
    result = run(*args, "--json", db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def audit_of(run, db: str, entity: str, key: str) -> list[dict]:
    """The record's audit trail, newest first, without what seeding the store wrote."""
    return [r for r in cli_json(run, db, "audit", "log", "--entity", entity, "--key", key)
            if r["username"] != "seed"]


def units_of(run, db: str) -> dict[str, dict]:
    return {u["code"]: u for u in cli_json(run, db, "org", "show", "--as-of", "2026-11-23")}


def locations_of(run, db: str) -> dict[str, dict]:
    return {x["code"]: x for x in cli_json(run, db, "location", "list", "--line", "L9")}


def refused(run, db: str, *args: str, lang: str = "en") -> str:
    """The one line a refused command prints (exit 1, no traceback)."""
    result = run(*args, db=db, lang=lang)
    assert result.exit_code == 1, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output, result.output
    return result.output.removesuffix("\n")


def import_reason(run, db: str, path: Path, sheets: dict, line: bool = False,
                  lang: str = "en") -> str:
    """The one reason `readiness import` gives for the workbook's one bad row (as the web form
    tests compare with)."""
    book = make_workbook(path, sheets)
    result = run("import", str(book), *(["--line", "L9"] if line else []), db=db, lang=lang)
    assert result.exit_code == 1, result.output
    reasons = PROBLEM.findall(result.output)
    assert len(reasons) == 1, result.output
    return reasons[0]


def org_book(units=(["C", "示范运营公司", "公司"],), people=(), letters=()) -> dict:
    return {"单位": [UNIT_HEAD, *units], "人员": [PEOPLE_HEAD, *people],
            "责任状": [LETTER_HEAD, *letters]}


# --- locations ------------------------------------------------------------------------------------

def test_a_location_added_then_set_shows_in_the_listing_with_its_audit(run, org_db) -> None:
    added = run("location", "add", "S03", "--line", "L9", "--name", "南湖站", "--kind", "车站",
                "--seq", "5", "--note", "换乘站", db=org_db)
    assert (added.exit_code, added.output) == (0, "added location S03 (南湖站)\n")
    changed = run("location", "set", "S03", "--name", "南湖公园站", "--note", "", db=org_db,
                  lang="zh")
    assert (changed.exit_code, changed.output) == (0, "已更新位置 S03（南湖公园站）\n")
    found = locations_of(run, org_db)
    assert list(found) == ["S01", "Q01-02", "S02", "D01", "S03"]
    assert (found["S03"]["name"], found["S03"]["kind"], found["S03"]["seq"],
            found["S03"]["note"]) == ("南湖公园站", "station", 5, None)
    trail = audit_of(run, org_db, "locations", "S03")
    assert [(r["action"], r["username"], r["command"].split(" --")[0]) for r in trail] == [
        ("update", "tester", "location set S03"), ("create", "tester", "location add S03")]
    assert trail[0]["before"] == {"name": "南湖站", "note": "换乘站"}
    moved = cli_json(run, org_db, "location", "set", "S03", "--seq", "6")
    assert (moved["code"], moved["name"], moved["kind"], moved["seq"]) == (
        "S03", "南湖公园站", "station", 6)


LOCATION_CASES = [  # (code, name, kind, seq; the web form's label of the field refused)
    (("S05", "新站", "bogus", "5"), "Kind"),
    (("S05", "新站", "station", "-1"), "Order"),
    (("S05", "新站", "station", "0"), "Order"),
    (("S05", "新站", "station", "2.5"), "Order"),
    (("S05", "", "station", "5"), "Name"),
    (("", "新站", "station", "5"), "ID"),
]


@pytest.mark.parametrize(("sent", "label"), LOCATION_CASES)
def test_a_location_is_refused_as_its_row_would_be(run, org_db, tmp_path, sent, label) -> None:
    reason = import_reason(run, org_db, tmp_path / "line.xlsx",
                           {"位置": [LOCATION_HEAD, [v or None for v in sent]]}, line=True)
    code, name, kind, seq = sent
    assert refused(run, org_db, "location", "add", code, "--name", name, "--kind", kind,
                   "--seq", seq) == f"Error: {label}: {reason}"
    assert list(locations_of(run, org_db)) == LOCATIONS


def test_a_location_refusal_speaks_the_users_language(run, org_db, tmp_path) -> None:
    reason = import_reason(run, org_db, tmp_path / "line.xlsx",
                           {"位置": [LOCATION_HEAD, ["S05", "新站", "bogus", "5"]]}, line=True,
                           lang="zh")
    assert "车站 / 区间 / 车辆段 / 控制中心" in reason
    assert refused(run, org_db, "location", "add", "S05", "--name", "新站", "--kind", "bogus",
                   "--seq", "5", lang="zh") == f"错误：类型：{reason}"


def test_a_location_add_never_overwrites_and_set_needs_one_there(run, org_db) -> None:
    assert refused(run, org_db, "location", "add", "S01", "--name", "别的站", "--kind",
                   "station", "--seq", "7") == (
        "Error: ID: line 'L9' already has a location 'S01': edit it rather than add it again")
    assert refused(run, org_db, "location", "set", "S99", "--name", "x") == (
        "Error: line 'L9' has no location 'S99'")
    set_badly = refused(run, org_db, "location", "set", "S01", "--kind", "bogus")
    assert set_badly.startswith("Error: Kind: 'bogus' is not one of")
    nothing = run("location", "set", "S01", db=org_db)
    assert nothing.exit_code == 2 and "nothing to change" in nothing.output
    assert locations_of(run, org_db)["S01"]["name"] == "龙湖公园站"
    assert audit_of(run, org_db, "locations", "S99") == []


# --- units ----------------------------------------------------------------------------------------

def test_a_unit_added_then_set_shows_in_org_show_with_its_audit(run, org_db) -> None:
    added = run("org", "unit", "add", "TM-KY1-03", "--name", "南湖站务班组", "--level", "班组",
                "--parent", "DV-KY1", "--head", "900031", "--posts", "班组长|站务员", db=org_db)
    assert (added.exit_code, added.output) == (0, "added unit TM-KY1-03 (南湖站务班组)\n")
    changed = run("org", "unit", "set", "TM-KY1-03", "--name", "南湖公园站务班组", db=org_db)
    assert (changed.exit_code, changed.output) == (
        0, "updated unit TM-KY1-03 (南湖公园站务班组)\n")
    new = units_of(run, org_db)["TM-KY1-03"]
    assert (new["name"], new["level"], new["parent"], new["head"]) == (
        "南湖公园站务班组", "team", "DV-KY1", "900031")
    trail = audit_of(run, org_db, "org_units", "TM-KY1-03")
    assert [(r["action"], r["username"]) for r in trail] == [("update", "tester"),
                                                             ("create", "tester")]
    assert trail[0]["after"] == {"name": "南湖公园站务班组"}  # parent, head, posts kept
    assert trail[1]["after"]["posts"] == ["班组长", "站务员"]
    assert trail[0]["command"].startswith("org unit set TM-KY1-03")
    shown = cli_json(run, org_db, "org", "unit", "set", "TM-KY1-03", "--head", "")
    assert (shown["head"], shown["posts"]) == (None, ["班组长", "站务员"])


UNIT_CASES = [  # (code, name, level, parent, head; the web form's label of the field refused)
    (("TM-X", "新班组", "team", "NOPE", None), "Parent"),
    (("TM-X", "新班组", "team", "DV-KY1", "999999"), "Head"),
    (("TM-X", "新班组", "squad", "DV-KY1", None), "Level"),
    (("TM-X", "", "team", "DV-KY1", None), "Name"),
]


@pytest.mark.parametrize(("sent", "label"), UNIT_CASES)
def test_a_unit_is_refused_as_its_row_would_be(run, org_db, tmp_path, sent, label) -> None:
    reason = import_reason(run, org_db, tmp_path / "org.xlsx",
                           org_book(units=[[v or None for v in sent]]))
    code, name, level, parent, head = sent
    assert refused(run, org_db, "org", "unit", "add", code, "--name", name, "--level", level,
                   "--parent", parent, *(["--head", head] if head else [])
                   ) == f"Error: {label}: {reason}"
    assert "TM-X" not in units_of(run, org_db)


def test_a_unit_may_not_sit_below_itself_nor_be_added_twice(run, org_db) -> None:
    assert refused(run, org_db, "org", "unit", "set", "CT-KY", "--parent", "TM-KY1-01") == (
        "Error: Parent: 'TM-KY1-01' is below CT-KY (TM-KY1-01 → DV-KY1 → CT-KY), so it cannot "
        "be its parent")
    assert refused(run, org_db, "org", "unit", "set", "CT-KY", "--parent", "CT-KY") == (
        "Error: Parent: unit 'CT-KY' cannot be its own parent")
    assert refused(run, org_db, "org", "unit", "add", "HQ", "--name", "x", "--level", "hq",
                   "--parent", "C") == (
        "Error: ID: there is a unit 'HQ' already: edit it rather than add it again")
    assert refused(run, org_db, "org", "unit", "set", "NOPE", "--name", "x") == (
        "Error: no unit 'NOPE'")
    units = units_of(run, org_db)
    assert (units["CT-KY"]["parent"], units["HQ"]["name"]) == ("HQ", "运营总部")
    assert "NOPE" not in units
    assert audit_of(run, org_db, "org_units", "CT-KY") == []


# --- people ---------------------------------------------------------------------------------------

def test_a_person_added_then_set_shows_in_org_show_with_its_audit(run, org_db) -> None:
    added = run("org", "person", "add", "900040", "--name", "赵磊", "--unit", "TM-KY1-01",
                "--post", "站务员", db=org_db)
    assert (added.exit_code, added.output) == (0, "added 赵磊 (900040)\n")
    assert units_of(run, org_db)["TM-KY1-01"]["people"] == 3
    assert run("org", "education", "set", "900040", "--company", "2026-03-02",
               db=org_db).exit_code == 0
    moved = run("org", "person", "set", "900040", "--unit", "TM-KY1-02", db=org_db, lang="zh")
    assert (moved.exit_code, moved.output) == (0, "已更新人员 赵磊（900040）\n")
    units = units_of(run, org_db)
    assert (units["TM-KY1-01"]["people"], units["TM-KY1-02"]["people"]) == (2, 2)
    trail = audit_of(run, org_db, "people", "900040")
    assert [(r["action"], r["command"].split(" --")[0]) for r in trail] == [
        ("update", "org person set 900040"), ("update", "org education set 900040"),
        ("create", "org person add 900040")]
    assert trail[0]["after"] == {"unit_code": "TM-KY1-02"}  # name, post and education kept
    person = cli_json(run, org_db, "org", "person", "set", "900040", "--post", "值班站长")
    assert (person["name"], person["unit"], person["post"], person["education_company"]) == (
        "赵磊", "TM-KY1-02", "值班站长", "2026-03-02")


PERSON_CASES = [  # (staff ID, name, unit; the web form's label of the field refused)
    (("900040", "赵磊", "NOPE"), "Unit"),
    (("900040", "", "TM-KY1-01"), "Name"),
    (("", "赵磊", "TM-KY1-01"), "Staff ID"),
]


@pytest.mark.parametrize(("sent", "label"), PERSON_CASES)
def test_a_person_is_refused_as_their_row_would_be(run, org_db, tmp_path, sent,
                                                   label) -> None:
    reason = import_reason(run, org_db, tmp_path / "org.xlsx",
                           org_book(people=[[v or None for v in sent]]))
    staff_id, name, unit = sent
    assert refused(run, org_db, "org", "person", "add", staff_id, "--name", name, "--unit",
                   unit) == f"Error: {label}: {reason}"
    assert audit_of(run, org_db, "people", "900040") == []


def test_a_person_add_never_overwrites_and_set_needs_one_there(run, org_db) -> None:
    assert refused(run, org_db, "org", "person", "add", "900030", "--name", "x", "--unit",
                   "C").startswith("Error: Staff ID: there is a person with staff ID '900030'")
    assert refused(run, org_db, "org", "person", "set", "1", "--name", "x") == (
        "Error: no person with staff ID '1'")
    assert refused(run, org_db, "org", "person", "set", "900030", "--unit", "NOPE") == (
        "Error: Unit: no unit 'NOPE' (neither in this file nor in the store)")
    assert units_of(run, org_db)["TM-KY1-01"]["people"] == 2
    assert audit_of(run, org_db, "people", "900030") == []


# --- letters and education ------------------------------------------------------------------------

def test_a_letter_shows_in_org_show_with_its_audit(run, org_db) -> None:
    before = units_of(run, org_db)["TM-KY1-01"]["letter"]
    result = run("org", "letter", "add", "TM-KY1-01", "--with", "DV-KY1", "--signed-on",
                 "2026-01-08", "--until", "2026-12-31", "--signatories", "刘洋 / 陈静",
                 db=org_db)
    assert (result.exit_code, result.output) == (
        0, ("recorded the letter TM-KY1-01 signed with DV-KY1 on 2026-01-08, valid until "
            "2026-12-31\n"))
    unit = units_of(run, org_db)["TM-KY1-01"]
    assert before != "valid"
    assert (unit["letter"], unit["letter_valid_until"]) == ("valid", "2026-12-31")
    trail = audit_of(run, org_db, "responsibility_letters", "TM-KY1-01")
    assert [(r["action"], r["username"]) for r in trail] == [("create", "tester")]
    assert trail[0]["command"].startswith("org letter add TM-KY1-01")
    person = cli_json(run, org_db, "org", "letter", "add", "900031", "--with", "TM-KY1-01",
                      "--signed-on", "2026-01-08", "--until", "2026-12-31")
    assert (person["signer"], person["signer_is_person"], person["countersigner"],
            person["valid_until"]) == ("900031", True, "TM-KY1-01", "2026-12-31")


LETTER_CASES = [  # (counter-signer, signed, valid until; the web form's label refused)
    (("NOPE", "2026-01-08", "2026-12-31"), "Counter-signer"),
    (("TM-KY1-01", "2026-01-08", "2025-12-31"), "Valid until"),
    (("TM-KY1-01", "2099-01-08", "2099-12-31"), "Signed"),
    (("TM-KY1-01", "soon", "2026-12-31"), "Signed"),
    (("TM-KY1-01", "2026-01-08", ""), "Valid until"),
]


@pytest.mark.parametrize(("sent", "label"), LETTER_CASES)
def test_a_letter_is_refused_as_its_row_would_be(run, org_db, tmp_path, sent, label) -> None:
    reason = import_reason(run, org_db, tmp_path / "org.xlsx",
                           org_book(letters=[["900031", *[v or None for v in sent]]]))
    countersigner, signed_on, until = sent
    assert refused(run, org_db, "org", "letter", "add", "900031", "--with", countersigner,
                   "--signed-on", signed_on, "--until", until) == f"Error: {label}: {reason}"
    assert audit_of(run, org_db, "responsibility_letters", "900031") == []


def test_education_is_set_level_by_level(run, org_db) -> None:
    first = run("org", "education", "set", "900031", "--company", "2026-03-02", "--centre",
                "2026/3/16", db=org_db)
    assert (first.exit_code, first.output) == (
        0, ("recorded the safety education of 张伟 (900031): company level 2026-03-02, "
            "centre level 2026-03-16, team level -\n"))
    findings = cli_json(run, org_db, "org", "check", "--as-of", "2026-11-23")
    mine = [f for f in findings if f["code"] == "org.education-missing"
            and f["subject"] == "900031"]
    assert len(mine) == 1 and mine[0]["message"].endswith("lacks safety education: Team level")
    person = cli_json(run, org_db, "org", "education", "set", "900031", "--team", "2026-04-01")
    assert (person["education_company"], person["education_centre"],
            person["education_team"]) == ("2026-03-02", "2026-03-16", "2026-04-01")
    cleared = cli_json(run, org_db, "org", "education", "set", "900031", "--centre", "")
    assert (cleared["education_company"], cleared["education_centre"]) == ("2026-03-02", None)
    trail = audit_of(run, org_db, "people", "900031")
    assert [r["after"] for r in trail] == [
        {"education_centre": None}, {"education_team": "2026-04-01"},
        {"education_company": "2026-03-02", "education_centre": "2026-03-16"}]
    assert refused(run, org_db, "org", "education", "set", "1", "--team", "2026-04-01") == (
        "Error: no person with staff ID '1'")
    nothing = run("org", "education", "set", "900031", db=org_db)
    assert nothing.exit_code == 2 and "nothing to change" in nothing.output


EDUCATION_CASES = [  # (company, centre, team; the web form's label of the field refused)
    (("2099-03-02", None, None), "Company-level education"),
    (("2026-03-02", None, "2026-02-30"), "Team-level education"),
]


@pytest.mark.parametrize(("dates", "label"), EDUCATION_CASES)
def test_education_is_refused_as_the_persons_row_would_be(run, org_db, tmp_path, dates,
                                                          label) -> None:
    reason = import_reason(run, org_db, tmp_path / "org.xlsx",
                           org_book(people=[["900031", "张伟", "TM-KY1-01", "站务员", *dates]]))
    options = [x for level, date in zip(("--company", "--centre", "--team"), dates) if date
               for x in (level, date)]
    assert refused(run, org_db, "org", "education", "set", "900031", *options) == (
        f"Error: {label}: {reason}")
    assert audit_of(run, org_db, "people", "900031") == []
