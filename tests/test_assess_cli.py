"""`readiness assess`, snapshots, sign-off and the trial-run workbook, end to end."""

from __future__ import annotations

import json
from pathlib import Path

from workbooks import make_workbook
from readiness.actor import Actor

HEAD = ["日期", "按开通运行图", "计划开行列次", "实际开行列次", "正点列次", "运营里程(列公里)",
        "5分钟以上延误次数", "站台门动作次数", "站台门故障"]
KEYS = {"verdict", "profile", "as_of", "areas", "criteria", "blocking", "conditions"}


def j(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def trial_book(tmp_path: Path, n: int = 95, start: str = "2026-08-20") -> Path:
    import datetime as dt

    first = dt.date.fromisoformat(start)
    rows = [HEAD] + [[(first + dt.timedelta(days=k)).isoformat(), "是" if k >= n - 30 else "否",
                      300, 300, 298, 12480.0, 0, 172800, 3] for k in range(n)]
    return make_workbook(tmp_path / "trial.xlsx", {"试运行": rows})


def test_trial_run_import_and_impossible_rows(run, org_db, tmp_path) -> None:
    result = run("import", str(trial_book(tmp_path)), db=org_db)
    assert result.output.endswith("created 95, updated 0, unchanged 0, rejected 0\n"), result.output
    bad = make_workbook(tmp_path / "bad.xlsx", {"试运行": [
        HEAD, ["2026-11-01", "是", 300, 300, 301, 12480, 0, 1000, 0],
        ["2026-11-02", "是", 300, 290, 280, 12000, -1, 1000, 0],
        ["2026-11-01", "否", 300, 300, 300, 12480, 0, 1000, 0],
        ["2026-11-03", "也许", 300, 300, 300, 0, 0, 1000, 0]]})
    result = run("import", str(bad), db=org_db)
    assert result.output.splitlines()[:-1] == [
        "试运行!2, 正点列次 (E): 301 is more than the trains run (300): impossible",
        "试运行!3, 5分钟以上延误次数 (G): cannot be negative (-1)",
        "试运行!4, 日期 (A): ID '2026-11-01' repeats row 2",
        "试运行!5, 按开通运行图 (B): '也许' should be yes or no",
        "试运行!5, 运营里程(列公里) (F): trains ran that day, so the train-km must be above 0"]


def test_assess_json_contract_snapshot_and_verdict(run, org_db, tmp_path) -> None:
    run("import", str(trial_book(tmp_path)), db=org_db)
    data = j(run("assess", "--as-of", "2026-11-23", "--json", db=org_db))
    assert KEYS <= set(data)
    assert data["profile"] == "mot-2023" and data["as_of"] == "2026-11-23"
    criterion = data["criteria"][0]
    assert {"id", "status", "blocking", "evidence", "message"} <= set(criterion)
    statuses = {c["id"]: c["status"] for c in data["criteria"]}
    assert statuses["TR-DURATION"] == "pass" and statuses["TR-CONSECUTIVE"] == "pass"
    assert statuses["TR-PUNCTUALITY"] == "pass"  # 298/300 = 99.33 %
    assert data["verdict"] in ("ready", "ready_with_conditions", "not_ready")
    assert all(c["blocking"] for c in data["criteria"] if c["id"] in
               {b["id"] for b in data["blocking"]})
    strict = run("assess", "--as-of", "2026-11-23", "--strict", db=org_db)
    assert strict.exit_code == (0 if data["verdict"] == "ready" else 3)


def test_snapshot_hash_history_diff_and_stale_signoff(run, org_db, tmp_path) -> None:
    run("import", str(trial_book(tmp_path)), db=org_db)
    first = j(run("assess", "--as-of", "2026-11-23", "--json", db=org_db))
    again = j(run("assess", "--as-of", "2026-11-23", "--json", db=org_db))
    assert first["inputs_hash"] == again["inputs_hash"]  # nothing changed in between
    signed = j(run("signoff", str(again["snapshot"]), "--by", "王建国", "--decision", "reject",
                   "--json", db=org_db))
    assert (signed["decision"], signed["stale"]) == ("reject", False)
    history = j(run("assess", "history", "--json", db=org_db))
    assert [s["id"] for s in history["snapshots"]] == [again["snapshot"], first["snapshot"]]
    assert history["snapshots"][0]["signoffs"][0]["stale"] is False
    # a change to any input: a PDCA item that blocks opening
    run("pdca", "open", "--title", "新发现问题", "--class", "blocking", db=org_db)
    history = j(run("assess", "history", "--json", db=org_db))
    assert history["snapshots"][0]["stale"] is True
    assert history["snapshots"][0]["signoffs"][0]["stale"] is True
    third = j(run("assess", "--as-of", "2026-11-23", "--json", db=org_db))
    assert third["inputs_hash"] != first["inputs_hash"] and third["verdict"] == "not_ready"
    diff = j(run("assess", "history", "--diff", str(first["snapshot"]), str(third["snapshot"]),
                 "--json", db=org_db))["diff"]
    assert {"id": "PD-BLOCKING", "from": "pass", "to": "fail"} in [
        {k: d[k] for k in ("id", "from", "to")} for d in diff]
    late = run("signoff", str(first["snapshot"]), "--by", "李明", "--decision", "reject",
               db=org_db)
    assert "stale" in late.output
    assert run("signoff", "999", "--by", "900001", "--decision", "reject", db=org_db).output == (
        "Error: no assessment snapshot 999\n")


def test_profile_choice_and_a_lines_own_profile(run, org_db, tmp_path) -> None:
    rows = [HEAD] + [[f"2026-11-{d:02d}", "是", 1000, 1000, 984, 40000, 0, 100000, 1]
                     for d in range(1, 23)]
    run("import", str(make_workbook(tmp_path / "t.xlsx", {"试运行": rows})), db=org_db)
    by_profile = {}
    for name in ("mot-2019", "mot-2023"):
        data = j(run("assess", "--profile", name, "--dry-run", "--as-of", "2026-11-23", "--json",
                     db=org_db))
        by_profile[name] = {c["id"]: c["status"] for c in data["criteria"]}
    assert by_profile["mot-2023"]["TR-PUNCTUALITY"] == "fail"  # 98.4 %
    assert by_profile["mot-2019"]["TR-PUNCTUALITY"] == "pass"
    own = tmp_path / "line9.toml"
    own.write_text('id = "line9"\nextends = "mot-2023"\n\n[[criteria]]\nid = "TR-PUNCTUALITY"\n'
                   'area = "trial-run"\nrule = "indicator"\nindicator = "punctuality"\nop = ">="\n'
                   'threshold = 98.0\nblocking = true\n', encoding="utf-8")
    assert run("profile", "add", str(own), db=org_db).exit_code == 0
    assert run("line", "set", "--profile", "line9", db=org_db).exit_code == 0
    data = j(run("assess", "--dry-run", "--as-of", "2026-11-23", "--json", db=org_db))
    assert data["profile"] == "line9"
    assert {c["id"]: c["status"] for c in data["criteria"]}["TR-PUNCTUALITY"] == "pass"
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\n[[criteria]]\nid = "A"\narea = "nowhere"\nrule = "indicator"\n'
                   'blocking = true\n', encoding="utf-8")
    assert run("profile", "add", str(bad), db=org_db).output.startswith(
        "Error: the criteria profile is invalid: x/A")


