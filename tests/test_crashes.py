"""Kill -9 an import, an assessment and a report at random points: the store stays consistent.

Each test builds the sample line (`readiness demo`; on PostgreSQL the same data is written into
the server database), runs the command once uninterrupted to learn what it writes and how long
it takes, then starts it again as a separate process (`python -m cli …`, exactly the `readiness`
entry point) and sends SIGKILL: KILLS times after a random 0.2–3 s, and KILLS times aimed at the
write itself, a random moment just after it begins (the store's write lock is seen held, or the
report's temporary file appears). Delays come from a seeded `random.Random`, so a failure
reproduces. After every kill:

- SQLite: `PRAGMA integrity_check` is "ok" and `PRAGMA foreign_key_check` finds nothing;
- the command's writes landed whole or not at all: the change in every table's row count is
  either nothing or exactly what the uninterrupted run wrote (so an import of 3,000 hazards left
  the register at exactly before or before + 3,000);
- no orphan rows: every foreign key of the schema (evaluations and controls of a hazard, task
  evaluations of a run, transitions of a PDCA item, sign-offs of a snapshot …) finds its parent,
  and no imported hazard lacks its evaluation;
- the audit hash chain verifies and replays to exactly the rows in the store (`audit verify`);
- reports: the target name holds either nothing or a complete file (HTML ending in </html>, a
  workbook openpyxl opens with every sheet); temporary `.partial` files beside it are allowed and
  reported (printed with -s), anything else is not.

Finally the command runs once more uninterrupted and must succeed on the store it crashed on.
"""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import wait_until
from readiness.actor import Actor

KILLS = 6
DELAY = (0.2, 3.0)  # seconds after the process starts
# Aimed kills land at most this long after the write was seen to begin: an import writes for
# about half a second, an assessment's snapshot and a report's file take a few milliseconds.
AIM = {"import": 0.3, "assess": 0.02, "report": 0.03}
REGISTER_ROWS = 3000
ROOT = Path(__file__).resolve().parent.parent


# --- fixtures: the sample line and the register workbook -------------------------------------

@pytest.fixture(scope="module")
def register_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~3,000 hazard rows for the sample line, from bench/gen_register.py."""
    spec = importlib.util.spec_from_file_location("gen_register", ROOT / "bench" / "gen_register.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen.generate(tmp_path_factory.mktemp("register") / "危险源台帐.xlsx", REGISTER_ROWS)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample line as a SQLite file (built once; each test works on a copy)."""
    from readiness.demo import build_demo

    summary = build_demo(tmp_path_factory.mktemp("demo"), actor=Actor("demo"), lang="en")
    return Path(summary["db"])


def _build_demo_into(url: str) -> None:
    """What `build_demo` writes into demo.db, written into the store at `url` (PostgreSQL)."""
    from readiness import demo
    from readiness.store.core import Store

    data = demo.sample_line()
    with Store.create(url) as store:
        with store.write(Actor("demo"), "demo") as session:
            line = demo.add_line(session, data["line"]["name"], **demo._line_fields(data["line"]))
            demo._add_locations(session, line["id"], data["locations"])
            demo._add_organisation(session, data["units"], data["people"])
            demo.hazard_sample.build(session, line["id"], data, demo.DEMO_AS_OF)
            demo.drill_sample.build(session, line["id"], demo.DEMO_AS_OF)
            demo.pdca_sample.build(session, line["id"], data, demo.DEMO_AS_OF)
            demo.checklist_sample.build(session, line["id"], data, demo.DEMO_AS_OF)
            demo.trial_sample.build(session, line["id"], data["line"]["trial_run_start"],
                                    demo.DEMO_AS_OF)
        demo.assess(store, None, as_of=demo.DEMO_AS_OF, actor=Actor("demo"))


@dataclass
class CrashStore:
    """The store under test, and a way back to the freshly built sample line."""

    url: str
    backend: str
    reset: Any  # () -> None
    log: list[str] = field(default_factory=list)


