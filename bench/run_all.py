"""Run every benchmark in one go and print one table: figure, baseline, ratio, target, machine.

    python bench/run_all.py            # builds the 20-line network store, then runs them all
    python bench/run_all.py --record   # the same, and writes the table into bench/RESULTS.md

Each benchmark runs in its own process (so its memory is its own) and measures itself against
its bare-library baseline in the same run. Each script also runs on its own (see its docstring).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
START, END = "<!-- run_all: start -->", "<!-- run_all: end -->"


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    args: list[str]
    figure: Callable[[dict[str, Any]], str]
    baseline: Callable[[dict[str, Any]], str]
    ratio: Callable[[dict[str, Any]], str]
    target: str
    met: Callable[[dict[str, Any]], bool]


def _s(key: str) -> Callable[[dict[str, Any]], str]:
    return lambda d: f"{d[key]:.3g} s" if d[key] < 1 else f"{d[key]:.2f} s"


def _ratio(d: dict[str, Any]) -> str:
    return f"{d['ratio']:.2f}"


def _growth(d: dict[str, Any]) -> str:
    return ", ".join(f"{r['scenarios']}: {r['seconds'] * 1000:.1f} ms" for r in d["runs"])


BENCHES = [
    Bench("start-up: `readiness --version`", "bench_startup.py", [],
          _s("readiness_version_s"), lambda d: f"{d['baseline_import_click_s']:.3f} s "
          "(`python -c \"import click\"`)", _ratio, "ratio ≤ 2", lambda d: d["ratio"] <= 2),
    Bench("read commands on the sample line: `hazard list`", "bench_read_commands.py", [],
          lambda d: f"{d['hazard_list_s']:.3f} s (org check {d['org_check_s']:.3f} s, "
          f"assess history {d['assess_history_s']:.3f} s)",
          lambda d: f"{d['baseline_import_sqlalchemy_click_s']:.3f} s "
          "(`python -c \"import sqlalchemy, click\"`)", _ratio, "ratio ≤ 1.5",
          lambda d: d["ratio"] <= 1.5),
    Bench("hazard register import, 100,000 rows", "bench_register_import.py", ["100000"],
          lambda d: f"{d['import_s']:.2f} s, {d['import_peak_mb']} MB",
          lambda d: f"{d['bare_read_s']:.2f} s (openpyxl read-only read)", _ratio,
          "ratio ≤ 1.0, ≤ 500 MB", lambda d: d["ratio"] <= 1.0 and d["import_peak_mb"] <= 500),
    Bench("organisation check, 5,000 units / 50,000 people", "bench_org_check.py", [],
          _s("org_check_s"), lambda d: f"{d['baseline_nx_build_s']:.3f} s (networkx graph build)",
          _ratio, "ratio ≤ 2", lambda d: d["ratio"] <= 2),
    Bench("drill planner, 50 / 100 / 200 scenarios", "bench_drill_plan.py", [], _growth,
          lambda d: "–", lambda d: f"growth {d['runs'][-1].get('growth_exponent', '–')}",
          "near-linear growth (exponent ≤ 1.5)",
          lambda d: all(r.get("growth_exponent", 0) <= 1.5 for r in d["runs"])),
    Bench("PDCA `pdca list`, 50,000 items (command)", "bench_pdca.py", ["50000"],
          lambda d: f"{d['command_list_s']:.2f} s list, {d['command_burndown_s']:.2f} s burndown",
          lambda d: "–", lambda d: "–", "≤ 3 s at the command line",
          lambda d: max(d["command_list_s"], d["command_burndown_s"]) <= 3),
    Bench("assessment of the 20-line network", "bench_assess.py", ["{network}", "--repeat", "3"],
          lambda d: f"{d['assess_s']:.2f} s, {d['assess_peak_mb']} MB",
          lambda d: f"{d['pandas_load_s']:.2f} s (pandas read_sql_table of {d['tables']} tables)",
          _ratio, "ratio ≤ 2", lambda d: d["ratio"] <= 2),
    Bench("inspection handbook of the largest post, 100,000 hazards", "bench_handbook.py", [],
          lambda d: f"{d['build_and_write_s']:.2f} s ({d['largest_post_controls']} controls)",
          lambda d: f"{d['bare_openpyxl_s']:.2f} s (openpyxl write-only)", _ratio,
          "ratio ≤ 1.5", lambda d: d["ratio"] <= 1.5),
    Bench("hidden-danger ledger export, 200,000 inspection results", "bench_ledger.py", [],
          lambda d: f"{d['export_s']:.2f} s ({d['ledger_rows']} rows)",
          lambda d: f"{d['bare_openpyxl_s']:.2f} s (openpyxl write-only)", _ratio,
          "ratio ≤ 1.5", lambda d: d["ratio"] <= 1.5),
    Bench("report workbooks for 20 lines", "bench_reports.py", ["{network}"],
          lambda d: f"{d['workbooks_s']:.2f} s; largest HTML {d['largest_html_mb']} MB",
          lambda d: f"{d['bare_openpyxl_write_only_s']:.2f} s (openpyxl write-only)", _ratio,
          "ratio ≤ 1.5, HTML < 10 MB",
          lambda d: d["ratio"] <= 1.5 and d["largest_html_mb"] < 10),
]


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, "
            f"Python {platform.python_version()}")


def run(bench: Bench, network: str) -> list[str]:
    argv = [sys.executable, str(HERE / bench.script), *(a.format(network=network) for a in bench.args)]
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return [bench.name, f"failed: {last}", "", "", bench.target, "**not met**"]
    data = json.loads(out.stdout[out.stdout.index("{"):])
    return [bench.name, bench.figure(data), bench.baseline(data), bench.ratio(data), bench.target,
            "met" if bench.met(data) else "**not met**"]


def main(record: bool) -> None:
    sys.path.insert(0, str(HERE))
    from gen_network import build_network

    network = str(Path(tempfile.mkdtemp()) / "network.db")
    built = build_network(network)
    print(json.dumps(built, ensure_ascii=False), file=sys.stderr)
    lines = [f"Run {dt.date.today().isoformat()} with `python bench/run_all.py`; machine: "
             f"{machine()}.", "",
             "| benchmark | figure | baseline (same run) | ratio | target | |",
             "| --- | --- | --- | --- | --- | --- |"]
    for bench in BENCHES:
        lines.append("| " + " | ".join(run(bench, network)) + " |")
        print(lines[-1], file=sys.stderr)
    table = "\n".join(lines)
    print(table)
    if record:
        text = RESULTS.read_text("utf-8")
        new = re.sub(re.escape(START) + ".*?" + re.escape(END),
                     lambda _: f"{START}\n{table}\n{END}", text, flags=re.S)
        RESULTS.write_text(new, "utf-8")


if __name__ == "__main__":
    main("--record" in sys.argv[1:])
