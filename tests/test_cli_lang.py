"""One language at a time: click's usage errors, the lists of allowed values and what `assess`
prints follow --lang (Chinese by default), with no English left in Chinese and the reverse."""

from __future__ import annotations

import re

from click.testing import CliRunner

import cli

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
CLICK_ENGLISH = ("Usage:", "Error:", "Missing", "Try '", "No such", "Invalid value", "is not",
                 "Did you mean", "Options", "does not exist")


def usage_errors(run, db: str, lang: str) -> dict[str, str]:
    """A usage error of each kind click raises, as the user sees it."""
    cases = {
        "missing option": ("hazard", "evaluate", "H-0001", "--score", "L=1,E=1,C=1"),
        "missing argument": ("hazard", "show"),
        "no such option": ("hazard", "list", "--levl", "重大"),
        "no such command": ("hazrd", "list"),
        "bad integer": ("hazard", "add", "--location", "S01", "--specialty", "psd",
                        "--category", "x", "--description", "d", "--review-days", "often"),
        "out of range": ("pdca", "burndown", "--weeks", "0"),
        "missing file": ("profile", "add", "no-such-profile.toml"),
        "extra argument": ("line", "list", "surplus"),
    }
    out = {}
    for name, args in cases.items():
        result = run(*args, db=db, lang=lang)
        assert result.exit_code == 2, (name, result.output)
        out[name] = result.output
    return out


def test_click_usage_errors_are_chinese_by_default(run, line_db: str) -> None:
    out = usage_errors(run, line_db, "zh")
    assert "错误：缺少选项 --residual\n" in out["missing option"]
    assert "错误：缺少参数 HAZARD_ID\n" in out["missing argument"]
    assert "错误：没有选项 --levl （是否指其中之一：" in out["no such option"]
    assert "--level" in out["no such option"]
    assert "错误：没有命令“hazrd” （是否指 hazard？）" in out["no such command"]
    assert "错误：--review-days 的值无效：“often”不是有效的整数\n" in out["bad integer"]
    assert "错误：--weeks 的值无效：0 不在允许的范围" in out["out of range"]
    assert "文件“no-such-profile.toml”不存在" in out["missing file"]
    assert "错误：多余的参数（surplus）" in out["extra argument"]
    for name, text in out.items():
        assert "用法：" in text and "--help”查看帮助" in text, (name, text)
        leaked = [w for w in CLICK_ENGLISH if w in text]
        assert not leaked, (name, leaked, text)


def test_click_usage_errors_are_english_with_lang_en(run, line_db: str) -> None:
    out = usage_errors(run, line_db, "en")
    assert "Error: Missing option '--residual'." in out["missing option"]
    assert "Error: Missing argument 'HAZARD_ID'." in out["missing argument"]
    assert "Error: 'often' is not a valid integer." in out["bad integer"] or \
        "Invalid value for '--review-days': 'often' is not a valid integer." in out["bad integer"]
    for name, text in out.items():
        assert text.startswith("Usage:") and "Try '" in text, (name, text)
        assert not CJK.search(text.replace("重大", "")), (name, text)


def test_language_of_a_usage_error_in_the_top_level_options(monkeypatch) -> None:
    runner = CliRunner()
    monkeypatch.delenv("READINESS_LANG", raising=False)
    wrong = runner.invoke(cli.cli, ["--lang", "fr", "line", "list"])
    assert wrong.exit_code == 2
    assert "错误：--lang 的值无效：“fr”不是可选值之一：zh, en" in wrong.output
    unknown = runner.invoke(cli.cli, ["--lang", "en", "--nope", "line", "list"])
    assert unknown.exit_code == 2 and "Error: No such option '--nope'" in unknown.output
    unknown = runner.invoke(cli.cli, ["--nope"], env={"READINESS_LANG": "en"})
    assert "Error: No such option '--nope'" in unknown.output
    assert "错误：没有选项 --nope" in runner.invoke(cli.cli, ["--nope"]).output


def test_allowed_values_are_listed_as_labels_in_the_language(run, org_db: str) -> None:
    zh = run("hazard", "list", "--level", "catastrophic", db=org_db, lang="zh")
    assert (zh.exit_code, zh.output) == (
        1, "错误：--level 的值“catastrophic”无效，可选：重大 / 较大 / 一般 / 较小\n")
    en = run("hazard", "list", "--level", "catastrophic", db=org_db)
    assert en.output == ("Error: --level: 'catastrophic' is not valid; "
                         "choose from Major / Significant / General / Low\n")
    zh = run("pdca", "list", "--class", "urgent", db=org_db, lang="zh").output
    assert zh == "错误：--class 的值“urgent”无效，可选：开通前必须整改 / 限期整改 / 改进建议\n"
    zh = run("checklist", "set", "CL-HO-01", "--status", "finished", db=org_db, lang="zh").output
    assert zh.startswith("错误：--status 的值“finished”无效，可选：未开始 / ")
    assert not re.search(r"[a-z]{3,}", zh.split("可选：")[1]), zh
    zh = run("hazard", "add", "--location", "S01", "--specialty", "lifts", "--category", "客运组织",
             "--description", "d", db=org_db, lang="zh").output
    assert zh.startswith("错误：--specialty 的值“lifts”无效，可选：车辆 / ") and "站台门" in zh
    zh = run("drill", "record", "R-1", "--scenario", "EM-PSD-FAILURE", "--date", "2026-10-01",
             "--form", "imaginary", db=org_db, lang="zh").output
    assert "可选：" in zh and not re.search(r"live|tabletop", zh), zh


def test_assess_prints_one_language(run, org_db: str) -> None:
    zh = run("assess", "--dry-run", "--as-of", "2026-11-23", db=org_db, lang="zh")
    assert zh.exit_code == 0, zh.output
    coverage = next(ln for ln in zh.output.splitlines() if "DR-COVERAGE" in ln)
    assert "运营组织方案演练" in coverage and "现场处置" in coverage, coverage
    # criterion IDs and the profile's code are codes; everything else is Chinese
    words = re.sub(r"\b[A-Z]{2}-[A-Z-]+\b|mot-[\w-]+", "", zh.output)
    assert not re.search(r"[A-Za-z]{2,}", words), words
    en = run("assess", "--dry-run", "--as-of", "2026-11-23", db=org_db)
    assert en.exit_code == 0, en.output
    assert "categories or plan tiers not drilled: Operation organisation" in en.output
    assert not CJK.search(en.output), en.output
    network = run("assess", "--all-lines", "--dry-run", db=org_db, lang="zh").output
    assert not re.search(r"[A-Za-z]{2,}", re.sub(r"mot-[\w-]+|L9", "", network)), network
