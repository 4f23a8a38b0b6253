"""Opening safety points: catalogue, status rules, evidence hash, phase advance, workbook."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

from readiness import vocab
from readiness.checklist import PHASES, default_catalogue, next_code, status_errors
from workbooks import make_workbook

TOPICS = {"integration-tests", "three-rights-handover", "rules-issued", "safety-staff",
          "safety-funding", "responsibility-letters", "three-level-education",
          "hazard-identification", "special-emergency-plans", "emergency-equipment",
          "flood-control-report", "station-guarding", "cctv-coverage", "joint-security",
          "pre-opening-inspection"}


def j(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_catalogue_covers_every_phase_aspect_and_topic() -> None:
    items = default_catalogue()
    assert len({i["id"] for i in items}) == len(items)
    phases, aspects = Counter(i["phase"] for i in items), Counter(i["aspect"] for i in items)
    assert set(phases) == set(vocab.codes("phase")) and min(phases.values()) >= 3
    assert set(aspects) == set(vocab.codes("checklist_aspect")) and min(aspects.values()) >= 3
    assert {i["topic"] for i in items if i.get("topic")} == TOPICS
    assert all(i["text_zh"] and i["text_en"] and i["basis"] for i in items)


def base(**kw):
    return {"code": "CL-1", "status": "open", "owner": "5", **kw}


def test_status_rules() -> None:
    assert status_errors(base()) == []
    assert [e[1] for e in status_errors(base(status="not-applicable"))] == ["checklist.na_needs_reason"]
    assert status_errors(base(status="not-applicable", na_reason="本线无高架段")) == []
    assert [e[1] for e in status_errors(base(status="done"))] == ["checklist.needs_evidence"]
    assert status_errors(base(status="done", evidence_file="a.pdf")) == []
    verified = base(status="verified", evidence_ref="X", verifier="5", verified_on="2026-11-01")
    assert [e[1] for e in status_errors(verified)] == ["checklist.verifier_is_owner"]
    assert status_errors({**verified, "verifier": "6"}) == []
    assert [e[1] for e in status_errors({**verified, "verifier": None})] == [
        "checklist.needs_verifier"]


def test_set_verify_and_evidence_hash(run, org_db, tmp_path) -> None:
    evidence = tmp_path / "三权移交书.pdf"
    evidence.write_bytes(b"%PDF-1.4 transfer of the three rights\n")
    item = j(run("checklist", "set", "CL-HO-01", "--owner", "900030", "--status", "done",
                 "--evidence-file", str(evidence), "--json", db=org_db))
    assert item["evidence_file"] == "三权移交书.pdf"
    assert item["evidence_sha256"] == hashlib.sha256(evidence.read_bytes()).hexdigest()
    refused = run("checklist", "verify", "CL-HO-01", "--verifier", "900030", db=org_db)
    assert refused.output == ("Error: CL-HO-01 cannot be verified by its owner 900030; the "
                              "verifier must be someone else\n")
    item = j(run("checklist", "verify", "CL-HO-01", "--verifier", "900020", "--on", "2026-08-12",
                 "--json", db=org_db))
    assert (item["status"], item["verifier"], item["verified_on"]) == ("verified", "900020",
                                                                       "2026-08-12")
    na = run("checklist", "set", "CL-HO-02", "--status", "不适用", db=org_db)
    assert "not applicable only with a reason" in na.output and na.exit_code == 1
    assert j(run("checklist", "set", "CL-HO-02", "--status", "不适用", "--reason", "无", "--json",
                 db=org_db))["status"] == "not-applicable"
    missing = run("checklist", "set", "CL-HO-03", "--evidence-file", str(tmp_path / "nope.pdf"),
                  db=org_db)
    assert missing.output == f"Error: no evidence file {tmp_path / 'nope.pdf'}\n"


def test_list_json_contract_add_and_drop(run, org_db) -> None:
    items = j(run("checklist", "list", "--json", db=org_db))
    assert {"id", "phase", "aspect", "text", "blocking", "status", "owner_unit", "owner"} <= set(
        items[0])
    added = j(run("checklist", "add", "--phase", "opening", "--aspect", "运营中的安全", "--text",
                  "开通首周增派站务人员", "--not-blocking", "--json", db=org_db))
    assert (added["id"], added["blocking"]) == ("CL-X-01", False)
    assert run("checklist", "drop", "CL-X-01", "--reason", "", db=org_db).exit_code == 1
    assert run("checklist", "drop", "CL-X-01", "--reason", "与 CL-OP-09 重复", db=org_db).exit_code == 0
    ids = [i["id"] for i in j(run("checklist", "list", "--json", db=org_db))]
    assert "CL-X-01" not in ids and len(ids) == len(items)
    dropped = j(run("checklist", "show", "CL-X-01", "--json", db=org_db))
    assert dropped["dropped"] and dropped["drop_reason"] == "与 CL-OP-09 重复"


def test_phase_advance_refused_then_verified_then_overridden(run, org_db, tmp_path) -> None:
    status = j(run("phase", "--json", db=org_db))
    assert status["phase"] == "site-follow-up" and len(status["blocking_open"]) == 8
    refused = run("phase", "advance", db=org_db)
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: 8 blocking item(s) of Site follow-up are not "
                                     "verified: CL-SF-01")
    for item in status["blocking_open"]:
        run("checklist", "set", item["id"], "--owner", "900030", "--status", "done",
            "--evidence", "文件", db=org_db)
        run("checklist", "verify", item["id"], "--verifier", "900020", db=org_db)
    moved = j(run("phase", "advance", "--json", db=org_db))
    assert moved["phase"] == "acceptance" and moved["overrides"] == []
    assert run("phase", "advance", "--override", db=org_db).output == (
        "Error: an override needs a reason (--reason)\n")
    forced = j(run("phase", "advance", "--override", "--reason", "工期调整", "--json", db=org_db))
    assert forced["phase"] == "handover"
    (override,) = forced["overrides"]
    assert (override["from_phase"], override["to_phase"], override["username"]) == (
        "acceptance", "handover", "tester")
    assert override["reason"].startswith("工期调整 [CL-AC-01")
    audit = j(run("audit", "log", "--entity", "lines", "--json", db=org_db))
    assert audit[0]["after"] == {"phase": "handover"} and "override" in audit[0]["command"]


def test_checklist_workbook(run, org_db, tmp_path) -> None:
    head = ["编号", "阶段", "方面", "内容", "责任单位", "责任人", "计划完成日期", "状态", "证据", "验证人",
            "验证日期", "说明"]
    book = make_workbook(tmp_path / "cl.xlsx", {"安全要点": [
        head,
        ["CL-HO-01", None, None, None, "CT-KY", "900010", "2026-08-10", "已验证", "移交书",
         "900020", "2026-08-11", None],
        ["CL-LOCAL-1", "开通运营", "运营中的安全", "开通首日领导带班", None, None, None, None, None, None,
         None, None]]})
    result = run("import", str(book), db=org_db)
    assert result.output.endswith("created 1, updated 1, unchanged 0, rejected 0\n"), result.output
    bad = make_workbook(tmp_path / "bad.xlsx", {"安全要点": [
        head,
        ["CL-HO-02", None, None, None, None, "900010", None, "已验证", "记录", "900010",
         "2026-08-11", None],
        ["CL-HO-03", None, None, None, None, None, None, "不适用", None, None, None, None],
        ["CL-NEW", None, None, None, None, None, None, None, None, None, None, None]]})
    result = run("import", str(bad), db=org_db)
    assert result.output.splitlines()[:-1] == [
        "安全要点!2, 验证人 (J): CL-HO-02 cannot be verified by its owner 900010; the verifier "
        "must be someone else",
        "安全要点!3, 状态 (H): CL-HO-03 can be not applicable only with a reason (--reason, or "
        "the note in the workbook)",
        "安全要点!4, 阶段 (B): the new checklist item CL-NEW needs this",
        "安全要点!4, 方面 (C): the new checklist item CL-NEW needs this",
        "安全要点!4, 内容 (D): the new checklist item CL-NEW needs this"]


def test_the_checklist_owns_its_order_and_numbering() -> None:
    """Phase order and the numbering of added points are the checklist's rules, not the
    store's: the store is given the order, the checklist numbers the points a line adds."""
    assert PHASES == ("site-follow-up", "acceptance", "handover", "commissioning",
                      "pre-opening-assessment", "opening")
    assert next_code([]) == "CL-X-01"
    assert next_code(["CL-SF-01", "CL-X-01", "CL-X-09", "CL-X-note"]) == "CL-X-10"
    assert next_code(["CL-X-99"]) == "CL-X-100"
