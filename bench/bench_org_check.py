"""Benchmark: `org check` on a 5,000-unit, 50,000-person organisation vs. networkx graph build.

    python bench/bench_org_check.py [UNITS] [PEOPLE]

Both sides start from the same in-memory rows (as loaded from the store). Baseline: networkx
building the organisation graph (units and people as nodes, parent and membership edges).
Measured: every check of `readiness org check` (structure, posts, heads, letters unit↔parent and
person↔unit, three-level education, owners, concentration), including indexing the letters.
Target (issue 4): measured ≤ 2 × baseline. Best of 5 runs each.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import random
import sys
import time

import networkx as nx

from readiness.org.graph import Org, check_org, policy

AS_OF = dt.date(2026, 11, 23)


def organisation(n_units: int, n_people: int, seed: int = 7) -> tuple[dict, dict, list, list]:
    rnd = random.Random(seed)
    units = {"C": {"code": "C", "name": "公司", "level": "company", "parent_code": None,
                   "head_staff_id": "P0", "posts": ["总经理"]},
             "HQ": {"code": "HQ", "name": "运营总部", "level": "hq", "parent_code": "C",
                    "head_staff_id": "P1", "posts": ["总部经理"]}}
    centres = [f"CT{i}" for i in range(20)]
    divisions = [f"DV{i}" for i in range(200)]
    teams = [f"TM{i}" for i in range(n_units - 2 - len(centres) - len(divisions))]
    for code in centres:
        units[code] = {"code": code, "name": code, "level": "centre", "parent_code": "HQ",
                       "head_staff_id": None, "posts": ["中心主任"]}
    for i, code in enumerate(divisions):
        units[code] = {"code": code, "name": code, "level": "division",
                       "parent_code": centres[i % len(centres)], "head_staff_id": None,
                       "posts": ["分部经理"]}
    for i, code in enumerate(teams):
        units[code] = {"code": code, "name": code, "level": "team",
                       "parent_code": divisions[i % len(divisions)], "head_staff_id": None,
                       "posts": ["班组长", "工班长", "作业员"]}
    codes = list(units)
    people = {}
    for n in range(n_people):
        unit = codes[n] if n < len(codes) else rnd.choice(teams)
        post = units[unit]["posts"][0] if n < len(codes) else rnd.choice(units[unit]["posts"])
        if n < len(codes):
            units[unit]["head_staff_id"] = f"P{n}"
        people[f"P{n}"] = {"staff_id": f"P{n}", "name": f"员工{n}", "unit_code": unit,
                           "post": post, "education_company": AS_OF, "education_centre": AS_OF,
                           "education_team": None if n % 97 == 0 else AS_OF}
    year = {"signed_on": dt.date(2026, 1, 8), "valid_until": dt.date(2026, 12, 31)}
    letters = [{"signer": c, "countersigner": u["parent_code"], **year}
               for c, u in units.items() if u["parent_code"] and rnd.random() > 0.01]
    letters += [{"signer": s, "countersigner": p["unit_code"], **year}
                for s, p in people.items() if rnd.random() > 0.01]
    owned = [{"kind": "hazard", "subject": f"H-{i}", "owner_unit": p["unit_code"],
              "owner": s, "level": "major" if i % 9 == 0 else "general"}
             for i, (s, p) in enumerate(list(people.items())[:20000])]
    return units, people, letters, owned


def baseline(units: dict, people: dict) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(units)
    g.add_edges_from((u["parent_code"], c) for c, u in units.items() if u["parent_code"])
    g.add_nodes_from(people)
    g.add_edges_from((p["unit_code"], s) for s, p in people.items())
    return g


def best(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(n_units: int, n_people: int) -> dict[str, object]:
    units, people, letters, owned = organisation(n_units, n_people)
    base = best(lambda: baseline(units, people))
    findings: list = []
    measured = best(lambda: findings.__setitem__(slice(None), check_org(
        Org(units, people, letters), AS_OF, owned, policy())))
    return {"units": len(units), "people": len(people), "letters": len(letters),
            "owned": len(owned), "findings": len(findings),
            "baseline_nx_build_s": round(base, 3), "org_check_s": round(measured, 3),
            "ratio": round(measured / base, 2),
            "machine": f"{platform.machine()}, Python {platform.python_version()}"}


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]] or [5000, 50000]
    print(json.dumps(main(*args), ensure_ascii=False, indent=2))
