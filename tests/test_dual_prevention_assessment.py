"""Dual prevention in the readiness case: an open major hidden danger blocks; a general one past
its deadline and a control not inspected as often as its handbook says are conditions; each
criterion with its basis. And the sample line: handbooks, three months of inspections, hidden
dangers closed and open, one major one accepted and closed, a map in all four colours."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest

from hazards.handbook import LateCheck
from readiness.assessment.assess import evaluate
from readiness.assessment.criteria import RULES, Inputs
from readiness.assessment.profiles import load_profile
from test_dangers import db, j  # noqa: F401 - db is a fixture used by name
from test_regulation_shape import every_attested_item_verified, passing_inputs

# `db`: L9 with hazard H-0001 at S01 (residual low: checked every 90 days) and two controls
FOUND = "2026-10-01"  # after the store's handover (2026-09-01), before any run of this test


def criterion(run, db: str, ident: str, as_of: str) -> tuple[dict, dict]:
    """(the criterion, the whole assessment) as of a date."""
    whole = j(run("assess", "--as-of", as_of, "--json", db=db))
    return next(c for c in whole["criteria"] if c["id"] == ident), whole


def record(run, db: str, code: str, on: str, *results: str):
    return j(run("inspection", "record", code, "--on", on, "--kind", "routine", "--inspector",
                 "900031", *[a for r in results for a in ("--result", r)], "--json", db=db))


# --- an open major hidden danger blocks ------------------------------------------------------

def test_an_open_major_hidden_danger_blocks_until_it_is_accepted_and_closed(run, db) -> None:
    record(run, db, "PC-1", FOUND, "H-0001:站台门防夹挡板=failed/major@挡板脱落")
    before, _ = criterion(run, db, "HD-MAJOR-CLOSED", "2026-09-30")
    assert before["status"] == "pass"  # not yet found on the day assessed
    found, whole = criterion(run, db, "HD-MAJOR-CLOSED", "2026-10-02")
    assert (found["status"], found["blocking"], found["evidence"]) == ("fail", True, ["YH-0001"])
    assert "HD-MAJOR-CLOSED" in [b["id"] for b in whole["blocking"]]
    assert whole["verdict"] == "not_ready"
    assert {b["document"] for b in found["basis"]} >= {"交运规〔2024〕10号"}

    j(run("danger", "plan", "YH-0001", "--measures", "更换挡板", "--responsible", "900020",
          "--funds", "2万元", "--deadline", "2026-10-20", "--contingency", "人工盯控",
          "--on", "2026-10-02", "--json", db=db))
    j(run("danger", "report", "YH-0001", "--to", "市交通运输局", "--on", "2026-10-02", "--json",
          db=db))
    for cmd in (["plan", "--cause", "螺栓松动", "--action", "更换", "--owner-unit", "TM-KY1-01",
                 "--owner", "900030", "--due", "2026-10-20"],
                ["do", "--done", "已更换", "--evidence", "记录"],
                ["check", "--verifier", "900020", "--verdict", "effective"],
                ["act", "--standardisation", "写入维护规程"]):
        j(run("pdca", cmd[0], "P-0001", *cmd[1:], "--json", db=db))
    rectified, _ = criterion(run, db, "HD-MAJOR-CLOSED", dt.date.today().isoformat())
    assert rectified["status"] == "fail"  # fixed is not closed: acceptance closes it
    j(run("danger", "accept", "YH-0001", "--by", "900001", "--json", db=db))
    closed, whole = criterion(run, db, "HD-MAJOR-CLOSED", dt.date.today().isoformat())
    assert (closed["status"], closed["message_params"]) == ("pass", {"count": 0, "closed": 1})
    assert "HD-MAJOR-CLOSED" not in [b["id"] for b in whole["blocking"]]


# --- a general one past its deadline is a condition ------------------------------------------

def test_a_general_hidden_danger_past_its_deadline_is_a_condition(run, db) -> None:
    record(run, db, "PC-1", FOUND, "H-0001:司机瞭望确认=weakened/general@未瞭望")
    on_time, _ = criterion(run, db, "HD-GENERAL-ON-TIME", "2026-10-08")  # deadline 10-08
    assert on_time["status"] == "pass"
    late, whole = criterion(run, db, "HD-GENERAL-ON-TIME", "2026-10-09")
    assert (late["status"], late["blocking"], late["evidence"]) == ("fail", False, ["YH-0001"])
    assert late["conditions"] == [{"subject": "YH-0001", "owner_unit": None, "owner": None,
                                   "due": "2026-10-08"}]
    assert "HD-GENERAL-ON-TIME" in [c["id"] for c in whole["conditions"]]
    assert "HD-GENERAL-ON-TIME" not in [b["id"] for b in whole["blocking"]]
    j(run("danger", "plan", "YH-0001", "--measures", "培训", "--responsible", "900030",
          "--on", "2026-10-02", "--json", db=db))
    planned, _ = criterion(run, db, "HD-GENERAL-ON-TIME", "2026-10-09")
    assert planned["conditions"][0]["owner"] == "900030"  # the responsible person answers


# --- the handbook's frequency ----------------------------------------------------------------

def test_a_control_not_inspected_as_often_as_its_handbook_says_is_a_condition(run, db) -> None:
    # low residual risk: every 90 days, counted from the handover (2026-09-01) until checked
    record(run, db, "PC-1", FOUND, "H-0001:站台门防夹挡板=ok")
    kept, _ = criterion(run, db, "HD-INSPECTIONS", "2026-11-30")
    assert kept["status"] == "pass"
    late, whole = criterion(run, db, "HD-INSPECTIONS", "2026-12-01")
    assert (late["status"], late["blocking"]) == ("fail", False)
    assert late["conditions"] == [{"subject": "H-0001 / 司机瞭望确认", "owner_unit": None,
                                   "owner": None, "due": "2026-11-30"}]
    assert late["message_params"] == {"count": 1, "since": "2026-09-01"}
    assert "HD-INSPECTIONS" in [c["id"] for c in whole["conditions"]]
    before, _ = criterion(run, db, "HD-INSPECTIONS", "2026-08-31")
    assert before["status"] == "not-applicable"  # nothing was due before the handover


def test_a_control_with_its_own_frequency_is_held_to_it(run, db) -> None:
    j(run("hazard", "control", "add", "H-0001", "--type", "engineering", "--text",
          "激光探测装置", "--every", "7", "--json", db=db))
    checked = {c["description"]: c["id"] for c in
               j(run("hazard", "show", "H-0001", "--json", db=db))["controls"]}
    record(run, db, "PC-1", FOUND, *[f"H-0001:{i}=ok" for i in checked.values()])
    weekly, _ = criterion(run, db, "HD-INSPECTIONS", "2026-10-09")
    assert [c["subject"] for c in weekly["conditions"]] == ["H-0001 / 激光探测装置"]
    assert weekly["conditions"][0]["due"] == "2026-10-08"


# --- the rules, pure --------------------------------------------------------------------------

def test_the_rules_each_way() -> None:
    profile = load_profile("mot-2023")
    base = passing_inputs(every_attested_item_verified(profile)).__dict__
    major = {"id": "YH-1", "grade": "major", "status": "rectified", "deadline": None,
             "overdue": False, "responsible": "900030"}
    general = {"id": "YH-2", "grade": "general", "status": "planned",
               "deadline": dt.date(2026, 11, 1), "overdue": True, "responsible": "900030"}
    assert evaluate(Inputs(**base), profile, "en")["verdict"] == "ready"
    blocked = evaluate(Inputs(**{**base, "dangers": [major]}), profile, "en")
    assert blocked["verdict"] == "not_ready"
    closed = evaluate(Inputs(**{**base, "dangers": [{**major, "status": "closed"}]}), profile,
                      "en")
    assert closed["verdict"] == "ready"
    late = evaluate(Inputs(**{**base, "dangers": [general]}), profile, "en")
    assert late["verdict"] == "ready_with_conditions"
    assert RULES["general-dangers-on-time"](Inputs(**{**base, "dangers": [
        {**general, "overdue": False}]}), {})["status"] == "pass"
    hazards = [{**base["hazards"][0], "controls": [{"id": 1, "description": "x"}]}]
    due = [LateCheck(dt.date(2026, 11, 2), "H-1", 1, "x", "HQ", "900030")]
    started = {**base, "hazards": hazards, "inspection_start": dt.date(2026, 11, 1)}
    assert RULES["handbook-inspections"](Inputs(**started), {})["status"] == "pass"
    assert evaluate(Inputs(**{**started, "inspections_due": due}), profile,
                    "en")["verdict"] == "ready_with_conditions"
    assert RULES["handbook-inspections"](Inputs(**base), {})["status"] == "not-applicable"
    # one condition per owner unit, however many of its controls are late
    more = due + [LateCheck(dt.date(2026, 11, 5), "H-1", 2, "y", "HQ", "900031"),
                  LateCheck(dt.date(2026, 11, 6), "H-2", 3, "z", "TM-KY1-01", None)]
    grouped = RULES["handbook-inspections"](Inputs(**{**started, "inspections_due": more}), {})
    assert grouped["evidence"] == ["H-1 / x", "H-1 / y", "H-2 / z"]
    assert grouped["conditions"] == [
        {"subject": "H-1 / x (+1)", "owner_unit": "HQ", "owner": "900030", "due": "2026-11-02"},
        {"subject": "H-2 / z", "owner_unit": "TM-KY1-01", "owner": None, "due": "2026-11-06"}]


def test_every_profile_has_the_three_criteria_with_a_basis() -> None:
    for name in ("mot-2023", "mot-2023-fao", "mot-2019"):
        criteria = {c["id"]: c for c in load_profile(name)["criteria"]}
        for ident, blocking in (("HD-MAJOR-CLOSED", True), ("HD-GENERAL-ON-TIME", False),
                                ("HD-INSPECTIONS", False)):
            assert criteria[ident]["blocking"] is blocking, (name, ident)
            assert criteria[ident]["basis"], (name, ident)


# --- the sample line --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from click.testing import CliRunner

    import cli

    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli.cli, ["--lang", "en", "demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_the_sample_line_inspects_for_three_months_and_closes_a_major_one(demo: Path) -> None:
    from readiness.demo import DEMO_AS_OF, sample_line

    conn = sqlite3.connect(demo / "demo.db")
    days = [dt.date.fromisoformat(d) for (d,) in conn.execute(
        "select distinct inspected_on from inspections order by 1")]
    start = sample_line()["line"]["trial_run_start"]
    assert days[0] == start and days[-1] >= DEMO_AS_OF - dt.timedelta(days=1)
    assert (days[-1] - days[0]).days >= 90
    results = dict(conn.execute("select result, count(*) from inspection_results group by 1"))
    assert set(results) == {"ok", "weakened", "failed", "missing"}
    assert results["ok"] > 20 * sum(v for k, v in results.items() if k != "ok")  # mostly ok
    kinds = {k for (k,) in conn.execute("select distinct kind from inspections")}
    assert kinds == {"routine", "periodic", "special"}
    dangers = conn.execute("select grade, status, accepted_by from hidden_dangers").fetchall()
    general = [s for g, s, _ in dangers if g == "general"]
    assert "closed" in general and {"open", "planned"} & set(general)
    (major,) = [(s, by) for g, s, by in dangers if g == "major"]
    assert major[0] == "closed"
    unit = conn.execute("select level from org_units u join people p on p.unit_code = u.code "
                        "where p.staff_id = ?", (major[1],)).fetchone()
    assert unit == ("company",)


def test_the_sample_line_passes_the_frequency_and_shows_four_colours(demo: Path, run) -> None:
    from readiness.demo import DEMO_AS_OF

    db = str(demo / "demo.db")
    whole = j(run("assess", "--as-of", DEMO_AS_OF.isoformat(), "--json", db=db))
    by_id = {c["id"]: c for c in whole["criteria"]}
    assert by_id["HD-INSPECTIONS"]["status"] == "pass"
    assert by_id["HD-MAJOR-CLOSED"]["status"] == "pass"
    assert by_id["HD-GENERAL-ON-TIME"]["status"] == "fail"  # the realistic few past deadline
    svg = demo / "map.svg"
    assert run("riskmap", "-o", str(svg), db=db).exit_code == 0
    levels = set(re.findall(r'class="place [^"]*" data-code="[^"]*" data-level="(\w+)"',
                            svg.read_text("utf-8")))
    assert {"major", "significant", "general", "low"} <= levels, levels
    book = demo / "handbook.xlsx"
    written = run("inspection", "handbook", "-o", str(book), db=db)
    assert written.exit_code == 0 and book.stat().st_size > 0, written.output
