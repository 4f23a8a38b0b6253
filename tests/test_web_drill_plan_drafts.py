"""A drill commander's work in the browser beyond recording a run: moving a drill of the saved
plan (the planner's own rules refuse a move in one line, as `readiness drill move` does; a stale
form is refused; audited) and drafts of runs (kept as typed, reopened with every field, listed,
counted nowhere, gone once submitted, kept when a submit is refused, a stale save refused)."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from starlette.testclient import TestClient

from readiness.actor import Actor
from readiness.store.core import Store
from readiness.web.app import create_app
from webclient import PASSWORD, csrf_of, sign_in

COMMANDER, OTHER_COMMANDER, VIEWER = "900010", "900020", "900030"


@pytest.fixture
def site(run, org_db) -> TestClient:
    """L9 (handover 2026-09-01, opening 2026-12-28) with its plan saved from 2026-09-01: one
    drill a day from 09-01 (two on 09-02), EM-PSD-FAILURE on 09-04 at S02; two commanders and a
    viewer."""
    saved = run("drill", "plan", "--from", "2026-09-01", "--save", db=org_db)
    assert saved.exit_code == 0, saved.output
    for who, role in ((COMMANDER, "drill-commander"), (OTHER_COMMANDER, "drill-commander"),
                      (VIEWER, "viewer")):
        added = run("user", "add", who, "--role", role, "--password-stdin", db=org_db,
                    input=PASSWORD + "\n")
        assert added.exit_code == 0, added.output
    return TestClient(create_app(org_db), follow_redirects=False)


def planned(db: str) -> dict[str, object]:
    """The saved plan's drills (not the daily timetable drill) by scenario."""
    from drills.moves import saved_plan
    from drills.plan import TIMETABLE

    with Store.open(db) as store:
        return {p.scenario: p for p in saved_plan(store, "L9").planned
                if p.scenario != TIMETABLE}


def audit(db: str, entity: str) -> list[object]:
    from readiness.audit import list_records

    with Store.open(db) as store:
        return list_records(store, entity=entity, limit=0)


