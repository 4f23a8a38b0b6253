"""Coded values and messages: every code and message exists in both languages; parsing is forgiving."""

from __future__ import annotations

import re

import pytest

from readiness import vocab
from readiness.i18n import messages, t


def test_every_code_has_both_labels_and_unique_labels() -> None:
    for set_name, codes in vocab.code_sets().items():
        assert codes, set_name
        for lang in ("zh", "en"):
            labels = [c.label(lang) for c in codes.values()]
            assert len(labels) == len(set(labels)), (set_name, lang)


def test_issue_contract_codes_exist() -> None:
    assert list(vocab.codes("location_kind")) == ["station", "section", "depot", "control-centre"]
    assert list(vocab.codes("org_level")) == ["company", "hq", "centre", "division", "team"]
    assert list(vocab.codes("phase")) == ["site-follow-up", "acceptance", "handover",
                                          "commissioning", "pre-opening-assessment", "opening"]
    assert list(vocab.codes("risk_level")) == ["major", "significant", "general", "low"]


@pytest.mark.parametrize("text,code", [
    ("station", "station"), ("车站", "station"), ("Station", "station"), ("ＳＴＡＴＩＯＮ", "station"),
    ("车站 Station", "station"), ("  控制中心 ", "control-centre"), ("Control  centre", "control-centre"),
    ("地铁站", None), ("", None)])
def test_parse_accepts_codes_and_labels(text: str, code: str | None) -> None:
    assert vocab.parse("location_kind", text) == code


def test_every_message_has_both_languages_and_formats() -> None:
    for key, entry in messages().items():
        assert set(entry) == {"zh", "en"}, key
        for lang in ("zh", "en"):
            placeholders = set(re.findall(r"{(\w+)}", entry[lang]))
            other = "en" if lang == "zh" else "zh"
            assert placeholders == set(re.findall(r"{(\w+)}", entry[other])), key
            t(key, lang, **{p: "x" for p in placeholders})
