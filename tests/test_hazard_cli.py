"""`readiness hazard …`: add, list filters, show with history, evaluate, controls, accept, check."""

from __future__ import annotations

import datetime as dt
import json

import pytest

LIST_KEYS = {"id", "line", "location", "specialty", "method", "score", "level", "residual_score",
             "residual_level", "owner_unit", "owner", "status"}


def add(run, db, *extra: str, **kw):
    args = ["hazard", "add", "--location", kw.get("location", "S01"), "--specialty",
            kw.get("specialty", "psd"), "--category", kw.get("category", "passenger-operation"),
            "--description", kw.get("description", "站台门夹人"), *extra, "--json"]
    result = run(*args, db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_add_assigns_ids_scores_and_lists_with_contract_keys(run, org_db) -> None:
    h = add(run, org_db, "--score", "L=6,E=6,C=15", "--residual", "L=1,E=6,C=15",
            "--control", "工程控制：防夹挡板", "--owner-unit", "CT-KY", "--owner", "李明",
            "--drill", "EM-PSD-FAILURE")
    assert (h["id"], h["score"], h["level"], h["residual_level"], h["owner"]) == (
        "H-0001", 540.0, "major", "general", "900010")
    add(run, org_db, "--id", "PSD-7", "--score", "L=1,E=1,C=1", "--residual", "L=1,E=1,C=1",
        location="D01", specialty="车辆", category="设备运行维修")
    rows = json.loads(run("hazard", "list", "--json", db=org_db).output)
    assert [r["id"] for r in rows] == ["H-0001", "PSD-7"]
    assert LIST_KEYS <= set(rows[0])
    assert rows[0]["level"] == "major" and rows[0]["specialty"] == "psd"


@pytest.mark.parametrize("filters,expected", [
    (["--level", "重大"], ["H-0001"]), (["--level", "low"], ["H-0002"]),
    (["--specialty", "vehicle"], ["H-0002"]), (["--location", "龙湖公园站"], ["H-0001"]),
    (["--owner", "CT-KY"], ["H-0001"]), (["--status", "action-needed"], ["H-0002"]),
    # reviewed today: the major one (every 30 days) is overdue in 60 days, the low one
    # (every 365) is not
    (["--overdue", "--as-of", (dt.date.today() + dt.timedelta(days=60)).isoformat()], ["H-0001"]),
    (["--overdue", "--as-of", (dt.date.today() + dt.timedelta(days=29)).isoformat()], [])])
def test_list_filters(run, org_db, filters, expected) -> None:
    add(run, org_db, "--score", "L=6,E=6,C=15", "--residual", "L=6,E=6,C=15",
        "--owner-unit", "CT-KY", "--owner", "900010")
    add(run, org_db, "--score", "L=1,E=1,C=1", "--residual", "L=1,E=1,C=1",
        "--status", "待整改", location="D01", specialty="vehicle", category="equipment")
    rows = json.loads(run("hazard", "list", *filters, "--json", db=org_db).output)
    assert [r["id"] for r in rows] == expected


def test_evaluate_appends_history_and_voids_acceptance(run, org_db) -> None:
    add(run, org_db, "--score", "L=3,E=6,C=15", "--residual", "L=1,E=6,C=15",
        "--control", "engineering: 挡板", "--owner-unit", "CT-KY", "--owner", "900010")
    accepted = run("hazard", "accept", "H-0001", "--by", "900010", "--until", "2027-12-31",
                   db=org_db)
    assert accepted.output == "residual risk of H-0001 accepted by 李明 (900010, Centre)\n"
    shown = json.loads(run("hazard", "show", "H-0001", "--json", db=org_db).output)
    assert shown["acceptance"]["org_level"] == "centre" and shown["findings"] == []
    result = run("hazard", "evaluate", "H-0001", "--score", "L=3,E=6,C=15", "--residual",
                 "L=0.5,E=6,C=15", "--date", "2026-11-20", "--json", db=org_db)
    h = json.loads(result.output)
    assert [e["residual_score"] for e in h["history"]] == [90.0, 45.0]
    assert h["history"][1]["evaluated_on"] == "2026-11-20" and h["last_review"] == "2026-11-20"
    assert h["acceptance"] is None and h["voided_acceptances"][0]["void_reason"] == "re-evaluated"
    assert [f["code"] for f in h["findings"]] == ["hazard.acceptance-void"]


def test_control_add_and_weak_controls_finding(run, org_db) -> None:
    add(run, org_db, "--score", "L=3,E=6,C=15", "--residual", "L=1,E=6,C=15",
        "--control", "班前安全交底", "--owner-unit", "CT-KY", "--owner", "900010")
    check = json.loads(run("hazard", "check", "--json", db=org_db).output)
    assert {f["code"] for f in check} == {"hazard.weak-controls", "hazard.acceptance-missing"}
    assert all(set(f) == {"code", "subject", "message", "evidence"} for f in check)
    h = json.loads(run("hazard", "control", "add", "H-0001", "--type", "工程控制", "--aspect", "机",
                       "--text", "加装防夹挡板", "--verified", "--json", db=org_db).output)
    assert [(c["type"], c["verified"]) for c in h["controls"]] == [
        ("administrative", False), ("engineering", True)]
    assert [f["code"] for f in h["findings"]] == ["hazard.acceptance-missing"]


def test_accept_requires_the_approval_level(run, org_db) -> None:
    add(run, org_db, "--score", "L=6,E=6,C=15", "--residual", "L=6,E=6,C=15",
        "--control", "engineering: x", "--drill", "EM-PSD-FAILURE", "--owner-unit", "CT-KY",
        "--owner", "900010")
    run("hazard", "accept", "H-0001", "--by", "900020", db=org_db)  # a division head
    codes = [f["code"] for f in json.loads(run("hazard", "check", "--json", db=org_db).output)]
    assert codes == ["hazard.acceptance-level-too-low"]
    run("hazard", "accept", "H-0001", "--by", "900001", db=org_db)  # the company
    assert json.loads(run("hazard", "check", "--json", db=org_db).output) == []
    assert run("hazard", "check", db=org_db).output == "checked 1 hazards: no findings\n"


def test_errors_name_the_option(run, org_db) -> None:
    result = run("hazard", "add", "--location", "S99", "--specialty", "psd", "--category",
                 "environment", "--description", "x", db=org_db)
    assert (result.exit_code, result.output) == (
        1, "Error: --location: line 'L9' has no location 'S99'\n")
    result = run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
                 "environment", "--description", "x", "--score", "L=5,E=6,C=15", db=org_db)
    assert result.output == ("Error: --score: LEC L cannot be 5; allowed: 10, 6, 3, 1, 0.5, 0.2, 0.1\n")
    assert run("hazard", "show", "H-9", db=org_db).output == "Error: no hazard H-9\n"
    result = run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
                 "environment", "--description", "x", "--score", "L6", db=org_db)
    assert result.output == "Error: --score: 'L6' should look like L=6,E=6,C=15\n"


