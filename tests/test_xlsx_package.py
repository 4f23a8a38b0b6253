"""One pattern for workbooks: `readiness/xlsx/` reads and writes .xlsx for everyone, and each
domain declares its template kinds in a module named the same way everywhere, `sheets.py`.

Only the package, the domains' `sheets.py` (the drill paper form and plan are laid out there)
and the Excel report (`readiness/report/excel.py`: charts and conditional formats) use openpyxl
or calamine themselves; everything else goes through the package. Nothing loads either library
until a file is read or written, so `readiness --help` stays fast.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from readiness.template_kinds import REGISTRY
from readiness.xlsx.spec import TemplateKind
from test_layers import ALL, hits, imported

XLSX_LIBRARIES = ("openpyxl", "python_calamine")
XLSX_PACKAGE = "readiness.xlsx"
REPORT_EXCEL = "readiness.report.excel"
# a domain's `sheets.py`, or a second one beside it named for what it holds (`inspection_sheets.py`)
SHEETS = sorted(name for name, _ in ALL if name.rpartition(".")[2] == "sheets"
                or name.rpartition(".")[2].endswith("_sheets"))


def _in_package(name: str) -> bool:
    return name == XLSX_PACKAGE or name.startswith(XLSX_PACKAGE + ".")


@pytest.mark.parametrize("kind", REGISTRY, ids=[k.name for k in REGISTRY])
def test_every_template_kind_is_declared_in_its_domains_sheets_module(kind) -> None:
    for target in filter(None, (kind.target, kind.export)):
        module_name, attr = target.split(":")
        module = importlib.import_module(module_name)
        stem = Path(module.__file__).stem
        assert stem == "sheets" or stem.endswith("_sheets"), target
        assert hasattr(module, attr), target
    declared = getattr(importlib.import_module(kind.target.split(":")[0]),
                       kind.target.split(":")[1])
    assert isinstance(declared, TemplateKind) and declared.kind == kind.name


def test_every_sheets_module_declares_a_registered_kind() -> None:
    """No stray `sheets.py`, and no kind declared anywhere else."""
    assert SHEETS == sorted({k.target.split(":")[0] for k in REGISTRY})


@pytest.mark.parametrize(("name", "path"), ALL, ids=[n for n, _ in ALL])
def test_only_the_package_the_sheets_and_the_report_touch_the_excel_libraries(name: str,
                                                                              path: Path) -> None:
    if _in_package(name) or name in SHEETS or name == REPORT_EXCEL:
        return
    assert hits(imported(path, name), XLSX_LIBRARIES) == [], \
        f"{name} imports an Excel library: go through readiness.xlsx"


def test_the_walk_sees_the_excel_libraries_where_they_are_used() -> None:
    """The rule above is not empty: the reader uses calamine, the writer openpyxl."""
    paths = dict(ALL)
    assert hits(imported(paths["readiness.xlsx.reader"], "readiness.xlsx.reader"),
                ("python_calamine",))
    assert hits(imported(paths["readiness.xlsx.writer"], "readiness.xlsx.writer"), ("openpyxl",))


@pytest.mark.parametrize(("name", "path"), ALL, ids=[n for n, _ in ALL])
def test_one_column_conversion_and_one_list_of_formula_starts(name: str, path: Path) -> None:
    """Column letters come from `readiness.xlsx.columns`, not openpyxl's helpers; formula-like
    text is defined once, in `readiness.xlsx.text`."""
    names = imported(path, name)
    assert hits(names, ("openpyxl.utils.get_column_letter",
                        "openpyxl.utils.column_index_from_string",
                        "openpyxl.utils.cell")) == [], name
    if name != "readiness.xlsx.text":
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assigned = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                    for t in node.targets if isinstance(t, ast.Name)}
        assert "FORMULA_STARTS" not in assigned, name


def test_nothing_loads_an_excel_library_until_a_file_is_read_or_written() -> None:
    """Declaring kinds and starting the command line cost neither openpyxl nor calamine."""
    code = ("import sys\n"
            "from click.testing import CliRunner\n"
            "import cli\n"
            "assert CliRunner().invoke(cli.cli, ['--help']).exit_code == 0\n"
            "help_loaded = sorted(m for m in sys.modules if m.startswith(('readiness.xlsx', "
            "'readiness.importing')))\n"
            "from readiness.importing import KINDS, template_kind\n"
            "import readiness.xlsx.reader, readiness.xlsx.writer, readiness.xlsx.text\n"
            "for kind in KINDS:\n"
            "    template_kind(kind)\n"
            "excel = sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{XLSX_LIBRARIES!r})\n"
            "print(help_loaded, excel)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.strip() == "[] []"
