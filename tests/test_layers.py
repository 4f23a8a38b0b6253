"""The house reads as layers: commands → library (services and rules) → store, nothing importing
upward. Only `readiness/store/` talks to the database: no other module imports SQLAlchemy or the
store's table definitions (ORM models or Core tables); the store imports no command, and no
library module imports a command or the entry point."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import drills
import hazards
import readiness

PACKAGES = {name: Path(module.__file__).resolve().parent
            for name, module in (("readiness", readiness), ("hazards", hazards), ("drills", drills))}
STORE = PACKAGES["readiness"] / "store"
COMMANDS = PACKAGES["readiness"] / "commands"
STORAGE = ("sqlalchemy", "readiness.store.schema", "readiness.store.tables")
FACES = ("readiness.commands", "cli")


def modules() -> list[tuple[str, Path]]:
    found = []
    for package, root in PACKAGES.items():
        for path in sorted(root.rglob("*.py")):
            if "migrations" in path.relative_to(root).parts:
                continue  # Alembic's own scripts: part of the store, run by Alembic
            parts = path.relative_to(root.parent).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append((name, path))
    return found


def imported(path: Path, name: str) -> set[str]:
    """Every module `path` imports, at the top or inside a function, relative imports resolved;
    `from x import y` counts as importing both x and x.y (y may be a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names |= {f"{module}.{a.name}" for a in node.names}
    return names


def hits(names: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes))


ALL = modules()
LIBRARY = [(n, p) for n, p in ALL if not p.is_relative_to(STORE) and not p.is_relative_to(COMMANDS)]
STORE_MODULES = [(n, p) for n, p in ALL if p.is_relative_to(STORE)]


def test_the_walk_finds_every_layer() -> None:
    names = {n for n, _ in ALL}
    assert {"readiness.assessment.assess", "hazards.register", "drills.runs",
            "readiness.store.core", "readiness.commands.options"} <= names
    assert len(LIBRARY) > 40 and len(STORE_MODULES) > 10


@pytest.mark.parametrize(("name", "path"), LIBRARY, ids=[n for n, _ in LIBRARY])
def test_library_modules_leave_the_database_to_the_store(name: str, path: Path) -> None:
    assert hits(imported(path, name), STORAGE) == [], f"{name} imports the database layer"


@pytest.mark.parametrize(("name", "path"), LIBRARY + STORE_MODULES,
                         ids=[n for n, _ in LIBRARY + STORE_MODULES])
def test_nothing_below_the_commands_imports_them(name: str, path: Path) -> None:
    assert hits(imported(path, name), FACES) == [], f"{name} imports a command-line module"


@pytest.mark.parametrize(("name", "path"), STORE_MODULES, ids=[n for n, _ in STORE_MODULES])
def test_the_store_imports_no_library_module(name: str, path: Path) -> None:
    """The store stands on its own: it is given rules (the checklist's phase order) as
    arguments, and reaches only its own modules, the shared error types and the Actor every
    write is given (who acts, recorded in the audit trail)."""
    upward = [n for n in hits(imported(path, name), ("readiness", "hazards", "drills"))
              if not n.startswith(("readiness.store", "readiness.errors", "readiness.actor"))]
    assert upward == [], f"{name} imports {upward}"


def test_the_walk_would_see_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from sqlalchemy import select\n    from ..store import schema\n"
                      "    from readiness.commands.options import emit_json\n", encoding="utf-8")
    names = imported(sample, "readiness.pdca.sample")
    assert hits(names, STORAGE) == ["readiness.store.schema", "sqlalchemy", "sqlalchemy.select"]
    assert hits(names, FACES) == ["readiness.commands.options",
                                  "readiness.commands.options.emit_json"]


COMMAND_MODULES = [(n, p) for n, p in ALL if p.is_relative_to(COMMANDS)]


@pytest.mark.parametrize(("name", "path"), COMMAND_MODULES, ids=[n for n, _ in COMMAND_MODULES])
def test_a_command_never_talks_to_the_store(name: str, path: Path) -> None:
    """A face calls services: it may hold the store handle `open_store()` gives it (options.py
    opens it), never query or write through it, so the web face cannot differ."""
    text = path.read_text(encoding="utf-8")
    store_imports = hits(imported(path, name), ("readiness.store",))
    if name == "readiness.commands.options":
        store_imports = [n for n in store_imports if n not in ("readiness.store.core",
                                                               "readiness.store.core.Store")]
    assert store_imports == [], f"{name} imports {store_imports}"
    for call in ("store.read(", "store.write(", "store.read_rows(", ".execute("):
        assert call not in text, f"{name} calls {call}…"
