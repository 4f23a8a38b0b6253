"""Scoring methods: every scale and band edge, and validation of the data files."""

from __future__ import annotations

from importlib import resources

import pytest

from hazards.scoring import MethodDataError, load_method_text, method
from readiness.errors import InvalidValue


@pytest.mark.parametrize("l,e,c,score,level", [
    (6, 6, 15, 540, "major"), (3, 6, 7, 126, "general"), (10, 1, 7, 70, "general"),
    (1, 10, 7, 70, "general"), (3, 3, 7, 63, "low"), (10, 6, 3, 180, "significant"),
    (0.1, 0.5, 1, 0.05, "low"), (10, 10, 100, 10000, "major")])
def test_lec_scores_and_levels(l, e, c, score, level) -> None:
    assert method("LEC").evaluate({"L": l, "E": e, "C": c}) == (score, level)


@pytest.mark.parametrize("d,level", [(320, "major"), (319.99, "significant"),
                                     (160, "significant"), (159.99, "general"), (70, "general"),
                                     (69.99, "low"), (0, "low"), (1e6, "major")])
def test_lec_band_edges_follow_the_documented_convention(d, level) -> None:
    assert method("LEC").table(None).level_for(d) == level


@pytest.mark.parametrize("l,s,table,level", [
    (4, 4, "A", "significant"), (2, 2, "A", "general"), (5, 4, "A", "major"), (3, 3, "A", "significant"),
    (2, 4, "A", "general"), (1, 3, "A", "low"), (5, 5, "A", "major"),
    (4, 4, "B", "significant"), (5, 3, "B", "significant"), (3, 4, "B", "general"),
    (3, 3, "B", "general"), (2, 4, "B", "low"), (4, 5, "B", "major"), (1, 1, "B", "low")])
def test_risk_matrix_band_tables(l, s, table, level) -> None:
    assert method("LS").evaluate({"L": l, "S": s}, table) == (l * s, level)


def test_matrix_default_band_table_is_a() -> None:
    assert method("LS").evaluate({"L": 3, "S": 3}) == (9, "significant")


@pytest.mark.parametrize("sev,prob,level", [
    (1, "A", "major"), (1, "C", "major"), (1, "D", "significant"), (1, "E", "general"),
    (2, "C", "significant"), (3, "A", "significant"), (3, "D", "general"), (4, "E", "low"),
    (1, "F", "low"), (4, "A", "general")])
def test_mil_std_882e_matrix(sev, prob, level) -> None:
    assert method("882E").evaluate({"S": sev, "P": prob}) == (None, level)
    assert method("882E").risk_code({"S": sev, "P": prob}) == f"{sev}{prob}"


@pytest.mark.parametrize("code,factors,message", [
    ("LEC", {"L": 4, "E": 6, "C": 15},
     "LEC L cannot be 4; allowed: 10, 6, 3, 1, 0.5, 0.2, 0.1"),
    ("LEC", {"L": 6, "E": 6}, "LEC scoring lacks C"),
    ("LS", {"L": 6, "S": 1}, "LS L cannot be 6; allowed: 5, 4, 3, 2, 1"),
    ("882E", {"S": 5, "P": "A"}, "882E S cannot be 5; allowed: 1, 2, 3, 4"),
    ("882E", {"S": 1, "P": "G"}, "882E P cannot be G; allowed: A, B, C, D, E, F")])
def test_off_scale_values_are_refused(code, factors, message) -> None:
    with pytest.raises(InvalidValue) as err:
        method(code).evaluate(factors)
    assert err.value.message("en") == message


def test_factor_values_match_across_types() -> None:
    assert method("LEC").evaluate({"L": "0.5", "E": 6.0, "C": "15"}) == (45, "low")
    assert method("882E").evaluate({"S": "2", "P": "b"}) == (None, "major")


def _data(name: str) -> str:
    return resources.files("hazards").joinpath("data", name).read_text("utf-8")


@pytest.mark.parametrize("name,old,new,reason", [
    ("lec.toml", '{ level = "significant", min = 160, max = 320 }',
     '{ level = "significant", min = 170, max = 320 }', "a gap between general and significant"),
    ("lec.toml", '{ level = "general", min = 70, max = 160 }',
     '{ level = "general", min = 70, max = 200 }', "overlap"),
    ("ls.toml", '{ level = "general", min = 4, max = 8 },', '{ level = "general", min = 5, max = 8 },',
     "score 4 falls in 0 bands"),
    ("ls.toml", '{ level = "low", min = 1, max = 3 },', '{ level = "catastrophe", min = 1, max = 3 },',
     "unknown level"),
    ("882e.toml", '["general", "general", "low", "low", "low", "low"],',
     '["general", "general", "low", "low", "low"],', "the matrix must be 4 × 6"),
    ("lec.toml", "{ value = 6, zh = \"相当可能\", en = \"Quite possible\" },",
     "{ value = 10, zh = \"相当可能\", en = \"Quite possible\" },", "scale L repeats"),
])
def test_bad_method_data_is_a_clear_error(name, old, new, reason) -> None:
    text = _data(name)
    assert old in text
    code = {"lec.toml": "LEC", "ls.toml": "LS", "882e.toml": "882E"}[name]
    with pytest.raises(MethodDataError) as err:
        load_method_text(code, text.replace(old, new, 1))
    assert reason in err.value.message("en")
    assert err.value.message("en").startswith(f"scoring data file {name} is invalid")


def test_shipped_methods_validate() -> None:
    for code in ("LEC", "LS", "882E"):
        assert method(code).code == code


def test_factor_scores_as_typed_are_parsed_by_the_library() -> None:
    from hazards.register import score_values
    from readiness.errors import InvalidValue

    assert score_values("L=6，E=6, C=15", "S=1,P=C") == {
        "L": "6", "E": "6", "C": "15", "residual_S": "1", "residual_L": "C"}
    with pytest.raises(InvalidValue) as err:
        score_values("L=6,E6", None)
    assert err.value.message("en") == "--score: 'L=6,E6' should look like L=6,E=6,C=15"
