"""Benchmark: PDCA listing and burn-down on 50,000 items stay interactive.

    python bench/bench_pdca.py [ITEMS]

Builds the sample line, adds ITEMS items (every class, phase and owner unit; a third closed),
then times, as a user would meet them: `readiness pdca list --json` (open items, enriched with
overdue and aging), `pdca list --owner-unit CT-KY` (with the org subtree) and
`readiness pdca burndown --json`, each through the library (best of 3) and once through the
installed command (process start-up included). Target: each under 1 s through the library,
under 2 s through the command.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from readiness.actor import Actor
from readiness.demo import build_demo
from readiness.store.core import Store
from readiness.store.lines import find_line
from readiness.store.schema import PdcaItem

AS_OF = dt.date(2026, 11, 23)


def populate(db: str, n: int) -> None:
    rnd = random.Random(5)
    with Store.open(db) as store, store.write(Actor("bench"), "bench populate") as session:
        line = find_line(session, None)
        units = [u for u in ("TM-KY1-01", "TM-KY1-02", "DV-KY1", "CT-GD", "TM-GD1-01", "CT-CW")]
        rows = []
        for i in range(n):
            opened = AS_OF - dt.timedelta(days=rnd.randint(0, 120))
            phase = rnd.choice(["PLAN", "DO", "CHECK", "ACT", "CLOSED"])
            closed = opened + dt.timedelta(days=rnd.randint(1, 30)) if phase == "CLOSED" else None
            rows.append({"line_id": line.id, "code": f"B-{i:06d}", "title": f"问题 {i}",
                         "description": f"问题 {i} 的描述", "source": "inspection",
                         "source_ref": None, "kind": "equipment-quality",
                         "item_class": rnd.choice(["blocking", "due-dated", "improvement"]),
                         "hazards": [], "owner_unit": rnd.choice(units), "owner": "900001",
                         "due": opened + dt.timedelta(days=30), "phase": phase, "cycle": 1,
                         "opened_on": opened, "phase_since": opened,
                         "closed_on": min(closed, AS_OF) if closed else None})
        session.insert_rows(PdcaItem, rows)


def best(fn, runs: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def command(db: str, *args: str) -> float:
    exe = Path(sys.executable).parent / "readiness"
    t = time.perf_counter()
    subprocess.run([str(exe), "--db", db, "pdca", *args, "--as-of", AS_OF.isoformat(), "--json"],
                   check=True, capture_output=True)
    return time.perf_counter() - t


MEASURE = """
import json, sys, time, datetime as dt
from readiness.pdca.items import burndown_report, list_items
from readiness.store.core import Store
from readiness.actor import Actor
as_of = dt.date(2026, 11, 23)
store = Store.open(sys.argv[1])
def best(fn):
    times, result = [], None
    for _ in range(3):
        t = time.perf_counter(); result = fn(); times.append(time.perf_counter() - t)
    return min(times), result
list_s, items = best(lambda: list_items(store, None, as_of=as_of))
subtree_s, _ = best(lambda: list_items(store, None, as_of=as_of, owner_unit="CT-KY"))
burn_s, report = best(lambda: burndown_report(store, None, as_of))
print(json.dumps({"list_s": list_s, "subtree_s": subtree_s, "burn_s": burn_s,
                  "listed": len(items), "open_blocking": report.burndown.open_blocking}))
"""


def main(n: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        build_demo(tmp, actor=Actor("bench"))
        db = str(Path(tmp) / "demo.db")
        populate(db, n)
        # Measured in a fresh process, as a user's command meets the store.
        out = subprocess.run([sys.executable, "-c", MEASURE, db], check=True,
                             capture_output=True, text=True).stdout
        lib = json.loads(out)
        cmd_list = command(db, "list")
        cmd_burn = command(db, "burndown")
    return {"items": n, "open_listed": lib["listed"], "list_s": round(lib["list_s"], 3),
            "list_owner_subtree_s": round(lib["subtree_s"], 3),
            "burndown_s": round(lib["burn_s"], 3),
            "command_list_s": round(cmd_list, 3), "command_burndown_s": round(cmd_burn, 3),
            "open_blocking": lib["open_blocking"],
            "machine": f"{platform.machine()}, Python {platform.python_version()}"}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000), indent=2))
