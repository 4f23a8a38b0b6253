"""Benchmark: the hidden-danger ledger (隐患排查治理台账) export of a line with 100,000 hazards and
200,000 inspection results.

    python bench/bench_ledger.py [HAZARDS] [RESULTS]      # default 100,000 and 200,000

Builds the store as bench_handbook.py does (the sample organisation, a line "bench" with HAZARDS
hazards), then records RESULTS inspection results over 90 days: rounds of 20 controls, one result
in twenty found wanting (a hidden danger each, one in fifty of them major). Then times
`readiness export dangers` as the library runs it (`hazards.inspection_sheets.export_dangers`:
the store read, the ledger rows and the workbook), against bare openpyxl write-only mode writing
the same cell values (read back from our workbook), best of three each, in the same run.
Target: ≤ 1.5 × bare.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_handbook import bare_write, build_store  # noqa: E402

ROUND = 20  # controls checked by one inspection


def record_results(db: str, count: int) -> int:
    """`count` results on the line "bench", written as the inspection importer writes them."""
    from hazards.inspections import write_inspections
    from readiness.actor import Actor
    from readiness.store import hazards as hazard_store
    from readiness.store.core import Store
    from readiness.store.lines import line_row

    with Store.open(db) as store:
        with store.write(Actor("bench"), "bench_ledger inspections") as session:
            line = line_row(session, "bench")
            register = hazard_store.load_register(session, line.id)
            ids = hazard_store.existing_codes(session, line.id)
            checks = [(h, c) for h in register for c in h["controls"]]
            start = dt.date(2026, 8, 20)
            plans, made = [], 0
            for n in range(0, count, ROUND):
                day = start + dt.timedelta(days=(n // ROUND) % 90)
                header = {"code": f"PC-{n // ROUND + 1:06d}", "inspected_on": day,
                          "kind": "routine", "special_reason": None, "inspector": "900030",
                          "location_id": None}
                rows = []
                for k in range(n, min(n + ROUND, count)):
                    h, c = checks[k % len(checks)]
                    wanting = k % 20 == 7
                    rows.append({"hazard_id": ids[h["id"]], "hazard": h["id"],
                                 "control_id": c["id"],
                                 "result": "weakened" if wanting else "ok",
                                 "finding": "措施执行不到位" if wanting else None,
                                 "grade": ("major" if k % 1000 == 7 else "general")
                                 if wanting else None, "evidence": None})
                plans.append((None, header, rows))
                made += len(rows)
            write_inspections(session, line.id, plans)
    return made


def main(hazards: int, results: int) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    from hazards.inspection_sheets import LEDGER, export_dangers
    from readiness.store.core import Store

    tmp = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    db = build_store(tmp, hazards)
    made = record_results(db, results)
    built = time.perf_counter() - started
    ours = bare = float("inf")
    with Store.open(db) as store:
        for _ in range(3):  # best of three, both the same way
            target = tmp / "ours.xlsx"
            target.unlink(missing_ok=True)
            t = time.perf_counter()
            written = export_dangers(store, "bench", target)
            ours = min(ours, time.perf_counter() - t)
            rows = [list(r) for r in CalamineWorkbook.from_path(str(target))
                    .get_sheet_by_name(LEDGER.zh).to_python(skip_empty_area=False)]
            bare = min(bare, bare_write(LEDGER.zh, rows, tmp / "bare.xlsx"))
    return {"hazards": hazards, "inspection_results": made, "ledger_rows": written["rows"],
            "cells": sum(len(r) for r in rows), "export_s": round(ours, 3),
            "bare_openpyxl_s": round(bare, 3), "ratio": round(ours / bare, 2),
            "target_ratio": 1.5, "store_built_s": round(built, 1),
            "python": platform.python_version(), "machine": platform.machine()}


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    print(json.dumps(main(*(args + [100_000, 200_000][len(args):])), ensure_ascii=False,
                     indent=2))
