"""The web pages of the organisation (`org show/check/path/owns/export`) and of the drills
(`drill catalogue/coverage/plan/runs/show`): the same services as the CLI, their filters, their
downloads, their refusals, and user text shown as text."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from readiness.web.app import create_app
from workbooks import make_workbook

PASSWORD = "Tunnel-Watch-2026"
HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
AS_OF = "2026-11-23"

UNITS = [["编号", "名称", "层级", "上级", "负责人"],  # heads; one hostile unit
         ["C", "示范运营公司", "公司", None, "900001"],
         ["CT-KY", "客运中心", "中心", "HQ", "900010"],
         ["DV-KY1", "客运一分部", "分部", "CT-KY", "900020"],
         ["TM-KY1-01", "龙湖公园站务班组", "班组", "DV-KY1", "900030"],
         ["TM-X", HOSTILE, "班组", "DV-KY1", None]]
LETTERS = [["下级", "上级", "签订日期", "有效期至"],
           ["HQ", "C", "2026-01-08", "2026-12-31"], ["CT-KY", "HQ", "2026-01-08", "2026-12-31"],
           ["DV-KY1", "CT-KY", "2026-01-08", "2026-12-31"],
           ["TM-KY1-01", "DV-KY1", "2025-01-08", "2025-12-31"]]  # expired


@pytest.fixture
def site(run, org_db, tmp_path: Path) -> TestClient:
    """L9 with the seeded organisation (heads, letters, a unit named like a script), hazard
    H-0001 owned by TM-KY1-01, run R-1 rated by two evaluators, OP-TICKETING unpinned; L7;
    900001 (leadership) on every line, 900030 (viewer) on L9 only."""
    book = make_workbook(tmp_path / "org.xlsx", {"单位": UNITS, "责任状": LETTERS})
    steps = [
        ("import", str(book)),
        ("hazard", "add", "--location", "S01", "--specialty", "psd", "--category", "equipment",
         "--description", "站台门夹人", "--score", "L=3,E=6,C=7", "--owner-unit", "TM-KY1-01"),
        ("drill", "record", "R-1", "--scenario", "EM-PSD-FAILURE", "--date", "2026-10-01",
         "--location", "S01", "--unit", "CT-KY", "--evaluator", "陈静", "--evaluator", "刘洋",
         "--task", "EM-PSD-FAILURE-T1=P/1.5@陈静", "--task", "EM-PSD-FAILURE-T1=U/4@刘洋",
         "--task", "EM-PSD-FAILURE-T2=S@陈静", "--note", HOSTILE),
        ("drill", "pin", "OP-TICKETING", "--unpin"),
        ("init", "--line", "L7", "--opening-date", "2027-06-30", "--handover-date", "2027-03-01"),
    ]
    for step in steps:
        result = run(*step, db=org_db)
        assert result.exit_code == 0, (step, result.output)
    for who, limit in (("900001", []), ("900030", ["--line", "L9"])):
        role = "leadership" if who == "900001" else "viewer"
        result = run("user", "add", who, "--role", role, *limit, "--password-stdin", db=org_db,
                     input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
    return TestClient(create_app(org_db), follow_redirects=False)


def sign_in(web: TestClient, staff_id: str = "900001", lang: str = "zh") -> TestClient:
    web.cookies.clear()  # signed in already, /login would keep that session
    form = web.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    answer = web.post("/login", data={"csrf": csrf, "staff_id": staff_id, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    if lang == "en":
        web.cookies.set("readiness_lang", "en")
    return web


def row_of(html: str, text: str) -> str:
    """The table row holding `text`."""
    return next(r for r in html.split("<tr>") if text in r)


def test_the_tree_shows_units_heads_letters_and_the_check(site) -> None:
    page = sign_in(site).get(f"/lines/L9/org?as_of={AS_OF}")
    assert page.status_code == 200
    assert "王建国 900001" in row_of(page.text, "示范运营公司")
    assert "刘洋 900030" in row_of(page.text, "龙湖公园站务班组")
    assert "已过期 · 至 2025-12-31" in row_of(page.text, "龙湖公园站务班组")
    assert "有效 · 至 2026-12-31" in row_of(page.text, "客运一分部")
    assert "<svg" in page.text and "责任体系检查" in page.text
    assert "TM-KY1-01 与 DV-KY1 的责任状已于 2025-12-31 到期" in page.text  # org check
    english = sign_in(site, lang="en").get(f"/lines/L9/org?as_of={AS_OF}")
    assert "Expired · until 2025-12-31" in english.text and "Organisation check" in english.text
    assert "<script" not in english.text


def test_a_bad_as_of_is_refused_in_one_line(site) -> None:
    page = sign_in(site, lang="en").get("/lines/L9/org?as_of=2026-13-01")
    assert page.status_code == 400
    assert "as_of: &#39;2026-13-01&#39; is not a date; use YYYY-MM-DD" in page.text
    assert "Traceback" not in page.text


def test_a_hazards_path_climbs_to_the_company_in_order(site) -> None:
    web = sign_in(site)
    page = web.get(f"/lines/L9/org/path?hazard=H-0001&as_of={AS_OF}")
    assert page.status_code == 200
    chain = page.text[page.text.index('<ol class="chain">'):page.text.index("</ol>")]
    links = re.findall(r"<li>(.*?)</li>", chain, re.S)
    assert [re.search(r"\((\S+), ", li).group(1) for li in links] == [
        "TM-KY1-01", "DV-KY1", "CT-KY", "HQ"]
    assert "示范运营公司 (C)" in links[-1] and "已过期" in links[0]
    assert "责任链到达公司" in page.text
    missing = web.get("/lines/L9/org/path?hazard=H-0099")
    assert missing.status_code == 404 and "没有编号为 H-0099 的危险源" in missing.text
    assert web.get("/lines/L9/org/path?hazard=H-0001&as_of=soon").status_code == 400


def test_what_a_unit_answers_for(site) -> None:
    web = sign_in(site, lang="en")
    page = web.get("/lines/L9/org/units/DV-KY1")
    assert page.status_code == 200 and "客运一分部 (DV-KY1)" in page.text
    assert "4 units" in page.text and "L9/H-0001" in page.text  # TM-X counts too
    missing = web.get("/lines/L9/org/units/NOPE")
    assert missing.status_code == 404 and missing.text == "no unit 'NOPE'"


def test_the_graph_downloads_as_org_export_writes_it(site) -> None:
    web = sign_in(site)
    answer = web.get("/lines/L9/org/export.graphml")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="organisation.graphml"'
    nodes = {n.get("id") for n in ET.fromstring(answer.content).iter()
             if n.tag.endswith("node")}
    assert {"C", "HQ", "CT-KY", "DV-KY1", "TM-KY1-01", "TM-X"} <= nodes
    assert web.get("/lines/L9/org/export.xlsx").status_code == 404  # org export writes no workbook


def test_the_catalogue_marks_must_do_and_shows_coverage(site) -> None:
    page = sign_in(site).get("/lines/L9/drills")
    assert page.status_code == 200
    assert "✓ 必做" in row_of(page.text, "EM-PSD-FAILURE") and "(排名)" in row_of(
        page.text, "EM-PSD-FAILURE")
    assert "(法规要求)" in row_of(page.text, "EM-LARGE-FLOW")
    assert "必做" not in row_of(page.text, "OP-TICKETING")  # unpinned
    assert "科目 30 个，已演练 0" in page.text  # R-1 left tasks unrated: it does not count
    english = sign_in(site, lang="en").get("/lines/L9/drills")
    assert "Platform screen door failure" in row_of(english.text, "EM-PSD-FAILURE")
    assert "✓ Must-do" in row_of(english.text, "EM-PSD-FAILURE")


def test_the_plan_as_a_calendar_and_its_workbook(site) -> None:
    web = sign_in(site)
    page = web.get("/lines/L9/drills/plan?start=2026-09-01")
    assert page.status_code == 200
    assert [m for m in ("2026年09月", "2026年10月", "2026年11月", "2026年12月")
            if m in page.text] == ["2026年09月", "2026年10月", "2026年11月", "2026年12月"]
    assert page.text.count('<table class="month">') == 4
    assert "/lines/L9/drills/plan.xlsx?start=2026-09-01" in page.text
    book = web.get("/lines/L9/drills/plan.xlsx?start=2026-09-01")
    assert book.status_code == 200
    assert book.headers["content-disposition"] == 'attachment; filename="L9-drill-plan.xlsx"'
    sheet = load_workbook(io.BytesIO(book.content))["演练计划"]
    assert sheet["A2"].value == "2026-09-01" and sheet.max_row > 20


def test_bad_plan_options_are_refused_with_the_message(site) -> None:
    web = sign_in(site, lang="en")
    bad_date = web.get("/lines/L9/drills/plan?start=2026-02-30")
    assert bad_date.status_code == 400
    assert "start: &#39;2026-02-30&#39; is not a date; use YYYY-MM-DD" in bad_date.text
    bad_cap = web.get("/lines/L9/drills/plan?cap=x")
    assert bad_cap.status_code == 400 and "cap: &#39;x&#39; is not a whole number" in bad_cap.text
    too_small = web.get("/lines/L9/drills/plan.xlsx?cap=0")
    assert too_small.status_code == 400 and "too small" in too_small.text


def test_runs_and_one_run_with_every_evaluators_rating(site) -> None:
    web = sign_in(site)
    runs = web.get("/lines/L9/drills/runs")
    assert runs.status_code == 200 and "未通过" in row_of(runs.text, "R-1")
    one = web.get("/lines/L9/drills/runs/R-1")
    assert one.status_code == 200
    head = row_of(one.text, "评级（取最差）")
    assert head.index("陈静") < head.index("刘洋")
    task = row_of(one.text, "EM-PSD-FAILURE-T1")
    cells = re.findall(r"<td>(.*?)</td>", task, re.S)
    assert cells[4:6] == ['<abbr title="顺利完成">P</abbr> / 1.5',
                          '<abbr title="未能完成">U</abbr> / 4']
    assert "相差两级以上" in task
    missing = web.get("/lines/L9/drills/runs/R-9")
    assert missing.status_code == 404 and "没有演练记录“R-9”" in missing.text


def test_user_text_is_text_not_markup(site) -> None:
    web = sign_in(site)
    for path in ("/lines/L9/org", "/lines/L9/drills/runs/R-1"):
        page = web.get(path)
        assert ESCAPED in page.text and "<script" not in page.text, path


OTHER_LINE = ("/lines/L7/org", "/lines/L7/org/path?hazard=H-0001", "/lines/L7/org/units/C",
              "/lines/L7/org/export.graphml", "/lines/L7/drills", "/lines/L7/drills/plan",
              "/lines/L7/drills/plan.xlsx", "/lines/L7/drills/runs", "/lines/L7/drills/runs/R-1")


def test_a_viewer_limited_to_one_line_reads_only_that_line_and_downloads_nothing(site) -> None:
    web = sign_in(site, "900030")
    for path in OTHER_LINE:
        assert web.get(path).status_code == 403, path
    for path in ("/lines/L9/org", "/lines/L9/drills", "/lines/L9/drills/runs/R-1"):
        assert web.get(path).status_code == 200, path
    assert web.get("/lines/L9/org/export.graphml").status_code == 403  # no "export" action
    assert web.get("/lines/L9/drills/plan.xlsx").status_code == 403
    plan = web.get("/lines/L9/drills/plan?start=2026-09-01")
    assert plan.status_code == 200 and "plan.xlsx" not in plan.text


def test_anonymous_is_sent_to_sign_in(site) -> None:
    for path in (p.replace("L7", "L9") for p in OTHER_LINE):
        answer = site.get(path)
        assert answer.status_code == 303 and answer.headers["location"].endswith("/login"), path


def test_a_unit_page_shows_a_line_limited_reader_only_the_lines_it_may_read(site, run,
                                                                             org_db) -> None:
    """The organisation is company-wide, what a unit answers for is per line: a viewer of L9
    does not learn L7's hazard IDs from the unit's page; an account on every line sees both."""
    from readiness.actor import Actor
    from readiness.store.core import Store
    from readiness.store.lines import find_line
    from readiness.store.schema import Location

    with Store.open(org_db) as store, store.write(Actor("seed"), "seed") as session:
        line = find_line(session, "L7")
        session.insert_rows(Location, [{"line_id": line.id, "code": "S01", "name": "一站",
                                        "kind": "station", "seq": 1}])
    added = run("hazard", "add", "--line", "L7", "--location", "S01", "--specialty", "psd",
                "--category", "equipment", "--description", "七号线站台门", "--score",
                "L=3,E=6,C=7", "--owner-unit", "TM-KY1-01", db=org_db)
    assert added.exit_code == 0, added.output
    viewer = sign_in(site, "900030", lang="en").get("/lines/L9/org/units/DV-KY1").text
    assert "L9/H-0001" in viewer and "L7/H-0001" not in viewer
    site.cookies.clear()
    leader = sign_in(site, "900001", lang="en").get("/lines/L9/org/units/DV-KY1").text
    assert "L9/H-0001" in leader and "L7/H-0001" in leader
