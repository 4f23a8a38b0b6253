"""Benchmark: the drill planner at 50, 100 and 200 scenarios over 120 days and 40 locations.

    python bench/bench_drill_plan.py

Scenarios are synthetic copies of the default catalogue (venues, units and ratings varied); 40
locations: 20 stations, 16 sections, 2 depots (one with a test track), 2 control centres. Cap 3
drills a day. Best of 5 runs. The planner is greedy earliest-fit, O(S·D·L) worst case.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
import time

from drills.catalogue import default_catalogue, must_do
from drills.plan import plan

START, DAYS = dt.date(2026, 8, 10), 120
UNITS = [f"CT-{i}" for i in range(8)]


def scenarios(n: int) -> list[dict]:
    base = default_catalogue()
    out = []
    for i in range(n):
        s = dict(base[i % len(base)])
        s.update(id=f"{s['id']}-{i:03d}", unit_kinds=[UNITS[i % 8], UNITS[(i * 3 + 1) % 8]],
                 importance=1 + i % 5, likelihood=1 + (i * 7) % 5, fao_only=False)
        out.append(s)
    return out


LOCATIONS = ([{"code": f"S{i:02d}", "name": f"站{i}", "kind": "station"} for i in range(20)]
             + [{"code": f"Q{i:02d}", "name": f"区间{i}", "kind": "section"} for i in range(16)]
             + [{"code": "D01", "name": "车辆段", "kind": "depot", "note": "试车线"},
                {"code": "D02", "name": "停车场", "kind": "depot"},
                {"code": "OCC", "name": "控制中心", "kind": "control-centre"},
                {"code": "OCC2", "name": "备用控制中心", "kind": "control-centre"}])


def measure(n: int) -> dict[str, object]:
    catalogue = scenarios(n)
    chosen = must_do(catalogue, 17)
    end = START + dt.timedelta(days=DAYS - 1)
    times, result = [], {}
    for _ in range(5):
        t = time.perf_counter()
        result = plan(catalogue, LOCATIONS, START, end, handover=START,
                      opening=end + dt.timedelta(days=1), must_do=chosen, cap=3)
        times.append(time.perf_counter() - t)
    return {"scenarios": n, "seconds": min(times), "planned": len(result.planned),
            "unplaced": len(result.unplaced)}


if __name__ == "__main__":
    rows = [measure(n) for n in (50, 100, 200)]
    for a, b in zip(rows, rows[1:]):
        b["growth_exponent"] = round(math.log(b["seconds"] / a["seconds"]) /
                                     math.log(b["scenarios"] / a["scenarios"]), 2)
    for r in rows:
        r["seconds"] = round(r["seconds"], 4)
    print(json.dumps({"days": DAYS, "locations": len(LOCATIONS), "runs": rows,
                      "machine": f"{platform.machine()}, Python {platform.python_version()}"},
                     ensure_ascii=False, indent=2))
