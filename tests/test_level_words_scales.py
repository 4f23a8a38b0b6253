"""A line's level words (how its ledgers write 风险等级) and its own scoring table (a LEC variant):
the shipped level-word tables, `line set --level-words`, `scale add/list/show`, scoring under a
line's scale (E = 5, D ≥ 160 → 重大), direct judgement's rules, and `hazard.level-mismatch`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from hazards import level_words
from hazards.checks import CheckContext, check_register, snapshot_hash
from hazards.scales import ScaleFileError, load_scale_text, parse_scale
from hazards.scoring import DIRECT, method, method_for
from readiness.errors import InvalidValue
from readiness.i18n import set_lang

LEC_160 = """\
method = "LEC-160"
zh = "本线路 LEC（E 可取 5，D≥160 重大）"
en = "Line LEC (E may be 5, D ≥ 160 major)"
source = "本线路危险源辨识清单所用评分表"
combine = "product"
factors = ["L", "E", "C"]

[scales.L]
values = [10, 6, 3, 1, 0.5, 0.2, 0.1]

[scales.E]
zh = "暴露于危险环境的频繁程度"
en = "Exposure"
values = [
  { value = 10, zh = "连续暴露", en = "Continuous" },
  { value = 6, zh = "每天工作时间内暴露", en = "Daily" },
  { value = 5, zh = "每天数次暴露", en = "Several times a day" },
  { value = 3, zh = "每周一次或偶然暴露", en = "Weekly or occasionally" },
  { value = 2, zh = "每月一次暴露", en = "Monthly" },
  { value = 1, zh = "每年几次暴露", en = "A few times a year" },
  { value = 0.5, zh = "非常罕见地暴露", en = "Very rarely" },
  { value = 0.2, zh = "极少暴露", en = "Hardly ever" },
]

[scales.C]
values = [100, 40, 15, 7, 3, 1]