def test_882e_and_matrix_methods(run, org_db) -> None:
    h = add(run, org_db, "--method", "882E", "--score", "S=1,P=C", "--residual", "S=1,P=E")
    assert (h["level"], h["residual_level"], h["factors"]) == ("major", "general",
                                                                {"S": 1, "P": "C"})
    h = add(run, org_db, "--method", "LS", "--score", "L=4,S=4", "--residual", "L=2,S=2",
            description="站台门夹人（矩阵法）")
    assert (h["score"], h["level"], h["residual_level"]) == (16, "significant", "general")


def test_line_chooses_method_and_band_table(run, org_db) -> None:
    assert run("line", "set", "--method", "LS", "--band-table", "B", db=org_db).exit_code == 0
    shown = json.loads(run("line", "show", "--json", db=org_db).output)
    assert (shown["scoring_method"], shown["band_table"]) == ("LS", "B")
    h = add(run, org_db, "--score", "L=3,S=4", "--residual", "L=2,S=4")
    assert (h["method"], h["level"], h["residual_level"]) == ("LS", "general", "low")  # table B
    result = run("line", "set", "--method", "LS", "--band-table", "C", db=org_db)
    assert result.output == "Error: LS has no band table 'C'; choose from A, B\n"
    assert run("line", "set", "--method", "LEC", db=org_db).exit_code == 0
    shown = json.loads(run("line", "show", "--json", db=org_db).output)
    assert (shown["scoring_method"], shown["band_table"]) == ("LEC", None)
    created = json.loads(run("init", "--line", "L2", "--method", "882E", "--json", db=org_db).output)
    assert created["scoring_method"] == "882E"


