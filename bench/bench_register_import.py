"""Benchmark: import a large hazard register vs. a bare openpyxl read of the same file.

    python bench/bench_register_import.py [ROWS] [--ledger]

Each phase runs in its own process so that its peak memory (max RSS) is its own. Target
(issue 3): the whole import, validation and store writes included, no slower than reading every
cell with openpyxl.load_workbook(read_only=True) (ratio <= 1.0), peak memory <= 500 MB.

Issue 20 (ledgers as they are kept): finding the sheet and its header and handling merged cells
must cost < 5 % of the import. `reading_overhead` times, in its own process on the same file, what
an import spends before the first data row: reading the sheet's merged ranges from the package
(`Workbook.merges`: one more pass over the sheet's part), and choosing the sheet and finding its
header (`find_header` over the first rows, the two-row header included); `overhead_pct` is their
share of the import. `--ledger` also writes the same rows the way a ledger is kept (sheet
危险源辨识清单 found by its header row, a title and a form code above a two-row header with
危险性评价 merged over L / E / C, 作业活动 merged down over runs of five rows, the two header rows
repeated every 50 rows as at printed page breaks) and imports it into a fresh copy of the same
store: `ledger_import_s` against `import_s` is what importing a ledger so laid out costs in all
(merged cells filled row by row, repeated headers skipped), `ledger_overhead_pct` its share; as
the store writes vary by several per cent from run to run, `read_rows_s` and
`ledger_read_rows_s` also time the reading alone (every row read and parsed, no checks and no
writes), and `ledger_read_pct` is their difference as a share of the import.
"""

from __future__ import annotations

import json
import platform
import random
import shutil
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
                  "repeated_headers": result.repeated_headers, "sheets": result.sheets,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

# What an import spends before its first data row, on its own: the merged ranges read from the
# package, then the sheet chosen and its header found (the kind known from the sheet names, or
# else from the header rows, as import_file does). Best of 3, after a first run that also imports
# the modules of the kinds looked at (reported as header_first_s).
READING = """
import json, sys, time
from readiness.importing import (_Sheets, _choose_sheets, _kind_by_header, detect_kind,
                                 template_kind)
from readiness.xlsx.reader import Workbook, find_header
from pathlib import Path
merges_s, header_s = [], []
for attempt in range(4):  # the first also imports the kinds' modules: reported on its own
    wb = Workbook(Path(sys.argv[1]))
    t = time.perf_counter()
    merged = sum(len(wb.merges(name)) for name in wb.sheet_names)
    merges_s.append(time.perf_counter() - t)
    sheets = _Sheets(wb)
    for name in wb.sheet_names:  # calamine's load of the sheet: the import's, not the header's
        head = sheets.head(name)
    t = time.perf_counter()
    kind = detect_kind(wb.sheet_names) or _kind_by_header(sheets, wb.sheet_names)
    spec = template_kind(kind)
    chosen = _choose_sheets(sheets, spec, [])
    name = chosen[spec.main_sheet.key][0]
    found = find_header(sheets.heads[name].head, spec.main_sheet, sheets.heads[name].groups)
    header_s.append(time.perf_counter() - t)
    wb.close()
print(json.dumps({"merges_s": min(merges_s[1:]), "header_s": min(header_s[1:]),
                  "header_first_s": header_s[0], "merged_ranges": merged,
                  "header_row": found.row, "columns": found.named}))
"""

# Reading alone: every row of the main sheet read and parsed as the import reads it (calamine's
# load, merged cells filled, repeated headers skipped, cells parsed), without the kind's checks
# and the store writes, whose timing varies more from run to run than the reading costs.
READ_ROWS = """
import json, sys, time
from pathlib import Path
from readiness.importing import _Sheets, _choose_sheets, detect_kind, _kind_by_header, template_kind
from readiness.xlsx.reader import Workbook, open_sheet
import hazards.sheets
best = None
for _ in range(2):
    t = time.perf_counter()
    wb = Workbook(Path(sys.argv[1]))
    sheets = _Sheets(wb)
    kind = detect_kind(wb.sheet_names) or _kind_by_header(sheets, wb.sheet_names)
    spec = template_kind(kind)
    name = _choose_sheets(sheets, spec, [])[spec.main_sheet.key][0]
    problems = []
    stream = open_sheet(sheets.take(name), spec.main_sheet, problems)
    rows = sum(1 for _ in stream.rows(problems))
    wb.close()
    seconds = time.perf_counter() - t
    best = seconds if best is None else min(best, seconds)
print(json.dumps({"seconds": best, "rows": rows, "repeated": stream.repeated,
                  "problems": len(problems)}))
"""


