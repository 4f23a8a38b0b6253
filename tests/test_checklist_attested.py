"""Attested items: the requirements of the pre-opening assessment spec the toolkit cannot compute,
kept as checklist items with the spec's chapter and area, a basis in the sources file, and the
same rules as the opening safety points (evidence, a verifier other than the owner, a date)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
from pathlib import Path

import pytest

from readiness import checklist, sources, vocab
from readiness.actor import Actor
from readiness.checklist import default_catalogue, list_items, set_item, verify_item
from readiness.errors import InvalidValue
from readiness.store.core import Store
from workbooks import make_workbook

ME = Actor("tester")
TODAY = dt.date(2026, 12, 3)
SYSTEMS = {"civil-track", "rolling-stock", "signalling", "power-supply", "communications",
           "platform-doors", "fas-bas", "afc", "lifts-escalators", "depot", "control-centre"}
AREAS = {"preconditions": {"trial-report", "acceptance", "outstanding-works", "flood-control",
                           "extension-line"},
         "system-function": SYSTEMS,
         "linkage": {"fire-linkage", "signalling-psd", "fao-linkage"},
         "operational-readiness": {"staffing", "driver-practice", "rules-procedures",
                                   "emergency-plans", "passenger-service", "protection-zone"}}
FORBIDDEN = re.compile(r"DOMAIN|原文A|原文B|source text|issue \d", re.IGNORECASE)


def j(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def attested() -> list[dict]:
    return [i for i in default_catalogue() if i.get("chapter")]


# --- the catalogue ------------------------------------------------------------------------------

def test_every_item_has_a_basis_in_the_sources_file() -> None:
    items = default_catalogue()
    assert len({i["id"] for i in items}) == len(items)
    docs = sources.documents()
    for item in items:
        assert item["basis"], item["id"]
        assert all(ref["source"] in docs and ref["kind"] in sources.KINDS for ref in item["basis"])
        assert "source_zh" not in item
    shown = sources.basis(items[0]["basis"])[0]
    assert set(shown) == {"document", "title", "title_en", "article", "kind", "verified"}


def test_attested_items_sit_in_a_chapter_and_an_area_of_the_spec() -> None:
    items = attested()
    assert all(i["id"].startswith("AT-") for i in items)
    assert all(not i.get("chapter") and not i.get("area") for i in default_catalogue()
               if i["id"].startswith("CL-"))  # the 57 safety points stay where they were
    assert len([i for i in default_catalogue() if i["id"].startswith("CL-")]) == 57
    for item in items:
        assert item["chapter"] in vocab.codes("assessment_chapter"), item["id"]
        assert item["area"] in vocab.codes("assessment_area"), item["id"]
        assert item["area"] in AREAS[item["chapter"]], item["id"]
        assert isinstance(item["blocking"], bool) and item["owner_kind"] and item["evidence"]
        assert any(ref["source"] == "MOT-2023-56" for ref in item["basis"]), item["id"]
    covered = {(i["chapter"], i["area"]) for i in items}
    assert covered == {(c, a) for c, areas in AREAS.items() for a in areas}
    system_items = [i["area"] for i in items if i["chapter"] == "system-function"]
    assert sorted(system_items) == sorted(SYSTEMS)  # one item per system
    acceptances = " ".join(i["text_zh"] for i in items if i["area"] == "acceptance")
    for each in ("竣工验收", "消防", "环境保护", "人防", "档案", "安全设施"):
        assert each in acceptances
    assert len([i for i in items if i["area"] == "acceptance"]) >= 6  # each one its own item
    (fao,) = [i for i in items if i.get("fao_only")]
    assert fao["area"] == "fao-linkage"
    (works,) = [i for i in items if i["area"] == "outstanding-works"]
    assert works["blocking"] is False and "每一项" in works["text_zh"]
    (flood,) = [i for i in items if i["area"] == "flood-control"]
    assert [(r["source"], r["verified"]) for r in flood["basis"]] == [
        ("MOT-2023-56", False), ("JYG-2023-3", False)]


def test_the_catalogue_cites_no_development_document() -> None:
    text = (Path(checklist.__file__).parents[1] / "data" / "checklist.toml").read_text("utf-8")
    assert FORBIDDEN.findall(text) == []
    assert "source_zh" not in text


def test_a_basis_naming_an_unknown_document_is_refused_at_load(monkeypatch) -> None:
    good = default_catalogue()[0]
    fake = {"item": [{**good, "basis": [{"source": "NO-SUCH-DOC"}]}]}

    class Toml:
        @staticmethod
        def loads(_text: str) -> dict:
            return json.loads(json.dumps(fake))

    monkeypatch.setattr(checklist, "tomllib", Toml)
    checklist.default_catalogue.cache_clear()
    try:
        with pytest.raises(sources.SourceDataError) as caught:
            checklist.default_catalogue()
        assert caught.value.params["where"] == f"checklist.toml {good['id']}"
        fake["item"] = [{**good, "basis": [{"source": "PRACTICE"}], "chapter": "linkage"}]
        checklist.default_catalogue.cache_clear()
        with pytest.raises(InvalidValue):  # a chapter without an area
            checklist.default_catalogue()
    finally:
        checklist.default_catalogue.cache_clear()
        monkeypatch.undo()
        checklist.default_catalogue()


def test_the_city_transport_authority_organises_the_assessment() -> None:
    """The authority organises the assessment and engages the third-party assessor, and reports
    the result to the city government; no item has the operator engage the assessor."""
    items = {i["id"]: i for i in default_catalogue()}
    assert "第三方评估机构由主管部门委托" in items["CL-PA-01"]["text_zh"]
    assert "城市轨道交通运营主管部门组织" in items["CL-PA-01"]["text_zh"]
    assert "organised by the city transport authority (which engages the third-party assessor)" \
        in items["CL-PA-01"]["text_en"]
    assert "主管部门将评估结果报城市人民政府" in items["CL-PA-05"]["text_zh"]
    assert "which reports the assessment result to the city government" in items["CL-PA-05"][
        "text_en"]
    for item in items.values():
        assert not re.search(r"(运营单位|公司)?委托[^，。]*第三方", item["text_zh"].replace(
            "第三方评估机构由主管部门委托", "")), item["id"]
        assert "assessor is engaged" not in item["text_en"]


# --- seeding ------------------------------------------------------------------------------------

def rows(db: str, sql: str, *args) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        out = conn.execute(sql, args).fetchall()
        conn.commit()
        return out
    finally:
        conn.close()


def test_a_new_line_gets_the_attested_items_with_chapter_area_and_basis(run, line_db) -> None:
    items = j(run("checklist", "list", "--json", db=line_db))
    ids = [i["id"] for i in items]
    expected = [i["id"] for i in attested() if not i.get("fao_only")]
    assert [i for i in ids if i.startswith("AT-")] == expected  # chapter by chapter, after the points
    assert ids.index(expected[0]) == len(ids) - len(expected)
    first = next(i for i in items if i["id"] == "AT-PC-01")
    assert (first["chapter"], first["area"]) == ("preconditions", "trial-report")
    assert first["basis"][0]["document"] == "交办运〔2023〕56号"
    point = next(i for i in items if i["id"] == "CL-HO-06")
    assert (point["chapter"], point["area"]) == (None, None)
    assert point["basis"] == [{"document": "《中华人民共和国安全生产法》（2021年修正）",
                               "title": "中华人民共和国安全生产法",
                               "title_en": "Work Safety Law of the People's Republic of China "
                                           "(2021 amendment)",
                               "article": "第二十二条", "kind": "regulation", "verified": True}]
    assert not any(FORBIDDEN.search(i["source"] or "") for i in items)
    assert "AT-LK-03" not in ids  # FAO linkage: not on a conventional line
    assert run("init", "--line", "F1", "--profile", "mot-2023-fao", db=line_db).exit_code == 0
    fao = j(run("checklist", "list", "--line", "F1", "--chapter", "linkage", "--json",
                db=line_db))
    assert [i["id"] for i in fao] == ["AT-LK-01", "AT-LK-02", "AT-LK-03"]


def test_seed_adds_the_new_catalogue_items_to_an_older_store(run, line_db) -> None:
    run("checklist", "set", "CL-HO-01", "--owner", "900030", db=line_db)
    rows(line_db, "DELETE FROM checklist_items WHERE code LIKE 'AT-%'")  # a store made before
    rows(line_db, "UPDATE checklist_items SET basis = NULL, chapter = NULL, area = NULL")
    result = run("checklist", "seed", db=line_db)
    count = len([i for i in attested() if not i.get("fao_only")])
    assert result.exit_code == 0 and result.output.startswith(
        f"added {count} catalogue item(s) to L9 (the line's existing items and changes are left "
        "as they are)\nadded: AT-PC-01, ")
    assert j(run("checklist", "show", "CL-HO-01", "--json", db=line_db))["owner"] == "900030"
    again = j(run("checklist", "seed", "--json", db=line_db))
    assert again == {"line": "L9", "added": []}
    audit = j(run("audit", "log", "--entity", "checklist_items", "--json", db=line_db))
    assert {a["command"] for a in audit[:count]} == {"checklist seed"}
    zh = run("checklist", "seed", db=line_db, lang="zh").output
    assert zh.startswith("已为 L9 从目录添加 0 项")


def test_a_row_without_a_basis_reads_the_catalogue_s(run, line_db) -> None:
    run("checklist", "add", "--phase", "opening", "--aspect", "运营中的安全", "--text", "开通首周增派站务人员",
        db=line_db)
    rows(line_db, "UPDATE checklist_items SET basis = NULL, source = '旧版自由文字出处'")
    shown = j(run("checklist", "show", "CL-HO-06", "--json", db=line_db))
    assert [(b["document"], b["article"]) for b in shown["basis"]] == [
        ("《中华人民共和国安全生产法》（2021年修正）", "第二十二条")]
    assert "旧版" not in shown["source"] and "第二十二条" in shown["source"]
    own = j(run("checklist", "show", "CL-X-01", "--json", db=line_db))
    assert [(b["document"], b["kind"]) for b in own["basis"]] == [("运营单位管理要求",
                                                                  "operator-policy")]
    with Store.open(line_db) as store, store.read() as session:
        from readiness.store import checklist as checklist_store
        from readiness.store.lines import find_line

        line_id = find_line(session, None).id
        raw = {i["id"]: i for i in checklist_store.load_items(
            session, line_id, phase_order=checklist.PHASES,
            default_basis=checklist.catalogue_basis(), own_basis=checklist.OWN_BASIS)}
        assert raw["AT-PC-09"]["basis"][1]["source"] == "JYG-2023-3"
        assert raw["CL-X-01"]["basis"][0]["source"] == "OPERATOR-POLICY"
        assert {"chapter", "area", "basis"} <= set(raw["AT-PC-09"])


# --- listing ------------------------------------------------------------------------------------

def test_list_by_chapter(run, line_db) -> None:
    linkage = j(run("checklist", "list", "--chapter", "系统联动测试", "--json", db=line_db))
    assert [i["id"] for i in linkage] == ["AT-LK-01", "AT-LK-02"]
    shown = run("checklist", "list", "--chapter", "system-function", db=line_db).output
    assert shown.startswith("\nAttested requirements · System function verification\n")
    assert "AT-SF-11" in shown and "CL-" not in shown
    full = run("checklist", "list", db=line_db).output
    headings = [line for line in full.splitlines() if line.startswith("Attested requirements")]
    assert headings == ["Attested requirements · Preconditions",
                        "Attested requirements · System function verification",
                        "Attested requirements · System linkage tests",
                        "Attested requirements · Operational readiness"]
    refused = run("checklist", "list", "--chapter", "bogus", db=line_db)
    assert refused.exit_code == 1 and refused.output.startswith(
        "Error: --chapter: 'bogus' is not valid; choose from Preconditions")
    with Store.open(line_db) as store:
        with pytest.raises(InvalidValue) as caught:
            list_items(store, None, chapter="bogus")
        assert caught.value.params["option"] == "--chapter"


# --- the rules of an attested item ----------------------------------------------------------------

def test_an_attested_item_is_verified_only_with_evidence_by_someone_else(
        run, org_db, tmp_path) -> None:
    with Store.open(org_db) as store:
        def refused(call) -> str:
            with pytest.raises(InvalidValue) as caught:
                call()
            return caught.value.key

        assert refused(lambda: verify_item(store, None, "AT-PC-03", "900020", actor=ME,
                                           today=TODAY)) == "checklist.needs_evidence"
        assert refused(lambda: set_item(store, None, "AT-PC-03", status="done",
                                        actor=ME)) == "checklist.needs_evidence"
        assert refused(lambda: set_item(store, None, "AT-PC-10", status="not-applicable",
                                        actor=ME)) == "checklist.na_needs_reason"
        evidence = tmp_path / "消防验收意见书.pdf"
        evidence.write_bytes(b"%PDF-1.4 fire acceptance\n")
        set_item(store, None, "AT-PC-03", status="done", evidence_path=str(evidence), actor=ME)
        assert refused(lambda: verify_item(store, None, "AT-PC-03", "900020", actor=ME,
                                           today=TODAY)) == "checklist.needs_owner"
        set_item(store, None, "AT-PC-03", owner="900030", owner_unit="HQ", actor=ME)
        assert refused(lambda: verify_item(store, None, "AT-PC-03", "900030", actor=ME,
                                           today=TODAY)) == "checklist.verifier_is_owner"
        item = verify_item(store, None, "AT-PC-03", "900020", dt.date(2026, 11, 30), actor=ME,
                           today=TODAY)
        assert (item.status, item.verifier, item.verified_on) == (
            "verified", "900020", dt.date(2026, 11, 30))
        assert item.evidence_sha256 == hashlib.sha256(evidence.read_bytes()).hexdigest()
        assert (item.chapter, item.area) == ("preconditions", "acceptance")
        na = set_item(store, None, "AT-PC-10", status="不适用", na_reason="非延伸线", actor=ME)
        assert na.status == "not-applicable"
    shown = run("checklist", "show", "AT-PC-03", db=org_db).output
    assert "  Preconditions · Completion and special acceptances\n" in shown
    assert "消防验收意见书.pdf sha256:" in shown and "Basis: 交办运〔2023〕56号" in shown
    run("checklist", "set", "AT-PC-04", "--status", "done", "--evidence", "环保验收意见", db=org_db)
    no_owner = run("checklist", "verify", "AT-PC-04", "--verifier", "900020", db=org_db)
    assert no_owner.output == ("Error: AT-PC-04 is an attested requirement: give it an owner "
                               "(--owner) before it is verified\n")


def test_the_workbook_covers_chapter_and_area(run, org_db, tmp_path) -> None:
    head = ["编号", "阶段", "方面", "内容", "责任单位", "责任人", "计划完成日期", "状态", "证据", "验证人",
            "验证日期", "说明", "评估章节", "评估方面"]
    book = make_workbook(tmp_path / "cl.xlsx", {"安全要点": [
        head,
        ["AT-PC-02", None, None, None, "HQ", "900030", None, "已完成", "竣工验收报告", None, None,
         None, "前提条件", "竣工验收与专项验收"],
        ["AT-X-01", "开通前安全评估", "开通前安全评估的质量", "本线路跨江隧道专项检测报告", None, None, None,
         None, None, None, None, None, "system-function", "civil-track"]]})
    result = run("import", str(book), db=org_db)
    assert result.output.endswith("created 1, updated 1, unchanged 0, rejected 0\n"), result.output
    own = j(run("checklist", "show", "AT-X-01", "--json", db=org_db))
    assert (own["chapter"], own["area"], own["basis"][0]["kind"]) == (
        "system-function", "civil-track", "operator-policy")
    bad = make_workbook(tmp_path / "bad.xlsx", {"安全要点": [
        head,
        ["AT-PC-03", None, None, None, None, None, None, None, None, None, None, None,
         "linkage", "fire-linkage"],
        ["AT-X-02", "开通运营", "运营中的安全", "开通首日客流组织", None, None, None, None, None, None,
         None, None, "运营准备", None]]})
    result = run("import", str(bad), db=org_db)
    assert result.output.splitlines()[:-1] == [
        "安全要点!2, 评估章节 (M): AT-PC-03 is a catalogue item: its chapter and area cannot be "
        "changed in the workbook; leave the two columns empty or as they are",
        "安全要点!3, 评估方面 (N): AT-X-02 needs both a chapter and an area (or neither)"]



def test_a_sheet_with_a_chapter_but_no_area_column_is_refused_on_its_cells(run, org_db,
                                                                           tmp_path) -> None:
    """Found by the importer fuzz: only ID and chapter columns used to stop on an internal error."""
    book = make_workbook(tmp_path / "two.xlsx", {"安全要点": [
        ["编号 ID", "评估章节 Chapter"], ["AT-X-09", "preconditions"]]})
    result = run("import", str(book), db=org_db)
    assert result.exit_code == 1 and "internal error" not in result.output
    assert result.output.splitlines()[:-1] == [
        f"安全要点!2, 编号 ID (A): the new checklist item AT-X-09 needs '{h}', but the sheet has "
        "no such column" for h in ("阶段 Phase", "方面 Aspect", "内容 Item")] + [
        "安全要点!2, 评估章节 Chapter (B): AT-X-09 needs both a chapter and an area (or neither)"]

# --- the sample line ------------------------------------------------------------------------------

def test_the_sample_line_attests_with_evidence_files(run, tmp_path) -> None:
    out = tmp_path / "demo"
    assert run("demo", "--out", str(out)).exit_code == 0
    db = str(out / "demo.db")
    items = j(run("checklist", "list", "--json", db=db))
    mine = [i for i in items if i["chapter"]]
    assert len(mine) == len([i for i in attested() if not i.get("fao_only")])
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in (out / "evidence").iterdir()}
    verified = [i for i in mine if i["status"] == "verified"]
    assert len(verified) == len(files) == len(mine) - 2
    for item in verified:
        assert files[item["evidence_file"]] == item["evidence_sha256"]
        assert item["verifier"] and item["verifier"] != item["owner"] and item["verified_on"]
    still_open = [i for i in mine if i["status"] not in ("verified", "not-applicable")]
    assert [(i["id"], i["blocking"], i["owner"] is not None, i["due"]) for i in still_open] == [
        ("AT-OR-07", False, True, "2027-01-31")]
    (na,) = [i for i in mine if i["status"] == "not-applicable"]
    assert na["id"] == "AT-PC-10" and na["na_reason"]
    verdict = j(run("assess", "--as-of", "2026-11-23", "--json", db=db))
    assert verdict["verdict"] == "ready_with_conditions"
