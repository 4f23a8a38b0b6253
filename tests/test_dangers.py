"""Hidden-danger inspection and remediation: inspections (command line and workbook), hidden
dangers from finding to acceptance, and the ledger."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from workbooks import make_workbook

HEAD = ["排查编号 ID", "日期 Date", "类型 Kind", "排查人 Inspector", "位置 Location",
        "危险源编号 Hazard", "管控措施 Control", "结果 Result", "描述 Finding", "隐患等级 Grade",
        "照片或附件 Evidence"]
KEYS = {"id", "grade", "status", "location", "hazard", "control", "pdca", "deadline", "overdue"}
TODAY = dt.date.today()
DAY = (TODAY - dt.timedelta(days=3)).isoformat()


def j(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def db(run, org_db) -> str:
    """L9 with hazard H-0001 at S01 and its two controls."""
    j(run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category", "equipment",
          "--description", "站台门夹人", "--score", "L=3,E=6,C=7", "--residual", "L=1,E=6,C=7",
          "--control", "engineering: 站台门防夹挡板", "--control", "administrative: 司机瞭望确认",
          "--json", db=org_db))
    return org_db


def controls(run, db):
    return [c["id"] for c in j(run("hazard", "show", "H-0001", "--json", db=db))["controls"]]


def record(run, db, code, *results, extra=()):
    return run("inspection", "record", code, "--on", DAY, "--kind", "routine", "--inspector",
               "900031", *extra, *[a for r in results for a in ("--result", r)], "--json", db=db)


def test_each_result_and_which_find_a_hidden_danger(run, db) -> None:
    first, second = controls(run, db)
    done = j(record(run, db, "PC-1", f"H-0001:{first}=ok", f"H-0001:{second}=weakened/general@未瞭望",
                    "H-0001=missing/major@无防护"))
    assert done["created"] == 3 and len(done["dangers"]) == 2
    results = {(r["control_id"], r["result"]): r for r in done["inspection"]["results"]}
    assert results[(first, "ok")]["danger"] is None
    assert results[(second, "weakened")]["danger"] == "YH-0001"
    assert results[(None, "missing")]["danger"] == "YH-0002"
    failed = j(record(run, db, "PC-2", "H-0001:站台门防夹挡板=失效/重大@挡板脱落"))
    assert failed["inspection"]["results"][0]["control_id"] == first  # named by its text
    dangers = j(run("danger", "list", "--json", db=db))
    assert [(d["id"], d["grade"]) for d in dangers] == [
        ("YH-0001", "general"), ("YH-0002", "major"), ("YH-0003", "major")]
    assert all(KEYS <= set(d) for d in dangers)
    assert dangers[0]["location"] == "S01" and dangers[0]["control"] == "司机瞭望确认"


def test_refusals_name_what_to_fix(run, db) -> None:
    no_grade = record(run, db, "PC-1", "H-0001=failed")
    assert no_grade.exit_code == 1
    assert no_grade.output.strip().endswith("give its grade, general or major")
    assert "\n" not in no_grade.output.strip()
    other = record(run, db, "PC-1", "H-0001:不存在的措施=failed/general")
    assert "hazard H-0001 has no control '不存在的措施'" in other.output
    special = record(run, db, "PC-1", "H-0001=ok", extra=("--kind", "special"))
    assert special.output.startswith("Error: --kind: a special inspection needs its reason")
    assert j(run("inspection", "list", "--json", db=db)) == []


def test_record_again_adds_nothing_and_a_changed_result_is_refused(run, db) -> None:
    j(record(run, db, "PC-1", "H-0001=failed/general"))
    again = j(record(run, db, "PC-1", "H-0001=failed/general"))
    assert (again["created"], again["unchanged"], again["dangers"]) == (0, 1, [])
    changed = record(run, db, "PC-1", "H-0001=ok")
    assert changed.exit_code == 1 and "already records" in changed.output
    assert len(j(run("danger", "list", "--json", db=db))) == 1


def inspection_book(path: Path, control: str) -> Path:
    return make_workbook(path, {"隐患排查记录": [
        HEAD,
        ["PC-10", DAY, "日常", "张伟 900031".split()[1], "S01", "H-0001", control, "正常", None,
         None, None],
        ["PC-10", DAY, "日常", "900031", "S01", "H-0001", "司机瞭望确认", "弱化", "未瞭望",
         "一般", "照片1.jpg"],
        ["PC-11", DAY, "专项：汛前", "刘洋", "龙湖公园站", "H-0001", None, "缺失", "无挡水板",
         "重大", None]]})


def test_workbook_import_and_reimport_creates_nothing_new(run, db, tmp_path) -> None:
    head = run("template", "inspection", "-o", str(tmp_path / "t.xlsx"), lang="zh")
    assert head.exit_code == 0, head.output
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "t.xlsx")["隐患排查记录"]
    assert [c.value for c in sheet[1]] == HEAD
    book = inspection_book(tmp_path / "in.xlsx", "站台门防夹挡板")
    first = j(run("import", str(book), "--json", db=db))
    assert (first["kind"], first["created"]) == ("inspection", 3)
    again = j(run("import", str(book), "--json", db=db))
    assert (again["created"], again["unchanged"]) == (0, 3)
    dangers = j(run("danger", "list", "--json", db=db))
    assert [d["grade"] for d in dangers] == ["general", "major"]
    assert j(run("inspection", "show", "PC-11", "--json", db=db))["reason"] == "汛前"


def test_workbook_refuses_all_naming_sheet_row_column(run, db, tmp_path) -> None:
    book = make_workbook(tmp_path / "bad.xlsx", {"隐患排查记录": [
        HEAD,
        ["PC-20", DAY, "日常", "900031", "S01", "H-0001", None, "正常", None, None, None],
        ["PC-20", DAY, "日常", "900031", "S01", "H-0001", "司机瞭望确认", "失效", None, None,
         None],
        ["PC-21", DAY, "日常", "900031", "S01", "H-0002", None, "正常", None, None, None]]})
    result = run("import", str(book), db=db)
    assert result.exit_code == 1
    assert "隐患排查记录!3, 隐患等级 Grade (J): " in result.output
    assert "隐患排查记录!4, 危险源编号 Hazard (F): no hazard 'H-0002'" in result.output
    assert j(run("inspection", "list", "--json", db=db)) == []


def planned(run, db, grade="general"):
    j(record(run, db, "PC-1", f"H-0001=failed/{grade}@挡板脱落"))
    return "YH-0001"


def test_five_fixes_required_for_a_major_one(run, db) -> None:
    code = planned(run, db, "major")
    partial = run("danger", "plan", code, "--measures", "更换挡板", "--responsible", "900030",
                  "--deadline", "2027-01-10", db=db)
    assert partial.exit_code == 1
    assert "still needs --funds --contingency" in partial.output
    done = j(run("danger", "plan", code, "--measures", "更换挡板", "--responsible", "刘洋",
                 "--funds", "2万元", "--deadline", "2027-01-10", "--contingency", "人工盯控",
                 "--json", db=db))
    assert (done["status"], done["pdca"], done["responsible"]) == ("planned", "P-0001", "900030")
    item = j(run("pdca", "show", "P-0001", "--json", db=db))
    assert (item["source"], item["source_ref"], item["class"]) == ("inspection", code, "blocking")


def test_general_one_deadline_default_and_overdue(run, db) -> None:
    code = planned(run, db)
    shown = j(run("danger", "show", code, "--json", db=db))
    assert shown["deadline"] == (dt.date.fromisoformat(DAY) + dt.timedelta(days=7)).isoformat()
    assert shown["overdue"] is False
    later = (TODAY + dt.timedelta(days=30)).isoformat()
    late = j(run("danger", "show", code, "--as-of", later, "--json", db=db))
    assert late["overdue"] is True
    assert [d["id"] for d in j(run("danger", "list", "--overdue", "--as-of", later, "--json",
                                   db=db))] == [code]
    done = j(run("danger", "plan", code, "--measures", "紧固", "--responsible", "900030",
                 "--json", db=db))
    assert done["deadline"] == shown["deadline"]
    assert j(run("pdca", "show", done["pdca"], "--json", db=db))["class"] == "due-dated"


def close_pdca(run, db, item):
    for cmd in (["plan", "--cause", "螺栓松动", "--action", "紧固", "--owner-unit", "TM-KY1-01",
                 "--owner", "900030", "--due", "2027-01-10"],
                ["do", "--done", "已紧固", "--evidence", "记录"],
                ["check", "--verifier", "900020", "--verdict", "effective"],
                ["act", "--standardisation", "写入维护规程"]):
        j(run("pdca", cmd[0], item, *cmd[1:], "--json", db=db))


def test_acceptance_refusals_then_closing(run, db) -> None:
    code = planned(run, db, "major")
    j(run("danger", "plan", code, "--measures", "更换挡板", "--responsible", "900020",
          "--funds", "2万元", "--deadline", "2027-01-10", "--contingency", "人工盯控",
          "--json", db=db))
    early = run("danger", "accept", code, "--by", "900001", db=db)
    assert early.output == (f"Error: {code} cannot be accepted: its PDCA item P-0001 is at PLAN, "
                            "not CLOSED\n")
    close_pdca(run, db, "P-0001")
    assert j(run("danger", "show", code, "--json", db=db))["status"] == "rectified"
    unreported = run("danger", "accept", code, "--by", "900001", db=db)
    assert "not yet reported" in unreported.output and unreported.exit_code == 1
    j(run("danger", "report", code, "--to", "市交通运输局", "--json", db=db))
    responsible = run("danger", "accept", code, "--by", "900020", db=db)
    assert "is responsible for fixing" in responsible.output
    low = run("danger", "accept", code, "--by", "900010", db=db)
    assert low.output == (f"Error: 李明 (900010) is at Centre level; a Major hidden danger is "
                          f"accepted at Company level or above ({code})\n")
    assert j(run("danger", "show", code, "--json", db=db))["status"] == "rectified"
    done = j(run("danger", "accept", code, "--by", "王建国", "--note", "验收合格", "--json",
                 db=db))
    assert (done["status"], done["accepted_by"]) == ("closed", "900001")
    assert j(run("hazard", "show", "H-0001", "--json", db=db))["needs_reevaluation"] is True
    assert j(run("danger", "list", "--json", db=db)) == []
    assert len(j(run("danger", "list", "--all", "--json", db=db))) == 1
    log = j(run("audit", "log", "--json", db=db))
    assert any(r.get("entity") == "hidden_dangers" and r.get("action") == "update" for r in log)


def test_general_one_accepted_at_division_level(run, db) -> None:
    code = planned(run, db)
    j(run("danger", "plan", code, "--measures", "紧固", "--responsible", "900030", "--json",
          db=db))
    close_pdca(run, db, "P-0001")
    team = run("danger", "accept", code, "--by", "900031", db=db)
    assert "is at Team level" in team.output
    assert j(run("danger", "accept", code, "--by", "900020", "--json", db=db))["status"] == "closed"


def test_open_counts_by_location(run, db) -> None:
    from readiness.store.core import Store
    from readiness.store.dangers import open_counts_by_location
    from readiness.store.lines import find_line

    j(record(run, db, "PC-1", "H-0001=failed/general", extra=("--location", "S02")))
    j(record(run, db, "PC-2", "H-0001=failed/major"))
    with Store.open(db) as store, store.read() as session:
        counts = open_counts_by_location(session, find_line(session, None).id)
    assert counts == {"S02": {"general": 1, "major": 0}, "S01": {"general": 0, "major": 1}}


def test_once_the_store_has_accounts_acceptance_needs_the_acceptors_own_account(run, db) -> None:
    """Accepting a hidden danger is a legal act, as a risk acceptance is: --as the acceptor's
    account and its password; another person's account, or a role without risk-accept, is
    refused; the audit records the account."""
    password = "Tunnel-Watch-2026"
    code = planned(run, db)
    j(run("danger", "plan", code, "--measures", "紧固", "--responsible", "900030", "--json",
          db=db))
    close_pdca(run, db, "P-0001")
    for who, role in (("900020", "leadership"), ("900010", "viewer")):
        assert run("user", "add", who, "--role", role, "--password-stdin", db=db,
                   input=password + "\n").exit_code == 0
    bare = run("danger", "accept", code, "--by", "900020", db=db)
    assert bare.exit_code != 0 and "--as" in bare.output
    viewer = run("danger", "accept", code, "--by", "900010", "--as", "900010",
                 "--password-stdin", db=db, input=password + "\n")
    assert viewer.exit_code != 0 and "900010" in viewer.output
    someone_else = run("danger", "accept", code, "--by", "900001", "--as", "900020",
                       "--password-stdin", db=db, input=password + "\n")
    assert someone_else.exit_code != 0 and "900001" in someone_else.output
    assert j(run("danger", "show", code, "--json", db=db))["status"] == "rectified"
    done = j(run("danger", "accept", code, "--as", "900020", "--password-stdin", "--json",
                 db=db, input=password + "\n"))
    assert (done["status"], done["accepted_by"]) == ("closed", "900020")
    closing = [r for r in j(run("audit", "log", "--entity", "hidden_dangers", "--json", db=db))
               if r["action"] == "update" and (r["after"] or {}).get("status") == "closed"]
    assert closing and closing[0]["username"] == "900020"