[band_tables.default]
zh = "D≥160 重大"
en = "D ≥ 160 major"
bands = [
  { level = "major", min = 160 },
  { level = "较大", min = 70, max = 160 },
  { level = "general", min = 20, max = 70 },
  { level = "low", min = 0, max = 20 },
]
"""
SETTINGS = {"scales": {"LEC-160": LEC_160}}


@pytest.fixture(autouse=True)
def english():
    set_lang("en")
    yield
    set_lang("zh")


# --- level words -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,word,level", [
    ("four-level", "重大风险", "major"), ("four-level", "较大风险", "significant"),
    ("four-level", "一般风险", "general"), ("four-level", "低风险", "low"),
    ("four-level", "重大", "major"), ("four-level", "较大", "significant"),
    ("four-level", "一般", "general"), ("four-level", "低", "low"),
    ("four-level", "较小", "low"), ("four-level", "Major", "major"), ("four-level", "low", "low"),
    ("grade-1-highest", "一级", "major"), ("grade-1-highest", "四级", "low"),
    ("grade-1-highest", "Ⅰ级", "major"), ("grade-1-highest", "I级", "major"),
    ("grade-1-highest", "Ⅳ级", "low"), ("grade-1-highest", "2级", "significant"),
    ("grade-1-highest", "３级", "general"),
    ("grade-4-highest", "四级", "major"), ("grade-4-highest", "一级", "low"),
    ("grade-4-highest", "Ⅳ级", "major"), ("grade-4-highest", "1级", "low"),
    ("grade-4-highest", "三级风险", "significant"),
    ("colours", "红", "major"), ("colours", "橙色", "significant"), ("colours", "黄", "general"),
    ("colours", "蓝色", "low"), ("colours", "red", "major"),
    ("letters", "A", "major"), ("letters", "b", "significant"), ("letters", "Ｃ", "general"),
    ("letters", "D级", "low"),
])
def test_each_shipped_table_maps_its_words(name, word, level) -> None:
    assert level_words.table(name).level(word) == level


def test_every_word_of_every_table_maps_to_its_level_and_codes_always_pass() -> None:
    tables = level_words.tables()
    assert list(tables) == ["four-level", "grade-1-highest", "grade-4-highest", "colours",
                            "letters"]
    for table in tables.values():
        assert table.source("zh") and table.source("en") and table.kind in ("regulation",
                                                                             "practice")
        for level, words in table.words.items():
            assert all(table.level(w) == level for w in words), (table.name, level)
            assert table.level(f"  {words[0]} ") == level
            assert table.level(level) == level  # what `hazard export` writes
        assert table.level(None) is None and table.level("") is None


def test_the_default_table_is_the_four_level_words_and_a_line_chooses_another() -> None:
    assert level_words.for_line({}).name == "four-level"
    assert level_words.for_line(None).name == "four-level"
    assert level_words.for_line({"level_words": "letters"}).level("A") == "major"
    assert level_words.for_line({"level_words": "grade-4-highest"}).level("一级") == "low"


def test_a_word_not_in_the_table_is_refused_listing_the_table_in_force() -> None:
    letters = level_words.table("letters")
    assert letters.level("重大风险") is None
    assert letters.describe("en") == ("A/A级=Major, B/B级=Significant, C/C级=General, "
                                      "D/D级=Low")
    assert letters.describe("zh") == "A/A级=重大, B/B级=较大, C/C级=一般, D/D级=较小"
    four = level_words.table(None)
    assert four.describe("zh").startswith("重大风险/重大/Major=重大, 较大风险/较大/Significant=较大")
    with pytest.raises(InvalidValue) as err:
        letters.parse("E", "Level")
    assert err.value.message("en") == (
        "Level 'E' is not in the line's level-word table letters: A/A级=Major, B/B级=Significant, "
        "C/C级=General, D/D级=Low (or choose another table with readiness line set --level-words)")
    assert letters.parse(" ", "Level") is None and letters.parse("a") == "major"


def test_a_table_giving_one_word_two_levels_is_a_data_error() -> None:
    raw = {"zh": "x", "en": "x", "kind": "practice", "source_zh": "x", "source_en": "x",
           "major": ["甲"], "significant": ["乙"], "general": ["丙"], "low": ["甲"]}
    with pytest.raises(level_words.LevelWordsDataError) as err:
        level_words._table("bad", raw)
    assert "'甲' means both major and low" in err.value.message("en")


def test_an_unknown_table_name_lists_the_names() -> None:
    with pytest.raises(InvalidValue) as err:
        level_words.table("bogus")
    assert err.value.message("en") == (
        "--level-words: no level-word table 'bogus'; choose from four-level, grade-1-highest, "
        "grade-4-highest, colours, letters")


def test_line_set_level_words(run, line_db) -> None:
    shown = json.loads(run("line", "show", "--json", db=line_db).output)
    assert shown["level_words"] == "four-level"
    result = run("line", "set", "--level-words", "Grade-4-Highest", "--json", db=line_db)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["settings"]["level_words"] == "grade-4-highest"
    shown = json.loads(run("line", "show", "--json", db=line_db).output)
    assert (shown["level_words"], shown["settings"]["level_words"]) == ("grade-4-highest",) * 2
    assert "Level words: grade-4-highest" in run("line", "show", db=line_db).output
    assert "风险等级用词: grade-4-highest" in run("line", "show", db=line_db, lang="zh").output
    result = run("line", "set", "--level-words", "bogus", db=line_db)
    assert (result.exit_code, result.output) == (1, (
        "Error: --level-words: no level-word table 'bogus'; choose from four-level, "
        "grade-1-highest, grade-4-highest, colours, letters\n"))
    assert json.loads(run("line", "show", "--json", db=line_db).output)["level_words"] == \
        "grade-4-highest"
    # other settings stay: a profile added earlier survives a change of level words
    assert run("line", "set", "--level-words", "colours", "--opening-date", "2026-12-30",
               db=line_db).exit_code == 0
    shown = json.loads(run("line", "show", "--json", db=line_db).output)
    assert (shown["level_words"], shown["planned_opening"]) == ("colours", "2026-12-30")


# --- the line's own scale ----------------------------------------------------------------------------

def test_a_line_scale_scores_e_5_and_makes_d_160_major() -> None:
    own = method_for("LEC-160", SETTINGS)
    assert (own.code, own.origin) == ("LEC-160", "line")
    assert own.evaluate({"L": 3, "E": 5, "C": 15}) == (225, "major")
    assert own.evaluate({"L": 1, "E": 5, "C": 15}) == (75, "significant")
    assert own.evaluate({"L": "0.5", "E": "0.2", "C": 100}) == (10, "low")
    assert own.table(None).level_for(160) == "major"
    assert own.table(None).level_for(159.9) == "significant"
    assert method_for("lec-160", SETTINGS) is own  # any case; parsed once
    assert method("LEC").evaluate({"L": 3, "E": 6, "C": 15}) == (270, "significant")  # D < 320
    with pytest.raises(InvalidValue) as err:  # the shipped LEC has no E = 5
        method_for("LEC", SETTINGS).evaluate({"L": 3, "E": 5, "C": 15})
    assert err.value.key == "score.off_scale"
    with pytest.raises(InvalidValue) as err:
        method_for("LEC-240", SETTINGS)
    assert err.value.message("en") == ("unknown scoring method 'LEC-240'; choose from LEC, LS, "
                                       "882E, direct, LEC-160")


def test_direct_judgement_is_a_method_without_factors_needing_a_basis() -> None:
    direct = method_for("direct", {})
    assert (direct.code, direct.is_direct, direct.factors) == (DIRECT, True, ())
    assert direct.judge("major", "违反《消防法》") == (None, "major")
    assert direct.risk_code({}) == "direct" and direct.criteria
    for level, basis, key in [("major", " ", "score.direct_needs_basis"),
                              (None, "曾发生事故", "score.direct_needs_level")]:
        with pytest.raises(InvalidValue) as err:
            direct.judge(level, basis)
        assert err.value.key == key
    with pytest.raises(InvalidValue) as err:
        direct.evaluate({"L": 3})
    assert err.value.key == "score.direct_no_factors"


def write(tmp_path: Path, text: str, name: str = "lec160.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_scale_add_list_show(run, line_db, tmp_path) -> None:
    file = write(tmp_path, LEC_160)
    result = run("scale", "add", file, db=line_db)
    assert result.output == ("added scale LEC-160 (choose it with readiness line set --method "
                             "LEC-160)\n")
    listed = json.loads(run("scale", "list", "--json", db=line_db).output)
    assert [(s["name"], s["origin"], s["in_use"]) for s in listed] == [
        ("LEC", "shipped", True), ("LS", "shipped", False), ("882E", "shipped", False),
        ("direct", "shipped", False), ("LEC-160", "line", False)]
    assert set(listed[0]) == {"name", "origin", "zh", "en", "combine", "factors", "band_tables",
                              "default_band_table", "in_use"}
    assert run("line", "set", "--method", "lec-160", db=line_db).exit_code == 0
    line = json.loads(run("line", "show", "--json", db=line_db).output)
    assert (line["scoring_method"], line["band_table"]) == ("LEC-160", None)
    shown = json.loads(run("scale", "show", "LEC-160", "--json", db=line_db).output)
    assert (shown["name"], shown["origin"], shown["in_use"], shown["factors"]) == (
        "LEC-160", "line", True, ["L", "E", "C"])
    exposure = shown["scales"][1]
    assert exposure["factor"] == "E" and [v["value"] for v in exposure["values"]] == [
        10, 6, 5, 3, 2, 1, 0.5, 0.2]
    assert shown["tables"] == [{"name": "default", "zh": "D≥160 重大", "en": "D ≥ 160 major",
                                "default": True, "bounds": "half-open", "bands": [
                                    {"level": "major", "min": 160},
                                    {"level": "significant", "min": 70, "max": 160},
                                    {"level": "general", "min": 20, "max": 70},
                                    {"level": "low", "min": 0, "max": 20}]}]
    text = run("scale", "show", "LEC-160", db=line_db).output
    assert "E Exposure: 10 Continuous, 6 Daily, 5 Several times a day" in text
    assert "160 ≤ L×E×C: Major" in text and "70 ≤ L×E×C < 160: Significant" in text
    assert "Line LEC (E may be 5, D ≥ 160 major)" in run("scale", "list", db=line_db).output
    shipped = json.loads(run("scale", "show", "ls", "--json", db=line_db).output)
    assert [t["name"] for t in shipped["tables"]] == ["A", "B"] and shipped["origin"] == "shipped"
    assert "S=1: P=A Major" in run("scale", "show", "882E", db=line_db).output
    result = run("scale", "show", "nope", db=line_db)
    assert (result.exit_code, result.output) == (1, "Error: no scale 'nope'; choose from LEC, LS, "
                                                    "882E, direct, LEC-160\n")
    # added again: replaced, not duplicated
    again = json.loads(run("scale", "add", file, "--json", db=line_db).output)
    assert (again["name"], again["replaced"]) == ("LEC-160", True)
    assert len(json.loads(run("scale", "list", "--json", db=line_db).output)) == 5
    result = run("line", "set", "--method", "direct", db=line_db)
    assert result.exit_code == 1 and "not a line's method" in result.output


def test_a_band_table_alone_belongs_to_the_lines_current_method(run, line_db) -> None:
    assert run("line", "set", "--method", "LS", db=line_db).exit_code == 0
    assert run("line", "set", "--band-table", "B", db=line_db).exit_code == 0
    line = json.loads(run("line", "show", "--json", db=line_db).output)
    assert (line["scoring_method"], line["band_table"]) == ("LS", "B")


BAD = [  # (old, new, the one line it gives)
    ('method = "LEC-160"\n', '', "method: must be non-empty text"),
    ('method = "LEC-160"', 'method = "LEC 160"', "method: 'LEC 160' cannot be a name"),
    ('combine = "product"', 'combine = "sum"',
     'combine: must be "product" (factors multiplied) or "matrix", not \'sum\''),
    ('factors = ["L", "E", "C"]', 'factors = ["L", "E", "X"]',
     "factors[2]: 'X' is not a register score column; use L, E, C, S, P"),
    ('factors = ["L", "E", "C"]', 'factors = ["L", "E", "E"]', "factors: a factor is repeated"),
    ("[scales.C]", "[scales.Q]", "scales.Q: unknown key; known keys: C, E, L"),
    ("values = [100, 40, 15, 7, 3, 1]", "values = [100, 40, 15, 7, 3, 3]",
     "scales.C.values[5].value: value 3 is repeated"),
    ("values = [100, 40, 15, 7, 3, 1]", 'values = [100, "forty", 15, 7, 3, 1]',
     "scales.C.values[1].value: must be a number (no quotes), not 'forty'"),
    ("values = [10, 6, 3, 1, 0.5, 0.2, 0.1]", "values = [10, 6, 3, 1, 0.5, 0.2, 0]",
     "scales.L.values[6].value: must be above 0"),
    ('{ level = "较大", min = 70, max = 160 }', '{ level = "巨大", min = 70, max = 160 }',
     "band_tables.default.bands[1].level: '巨大' is not a risk level"),
    ('{ level = "较大", min = 70, max = 160 }', '{ level = "较大", min = 80, max = 160 }',
     "band_tables.default.bands[1].min: must equal the max of bands[2], 70 (no gap between bands)"),
    ('{ level = "较大", min = 70, max = 160 }', '{ level = "较大", min = 60, max = 160 }',
     "band_tables.default.bands[2]: overlaps bands[1]"),
    ('{ level = "low", min = 0, max = 20 }', '{ level = "low", min = 1, max = 20 }',
     "band_tables.default.bands[3].min: the lowest band must start at 0"),
    ('{ level = "major", min = 160 }', '{ level = "major", min = 160, max = 1000 }',
     "band_tables.default.bands[0].max: the top band must have no max"),
    ('{ level = "major", min = 160 }', '{ level = "major" }',
     "band_tables.default.bands[0].min: has no min"),
    ("bands = [", "bandz = [", "band_tables.default.bandz: unknown key"),
    ('en = "D ≥ 160 major"', 'en = "D ≥ 160 major"\nbounds = "open"',
     'band_tables.default.bounds: must be "half-open"'),
    ("[band_tables.default]", "[band_tables.other]\nbands = []\n\n[band_tables.default]",
     "band_tables.other.bands: must be a list of bands"),
    ("source =", "sauce =", "sauce: unknown key; known keys: band_tables, combine"),
    ('en = "Line LEC (E may be 5, D ≥ 160 major)"', 'en = 5', "en: must be text (in quotes)"),
]


@pytest.mark.parametrize("old,new,message", BAD, ids=[m.split(":")[0] for _, _, m in BAD])
def test_each_bad_scale_file_is_one_line_naming_its_key(run, line_db, tmp_path, old, new,
                                                         message) -> None:
    assert old in LEC_160
    file = write(tmp_path, LEC_160.replace(old, new, 1), "bad.toml")
    result = run("scale", "add", file, db=line_db)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: scale file {file}, {message}"), result.output
    assert result.output.count("\n") == 1
    zh = run("scale", "add", file, db=line_db, lang="zh").output
    assert zh.startswith(f"错误：评分表文件 {file} 的 {message.split(':')[0]} 有误：")
    assert [s["name"] for s in json.loads(run("scale", "list", "--json", db=line_db).output)] \
        == ["LEC", "LS", "882E", "direct"]  # nothing stored


def test_a_bad_file_that_is_not_toml_a_shipped_name_or_missing(run, line_db, tmp_path) -> None:
    file = write(tmp_path, "method = \n", "broken.toml")
    assert run("scale", "add", file, db=line_db).output.startswith(
        f"Error: scale file {file} is not valid TOML: ")
    file = write(tmp_path, LEC_160.replace('"LEC-160"', '"lec"', 1), "shipped.toml")
    assert run("scale", "add", file, db=line_db).output == (
        f"Error: scale file {file}, method: 'lec' is a shipped method's name; give the line's "
        "scale its own name (e.g. lec-160)\n")
    missing = str(tmp_path / "nowhere.toml")
    assert run("scale", "add", missing, db=line_db).output == f"Error: no scale file {missing}\n"


def test_a_matrix_scale_and_one_with_several_tables() -> None:
    matrix = """method = "RM-3"\nzh = "三级矩阵"\nen = "3 × 3 matrix"\ncombine = "matrix"
