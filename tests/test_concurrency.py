"""Four processes writing to one store at once, on SQLite and on PostgreSQL.

Each worker is a fresh interpreter (`sys.executable -c WORKER`) that waits at a file barrier and
then, ITERATIONS times: adds a hazard with its own ID through the CLI (in-process, `cli.cli`),
records a drill run with its own run ID (`drills.runs.record_run`), and opens a PDCA item
(`readiness.pdca.items.open_item`, ID assigned by the store) and moves it through plan and do
(`readiness.pdca.items.step`). Afterwards every write must have landed exactly once, with its
audit record, the audit chain must verify, and no worker may have shown the user a locking error
("database is locked", "could not serialize", "deadlock").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from conftest import seed_line, wait_until

WORKERS = 4
ITERATIONS = 25
SCENARIO = "EM-PSD-FAILURE"
LOCK_ERRORS = ("database is locked", "could not serialize", "deadlock", "lock timeout",
               "OperationalError")
# Bounds that only stop a hung test (they fail naming what hung); how fast the writing goes is
# not asserted here: a busy machine is slow, not wrong.
START_TIMEOUT = 120  # seconds for every worker to import and reach the barrier
RUN_TIMEOUT = 600  # seconds for the writing itself

WORKER = r'''
import datetime as dt, json, os, sys, time, traceback
from pathlib import Path

url, worker, iterations, barrier, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
tasks = json.loads(sys.argv[6])

import cli
from drills.runs import record_run
from readiness.pdca.items import open_item, step
from readiness.store.core import Store
from readiness.actor import Actor

user = f"worker{worker}"
result = {"worker": worker, "hazards": [], "runs": [], "pdca": {}, "errors": [], "seconds": None}


def attempt(what, fn):
    try:
        return fn()
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
        if isinstance(exc, SystemExit) and exc.code in (0, None):
            return None
        print(f"[{user}] {what}: {type(exc).__name__}: {exc}", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        result["errors"].append({"what": what, "error": f"{type(exc).__name__}: {exc}"})
        return None


def cli_hazard(code):
    # exactly what `readiness hazard add --id …` does, in this process (standalone: exits)
    cli.cli.main(args=["--db", url, "--lang", "en", "--user", user, "hazard", "add", "--id", code,
                       "--location", "S01", "--specialty", "psd",
                       "--category", "passenger-operation",
                       "--description", f"{code} 站台门与车门间隙夹人", "--score", "L=3,E=6,C=15",
                       "--residual", "L=1,E=6,C=15", "--control", "工程控制：站台门防夹挡板",
                       "--owner-unit", "TM-KY1-01", "--owner", "900031", "--json"],
                 prog_name="readiness", standalone_mode=True)


def drill(code):
    with Store.open(url) as store:
        return record_run(store, None, code, scenario="EM-PSD-FAILURE", on=dt.date(2026, 10, 1),
                          location="S01", units=["CT-KY"], notes=f"by {user}",
                          tasks=[f"{t}=P" for t in tasks], actor=Actor(user))


def pdca(title):
    with Store.open(url) as store:
        item = open_item(store, None, {"title": title, "class": "due-dated",
                                       "source": "inspection", "kind": "other"}, actor=Actor(user))
        code = item.id
        result["pdca"][title] = code
        step(store, None, code, "plan", {"root_cause": "原因", "action": "措施",
                                         "owner_unit": "TM-KY1-01", "owner": "900031",
                                         "due": dt.date(2026, 12, 1)}, actor=Actor(user))
        step(store, None, code, "do", {"done_note": "已整改", "evidence": f"记录 {title}"},
             actor=Actor(user))
        return code


Path(barrier + f".ready{worker}").touch()
while not os.path.exists(barrier):
    time.sleep(0.005)
started = time.monotonic()
for n in range(1, iterations + 1):
    code = f"W{worker}-{n:02d}"
    attempt(f"hazard add {code}", lambda: cli_hazard(code))
    result["hazards"].append(code)
    attempt(f"drill record R-{code}", lambda: drill(f"R-{code}"))
    result["runs"].append(f"R-{code}")
    attempt(f"pdca {code}", lambda: pdca(f"{code} 问题"))
result["seconds"] = round(time.monotonic() - started, 2)
Path(out).write_text(json.dumps(result), encoding="utf-8")
sys.exit(1 if result["errors"] else 0)
'''


def _task_ids(run, db: str) -> list[str]:
    result = run("drill", "catalogue", "--json", db=db)
    assert result.exit_code == 0, result.output
    scenario = next(s for s in json.loads(result.output) if s["id"] == SCENARIO)
    return [t["id"] for t in scenario["critical_tasks"]]


def _start_workers(url: str, tmp_path: Path, tasks: list[str]):
    barrier = tmp_path / "go"
    env = {**os.environ, "READINESS_LANG": "en"}
    env.pop("READINESS_DB", None)
    procs = []
    for w in range(1, WORKERS + 1):
        stdout = open(tmp_path / f"worker{w}.out", "wb")  # noqa: SIM115 - closed below
        stderr = open(tmp_path / f"worker{w}.err", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, url, str(w), str(ITERATIONS), str(barrier),
             str(tmp_path / f"worker{w}.json"), json.dumps(tasks)],
            stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, env=env,
            cwd=Path(__file__).resolve().parent.parent)
        procs.append((w, proc, stdout, stderr))
    return barrier, procs


def release_workers(barrier: Path, procs, tmp_path: Path) -> None:
    """Wait until every worker waits at the barrier, then let all of them go at once."""

    def all_ready() -> bool:
        dead = [(w, p.returncode) for w, p, *_ in procs if p.poll() is not None]
        assert not dead, f"workers died before the barrier: {dead}: " + "".join(
            (tmp_path / f"worker{w}.err").read_text(errors="replace") for w, _ in dead)
        return all((tmp_path / f"go.ready{w}").exists() for w, *_ in procs)

    wait_until(all_ready, START_TIMEOUT, "the writer processes reaching the start barrier")
    barrier.touch()


def wait_for_workers(procs, tmp_path: Path) -> dict[int, int]:
    """Each worker's exit code; a worker still running after RUN_TIMEOUT fails the test."""
    codes = {}
    end = time.monotonic() + RUN_TIMEOUT
    for w, proc, *_ in procs:
        try:
            codes[w] = proc.wait(timeout=max(1.0, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            tail = (tmp_path / f"worker{w}.err").read_text(errors="replace")[-600:]
            pytest.fail(f"writer {w} had not finished after {RUN_TIMEOUT} s (hung?): {tail}")
    return codes


def stop_workers(procs) -> None:
    for _w, proc, out, err in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        out.close()
        err.close()


def test_four_writers_every_write_lands_once(run, store_url: str, tmp_path: Path) -> None:
    from sqlalchemy import select

    from readiness.store.audit import broken_links, list_records, verify_rows
    from readiness.store.core import Store
    from readiness.store.schema import DrillRun, Hazard, PdcaItem, PdcaTransition, TaskEvaluation

    result = run("init", "--line", "L9", "--opening-date", "2026-12-28",
                 "--handover-date", "2026-09-01", db=store_url)
    assert result.exit_code == 0, result.output
    seed_line(store_url)
    tasks = _task_ids(run, store_url)

    barrier, procs = _start_workers(store_url, tmp_path, tasks)
    try:
        release_workers(barrier, procs, tmp_path)  # all four start writing at the same moment
        started = time.monotonic()
        codes = wait_for_workers(procs, tmp_path)
        elapsed = time.monotonic() - started  # printed for the record, never asserted
    finally:
        stop_workers(procs)

    stderr = {w: (tmp_path / f"worker{w}.err").read_text(errors="replace") for w, *_ in procs}
    reports = {w: json.loads((tmp_path / f"worker{w}.json").read_text())
               for w, *_ in procs if (tmp_path / f"worker{w}.json").exists()}
    backend = "postgresql" if "://" in store_url else "sqlite"
    print(f"\n[{backend}] {WORKERS} workers x {ITERATIONS} iterations: "
          f"{elapsed:.1f} s wall; per worker "
          f"{ {w: r['seconds'] for w, r in reports.items()} }")
    locking = {w: [line[:300] for line in text.splitlines()
                   if any(e in line for e in LOCK_ERRORS)][:5] for w, text in stderr.items()}
    assert not any(locking.values()), f"locking errors reached the user: {locking}"
    errors = {w: (len(r["errors"]), [f"{e['what']}: {e['error'].splitlines()[0][:200]}"
                                     for e in r["errors"][:3]]) for w, r in reports.items()}
    assert codes == {w: 0 for w, *_ in procs}, (
        f"exit codes {codes}; errors (count, first three) {errors}; stderr tails "
        f"{ {w: text[-600:] for w, text in stderr.items() if codes[w]} }")

    expected_hazards = {f"W{w}-{n:02d}" for w in range(1, WORKERS + 1)
                        for n in range(1, ITERATIONS + 1)}
    expected_runs = {f"R-{c}" for c in expected_hazards}
    expected_titles = {f"{c} 问题" for c in expected_hazards}
    with Store.open(store_url) as store, store.read() as session:
        hazards = Counter(session.scalars(select(Hazard.code)))
        runs = Counter(session.scalars(select(DrillRun.code)))
        items = session.execute(select(PdcaItem.__table__)).mappings().all()
        transitions = session.execute(select(PdcaTransition.__table__)).mappings().all()
        task_evals = session.execute(select(TaskEvaluation.__table__)).mappings().all()
        records = sorted(list_records(session, limit=None), key=lambda r: r["id"])
        row_problems = verify_rows(session, records)

    # every write landed exactly once: no duplicates, none missing
    assert {c: n for c, n in hazards.items() if n != 1} == {}
    assert set(hazards) == expected_hazards
    assert {c: n for c, n in runs.items() if n != 1} == {}
    assert set(runs) == expected_runs
    assert len(task_evals) == len(expected_runs) * len(tasks)
    titles = Counter(i["title"] for i in items)
    assert {t: n for t, n in titles.items() if n != 1} == {}
    assert set(titles) == expected_titles, "PDCA items missing or unexpected (e.g. opened by drills)"
    item_codes = Counter(i["code"] for i in items)
    assert {c: n for c, n in item_codes.items() if n != 1} == {}
    assert {i["code"]: i["phase"] for i in items if i["phase"] != "CHECK"} == {}
    # the codes the workers were given are the codes stored, title for title
    given = {title: code for r in reports.values() for title, code in r["pdca"].items()}
    assert given == {i["title"]: i["code"] for i in items}
    per_item = Counter(t["item_id"] for t in transitions)
    assert sorted(per_item.values()) == [3] * len(items)  # opened, plan → DO, do → CHECK

    # the audit trail has one create record for each, and the chain verifies
    creates = Counter((r["entity"], r["entity_key"]) for r in records if r["action"] == "create")
    missing = [("hazards", c) for c in expected_hazards if creates[("hazards", c)] != 1]
    missing += [("drill_runs", c) for c in expected_runs if creates[("drill_runs", c)] != 1]
    missing += [("pdca_items", i["code"]) for i in items
                if creates[("pdca_items", i["code"])] != 1]
    assert missing == []
    audited = {r["entity_id"] for r in records
               if r["entity"] == "pdca_transitions" and r["action"] == "create"}
    assert {t["id"] for t in transitions} <= audited
    audited = {r["entity_id"] for r in records
               if r["entity"] == "task_evaluations" and r["action"] == "create"}
    assert {t["id"] for t in task_evals} <= audited
    users = Counter(r["username"] for r in records if r["action"] == "create"
                    and r["entity"] in ("hazards", "drill_runs", "pdca_items"))
    assert users == {f"worker{w}": 3 * ITERATIONS for w in range(1, WORKERS + 1)}
    assert broken_links(records) == []
    assert row_problems == []
