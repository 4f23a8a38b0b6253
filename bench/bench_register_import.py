"""Benchmark: import a large hazard register vs. a bare openpyxl read of the same file.

    python bench/bench_register_import.py [ROWS]

Each phase runs in its own process so that its peak memory (max RSS) is its own. Target
(issue 3): the whole import, validation and store writes included, no slower than reading every
cell with openpyxl.load_workbook(read_only=True) (ratio <= 1.0), peak memory <= 500 MB.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

BARE_READ = """
import json, resource, sys, time
from openpyxl import load_workbook
t = time.perf_counter()
wb = load_workbook(sys.argv[1], read_only=True)
cells = 0
for ws in wb.worksheets:
    for row in ws.iter_rows(values_only=True):
        for value in row:
            cells += 1
wb.close()
print(json.dumps({"seconds": time.perf_counter() - t, "cells": cells,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

IMPORT = """
import json, resource, sys, time
from readiness.importing import import_file
from readiness.store.core import Store
from readiness.actor import Actor
store = Store.open(sys.argv[2])
t = time.perf_counter()
result = import_file(store, sys.argv[1], actor=Actor("bench"))
print(json.dumps({"seconds": time.perf_counter() - t, "created": result.created,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(rows: int) -> dict[str, object]:
    sys.path.insert(0, str(HERE))
    from gen_register import generate

    from readiness.actor import Actor
    from readiness.demo import build_demo

    with tempfile.TemporaryDirectory() as tmp:
        book = generate(Path(tmp) / "register.xlsx", rows)
        build_demo(Path(tmp) / "store", actor=Actor("bench"))
        db = str(Path(tmp) / "store" / "demo.db")
        bare = run(BARE_READ, str(book))
        imported = run(IMPORT, str(book), db)
        size_mb = book.stat().st_size / 2**20
    ratio = imported["seconds"] / bare["seconds"]
    return {"rows": rows, "file_mb": round(size_mb, 1), "bare_read_s": round(bare["seconds"], 2),
            "import_s": round(imported["seconds"], 2), "ratio": round(ratio, 2),
            "import_peak_mb": round(imported["rss_mb"]), "bare_peak_mb": round(bare["rss_mb"]),
            "created": imported["created"], "machine": f"{platform.machine()}, "
            f"{platform.python_version()}, {subprocess.getoutput('nproc')} cores"}


if __name__ == "__main__":
    figures = main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
