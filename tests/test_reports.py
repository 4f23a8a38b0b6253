"""Readiness reports: HTML and Excel for the sample line and an empty line, in both languages,
opened in real clients (headless Chromium, LibreOffice), with hostile text kept as text."""

from __future__ import annotations

import os
import re
import shutil
from html import escape
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import clients
from readiness.actor import Actor
from readiness.demo import build_demo
from readiness.org.accountability import load_org
from readiness.report import write_report
from readiness.store.core import Store

SHEETS_ZH = ["概览", "危险源台帐", "风险矩阵", "风险四色图", "演练", "问题整改", "责任体系", "试运行指标", "安全要点"]
HOSTILE = ["<script>alert(1)</script>", '<img src=x onerror="alert(2)">']
FORMULAS = ['=HYPERLINK("http://evil.invalid","click")', "=cmd|' /C calc'!A0"]

TESTER = Actor("tester")  # who makes the assessment a report of a new line needs


def need(client: str | None) -> None:
    if client is None:
        if os.environ.get("READINESS_REQUIRE_CLIENTS") == "1":
            pytest.fail("a real client is required here but missing")
        pytest.skip("client not installed")


@pytest.fixture(scope="module")
def demo_summary(tmp_path_factory) -> dict:
    return build_demo(tmp_path_factory.mktemp("demo"), actor=Actor("demo"))


@pytest.fixture(scope="module")
def sample(demo_summary) -> Path:
    return Path(demo_summary["db"]).parent