@pytest.fixture
def crash_store(request: pytest.FixtureRequest, store_url: str) -> Iterator[CrashStore]:
    if "://" not in store_url:  # SQLite: a copy of the module's sample line
        demo: Path = request.getfixturevalue("demo_db")
        target = Path(store_url)

        def reset_sqlite() -> None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
                if Path(f"{demo}{suffix}").exists():
                    shutil.copyfile(f"{demo}{suffix}", f"{target}{suffix}")

        reset_sqlite()
        yield CrashStore(store_url, "sqlite", reset_sqlite)
        return

    import psycopg
    from psycopg import sql

    server = request.getfixturevalue("pg_server")
    _build_demo_into(store_url)
    name = urlsplit(store_url).path.lstrip("/")
    template = f"{name}_base"

    def admin(*statements: Any) -> None:
        with psycopg.connect(host="127.0.0.1", port=server.port, user="postgres",
                             dbname="postgres", autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    admin(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(template),
                                                            sql.Identifier(name)))

    def reset_pg() -> None:
        admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
              sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                sql.Identifier(template)))

    try:
        yield CrashStore(store_url, "postgresql", reset_pg)
    finally:
        admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(template)))


# --- running and killing -----------------------------------------------------------------------

def _argv(store: CrashStore, *args: str) -> list[str]:
    return [sys.executable, "-m", "cli", "--db", store.url, "--lang", "en", "--user", "crash",
            *args]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}


