"""The readiness case in the specification's shape: criteria by chapter with their basis, the
attested requirements (an unverified one does not pass), the FAO window run in fully automatic
mode, the superseded 2019 edition said so in one line, and no invented due dates."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from readiness.actor import Actor
from readiness.assessment.assess import evaluate, gather
from readiness.assessment.criteria import RULES, Inputs
from readiness.assessment.profiles import load_profile, parse_profile
from readiness.errors import InvalidValue
from readiness.findings import Finding
from readiness.i18n import t

ME = Actor("tester")
AS_OF = dt.date(2026, 11, 23)
CHAPTERS = ["preconditions", "system-function", "linkage", "operational-readiness"]
NOTICE_ZH = ("注意：mot-2019 依据已废止的交办运〔2019〕17号，已由交办运〔2023〕56号代替；"
             "仅用于按该版开始评估的线路")
NOTICE_EN = ("note: mot-2019 rests on 交办运〔2019〕17号, superseded by 交办运〔2023〕56号; "
             "use it only for a line whose assessment began under that edition")


# --- inputs on which every computed criterion passes -----------------------------------------

def trial_days(fao_mode: bool | None = None) -> list[dict]:
    """Three months and more of records, the last 25 days to the opening timetable, every
    indicator met (no failures, no delays)."""
    first = dt.date(2026, 8, 1)
    days = []
    for k in range((AS_OF - first).days):
        day = first + dt.timedelta(days=k)
        days.append({"day": day, "opening_timetable": day >= AS_OF - dt.timedelta(days=25),
                     "fao_mode": fao_mode, "trains_planned": 300, "trains_run": 300,
                     "trains_on_time": 300, "train_km": 12000.0, "delays_5min": 0,
                     "withdrawals": 0, "vehicle_failures": 0, "signalling_failures": 0,
                     "power_failures": 0, "psd_operations": 100_000, "psd_failures": 0,
                     "gap_detector_faults": 0, "fao_dropouts": 0, "wakeups_planned": 50,
                     "wakeups_ok": 50, "sleeps_planned": 50, "sleeps_ok": 50})
    return days


def attested_item(code: str, area: str, chapter: str, blocking: bool = True,
                  status: str = "verified", due: str | None = None) -> dict:
    return {"id": code, "code": code, "chapter": chapter, "area": area, "blocking": blocking,
            "status": status, "dropped": False, "phase": "pre-opening-assessment",
            "owner_unit": "HQ", "owner": "900030", "due": due, "basis": []}


def every_attested_item_verified(profile: dict) -> list[dict]:
    return [attested_item(f"AT-{n:02d}", c["area"], c["chapter"])
            for n, c in enumerate(profile["criteria"]) if c["rule"] == "attested"]


def passing_inputs(checklist: list[dict], fao_mode: bool | None = None) -> Inputs:
    hazards = [{"id": "H-1", "level": "major", "status": "controlled", "owner_unit": "HQ",
                "owner": "900030"}]
    scenario = {"id": "EM-01", "must_do": True, "passed": True, "latest_run": "R-1",
                "category": "emergency", "tier": "special"}
    coverage = {"scenarios": [scenario], "categories": {"emergency": {"scenarios": 1, "drilled": 1}},
                "tiers": {"special": {"scenarios": 1, "drilled": 1}}}
    return Inputs(line={"planned_opening": dt.date(2026, 12, 28)}, as_of=AS_OF,
                  days=trial_days(fao_mode), hazards=hazards, hazard_findings=[],
                  coverage=coverage, pdca=[], org_findings=[], checklist=checklist,
                  phase_changes=[])


def test_one_unverified_blocking_attested_item_makes_the_line_not_ready() -> None:
    profile = load_profile("mot-2023")
    items = every_attested_item_verified(profile)
    assert evaluate(passing_inputs(items), profile, "en")["verdict"] == "ready"
    signalling = next(x for x in items if x["area"] == "signalling")
    for status in ("open", "done"):  # done without a verifier does not pass
        signalling["status"] = status
        result = evaluate(passing_inputs(items), profile, "en")
        assert result["verdict"] == "not_ready", status
        assert [b["id"] for b in result["blocking"]] == ["SF-SIGNALLING"]
        assert result["blocking"][0]["evidence"] == [signalling["id"]]
    signalling["status"] = "verified"
    assert evaluate(passing_inputs(items), profile, "en")["verdict"] == "ready"


def test_an_open_conditional_item_is_a_condition_with_its_own_due_date() -> None:
    profile = load_profile("mot-2023")
    items = every_attested_item_verified(profile)
    signage = next(x for x in items if x["area"] == "passenger-service")
    signage.update(blocking=False, status="done", due="2027-01-31")
    result = evaluate(passing_inputs(items), profile, "en")
    assert result["verdict"] == "ready_with_conditions"
    (condition,) = result["conditions"]
    assert condition["id"] == "OR-PASSENGER-SERVICE"
    assert condition["conditions"] == [{"subject": signage["id"], "owner_unit": "HQ",
                                        "owner": "900030", "due": "2027-01-31"}]
    signage["due"] = None  # the owner set none: none is invented
    (condition,) = evaluate(passing_inputs(items), profile, "en")["conditions"]
    assert condition["conditions"][0]["due"] is None
    # a blocking item in the same area still blocks, whatever the criterion's own flag
    signage.update(blocking=True)
    result = evaluate(passing_inputs(items), profile, "en")
    assert [b["id"] for b in result["blocking"]] == ["OR-PASSENGER-SERVICE"]


def test_an_area_without_items_is_not_applicable_and_points_ignore_attested_items() -> None:
    c = {"id": "SF-DEPOT", "area": "depot", "rule": "attested", "blocking": True}
    assert RULES["attested"](passing_inputs([]), c)["status"] == "not-applicable"
    attested = attested_item("AT-X", "depot", "system-function", status="open")
    point = {**attested_item("CL-X", "depot", "system-function", status="verified"),
             "chapter": None, "area": None}
    inputs = passing_inputs([attested, point])
    assert RULES["checklist-blocking"](inputs, {})["status"] == "pass"
    assert RULES["checklist-open"](inputs, {})["status"] == "pass"
    assert RULES["attested"](inputs, c)["evidence"] == ["AT-X"]


def test_an_fao_line_whose_window_was_not_in_fao_mode_fails() -> None:
    profile = load_profile("mot-2023-fao")
    criterion = next(c for c in profile["criteria"] if c["id"] == "TR-FAO-MODE")
    assert (criterion["chapter"], criterion["blocking"]) == ("preconditions", True)
    items = every_attested_item_verified(profile)
    assert evaluate(passing_inputs(items, fao_mode=True), profile, "en")["verdict"] == "ready"
    for mode in (False, None):  # a day not recorded as FAO mode is not shown to be
        result = evaluate(passing_inputs(items, fao_mode=mode), profile, "en")
        assert [b["id"] for b in result["blocking"]] == ["TR-FAO-MODE"]
        assert len(result["blocking"][0]["evidence"]) == 25
    days = trial_days(fao_mode=True)
    days[-3]["fao_mode"] = None
    outcome = RULES["fao-window"](Inputs(**{**passing_inputs([]).__dict__, "days": days,
                                           "cache": {}}), criterion)
    assert outcome["status"] == "fail" and outcome["evidence"] == [str(days[-3]["day"])]
    assert "LK-FAO" in {c["id"] for c in profile["criteria"]}
    assert "LK-FAO" not in {c["id"] for c in load_profile("mot-2023")["criteria"]}


def test_the_hazard_review_condition_invents_no_due_date() -> None:
    hazards = [{"id": "H-1", "level": "general", "status": "controlled", "owner_unit": "U",
                "owner": "1"},
               {"id": "H-2", "level": "general", "status": "controlled", "owner_unit": "U",
                "owner": "1"}]
    findings = [Finding("hazard.review-overdue", "H-1", {"due": "2026-10-20", "days": 34}),
                Finding("hazard.review-overdue", "H-2")]
    inputs = Inputs(line={}, as_of=AS_OF, days=[], hazards=hazards, hazard_findings=findings,
                    coverage={"scenarios": []}, pdca=[], org_findings=[], checklist=[],
                    phase_changes=[])
    conditions = RULES["hazard-reviews"](inputs, {})["conditions"]
    assert [(x["subject"], x["due"]) for x in conditions] == [("H-1", "2026-10-20"), ("H-2", None)]


# --- profiles: basis, chapter, the order of the spec ------------------------------------------

def test_criteria_are_ordered_by_chapter_with_basis_chapter_and_area() -> None:
    profile = load_profile("mot-2023")
    result = evaluate(passing_inputs(every_attested_item_verified(profile)), profile, "zh")
    chapters = [c["chapter"] for c in result["criteria"]]
    assert chapters == sorted(chapters, key=CHAPTERS.index)
    assert list(dict.fromkeys(chapters)) == CHAPTERS
    first = next(c for c in result["criteria"] if c["id"] == "TR-DURATION")
    assert first["basis"] == [{
        "document": "交办运〔2023〕56号", "title": "城市轨道交通初期运营前安全评估规范",
        "title_en": "Specification for the Safety Assessment of Urban Rail Transit before "
                    "Initial Operation", "article": "第三条", "kind": "regulation",
        "verified": True}]
    assert first["clause"] == "交办运〔2023〕56号《城市轨道交通初期运营前安全评估规范》第三条"
    assert (first["chapter"], first["area"]) == ("preconditions", "trial-run")
    overrides = next(c for c in result["criteria"] if c["id"] == "PH-OVERRIDES")
    assert overrides["basis"][0]["kind"] == "toolkit-control"


@pytest.mark.parametrize("text,reason", [
    ('id = "x"\n[[criteria]]\nid = "A"\narea = "depot"\nrule = "attested"\nblocking = true\n'
     'chapter = "nowhere"\n', "x/A: unknown chapter nowhere"),
    ('id = "x"\n[[criteria]]\nid = "A"\narea = "depot"\nrule = "attested"\nblocking = true\n'
     'basis = [{ source = "NO-SUCH-DOC" }]\n', "x/A: basis cites an unknown document NO-SUCH-DOC"),
    ('id = "x"\n[[criteria]]\nid = "A"\narea = "depot"\nrule = "attested"\nblocking = true\n'
     'basis = []\n', "x/A: basis must be"),
])
def test_a_bad_basis_or_chapter_is_refused_naming_the_criterion(text: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_profile(text)
    assert caught.value.key == "profile.invalid"
    assert caught.value.params["reason"].startswith(reason)


def test_an_old_profile_with_a_clause_reads_as_operator_policy() -> None:
    own = ('id = "line9"\nextends = "mot-2023"\n\n[[criteria]]\nid = "TR-PUNCTUALITY"\n'
           'area = "trial-run"\nrule = "indicator"\nindicator = "punctuality"\nop = ">="\n'
           'threshold = 98.0\nblocking = true\nclause = "本线路 2025 年管理规定"\n'
           '\n[[criteria]]\nid = "X-OWN"\narea = "hazards"\nrule = "hazards-scored"\n'
           'blocking = false\n')
    profile = load_profile("line9", {"line9": own})
    by_id = {c["id"]: c for c in profile["criteria"]}
    assert by_id["TR-PUNCTUALITY"]["basis"] == [{"source": "OPERATOR-POLICY",
                                                 "article": "本线路 2025 年管理规定",
                                                 "kind": "operator-policy", "verified": False}]
    assert by_id["TR-PUNCTUALITY"]["chapter"] == "preconditions"
    assert by_id["X-OWN"]["chapter"] == "operational-readiness"
    assert by_id["X-OWN"]["basis"][0]["source"] == "OPERATOR-POLICY"
    assert by_id["TR-DURATION"]["basis"][0]["source"] == "MOT-2023-56"  # the parent's stays


# --- through the store and the command line ---------------------------------------------------

def test_an_attested_item_verified_through_the_checklist_passes(org_db) -> None:
    from readiness.checklist import set_item, verify_item
    from readiness.store.core import Store
    from readiness.store.lines import find_line

    criterion = next(c for c in load_profile("mot-2023")["criteria"] if c["id"] == "SF-SIGNALLING")

    def outcome(store):
        with store.read() as session:
            inputs, _ = gather(session, find_line(session, None), AS_OF)
        return RULES["attested"](inputs, criterion)

    with Store.open(org_db) as store:
        first = outcome(store)
        assert first["status"] == "fail" and first["blocking"]
        code = first["evidence"][0]
        set_item(store, None, code, owner="900030", status="done", evidence_ref="信号系统功能核验报告",
                 actor=ME)
        assert outcome(store)["status"] == "fail"  # done is not verified
        verify_item(store, None, code, "900020", actor=ME, today=AS_OF)
        assert outcome(store)["status"] == "pass"


def test_assess_json_gives_basis_chapter_area_and_the_chapters(run, org_db) -> None:
    result = run("assess", "--as-of", "2026-11-23", "--dry-run", "--json", db=org_db)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["superseded"] is False and data["superseded_by"] is None
    assert list(data["chapters"]) == CHAPTERS
    for c in data["criteria"]:
        assert {"basis", "chapter", "area", "clause"} <= set(c)
        assert c["basis"] and {"document", "title", "article", "kind", "verified"} <= set(c["basis"][0])
    chapters = [c["chapter"] for c in data["criteria"]]
    assert chapters == sorted(chapters, key=CHAPTERS.index)


def test_the_table_groups_by_chapter(run, org_db) -> None:
    result = run("assess", "--as-of", "2026-11-23", "--dry-run", db=org_db)
    heads = [line for line in result.output.splitlines() if line and not line.startswith(" ")]
    names = ["Preconditions", "System function verification", "System linkage tests",
             "Operational readiness"]
    assert [h.split("  ")[0] for h in heads[:4]] == names
    assert "mot-2019" not in result.output


def test_the_superseded_edition_says_so_in_one_line(run, tmp_path: Path) -> None:
    db = str(tmp_path / "old.db")
    made = run("init", "--line", "L9", "--profile", "mot-2019", db=db, lang="zh")
    assert made.output.splitlines()[1:] == [NOTICE_ZH]
    assert t("profile.superseded", "en", profile="mot-2019", document="交办运〔2019〕17号",
             replacement="交办运〔2023〕56号") == NOTICE_EN
    assert run("line", "set", "--profile", "mot-2023", db=db).output.count("note:") == 0
    changed = run("line", "set", "--profile", "mot-2019", db=db)
    assert changed.output.splitlines()[1:] == [NOTICE_EN]
    table = run("assess", "--as-of", "2026-11-23", "--dry-run", db=db)
    assert table.output.splitlines()[0] == NOTICE_EN
    assert table.output.count(NOTICE_EN) == 1
    data = json.loads(run("assess", "--as-of", "2026-11-23", "--dry-run", "--json", db=db).output)
    assert (data["superseded"], data["superseded_by"]) == (True, "mot-2023")
    plain = run("init", "--line", "L10", db=str(tmp_path / "new.db"))
    assert "note:" not in plain.output


def test_the_reports_say_the_edition_is_superseded_and_show_the_basis(run, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from readiness.report import write_report
    from readiness.store.core import Store

    db = str(tmp_path / "old.db")
    run("init", "--line", "L9", "--profile", "mot-2019", db=db)
    with Store.open(db) as store:
        html = write_report(store, None, tmp_path / "r.html", actor=ME, lang="zh").read_text("utf-8")
        xlsx = write_report(store, None, tmp_path / "r.xlsx", actor=ME, lang="en")
    assert html.count(NOTICE_ZH) == 1
    assert "交办运〔2019〕17号《城市轨道交通初期运营前安全评估技术规范" in html
    assert "依据类别" in html and "运营单位管理要求" in html and "本工具审计控制" in html
    assert html.index("1　前提条件") < html.index("2　系统功能核验") < html.index("4　运营准备")
    rows = [[c.value for c in row] for row in load_workbook(xlsx)["Summary"].iter_rows()]
    assert [NOTICE_EN] == [r[1] for r in rows if r[0] == "注意 Note"]
    months = next(r for r in rows if r[0] == "TR-DURATION")
    assert months[3].startswith("交办运〔2019〕17号 Technical Specification")
    assert any(r[0] == "Operator policy" and r[2] for r in rows)  # the legend


def test_the_trial_template_takes_fao_mode(run, line_db, tmp_path: Path) -> None:
    from workbooks import make_workbook

    from readiness.store.core import Store
    from readiness.store.lines import find_line
    from readiness.store.trial import load_days

    head = ["日期", "按开通运行图", "计划开行列次", "实际开行列次", "正点列次", "运营里程(列公里)",
            "全自动运行模式"]
    book = make_workbook(tmp_path / "trial.xlsx", {"试运行": [
        head, ["2026-11-01", "是", 300, 300, 300, 12000, "是"],
        ["2026-11-02", "是", 300, 300, 300, 12000, "否"],
        ["2026-11-03", "是", 300, 300, 300, 12000, None]]})
    result = run("import", str(book), db=line_db)
    assert result.exit_code == 0, result.output
    with Store.open(line_db) as store, store.read() as session:
        days = load_days(session, find_line(session, None).id)
    assert [d["fao_mode"] for d in days] == [True, False, None]
