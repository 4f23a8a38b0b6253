"""Timing a critical task on the drill form without script: Start and Stop are submit buttons
that save the draft as typed with the task's timer on the server's clock (patched here, never
read); Stop fills the task's blank minute fields only; refusals are one line, what was typed is
kept; the presses need the token and the role, and a stale draft is refused; the run submitted
afterwards has those minutes and no trace of the timers."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from starlette.testclient import TestClient

from drills import timers
from readiness.actor import Actor
from readiness.errors import InvalidValue, NotFound
from readiness.store.core import Store
from readiness.web import drill_forms
from readiness.web.app import create_app
from webclient import PASSWORD, serving, sign_in, sign_in_browser

COMMANDER, OTHER_COMMANDER, VIEWER = "900010", "900020", "900030"
T1, T2 = "EM-PSD-FAILURE-T1", "EM-PSD-FAILURE-T2"
NINE = dt.datetime(2026, 10, 1, 9, 0, 0)

FORM = {"scenario": "EM-PSD-FAILURE", "run_id": "R-7", "on": "2026-10-01", "location": "S01",
        "commander": "李明", "units": "CT-KY", "evaluator_0": "陈静", "evaluator_1": "刘洋",
        f"r__{T1}__0": "P", f"m__{T1}__0": "1.5", f"r__{T1}__1": "U", f"m__{T1}__1": "",
        f"m__{T1}__2": "", f"r__{T2}__0": "S", "notes": "站台门故障演练"}


@pytest.fixture
def site(run, org_db) -> TestClient:
    for who, role in ((COMMANDER, "drill-commander"), (OTHER_COMMANDER, "drill-commander"),
                      (VIEWER, "viewer")):
        assert run("user", "add", who, "--role", role, "--password-stdin", db=org_db,
                   input=PASSWORD + "\n").exit_code == 0
    return TestClient(create_app(org_db), follow_redirects=False)


@pytest.fixture
def clock(monkeypatch) -> list[dt.datetime]:
    """The server's clock for timers: the last time put in the list."""
    times = [NINE]
    monkeypatch.setattr(drill_forms, "timer_clock", lambda: times[-1])
    return times


def draft_of(db: str, run_id: str = "R-7"):
    from drills.runs import load_draft

    with Store.open(db) as store:
        return load_draft(store, "L9", run_id)


def drafts_audited(db: str) -> int:
    from readiness.audit import list_records

    with Store.open(db) as store:
        return len(list_records(store, entity="drill_run_drafts", limit=0))


