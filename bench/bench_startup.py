"""Benchmark: `readiness --version` start-up against `python -c "import click"` (target ≤ 2×).

    python bench/bench_startup.py

Both run as fresh processes of the installed command, 20 times each; the median is reported.
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path


def median_seconds(argv: list[str], runs: int = 20) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> dict[str, object]:
    exe = str(Path(sys.executable).parent / "readiness")
    baseline = median_seconds([sys.executable, "-c", "import click"])
    measured = median_seconds([exe, "--version"])
    return {"baseline_import_click_s": round(baseline, 4), "readiness_version_s": round(measured, 4),
            "ratio": round(measured / baseline, 2), "target": "<= 2.0",
            "machine": f"{platform.machine()}, Python {platform.python_version()}"}


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
