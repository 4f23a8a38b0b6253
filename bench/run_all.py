"""Run every benchmark in one go and print one table: figure, baseline, ratio, target.

    python bench/run_all.py            # builds the 20-line network store once, then runs all

Each benchmark script also runs on its own (see its docstring); bench/RESULTS.md records the
latest figures by hand, with the date and the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [  # (script, arguments, figure, baseline, target)
    ("bench_startup.py", [], "readiness_version_s", "baseline_import_click_s", "ratio ≤ 2"),
    ("bench_register_import.py", ["100000"], "import_s", "bare_read_s", "ratio ≤ 1.0, ≤ 500 MB"),
    ("bench_org_check.py", [], "org_check_s", "baseline_nx_build_s", "ratio ≤ 2"),
    ("bench_drill_plan.py", [], None, None, "growth stated"),
    ("bench_pdca.py", ["50000"], "command_list_s", None, "≤ 3 s at the command line"),
    ("bench_assess.py", ["{network}", "--repeat", "1"], "assess_s", "pandas_load_s", "ratio ≤ 2"),
    ("bench_reports.py", ["{network}"], "workbooks_s", "bare_openpyxl_write_only_s",
     "ratio ≤ 1.5, HTML < 10 MB"),
]


def main() -> None:
    sys.path.insert(0, str(HERE))
    from gen_network import build_network

    network = str(Path(tempfile.mkdtemp()) / "network.db")
    print(json.dumps(build_network(network), ensure_ascii=False))
    print("| benchmark | figure | baseline | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    for script, args, figure, baseline, target in SCRIPTS:
        argv = [sys.executable, str(HERE / script), *(a.format(network=network) for a in args)]
        out = subprocess.run(argv, capture_output=True, text=True)
        if out.returncode != 0:
            print(f"| {script} | failed: {out.stderr.strip().splitlines()[-1:]} | | | {target} |")
            continue
        data = json.loads(out.stdout[out.stdout.index("{"):])
        value = data.get(figure, "") if figure else json.dumps(data.get("runs", ""))[:80]
        base = data.get(baseline, "") if baseline else ""
        print(f"| {script} | {value} | {base} | {data.get('ratio', '')} | {target} |")


if __name__ == "__main__":
    main()