factors = ["S", "L"]\n[scales.S]\nvalues = [1, 2, 3]\n[scales.L]\nvalues = ["A", "B", "C"]
[band_tables.m]\nmatrix = [["major", "major", "significant"], ["significant", "general", "low"],
 ["general", "low", "low"]]\n"""
    found = load_scale_text(matrix)
    assert found.evaluate({"S": 2, "L": "b"}) == (None, "general")
    assert found.risk_code({"S": 2, "L": "B"}) == "2B"
    with pytest.raises(ScaleFileError) as err:
        parse_scale(matrix.replace('["general", "low", "low"]', '["general", "low"]'), "m.toml")
    assert err.value.message("en") == ("scale file m.toml, band_tables.m.matrix[2]: must have 3 "
                                       "columns (one per L value)")
    two = LEC_160 + '\n[band_tables.d240]\nbands = [{ level = "major", min = 240 }, ' \
                    '{ level = "significant", min = 0, max = 240 }]\n'
    with pytest.raises(ScaleFileError) as err:
        parse_scale(two, "two.toml")
    assert "default_band_table: must name one of band_tables: default, d240" in \
        err.value.message("en")
    chosen = load_scale_text(two.replace('combine = "product"',
                                         'combine = "product"\ndefault_band_table = "d240"'))
    assert chosen.evaluate({"L": 3, "E": 5, "C": 15}) == (225, "significant")
    assert chosen.evaluate({"L": 3, "E": 5, "C": 15}, "default") == (225, "major")


# --- hazard.level-mismatch -----------------------------------------------------------------------------

def _hazard(**changes) -> dict:
    h = {"id": "H-1", "location": "S01", "description": "站台门夹人", "method": "LEC-160",
         "band_table": None, "factors": {"L": 3, "E": 5, "C": 15}, "score": 225.0,
         "level": "major", "level_given": "significant",
         "residual_factors": {"L": 1, "E": 5, "C": 3}, "residual_score": 15.0,
         "residual_level": "low", "evaluated_on": "2026-10-01",
         "controls": [{"id": 1, "type": "engineering", "description": "防夹挡板"}],
         "owner_unit": "C", "owner": "1", "review_days": None, "last_review": "2026-10-01",
         "linked_drills": ["EM-PSD-FAILURE"], "status": "controlled",
         "needs_reevaluation": False, "acceptance": None, "voided_acceptances": []}
    h.update(changes)
    return h


def _check(h: dict, settings: dict | None = None) -> list:
    ctx = CheckContext(as_of=dt.date(2026, 11, 23),
                       units={"C": {"code": "C", "level": "company", "parent_code": None}},
                       people={"1": {"staff_id": "1", "unit_code": "C"}},
                       line_settings=settings if settings is not None else SETTINGS)
    return check_register([h], ctx)


def test_level_mismatch_names_both_levels_the_score_and_the_lines_table() -> None:
    found = [f for f in _check(_hazard()) if f.code == "hazard.level-mismatch"]
    assert [f.message("en") for f in found] == [
        "H-1 is recorded as Significant, but its score L3 E5 C15 = 225 (LEC-160) gives Major"]
    assert found[0].message("zh") == "H-1 台帐填写等级为 较大，但评分 L3 E5 C15 = 225 (LEC-160) 对应 重大"
    # a shipped method under another band table also names the table
    found = _check(_hazard(method="LS", band_table="B", factors={"L": 3, "S": 4}, score=12.0,
                           level="general", level_given="significant"))
    assert [f.message("en") for f in found if f.code == "hazard.level-mismatch"] == [
        "H-1 is recorded as Significant, but its score L3 S4 = 12 (LS/B) gives General"]
    # a scale no longer on the line: the stored scoring is still named
    found = _check(_hazard(), settings={})
    assert [f.message("en") for f in found if f.code == "hazard.level-mismatch"] == [
        "H-1 is recorded as Significant, but its score L3 E5 C15 = 225 (LEC-160) gives Major"]
    # the published level agreeing with the table: no finding
    assert "hazard.level-mismatch" not in [f.code for f in _check(_hazard(level_given=None))]


def test_a_direct_judgement_counts_as_scored_and_is_accepted_at_its_level() -> None:
    h = _hazard(method=DIRECT, factors={}, score=None, level="major", level_given=None,
                residual_factors={}, residual_score=None, residual_level=None,
                basis="违反强制性标准")
    codes = [f.code for f in _check(h)]
    assert "hazard.no-score" not in codes and "hazard.level-mismatch" not in codes
    missing = [f for f in _check(h) if f.code == "hazard.acceptance-missing"]
    assert [f.params["level"] for f in missing] == [("risk_level", "major")]
    h["acceptance"] = {"accepted_by": "1", "org_level": "company", "accepted_on": "2026-10-02",
                       "valid_until": "2027-10-01", "snapshot_hash": snapshot_hash(h),
                       "voided_at": None, "void_reason": None}
    assert not [c for c in (f.code for f in _check(h)) if c.startswith("hazard.acceptance")]
    # a scored hazard without a residual score still lacks one
    scored = _hazard(residual_factors={}, residual_score=None, residual_level=None)
    assert "hazard.no-score" in [f.code for f in _check(scored)]


def test_a_hazard_added_under_the_lines_scale_and_level_words(run, org_db, tmp_path) -> None:
    """End to end: the line scores with its own scale (E = 5, D ≥ 160 → 重大) and reads levels
    with its level words; the published level is kept and `hazard check` names the mismatch."""
    assert run("scale", "add", write(tmp_path, LEC_160), db=org_db).exit_code == 0
    assert run("line", "set", "--method", "LEC-160", "--level-words", "colours",
               db=org_db).exit_code == 0
    result = run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
                 "passenger-operation", "--description", "站台门夹人", "--score",
                 "L=3,E=5,C=15", "--level", "橙色", "--json", db=org_db)
    assert result.exit_code == 0, result.output
    h = json.loads(result.output)
    assert (h["method"], h["score"], h["level"], h["level_given"]) == (
        "LEC-160", 225.0, "major", "significant")
    found = json.loads(run("hazard", "check", "--json", db=org_db).output)
    messages = [f["message"] for f in found if f["code"] == "hazard.level-mismatch"]
    assert messages == ["H-0001 is recorded as Significant, but its score L3 E5 C15 = 225 "
                        "(LEC-160) gives Major"]


def test_the_report_matrix_is_drawn_on_the_lines_own_scale(run, org_db, tmp_path) -> None:
    """A hazard scored E = 5 on the line's LEC-160 sits on the report's matrix (the shipped LEC has
    no such value), in the workbook's 风险矩阵 sheet and in the HTML heat map."""
    from openpyxl import load_workbook

    assert run("scale", "add", write(tmp_path, LEC_160), db=org_db).exit_code == 0
    assert run("line", "set", "--method", "LEC-160", db=org_db).exit_code == 0
    for n, score in enumerate(("L=3,E=5,C=15", "L=3,E=5,C=15", "L=1,E=5,C=3")):
        result = run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category",
                     "passenger-operation", "--description", f"站台门夹人 {n}", "--score", score,
                     db=org_db)
        assert result.exit_code == 0, result.output
    out = tmp_path / "r.xlsx"
    result = run("report", "-o", str(out), db=org_db)
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(out, read_only=True)["Matrix"].values)
    assert rows[0] == ("L \\ C", "100", "40", "15", "7", "3", "1")
    by_row = {r[0]: r[1:] for r in rows[1:]}
    assert list(by_row) == ["10", "6", "3", "1", "0.5", "0.2", "0.1"]
    assert by_row["3"] == (0, 0, 2, 0, 0, 0) and by_row["1"] == (0, 0, 0, 0, 1, 0)
    html = tmp_path / "r.html"
    assert run("report", "-o", str(html), db=org_db).exit_code == 0
    assert "Risk matrix (hazards)" in html.read_text(encoding="utf-8")