def test_all_lines_assesses_every_line_with_a_snapshot_each(run, org_db, tmp_path) -> None:
    run("import", str(trial_book(tmp_path)), db=org_db)
    assert run("init", "--line", "L10", "--opening-date", "2027-06-30", db=org_db).exit_code == 0
    one = j(run("assess", "--line", "L9", "--as-of", "2026-11-23", "--dry-run", "--json",
                db=org_db))
    network = j(run("assess", "--all-lines", "--as-of", "2026-11-23", "--json", db=org_db))
    assert [r["line"] for r in network] == ["L10", "L9"]
    l9 = next(r for r in network if r["line"] == "L9")
    # the same verdict and criteria as the line assessed alone: the shared reads change nothing
    assert (l9["verdict"], l9["inputs_hash"]) == (one["verdict"], one["inputs_hash"])
    assert [c["status"] for c in l9["criteria"]] == [c["status"] for c in one["criteria"]]
    new_line = next(r for r in network if r["line"] == "L10")
    assert new_line["verdict"] == "not_ready" and new_line["blocking"]
    for line in ("L9", "L10"):  # one stored snapshot for each line
        history = j(run("assess", "history", "--line", line, "--json", db=org_db))
        assert len(history["snapshots"]) == 1
    text = run("assess", "--all-lines", "--as-of", "2026-11-23", "--dry-run", "--strict",
               db=org_db)
    assert text.exit_code == 3
    assert [line.split()[0] for line in text.output.splitlines()[2:]] == ["L10", "L9"]
    assert "Not ready" in text.output
    both = run("assess", "--all-lines", "--line", "L9", db=org_db)
    assert both.exit_code == 2 and "--all-lines and --line cannot be used together" in both.output


def not_ready_snapshot(run, db: str) -> int:
    run("pdca", "open", "--title", "新发现问题", "--class", "blocking", db=db)
    data = j(run("assess", "--as-of", "2026-11-23", "--json", db=db))
    assert data["verdict"] == "not_ready"
    return int(data["snapshot"])


