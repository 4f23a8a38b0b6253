"""The web application in real Chromium (Playwright driving Debian's `chromium`): sign in, every
read view, sign out, in both languages, at a desk (1366×768) and on a tablet (768×1024), with no
console error; the screenshots are kept under the test's temporary folder to look at."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from test_web import PASSWORD
from webclient import serving

PAGES = ("/lines/L9", "/lines/L9/hazards", "/lines/L9/hazards/H-0001", "/lines/L9/pdca",
         "/lines/L9/checklist", "/lines/L9/snapshots", "/lines/L9/snapshots/diff?a=1&b=1",
         "/lines/L9/org", "/lines/L9/org/path?hazard=H-0001", "/lines/L9/org/units/CT-KY",
         "/lines/L9/drills", "/lines/L9/drills/plan?start=2026-09-01", "/lines/L9/drills/runs",
         "/lines/L9/drills/runs/R-1", "/lines/L9/reports", "/lines/L9/report.html",
         "/audit?limit=20")


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("READINESS_REQUIRE_CLIENTS") == "1":
            pytest.fail("a real client is required here but missing")
        pytest.skip("chromium not installed")
    return found


@pytest.fixture
def server(run, org_db):
    """The application over a seeded store, served by uvicorn on a free loopback port."""
    assert run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
               "equipment", "--description", "站台门夹人", "--score", "L=3,E=6,C=7",
               "--control", "engineering: 挡板", db=org_db).exit_code == 0
    assert run("pdca", "open", "--title", "闸机扇门迟缓", "--class", "due-dated",
               db=org_db).exit_code == 0
    assert run("drill", "record", "R-1", "--scenario", "EM-PSD-FAILURE", "--date", "2026-10-01",
               "--location", "S01", "--unit", "CT-KY", "--evaluator", "陈静", "--evaluator",
               "刘洋", "--task", "EM-PSD-FAILURE-T1=P/1.5@陈静", "--task",
               "EM-PSD-FAILURE-T1=U/4@刘洋", db=org_db).exit_code == 0
    assert run("assess", "--as-of", "2026-11-23", db=org_db).exit_code in (0, 3)
    assert run("user", "add", "900001", "--role", "leadership", "--password-stdin", db=org_db,
               input=PASSWORD + "\n").exit_code == 0
    with serving(org_db) as url:
        yield url


@pytest.mark.parametrize("lang, size", [("zh", (1366, 768)), ("en", (768, 1024))])
def test_sign_in_every_view_and_sign_out_in_chromium(server, tmp_path: Path, lang: str,
                                                     size: tuple[int, int]) -> None:
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    shots = tmp_path / "shots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{server}/lang/{lang}")
        page.goto(f"{server}/")
        assert page.url.endswith("/login")
        page.fill("#staff_id", "900001")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server}/")
        assert "L9" in page.content()
        page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
        words = {"zh": ("危险源台帐", "退出"), "en": ("Hazard register", "Sign out")}[lang]
        for path in PAGES:
            answer = page.goto(f"{server}{path}")
            assert answer is not None and answer.status == 200, path
            name = re.sub(r"[^A-Za-z0-9]+", "_", path.strip("/"))
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        page.goto(f"{server}/lines/L9/hazards")
        assert words[0] in page.content()
        page.click(f"text={words[1]}")
        page.wait_for_url(f"{server}/login")
        assert page.goto(f"{server}/lines/L9/hazards").url.endswith("/login")
        browser.close()
    assert errors == []
    assert len(list(shots.glob("*.png"))) == len(PAGES) + 1
