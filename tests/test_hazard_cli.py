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
    assert accepted.output == "residual risk of H-0001 accepted by 900010 (Centre)\n"
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
    h = add(run, org_db, "--method", "LS", "--score", "L=4,S=4", "--residual", "L=2,S=2")
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
