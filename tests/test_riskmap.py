"""The four-colour risk map (安全风险四色分布图) and the major-risk notices (重大风险公告)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import clients
from test_reports import need

from readiness.actor import Actor
from readiness.report import riskmap
from readiness.report.html import LEVEL_COLOURS
from readiness.report.notices import notice_pages, render_notices

SVG = "{http://www.w3.org/2000/svg}"


def loc(code: str, name: str, kind: str = "station", seq: int = 1) -> dict:
    return {"code": code, "name": name, "kind": kind, "seq": seq}


def hazard(code: str, place: str, level: str | None, residual: str | None = None,
           status: str = "controlled", **extra) -> dict:
    return {"id": code, "location": place, "level": level, "residual_level": residual,
            "status": status, "description": f"{code} 描述", "controls": [], "owner": None,
            "owner_unit": None, "linked_drills": [], "accident_types": [], **extra}


def line_of(n: int) -> list[dict]:
    """n places: stations and the sections between them, a depot and a control centre last."""
    out, seq = [], 1
    stations = max(2, (n - 1) // 2)
    for i in range(1, stations + 1):
        out.append(loc(f"S{i:02d}", f"第{i}站", "station", seq))
        seq += 1
        if i < stations and len(out) < n - 2:
            out.append(loc(f"Q{i:02d}", f"第{i}站—第{i + 1}站区间", "section", seq))
            seq += 1
    out.append(loc("D01", "南湖车辆段", "depot", seq))
    out.append(loc("OCC", "线网控制中心", "control-centre", seq + 1))
    return out


def places_svg(found: list[riskmap.Place]) -> ET.Element:
    return ET.fromstring(riskmap.to_svg(found, "zh", subtitle="测试线").encode("utf-8"))


def by_code(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-code"): g for g in root.iter(f"{SVG}g") if g.get("data-code")}


# --- the colour of a place --------------------------------------------------------------------

def test_a_place_takes_its_highest_current_level_residual_over_inherent() -> None:
    found = riskmap.places(
        [loc("S01", "机场东", seq=1), loc("S02", "航城路", seq=2), loc("S03", "南湖", seq=3)],
        [hazard("H1", "S01", "major", "general"),   # residual lower: the residual counts
         hazard("H2", "S01", "low", "significant"),
         hazard("H3", "S02", "general", None),      # no residual: the inherent level counts
         hazard("H4", "S02", "low", "low"),
         hazard("H5", "S03", "major", "major", status="eliminated")])  # eliminated: left out
    got = {p.code: p for p in found}
    assert got["S01"].level == "significant"
    assert got["S01"].counts == {"significant": 1, "general": 1}
    assert got["S02"].level == "general" and got["S02"].counts == {"general": 1, "low": 1}
    assert got["S03"].level is None and got["S03"].colour == riskmap.NO_HAZARD
    root = places_svg(found)
    assert by_code(root)["S01"].get("data-colour") == LEVEL_COLOURS["significant"]


@pytest.mark.parametrize("levels", [("major", "low"), ("low", "major"), ("general", "significant"),
                                    ("significant", "general"), ("low", "general")])
def test_the_colour_is_the_highest_level_whichever_order(levels: tuple[str, str]) -> None:
    found = riskmap.places([loc("S01", "机场东")],
                           [hazard(f"H{i}", "S01", "low", lv) for i, lv in enumerate(levels)])
    expected = min(levels, key=riskmap.LEVELS.index)
    assert found[0].level == expected
    shape = by_code(places_svg(found))["S01"].find(f"{SVG}circle")
    assert shape is not None and shape.get("fill") == LEVEL_COLOURS[expected]


def test_the_four_colours_are_red_orange_yellow_blue() -> None:
    def rgb(colour: str) -> tuple[int, ...]:
        return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))

    red, orange, yellow, blue = (rgb(LEVEL_COLOURS[lv]) for lv in riskmap.LEVELS)
    assert red[0] > 180 and red[1] < 80 and red[2] < 80
    assert orange[0] > 200 and 80 < orange[1] < 150 and orange[2] < 60
    assert yellow[0] > 200 and yellow[1] > 150 and yellow[2] < 80
    assert blue[2] > 150 and blue[0] < 60


def test_a_place_without_hazards_is_grey() -> None:
    found = riskmap.places([loc("S01", "机场东"), loc("Q01", "区间", "section", 2)], [])
    root = places_svg(found)
    for code in ("S01", "Q01"):
        assert by_code(root)[code].get("data-level") == "none"
        assert by_code(root)[code].get("data-colour") == riskmap.NO_HAZARD


def test_places_follow_the_line_order_not_the_code() -> None:
    found = riskmap.places([loc("OCC", "控制中心", "control-centre", 9), loc("S02", "乙", seq=3),
                            loc("S01", "甲", seq=1), loc("Q01", "甲—乙", "section", 2)], [])
    assert [p.code for p in found] == ["S01", "Q01", "S02", "OCC"]


# --- the drawing -----------------------------------------------------------------------------------

def test_the_legend_names_the_four_levels_and_grey_with_how_many_places() -> None:
    found = riskmap.places([loc("S01", "机场东"), loc("S02", "航城路", seq=2),
                            loc("S03", "南湖", seq=3)],
                           [hazard("H1", "S01", "major"), hazard("H2", "S02", "low")])
    root = places_svg(found)
    legend = {g.get("data-level"): "".join(g.itertext()) for g in root.iter(f"{SVG}g")
              if "legend-item" in (g.get("class") or "")}
    assert legend == {"major": "重大风险 1处", "significant": "较大风险 0处",
                      "general": "一般风险 0处", "low": "较小风险 1处", "none": "无危险源 1处"}
    colours = {g.get("data-level"): g.find(f"{SVG}rect").get("fill") for g in root.iter(f"{SVG}g")
               if "legend-item" in (g.get("class") or "")}
    assert colours == {**LEVEL_COLOURS, "none": riskmap.NO_HAZARD}
    en = riskmap.to_svg(found, "en")
    assert "Major risk 1 places" in en and "No hazard 1 places" in en


def test_counts_per_level_beside_each_place() -> None:
    found = riskmap.places([loc("S01", "机场东")],
                           [hazard("H1", "S01", "major", "major"), hazard("H2", "S01", "major"),
                            hazard("H3", "S01", "general", "low")] +
                           [hazard(f"L{i}", "S01", "low") for i in range(12)])
    group = by_code(places_svg(found))["S01"]
    counts = {t.get("class")[2:]: t.text for t in group.iter(f"{SVG}text")
              if (t.get("class") or "").startswith("n-")}
    assert counts == {"major": "2", "low": "13"}
    assert riskmap.totals(found)["hazards"] == {"major": 2, "significant": 0, "general": 0,
                                                "low": 13}


def test_open_hidden_dangers_are_a_badge_with_their_count() -> None:
    dangers = {"S01": {"general": 2, "major": 1}, "Q01": {"general": 3, "major": 0},
               "S02": {"general": 0, "major": 0}}
    found = riskmap.places([loc("S01", "机场东"), loc("Q01", "甲—乙", "section", 2),
                            loc("S02", "航城路", seq=3)], [hazard("H1", "S01", "low")], dangers)
    groups = by_code(places_svg(found))
    s01 = groups["S01"].find(f"{SVG}g[@class='danger']")
    assert s01 is not None and s01.get("data-open") == "3" and s01.get("data-major") == "1"
    assert "".join(s01.itertext()) == "隐患3(1)"
    q01 = groups["Q01"].find(f"{SVG}g[@class='danger']")
    assert q01 is not None and "".join(q01.itertext()) == "隐患3"
    assert groups["S02"].find(f"{SVG}g[@class='danger']") is None
    assert riskmap.totals(found)["dangers"] == {"general": 5, "major": 1}


def test_the_svg_is_well_formed_with_a_cjk_font_and_escapes_names() -> None:
    found = riskmap.places([loc("S01", "<机场&东>"), loc("Q01", "区间", "section", 2)],
                           [hazard("H1", "S01", "major")])
    text = riskmap.to_svg(found, "zh")
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    assert "Noto Sans CJK SC" in root.get("font-family") and "Noto Sans SC" in root.get(
        "font-family") and root.get("font-family").endswith("sans-serif")
    assert "<机场&amp;东>" not in text and "&lt;机场&amp;东&gt;" in text
    ET.fromstring(riskmap.to_svg([], "zh").encode("utf-8"))  # a line with no place yet
    ET.fromstring(riskmap.inline(riskmap.to_svg(found, "en")).encode("utf-8"))


def test_a_long_line_wraps_into_rows_that_fit_a_page() -> None:
    places = line_of(41)
    assert len(places) >= 40
    found = riskmap.places(places, [hazard("H1", "S01", "major")])
    root = places_svg(found)
    width = float(root.get("viewBox").split()[2])
    height = float(root.get("viewBox").split()[3])
    assert height / width < 297 / 210  # fits A4 portrait at the page's width
    rows = {round(float(c.get("cy"))) for c in root.iter(f"{SVG}circle")
            if c.get("r") == "13"}
    assert len(rows) >= 3  # wrapped, not one endless row
    xs = [float(c.get("cx")) for c in root.iter(f"{SVG}circle")]
    assert min(xs) > 0 and max(xs) < width
    assert len(by_code(root)) == len(places)


# --- notices -----------------------------------------------------------------------------------------

PEOPLE = {"900001": {"staff_id": "900001", "name": "张伟", "post": "站长", "unit_code": "TM-1"},
          "900002": {"staff_id": "900002", "name": "李娜", "post": "班组长", "unit_code": "TM-1"}}
UNITS = {"TM-1": {"code": "TM-1", "name": "机场东站务班组", "head_staff_id": "900002"}}
SCENARIOS = [{"id": "EM-PSD-FAILURE", "name_zh": "屏蔽门（站台门）故障", "name_en": "PSD failure",
              "tier": "on-site"},
             {"id": "EM-STATION-FIRE", "name_zh": "车站火灾", "name_en": "Station fire",
              "tier": "special"}]


def test_a_notice_page_only_for_places_with_a_major_current_risk() -> None:
    places = [loc("S01", "机场东"), loc("S02", "航城路", seq=2), loc("S03", "南湖", seq=3),
              loc("S04", "鼓楼", seq=4)]
    register = [
        hazard("H1", "S01", "major", "major", owner="900001", owner_unit="TM-1",
               accident_types=["fire"], linked_drills=["EM-STATION-FIRE", "EM-PSD-FAILURE"],
               controls=[{"type": "engineering", "description": "站台设烟感"},
                         {"type": "emergency", "description": "启动车站火灾现场处置方案"}]),
        hazard("H2", "S02", "major", "significant"),  # controlled down: no notice
        hazard("H3", "S03", "major", None),           # no residual: inherent major counts
        hazard("H4", "S04", "major", "major", status="eliminated")]
    pages = notice_pages(places, register, PEOPLE, UNITS, SCENARIOS, "zh")
    assert [p["place"]["code"] for p in pages] == ["S01", "S03"]
    risk = pages[0]["risks"][0]
    assert risk["id"] == "H1" and risk["accident_types"] == ["火灾"]
    assert risk["controls"] == [{"type": "工程控制", "description": "站台设烟感"}]
    assert risk["emergency"] == ["启动车站火灾现场处置方案"]
    assert [(d["name"], d["on_site"]) for d in risk["drills"]] == [
        ("车站火灾", False), ("屏蔽门（站台门）故障", True)]
    assert risk["responsible"] == {"staff_id": "900001", "name": "张伟", "post": "站长",
                                   "unit": "机场东站务班组"}
    assert [(c["role"], c["name"]) for c in pages[0]["contacts"]] == [("owner", "张伟"),
                                                                     ("head", "李娜")]


def test_the_notices_print_a_page_each_with_blanks_for_phones() -> None:
    register = [hazard("H1", "S01", "major", "major", owner="900001", owner_unit="TM-1"),
                hazard("H2", "S02", "major", "major", owner="900002", owner_unit="TM-1")]
    pages = notice_pages([loc("S01", "机场东"), loc("S02", "航城路", seq=2)], register, PEOPLE,
                         UNITS, SCENARIOS, "zh")
    html = render_notices(pages, "9号线", "zh")
    assert html.count('<section class="notice"') == 2
    assert "break-before: page" in html and "size: A4" in html
    assert "重大风险公告" in html and "机场东" in html and "张伟" in html and "站长" in html
    assert "电话号码不在本系统中保存" in html and html.count('class="blank"') >= 4
    assert "Noto Sans CJK SC" in html
    none = render_notices([], "9号线", "zh")
    assert '<section class="notice"' not in none and "无需张贴重大风险公告" in none


# --- commands and the report ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    from readiness.demo import build_demo

    out = tmp_path_factory.mktemp("demo")
    build_demo(out, actor=Actor("demo"))
    return out


def test_the_report_has_the_map_inline_and_the_workbook_a_sheet(sample: Path) -> None:
    from openpyxl import load_workbook

    html = (sample / "report.html").read_text("utf-8")
    assert 'id="riskmap"' in html and '<svg xmlns="http://www.w3.org/2000/svg" class="riskmap"' in html
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg" class="riskmap"')
    ET.fromstring(html[start:html.index("</svg>", start) + 6].encode("utf-8"))
    assert "<?xml" not in html[start - 200:start]
    wb = load_workbook(sample / "report.xlsx")
    ws = wb["风险四色图"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号 Seq", "编号 Code", "位置 Place", "类型 Kind", "颜色 Colour")
    assert rows[1][1:4] == ("S01", "机场东", "车站")
    fills = {r[0].value: r[4].fill.fgColor.rgb[-6:] for r in ws.iter_rows(min_row=2) if r[1].value}
    assert set(fills.values()) <= {c.lstrip("#").upper() for c in
                                   (*LEVEL_COLOURS.values(), riskmap.NO_HAZARD)}
    assert any(r[2] and str(r[2]).startswith("合计") for r in rows)


def test_riskmap_and_notice_commands(sample: Path, run, tmp_path: Path) -> None:
    db = str(sample / "demo.db")
    svg = tmp_path / "map.svg"
    result = run("riskmap", "-o", str(svg), db=db)
    assert result.exit_code == 0, result.output
    assert "wrote the four-colour risk map" in result.output and "places" in result.output
    ET.fromstring(svg.read_bytes())
    page = tmp_path / "map.html"
    assert run("riskmap", "-o", str(page), db=db, lang="zh").exit_code == 0
    assert "安全风险四色分布图" in page.read_text("utf-8")
    again = run("riskmap", "-o", str(page), db=db)
    assert again.exit_code == 1 and "--force" in again.output
    bad = run("riskmap", "-o", str(tmp_path / "map.pdf"), db=db)
    assert bad.exit_code == 1 and ".svg or .html" in bad.output and "Traceback" not in bad.output
    notices = tmp_path / "notice.html"
    result = run("notice", "-o", str(notices), db=db)
    assert result.exit_code == 0, result.output
    assert notices.exists() and "notice" in result.output


def test_chromium_draws_the_sample_map_in_its_four_colours(sample: Path, run,
                                                          tmp_path: Path) -> None:
    page = tmp_path / "map.html"
    assert run("riskmap", "-o", str(page), db=str(sample / "demo.db"), lang="zh").exit_code == 0
    need(clients.find_chromium())
    png = tmp_path / "map.png"
    clients.chromium_screenshot(page, png, width=1200, height=900)
    assert not clients.png_is_blank(png)
    counts = clients.png_colour_counts(png, dict(LEVEL_COLOURS))
    # a solid patch of every colour: the river crossing red, stations and sections the rest
    assert all(n >= 150 for n in counts.values()), counts
    pdf = tmp_path / "map.pdf"
    clients.chromium_pdf(page, pdf)
    pages = clients.pdf_pages(pdf)
    assert len(pages) == 1 and clients.is_a4(pages[0])  # the whole line on one A4 page


def test_chromium_prints_the_notices_one_a4_page_per_place(sample: Path, run,
                                                          tmp_path: Path) -> None:
    page = tmp_path / "notice.html"
    assert run("notice", "-o", str(page), db=str(sample / "demo.db"), lang="zh").exit_code == 0
    html = page.read_text("utf-8")
    assert "体育中心—滨江公园区间" in html and "越江" in html  # the sample's red place
    need(clients.find_chromium())
    png = tmp_path / "notice.png"
    clients.chromium_screenshot(page, png, width=900, height=1200)
    assert not clients.png_is_blank(png)
    pdf = tmp_path / "notice.pdf"
    clients.chromium_pdf(page, pdf)
    pages = clients.pdf_pages(pdf)
    assert len(pages) == html.count('<section class="notice"') and all(clients.is_a4(p) for p in pages)
