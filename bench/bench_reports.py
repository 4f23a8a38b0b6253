"""Benchmark: the readiness workbook and HTML for the 20-line network store.

    python bench/bench_reports.py [STORE.db]     # default: build it with bench/gen_network.py

For every line: gather the report data (not timed), then time `write_workbook` (styles,
conditional formatting, charts, widths included) against bare openpyxl write-only mode writing
the same cell values (read back from our workbook), in the same run. Targets (issue 8): workbook
≤ 1.5 × bare; every HTML report < 10 MB.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def bare_write(values: dict[str, list[list[object]]], path: Path) -> float:
    from openpyxl import Workbook

    t = time.perf_counter()
    wb = Workbook(write_only=True)
    for title, rows in values.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return time.perf_counter() - t


def main(db: str | None) -> dict[str, object]:
    import datetime as dt

    from python_calamine import CalamineWorkbook

    from readiness.report.data import gather
    from readiness.report.html import render_html
    from readiness.report.excel import write_workbook
    from readiness.store.core import Store
    from readiness.lines import list_lines

    tmp = Path(tempfile.mkdtemp())
    if db is None:
        sys.path.insert(0, str(HERE))
        from gen_network import build_network

        db = str(tmp / "network.db")
        build_network(db)
    ours = bare = 0.0
    html_sizes = []
    rows = 0
    with Store.open(db) as store:
        lines = [ln.name for ln in list_lines(store)]
        from readiness.actor import Actor
        from readiness.assessment.assess import assess

        for name in lines:
            assess(store, name, as_of=dt.date(2026, 11, 23), actor=Actor("bench"))
            data = gather(store, name, lang="zh")
            out = tmp / f"{name}.xlsx"
            t = time.perf_counter()
            write_workbook(data, out)
            ours += time.perf_counter() - t
            book = CalamineWorkbook.from_path(str(out))
            values = {s: book.get_sheet_by_name(s).to_python() for s in book.sheet_names}
            rows += sum(len(v) for v in values.values())
            bare += bare_write(values, tmp / f"{name}-bare.xlsx")
            html_sizes.append(len(render_html(data).encode("utf-8")))
    return {"lines": len(lines), "rows_written": rows, "workbooks_s": round(ours, 2),
            "bare_openpyxl_write_only_s": round(bare, 2), "ratio": round(ours / bare, 2),
            "target_ratio": "<= 1.5", "largest_html_mb": round(max(html_sizes) / 2**20, 2),
            "target_html": "< 10 MB",
            "machine": f"{platform.machine()}, Python {platform.python_version()}"}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1] if len(sys.argv) > 1 else None), indent=2))
