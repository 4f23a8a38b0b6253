"""The installed `readiness` command: start-up cost, packaged data, the sample line."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("pandas", "openpyxl", "networkx", "sqlalchemy", "alembic", "numpy", "jinja2")
BIN = Path(sys.executable).parent
TIMEOUT = 300  # seconds: a bound on a hung command, never a speed target (that is bench/)


def readiness(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    exe = BIN / "readiness"
    assert exe.exists(), f"the console script is not installed next to {sys.executable}"
    env = {**os.environ, "READINESS_LANG": "en", "READINESS_USER": "ci"}
    env.pop("READINESS_DB", None)
    return subprocess.run([str(exe), *args], cwd=cwd, env=env, text=True, capture_output=True,
                          check=check, timeout=TIMEOUT)


def imported_modules(code: str, cwd: Path, packages_only: bool = True) -> set[str]:
    """The modules `code` imports: top-level packages, or every dotted name."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=cwd, text=True,
                            capture_output=True, check=True, timeout=TIMEOUT)
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            names.add(name.split(".")[0] if packages_only else name)
    assert names, result.stderr[:500]
    return names


def test_startup_imports_no_heavy_library(tmp_path: Path) -> None:
    loaded = imported_modules("import cli", tmp_path)
    assert "click" in loaded and "cli" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    loaded = imported_modules(
        "import sys, cli; sys.argv=['readiness','--version']\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass", tmp_path)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


READ_COMMANDS = [["hazard", "list"], ["org", "check"], ["assess", "history"], ["drill", "runs"],
                 ["pdca", "list"], ["line", "show"], ["audit", "log"], ["hazard", "show", "H-0001"],
                 ["hazard", "check"], ["line", "list"], ["location", "list"], ["org", "show"],
                 ["org", "path", "H-0001"]]
# What a command that only reads has no use for: the schema check reads the store's version
# itself (no Alembic), and workbooks, charts, templates and the organisation graph are loaded
# only by the commands that make or check them.
NOT_FOR_READING = {"alembic", "pandas", "openpyxl", "python_calamine", "networkx", "jinja2",
                   "numpy", "matplotlib"}
# Commands that read through the Core tables alone: neither SQLAlchemy's ORM nor the mapped
# classes (importing and declaring them was most of a listing's start-up), nor the importer.
READ_WITHOUT_ORM = [["hazard", "list"], ["hazard", "show", "H-0001"], ["hazard", "check"],
                    ["line", "list"], ["line", "show"], ["location", "list"], ["org", "check"],
                    ["org", "show"], ["org", "path", "H-0001"]]