def run_to_end(store: CrashStore, *args: str,
               cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    proc = subprocess.run(_argv(store, *args), capture_output=True, text=True, env=_env(),
                          cwd=cwd, stdin=subprocess.DEVNULL, timeout=120)
    return time.monotonic() - started, proc


def _pg_connect(store: CrashStore) -> Any:
    import psycopg

    parts = urlsplit(store.url)
    return psycopg.connect(host=parts.hostname, port=parts.port, user=parts.username,
                           dbname=parts.path.lstrip("/"), autocommit=True)


def writing(store: CrashStore) -> bool:
    """Whether some process holds the store's write lock right now (a write is under way)."""
    if store.backend == "sqlite":
        conn = sqlite3.connect(store.url, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return True
            raise
        finally:
            conn.close()
    with _pg_connect(store) as conn:
        return bool(conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchone()[0])


def settle(store: CrashStore) -> None:
    """PostgreSQL: wait until the killed client's server backend has gone (it may still be
    finishing a statement, or committing a COMMIT it received), so counts are final."""
    if store.backend != "postgresql":
        return
    with _pg_connect(store) as conn:
        wait_until(lambda: not conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()").fetchone()[0], 60,
            "a killed client's server backend going away")


@dataclass
class Kill:
    at: float  # seconds after the start when SIGKILL was sent (or the process had exited)
    killed: bool  # False: the process had already exited (with `returncode`)
    returncode: int | None
    stderr: str
    aimed: str = ""


def run_and_kill(store: CrashStore, args: list[str], cwd: Path, *, delay: float,
                 trigger: Any = None, poll: float = 0.003) -> Kill:
    """Start `args`; SIGKILL it `delay` s after the start, or, with `trigger`, `delay` s after
    trigger() first returns true (polled every `poll` s; 0 spins, for writes of a millisecond)."""
    err = cwd / "stderr.txt"
    with open(err, "wb") as stderr:
        started = time.monotonic()
        proc = subprocess.Popen(_argv(store, *args), stdout=subprocess.DEVNULL, stderr=stderr,
                                stdin=subprocess.DEVNULL, env=_env(), cwd=cwd)
        aimed = ""
        if trigger is not None:
            wait_until(lambda: proc.poll() is not None or trigger(), 120,
                       "the command starting to write", poll=poll)
            aimed = f"write seen at {time.monotonic() - started:.2f} s, " if proc.poll() is None \
                else "exited before any write was seen, "
        try:
            proc.wait(timeout=delay)
            killed = False
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed = True
        at = time.monotonic() - started
    return Kill(at, killed, proc.returncode, err.read_text(errors="replace"), aimed)


# --- what "consistent" means -------------------------------------------------------------------

def table_counts(store: CrashStore) -> dict[str, int]:
    from sqlalchemy import func, select

    from readiness.store.core import Store
    from readiness.store.schema import Base

    with Store.open(store.url) as s, s.read() as session:
        return {t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
                for t in Base.metadata.sorted_tables}


def problems(store: CrashStore) -> dict[str, Any]:
    """Everything inconsistent about the store; {} when it is sound."""
    from sqlalchemy import exists, func, select, text

    from readiness.store.audit import broken_links, list_records, verify_rows
    from readiness.store.core import Store
    from readiness.store.schema import Base, Hazard, HazardEvaluation

    found: dict[str, Any] = {}
    with Store.open(store.url) as s, s.read() as session:
        if store.backend == "sqlite":
            integrity = session.execute(text("PRAGMA integrity_check")).scalars().all()
            if integrity != ["ok"]:
                found["integrity_check"] = integrity
            fk = session.execute(text("PRAGMA foreign_key_check")).all()
            if fk:
                found["foreign_key_check"] = [tuple(r) for r in fk[:20]]
        orphans = {}
        for table in Base.metadata.sorted_tables:
            for fk in table.foreign_keys:
                parent = fk.column.table.alias("parent")
                child = fk.parent
                n = session.execute(select(func.count()).select_from(table).where(
                    child.is_not(None),
                    ~exists().where(parent.c[fk.column.name] == child))).scalar_one()
                if n:
                    orphans[f"{table.name}.{child.name} -> {fk.column.table.name}"] = n
        if orphans:
            found["orphans"] = orphans
        h, ev = Hazard.__table__, HazardEvaluation.__table__
        unscored = session.execute(select(func.count()).select_from(h).where(
            h.c.code.like("H-0_____"), ~exists().where(ev.c.hazard_id == h.c.id))).scalar_one()
        if unscored:
            found["imported hazards without an evaluation"] = unscored
        records = sorted(list_records(session, limit=None), key=lambda r: r["id"])
        broken = broken_links(records)
        if broken:
            found["audit chain broken at"] = broken[:20]
        replay = verify_rows(session, records)
        if replay:
            found["audit replay"] = replay[:20]
    return found


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {t: after[t] - before[t] for t in after if after[t] != before.get(t)}


def _sheet_names(path: Path) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def report_state(path: Path, sheets: list[str] | None) -> str:
    """'absent', 'complete' or why the file under the target name is not complete."""
    if not path.exists():
        return "absent"
    if path.suffix == ".html":
        text = path.read_bytes().decode("utf-8", errors="replace").rstrip()
        if text.endswith("</html>"):
            return "complete"
        return f"truncated html ({path.stat().st_size} bytes)"
    try:
        names = _sheet_names(path)
    except Exception as exc:  # noqa: BLE001 - any failure to open is the finding
        return f"unreadable xlsx ({path.stat().st_size} bytes): {type(exc).__name__}: {exc}"
    return "complete" if names == sheets else f"xlsx with sheets {names}"


# --- the tests ---------------------------------------------------------------------------------

def kill_repeatedly(store: CrashStore, args: list[str], tmp_path: Path, *,
                    report: Path | None = None) -> None:
    """Run `args` uninterrupted once; then KILLS runs killed at random (DELAY after the start)
    and KILLS runs killed a random 0–AIM[command] s after their write began (the write lock is
    held, or the report's temporary file appeared), checking the store after each; then once
    more, uninterrupted, on the store the kills left."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    baseline = table_counts(store)
    assert problems(store) == {}, "the freshly built store is already inconsistent"
    seconds, done = run_to_end(store, *args, cwd=work)
    assert done.returncode == 0, done.stderr
    full = delta(baseline, table_counts(store))
    assert problems(store) == {}
    sheets = None
    if report is not None:
        sheets = _sheet_names(report) if report.suffix == ".xlsx" else None
        assert report_state(report, sheets) == "complete"
        report.unlink()
    store.reset()
    label = args[0] + (report.suffix if report is not None else "")
    store.log.append(f"{store.backend} {label}: uninterrupted {seconds:.2f} s, "
                     f"writes {full or 'nothing'}")

    rnd = random.Random(f"{store.backend}|{label}")  # the same delays on every run
    plan = [(round(rnd.uniform(*DELAY), 2), False) for _ in range(KILLS)]
    plan += [(round(rnd.uniform(0, AIM[args[0]]), 3), True) for _ in range(KILLS)]
    failures = []
    for i, (delay, aim) in enumerate(plan, 1):
        before = table_counts(store)
        partials_before = set(work.glob("*.partial"))
        trigger = None
        if aim and report is not None:
            # a new temporary file (the report is being written), or the target itself (a
            # writer that is not atomic would be caught half-way)
            old_names = {p.name for p in partials_before} - {report.name}
            trigger = lambda: any(  # noqa: E731
                n == report.name or (n.endswith(".partial") and n not in old_names)
                for n in os.listdir(work))
        elif aim:
            trigger = lambda: writing(store)  # noqa: E731
        kill = run_and_kill(store, args, work, delay=delay, trigger=trigger,
                            poll=0.0 if report is not None else 0.003)
        settle(store)
        after = table_counts(store)
        change = delta(before, after)
        found = problems(store)
        outcome = ("nothing" if not change else "all" if change == full else f"PARTIAL {change}")
        when = f"aimed, {kill.aimed}+{delay:.3f} s" if aim else f"random {delay:.2f} s"
        what = "killed mid-run" if kill.killed else f"had exited {kill.returncode}"
        line = f"  kill {i:2}: {when} -> {what} at {kill.at:.2f} s; store changes: {outcome}"
        if kill.returncode not in (0, -signal.SIGKILL):
            found["exit"] = f"exit {kill.returncode}: {kill.stderr[-500:]}"
        if change and change != full:
            found["partial write"] = change
        if report is not None:
            state = report_state(report, sheets)
            new_partials = sorted(p.name for p in set(work.glob("*.partial")) - partials_before)
            others = sorted(p.name for p in work.iterdir()
                            if p != report and p.suffix != ".partial" and p.name != "stderr.txt")
            line += f"; target {state}; .partial left: {new_partials or 'none'}"
            if state not in ("absent", "complete"):
                found["report"] = state
            if others:
                found["other files"] = others
            report.unlink(missing_ok=True)
        if found:
            failures.append((i, delay, kill.killed, found))
            line += f"; PROBLEMS {found}"
        store.log.append(line)
        if change == full and args[0] == "import":
            store.reset()  # so that the next import has 3,000 rows to write again
    leftover = sorted(p.name for p in work.glob("*.partial"))
    store.log.append(f"  .partial files left beside the target after all kills: "
                     f"{len(leftover)} {leftover[:3]}")
    before = table_counts(store)
    seconds, done = run_to_end(store, *args, cwd=work)
    store.log.append(f"  final uninterrupted run: {seconds:.2f} s, exit {done.returncode}")
    print("\n" + "\n".join(store.log))
    assert failures == [], "\n".join(store.log)
    assert done.returncode == 0, done.stderr
    if args[0] == "import":
        assert table_counts(store)["hazards"] == baseline["hazards"] + REGISTER_ROWS
    assert delta(before, table_counts(store)) in ({}, full)
    assert problems(store) == {}
    if report is not None:
        assert report_state(report, sheets) == "complete"


def test_kill_import(crash_store: CrashStore, register_xlsx: Path, tmp_path: Path) -> None:
    kill_repeatedly(crash_store, ["import", str(register_xlsx)], tmp_path)


def test_kill_assess(crash_store: CrashStore, tmp_path: Path) -> None:
    kill_repeatedly(crash_store, ["assess", "--as-of", "2026-11-23"], tmp_path)


@pytest.mark.parametrize("suffix", [".html", ".xlsx"])
def test_kill_report(crash_store: CrashStore, tmp_path: Path, suffix: str) -> None:
    target = tmp_path / "work" / f"开通评估报告{suffix}"
    kill_repeatedly(crash_store, ["report", "-o", str(target)], tmp_path, report=target)