def alert(page: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', page, re.S)
    assert found, page
    return html.unescape(found.group(1))


def move(web: TestClient, csrf: str, drill, to: str, location: str | None = None,
         seen: int | None = None):
    data = {"csrf": csrf, "seen": str(drill.version if seen is None else seen), "to": to}
    if location is not None:
        data["location"] = location
    return web.post(f"/lines/L9/drills/plan/{drill.id}/move", data=data)


# --- moving a planned drill -----------------------------------------------------------------

def test_a_commander_moves_a_drill_and_the_move_is_audited(site, org_db) -> None:
    csrf = sign_in(site, COMMANDER)
    psd = planned(org_db)["EM-PSD-FAILURE"]
    assert (psd.date, psd.location, psd.places) == (dt.date(2026, 9, 4), "S02", ["S01", "S02"])
    page = site.get("/lines/L9/drills/plan")
    assert page.status_code == 200 and "saved drill plan" in page.text
    assert f'action="/lines/L9/drills/plan/{psd.id}/move"' in page.text
    assert f'name="seen" value="{psd.version}"' in page.text
    done = move(site, csrf, psd, "2026-10-05", "S01")
    assert done.status_code == 303
    assert done.headers["location"].endswith(f"/lines/L9/drills/plan?moved={psd.id}#p{psd.id}")
    now = planned(org_db)["EM-PSD-FAILURE"]
    assert (now.id, now.date, now.location) == (psd.id, dt.date(2026, 10, 5), "S01")
    assert now.version > psd.version
    record = audit(org_db, "planned_drills")[0]
    assert (record.action, record.entity_id, record.entity_key, record.username) == (
        "update", psd.id, "EM-PSD-FAILURE", COMMANDER)
    assert record.before["planned_on"] == "2026-09-04"
    assert record.after["planned_on"] == "2026-10-05"
    shown = site.get(done.headers["location"].split("#")[0]).text
    assert "EM-PSD-FAILURE is now planned on 2026-10-05 · S01" in shown
    # the place stays where it is when none is given (the command line's default)
    kept = move(site, csrf, now, "2026-10-06")
    assert kept.status_code == 303
    assert planned(org_db)["EM-PSD-FAILURE"].location == "S01"


REFUSALS = [  # (to, location, the refusal in English)
    ("2026-08-20", None, "cannot move EM-PSD-FAILURE to 2026-08-20: it is before the handover "
                         "date 2026-09-01 (drills start at the three-rights handover)"),
    ("2026-12-28", None, "cannot move EM-PSD-FAILURE to 2026-12-28: drills must be done before "
                         "the planned opening date 2026-12-28"),
    ("2026-10-05", "D01", "cannot move EM-PSD-FAILURE to location D01: the scenario's venue is "
                          "'Station', possible locations: S01, S02"),
    ("2026-09-02", "S02", "cannot move EM-PSD-FAILURE to 2026-09-02: location S02 already hosts "
                          "OP-TICKETING that day (one drill a place a day)"),
    ("2026-09-03", "S02", "cannot move EM-PSD-FAILURE to 2026-09-03: units CT-CW, CT-DD, CT-KY "
                          "already take part in EM-LARGE-FLOW that day (one drill a unit a day)"),
    ("2026-09-04", "S02", "EM-PSD-FAILURE is already planned on 2026-09-04 at that place; "
                          "nothing changed"),
]


@pytest.mark.parametrize("to,location,message", REFUSALS,
                         ids=["before-handover", "opening", "venue", "place", "units", "same"])
def test_a_move_the_planner_would_not_make_is_refused_naming_its_rule(site, run, org_db, to,
                                                                     location, message) -> None:
    csrf = sign_in(site, COMMANDER)
    before = planned(org_db)
    refused = move(site, csrf, before["EM-PSD-FAILURE"], to, location)
    assert refused.status_code == 400
    assert alert(refused.text) == message
    assert refused.text.count('role="alert"') == 1 and "Traceback" not in refused.text
    typed = re.search(r'name="to" value="([^"]+)"', refused.text[refused.text.index(
        f'/drills/plan/{before["EM-PSD-FAILURE"].id}/move'):]).group(1)
    assert typed == to  # what was typed is kept in the drill's own form
    cli = run("drill", "move", "EM-PSD-FAILURE", "--to", to,
              *(["--location", location] if location else []), db=org_db)
    assert (cli.exit_code, cli.output) == (1, f"Error: {message}\n")
    assert planned(org_db) == before  # nothing written


def test_a_day_at_its_cap_is_refused(site, run, org_db) -> None:
    """The line's cap (its setting, as the planner reads it): 09-02 holds two drills."""
    from readiness.store import tables
    from readiness.store.lines import find_line

    with Store.open(org_db) as store, store.write(Actor("seed"), "seed") as session:
        line = find_line(session, "L9")
        session.update_rows(tables.lines, [(line.id, "L9", {"settings": line.settings},
                                            {"settings": {**(line.settings or {}),
                                                          "drill_cap_per_day": 2}})])
    csrf = sign_in(site, COMMANDER)
    message = ("cannot move EM-PSD-FAILURE to 2026-09-02: that day already holds 2 drills, "
               "the cap of 2 a day")
    refused = move(site, csrf, planned(org_db)["EM-PSD-FAILURE"], "2026-09-02", "S01")
    assert refused.status_code == 400 and alert(refused.text) == message
    cli = run("drill", "move", "EM-PSD-FAILURE", "--to", "2026-09-02", "--location", "S01",
              db=org_db)
    assert cli.output == f"Error: {message}\n"


def test_the_refusal_is_in_the_visitors_language(site, org_db) -> None:
    csrf = sign_in(site, COMMANDER)
    site.cookies.set("readiness_lang", "zh")
    refused = move(site, csrf, planned(org_db)["EM-PSD-FAILURE"], "2026-08-20")
    assert alert(refused.text) == ("不能把 EM-PSD-FAILURE 移到 2026-08-20：早于三权移交日期 "
                                   "2026-09-01（演练自三权移交起开展）")


def test_the_command_line_moves_by_scenario_and_refuses_the_timetable_drill(run, org_db,
                                                                           site) -> None:
    moved = run("drill", "move", "EM-PSD-FAILURE", "--to", "2026-10-05", db=org_db)
    assert (moved.exit_code, moved.output) == (
        0, "moved EM-PSD-FAILURE from 2026-09-04 to 2026-10-05 (location S02)\n")
    assert audit(org_db, "planned_drills")[0].username == "tester"
    twice = run("drill", "move", "OP-TIMETABLE", "--to", "2026-11-20", db=org_db)
    assert twice.exit_code == 1 and "write SCENARIO@DATE, e.g. OP-TIMETABLE@2026-11-16" in \
        twice.output
    daily = run("drill", "move", "OP-TIMETABLE@2026-11-16", "--to", "2026-11-10", db=org_db)
    assert daily.output.startswith("Error: cannot move OP-TIMETABLE to 2026-11-10: the "
                                   "timetable drill runs every day of the final weeks")
    missing = run("drill", "move", "EM-NOPE", "--to", "2026-10-05", db=org_db)
    assert missing.output == "Error: no 'EM-NOPE' in the saved drill plan\n"
    bad = run("drill", "move", "EM-PSD-FAILURE", "--to", "soon", db=org_db)
    assert bad.output == "Error: --to: 'soon' is not a date; use YYYY-MM-DD\n"


def test_a_move_without_the_csrf_token_or_by_a_viewer_writes_nothing(site, org_db) -> None:
    before, records = planned(org_db), len(audit(org_db, "planned_drills"))
    psd = before["EM-PSD-FAILURE"]
    csrf = sign_in(site, COMMANDER)
    forged = site.post(f"/lines/L9/drills/plan/{psd.id}/move",
                       data={"seen": str(psd.version), "to": "2026-10-05"})
    assert forged.status_code == 403 and forged.text == "CSRF token missing or wrong"
    viewer_csrf = sign_in(site, VIEWER)
    page = site.get("/lines/L9/drills/plan")
    assert page.status_code == 200 and "/move" not in page.text  # no forms to a viewer
    refused = move(site, viewer_csrf, psd, "2026-10-05")
    assert refused.status_code == 403 and refused.text == "not allowed"
    assert planned(org_db) == before and len(audit(org_db, "planned_drills")) == records
    assert csrf != viewer_csrf


def test_a_move_from_a_stale_page_is_refused(site, run, org_db) -> None:
    csrf = sign_in(site, COMMANDER)
    opened = planned(org_db)["EM-PSD-FAILURE"]
    assert run("drill", "move", "EM-PSD-FAILURE", "--to", "2026-10-05", db=org_db,
               user="someone").exit_code == 0
    stale = move(site, csrf, opened, "2026-10-07", seen=opened.version)
    assert stale.status_code == 400
    # named where it is now, and by whom and how it was moved
    assert re.fullmatch(r"EM-PSD-FAILURE@2026-10-05 has been changed since you opened it "
                        r"\(someone, \d{4}-\d\d-\d\d \d\d:\d\d, drill move EM-PSD-FAILURE "
                        r"--to 2026-10-05\); your change was not saved\. Open it again and "
                        r"change what is there now", alert(stale.text)), alert(stale.text)
    assert planned(org_db)["EM-PSD-FAILURE"].date == dt.date(2026, 10, 5)


def test_without_a_saved_plan_the_page_plans_on_the_spot(run, line_db) -> None:
    from conftest import seed_line

    seed_line(line_db)
    assert run("user", "add", COMMANDER, "--role", "drill-commander", "--password-stdin",
               db=line_db, input=PASSWORD + "\n").exit_code == 0
    web = TestClient(create_app(line_db), follow_redirects=False)
    sign_in(web, COMMANDER)
    page = web.get("/lines/L9/drills/plan")
    assert page.status_code == 200 and "Planned here, never saved" in page.text
    assert "/move" not in page.text


# --- drafts of runs ---------------------------------------------------------------------------

FORM = {"scenario": "EM-PSD-FAILURE", "run_id": "R-7", "on": "2026-10-01", "location": "S01",
        "commander": "李明", "units": "CT-KY", "evaluator_0": "陈静", "evaluator_1": "刘洋",
        "r__EM-PSD-FAILURE-T1__0": "P", "m__EM-PSD-FAILURE-T1__0": "1.5",
        "r__EM-PSD-FAILURE-T1__1": "U", "m__EM-PSD-FAILURE-T1__1": "4",
        "r__EM-PSD-FAILURE-T2__0": "S", "notes": "站台门故障演练 <b>"}


def draft_of(db: str, run_id: str = "R-7"):
    from drills.runs import load_draft

    with Store.open(db) as store:
        return load_draft(store, "L9", run_id)


def save_draft(web: TestClient, csrf: str, **extra: str):
    return web.post("/lines/L9/drills/record",
                    data={"csrf": csrf, **FORM, "intent": "draft", **extra})


def test_a_draft_is_kept_as_typed_reopened_listed_and_counts_nowhere(site, run,
                                                                     org_db) -> None:
    csrf = sign_in(site, COMMANDER)
    saved = save_draft(site, csrf)
    assert saved.status_code == 303
    assert saved.headers["location"].endswith("/lines/L9/drills/record?draft=R-7")
    kept = draft_of(org_db)
    assert kept.content == FORM and kept.saved_by == COMMANDER and kept.version > 0
    page = site.get(saved.headers["location"])
    assert page.status_code == 200
    text = page.text
    for name in ("run_id", "on", "commander", "units", "evaluator_0", "evaluator_1",
                 "m__EM-PSD-FAILURE-T1__0", "m__EM-PSD-FAILURE-T1__1"):
        assert re.search(rf'name="{name}"[^>]* value="{re.escape(html.escape(FORM[name]))}"',
                         text), name
    for name in ("r__EM-PSD-FAILURE-T1__0", "r__EM-PSD-FAILURE-T1__1",
                 "r__EM-PSD-FAILURE-T2__0"):
        assert f'name="{name}" value="{FORM[name]}" checked' in text, name
    assert '<option value="S01" selected>' in text
    assert "站台门故障演练 &lt;b&gt;</textarea>" in text
    assert f'name="draft_code" value="R-7"' in text
    assert f'name="draft_version" value="{kept.version}"' in text
    assert f"Draft of run R-7 · saved by {COMMANDER}" in text
    runs = site.get("/lines/L9/drills/runs").text
    assert 'href="/lines/L9/drills/record?draft=R-7">R-7</a>' in runs
    # counts nowhere: no run, no PDCA item, no coverage
    assert json.loads(run("drill", "runs", "--json", db=org_db).output) == []
    assert json.loads(run("pdca", "list", "--json", db=org_db).output) == []
    coverage = json.loads(run("drill", "coverage", "--json", db=org_db).output)
    assert coverage["summary"]["drilled"] == 0
    record = audit(org_db, "drill_run_drafts")[0]
    assert (record.action, record.entity_key, record.username) == ("create", "R-7", COMMANDER)


def test_a_submitted_draft_becomes_the_run_and_is_gone(site, run, org_db) -> None:
    csrf = sign_in(site, COMMANDER)
    save_draft(site, csrf)
    version = draft_of(org_db).version
    done = site.post("/lines/L9/drills/record",
                     data={"csrf": csrf, **FORM, "intent": "submit", "draft_code": "R-7",
                           "draft_version": str(version)})
    assert done.status_code == 303 and done.headers["location"].endswith("/drills/runs/R-7")
    runs = json.loads(run("drill", "runs", "--json", db=org_db).output)
    assert [r["id"] for r in runs] == ["R-7"] and runs[0]["commander"] == "李明"
    assert any("R-7" in (i.get("source_ref") or "")
               for i in json.loads(run("pdca", "list", "--json", db=org_db).output))
    from readiness.errors import NotFound

    with pytest.raises(NotFound):
        draft_of(org_db)
    deleted = audit(org_db, "drill_run_drafts")[0]
    assert (deleted.action, deleted.entity_key) == ("delete", "R-7")
    assert "No drafts." in site.get("/lines/L9/drills/runs").text
    gone = site.get("/lines/L9/drills/record?draft=R-7")
    assert gone.status_code == 404 and alert(gone.text) == "no draft of run 'R-7'"


def test_a_refused_submit_keeps_the_draft(site, run, org_db) -> None:
    csrf = sign_in(site, COMMANDER)
    save_draft(site, csrf)
    kept = draft_of(org_db)
    refused = site.post("/lines/L9/drills/record",
                        data={"csrf": csrf, **FORM, "location": "S99", "intent": "submit",
                              "draft_code": "R-7", "draft_version": str(kept.version)})
    assert refused.status_code == 400
    cli = run("drill", "record", "R-7", "--scenario", "EM-PSD-FAILURE", "--on", "2026-10-01",
              "--location", "S99", db=org_db)
    assert "Error: " + alert(refused.text) + "\n" == cli.output
    assert f'name="draft_version" value="{kept.version}"' in refused.text  # still the draft's
    assert draft_of(org_db) == kept
    assert json.loads(run("drill", "runs", "--json", db=org_db).output) == []


def test_a_second_save_of_a_stale_draft_is_refused(site, org_db) -> None:
    csrf = sign_in(site, COMMANDER)
    save_draft(site, csrf)
    opened = draft_of(org_db)
    other = TestClient(site.app, follow_redirects=False)
    other_csrf = sign_in(other, OTHER_COMMANDER)
    again = save_draft(other, other_csrf, notes="第二人补记", draft_code="R-7",
                       draft_version=str(opened.version))
    assert again.status_code == 303
    stale = save_draft(site, csrf, notes="第一人的旧稿", draft_code="R-7",
                       draft_version=str(opened.version))
    assert stale.status_code == 400
    assert re.fullmatch(rf"R-7 has been changed since you opened it \({OTHER_COMMANDER}, .*\); "
                        r"your change was not saved\. Open it again and change what is there now",
                        alert(stale.text))
    assert 'value="第一人的旧稿"' not in stale.text and "第一人的旧稿</textarea>" in stale.text
    assert draft_of(org_db).content["notes"] == "第二人补记"
    # a new form (no draft opened) may not overwrite a draft it never saw, nor submit over it
    fresh = save_draft(site, csrf, notes="新表单")
    assert fresh.status_code == 400 and "R-7 has been changed" in alert(fresh.text)
    submit = site.post("/lines/L9/drills/record", data={"csrf": csrf, **FORM})
    assert submit.status_code == 400 and "R-7 has been changed" in alert(submit.text)
    assert draft_of(org_db).content["notes"] == "第二人补记"


def test_a_draft_needs_a_run_id_the_token_and_the_role(site, org_db) -> None:
    csrf = sign_in(site, COMMANDER)
    blank = save_draft(site, csrf, run_id=" ")
    assert blank.status_code == 400 and alert(blank.text) == "RUN_ID: required, may not be blank"
    forged = site.post("/lines/L9/drills/record", data={**FORM, "intent": "draft"})
    assert forged.status_code == 403
    viewer_csrf = sign_in(site, VIEWER)
    assert save_draft(site, viewer_csrf).status_code == 403
    assert site.get("/lines/L9/drills/record?draft=R-7").status_code == 403
    assert audit(org_db, "drill_run_drafts") == []
    assert csrf_of(site.get("/").text) == viewer_csrf


# --- the services on both stores ------------------------------------------------------------

def test_move_and_drafts_on_sqlite_and_postgresql_leave_the_trail_whole(run, store_url) -> None:
    """The library under both faces, on each backend: a move and a draft's life (saved twice,
    submitted) are audited so that `audit verify` replays them; a draft is no run meanwhile."""
    from conftest import seed_line
    from drills.moves import move_planned_drill, saved_plan
    from drills.runs import list_drafts, load_draft, record_run, run_outcomes, save_draft
    from readiness.audit import verify
    from readiness.errors import InvalidValue, NotFound

    assert run("init", "--line", "L9", "--opening-date", "2026-12-28", "--handover-date",
               "2026-09-01", db=store_url).exit_code == 0
    seed_line(store_url)
    assert run("drill", "plan", "--from", "2026-09-01", "--save", db=store_url).exit_code == 0
    me = Actor("tester")
    with Store.open(store_url) as store:
        psd = next(p for p in saved_plan(store, "L9").planned if p.scenario == "EM-PSD-FAILURE")
        moved = move_planned_drill(store, "L9", psd.id, to=dt.date(2026, 10, 5), location="S01",
                                   actor=me, seen=psd.version)
        assert (moved.from_date, moved.date, moved.location) == (dt.date(2026, 9, 4),
                                                                 dt.date(2026, 10, 5), "S01")
        with pytest.raises(InvalidValue) as stale:
            move_planned_drill(store, "L9", psd.id, to=dt.date(2026, 10, 6), actor=me,
                               seen=psd.version)
        assert stale.value.key == "record.changed"
        first = save_draft(store, "L9", "R-7", dict(FORM), actor=me, seen=0)
        second = save_draft(store, "L9", "R-7", {**FORM, "notes": "补记"}, actor=me,
                            seen=first.version)
        assert second.version > first.version
        assert [d.id for d in list_drafts(store, "L9")] == ["R-7"]
        assert run_outcomes(store, "L9") == []
        record_run(store, "L9", "R-7", scenario="EM-PSD-FAILURE", on=dt.date(2026, 10, 1),
                   location="S01", tasks=["EM-PSD-FAILURE-T1=P@陈静"], actor=me,
                   draft_seen=second.version)
        with pytest.raises(NotFound):
            load_draft(store, "L9", "R-7")
        assert [r.id for r in run_outcomes(store, "L9")] == ["R-7"]
        assert verify(store).intact
