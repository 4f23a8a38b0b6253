"""The command line is a thin face: `cli.py` is the entry point, the commands live in
`readiness/commands/` and reach the store only through the library."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import cli
from workbooks import make_workbook

ROOT = Path(cli.__file__).resolve().parent
COMMANDS = Path(cli.__file__).resolve().parent / "readiness" / "commands"
if not COMMANDS.exists():  # an installed copy: the package next to the installed cli.py
    import readiness.commands

    COMMANDS = Path(readiness.commands.__file__).resolve().parent


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_cli_py_is_the_thin_entry_point() -> None:
    lines = Path(cli.__file__).read_text(encoding="utf-8").splitlines()
    assert len(lines) < 300, len(lines)
    assert callable(cli.main) and cli.cli.commands


def test_command_modules_import_only_click_the_library_and_the_shared_options() -> None:
    modules = sorted(COMMANDS.glob("*.py"))
    assert {"options.py", "hazards.py", "imports.py"} <= {m.name for m in modules}
    for module in modules:
        for name in imports_of(module):
            top = name.split(".")[0]
            assert top not in ("sqlalchemy", "cli"), (module.name, name)
            assert not name.startswith("readiness.store.schema"), (module.name, name)
            assert not name.startswith("readiness.commands.") or name == \
                "readiness.commands.options", (module.name, name)


def test_the_audit_records_the_command_as_typed(run, line_db, tmp_path) -> None:
    head = ["编号 ID", "名称 Name", "类型 Kind", "顺序 Order"]
    book = make_workbook(tmp_path / "t.xlsx", {"位置": [head, ["S01", "甲站", "车站", 1],
                                                          ["S02", "乙站", "车站", 2]]})
    assert run("import", str(book), db=line_db, user="me").exit_code == 0
    records = json.loads(run("audit", "log", "--entity", "locations", "--json",
                             db=line_db).output)
    assert records and {r["command"] for r in records} == {f"import {book}"}


def test_checklist_list_refuses_an_unknown_phase(run, line_db) -> None:
    result = run("checklist", "list", "--phase", "bogus", db=line_db)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --phase: 'bogus' is not valid")
    result = run("checklist", "list", "--status", "bogus", db=line_db)
    assert result.exit_code == 1 and "--status" in result.output
    listed = json.loads(run("checklist", "list", "--phase", "handover", "--json",
                            db=line_db).output)
    assert listed and {i["phase"] for i in listed} == {"handover"}
    assert not {"row_id", "code"} & set(listed[0])