def test_demo_writes_both_reports(sample: Path) -> None:
    html = (sample / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert "Noto Sans CJK SC" in html and "有条件具备开通条件" in html
    for forbidden in ("<script", "src=\"http", "href=\"http", "@import", "url("):
        assert forbidden not in html, forbidden  # self-contained, offline
    assert load_workbook(sample / "report.xlsx", read_only=True).sheetnames == SHEETS_ZH


def test_conditions_name_their_owners(sample: Path) -> None:
    """Leadership reads who owns each condition by name; the code stays beside it, and an owner
    the store does not know (a free-text department) is shown as written."""
    html = (sample / "report.html").read_text(encoding="utf-8")
    with Store.open(f"sqlite:///{sample / 'demo.db'}") as store, store.read() as session:
        org = load_org(session)
    named = r'[^<]* <span class="evidence">[^<]*</span>'
    rows = re.findall(rf"<tr><td>(P-\d{{4}})(?: <span class=\"evidence\">[^<]*</span>)?</td>"
                      rf"<td>({named})</td><td>({named}|-)</td>", html)
    assert len(rows) >= 8, "the PDCA conditions are not shown with names"
    for _, unit, person in rows:
        code = re.search(r'<span class="evidence">(.*?)</span>', unit).group(1)
        assert unit.startswith(escape(org.units[code]["name"]) + " ")
        if person != "-":
            staff = re.search(r'<span class="evidence">(.*?)</span>', person).group(1)
            assert person.startswith(escape(org.people[staff]["name"]) + " ")
    assert "<td>运营总部</td>" in html  # PH-OVERRIDES: who forced the phase, as recorded


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_both_languages_and_the_empty_line(tmp_path: Path, run, lang: str) -> None:
    db = tmp_path / "empty.db"
    assert run("init", "--line", "空线路", db=str(db)).exit_code == 0
    with Store.open(db) as store:
        html = write_report(store, None, tmp_path / "e.html", actor=TESTER, lang=lang).read_text("utf-8")
        xlsx = write_report(store, None, tmp_path / "e.xlsx", actor=TESTER, lang=lang)
    assert ("尚无危险源" if lang == "zh" else "No hazards yet") in html
    assert ("尚无试运行记录" if lang == "zh" else "No trial-run records yet") in html
    assert ("不具备开通条件" if lang == "zh" else "Not ready") in html
    sheets = pd.read_excel(xlsx, sheet_name=None, engine="openpyxl")
    assert len(sheets) == 9 and len(sheets[list(sheets)[1]]) == 0  # no hazards, header only


def test_pandas_reads_every_sheet_with_expected_rows(sample: Path) -> None:
    with Store.open(sample / "demo.db") as store, store.read() as s:
        from readiness.store.schema import ChecklistItem, Hazard, OrgUnit, PdcaItem, TrialRunDay

        counts = {m: s.query(m).count() for m in (Hazard, PdcaItem, OrgUnit, TrialRunDay,
                                                  ChecklistItem)}
    sheets = pd.read_excel(sample / "report.xlsx", sheet_name=None, engine="openpyxl")
    assert list(sheets) == SHEETS_ZH
    assert len(sheets["危险源台帐"]) == counts[Hazard]
    assert len(sheets["问题整改"]) == counts[PdcaItem]
    assert len(sheets["责任体系"]) == counts[OrgUnit]
    assert len(sheets["试运行指标"]) == counts[TrialRunDay]
    assert len(sheets["安全要点"]) == counts[ChecklistItem]
    assert sheets["概览"].iloc[3, 1] == "有条件具备开通条件"


def test_workbook_layout(sample: Path) -> None:
    wb = load_workbook(sample / "report.xlsx")
    ws = wb["危险源台帐"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    assert ws.print_title_rows == "$1:$1" and ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9
    assert ws.column_dimensions["E"].width > 20  # hazard descriptions are long Chinese text
    assert len(ws.conditional_formatting) >= 2
    assert wb["概览"]._charts and wb["试运行指标"]._charts


def hostile_store(tmp_path: Path, run) -> Path:
    from conftest import seed_line

    db = tmp_path / "h.db"
    run("init", "--line", "L9", db=str(db))
    seed_line(str(db))
    for text in HOSTILE + FORMULAS:
        result = run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
                     "equipment", "--description", text, "--score", "L=6,E=6,C=15",
                     "--residual", "L=1,E=6,C=15", "--control", f"engineering: {text}",
                     db=str(db))
        assert result.exit_code == 0, result.output
    return db


def test_hostile_text_stays_text(tmp_path: Path, run) -> None:
    db = hostile_store(tmp_path, run)
    with Store.open(db) as store:
        html = write_report(store, None, tmp_path / "h.html", actor=TESTER, lang="en").read_text("utf-8")
        xlsx = write_report(store, None, tmp_path / "h.xlsx", actor=TESTER, lang="en")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    ws = load_workbook(xlsx)["Hazards"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    for formula in FORMULAS:
        hits = [c for c in cells if c.value == formula]
        assert hits and all(c.data_type == "s" for c in hits), formula
    assert not any(c.data_type == "f" for c in cells)


def test_user_template_overrides_a_block(tmp_path: Path, sample: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "report.html").write_text(
        '{% extends "default:report.html" %}{% block cover_note %}<p id="note">'
        '本报告仅供内部评审 {{ d.line.name }}</p>{% endblock %}', encoding="utf-8")
    with Store.open(sample / "demo.db") as store:
        html = write_report(store, None, tmp_path / "r.html", actor=TESTER, template_dir=str(folder)).read_text("utf-8")
    assert '<p id="note">本报告仅供内部评审 9号线一期</p>' in html and "有条件具备开通条件" in html
    (folder / "report.html").write_text('{% include "../../../etc/passwd" %}', encoding="utf-8")
    with Store.open(sample / "demo.db") as store, pytest.raises(Exception) as err:
        write_report(store, None, tmp_path / "x.html", actor=TESTER, template_dir=str(folder))
    assert "passwd" in str(err.value) and not (tmp_path / "x.html").exists()


def test_chromium_renders_without_errors_and_prints_a4(sample: Path, tmp_path: Path) -> None:
    need(clients.find_chromium())
    html = sample / "report.html"
    assert clients.chromium_console_errors(html) == []
    png = tmp_path / "shot.png"
    clients.chromium_screenshot(html, png)
    assert not clients.png_is_blank(png)
    pdf = tmp_path / "report.pdf"
    clients.chromium_pdf(html, pdf)
    pages = clients.pdf_pages(pdf)
    assert len(pages) >= 5 and all(clients.is_a4(p) for p in pages)


def test_libreoffice_opens_the_workbook(sample: Path, tmp_path: Path) -> None:
    need(clients.find_soffice())
    copy = tmp_path / "report.xlsx"
    shutil.copy(sample / "report.xlsx", copy)
    pdf = clients.libreoffice_to_pdf(copy, tmp_path)
    assert pdf.exists() and pdf.stat().st_size > 10_000
    assert len(clients.pdf_pages(pdf)) >= 3


def test_report_command(run, tmp_path: Path, sample: Path) -> None:
    db = str(sample / "demo.db")
    out = tmp_path / "r.xlsx"
    result = run("report", "-o", str(out), "--snapshot", "1", db=db)
    assert result.exit_code == 0 and out.exists()
    assert run("report", "-o", str(out), db=db).exit_code == 1  # exists, no --force
    assert run("report", "-o", str(tmp_path / "r.pdf"), db=db).output == (
        f"Error: {tmp_path / 'r.pdf'}: write the report as .html or .xlsx\n")
    assert run("report", "-o", str(tmp_path / "x.html"), "--snapshot", "99", db=db).output == (
        "Error: no assessment snapshot 99\n")


def test_every_code_is_named_in_the_readers_language(sample: Path, demo_summary: dict,
                                                    tmp_path: Path, run) -> None:
    db = tmp_path / "signed.db"
    shutil.copy(sample / "demo.db", db)
    run("pdca", "open", "--title", "新发现问题", "--class", "blocking", db=str(db))
    assert run("assess", db=str(db)).exit_code == 0
    leader = next(a for a in demo_summary["accounts"] if a["role"] == "leadership")
    signed = run("signoff", "2", "--as", leader["staff_id"], "--password-stdin", "--decision",
                 "approve", "--override-reason", "市政府要求按期开通", db=str(db),
                 input=leader["password"] + "\n")
    assert signed.exit_code == 0, signed.output
    with Store.open(db) as store:
        zh = write_report(store, None, tmp_path / "zh.html", actor=TESTER, lang="zh").read_text("utf-8")
        en = write_report(store, None, tmp_path / "en.html", actor=TESTER, lang="en").read_text("utf-8")
        xlsx = write_report(store, None, tmp_path / "zh.xlsx", actor=TESTER, lang="zh")
    # drill scenarios by name, in the calendar as in the coverage table
    assert 'EM-COLLISION <span class="evidence">列车脱轨/冲突/挤岔</span>' in zh
    # check codes as their labels, never the raw code
    assert "复核逾期 " in zh and "Review overdue " in en
    assert not re.search(r"hazard\.[a-z-]+ \d", zh + en)
    # a condition that names only a person shows that person's unit, not a bare "-"
    education = re.findall(r'<tr><td>(9\d{5}) <span class="evidence">[^<]*</span></td><td>([^<]*)', zh)
    assert education and all(unit.strip() not in ("", "-") for _, unit in education)
    # the acceptor by name with the staff ID beside it
    assert re.search(r'<td>[^<>]+ <span class="evidence">9\d{5}</span> \(中心\) 2026-', zh)
    # the sign-off: who, their post, the decision and the override, on the cover and the block
    assert zh.count("强制同意，理由：市政府要求按期开通") == 2
    assert en.count("Approved over a not-ready verdict: 市政府要求按期开通") == 2
    assert '林文静 <span class="evidence">900001</span>' in zh
    # chart legends in the report's language
    assert ">not run</text>" in en and "未演练" not in en and ">未演练</text>" in zh
    # short status cells never break one character per line
    assert "white-space: nowrap" in zh and '<td class="nowrap"><span class="pass">' in zh
    summary = load_workbook(xlsx)["概览"]
    rows = [[c.value for c in row] for row in summary.iter_rows()]
    signoff = next(r for r in rows if r[0] == "签认 Sign-off")
    assert signoff[1] == "林文静 900001 董事长" and signoff[2].startswith("同意 ")
    assert signoff[3] == "强制同意，理由：市政府要求按期开通"


def test_cover_has_no_stray_separator_without_a_city(tmp_path: Path, run) -> None:
    db = tmp_path / "plain.db"
    assert run("init", "--line", "L9", db=str(db)).exit_code == 0
    with Store.open(db) as store:
        html = write_report(store, None, tmp_path / "p.html", actor=TESTER, lang="zh").read_text("utf-8")
    assert '<div class="meta">城市轨道交通新线初期运营前安全评估</div>' in html


def test_stacked_bar_legend_shows_labels() -> None:
    from readiness.report.charts import stacked_bar

    svg = stacked_bar([("应急", {"passed": 2, "not": 1})], order=["passed", "not"],
                      colours={}, title="t", labels={"passed": "通过", "not": "未演练"})
    assert ">通过</text>" in svg and ">未演练</text>" in svg and ">passed<" not in svg
