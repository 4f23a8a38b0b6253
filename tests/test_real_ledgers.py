"""Real hazard ledgers import as they are kept (issue 20): the corpus in tests/ledgers/.

Six ledgers in the layouts safety departments keep (written by tests/ledgers/build_ledgers.py,
committed next to it) are imported through the CLI; every hazard is checked row by row against
the tables below, worked out by hand from hazards/data/lec.toml (D = L × E × C; D ≥ 320 重大,
160 ≤ D < 320 较大, 70 ≤ D < 160 一般, below 70 较小), from tests/ledgers/lec_l9.toml for the
line's own variant (D ≥ 160 重大, 70 较大, 20 一般) and from the level-word tables. Each ledger is
then imported a second time: nothing is created and nothing changes. The bad variants are each
refused with one line naming the sheet, row and column and saying what to do; nothing is written.

A row's published level is `level_given` when it differs from the computed level, and may be
`level_given` or nothing when they agree: `published()` reads it either way.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

LEDGERS = Path(__file__).resolve().parent / "ledgers"
SCALE_FILE = LEDGERS / "lec_l9.toml"
LINE_SCALE = "LEC-L9"  # the method that file defines

# The shipped level-word tables (hazards/data/level_words.toml), by the names
# `readiness line set --level-words NAME` takes.
FOUR_LEVEL = "four-level"  # the default: 重大风险 (or 重大) / 较大风险 / 一般风险 / 低风险 (or 较小)
GRADES_1_HIGH = "grade-1-highest"  # 一级 (major) … 四级 (low)
GRADES_4_HIGH = "grade-4-highest"  # 四级 (major) … 一级 (low)
COLOURS = "colours"  # 红 / 橙 / 黄 / 蓝
LETTERS = "letters"  # A (major) … D (low)

# --- expected rows, one table per ledger ---------------------------------------------------------
# activity, hazard, accident types (GB 6441 codes), L, E, C, D (the computed score), level,
# the level the ledger publishes (as a level code; None: the ledger has no level column).
# L, E, C and D are None for a row judged directly (method "direct").

L1 = [  # 危险源辨识清单, --location S01 --owner-unit TM-KY1-01; 重大/较大/一般/较小, no table chosen
    ("站台门开关门作业", "站台门与车门间隙夹人后列车启动", ["vehicle-injury"],
     3, 6, 15, 270, "significant", "significant"),  # 3×6×15 = 270: 较大
    ("站台门日常巡检", "站台门滑动门故障未隔离即投入运营", ["object-strike"],
     1, 6, 7, 42, "low", "low"),  # 42: 较小
    ("站台门维修", "打开端门进入轨行区作业未办理请点", ["vehicle-injury"],
     1, 3, 40, 120, "general", "general"),  # 120: 一般
    ("站台门维修", "站台门门机控制柜带电检修", ["electrocution"],
     3, 3, 7, 63, "low", "low"),  # 63: 较小
    ("车站客运组织", "早晚高峰站台乘客拥挤越过安全线", ["other-injury"],
     6, 6, 15, 540, "major", "major"),  # 540: 重大
    ("车站客运组织", "站台边缘警示带磨损不清", ["fall-from-height"],
     3, 6, 3, 54, "low", "low"),  # 54: 较小
]

L2 = [  # 车辆段LEC评价, --location D01; four-level words 重大风险…低风险; 作业活动 merged down
    ("接触网停送电作业", "未验电即挂接地线", ["electrocution"],
     3, 3, 40, 360, "major", "major"),  # 重大风险
    ("接触网停送电作业", "登高检修接触网未系安全带",
     ["fall-from-height", "object-strike", "electrocution"],  # 高处坠落/物体打击/触电
     3, 3, 15, 135, "general", "general"),
    ("接触网停送电作业", "送电前未确认作业人员全部撤离",
     ["electrocution", "vehicle-injury"],  # 触电、车辆伤害
     1, 3, 40, 120, "general", "general"),
    ("库内调车作业", "调车作业时人员横越股道", ["vehicle-injury"],
     3, 6, 15, 270, "significant", "significant"),  # 较大风险
    ("库内调车作业", "调车信号显示不清或误认",
     ["vehicle-injury", "object-strike"],  # a line break between them
     1, 6, 15, 90, "general", "general"),
    ("列车架车作业", "架车机同步失效车体倾覆", ["machinery", "object-strike"],
     1, 2, 40, 80, "general", "general"),
    ("列车架车作业", "车底检修时架车机误动作", ["machinery"],
     1, 2, 15, 30, "low", "low"),  # 低风险
    ("列车架车作业", "使用电动扳手未接漏电保护器",
     ["electrocution", "machinery"],  # 触电|机械伤害
     3, 2, 7, 42, "low", "low"),
]

L3 = [  # 设备设施, --location S02; 一级 highest; header repeated on row 7
    ("自动扶梯", "扶梯梯级与围裙板间隙夹住乘客衣物鞋带", ["machinery"],
     3, 10, 7, 210, "significant", "significant"),  # 二级
    ("自动扶梯", "扶梯突然逆转乘客跌倒踩踏", ["other-injury", "machinery"],
     0.5, 10, 40, 200, "significant", "significant"),  # 二级
    ("自动扶梯", "扶梯维修时未设置围挡乘客误入", ["machinery"],
     1, 3, 7, 21, "low", "low"),  # 四级
    ("垂直电梯", "电梯困人后乘客自行扒门", ["fall-from-height"],
     1, 6, 15, 90, "general", "general"),  # 三级
    ("垂直电梯", "井道内检修时轿厢意外移动", ["machinery", "fall-from-height"],
     1, 2, 40, 80, "general", "general"),  # 三级
    ("站厅", "站厅地面湿滑乘客滑倒", ["other-injury"],
     6, 10, 1, 60, "low", "low"),  # 四级
    ("设备区", "气体灭火保护区误喷放", ["poisoning-asphyxia"],
     0.5, 6, 40, 120, "general", "general"),  # 三级
    ("设备区", "环控电控室配电柜带电清扫", ["electrocution"],
     3, 3, 40, 360, "major", "major"),  # 一级
]
# The same ledger read with 四级 as the highest: 二级 general, 四级 major, 三级 significant,
# 一级 low, while the scores (and so the computed levels) stay as above.
L3_PUBLISHED_4_HIGH = ["general", "general", "major", "significant", "significant", "major",
                       "significant", "low"]

L4 = [  # 区间疏散, --location Q01-02; the line's LEC-L9 (D ≥ 160 重大, ≥ 70 较大, ≥ 20 一般); colours
    ("区间乘客疏散", "疏散时接触轨未停电乘客进入轨行区", ["electrocution"],
     1, 0.2, 100, 20, "general", "general"),  # D = 20 exactly: 一般 (黄)
    ("区间乘客疏散", "疏散平台狭窄乘客拥挤坠落道床", ["fall-from-height", "other-injury"],
     3, 0.5, 40, 60, "general", "general"),  # 黄
    ("区间设备巡检", "巡检人员在区间行走时列车未扣停", ["vehicle-injury"],
     1, 5, 40, 200, "major", "major"),  # 红
    ("区间设备巡检", "区间照明不足巡检人员绊倒", ["other-injury"],
     3, 5, 3, 45, "general", "general"),  # 黄
    ("区间设备巡检", "联络通道防火门常开未关闭", ["fire"],
     1, 5, 15, 75, "significant", "significant"),  # 橙
    ("区间施工作业", "施工机具侵入限界未清点", ["vehicle-injury", "object-strike"],
     6, 2, 15, 180, "major", "significant"),  # 180 is 重大 on the line's table; published 橙
    ("区间风机房巡视", "风机房巡视时风机误启动", ["machinery"],
     1, 1, 7, 7, "low", "low"),  # 蓝
]
L4_MISMATCH = 5  # index of the row whose published level the line's table disagrees with

L5_BASIS_1 = "直接判定：本线同类站台门曾发生夹人事故"
L5_BASIS_3 = "直接判定：违反设备检修安全规程强制性条款"
L5 = [  # 站台门风险分级, places by name in 位置; letters; rows 1 and 3 judged directly
    ("站台门运行", "站台门与车门之间夹人夹物", ["vehicle-injury"],
     None, None, None, None, "major", "major"),  # A by 判别依据
    ("站台门运行", "站台门玻璃自爆碎片伤人", ["object-strike"],
     1, 6, 3, 18, "low", "low"),  # D
    ("站台门维修", "站台门维修未执行停电挂牌", ["electrocution", "machinery"],
     None, None, None, None, "major", "major"),  # A by 判别依据
    ("站台门维修", "更换门体时门体倾倒", ["object-strike", "machinery"],
     3, 2, 15, 90, "general", "general"),  # C
    ("站台门运行", "站台门与列车门联动失效", ["vehicle-injury"],
     1, 6, 40, 240, "significant", "significant"),  # B
    ("站台门运行", "站台门绝缘失效乘客触碰带电门体", ["electrocution"],
     1, 10, 40, 400, "major", "major"),  # A
]
L5_LOCATIONS = ["S01", "S01", "S02", "S02", "S02", "S01"]  # 龙湖公园站 S01, 科技大道站 S02
L5_BASIS = [L5_BASIS_1, None, L5_BASIS_3, None, None, None]
L5_NOTES = ["列入重大风险清单", None, "2026年专项辨识新增", None, None, None]

L6 = [  # 2026年度辨识, --location S02; no activity, no D, no level column
    (None, "乘客携带易燃物品进站", ["fire"], 1, 6, 15, 90, "general", None),
    (None, "出入口雨天地面湿滑", ["other-injury"], 3, 3, 3, 27, "low", None),
    (None, "大客流时闸机区拥堵", ["other-injury"], 3, 6, 7, 126, "general", None),
    (None, "站台乘客候车时跌落轨道", ["fall-from-height", "vehicle-injury"],
     1, 10, 40, 400, "major", None),
]
L6_OWNERS = [("CT-KY", "900010"), ("DV-KY1", "900020"), ("TM-KY1-02", "900030"),
             ("CT-KY", "900001")]  # 客运中心/李明, 客运一分部/陈静, 科技大道站务班组/刘洋, 客运中心/王建国
L6_CONTROLS = [["安检机检查", "站务员巡视"], ["铺设防滑垫", "设置警示标志"],
               ["设置限流栏杆", "客流预警"], ["站台门", "站台岗巡视"]]


# --- helpers -----------------------------------------------------------------------------------

def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def imported(run, db, name: str, *options: str) -> dict:
    """Import tests/ledgers/NAME.xlsx as hazards; the --json result."""
    return json.loads(ok(run("import", str(LEDGERS / f"{name}.xlsx"), "--kind", "hazards",
                             *options, "--json", db=db)))


def counts(result: dict) -> tuple[int, int, int, int]:
    return result["created"], result["updated"], result["unchanged"], result["rejected"]


def register(run, db) -> list[dict]:
    return sorted(json.loads(ok(run("hazard", "list", "--json", db=db))), key=lambda h: h["id"])


def show(run, db, code: str) -> dict:
    return json.loads(ok(run("hazard", "show", code, "--json", db=db)))


def published(h: dict) -> str | None:
    return h["level_given"] or h["level"]


def assert_rows(run, db, table, *, locations, method: str = "LEC",
                d_column: bool = True) -> list[dict]:
    """One hazard per row, IDs given in row order, each as the table says."""
    hazards = register(run, db)
    assert [h["description"] for h in hazards] == [row[1] for row in table]
    places = locations if isinstance(locations, list) else [locations] * len(table)
    for h, row, place in zip(hazards, table, places):
        activity, _, types, l, e, c, d, level, given = row
        latest = show(run, db, h["id"])["history"][-1]
        direct = l is None
        got = {"location": h["location"], "activity": h["activity"],
               "accident_types": h["accident_types"], "accident_type": h["accident_type"],
               "method": h["method"], "factors": h["factors"], "score": h["score"],
               "score_given": latest["score_given"], "level": h["level"],
               "published": published(h) if given else h["level_given"]}
        want = {"location": place, "activity": activity, "accident_types": types,
                "accident_type": types[0], "method": "direct" if direct else method,
                "factors": {} if direct else {"L": l, "E": e, "C": c}, "score": d,
                "score_given": d if d_column and not direct else None, "level": level,
                "published": given}
        assert got == want, f"{h['id']} ({row[1]})"
    return hazards


def again_unchanged(run, db, name: str, n: int, *options: str) -> None:
    """The same file imported a second time creates, changes and records nothing."""
    before = register(run, db)
    result = imported(run, db, name, *options)
    assert counts(result) == (0, 0, n, 0), result
    assert register(run, db) == before


def line_set(run, db, *options: str) -> None:
    ok(run("line", "set", *options, db=db))


# --- the corpus itself -------------------------------------------------------------------------

def _build_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_ledgers", LEDGERS / "build_ledgers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_committed_ledgers_match_their_build_script(tmp_path) -> None:
    built = _build_script().build(tmp_path)
    assert sorted(p.name for p in built) == sorted(p.name for p in LEDGERS.glob("*.xlsx"))
    assert len([p for p in built if p.name.startswith("l")]) >= 6
    for path in built:
        assert _parts(path) == _parts(LEDGERS / path.name), f"rebuild {path.name}: " \
            "python tests/ledgers/build_ledgers.py"


# --- the six ledgers ---------------------------------------------------------------------------

L1_OPTIONS = ("--sheet", "危险源辨识清单", "--location", "S01", "--owner-unit", "TM-KY1-01")


def test_l1_two_row_header_under_a_title_and_form_code_with_command_line_defaults(
        run, org_db) -> None:
    first = imported(run, org_db, "l1_two_row_header", *L1_OPTIONS)
    assert counts(first) == (6, 0, 0, 0) and first["rows"] == 6, first
    assert first["repeated_headers"] == 0  # the L/E/C/D row is the header's second row
    assert first["not_imported"] == [] and "危险源辨识清单" in str(first["sheets"])
    hazards = assert_rows(run, org_db, L1, locations="S01")
    assert [h["owner_unit"] for h in hazards] == ["TM-KY1-01"] * 6
    assert [h["id"] for h in hazards] == [f"H-000{n}" for n in range(1, 7)]
    assert [c["description"] for c in hazards[0]["controls"]] == ["站台门防夹挡板", "司机关门后瞭望确认"]
    again_unchanged(run, org_db, "l1_two_row_header", 6, *L1_OPTIONS)


def test_l1_a_changed_row_updates_its_hazard_without_ids(run, org_db, tmp_path) -> None:
    imported(run, org_db, "l1_two_row_header", *L1_OPTIONS)
    wb = load_workbook(LEDGERS / "l1_two_row_header.xlsx")
    ws = wb["危险源辨识清单"]
    assert ws["C6"].value == "站台门滑动门故障未隔离即投入运营"
    ws["G6"], ws["H6"], ws["I6"] = 15, 90, "一般"  # C 7 → 15: D 42 → 90, 较小 → 一般
    changed = tmp_path / "l1_changed.xlsx"
    wb.save(changed)
    result = json.loads(ok(run("import", str(changed), "--kind", "hazards", *L1_OPTIONS,
                               "--json", db=org_db)))
    assert counts(result) == (0, 1, 5, 0), result
    shown = show(run, org_db, "H-0002")
    assert (shown["factors"], shown["score"], shown["level"]) == (
        {"L": 1, "E": 6, "C": 15}, 90, "general")
    assert [e["score"] for e in shown["history"]] == [42, 90]
    assert len(register(run, org_db)) == 6


def test_l2_long_lec_headers_several_accident_types_and_merged_activities(run, org_db) -> None:
    line_set(run, org_db, "--level-words", FOUR_LEVEL)
    first = imported(run, org_db, "l2_lec_long_headers", "--location", "D01")
    assert counts(first) == (8, 0, 0, 0) and first["rows"] == 8, first
    assert "车辆段LEC评价" in str(first["sheets"])  # found by its header row
    assert_rows(run, org_db, L2, locations="D01")
    again_unchanged(run, org_db, "l2_lec_long_headers", 8, "--location", "D01")


def test_l3_grades_and_a_header_repeated_at_a_page_break(run, org_db) -> None:
    line_set(run, org_db, "--level-words", GRADES_1_HIGH)
    first = imported(run, org_db, "l3_grades_page_break", "--location", "S02")
    assert counts(first) == (8, 0, 0, 0) and first["rows"] == 8, first
    assert first["repeated_headers"] == 1
    hazards = assert_rows(run, org_db, L3, locations="S02")
    assert [h["owner_unit"] for h in hazards] == ["TM-KY1-02"] * 8  # 科技大道站务班组
    again_unchanged(run, org_db, "l3_grades_page_break", 8, "--location", "S02")


def test_l3_the_chosen_table_says_which_grade_is_highest(run, org_db) -> None:
    line_set(run, org_db, "--level-words", GRADES_4_HIGH)
    imported(run, org_db, "l3_grades_page_break", "--location", "S02")
    hazards = register(run, org_db)
    assert [h["level"] for h in hazards] == [row[7] for row in L3]  # from the scores
    assert [published(h) for h in hazards] == L3_PUBLISHED_4_HIGH


def test_l4_colours_under_the_lines_own_scale_keep_the_published_level(run, org_db) -> None:
    ok(run("scale", "add", str(SCALE_FILE), db=org_db))
    line_set(run, org_db, "--method", LINE_SCALE)
    line_set(run, org_db, "--level-words", COLOURS)
    options = ("--sheet", "区间疏散", "--location", "Q01-02")
    first = imported(run, org_db, "l4_colours_line_scale", *options)
    assert counts(first) == (7, 0, 0, 0) and first["rows"] == 7, first
    hazards = assert_rows(run, org_db, L4, locations="Q01-02", method=LINE_SCALE)
    mismatch = hazards[L4_MISMATCH]
    assert (mismatch["level"], mismatch["level_given"]) == ("major", "significant")
    findings = show(run, org_db, mismatch["id"])["findings"]
    assert "hazard.level-mismatch" in [f["code"] for f in findings]
    assert not [h["id"] for h in hazards if h is not mismatch and h["level_given"] not in
                (None, h["level"])]
    again_unchanged(run, org_db, "l4_colours_line_scale", 7, *options)


L5_OPTIONS = ("--ignore-column", "审核签字")


def test_l5_letters_direct_judgement_notes_and_an_ignored_column(run, org_db) -> None:
    line_set(run, org_db, "--level-words", LETTERS)
    first = imported(run, org_db, "l5_letters_direct", *L5_OPTIONS)
    assert counts(first) == (6, 0, 0, 0) and first["rows"] == 6, first
    assert first["ignored_columns"] == ["审核签字"]
    hazards = assert_rows(run, org_db, L5, locations=L5_LOCATIONS)
    assert [h["notes"] for h in hazards] == L5_NOTES
    for h, basis in zip(hazards, L5_BASIS):
        shown = show(run, org_db, h["id"])
        assert shown["history"][-1]["basis"] == basis, h["id"]
        if basis:  # judged directly: it counts as scored
            assert "hazard.no-score" not in [f["code"] for f in shown["findings"]]
    again_unchanged(run, org_db, "l5_letters_direct", 6, *L5_OPTIONS)


def test_l6_minimal_ledger_names_the_sheets_not_imported(run, org_db) -> None:
    first = imported(run, org_db, "l6_minimal_other_sheets", "--location", "S02")
    assert counts(first) == (4, 0, 0, 0) and first["rows"] == 4, first
    assert first["not_imported"] == ["说明", "修订记录"]
    assert "2026年度辨识" in str(first["sheets"])
    hazards = assert_rows(run, org_db, L6, locations="S02", d_column=False)
    assert [(h["owner_unit"], h["owner"]) for h in hazards] == L6_OWNERS
    assert [[c["description"] for c in h["controls"]] for h in hazards] == L6_CONTROLS
    before = register(run, org_db)
    text = ok(run("import", str(LEDGERS / "l6_minimal_other_sheets.xlsx"), "--kind", "hazards",
                  "--location", "S02", db=org_db))
    assert "created 0, updated 0, unchanged 4, rejected 0" in text
    assert all(name in text for name in ("2026年度辨识", "说明", "修订记录")), text
    assert register(run, org_db) == before


# --- refusals: one line naming sheet, row, column and what to do; nothing written ---------------

def assert_refused(run, db, name: str, options: tuple[str, ...], where: str,
                   letters: str | None, tokens: dict[str, tuple[str, ...]]) -> None:
    """`where` is "SHEET!CELL" (a header cell) or "SHEET!ROW" with `letters` the columns the
    message may name (as "header (LETTER)"); `tokens` what the line says, by language."""
    path = LEDGERS / f"{name}.xlsx"
    listed = register(run, db)
    before = digest(db)
    for lang in ("en", "zh"):
        result = run("import", str(path), "--kind", "hazards", *options, db=db, lang=lang)
        assert result.exit_code == 1, result.output
        lines = result.output.splitlines()
        assert len(lines) == 2, result.output  # the problem, then "… nothing was written"
        line = lines[0]
        if letters is None:
            assert line.startswith(f"{where}: "), line
        else:
            match = re.match(rf"{re.escape(where)}, .+? \(([A-Z]+)\): \S", line)
            assert match and match.group(1) in letters, line
        for token in tokens.get(lang, ()):
            assert token in line, (token, line)
        assert "Traceback" not in result.output
    assert digest(db) == before and register(run, db) == listed


S = "危险源辨识清单"
REFUSALS = [
    # name, level-word table, import options, where, column letters, tokens by language
    ("bad_misspelled_header", None, ("--location", "S01"), f"{S}!I1", None,
     {"en": ("风险等极", "风险等级"), "zh": ("风险等极", "风险等级")}),
    ("bad_d_not_product", None, ("--location", "S01"), f"{S}!3", "H",  # D值 162, L×E×C 126
     {"en": ("162", "126"), "zh": ("162", "126")}),
    ("bad_unknown_level_word", FOUR_LEVEL, ("--location", "S01"), f"{S}!3", "I",
     {lang: ("中等风险", "重大风险", "较大风险", "一般风险", "低风险") for lang in ("en", "zh")}),
    ("bad_level_without_scores", LETTERS, ("--location", "S01"), f"{S}!3", "IJ",
     {"zh": ("判别依据",)}),
    ("bad_unnamed_level_column", None, ("--location", "S01"), f"{S}!I2", None,
     {"en": ("column I",), "zh": ("I",)}),
]


@pytest.mark.parametrize("name,words,options,where,letters,tokens", REFUSALS,
                         ids=[r[0] for r in REFUSALS])
def test_a_bad_ledger_is_refused_in_one_line(run, org_db, name, words, options, where, letters,
                                             tokens) -> None:
    if words:
        line_set(run, org_db, "--level-words", words)
    assert_refused(run, org_db, name, options, where, letters, tokens)


def test_an_ambiguous_match_names_the_candidates(run, org_db) -> None:
    for extra in ((), ("--allow-duplicate",)):
        ok(run("hazard", "add", "--location", "S01", "--specialty", "站台门", "--category",
               "客运组织", "--activity", "站台巡视", "--description", "站台边缘地面湿滑",
               "--accident-type", "其他伤害", "--score", "L=3,E=6,C=3", *extra, db=org_db))
    assert [h["id"] for h in register(run, org_db)] == ["H-0001", "H-0002"]
    assert_refused(run, org_db, "bad_ambiguous_match", ("--location", "S01"), f"{S}!2",
                   "ABCDEFGHI", {lang: ("H-0001", "H-0002") for lang in ("en", "zh")})


def test_l5_a_column_of_the_users_own_is_refused_until_ignored(run, org_db) -> None:
    line_set(run, org_db, "--level-words", LETTERS)
    assert_refused(run, org_db, "l5_letters_direct", (), "站台门风险分级!N1", None,
                   {lang: ("审核签字", "--ignore-column") for lang in ("en", "zh")})
