"""CLI contract: exit codes, one-line errors in the chosen language, --json, help on every command."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

import cli
from readiness import __version__


def test_version(run) -> None:
    result = run("--version")
    assert (result.exit_code, result.output) == (0, f"readiness, version {__version__}\n")


def test_usage_error_exits_2(run) -> None:
    result = run("init")
    assert result.exit_code == 2
    assert "Missing option '--line'" in result.output


def test_runtime_error_is_one_line_exit_1_in_both_languages(run, tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    en = run("line", "list", db=str(missing))
    assert (en.exit_code, en.output) == (
        1, f"Error: no store at {missing}: run readiness init --line NAME first\n")
    zh = run("line", "list", db=str(missing), lang="zh")
    assert (zh.exit_code, zh.output) == (
        1, f"错误：找不到数据库 {missing}：请先运行 readiness init --line 线路名称\n")


def test_bad_option_values_are_errors_not_tracebacks(run, line_db: str) -> None:
    result = run("line", "set", "--opening-date", "28/12/2026", db=line_db)
    assert (result.exit_code, result.output) == (
        1, "Error: --opening-date: '28/12/2026' is not a date; use YYYY-MM-DD\n")
    result = run("line", "set", "--profile", "mot-1999", db=line_db)
    assert result.exit_code == 1
    assert result.output == ("Error: --profile: 'mot-1999' is not valid; choose from "
                             "MoT 2019 (Jiaobanyun [2019] No. 17) / MoT 2023, conventional line / "
                             "MoT 2023, fully automatic line\n")
    result = run("init", "--line", "L9", db=line_db)
    assert (result.exit_code, result.output) == (1, "Error: line 'L9' already exists\n")


def test_several_lines_need_line_option(run, line_db: str) -> None:
    assert run("init", "--line", "L10", db=line_db).exit_code == 0
    result = run("line", "show", db=line_db)
    assert result.output == "Error: the store holds several lines; choose one with --line: L10, L9\n"
    shown = json.loads(run("line", "show", "--line", "L10", "--json", db=line_db).output)
    assert shown["name"] == "L10"
    result = run("line", "show", "--line", "L11", db=line_db)
    assert result.output == "Error: no line called 'L11' (known: L10, L9)\n"


def test_unexpected_error_has_no_traceback_unless_debug(run, line_db: str, monkeypatch) -> None:
    import readiness.lines

    def boom(*_a, **_k):
        raise KeyError("surprise")

    monkeypatch.setattr(readiness.lines, "list_lines", boom)
    result = run("line", "list", db=line_db)
    assert result.exit_code == 1
    assert result.output == ("Error: internal error: KeyError: 'surprise' "
                             "(run with --debug for details)\n")
    with pytest.raises(KeyError):
        run("--debug", "line", "list", db=line_db)


def test_json_outputs_parse_with_stable_keys(run, line_db: str) -> None:
    lines = json.loads(run("line", "list", "--json", db=line_db).output)
    assert lines[0]["name"] == "L9" and lines[0]["profile"] == "mot-2023"
    assert lines[0]["phase"] == "site-follow-up"  # a code, not a label
    shown = json.loads(run("line", "show", "--json", db=line_db).output)
    assert set(shown) >= {"name", "planned_opening", "handover_date", "profile", "phase",
                          "locations"}
    assert json.loads(run("location", "list", "--json", db=line_db).output) == []
    status = json.loads(run("db", "status", "--json", db=line_db).output)
    assert status["state"] == "current" and status["revision"] == status["head"]
    audit = json.loads(run("audit", "log", "--entity", "lines", "--json", db=line_db).output)
    assert audit[0]["action"] == "create" and audit[0]["entity"] == "lines"
    created = json.loads(run("init", "--line", "L2", "--json", db=line_db).output)
    assert created["name"] == "L2"


def test_terminal_tables_show_labels_in_the_chosen_language(run, line_db: str) -> None:
    assert "现场跟踪" in run("line", "list", db=line_db, lang="zh").output
    assert "Site follow-up" in run("line", "list", db=line_db, lang="en").output


def test_db_upgrade_on_current_store_is_a_noop(run, line_db: str) -> None:
    result = run("db", "upgrade", db=line_db)
    assert result.exit_code == 0 and "already at the newest schema" in result.output


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found += _commands(command, prefix + name + " ")
    return found


@pytest.mark.parametrize("name,command", _commands(cli.cli))
def test_every_command_has_help(name: str, command: click.Command) -> None:
    assert command.help and command.help.strip(), f"readiness {name} has no help text"
