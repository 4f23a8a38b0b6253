"""A hazard ledger's own columns (issue 20 items 4, 5, 8, 9): the Chinese headers and their
synonyms, several accident types in a cell, the ledger's own 风险值 checked against L×E×C, direct
judgement (判别依据) and re-import of a ledger that has no IDs.

The ledger below is the project's own, written the way a department keeps one: no ID column, no
specialty or category, 发生事故的可能性（L） … in full-width brackets, a 风险值 column, level words,
a 判别依据 for the rows judged without scores, remarks.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hazards.register import accept_hazard, add_hazard, list_hazards, show_hazard
from readiness.actor import Actor
from readiness.errors import ImportRejected, InvalidValue
from readiness.importing import import_file
from readiness.store.core import Store
from workbooks import make_workbook

ME = Actor("tester")
ON = dt.date(2026, 11, 2)
SHEET = "危险源台账"  # a register sheet name (any name: the reader's --sheet)

HEADERS = ["序号", "位置", "作业活动", "危险源", "可能导致的事故", "发生事故的可能性（L）",
           "暴露于危险环境的频繁程度（E）", "发生事故产生的后果（C）", "风险值", "风险等级",
           "判别依据", "引起事件原因", "控制措施", "责任部门", "责任人", "备注"]
BASIS = "违反《城市轨道交通行车组织管理办法》进入轨行区须请点的规定"


def ledger_rows() -> list[list]:
    """No., location, activity, hazard, accident types, L, E, C, D, level, basis, causes,
    controls, owner unit, owner, notes."""
    return [
        [1, "S01", "站台门开关门作业", "站台门与车门间隙夹人后列车启动", "车辆伤害/物体打击",
         3, 6, 15, 270, "较大风险", None, "司机未瞭望确认",
         "工程控制：站台门防夹挡板\n司机关门后瞭望确认", "龙湖公园站务班组", "刘洋", "早高峰重点盯控"],
        [2, "S01", "站台清扫作业", "站台地面湿滑", "其他伤害", 1, 6, 3, 18, "低风险", None,
         "清扫后未设警示", "设置湿滑警示牌", "TM-KY1-01", "900031", None],
        [3, "Q01-02", "区间巡检", "未请点进入轨行区", "车辆伤害、触电\n高处坠落", None, None,
         None, None, "重大风险", BASIS, "抢时间作业", "严格请销点制度", "TM-KY1-01", "刘洋",
         None],
        [4, "D01", "车顶检修作业", "登车顶检修未挂安全带", "高处坠落|物体打击", 3, 6, 7, 126,
         "一般风险", None, None, "登高作业挂安全带", "TM-KY1-01", "900030", None],
        [5, "D01", "车顶检修作业", "接触网未停电验电即登顶", "触电，高处坠落", None, None, None,
         None, "重大", "曾发生过同类事故，至今未采取有效防范措施", None, "停电验电挂地线",
         "TM-KY1-01", "900030", "直接判定"],
    ]


# expected, per row: activity, accident types, method, factors, score, level, D, basis
EXPECTED = [
    ("站台门开关门作业", ["vehicle-injury", "object-strike"], "LEC", {"L": 3, "E": 6, "C": 15},
     270.0, "significant", 270.0, None),
    ("站台清扫作业", ["other-injury"], "LEC", {"L": 1, "E": 6, "C": 3}, 18.0, "low", 18.0, None),
    ("区间巡检", ["vehicle-injury", "electrocution", "fall-from-height"], "direct", {}, None,
     "major", None, BASIS),
    ("车顶检修作业", ["fall-from-height", "object-strike"], "LEC", {"L": 3, "E": 6, "C": 7},
     126.0, "general", 126.0, None),
    ("车顶检修作业", ["electrocution", "fall-from-height"], "direct", {}, None, "major", None,
     "曾发生过同类事故，至今未采取有效防范措施"),
]


def has_ignored_headers() -> bool:
    from readiness.xlsx.spec import SheetSpec

    return "ignored_headers" in SheetSpec.__dataclass_fields__


def ledger(path: Path, rows: list[list] | None = None) -> Path:
    rows = ledger_rows() if rows is None else rows
    headers = HEADERS
    if not has_ignored_headers():  # 序号 is ignored once the reader knows ignored headers
        headers, rows = headers[1:], [r[1:] for r in rows]
    return make_workbook(path, {SHEET: [headers, *rows]})


@pytest.fixture
def store(org_db):
    with Store.open(org_db) as s:
        yield s


def imported(store, path: Path):
    return import_file(store, path, kind="hazards", actor=ME, as_of=ON)


def refusals(store, path: Path, lang: str = "en") -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        imported(store, path)
    return [p.message(lang) for p in caught.value.problems]


def counts(result) -> tuple[int, int, int]:
    return result.created, result.updated, result.unchanged


# --- the ledger's columns, read with their meaning ------------------------------------------------

def test_the_ledger_headers_import_with_their_meaning(store, tmp_path) -> None:
    result = imported(store, ledger(tmp_path / "l.xlsx"))
    assert counts(result) == (5, 0, 0)
    hazards = list_hazards(store, None, as_of=ON)
    assert [h.id for h in hazards] == ["H-0001", "H-0002", "H-0003", "H-0004", "H-0005"]
    for h, row, (activity, types, method, factors, score, level, given, basis) in zip(
            hazards, ledger_rows(), EXPECTED):
        assert (h.location, h.activity, h.description) == (row[1], activity, row[3]), h.id
        assert (h.accident_types, h.accident_type) == (types, types[0]), h.id
        assert (h.method, h.factors, h.score, h.level) == (method, factors, score, level), h.id
        assert (h.score_given, h.basis, h.level_given) == (given, basis, None), h.id
        assert (h.specialty, h.risk_category) == (None, None)
    first = hazards[0]
    assert first.causes == "司机未瞭望确认" and first.notes == "早高峰重点盯控"
    assert [(c.type, c.description) for c in first.controls] == [
        ("engineering", "站台门防夹挡板"), ("administrative", "司机关门后瞭望确认")]
    assert (first.owner_unit, first.owner) == ("TM-KY1-01", "900030")
    assert (hazards[1].owner, hazards[4].notes) == ("900031", "直接判定")
    # the evaluation keeps the ledger's own D and the basis of a direct judgement
    shown = show_hazard(store, None, "H-0003", ON)
    assert [(e.method, e.level, e.basis, e.score_given) for e in shown.history] == [
        ("direct", "major", BASIS, None)]
    assert [(e.score, e.score_given) for e in show_hazard(store, None, "H-0001", ON).history] == [
        (270.0, 270.0)]


@pytest.mark.parametrize("headers", [
    ["作业场所", "危险因素", "可能发生的事故", "发生事故的可能性(L)", "暴露于危险环境的频繁程度(E)",
     "发生事故产生的后果(C)", "危险性分值", "危险级别", "原因", "管控措施", "责任单位"],
    ["工作场所", "危险有害因素", "事故类型", "L", "E", "C", "D值", "级别", "引起事件原因",
     "现有控制措施", "责任部门"],
    ["作业活动", "危险源", "可能导致的事故", "L", "E", "C", "D", "风险等级", "原因", "控制措施",
     "责任部门"]])
def test_every_synonym_of_the_ledger_columns_is_recognised(store, tmp_path, headers) -> None:
    row = ["站台门开关门作业", "站台门夹人", "车辆伤害", 3, 6, 15, 270, "较大", "未瞭望",
           "防夹挡板", "TM-KY1-01"]
    book = make_workbook(tmp_path / "s.xlsx", {SHEET: [["位置", *headers], ["S01", *row]]})
    assert counts(imported(store, book)) == (1, 0, 0)
    (h,) = list_hazards(store, None, as_of=ON)
    assert (h.activity, h.description, h.accident_types, h.factors, h.score_given, h.level,
            h.causes, [c.description for c in h.controls], h.owner_unit) == (
        "站台门开关门作业", "站台门夹人", ["vehicle-injury"], {"L": 3, "E": 6, "C": 15}, 270.0,
        "significant", "未瞭望", ["防夹挡板"], "TM-KY1-01")


# --- several accident types -----------------------------------------------------------------------

@pytest.mark.parametrize("cell,types", [
    ("高处坠落/物体打击/触电", ["fall-from-height", "object-strike", "electrocution"]),
    ("高处坠落、物体打击", ["fall-from-height", "object-strike"]),
    ("高处坠落|触电", ["fall-from-height", "electrocution"]),
    ("高处坠落，触电", ["fall-from-height", "electrocution"]),
    ("高处坠落\n触电\n", ["fall-from-height", "electrocution"]),
    ("fall-from-height / electrocution", ["fall-from-height", "electrocution"]),
    ("中毒和窒息", ["poisoning-asphyxia"]), ("中毒、窒息", ["poisoning-asphyxia"]),
    ("触电/触电", ["electrocution"])])
def test_several_accident_types_in_one_cell_are_kept_in_order(store, tmp_path, cell,
                                                             types) -> None:
    book = make_workbook(tmp_path / "a.xlsx", {SHEET: [
        ["位置", "危险源", "可能导致的事故"], ["S01", "站台门夹人", cell]]})
    assert counts(imported(store, book)) == (1, 0, 0)
    (h,) = list_hazards(store, None, as_of=ON)
    assert (h.accident_types, h.accident_type) == (types, types[0])


def test_an_unknown_accident_type_is_refused_naming_it(store, tmp_path) -> None:
    book = make_workbook(tmp_path / "a.xlsx", {SHEET: [
        ["位置", "危险源", "可能导致的事故"], ["S01", "站台门夹人", "高处坠落/跌倒"]]})
    (message,) = refusals(store, book)
    assert message.startswith(f"{SHEET}!2, 可能导致的事故 (C): '跌倒' is not a GB 6441 accident "
                              "type: write one of Struck by object / Vehicle injury")
    assert list_hazards(store, None) == []


def test_hazard_add_takes_several_accident_types(store) -> None:
    h = add_hazard(store, None, actor=ME, location="S01", specialty="psd",
                   risk_category="passenger-operation", description="站台门夹人",
                   accident_type="车辆伤害/物体打击", score="L=3,E=6,C=15", as_of=ON)
    assert (h.accident_types, h.accident_type) == (["vehicle-injury", "object-strike"],
                                                   "vehicle-injury")
    with pytest.raises(InvalidValue) as caught:
        add_hazard(store, None, actor=ME, location="S01", specialty="psd",
                   risk_category="passenger-operation", description="另一个",
                   accident_type="触电|boom", as_of=ON)
    assert (caught.value.key, caught.value.params["option"], caught.value.params["value"]) == (
        "option.bad_code", "--accident-type", "boom")


def test_show_and_export_give_every_accident_type(run, org_db, store, tmp_path) -> None:
    imported(store, ledger(tmp_path / "l.xlsx"))
    shown = run("hazard", "show", "H-0003", db=org_db).output
    assert "Accident types: Vehicle injury, Electrocution, Fall from height" in shown
    assert f"Basis: {BASIS}" in shown
    assert json.loads(run("hazard", "show", "H-0003", "--json", db=org_db).output)[
        "accident_types"] == ["vehicle-injury", "electrocution", "fall-from-height"]
    out = tmp_path / "export.xlsx"
    assert run("export", "hazards", "-o", str(out), db=org_db).exit_code == 0
    ws = load_workbook(out)["危险源台帐"]
    header = [c.value for c in ws[1]]
    cells = {header[i]: c.value for i, c in enumerate(ws[4])}  # H-0003
    assert cells["可能导致的事故 Accident type"].split("\n") == [
        "vehicle-injury", "electrocution", "fall-from-height"]
    assert (cells["评价方法 Method"], cells["风险等级 Level"], cells["判别依据 Basis"]) == (
        "direct", "major", BASIS)
    result = imported(store, out)  # the export imports back unchanged
    assert counts(result) == (0, 0, 5)


def test_the_report_shows_every_accident_type_of_a_major_hazard(store, tmp_path) -> None:
    from readiness.report import write_report

    imported(store, ledger(tmp_path / "l.xlsx"))
    html = write_report(store, None, tmp_path / "r.html", actor=ME, lang="en").read_text("utf-8")
    assert "Vehicle injury, Electrocution, Fall from height" in html
    xlsx = write_report(store, None, tmp_path / "r.xlsx", actor=ME, lang="zh")
    ws = load_workbook(xlsx)["危险源台帐"]
    assert "车辆伤害、触电、高处坠落" in [c.value for row in ws.iter_rows() for c in row]


# --- the ledger's own score (风险值 / D) ------------------------------------------------------------

def test_a_score_that_is_not_l_times_e_times_c_is_refused_naming_both(store, tmp_path) -> None:
    rows = ledger_rows()
    rows[3][8] = 90  # 3 × 6 × 7 = 126
    book = ledger(tmp_path / "d.xlsx", rows)
    column = "I" if has_ignored_headers() else "H"
    assert refusals(store, book) == [
        f"{SHEET}!5, 风险值 ({column}): the ledger says 90, L×E×C = 3×6×7 = 126: correct the "
        "score or the factors"]
    assert refusals(store, book, "zh") == [
        f"{SHEET}!5, 风险值 ({column}): 表中为 90，L×E×C = 3×6×7 = 126：请更正风险值或各因子"]
    assert list_hazards(store, None) == []


def test_a_score_without_its_factors_is_refused(store, tmp_path) -> None:
    book = make_workbook(tmp_path / "d.xlsx", {SHEET: [
        ["位置", "危险源", "风险值", "风险等级"], ["S01", "站台门夹人", 270, "较大"]]})
    (message,) = refusals(store, book)
    assert message == (f"{SHEET}!2, 风险值 (C): score 270 is given without its factors L×E×C: "
                       "fill in the factors (the score is checked against them) or leave the "
                       "score blank")


# --- direct judgement (直接判定) --------------------------------------------------------------------

def test_a_direct_judgement_is_accepted_at_its_judged_level(store, tmp_path) -> None:
    """重大 by direct judgement has no residual score: its residual risk is accepted at the judged
    level, by someone with the authority for a major risk, and the finding then goes."""
    imported(store, ledger(tmp_path / "l.xlsx"))
    assert "hazard.acceptance-missing" in [f.code for f in show_hazard(store, None, "H-0003",
                                                                        ON).findings]
    h = accept_hazard(store, None, "H-0003", accepted_by="王建国", accepted_on=ON,
                      valid_until=dt.date(2027, 12, 31), actor=ME)
    assert (h.acceptance.accepted_by, h.acceptance.org_level) == ("900001", "company")
    assert not [f.code for f in show_hazard(store, None, "H-0003", ON).findings
                if f.code.startswith("hazard.acceptance")]


def test_a_level_without_scores_or_basis_is_refused(store, tmp_path) -> None:
    book = make_workbook(tmp_path / "j.xlsx", {SHEET: [
        ["位置", "危险源", "风险等级", "判别依据"], ["S01", "站台门夹人", "重大风险", None]]})
    (message,) = refusals(store, book)
    assert message == (f"{SHEET}!2, 风险等级 (C): level '重大风险' is given without scores: fill "
                       "in L、E、C, or give its 判别依据 (basis) for a direct judgement")
    assert list_hazards(store, None) == []


def test_a_basis_without_a_level_is_refused(store, tmp_path) -> None:
    book = make_workbook(tmp_path / "j.xlsx", {SHEET: [
        ["位置", "危险源", "风险等级", "判别依据"], ["S01", "站台门夹人", None, BASIS]]})
    (message,) = refusals(store, book)
    assert message.startswith(f"{SHEET}!2, 判别依据 (D): a direct judgement needs its risk level")


def test_a_level_word_not_in_the_lines_table_lists_the_table(store, tmp_path) -> None:
    book = make_workbook(tmp_path / "j.xlsx", {SHEET: [
        ["位置", "危险源", "风险等级", "判别依据"], ["S01", "站台门夹人", "一级", BASIS]]})
    (message,) = refusals(store, book)
    assert message.startswith(f"{SHEET}!2, 风险等级 (C): level '一级' is not in the line's "
                              "level-word table four-level: 重大风险/重大/Major=Major")


def test_the_lines_level_words_read_the_level(run, org_db, store, tmp_path) -> None:
    assert run("line", "set", "--level-words", "grade-1-highest", db=org_db).exit_code == 0
    book = make_workbook(tmp_path / "j.xlsx", {SHEET: [
        ["位置", "危险源", "风险等级", "判别依据"], ["S01", "站台门夹人", "一级", BASIS]]})
    assert counts(imported(store, book)) == (1, 0, 0)
    (h,) = list_hazards(store, None, as_of=ON)
    assert (h.method, h.level, h.basis) == ("direct", "major", BASIS)


def test_hazard_add_judges_directly_with_a_basis(store) -> None:
    h = add_hazard(store, None, actor=ME, location="S01", specialty="psd",
                   risk_category="passenger-operation", description="未请点进入轨行区",
                   level_given="重大", basis=BASIS, notes="直接判定", as_of=ON)
    assert (h.method, h.level, h.level_given, h.basis, h.notes) == (
        "direct", "major", None, BASIS, "直接判定")
    with pytest.raises(InvalidValue) as caught:
        add_hazard(store, None, actor=ME, location="S01", specialty="psd",
                   risk_category="passenger-operation", description="另一个", level_given="重大",
                   as_of=ON)
    assert caught.value.params["field"] == "--level"


def test_a_direct_judgement_counts_as_scored_for_the_assessment() -> None:
    from readiness.assessment.criteria import Inputs, hazards_scored
    from readiness.findings import Finding

    def scored(method: str) -> str:
        inputs = Inputs(line={}, as_of=ON, days=[], hazards=[
            {"id": "H-0001", "method": method, "level": "major"}],
            hazard_findings=[Finding("hazard.no-score", "H-0001",
                                     {"which": ("risk_kind", "residual")})],
            coverage={}, pdca=[], org_findings=[], checklist=[], phase_changes=[])
        return hazards_scored(inputs, {})["status"]

    assert (scored("direct"), scored("LEC")) == ("pass", "fail")


# --- no IDs: matched on re-import by place and description -----------------------------------------

def test_importing_the_same_ledger_twice_creates_nothing(run, org_db, store, tmp_path) -> None:
    book = ledger(tmp_path / "l.xlsx")
    assert counts(imported(store, book)) == (5, 0, 0)
    audit = len(json.loads(run("audit", "log", "--limit", "0", "--json", db=org_db).output))
    assert counts(imported(store, book)) == (0, 0, 5)
    assert [h.id for h in list_hazards(store, None)] == [f"H-000{n}" for n in range(1, 6)]
    assert len(json.loads(run("audit", "log", "--limit", "0", "--json", db=org_db).output)) == \
        audit  # nothing written


def test_a_changed_row_updates_its_hazard(store, tmp_path) -> None:
    imported(store, ledger(tmp_path / "l.xlsx"))
    rows = ledger_rows()
    rows[3][5], rows[3][8], rows[3][9] = 6, 252, "较大风险"  # 6 × 6 × 7 = 252
    rows[0][12] = "工程控制：站台门防夹挡板\n司机关门后瞭望确认\n站台岗监护"
    result = imported(store, ledger(tmp_path / "m.xlsx", rows))
    assert counts(result) == (0, 2, 3)
    h = show_hazard(store, None, "H-0004", ON)
    assert (h.score, h.level, h.score_given) == (252.0, "significant", 252.0)
    assert [e.score for e in h.history] == [126.0, 252.0]
    assert len(show_hazard(store, None, "H-0001", ON).controls) == 3


def test_a_ledger_row_updates_a_template_hazard_keeping_what_it_does_not_give(store,
                                                                          tmp_path) -> None:
    add_hazard(store, None, actor=ME, location="S01", specialty="psd",
               risk_category="passenger-operation", description="站台门与车门间隙夹人后列车启动",
               activity="站台门开关门作业", score="L=3,E=6,C=15", residual="L=1,E=6,C=15",
               as_of=ON)
    book = make_workbook(tmp_path / "l.xlsx", {SHEET: [
        ["位置", "作业活动", "危险源", "L", "E", "C", "备注"],
        ["S01", "站台门开关门作业", "站台门与车门间隙夹人后列车启动", 3, 6, 15, "已复核"]]})
    assert counts(imported(store, book)) == (0, 1, 0)
    (h,) = list_hazards(store, None, as_of=ON)
    assert (h.id, h.specialty, h.risk_category, h.notes) == (
        "H-0001", "psd", "passenger-operation", "已复核")
    assert (h.residual_score, h.evaluations) == (90.0, 1)  # no residual column: kept


def test_an_ambiguous_match_is_refused_naming_the_candidates(store, tmp_path) -> None:
    for _ in range(2):
        add_hazard(store, None, actor=ME, location="S01", specialty="psd",
                   risk_category="passenger-operation", description="站台地面湿滑",
                   activity="站台清扫作业", allow_duplicate=True, as_of=ON)
    book = make_workbook(tmp_path / "l.xlsx", {SHEET: [
        ["位置", "作业活动", "危险源"], ["S01", "站台清扫作业", "站台地面湿滑"]]})
    (message,) = refusals(store, book)
    assert message == (f"{SHEET}!2, 危险源 (C): this row has no ID and its location, activity and "
                       "hazard match several hazards: H-0001, H-0002; add an ID column saying "
                       "which")
    assert len(list_hazards(store, None)) == 2


def test_the_same_hazard_twice_in_a_ledger_without_ids_is_refused(store, tmp_path) -> None:
    book = make_workbook(tmp_path / "l.xlsx", {SHEET: [
        ["位置", "作业活动", "危险源"], ["S01", "站台清扫作业", "站台地面湿滑"],
        ["S01", "站台清扫作业", " 站台地面湿滑"]]})
    (message,) = refusals(store, book)
    assert message.startswith(f"{SHEET}!3, 危险源 (C): same location, activity and hazard as "
                              "row 2")


def test_a_ledger_without_places_takes_the_default_location_and_matches_again(store,
                                                                           tmp_path) -> None:
    rows = [[r[0], *r[2:]] for r in ledger_rows()]  # no 位置 column
    book = make_workbook(tmp_path / "n.xlsx", {SHEET: [[HEADERS[0], *HEADERS[2:]], *rows]})
    first = import_file(store, book, kind="hazards", actor=ME, as_of=ON,
                        defaults={"location": "S02"})
    assert counts(first) == (5, 0, 0)
    assert {h.location for h in list_hazards(store, None)} == {"S02"}
    again = import_file(store, book, kind="hazards", actor=ME, as_of=ON,
                        defaults={"location": "S02"})
    assert counts(again) == (0, 0, 5)
    # the two 车顶检修作业 rows share location and activity: their descriptions tell them apart
    other = import_file(store, book, kind="hazards", actor=ME, as_of=ON,
                        defaults={"location": "D01"})
    assert counts(other) == (5, 0, 0)  # another place: other hazards


def test_hazard_add_at_the_command_line_takes_types_basis_and_notes(run, org_db) -> None:
    result = run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
                 "客运组织", "--description", "未请点进入轨行区", "--accident-type", "车辆伤害/触电",
                 "--level", "重大", "--basis", BASIS, "--notes", "直接判定", "--json", db=org_db)
    assert result.exit_code == 0, result.output
    h = json.loads(result.output)
    assert (h["accident_types"], h["method"], h["level"], h["basis"], h["notes"]) == (
        ["vehicle-injury", "electrocution"], "direct", "major", BASIS, "直接判定")
    refused = run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
                  "客运组织", "--description", "另一个", "--level", "重大", db=org_db)
    assert refused.exit_code != 0
    assert "--level" in refused.output and "判别依据" in refused.output


@pytest.mark.parametrize("method,expected", [
    ("作业条件危险性评价法", "LEC"), ("lec", "LEC"), ("直接判定法", "direct")])
def test_the_method_column_takes_a_code_or_a_label(store, tmp_path, method, expected) -> None:
    scores = [None, None, None] if expected == "direct" else [3, 6, 7]
    book = make_workbook(tmp_path / "m.xlsx", {SHEET: [
        ["位置", "危险源", "评价方法", "L", "E", "C", "风险等级", "判别依据"],
        ["S01", "站台门夹人", method, *scores, "一般", BASIS if expected == "direct" else None]]})
    assert counts(imported(store, book)) == (1, 0, 0)
    (h,) = list_hazards(store, None, as_of=ON)
    assert (h.method, h.level) == (expected, "general")