def test_signoff_names_a_person_and_a_decision(run, org_db) -> None:
    snap = str(not_ready_snapshot(run, org_db))
    missing = run("signoff", snap, "--by", "900001", db=org_db)
    assert missing.exit_code == 2 and "Missing option '--decision'" in missing.output
    assert run("signoff", snap, "--by", "随便", "--decision", "reject", db=org_db).output == (
        "Error: --by: no person '随便' in the organisation (give a staff ID or name)\n")
    assert run("signoff", snap, "--by", "张伟", "--decision", "reject", db=org_db).output == (
        "Error: --by: several people are called '张伟' (staff IDs 900031, 900032); "
        "give the staff ID\n")
    refused = run("signoff", snap, "--by", "王建国", "--decision", "approve", db=org_db)
    assert refused.output == (f"Error: snapshot {snap} is not ready; approving it needs "
                              '--override-reason "…"\n')
    assert j(run("assess", "history", "--json", db=org_db))["snapshots"][0]["signoffs"] == []
    first = j(run("signoff", snap, "--by", "王建国", "--decision", "reject", "--note", "先整改",
                  "--json", db=org_db))
    assert (first["staff_id"], first["role"], first["name"], first["previous"]) == (
        "900001", "总经理", "王建国", None)
    # the same person again: their decision is updated, not a second row
    again = run("signoff", snap, "--by", "900001", "--decision", "approve", "--override-reason",
                "市政府要求按期开通", db=org_db)
    assert again.output == (f"王建国 (900001, 总经理) changed their decision on snapshot {snap} "
                            "from 'Reject' to 'Approve'\n"
                            "  approved over a not-ready verdict: 市政府要求按期开通\n")
    run("signoff", snap, "--by", "陈静", "--decision", "reject", db=org_db)
    signoffs = j(run("assess", "history", "--json", db=org_db))["snapshots"][0]["signoffs"]
    assert [(x["staff_id"], x["role"], x["decision"], x["override_reason"]) for x in signoffs] == [
        ("900001", "总经理", "approve", "市政府要求按期开通"), ("900020", "分部经理", "reject", None)]
    updates = [r for r in j(run("audit", "log", "--entity", "signoffs", "--json", db=org_db))
               if r["action"] == "update"]
    assert len(updates) == 1 and updates[0]["before"]["decision"] == "reject"
    assert updates[0]["after"]["override_reason"] == "市政府要求按期开通"
    text = run("assess", "history", db=org_db, lang="zh").output
    assert (f"  #{snap} 王建国 900001 总经理: 同意" in text
            and "[强制同意，理由：市政府要求按期开通]" in text)
    assert f"  #{snap} 陈静 900020 分部经理: 不同意" in text
    ready = run("signoff", snap, "--by", "陈静", "--decision", "reject", "--override-reason", "x",
                db=org_db)
    assert ready.output.startswith("Error: --override-reason is only for approving a not-ready")


def test_old_signoffs_without_a_staff_id_stay_readable(run, org_db) -> None:
    import datetime as dt

    from readiness.store.core import Store
    from readiness.store.schema import SignOff

    snap = not_ready_snapshot(run, org_db)
    with Store.open(org_db) as store, store.write(Actor("old"), "old signoff") as session:
        session.insert_rows(SignOff, [{"snapshot_id": snap, "staff_id": None, "role": "总经理",
                                       "name": "王建国", "decision": "approve",
                                       "override_reason": None, "note": None,
                                       "at": dt.datetime(2026, 11, 23, 9, 0)}], key_field="role")
    (old,) = j(run("assess", "history", "--json", db=org_db))["snapshots"][0]["signoffs"]
    assert (old["staff_id"], old["name"], old["role"], old["decision"]) == (
        None, "王建国", "总经理", "approve")
    assert f"  #{snap} 王建国 总经理: Approve  2026-11-23T09:00:00" in run(
        "assess", "history", db=org_db).output


def test_history_diff_shows_criteria_verdict_and_inputs_in_either_language(run, org_db,
                                                                           tmp_path) -> None:
    run("import", str(trial_book(tmp_path)), db=org_db)
    first = j(run("assess", "--as-of", "2026-11-23", "--json", db=org_db))["snapshot"]
    second = not_ready_snapshot(run, org_db)
    data = j(run("assess", "history", "--diff", str(first), str(second), "--json", db=org_db))
    changes = data["changes"]
    assert changes["inputs_changed"] and not changes["verdict_changed"]
    assert (changes["from"]["verdict"], changes["to"]["verdict"]) == ("not_ready", "not_ready")
    blocking = next(c for c in changes["criteria"] if c["id"] == "PD-BLOCKING")
    assert (blocking["from"], blocking["to"]) == ("pass", "fail")
    assert blocking["message_to"] == "1 blocking problems are still open"
    en = run("assess", "history", "--diff", str(first), str(second), db=org_db).output
    assert f"snapshot {first} (as of 2026-11-23) → snapshot {second} (as of 2026-11-23)" in en
    assert "  Verdict: Not ready (unchanged)\n" in en and "  Inputs: changed (" in en
    assert ("  PD-BLOCKING: Pass → Fail\n      was: 0 blocking problems are still open\n"
            "      now: 1 blocking problems are still open\n") in en
    zh = run("assess", "history", "--diff", str(first), str(second), db=org_db, lang="zh").output
    assert "  PD-BLOCKING: 通过 → 未通过\n" in zh and "  输入数据: 已变化 (" in zh
    assert "现: 1 个开通前必须整改问题未关闭" in zh  # the snapshot was taken in English
    same = run("assess", "history", "--diff", str(second), str(second), db=org_db).output
    assert "  Inputs: unchanged (" in same and "no criterion changed its status or message" in same
