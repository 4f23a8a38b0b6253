"""Benchmark: commands that only read, against `python -c "import sqlalchemy, click"`.

    python bench/bench_read_commands.py [RUNS]      # default 15 runs of each

Builds the sample line (`readiness demo`) in a temporary folder, then runs, side by side and
interleaved (so a busy moment of the machine falls on both sides alike), fresh processes of the
installed `readiness` next to this Python:

- baseline: `python -c "import sqlalchemy, click"`, the least any store command can cost;
- `readiness --db demo.db hazard list`, `org check` and `assess history`.

Reports each median and its ratio to the baseline's (target for `hazard list`: ≤ 1.5). Both sides
run with this process's environment; the output says whether the installed package has compiled
bytecode (pip compiles it at install, as a user's install has) and whether
PYTHONDONTWRITEBYTECODE is set, since either changes what a start-up costs.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = {"hazard_list": ["hazard", "list"], "org_check": ["org", "check"],
            "assess_history": ["assess", "history"]}
TARGET = 1.5  # hazard list / baseline


def _seconds(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, capture_output=True, env=env, check=False, timeout=600)
    return time.perf_counter() - started


def _bytecode_compiled() -> bool:
    spec = importlib.util.find_spec("readiness.store.core")
    origin = spec.origin if spec else None
    return bool(origin) and Path(importlib.util.cache_from_source(origin)).exists()


def main(runs: int = 15) -> dict[str, object]:
    exe = str(Path(sys.executable).parent / "readiness")
    env = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
    env["READINESS_LANG"] = "en"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([exe, "demo", "--out", tmp, "--force"], check=True, capture_output=True,
                       env=env, timeout=600)
        db = str(Path(tmp) / "demo.db")
        for args in COMMANDS.values():  # each must work before it is timed
            done = subprocess.run([exe, "--db", db, *args], capture_output=True, env=env,
                                  timeout=600)
            if done.returncode not in (0, 1):  # org check exits 1 when it finds gaps
                raise SystemExit(f"{' '.join(args)} failed: {done.stderr.decode()[-300:]}")
        baseline_argv = [sys.executable, "-c", "import sqlalchemy, click"]
        times: dict[str, list[float]] = {"baseline": [], **{k: [] for k in COMMANDS}}
        for _ in range(runs):
            times["baseline"].append(_seconds(baseline_argv, env))
            for key, args in COMMANDS.items():
                times[key].append(_seconds([exe, "--db", db, *args], env))
    medians = {k: statistics.median(v) for k, v in times.items()}
    base = medians["baseline"]
    result: dict[str, object] = {
        "runs": runs,
        "baseline_import_sqlalchemy_click_s": round(base, 4),
        **{f"{k}_s": round(medians[k], 4) for k in COMMANDS},
        **{f"{k}_ratio": round(medians[k] / base, 2) for k in COMMANDS},
        "ratio": round(medians["hazard_list"] / base, 2),
        "target": f"hazard list <= {TARGET} x baseline",
        "bytecode_compiled": _bytecode_compiled(),
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
    }
    return result


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 15), indent=2))
