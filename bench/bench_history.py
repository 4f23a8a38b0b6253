"""Benchmark: `assess history` on a 5,000-hazard line with stored snapshots.

    python bench/bench_history.py [NETWORK.db] [--snapshots N] [--repeat R]

Takes a copy of the network store (bench/gen_network.py; built with one line in a temporary
directory when no path is given, else its first line is used), stores N snapshots of that line
as of 2026-11-23 (default 10; each keeps the content its report shows, ~2.5 MB compressed for a
5,000-hazard line); a store whose first line already has N snapshots is measured as it is (the
measurements only read), so that two versions of the code can be compared on the same rows.
Then, each in a fresh process (imports and opening the store excluded), best wall time of R
runs:

- **store read**: `readiness.store.assessment.load(session, line_id)`, the snapshots with their
  sign-offs and the blocking and condition counts `assess history` shows;
- **history**: `readiness.assessment.assess.history(store, line)`, the whole library call (it
  also re-gathers the line's inputs once per as-of date, to say whether each snapshot is stale);
- **diff**: `history(store, line, (first, last))`, which also compares two snapshots' criteria.

Peak RSS of each process is reported, and the bytes of the stored `result` column, to show what
a read of whole snapshots would decode.
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

SETUP = """
import datetime, sys
from readiness.actor import Actor
from readiness.assessment.assess import assess
from readiness.store.core import Store
with Store.open(sys.argv[1]) as store:
    with store.read() as session:
        name = [r[0] for r in session.execute(__import__("sqlalchemy").text(
            "SELECT name FROM lines ORDER BY id"))][0]
    for _ in range(int(sys.argv[2])):
        assess(store, name, as_of=datetime.date(2026, 11, 23), actor=Actor("bench"))
    with store.read() as session:
        print(session.execute(__import__("sqlalchemy").text(
            "SELECT count(*), sum(length(result)), min(id), max(id) FROM assessment_snapshots"
            " WHERE line_id = (SELECT id FROM lines WHERE name = :n)"), {"n": name}).one())
"""

MEASURE = """
import json, resource, sys, time
import sqlalchemy
from readiness.assessment.assess import history
from readiness.store import assessment as snapshot_store
from readiness.store.core import Store
what = sys.argv[2]
with Store.open(sys.argv[1]) as store:
    with store.read() as session:
        line_id, name = session.execute(sqlalchemy.text(
            "SELECT id, name FROM lines ORDER BY id")).first()
        first, last = session.execute(sqlalchemy.text(
            "SELECT min(id), max(id) FROM assessment_snapshots WHERE line_id = :l"),
            {"l": line_id}).one()
    wall, cpu = time.perf_counter(), time.process_time()
    if what == "store":
        with store.read() as session:
            count = len(snapshot_store.load(session, line_id))
    elif what == "history":
        history(store, name)
    else:
        history(store, name, (first, last))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"seconds": wall, "cpu_s": cpu,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(code: str, *args: str) -> str:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return out.stdout.strip().splitlines()[-1]


def taken(db: str) -> int:
    """How many snapshots the store's first line has."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM assessment_snapshots WHERE line_id = "
                                "(SELECT id FROM lines ORDER BY id LIMIT 1)").fetchone()[0])
    finally:
        conn.close()


def main(path: str | None, snapshots: int, repeat: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        if path and taken(path) >= snapshots:
            db, stored, setup_s = path, f"{taken(path)} snapshots already stored", 0.0
        else:
            db = str(Path(tmp) / "history.db")
            if path:
                shutil.copy(path, db)
            else:
                sys.path.insert(0, str(HERE))
                from gen_network import build_network

                build_network(db, 1)
            started = time.perf_counter()
            stored = run(SETUP, db, str(snapshots))
            setup_s = time.perf_counter() - started
        runs: dict[str, list[dict[str, float]]] = {"store": [], "history": [], "diff": []}
        for _ in range(repeat):  # alternating, so that a busy spell hits each alike
            for what in runs:
                runs[what].append(json.loads(run(MEASURE, db, what)))
    best = {k: min(v, key=lambda r: r["seconds"]) for k, v in runs.items()}
    return {"snapshots": snapshots, "stored (count, result bytes, first id, last id)": stored,
            "setup_s": round(setup_s, 1),
            **{f"{k}_s": round(v["seconds"], 3) for k, v in best.items()},
            **{f"{k}_cpu_s": round(v["cpu_s"], 3) for k, v in best.items()},
            **{f"{k}_peak_mb": round(max(r["rss_mb"] for r in runs[k])) for k in runs},
            "all_runs_s": {k: [round(r["seconds"], 3) for r in v] for k, v in runs.items()},
            "machine": f"{platform.machine()}, Python {platform.python_version()}, "
                       f"{subprocess.getoutput('nproc')} cores"}


if __name__ == "__main__":
    args = sys.argv[1:]
    n = int(args[args.index("--snapshots") + 1]) if "--snapshots" in args else 10
    r = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 3
    given = [a for i, a in enumerate(args)
             if not a.startswith("--") and (i == 0 or args[i - 1] not in ("--snapshots", "--repeat"))]
    print(json.dumps(main(given[0] if given else None, n, r), indent=2))
