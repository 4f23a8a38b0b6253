"""No test asserts how long something took: on a busy machine that fails for no fault of the
code (a concurrency test once failed at 77.9 s against a 60 s limit). Speed is measured in
bench/. A test may bound a wait (subprocess timeout=…, conftest.wait_until, hang_guard), which
fails naming what hung; it may not assert a duration, and hypothesis runs without a deadline.

This reads every test module's syntax tree and flags:

- an `assert` that reads a clock (time.monotonic(), perf_counter(), time.time(), …) or a name
  computed from one (`elapsed = time.monotonic() - started`), or a duration-named value
  (`elapsed`, `duration`, `seconds`, `took`);
- a hypothesis `deadline=` other than None.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
CLOCKS = {"monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns", "time", "time_ns",
          "process_time", "process_time_ns"}
DURATION_NAMES = {"elapsed", "duration", "seconds", "took", "wall", "wall_time", "runtime"}


def _walk(node: ast.AST):
    """ast.walk, leaving out `timeout=…` arguments: a clock read there bounds a wait."""
    todo = [node]
    while todo:
        sub = todo.pop()
        if isinstance(sub, ast.keyword) and sub.arg and "timeout" in sub.arg:
            continue
        yield sub
        todo.extend(ast.iter_child_nodes(sub))


def _reads_clock(node: ast.AST, clock_names: set[str]) -> bool:
    """A call such as time.monotonic() or perf_counter() (imported bare) inside `node`."""
    for sub in _walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Attribute) and func.attr in CLOCKS \
                    and isinstance(func.value, ast.Name) and func.value.id == "time":
                return True
            if isinstance(func, ast.Name) and func.id in clock_names:
                return True
    return False


def _names(node: ast.AST) -> set[str]:
    found = set()
    for sub in _walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            found.add(sub.attr)
    return found


def _targets(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
        targets = [node.target]
    else:
        return []
    # plain names only: `codes[w] = …` or `self.x = …` do not make `codes`, `w` or `self` timed
    names = []
    for target in targets:
        parts = target.elts if isinstance(target, ast.Tuple) else [target]
        names += [part.id for part in parts if isinstance(part, ast.Name)]
    return names


def wall_clock_assertions(source: str, filename: str = "<test>") -> list[str]:
    """'file:line: what' for every wall-clock assertion and hypothesis deadline in `source`."""
    tree = ast.parse(source, filename)
    # clocks imported bare: `from time import monotonic`
    clock_names = {alias.asname or alias.name for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and node.module == "time"
                   for alias in node.names if alias.name in CLOCKS}
    # names holding a clock reading or a duration, followed through assignments
    timed: set[str] = set()
    assignments = [n for n in ast.walk(tree) if _targets(n)]
    changed = True
    while changed:
        changed = False
        for node in assignments:
            value = getattr(node, "value", None)
            if value is None:
                continue
            if _reads_clock(value, clock_names) or _names(value) & timed:
                new = set(_targets(node)) - timed
                if new:
                    timed |= new
                    changed = True
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            names = _names(node.test)
            if _reads_clock(node.test, clock_names) or names & timed or names & DURATION_NAMES:
                found.append(f"{filename}:{node.lineno}: asserts wall-clock time: "
                             f"{ast.unparse(node.test)[:120]}")
        elif isinstance(node, ast.Call) and _called(node) in ("settings", "register_profile"):
            for kw in node.keywords:
                if kw.arg == "deadline" and not (isinstance(kw.value, ast.Constant)
                                                 and kw.value.value is None):
                    found.append(f"{filename}:{node.lineno}: a hypothesis deadline "
                                 f"({ast.unparse(kw.value)}); use deadline=None")
    return found


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def scan(directory: Path) -> list[str]:
    found = []
    for path in sorted(directory.rglob("*.py")):
        found += wall_clock_assertions(path.read_text("utf-8"), str(path.relative_to(directory)))
    return found


def test_no_test_asserts_wall_clock_time() -> None:
    assert scan(TESTS) == []


# --- the check itself catches what it is for --------------------------------------------------

CAUGHT = {
    "the concurrency test's old limit": """
import time
def test_writers():
    started = time.monotonic()
    run_everything()
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"the writing took {elapsed:.1f} s"
""",
    "a clock read in the assertion": """
import time
def test_fast():
    t = time.perf_counter()
    work()
    assert time.perf_counter() - t < 2
""",
    "a bare-imported clock, through two names": """
from time import monotonic as now
def test_fast():
    start = now()
    work()
    spent = now() - start
    ratio = spent / 3
    assert ratio <= 1.5
""",
    "a duration kept on a result": """
def test_import(run):
    result = run_child()
    assert result.seconds < SECONDS
""",
    "a hypothesis deadline": """
from hypothesis import settings
settings.register_profile("ci", max_examples=1000, deadline=200)
""",
    "a hypothesis deadline on one test": """
from hypothesis import given, settings
@settings(deadline=500)
@given(st.integers())
def test_x(n):
    pass
""",
}

ALLOWED = {
    "a subprocess bound": """
import subprocess
def test_cmd():
    done = subprocess.run(["readiness", "--version"], timeout=300, check=True)
    assert done.returncode == 0
""",
    "a polled wait that fails naming what hung": """
def test_wait():
    wait_until(lambda: ready(), 60, "the workers reaching the barrier")
""",
    "a bounded wait on a process": """
def test_join(proc):
    proc.wait(timeout=120)
    assert proc.returncode == 0
""",
    "a bounded wait whose timeout reads the clock": """
import time
def test_workers(procs):
    end = time.monotonic() + 600
    codes = {}
    for w, proc in procs:
        codes[w] = proc.wait(timeout=max(1.0, end - time.monotonic()))
        result = proc.communicate(timeout=end - time.monotonic())
    assert codes == {1: 0} and result
""",
    "a chart's deadline marker, not hypothesis": """
def test_chart():
    svg = burndown(points, deadline=("2024-08-01", "计划开通"))
    assert "deadline" in svg
""",
    "no deadline": """
from hypothesis import settings
settings.register_profile("dev", max_examples=50, deadline=None)
""",
}


@pytest.mark.parametrize("source", CAUGHT.values(), ids=CAUGHT.keys())
def test_the_check_catches_a_wall_clock_assertion(source: str) -> None:
    assert len(wall_clock_assertions(source)) == 1


@pytest.mark.parametrize("source", ALLOWED.values(), ids=ALLOWED.keys())
def test_the_check_allows_a_bounded_wait(source: str) -> None:
    assert wall_clock_assertions(source) == []


def test_the_check_finds_an_assertion_in_a_test_file(tmp_path: Path) -> None:
    (tmp_path / "test_slow.py").write_text(CAUGHT["the concurrency test's old limit"], "utf-8")
    (tmp_path / "test_fine.py").write_text(ALLOWED["a subprocess bound"], "utf-8")
    [found] = scan(tmp_path)
    assert found.startswith("test_slow.py:7: asserts wall-clock time: elapsed < 60")
