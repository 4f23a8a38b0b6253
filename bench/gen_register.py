"""Generate a large hazard register workbook for benchmarks (deterministic).

    python bench/gen_register.py OUT.xlsx [ROWS] [--store DB]

The rows reference the sample line's locations and organisation (readiness demo), so the file
imports cleanly into a demo store. Every row is scored, controlled and owned.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from openpyxl import Workbook

from hazards.sheets import REGISTER
from readiness.demo import sample_line

SPECIALTIES = ["vehicle", "signalling", "power", "communication", "track", "psd", "em", "fire",
               "civil", "afc", "train-operation", "passenger-operation", "general"]
CATEGORIES = ["facility", "equipment", "train-operation", "passenger-operation", "environment"]
FACTORS = ["physical", "human-behavioural", "management", "env-underground", "chemical"]
ACCIDENTS = ["vehicle-injury", "electrocution", "fire", "fall-from-height", "machinery",
             "other-injury", "object-strike", "poisoning-asphyxia"]
L_VALUES, E_VALUES, C_VALUES = [10, 6, 3, 1, 0.5], [10, 6, 3, 2, 1], [40, 15, 7, 3, 1]


def generate(out: Path, rows: int, seed: int = 20261123) -> Path:
    rnd = random.Random(seed)
    data = sample_line()
    locations = [loc["code"] for loc in data["locations"]]
    teams = [u for u in data["units"] if u["level"] == "team"]
    people_by_unit: dict[str, list[str]] = {}
    for person in data["people"]:
        people_by_unit.setdefault(person["unit"], []).append(person["staff_id"])
    teams = [t for t in teams if people_by_unit.get(t["code"])]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("危险源台帐")
    ws.append([c.header() for c in REGISTER.columns])
    keys = [c.key for c in REGISTER.columns]
    for n in range(1, rows + 1):
        team = rnd.choice(teams)
        l, e, c = rnd.choice(L_VALUES), rnd.choice(E_VALUES), rnd.choice(C_VALUES)
        values = {
            "code": f"H-{n:06d}", "line": data["line"]["name"], "location": rnd.choice(locations),
            "specialty": rnd.choice(SPECIALTIES), "risk_category": rnd.choice(CATEGORIES),
            "activity": f"第{n % 97}项作业活动", "description": f"危险源 {n}：设备故障或人员误操作导致伤害",
            "factor_category": rnd.choice(FACTORS), "accident_type": rnd.choice(ACCIDENTS),
            "method": "LEC", "L": l, "E": e, "C": c,
            "controls": "engineering: 加装防护装置\nadministrative: 作业前安全交底",
            "residual_L": min(l, 1), "residual_E": e, "residual_C": c,
            "owner_unit": team["code"], "owner": rnd.choice(people_by_unit[team["code"]]),
            "review_days": None, "last_review": "2026-10-01",
            "linked_drills": "EM-STATION-FIRE" if c >= 15 else None, "status": "controlled",
        }
        ws.append([values.get(k) for k in keys])
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    print(generate(target, count))
