"""The web pages of dual prevention: hidden dangers (`danger list/show`), inspections
(`inspection list/show`), the four-colour risk map (`riskmap`) and the major-risk notices
(`notice`), on the sample line: the same services as the CLI, their filters, their downloads,
their refusals, and user text shown as text."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from readiness.web import danger_views
from readiness.web.app import create_app

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
LINE = "9号线一期"
AT = f"/lines/{quote(LINE)}"
AS_OF = "2026-11-23"  # the sample line's day


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The sample line, plus a special inspection whose reason and finding are a script (it
    finds YH-0026) and a place named like one."""
    from click.testing import CliRunner

    import cli
    from readiness.actor import Actor
    from readiness.demo import build_demo
    from readiness.store.core import Store
    from readiness.store.lines import find_line
    from readiness.store.schema import Location

    summary = build_demo(tmp_path_factory.mktemp("demo"), actor=Actor("demo"), lang="en")
    db = summary["db"]
    result = CliRunner().invoke(cli.cli, [
        "--db", db, "--lang", "en", "--user", "tester", "inspection", "record", "PC-HOSTILE",
        "--on", AS_OF, "--kind", "special", "--reason", HOSTILE, "--inspector", "900256",
        "--result", f"H-0001=failed/general@{HOSTILE}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with Store.open(db) as store, store.write(Actor("seed"), "seed") as session:
        line = find_line(session, LINE)
        session.insert_rows(Location, [{"line_id": line.id, "code": "S99", "name": HOSTILE,
                                        "kind": "station", "seq": 99}])
    return {"db": db, "accounts": {a["role"]: a for a in summary["accounts"]}}


@pytest.fixture
def site(demo) -> TestClient:
    return TestClient(create_app(demo["db"]), follow_redirects=False)


def sign_in(web: TestClient, demo: dict, role: str = "safety-officer",
            lang: str = "zh") -> TestClient:
    account = demo["accounts"][role]
    web.cookies.clear()
    form = web.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    answer = web.post("/login", data={"csrf": csrf, "staff_id": account["staff_id"],
                                      "password": account["password"]})
    assert answer.status_code == 303, answer.text
    if lang == "en":
        web.cookies.set("readiness_lang", "en")
    return web


def ids(html: str, kind: str = "dangers") -> list[str]:
    """The records a page's table links to, in order (each once)."""
    found = re.findall(rf'href="/lines/[^/"]+/{kind}/([^"?]+)"', html)
    return [x for x in dict.fromkeys(found) if x != "record"]  # the form to record one


def row_of(html: str, text: str) -> str:
    return next(r for r in html.split("<tr>") if text in r)


def library(demo: dict, **filters) -> list[str]:
    from hazards.dangers import list_dangers
    from readiness.store.core import Store

    with Store.open(demo["db"]) as store:
        return [d.id for d in list_dangers(store, LINE, **filters)]


def test_the_list_shows_open_dangers_and_all_shows_closed_ones_too(site, demo) -> None:
    web = sign_in(site, demo)
    page = web.get(f"{AT}/dangers?as_of=2026-11-30")
    assert page.status_code == 200
    shown = ids(page.text)
    assert shown == library(demo) and "YH-0024" in shown and "YH-0026" in shown
    assert "YH-0006" not in shown  # closed
    assert "待治理" in row_of(page.text, "YH-0024")
    assert "逾期 4 天" in row_of(page.text, "YH-0024")  # its deadline: 2026-11-26
    every = web.get(f"{AT}/dangers?all=1")
    assert ids(every.text) == library(demo, include_closed=True)
    assert len(ids(every.text)) == 26 and "已销号" in row_of(every.text, "YH-0006")
    assert f"{AT}/export/dangers.xlsx" in page.text  # the ledger, for an account that may export
    english = sign_in(site, demo, lang="en").get(f"{AT}/dangers?all=1")
    assert "Closed" in row_of(english.text, "YH-0006") and "26 hidden dangers" in english.text


def test_the_filters_are_danger_lists(site, demo) -> None:
    web = sign_in(site, demo)
    major = web.get(f"{AT}/dangers?grade=major&all=1")
    assert ids(major.text) == ["YH-0006"] and "重大隐患" in row_of(major.text, "YH-0006")
    none_open = web.get(f"{AT}/dangers?grade=major")
    assert ids(none_open.text) == [] and "没有符合条件的隐患" in none_open.text
    assert ids(web.get(f"{AT}/dangers?grade=重大隐患&all=1").text) == ["YH-0006"]  # a label
    planned = ids(web.get(f"{AT}/dangers?status=planned").text)
    assert planned and planned == library(demo, status="planned")
    overdue = ids(web.get(f"{AT}/dangers?overdue=1&as_of={AS_OF}").text)
    assert overdue == library(demo, overdue=True, as_of=dt.date(2026, 11, 23))
    assert "YH-0024" not in overdue  # its deadline, 2026-11-26, was still ahead then
    assert "YH-0024" in ids(web.get(f"{AT}/dangers?overdue=1&as_of=2026-11-30").text)


def test_a_bad_filter_is_refused_in_one_line(site, demo) -> None:
    web = sign_in(site, demo, lang="en")
    grade = web.get(f"{AT}/dangers?grade=x")
    assert grade.status_code == 400
    assert "--grade: &#39;x&#39; is not valid; choose from General / Major" in grade.text
    assert ids(grade.text) == [] and "Traceback" not in grade.text
    day = web.get(f"{AT}/dangers?as_of=2026-13-01")
    assert day.status_code == 400 and "as_of: &#39;2026-13-01&#39; is not a date" in day.text
    kind = web.get(f"{AT}/inspections?kind=x")
    assert kind.status_code == 400 and "choose from Routine / Periodic / Special" in kind.text
    assert web.get(f"{AT}/inspections?since=soon").status_code == 400
    chinese = sign_in(site, demo).get(f"{AT}/dangers?status=x")
    assert chinese.status_code == 400 and "--status 的值“x”无效" in chinese.text


def test_the_major_dangers_page_shows_its_five_fixes_report_and_acceptance(site, demo) -> None:
    web = sign_in(site, demo)
    page = web.get(f"{AT}/dangers/YH-0006")
    assert page.status_code == 200
    assert "重大隐患 · 已销号" in page.text
    fixes = page.text[page.text.index('<table class="fixes">'):]
    fixes = fixes[:fixes.index("</table>")]
    for text in ("更换失效传感器并复测防淹门联动", "900256", "专项维修资金 48 万元", "2026-10-12",
                 "水位超警戒即提前关闭防淹门", f'href="{AT}/pdca?all=1">P-0029</a>'):
        assert text in fixes, text
    assert "市交通运输局；公司职工代表大会" in page.text and "2026-09-13" in page.text  # report
    accepted = row_of(page.text, "验收人")
    assert "900001" in accepted and "2026-10-03" in page.text and "同意销号" in page.text
    assert f"{AT}/inspections/PC-20260912-0258" in page.text
    english = sign_in(site, demo, lang="en").get(f"{AT}/dangers/YH-0006")
    assert "Treatment plan (the five fixes)" in english.text and "Accepted by" in english.text
    missing = web.get(f"{AT}/dangers/YH-9999")
    assert missing.status_code == 404 and missing.text == "no hidden danger YH-9999"


def test_an_open_dangers_page_says_it_is_overdue_and_unplanned(site, demo) -> None:
    page = sign_in(site, demo, lang="en").get(f"{AT}/dangers/YH-0024?as_of=2026-11-30")
    assert page.status_code == 200
    assert "Overdue by 4 days (deadline 2026-11-26)" in page.text
    assert "no treatment plan yet" in page.text and "Not accepted yet" in page.text


def test_inspections_by_date_fifty_a_page_and_one_with_its_results(site, demo) -> None:
    web = sign_in(site, demo, lang="en")
    first = web.get(f"{AT}/inspections")
    assert first.status_code == 200 and "952 inspections · page 1 / 20" in first.text
    assert len(ids(first.text, "inspections")) == 50
    last = web.get(f"{AT}/inspections?page=20")
    assert len(ids(last.text, "inspections")) == 2 and "Previous" in last.text
    special = web.get(f"{AT}/inspections?kind=special&since=2026-09-05")
    rows = ids(special.text, "inspections")
    assert rows and all("Special" in row_of(special.text, f"{i}</a>") for i in rows)
    assert "YH-0004" in row_of(special.text, "PC-20260905-0177")
    one = web.get(f"{AT}/inspections/PC-20260912-0258")
    assert one.status_code == 200 and "Results (4)" in one.text
    failed = row_of(one.text, "YH-0006")
    assert "Failed" in failed and "Major" in failed and "防淹门 2 号水位传感器失效" in failed
    assert one.text.count(">OK</td>") == 3
    missing = web.get(f"{AT}/inspections/PC-NONE")
    assert missing.status_code == 404 and missing.text == "no inspection PC-NONE"


def test_the_four_colour_map_inline_and_its_downloads(site, demo) -> None:
    from readiness.report.riskmap import LEVEL_COLOURS

    web = sign_in(site, demo)
    page = web.get(f"{AT}/riskmap")
    assert page.status_code == 200
    svg = page.text[page.text.index("<svg"):page.text.index("</svg>") + 6]
    root = ET.fromstring(svg)
    colours = {e.get("fill") for e in root.iter()}
    assert set(LEVEL_COLOURS.values()) <= colours
    assert "体育中心—滨江公园区间 (Q17-18)" in page.text  # the place a notice is posted at
    assert "重大风险公告 (1)" in page.text
    drawing = web.get(f"{AT}/riskmap.svg")
    assert drawing.status_code == 200 and drawing.headers["content-type"] == "image/svg+xml"
    assert drawing.headers["content-disposition"].startswith("attachment;")
    assert "riskmap.svg" in drawing.headers["content-disposition"]
    places = {e.get("data-code") for e in ET.fromstring(drawing.content).iter()}
    assert {"S01", "Q17-18", "S99"} <= places
    notices = web.get(f"{AT}/notices.html")
    assert notices.status_code == 200 and notices.headers["content-type"].startswith("text/html")
    assert notices.headers["content-disposition"].startswith("attachment;")
    assert "体育中心—滨江公园区间" in notices.text and "重大风险公告" in notices.text
    english = sign_in(site, demo, lang="en").get(f"{AT}/riskmap")
    assert "Four-colour risk map" in english.text and "Major-risk notices (1)" in english.text


def test_a_viewer_reads_the_pages_but_downloads_nothing(site, demo) -> None:
    web = sign_in(site, demo, "viewer")
    for path in ("/dangers", "/dangers/YH-0006", "/inspections", "/inspections/PC-HOSTILE",
                 "/riskmap"):
        assert web.get(AT + path).status_code == 200, path
    for path in ("/riskmap.svg", "/notices.html", "/export/dangers.xlsx"):
        assert web.get(AT + path).status_code == 403, path
    assert "dangers.xlsx" not in web.get(f"{AT}/dangers").text
    page = web.get(f"{AT}/riskmap").text
    assert "riskmap.svg" not in page and "notices.html" not in page
    assert web.get("/lines/L7/dangers").status_code == 404  # no such line


def test_anonymous_is_sent_to_sign_in(site) -> None:
    for path in ("/dangers", "/dangers/YH-0006", "/inspections", "/inspections/PC-HOSTILE",
                 "/riskmap", "/riskmap.svg", "/notices.html"):
        answer = site.get(AT + path)
        assert answer.status_code == 303 and answer.headers["location"].endswith("/login"), path


def test_user_text_is_text_not_markup(site, demo) -> None:
    web = sign_in(site, demo)
    assert "YH-0026" in web.get(f"{AT}/inspections/PC-HOSTILE").text
    for lang in ("zh", "en"):
        web.cookies.set("readiness_lang", lang)
        for path in ("/dangers", "/dangers/YH-0026", "/inspections?kind=special&since=2026-11-23",
                     "/inspections/PC-HOSTILE", "/riskmap"):
            page = web.get(AT + path)
            assert page.status_code == 200, path
            assert ESCAPED in page.text and "<script" not in page.text, (lang, path)
    assert "<script" not in web.get(f"{AT}/notices.html").text


def test_only_the_drawing_goes_inline() -> None:
    """The map is put in the page only when it parses and holds nothing but shapes and text."""
    inline = danger_views.inline_svg
    plain = ('<svg xmlns="http://www.w3.org/2000/svg"><g data-code="S01">'
             '<text>a &lt;b&gt;</text></g></svg>')
    assert str(inline('<?xml version="1.0" encoding="UTF-8"?>\n' + plain)) == plain
    for bad in ('<svg xmlns="http://www.w3.org/2000/svg"><g data-code="A"B"/></svg>',  # unclosed
                '<svg xmlns="http://www.w3.org/2000/svg"><g data-code="A" onload="x()"/></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg" xmlns:l="http://www.w3.org/1999/xlink">'
                '<g l:href="javascript:x()"/></svg>'):
        assert inline(bad) is None, bad


def test_the_routes_are_the_ones_named() -> None:
    assert [r.path for r in danger_views.routes()] == [
        "/lines/{line}/dangers", "/lines/{line}/dangers/{code}", "/lines/{line}/inspections",
        "/lines/{line}/inspections/{code}", "/lines/{line}/riskmap",
        "/lines/{line}/riskmap.svg", "/lines/{line}/notices.html"]
