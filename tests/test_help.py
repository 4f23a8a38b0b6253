"""`--help` of every command, in Chinese and in English, and the README's command reference.

The commands are discovered from the click group, so a command added later is covered without
touching this file.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import cli
from readiness import cli_text

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# Chinese that English help may show: example values a user types, and the workbooks' sheet
# names (which are bilingual in the files themselves).
CHINESE_EXAMPLES = ("站台门", "客运组织", "物的因素", "陈静", "运营中的安全", "设备交接",
                    "位置", "危险源台帐", "管控措施", "单位", "人员", "责任状", "演练记录",
                    "任务评估", "演练科目", "关键任务", "问题整改", "安全要点", "试运行",
                    "隐患排查记录", "隐患排查治理台账")
README = Path(__file__).resolve().parents[1] / "README.md"


def commands(command: click.Command = cli.cli, path: tuple[str, ...] = ()):
    yield path, command
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from commands(command.commands[name], (*path, name))


ALL = list(commands())
IDS = [" ".join(p) or "readiness" for p, _ in ALL]


def options(command: click.Command) -> list[click.Option]:
    ctx = click.Context(command)
    return [p for p in command.get_params(ctx) if isinstance(p, click.Option)]


def help_text(path: tuple[str, ...], lang: str) -> str:
    result = CliRunner().invoke(cli.cli, ["--lang", lang, *path, "--help"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def option_entries(text: str) -> dict[str, str]:
    """The Options section of a help page: each option's entry (all its wrapped lines), by its
    first line's option names, e.g. "-o, --output"."""
    section = re.split(r"\n(?:Options|选项)[:：]\n", text, maxsplit=1)[1]
    section = re.split(r"\n\n(?:Commands|命令)[:：]\n", section, maxsplit=1)[0]
    entries: dict[str, str] = {}
    current = None
    for line in section.splitlines():
        if re.match(r"  -", line):
            names = re.match(r"\s*((?:-{1,2}[\w-]+(?:, )?)+)", line)
            assert names, line
            current = names.group(1).rstrip(", ")
            entries[current] = line[names.end():]
        elif current is not None and line.strip():
            entries[current] += " " + line.strip()
    return entries


def description(text: str) -> str:
    """The command's own help paragraph(s): between the usage line and the options."""
    return re.split(r"\n(?:Options|选项)[:：]\n", text, maxsplit=1)[0].split("\n", 1)[1]


def test_the_walk_finds_every_command() -> None:
    found = set(IDS)
    assert {"readiness", "hazard add", "hazard control add", "db upgrade", "assess history",
            "template drill-runs", "checklist show", "line list", "line show"} <= found
    assert len(found) >= 75


def shown_names(option: click.Option) -> list[str]:
    """The names help shows: all of them, except an old spelling kept working (`--date` of
    `--on`), which is no longer taught."""
    return getattr(option, "shown_opts", option.opts)


@pytest.mark.parametrize("path,command", ALL, ids=IDS)
def test_chinese_help_is_chinese(path: tuple[str, ...], command: click.Command) -> None:
    text = help_text(path, "zh")
    assert text.startswith("用法：") and "Usage:" not in text and "Options:" not in text
    assert CJK.search(description(text)), f"no Chinese help for {' '.join(path)}:\n{text}"
    entries = option_entries(text)
    for option in options(command):
        name = ", ".join(shown_names(option))
        assert name in entries, (name, text)
        assert CJK.search(entries[name]), (path, name, "not in Chinese", entries[name])
        english = " ".join((option.help or "").split())
        if " " in english:  # a sentence, not a bare file pattern such as FILE.xlsx
            assert english not in " ".join(text.split()), (path, english)
    if isinstance(command, click.Group):
        listed = text.split("命令：\n", 1)[1]
        for name in command.commands:
            row = re.search(rf"^  {re.escape(name)}\s+(.*)$", listed, re.M)
            assert row and CJK.search(row.group(1)), (path, name, listed)
    if command.help:
        assert " ".join(command.help.split()[:6]) not in " ".join(text.split())


@pytest.mark.parametrize("path,command", ALL, ids=IDS)
def test_english_help_is_english(path: tuple[str, ...], command: click.Command) -> None:
    text = help_text(path, "en")
    assert text.startswith("Usage:") and "\nOptions:\n" in text
    rest = text
    for example in CHINESE_EXAMPLES:
        rest = rest.replace(example, "")
    assert not CJK.search(rest), f"Chinese in the English help of {' '.join(path)}:\n{text}"
    entries = option_entries(text)
    for option in options(command):
        assert ", ".join(shown_names(option)) in entries, (option.opts, text)


@pytest.mark.parametrize("path,command", ALL, ids=IDS)
def test_every_command_and_option_has_help_in_both_languages(
        path: tuple[str, ...], command: click.Command) -> None:
    key = " ".join(path)
    assert (command.help or "").strip(), f"{key or 'readiness'} has no help"
    assert (key or cli_text.ROOT) in cli_text.tables()["commands"], f"no Chinese help for {key}"
    for option in options(command):
        assert (option.help or "").strip(), f"{key} {option.opts[-1]} has no help"
        zh = cli_text.option_help(option.help, "zh")
        assert zh and CJK.search(zh), f"{key} {option.opts[-1]}: no Chinese for {option.help!r}"


def test_no_stale_chinese_help() -> None:
    """Every Chinese entry still belongs to a command or an option's English help: English
    help that was reworded without its Chinese shows up here as well as above."""
    paths = {" ".join(p) or cli_text.ROOT for p, _ in ALL}
    assert set(cli_text.tables()["commands"]) <= paths, set(cli_text.tables()["commands"]) - paths
    used = {" ".join(o.help.split()) for _, c in ALL for o in options(c) if o.help}
    assert set(cli_text.tables()["options"]) <= used, set(cli_text.tables()["options"]) - used


def test_help_follows_the_language_chosen_before_the_command(monkeypatch) -> None:
    runner = CliRunner()
    monkeypatch.delenv("READINESS_LANG", raising=False)
    assert runner.invoke(cli.cli, ["--help"]).output.startswith("用法：")
    assert runner.invoke(cli.cli, ["--lang", "en", "--help"]).output.startswith("Usage:")
    assert runner.invoke(cli.cli, ["--lang=en", "hazard", "--help"]).output.startswith("Usage:")
    assert "Add a hazard" in runner.invoke(cli.cli, ["--db", "x.db", "--lang", "en", "hazard",
                                                     "add", "--help"]).output
    english = runner.invoke(cli.cli, ["hazard", "list", "--help"],
                            env={"READINESS_LANG": "en"}).output
    assert english.startswith("Usage:") and not CJK.search(english.replace("站台门", "")
                                                          .replace("物的因素", ""))
    chinese = runner.invoke(cli.cli, ["--lang", "zh", "hazard", "list", "--help"],
                            env={"READINESS_LANG": "en"}).output
    assert chinese.startswith("用法：")


def test_chinese_help_wraps_by_terminal_columns() -> None:
    text = help_text(("hazard", "add"), "zh")
    for line in text.splitlines():
        assert cli_text.width(line) <= 80, line
    assert not re.search(r"[（“]\n", text)  # an opening bracket never ends a line


def test_readme_documents_every_command() -> None:
    readme = README.read_text(encoding="utf-8")
    shown = r"readiness (?:--?[\w-]+ (?:\S+ )?)*{}\b"  # global options may come first
    missing = [" ".join(p) for p, _ in ALL
               if p and not re.search(shown.format(re.escape(" ".join(p))), readme)]
    assert not missing, f"README.md does not show these commands: {missing}"
