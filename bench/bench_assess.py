"""Benchmark: assess every line of a 20-line network store vs. loading its tables with pandas.

    python bench/bench_assess.py [NETWORK.db] [--repeat N] [--profile]

The network store (bench/gen_network.py: 20 lines, 100,000 hazards, 2,000 drill runs, 20,000
PDCA items, 5,000 units, 50,000 people) is reused when NETWORK.db exists, built there when it does
not, and built in a temporary directory when no path is given. Then, each in a fresh process
(measured cold, as a user's command meets the store; imports and opening the store excluded):

- **baseline**: `pandas.read_sql_table` of every table the assessment reads, through a SQLAlchemy
  engine on the same SQLite file;
- **measured**: `readiness.assessment.assess.assess(store, line, as_of=2026-11-23, save=False)`
  for every line, one after another in one process, sharing the company-wide data (the
  organisation, its findings and their hash) as `assess_lines` does.

Target (issue: "compared, in the same run, with just loading those tables with pandas"): measured
≤ 2 × baseline. Best wall time of N runs each (alternating); CPU time is reported too, since a
busy machine stretches wall time. `--profile` prints one line's `assess` under cProfile (top 15
by cumulative time, this project's code only) to stderr.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TABLES = ["hazards", "hazard_evaluations", "control_measures", "hazard_acceptances", "org_units",
          "people", "responsibility_letters", "drill_scenarios", "critical_tasks", "drill_runs",
          "task_evaluations", "pdca_items", "trial_run_days", "checklist_items", "phase_changes",
          "lines", "locations", "inspections", "inspection_results", "hidden_dangers"]

PANDAS_LOAD = """
import json, resource, sys, time
import pandas as pd
from sqlalchemy import create_engine
engine = create_engine("sqlite:///" + sys.argv[1])
tables = sys.argv[2].split(",")
with engine.connect() as conn:
    wall, cpu = time.perf_counter(), time.process_time()
    frames = {name: pd.read_sql_table(name, conn) for name in tables}
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"seconds": wall, "cpu_s": cpu, "rows": sum(len(f) for f in frames.values()),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

ASSESS = """
import collections, datetime, json, resource, sys, time
from readiness.actor import Actor
from readiness.assessment.assess import assess
from readiness.lines import list_lines
from readiness.store.core import Store
store = Store.open(sys.argv[1])
names = [line.name for line in list_lines(store)]
verdicts, per_line = collections.Counter(), []
wall, cpu = time.perf_counter(), time.process_time()
shared = {}  # as readiness.assessment.assess.assess_lines: company-wide data read once
for name in names:
    started = time.perf_counter()
    verdicts[assess(store, name, as_of=datetime.date(2026, 11, 23), save=False,
                    shared=shared, actor=Actor("bench")).verdict] += 1
    per_line.append(time.perf_counter() - started)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"seconds": wall, "cpu_s": cpu, "lines": len(names), "verdicts": verdicts,
                  "per_line_s": [min(per_line), sorted(per_line)[len(per_line) // 2], max(per_line)],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

PROFILE = """
import cProfile, datetime, io, pstats, re, sys
from readiness.actor import Actor
from readiness.assessment.assess import assess
from readiness.lines import list_lines
from readiness.store.core import Store
store = Store.open(sys.argv[1])
name = list_lines(store)[0].name
profiler = cProfile.Profile()
profiler.runcall(assess, store, name, as_of=datetime.date(2026, 11, 23), save=False,
                 actor=Actor("bench"))
out = io.StringIO()
stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
stats.print_stats(re.escape(sys.argv[2]) + r"/(?!\\.venv)", 15)
print(f"cProfile of assess({name!r}), top 15 by cumulative time in {sys.argv[2]}:")
print(out.getvalue())
"""


def run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def network(path: str | None, tmp: str) -> tuple[str, float | None]:
    if path and Path(path).exists():
        return path, None
    sys.path.insert(0, str(HERE))
    from gen_network import build_network

    target = path or str(Path(tmp) / "network.db")
    started = time.perf_counter()
    build_network(target)
    return target, time.perf_counter() - started


def main(path: str | None, repeat: int, profile: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        db, build_s = network(path, tmp)
        loads, assessed = [], []
        for _ in range(repeat):  # alternating, so that a busy spell hits both sides alike
            loads.append(run(PANDAS_LOAD, db, ",".join(TABLES)))
            assessed.append(run(ASSESS, db))
        if profile:
            print(subprocess.run([sys.executable, "-c", PROFILE, db, str(ROOT)], check=True,
                                 capture_output=True, text=True).stdout, file=sys.stderr)
    load = min(loads, key=lambda r: r["seconds"])
    best = min(assessed, key=lambda r: r["seconds"])
    return {"lines": best["lines"], "tables": len(TABLES), "rows_loaded": load["rows"],
            "build_network_s": round(build_s, 1) if build_s else None,
            "pandas_load_s": round(load["seconds"], 2), "assess_s": round(best["seconds"], 2),
            "ratio": round(best["seconds"] / load["seconds"], 2),
            "pandas_load_cpu_s": round(min(r["cpu_s"] for r in loads), 2),
            "assess_cpu_s": round(min(r["cpu_s"] for r in assessed), 2),
            "ratio_cpu": round(min(r["cpu_s"] for r in assessed)
                               / min(r["cpu_s"] for r in loads), 2),
            "assess_per_line_s": [round(s, 2) for s in best["per_line_s"]],  # min, median, max
            "pandas_peak_mb": round(max(r["rss_mb"] for r in loads)),
            "assess_peak_mb": round(max(r["rss_mb"] for r in assessed)),
            "verdicts": best["verdicts"], "repeats": repeat,
            "all_runs_s": {"pandas": [round(r["seconds"], 2) for r in loads],
                           "assess": [round(r["seconds"], 2) for r in assessed]},
            "machine": f"{platform.machine()}, Python {platform.python_version()}, "
                       f"{subprocess.getoutput('nproc')} cores"}


if __name__ == "__main__":
    args = sys.argv[1:]
    repeat = int(args.pop(args.index("--repeat") + 1)) if "--repeat" in args else 3
    args = [a for a in args if a != "--repeat"]
    profile = "--profile" in args
    args = [a for a in args if a != "--profile"]
    print(json.dumps(main(args[0] if args else None, repeat, profile), ensure_ascii=False,
                     indent=2))