NOT_FOR_READING_ROWS = {"sqlalchemy.orm", "readiness.store.schema", "readiness.importing"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    readiness("demo", "--out", str(out), "--force", cwd=out)
    return out / "demo.db"


@pytest.mark.parametrize("args", READ_COMMANDS, ids=[" ".join(a) for a in READ_COMMANDS])
def test_a_command_that_only_reads_imports_only_what_it_uses(args: list[str], demo_db: Path,
                                                             tmp_path: Path) -> None:
    code = ("import sys, cli\n"
            f"sys.argv = ['readiness', '--lang', 'en', '--db', {str(demo_db)!r}, *{args!r}]\n"
            "try:\n    cli.main()\nexcept SystemExit as exit:\n"
            "    assert exit.code in (0, 1, None), exit.code\n")
    modules = imported_modules(code, tmp_path, packages_only=False)
    loaded = {name.split(".")[0] for name in modules}
    assert "sqlalchemy" in loaded and "readiness.store.core" in modules  # it did reach the store
    # the organisation graph's own check; history re-gathers the inputs (org check included)
    # to say whether the newest snapshot is still current
    wanted = {"networkx"} if args in (["org", "check"], ["assess", "history"]) else set()
    assert loaded & NOT_FOR_READING - wanted == set(), sorted(loaded & NOT_FOR_READING)
    if args in READ_WITHOUT_ORM:
        assert modules & NOT_FOR_READING_ROWS == set(), sorted(modules & NOT_FOR_READING_ROWS)


def test_schema_head_read_from_the_migration_files_agrees_with_alembic() -> None:
    """Every command compares the store's version with the newest migration, found without
    Alembic; Alembic's own reading of the same files must give the same head and revisions."""
    from alembic.script import ScriptDirectory

    from readiness.store.core import _alembic_config, _known_revisions, head_revision

    scripts = ScriptDirectory.from_config(_alembic_config())
    assert head_revision() == scripts.get_current_head()
    assert _known_revisions() == {s.revision for s in scripts.walk_revisions()}


def test_help_and_version_run_from_anywhere(tmp_path: Path) -> None:
    assert readiness("--version", cwd=tmp_path).stdout.startswith("readiness, version ")
    help_text = readiness("--help", cwd=tmp_path).stdout
    for command in ("init", "import", "demo", "template", "audit"):
        assert f"\n  {command} " in help_text, command


def test_installed_package_finds_its_data_outside_the_source_tree(tmp_path: Path) -> None:
    import readiness as pkg

    assert "site-packages" in pkg.__file__ or os.environ.get("READINESS_ALLOW_SOURCE"), (
        f"tests should run against the installed package, not {pkg.__file__}")
    readiness("init", "--line", "9号线", "--opening-date", "2026-12-28", cwd=tmp_path)
    readiness("template", "line", "-o", "t.xlsx", cwd=tmp_path)
    assert (tmp_path / "t.xlsx").stat().st_size > 4000
    assert (tmp_path / "readiness.db").exists()
    shown = json.loads(readiness("line", "show", "--json", cwd=tmp_path).stdout)
    assert shown["name"] == "9号线" and shown["profile"] == "mot-2023"


def test_demo_builds_a_realistic_line_deterministically(tmp_path: Path) -> None:
    out = readiness("demo", "--out", "d", cwd=tmp_path).stdout
    assert "9号线一期" in out
    db = tmp_path / "d" / "demo.db"
    assert db.exists() and not (tmp_path / "d" / ".demo.db.partial").exists()
    first = snapshot(db)
    stations = json.loads(readiness("--db", str(db), "location", "list", "--kind", "station",
                                    "--json", cwd=tmp_path).stdout)
    names = [s["name"] for s in stations]
    assert len(names) >= 20 and len(set(names)) == len(names) and all(names)
    kinds = {r["kind"] for r in json.loads(readiness("--db", str(db), "location", "list",
                                                     "--json", cwd=tmp_path).stdout)}
    assert kinds == {"station", "section", "depot", "control-centre"}
    assert first["levels"] == ["centre", "company", "division", "hq", "team"]
    assert first["depth"] == 5
    hazards = json.loads(readiness("--db", str(db), "hazard", "list", "--json",
                                   cwd=tmp_path).stdout)
    assert len(hazards) >= 300
    assert {h["specialty"] for h in hazards} == {
        "vehicle", "signalling", "power", "communication", "track", "psd", "em", "fire", "civil",
        "afc", "train-operation", "passenger-operation", "general"}
    kinds_with_hazards = {h["location_kind"] for h in hazards}
    assert kinds_with_hazards == {"station", "section", "depot", "control-centre"}
    assert {h["level"] for h in hazards} == {"major", "significant", "general", "low"}
    findings = json.loads(readiness("--db", str(db), "hazard", "check", "--as-of", "2026-11-23",
                                    "--json", cwd=tmp_path).stdout)
    assert {"hazard.residual-lowered-without-control", "hazard.major-without-drill",
            "hazard.acceptance-missing", "hazard.review-overdue"} <= {f["code"] for f in findings}
    assert len(findings) < len(hazards) / 3  # a register under control, with some gaps
    runs = json.loads(readiness("--db", str(db), "drill", "runs", "--json", cwd=tmp_path).stdout)
    outcomes = {r["outcome"] for r in runs}
    assert len(runs) >= 17 and {"pass", "pass-with-findings", "fail", "void"} <= outcomes
    coverage = json.loads(readiness("--db", str(db), "drill", "coverage", "--json",
                                    cwd=tmp_path).stdout)["summary"]
    assert coverage["must_do"] >= 17 and coverage["must_do_passed"] == coverage["must_do"]
    items = json.loads(readiness("--db", str(db), "pdca", "list", "--all", "--as-of",
                                 "2026-11-23", "--json", cwd=tmp_path).stdout)
    for key, values in (("source", {"drill", "trial-run", "inspection", "hazard-review",
                                    "assessment", "other"}),
                        ("kind", {"staff-operation", "equipment-quality", "regulation-text",
                                  "other"}),
                        ("class", {"blocking", "due-dated", "improvement"}),
                        ("phase", {"PLAN", "DO", "CHECK", "ACT", "CLOSED"})):
        assert {i[key] for i in items} == values, key
    assert any(i["overdue"] for i in items) and any(i["cycle"] == 2 for i in items)
    verdict = json.loads(readiness("--db", str(db), "assess", "--as-of", "2026-11-23", "--json",
                                   cwd=tmp_path).stdout)
    assert verdict["verdict"] == "ready_with_conditions" and verdict["blocking"] == []
    assert {c["id"] for c in verdict["conditions"]} >= {"HZ-REVIEWS", "PD-DUE-DATED",
                                                         "RS-EDUCATION", "PH-OVERRIDES"}
    assert all(c["conditions"] for c in verdict["conditions"])
    assert "assessment: Ready with conditions (snapshot 1)" in out
    refused = readiness("demo", "--out", "d", cwd=tmp_path, check=False)
    assert refused.returncode == 1 and refused.stderr.startswith("Error: ")
    readiness("demo", "--out", "d", "--force", cwd=tmp_path)
    assert snapshot(db) == first


def snapshot(db: Path) -> dict[str, object]:
    """The demo's content, leaving out timestamps that legitimately differ between runs."""
    con = sqlite3.connect(db)
    try:
        data: dict[str, object] = {
            "locations": con.execute("SELECT code, name, kind, seq FROM locations ORDER BY seq"
                                     ).fetchall(),
            "units": con.execute("SELECT code, name, level, parent_code FROM org_units ORDER BY code"
                                 ).fetchall(),
            "people": con.execute("SELECT staff_id, name, unit_code, post FROM people ORDER BY "
                                  "staff_id").fetchall(),
            "letters": con.execute("SELECT signer, countersigner, signed_on, valid_until FROM "
                                   "responsibility_letters ORDER BY signer").fetchall(),
            "levels": sorted(r[0] for r in con.execute("SELECT DISTINCT level FROM org_units")),
            "runs": con.execute("SELECT code, run_on FROM drill_runs ORDER BY code").fetchall(),
            "days": con.execute("SELECT day, trains_run, trains_on_time FROM trial_run_days "
                                "ORDER BY day").fetchall(),
            "pdca": con.execute("SELECT code, phase, cycle, due FROM pdca_items ORDER BY code"
                                ).fetchall(),
            "hazards": con.execute("SELECT h.code, h.description, h.owner, e.factors, "
                                   "e.residual_factors FROM hazards h JOIN hazard_evaluations e "
                                   "ON e.hazard_id = h.id ORDER BY h.code").fetchall(),
        }
        parents = dict(con.execute("SELECT code, parent_code FROM org_units"))
    finally:
        con.close()

    def depth(code: str | None) -> int:
        return 0 if code is None else 1 + depth(parents[code])

    data["depth"] = max(depth(code) for code in parents)
    return data


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_error_from_installed_command_is_one_line(tmp_path: Path, lang: str) -> None:
    result = subprocess.run([str(BIN / "readiness"), "--lang", lang, "--db", "x.db", "line", "list"],
                            cwd=tmp_path, text=True, capture_output=True, timeout=TIMEOUT)
    assert result.returncode == 1
    prefix = {"zh": "错误：", "en": "Error: "}[lang]  # the whole line is in the chosen language
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(prefix)
    assert "Traceback" not in result.stderr and result.stdout == ""