def alert(page: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', page, re.S)
    assert found, page
    return html.unescape(found.group(1))


def press(web: TestClient, csrf: str | None, timer: str, db: str | None = None,
          **extra: str):
    """A timer button pressed on the form as it is now (the draft's version when one is
    saved and `db` is given), with `extra` typed over it."""
    data = {**FORM, "timer": timer, **extra}
    if csrf is not None:
        data["csrf"] = csrf
    if db is not None and "draft_version" not in extra:
        data.update(draft_code="R-7", draft_version=str(draft_of(db).version))
    return web.post("/lines/L9/drills/record", data=data)


def in_chinese(web: TestClient, url: str) -> str:
    web.cookies.set("readiness_lang", "zh")
    try:
        return web.get(url).text
    finally:
        web.cookies.set("readiness_lang", "en")


def minute(page: str, task: str, row: int) -> str:
    found = re.search(rf'name="m__{task}__{row}"[^>]* value="([^"]*)"', page)
    assert found, (task, row)
    return html.unescape(found.group(1))


# --- the pure part ------------------------------------------------------------------------------

# fixed instants, no clock read: (seconds from NINE to the stop, whole minutes it counts)
@pytest.mark.parametrize("apart,minutes", [(0, 1), (1, 1), (60, 1), (61, 2), (370, 7), (-30, 1)])
def test_elapsed_minutes_round_up_and_are_at_least_one(apart, minutes) -> None:
    assert timers.elapsed_minutes(NINE, NINE + dt.timedelta(seconds=apart)) == minutes


def test_stop_fills_only_the_blank_minute_fields_of_its_task() -> None:
    started = timers.start({}, T1, NINE)
    assert started == {T1: timers.Timer(NINE)} and started[T1].running
    fields = {f"m__{T1}__0": "1.5", f"m__{T1}__1": " ", f"m__{T2}__0": ""}
    stopped, filled = timers.stop(started, fields, T1, NINE + dt.timedelta(minutes=4), rows=3)
    assert stopped[T1] == timers.Timer(NINE, NINE + dt.timedelta(minutes=4))
    assert stopped[T1].minutes == 4
    assert filled == {f"m__{T1}__0": "1.5", f"m__{T1}__1": "4", f"m__{T1}__2": "4",
                      f"m__{T2}__0": ""}
    assert fields[f"m__{T1}__1"] == " "  # the given fields are left as they were
    assert timers.timers_of(timers.kept(stopped)) == stopped
    with pytest.raises(InvalidValue) as twice:
        timers.stop(stopped, filled, T1, NINE, rows=3)
    assert twice.value.message("en") == f"task {T1} is not being timed: press Start first"
    with pytest.raises(InvalidValue) as running:
        timers.start(started, T1, NINE)
    assert running.value.message("en") == f"task {T1} is already being timed (since 09:00 UTC)"
    assert timers.start(stopped, T1, NINE)[T1] == timers.Timer(NINE)  # afresh once stopped


# --- on the form --------------------------------------------------------------------------------

def test_start_then_stop_fills_the_blank_minutes_and_the_run_has_them(site, run, org_db,
                                                                      clock) -> None:
    csrf = sign_in(site, COMMANDER)
    form = site.get("/lines/L9/drills/record?scenario=EM-PSD-FAILURE").text
    assert f'<button type="submit" name="timer" value="start:{T1}" formnovalidate>Start' in form
    # Enter in a field submits the run, as before, never a task's timer
    first = re.search(r'<form method="post"[^>]*class="step drill">.*?(<button[^>]*>)', form,
                      re.S).group(1)
    assert 'name="intent" value="submit" hidden' in first

    started = press(site, csrf, f"start:{T1}")
    assert started.status_code == 303
    assert started.headers["location"].endswith(f"/lines/L9/drills/record?draft=R-7#{T1}")
    kept = draft_of(org_db)
    assert kept.content == FORM and kept.timers == {T1: timers.Timer(NINE)}
    page = site.get(started.headers["location"].split("#")[0]).text
    assert f'<fieldset class="task" id="{T1}">' in page
    assert "timing since 09:00 (UTC)" in page
    assert f'value="stop:{T1}"' in page and f'value="start:{T1}"' not in page
    assert f'value="start:{T2}"' in page and f'value="stop:{T2}"' not in page
    assert "计时中，开始于 09:00（UTC）" in in_chinese(site, "/lines/L9/drills/record?draft=R-7")

    clock.append(NINE + dt.timedelta(minutes=6, seconds=10))
    stopped = press(site, csrf, f"stop:{T1}", org_db, notes="门已隔离")
    assert stopped.status_code == 303
    assert stopped.headers["location"].endswith(f"?draft=R-7#{T1}")
    kept = draft_of(org_db)
    assert kept.timers == {T1: timers.Timer(NINE, clock[-1])}
    assert (kept.content[f"m__{T1}__0"], kept.content[f"m__{T1}__1"],
            kept.content[f"m__{T1}__2"]) == ("1.5", "7", "7")  # the typed minute is kept
    assert kept.content["notes"] == "门已隔离"  # everything typed is saved with the press
    page = site.get("/lines/L9/drills/record?draft=R-7").text
    assert "took 7 min (09:00–09:06 UTC)" in page
    assert (minute(page, T1, 0), minute(page, T1, 1), minute(page, T1, 2)) == ("1.5", "7", "7")
    assert minute(page, T2, 0) == ""
    assert f'value="start:{T1}" formnovalidate>Start again' in page
    assert "用时 7 分钟（09:00–09:06 UTC）" in in_chinese(site, "/lines/L9/drills/record?draft=R-7")

    # submitted as the page now holds it: the timers are no part of the run
    done = site.post("/lines/L9/drills/record",
                     data={"csrf": csrf, **kept.content, "timers": "{'x': 1}",
                           "intent": "submit", "draft_code": "R-7",
                           "draft_version": str(kept.version)})
    assert done.status_code == 303 and done.headers["location"].endswith("/drills/runs/R-7")
    shown = json.loads(run("drill", "show", "R-7", "--json", db=org_db).output)
    t1 = next(t for t in shown["tasks"] if t["task"] == T1)
    assert sorted((r["evaluator"], r["minutes"]) for r in t1["ratings"]) == [("刘洋", 7),
                                                                           ("陈静", 1.5)]
    with pytest.raises(NotFound):
        draft_of(org_db)


def test_save_draft_keeps_the_timers_and_a_field_posing_as_them_is_ignored(site, org_db,
                                                                         clock) -> None:
    csrf = sign_in(site, COMMANDER)
    assert press(site, csrf, f"start:{T2}").status_code == 303
    version = draft_of(org_db).version
    saved = site.post("/lines/L9/drills/record",
                      data={"csrf": csrf, **FORM, "timers": "forged", "intent": "draft",
                            "draft_code": "R-7", "draft_version": str(version)})
    assert saved.status_code == 303 and "#" not in saved.headers["location"]
    kept = draft_of(org_db)
    assert kept.timers == {T2: timers.Timer(NINE)} and "timers" not in kept.content
    assert "timing since 09:00" in site.get("/lines/L9/drills/record?draft=R-7").text


def test_stop_without_start_is_refused_in_one_line(site, org_db, clock) -> None:
    csrf = sign_in(site, COMMANDER)
    refused = press(site, csrf, f"stop:{T1}")
    assert refused.status_code == 400
    assert alert(refused.text) == f"task {T1} is not being timed: press Start first"
    assert refused.text.count('role="alert"') == 1 and 'value="刘洋"' in refused.text
    assert drafts_audited(org_db) == 0  # nothing saved
    assert press(site, csrf, f"start:{T1}").status_code == 303
    again = press(site, csrf, f"start:{T1}", org_db)
    assert again.status_code == 400
    assert alert(again.text) == f"task {T1} is already being timed (since 09:00 UTC)"
    assert "timing since 09:00" in again.text  # the draft's timer is shown as it still is
    site.cookies.set("readiness_lang", "zh")
    zh = press(site, csrf, f"stop:{T2}", org_db)
    assert alert(zh.text) == f"任务 {T2} 没有在计时：请先按“开始计时”"


@pytest.mark.parametrize("timer,message", [
    ("start:EM-NOPE", "scenario EM-PSD-FAILURE has no critical task 'EM-NOPE'"),
    (f"pause:{T1}", f"timer: 'pause:{T1}' is not valid; choose from start:TASK, stop:TASK"),
])
def test_a_press_for_no_task_of_the_scenario_is_refused(site, org_db, clock, timer,
                                                        message) -> None:
    csrf = sign_in(site, COMMANDER)
    refused = press(site, csrf, timer)
    assert refused.status_code == 400 and alert(refused.text) == message
    assert drafts_audited(org_db) == 0


def test_start_needs_a_run_id(site, org_db, clock) -> None:
    csrf = sign_in(site, COMMANDER)
    blank = press(site, csrf, f"start:{T1}", run_id=" ")
    assert blank.status_code == 400
    assert alert(blank.text) == "RUN_ID: required, may not be blank"
    assert blank.text.count('role="alert"') == 1
    assert 'value="刘洋"' in blank.text and "站台门故障演练</textarea>" in blank.text
    assert drafts_audited(org_db) == 0


def test_a_press_needs_the_token_and_the_role(site, org_db, clock) -> None:
    sign_in(site, COMMANDER)
    forged = press(site, None, f"start:{T1}")
    assert forged.status_code == 403 and forged.text == "CSRF token missing or wrong"
    viewer_csrf = sign_in(site, VIEWER)
    refused = press(site, viewer_csrf, f"start:{T1}")
    assert refused.status_code == 403 and refused.text == "not allowed"
    assert drafts_audited(org_db) == 0


def test_a_press_on_a_stale_draft_is_refused(site, org_db, clock) -> None:
    csrf = sign_in(site, COMMANDER)
    assert press(site, csrf, f"start:{T1}").status_code == 303
    opened = draft_of(org_db)
    other = TestClient(site.app, follow_redirects=False)
    other_csrf = sign_in(other, OTHER_COMMANDER)
    assert press(other, other_csrf, f"start:{T2}", org_db).status_code == 303
    clock.append(NINE + dt.timedelta(minutes=3))
    stale = press(site, csrf, f"stop:{T1}", draft_version=str(opened.version),
                  draft_code="R-7", notes="旧稿")
    assert stale.status_code == 400
    assert re.fullmatch(rf"R-7 has been changed since you opened it \({OTHER_COMMANDER}, .*\); "
                        r"your change was not saved\. Open it again and change what is there now",
                        alert(stale.text))
    assert "旧稿</textarea>" in stale.text  # what was typed is kept
    now = draft_of(org_db)
    assert now.timers == {T1: timers.Timer(NINE), T2: timers.Timer(NINE)}  # T1 still running
    assert now.content[f"m__{T1}__1"] == "" and now.content["notes"] == FORM["notes"]
    # a new form (no draft opened) may not time over a draft it never saw
    fresh = press(site, csrf, f"stop:{T1}")
    assert fresh.status_code == 400 and "R-7 has been changed" in alert(fresh.text)


# --- the service on both stores -----------------------------------------------------------------

def test_timers_on_sqlite_and_postgresql_leave_the_trail_whole(run, store_url) -> None:
    from conftest import seed_line

    from drills.runs import load_draft, press_timer, record_run, run_outcome, save_draft
    from readiness.audit import verify

    assert run("init", "--line", "L9", "--opening-date", "2026-12-28", "--handover-date",
               "2026-09-01", db=store_url).exit_code == 0
    seed_line(store_url)
    me = Actor("tester")
    with Store.open(store_url) as store:
        first = press_timer(store, "L9", "R-7", dict(FORM), action="start", task=T1, now=NINE,
                            rows=3, actor=me, seen=0)
        second = save_draft(store, "L9", "R-7", {**FORM, "notes": "补记"}, actor=me,
                            seen=first.version)
        assert second.timers == {T1: timers.Timer(NINE)}
        third = press_timer(store, "L9", "R-7", second.content, action="stop", task=T1,
                            now=NINE + dt.timedelta(seconds=90), rows=3, actor=me,
                            seen=second.version)
        assert load_draft(store, "L9", "R-7") == third
        assert third.timers[T1].minutes == 2 and third.content[f"m__{T1}__1"] == "2"
        record_run(store, "L9", "R-7", scenario="EM-PSD-FAILURE", on=dt.date(2026, 10, 1),
                   location="S01", tasks=[f"{T1}=U/{third.content[f'm__{T1}__1']}@刘洋"],
                   actor=me, draft_seen=third.version)
        assert [r.minutes for t in run_outcome(store, "L9", "R-7").tasks for r in t.ratings
                if t.task == T1] == [2]
        assert verify(store).intact


# --- in a real browser: buttons only, no script -------------------------------------------------

@pytest.fixture
def served(site, org_db):
    """The application over the same store, served in this process (so the patched clock is
    the one it reads)."""
    with serving(org_db) as url:
        yield url


def test_a_tablet_times_a_task_and_enter_still_submits_the_run(served, run, org_db,
                                                               clock) -> None:
    from playwright.sync_api import sync_playwright

    from test_web_browser import _chromium

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 768, "height": 1024})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        sign_in_browser(page, served, COMMANDER)
        page.goto(f"{served}/lines/L9/drills/record?scenario=EM-PSD-FAILURE")
        page.fill("#run_id", "R-1")
        page.fill("#on", "2026-10-01")
        page.select_option("#location", "S01")
        page.fill("#units", "CT-KY")
        page.fill("input[name=evaluator_0]", "陈静")
        page.fill("input[name=evaluator_1]", "刘洋")
        page.check(f"input[name='r__{T1}__0'][value=P]")
        page.check(f"input[name='r__{T1}__1'][value=U]")
        page.click(f"button[value='start:{T1}']")
        page.wait_for_url(f"{served}/lines/L9/drills/record?draft=R-1#{T1}")
        assert "timing since 09:00" in page.inner_text(f"#{T1}")
        page.fill(f"input[name='m__{T1}__0']", "1.5")
        clock.append(NINE + dt.timedelta(minutes=2, seconds=1))
        page.click(f"button[value='stop:{T1}']")
        page.wait_for_url(f"{served}/lines/L9/drills/record?draft=R-1#{T1}")
        assert "took 3 min (09:00–09:02 UTC)" in page.inner_text(f"#{T1}")
        assert [page.input_value(f"input[name='m__{T1}__{i}']") for i in range(3)] == [
            "1.5", "3", "3"]
        page.press("#commander", "Enter")  # the form's default button: Submit, not a timer
        page.wait_for_url(f"{served}/lines/L9/drills/runs/R-1")
        browser.close()
    assert errors == []
    shown = json.loads(run("drill", "show", "R-1", "--json", db=org_db).output)
    t1 = next(t for t in shown["tasks"] if t["task"] == T1)
    assert sorted((r["evaluator"], r["minutes"]) for r in t1["ratings"]) == [("刘洋", 3),
                                                                           ("陈静", 1.5)]
