"""Benchmark: the inspection handbook (隐患排查手册) of the largest post of a 100,000-hazard line.

    python bench/bench_handbook.py [HAZARDS]      # default 100,000

Builds the sample store (`readiness demo`: its organisation of 84 units and 314 people), adds a
line "bench" with the sample locations and HAZARDS hazards written as bench/gen_network.py writes
a line's (the sample templates at their fitting locations, each with its controls, owned by the
members of the sample's teams in turn). Then, with the register and the organisation loaded (not
timed, as in bench_reports.py): time building the handbooks and writing the largest post's as
.xlsx (`hazards.handbook.build` + `readiness.report.handbook.write_xlsx`), against bare openpyxl
write-only mode writing the same cell values (read back from our workbook), in the same run.
Target: ≤ 1.5 × bare. The whole command (store read included) is timed too, for information.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def bare_write(title: str, rows: list[list[Any]], path: Path) -> float:
    from openpyxl import Workbook

    t = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return time.perf_counter() - t


def build_store(tmp: Path, count: int) -> str:
    sys.path.insert(0, str(HERE))
    import gen_network

    from readiness.actor import Actor
    from readiness.demo import build_demo, sample_line
    from readiness.lines import init_line
    from readiness.store.core import Store
    from readiness.store.org import org_index
    from readiness.store.schema import Location

    build_demo(tmp, actor=Actor("bench"))
    db = str(tmp / "demo.db")
    data = sample_line()
    with Store.open(db) as store:
        with store.read_rows() as conn:
            org = org_index(conn)
        members: dict[str, list[str]] = {}
        for staff_id, p in org["people"].items():
            members.setdefault(p["unit_code"], []).append(staff_id)
        teams = [c for c, u in org["units"].items() if u["level"] == "team" and members.get(c)]
        line = init_line(store, "bench", opening=data["line"]["planned_opening"],
                         handover=data["line"]["handover_date"], actor=Actor("bench"))
        gen_network.HAZARDS = count
        with store.write(Actor("bench"), "bench_handbook line") as session:
            ids = session.insert_rows(Location, [
                {"line_id": line.id, "code": x["code"], "name": x["zh"], "kind": x["kind"],
                 "seq": x["order"], "note": x.get("note")} for x in data["locations"]])
            loc_ids = {x["code"]: i for x, i in zip(data["locations"], ids)}
            gen_network.hazards(session, line.id, 1,
                                {"units": org["units"], "teams": teams, "members": members},
                                data["locations"], loc_ids)
    return db


def main(count: int) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    from hazards.handbook import build, largest_post
    from readiness.report.handbook import SHEET, write_handbook, write_xlsx
    from readiness.store.core import Store
    from readiness.store.hazards import load_register
    from readiness.store.lines import line_row
    from readiness.store.org import org_index

    tmp = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    db = build_store(tmp, count)
    built = time.perf_counter() - started
    with Store.open(db) as store:
        with store.read_rows() as conn:
            line = line_row(conn, "bench")
            register = load_register(conn, line.id)
            org = org_index(conn)
        whole = build(register, org["units"], org["people"], line="bench")
        biggest = largest_post(whole)
        assert biggest is not None
        ours = bare = float("inf")
        for attempt in range(3):  # best of three, both the same way
            t = time.perf_counter()
            book = build(register, org["units"], org["people"], line="bench", post=biggest.post,
                         unit=biggest.unit)
            book = type(book)(line=book.line, posts=[
                p for p in book.posts if (p.unit, p.post) == (biggest.unit, biggest.post)])
            write_xlsx(book, tmp / "ours.xlsx")
            ours = min(ours, time.perf_counter() - t)
            rows = [list(r) for r in CalamineWorkbook.from_path(str(tmp / "ours.xlsx"))
                    .get_sheet_by_name(SHEET["zh"]).to_python(skip_empty_area=False)]
            bare = min(bare, bare_write(SHEET["zh"], rows, tmp / "bare.xlsx"))
        t = time.perf_counter()
        _, cmd = write_handbook(store, "bench", tmp / "cmd.xlsx", post=biggest.post,
                                unit=biggest.unit)
        command = time.perf_counter() - t
    controls = sum(len(h["controls"]) for h in register)
    return {"hazards": len(register), "controls": controls, "posts": len(whole.posts),
            "largest_post": f"{biggest.unit_name} · {biggest.post}",
            "largest_post_controls": len(biggest.entries), "cells": sum(len(r) for r in rows),
            "build_and_write_s": round(ours, 3), "bare_openpyxl_s": round(bare, 3),
            "ratio": round(ours / bare, 2), "target_ratio": 1.5,
            "command_with_store_read_s": round(command, 2),
            "command_controls": cmd.controls, "store_built_s": round(built, 1),
            "python": platform.python_version(), "machine": platform.machine()}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000),
                     ensure_ascii=False, indent=2))
