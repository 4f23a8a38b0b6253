"""Inspection handbooks (隐患排查手册, 一岗一册): every control of the register falls to exactly one
post; what, how and how often to check it (given per control, or the defaults by type and level);
the filters; the HTML (rendered by Chromium) and the workbook."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

import clients
from test_reports import need
from hazards import handbook

MAJOR, LOW = "L=6,E=6,C=15", "L=1,E=6,C=7"  # LEC 540 → major, 42 → low


def add(run, db: str, *extra: str) -> dict:
    result = run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
                 "passenger-operation", *extra, "--json", db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def control(run, db: str, hazard: str, *extra: str) -> dict:
    result = run("hazard", "control", "add", hazard, *extra, "--json", db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def register_db(run, org_db: str) -> str:
    """Three hazards: a major one owned by 张伟 900031 (站务员, 龙湖公园站务班组) with controls of its
    own owners; a low one owned only by the division 客运一分部 (no head); an unrated one with no
    owner at all."""
    add(run, org_db, "--description", "站台门夹人", "--score", MAJOR, "--residual", MAJOR,
        "--owner", "900031", "--control", "engineering: 站台门防夹挡板")
    control(run, org_db, "H-0001", "--type", "administrative", "--text", "班前检查站台门",
            "--owner", "刘洋", "--check", "站台门开关门是否正常", "--how", "现场开关门三次",
            "--every", "3")
    control(run, org_db, "H-0001", "--type", "emergency", "--text", "站台门故障应急处置",
            "--owner", "张伟")  # a name two people have: not a person, the hazard's owner
    add(run, org_db, "--description", "楼梯滑倒", "--location", "S02", "--score", LOW,
        "--residual", LOW, "--owner-unit", "客运一分部", "--control", "ppe: 防滑鞋",
        "--control", "administrative: 雨天铺设防滑垫")
    add(run, org_db, "--description", "区间积水", "--location", "Q01-02",
        "--control", "engineering: 区间排水泵")
    return org_db


def load(db: str) -> list[dict]:
    from readiness.store.core import Store
    from readiness.store.hazards import load_register
    from readiness.store.lines import line_row
    from readiness.store.org import org_index

    with Store.open(db) as store, store.read_rows() as session:
        line = line_row(session, None)
        return [load_register(session, line.id), org_index(session)]


def test_control_add_keeps_what_how_and_how_often(run, register_db: str) -> None:
    h = json.loads(run("hazard", "show", "H-0001", "--json", db=register_db).output)
    given = next(c for c in h["controls"] if c["description"] == "班前检查站台门")
    assert (given["check_what"], given["check_how"], given["check_every_days"]) == (
        "站台门开关门是否正常", "现场开关门三次", 3)
    plain = next(c for c in h["controls"] if c["description"] == "站台门防夹挡板")
    assert (plain["check_what"], plain["check_how"], plain["check_every_days"]) == (None,) * 3
    result = run("hazard", "control", "add", "H-0001", "--type", "ppe", "--text", "x",
                 "--every", "0", db=register_db)
    assert (result.exit_code, result.output) == (
        1, "Error: --every: days between checks must be 1 to 3660, not 0\n")


def test_every_control_of_every_post_appears_exactly_once(register_db: str) -> None:
    register, org = load(register_db)
    book = handbook.build(register, org["units"], org["people"])
    listed = [(e.hazard, e.control_id) for b in book.posts for e in b.entries]
    everything = [(h["id"], c["id"]) for h in register for c in h["controls"]]
    assert sorted(listed) == sorted(everything) and len(listed) == len(set(listed)) == 6
    by_post = {(b.unit, b.post): [e.control for e in b.entries] for b in book.posts}
    assert by_post == {
        ("TM-KY1-01", "班组长"): ["班前检查站台门"],  # the control's own owner, 刘洋
        ("TM-KY1-01", "站务员"): ["站台门防夹挡板", "站台门故障应急处置"],  # the hazard's owner
        ("DV-KY1", None): ["防滑鞋", "雨天铺设防滑垫"],  # the owner unit, which has no head
        (None, None): ["区间排水泵"],  # no one: listed, not dropped
    }
    staff = next(b for b in book.posts if b.post == "站务员")
    assert staff.holders == ["张伟 900031"] and staff.unit_name == "龙湖公园站务班组"


def test_frequencies_default_by_level_and_a_control_overrides(register_db: str) -> None:
    register, org = load(register_db)
    entries = {e.control: e for b in handbook.build(register, org["units"], org["people"]).posts
               for e in b.entries}
    every = handbook.policy()["check_every_days"]
    assert (entries["站台门防夹挡板"].every_days, entries["站台门防夹挡板"].every_given) == (
        every["major"], False)
    assert entries["防滑鞋"].every_days == every["low"] and entries["防滑鞋"].level == "low"
    assert entries["区间排水泵"].every_days == every["unrated"] and entries["区间排水泵"].level is None
    given = entries["班前检查站台门"]
    assert (given.every_days, given.check_what, given.check_how) == (3, "站台门开关门是否正常",
                                                                     "现场开关门三次")
    assert given.every_given and given.what_given and given.how_given
    plain = entries["站台门防夹挡板"]
    assert plain.check_what == "站台门防夹挡板：是否落实、有效"
    assert plain.check_how == handbook.default_how("engineering") != handbook.default_how("ppe")
    assert not plain.what_given and not plain.how_given


def test_post_and_unit_filters(run, register_db: str, tmp_path: Path) -> None:
    register, org = load(register_db)
    only = handbook.build(register, org["units"], org["people"], post="站务员")
    assert [(b.unit, b.post) for b in only.posts] == [("TM-KY1-01", "站务员")]
    for unit in ("DV-KY1", "客运一分部"):  # a code or a name; the units under it too
        found = handbook.build(register, org["units"], org["people"], unit=unit)
        assert [(b.unit, b.post) for b in found.posts] == [
            ("DV-KY1", None), ("TM-KY1-01", "班组长"), ("TM-KY1-01", "站务员")]
    both = handbook.build(register, org["units"], org["people"], unit="TM-KY1-01", post="班组长")
    assert [e.control for b in both.posts for e in b.entries] == ["班前检查站台门"]
    out = str(tmp_path / "hb.html")
    result = run("inspection", "handbook", "--post", "售票员", "-o", out, db=register_db)
    assert (result.exit_code, result.output) == (
        1, "Error: --post: no post '售票员' in the organisation (give a post name, e.g. 值班站长)\n")
    result = run("inspection", "handbook", "--unit", "XX", "-o", out, db=register_db)
    assert (result.exit_code, result.output) == (
        1, "Error: --unit: no unit 'XX' in the organisation (give a unit ID or name)\n")
    assert not os.path.exists(out)
    result = run("inspection", "handbook", "--post", "站务员", "-o", out, db=register_db)
    assert (result.exit_code, result.output) == (
        0, f"wrote the inspection handbook {out}: 1 posts, 2 controls\n")
    result = run("inspection", "handbook", "-o", str(tmp_path / "hb.pdf"), db=register_db)
    assert result.output == f"Error: {tmp_path / 'hb.pdf'}: write the handbook as .html or .xlsx\n"
    assert run("inspection", "handbook", "-o", out, db=register_db).exit_code == 1  # no --force


def test_workbook_has_every_post(run, register_db: str, tmp_path: Path) -> None:
    out = tmp_path / "hb.xlsx"
    result = run("inspection", "handbook", "-o", str(out), db=register_db, lang="zh")
    assert (result.exit_code, result.output) == (
        0, f"已写出隐患排查手册 {out}：4 个岗位，6 项管控措施\n")
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == ["隐患排查手册"]
    rows = [r for r in wb["隐患排查手册"].iter_rows(values_only=True)]
    titles = [rows[i - 1][0] for i, r in enumerate(rows) if r and r[0] == "序号"]  # above headings
    assert titles == ["客运一分部（DV-KY1） · 本单位", "龙湖公园站务班组（TM-KY1-01） · 班组长",
                      "龙湖公园站务班组（TM-KY1-01） · 站务员", "未明确责任岗位的管控措施"]
    data = [r for r in rows if r and isinstance(r[0], int)]
    assert sorted(r[5] for r in data) == sorted(["站台门防夹挡板", "班前检查站台门", "站台门故障应急处置",
                                                 "防滑鞋", "雨天铺设防滑垫", "区间排水泵"])
    given = next(r for r in data if r[5] == "班前检查站台门")
    assert given[7:10] == ("站台门开关门是否正常", "现场开关门三次", 3)
    assert any("交运规〔2024〕10号" in str(r[0]) for r in rows[:4] if r)


def test_html_prints_one_section_per_post_and_chromium_renders_it(
        run, register_db: str, tmp_path: Path) -> None:
    out = tmp_path / "hb.html"
    assert run("inspection", "handbook", "-o", str(out), db=register_db, lang="zh").exit_code == 0
    html = out.read_text("utf-8")
    assert html.count('<section class="post') == 4 and html.count("post first") == 1
    assert "page-break-before: always" in html and "size: A4" in html
    assert "龙湖公园站务班组（TM-KY1-01） · 站务员" in html and "交运规〔2024〕10号" in html
    for forbidden in ("<script", "src=\"http", "href=\"http", "@import", "url("):
        assert forbidden not in html, forbidden  # self-contained, offline
    need(clients.find_chromium())
    png = tmp_path / "hb.png"
    clients.chromium_screenshot(out, png, width=1000, height=1400)
    assert not clients.png_is_blank(png)
    pdf = tmp_path / "hb.pdf"
    clients.chromium_pdf(out, pdf)
    pages = clients.pdf_pages(pdf)
    assert len(pages) >= 4 and all(clients.is_a4(p) for p in pages)  # a page break per post