def test_accept_needs_one_person_of_the_organisation_and_takes_their_level(run, org_db) -> None:
    add(run, org_db, "--score", "L=6,E=6,C=15", "--residual", "L=6,E=6,C=15",
        "--control", "engineering: x", "--drill", "EM-PSD-FAILURE", "--owner-unit", "CT-KY",
        "--owner", "900010")

    def acceptance():
        return json.loads(run("hazard", "show", "H-0001", "--json", db=org_db).output)["acceptance"]

    result = run("hazard", "accept", "H-0001", "--by", "随便写个名字", "--level", "company", db=org_db)
    assert (result.exit_code, result.output) == (
        1, "Error: --by: no person '随便写个名字' in the organisation (give a staff ID or name)\n")
    result = run("hazard", "accept", "H-0001", "--by", "张伟", db=org_db)  # two people
    assert result.output == ("Error: --by: several people are called '张伟' (staff IDs 900031, "
                             "900032); give the staff ID\n")
    # the level is the person's unit's: claiming another is refused, not recorded
    result = run("hazard", "accept", "H-0001", "--by", "陈静", "--level", "company", db=org_db)
    assert result.output == "Error: --level: 陈静 (900020) belongs to a Division unit, not Company\n"
    assert acceptance() is None
    result = run("hazard", "accept", "H-0001", "--by", "王建国", "--level", "公司", db=org_db)
    assert result.output == "residual risk of H-0001 accepted by 王建国 (900001, Company)\n"
    acc = acceptance()
    assert (acc["accepted_by"], acc["accepted_by_name"], acc["org_level"]) == (
        "900001", "王建国", "company")
    assert json.loads(run("hazard", "check", "--json", db=org_db).output) == []
    assert "Accepted: 王建国 900001 (Company)" in run("hazard", "show", "H-0001", db=org_db).output
    path = run("org", "path", "H-0001", db=org_db).output
    assert "✓ Accepted by: 王建国 900001 (Company); needs Company" in path
    run("hazard", "accept", "H-0001", "--by", "陈静", db=org_db)  # a division: too low
    codes = [f["code"] for f in json.loads(run("hazard", "check", "--json", db=org_db).output)]
    assert codes == ["hazard.acceptance-level-too-low"]


def test_add_refuses_a_duplicate_naming_the_hazard(run, org_db) -> None:
    add(run, org_db, "--score", "L=3,E=6,C=15", "--residual", "L=1,E=6,C=15")
    result = run("hazard", "add", "--location", "龙湖公园站", "--specialty", "站台门", "--category",
                 "passenger-operation", "--description", " 站台门夹人 ", db=org_db)
    assert (result.exit_code, result.output) == (
        1, "Error: the line already has hazard H-0001 with the same description, location and "
           "specialty; add --allow-duplicate to add it anyway\n")
    assert [h["id"] for h in json.loads(run("hazard", "list", "--json", db=org_db).output)] == [
        "H-0001"]
    add(run, org_db, specialty="signalling")  # another specialty is another hazard
    h = add(run, org_db, "--allow-duplicate")
    assert h["id"] == "H-0003"


def test_show_prints_the_dated_evaluation_history(run, org_db) -> None:
    add(run, org_db, "--score", "L=3,E=6,C=15", "--residual", "L=1,E=6,C=15")
    run("hazard", "evaluate", "H-0001", "--score", "L=3,E=6,C=15", "--residual", "L=0.5,E=6,C=15",
        "--date", "2026-11-20", "--note", "加装挡板后复评", db=org_db)
    lines = run("hazard", "show", "H-0001", db=org_db).output.splitlines()
    history = lines[lines.index("  Evaluations:") + 1:]
    assert history[0].endswith("LEC  inherent L3 E6 C15 = 270 → Significant  "
                               "residual L1 E6 C15 = 90 → General  by tester")
    assert history[1] == ("    2026-11-20  LEC  inherent L3 E6 C15 = 270 → Significant  "
                          "residual L0.5 E6 C15 = 45 → Low  by tester  加装挡板后复评")
    zh = run("hazard", "show", "H-0001", db=org_db, lang="zh").output
    assert "  评价记录:" in zh and "残余 L0.5 E6 C15 = 45 → 较小  评价人 tester" in zh


def test_audit_log_by_hazard_key_finds_its_evaluations_controls_and_acceptances(run, org_db) -> None:
    add(run, org_db, "--score", "L=3,E=6,C=15", "--residual", "L=1,E=6,C=15",
        "--control", "班前安全交底", "--owner-unit", "CT-KY", "--owner", "900010")
    add(run, org_db, "--score", "L=1,E=1,C=1", "--residual", "L=1,E=1,C=1", location="S02",
        specialty="vehicle", category="equipment")
    run("hazard", "accept", "H-0001", "--by", "900010", db=org_db)
    run("hazard", "evaluate", "H-0001", "--score", "L=3,E=6,C=15", "--residual", "L=0.5,E=6,C=15",
        db=org_db)
    run("hazard", "control", "add", "H-0001", "--type", "engineering", "--text", "防夹挡板",
        db=org_db)
    records = json.loads(run("audit", "log", "--key", "H-0001", "--json", db=org_db).output)
    kinds = sorted({(r["entity"], r["action"]) for r in records})
    assert kinds == [("control_measures", "create"), ("hazard_acceptances", "create"),
                     ("hazard_acceptances", "update"), ("hazard_evaluations", "create"),
                     ("hazards", "create"), ("hazards", "update")]
    assert sum(1 for r in records if r["entity"] == "hazard_evaluations") == 2
    assert sum(1 for r in records if r["entity"] == "control_measures") == 2
    # the other hazard's rows are not H-0001's
    other = json.loads(run("audit", "log", "--key", "H-0002", "--json", db=org_db).output)
    assert {r["entity"] for r in other} == {"hazards", "hazard_evaluations"}
    assert not {r["id"] for r in other} & {r["id"] for r in records}