def run(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def generate_ledger(out: Path, rows: int, seed: int = 20261123) -> Path:
    """The rows of `gen_register.generate` (same values, same seed) laid out as a ledger."""
    from gen_register import (ACCIDENTS, C_VALUES, CATEGORIES, E_VALUES, FACTORS, L_VALUES,
                              SPECIALTIES)
    from openpyxl import Workbook
    from openpyxl.worksheet.cell_range import CellRange

    from hazards.sheets import REGISTER
    from readiness.demo import sample_line

    rnd = random.Random(seed)
    data = sample_line()
    locations = [loc["code"] for loc in data["locations"]]
    teams = [u for u in data["units"] if u["level"] == "team"]
    people_by_unit: dict[str, list[str]] = {}
    for person in data["people"]:
        people_by_unit.setdefault(person["unit"], []).append(person["staff_id"])
    teams = [t for t in teams if people_by_unit.get(t["code"])]
    keys = [c.key for c in REGISTER.columns if c.key not in ("causes", "consequences")]
    keys = keys[:keys.index("status") + 1]
    index = {k: i for i, k in enumerate(keys)}
    letters = [_letter(i + 1) for i in range(len(keys))]
    upper = [REGISTER.columns[[c.key for c in REGISTER.columns].index(k)].header() for k in keys]
    lower = [None] * len(keys)
    for factor in ("L", "E", "C"):
        lower[index[factor]], upper[index[factor]] = factor, None
    upper[index["L"]] = "危险性评价"
    header_merges = [f"{letters[index['L']]}{{r}}:{letters[index['C']]}{{r}}"] + [
        f"{letters[i]}{{r}}:{letters[i]}{{s}}" for i, k in enumerate(keys)
        if k not in ("L", "E", "C")]
    activity = letters[index["activity"]]

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("危险源辨识清单")
    ws.append(["9号线一期工程危险源辨识与风险评价表"])
    ws.append([None] * (len(keys) - 1) + ["表 AQ-03"])
    # openpyxl's MultiCellRange.add looks through every range already added: collect them and
    # add them at once, at the end
    merged = [f"A1:{letters[-1]}1"]
    number = 2  # the sheet's last row written
    run: list[int] = []  # the sheet rows of the current run of one activity

    def close_run() -> None:
        if len(run) > 1:
            merged.append(f"{activity}{run[0]}:{activity}{run[-1]}")
        run.clear()

    for n in range(1, rows + 1):
        if (n - 1) % 50 == 0:  # the header, at the top and again at every page break
            close_run()
            ws.append(upper)
            ws.append(lower)
            number += 2
            for ref in header_merges:
                merged.append(ref.format(r=number - 1, s=number))
        if (n - 1) % 5 == 0:
            close_run()
        team = rnd.choice(teams)
        l, e, c = rnd.choice(L_VALUES), rnd.choice(E_VALUES), rnd.choice(C_VALUES)
        values = {
            "code": f"H-{n:06d}", "line": data["line"]["name"], "location": rnd.choice(locations),
            "specialty": rnd.choice(SPECIALTIES), "risk_category": rnd.choice(CATEGORIES),
            "activity": None if run else f"第{(n // 5) % 97}项作业活动",
            "description": f"危险源 {n}：设备故障或人员误操作导致伤害",
            "factor_category": rnd.choice(FACTORS), "accident_type": rnd.choice(ACCIDENTS),
            "method": "LEC", "L": l, "E": e, "C": c,
            "controls": "engineering: 加装防护装置\nadministrative: 作业前安全交底",
            "residual_L": min(l, 1), "residual_E": e, "residual_C": c,
            "owner_unit": team["code"], "owner": rnd.choice(people_by_unit[team["code"]]),
            "review_days": None, "last_review": "2026-10-01",
            "linked_drills": "EM-STATION-FIRE" if c >= 15 else None, "status": "controlled",
        }
        ws.append([values.get(k) for k in keys])
        number += 1
        run.append(number)
    close_run()
    ws.merged_cells.ranges.update(CellRange(ref) for ref in merged)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _letter(number: int) -> str:
    from readiness.xlsx.columns import column_letters

    return column_letters(number)


def main(rows: int, ledger: bool = False) -> dict[str, object]:
    sys.path.insert(0, str(HERE))
    from gen_register import generate

    from readiness.actor import Actor
    from readiness.demo import build_demo

    with tempfile.TemporaryDirectory() as tmp:
        book = generate(Path(tmp) / "register.xlsx", rows)
        build_demo(Path(tmp) / "store", actor=Actor("bench"))
        db = str(Path(tmp) / "store" / "demo.db")
        pristine = Path(tmp) / "pristine.db"
        shutil.copyfile(db, pristine)
        bare = run(BARE_READ, str(book))
        imported = run(IMPORT, str(book), db)
        reading = run(READING, str(book))
        read = run(READ_ROWS, str(book))
        size_mb = book.stat().st_size / 2**20
        if ledger:
            ledger_book = generate_ledger(Path(tmp) / "ledger.xlsx", rows)
            ledger_db = str(Path(tmp) / "ledger.db")
            shutil.copyfile(pristine, ledger_db)
            ledger_import = run(IMPORT, str(ledger_book), ledger_db)
            ledger_reading = run(READING, str(ledger_book))
            ledger_read = run(READ_ROWS, str(ledger_book))
    ratio = imported["seconds"] / bare["seconds"]
    overhead = reading["merges_s"] + reading["header_s"]
    figures: dict[str, object] = {
        "rows": rows, "file_mb": round(size_mb, 1), "bare_read_s": round(bare["seconds"], 2),
        "import_s": round(imported["seconds"], 2), "ratio": round(ratio, 2),
        "import_peak_mb": round(imported["rss_mb"]), "bare_peak_mb": round(bare["rss_mb"]),
        "created": imported["created"],
        "reading_overhead": {"merges_s": round(reading["merges_s"], 3),
                             "header_s": round(reading["header_s"], 4),
                             "header_first_s": round(reading["header_first_s"], 3)},
        "overhead_pct": round(100 * overhead / imported["seconds"], 2),
        "read_rows_s": round(read["seconds"], 2),
        "machine": f"{platform.machine()}, {platform.python_version()}, "
                   f"{subprocess.getoutput('nproc')} cores"}
    if ledger:
        ledger_overhead = ledger_import["seconds"] - imported["seconds"]
        figures.update({
            "ledger_import_s": round(ledger_import["seconds"], 2),
            "ledger_created": ledger_import["created"],
            "ledger_repeated_headers": ledger_import["repeated_headers"],
            "ledger_sheets": ledger_import["sheets"],
            "ledger_merged_ranges": ledger_reading["merged_ranges"],
            "ledger_reading_overhead": {
                "merges_s": round(ledger_reading["merges_s"], 3),
                "header_s": round(ledger_reading["header_s"], 4),
                "header_first_s": round(ledger_reading["header_first_s"], 3)},
            "ledger_reading_pct": round(100 * (ledger_reading["merges_s"]
                                               + ledger_reading["header_first_s"])
                                        / ledger_import["seconds"], 2),
            "ledger_import_peak_mb": round(ledger_import["rss_mb"]),
            "ledger_read_rows_s": round(ledger_read["seconds"], 2),
            "ledger_read_problems": ledger_read["problems"],
            # what reading the ledger's layout costs beyond reading the template's, row by row
            # included, as a share of the (template) import
            "ledger_read_pct": round(100 * (ledger_read["seconds"] - read["seconds"])
                                     / imported["seconds"], 2),
            "ledger_overhead_pct": round(100 * ledger_overhead / imported["seconds"], 2)})
    return figures


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    figures = main(int(args[0]) if args else 100_000, ledger="--ledger" in sys.argv[1:])
    print(json.dumps(figures, ensure_ascii=False, indent=2))
