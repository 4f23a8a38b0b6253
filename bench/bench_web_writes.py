"""Benchmark: the web application under reads and writes at once — 20 signed-in sessions on
loopback for 60 s against the sample line (`readiness demo`), each in turn re-evaluating one of
its hazards, recording a drill run with two evaluators' ratings, taking two PDCA steps (plan,
do) on one of its items and opening the dashboard; then everything is counted in the store.

    python bench/bench_web_writes.py [--db postgresql+psycopg://…/EMPTY_DB] [--sessions 20]
                                     [--seconds 60]

Without --db the sample line is a fresh SQLite file; with it, the sample is written into that
(empty) PostgreSQL database. `readiness serve` runs in its own process (one uvicorn worker).
Target: 0 errors; 0 lost or duplicated writes (each action the server confirmed is in the
store exactly once, and nothing else is); `audit verify` passes; p95 per action beside the
p95 of /healthz under the same load.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PASSWORD = "Bench-Write-Password-2026"
ITEMS_PER_SESSION = 400
READINESS = [sys.executable, "-c", "import cli; cli.main()"]


def prepare(db: str, sessions: int) -> dict[str, Any]:
    """The sample line, one account per session (safety officer and drill commander: a person
    of the sample organisation each), hazards and PDCA items of its own for each session."""
    from readiness.accounts import add_account
    from readiness.actor import Actor
    from readiness.demo import DEMO_AS_OF, build_demo
    from readiness.pdca.items import item_row
    from readiness.store import pdca as pdca_store
    from readiness.store.core import Store
    from readiness.store.lines import find_line
    from readiness.store.org import org_index

    if "://" in db:
        from readiness.demo import write_sample

        with Store.create(db) as store:
            write_sample(store, Actor("bench"))
    else:
        build_demo(Path(db).parent, actor=Actor("bench"), force=True)
    with Store.open(db) as store:
        with store.read_rows() as conn:
            people = sorted(org_index(conn)["people"])[100:100 + sessions]
        for who in people:
            add_account(store, who, roles_given=["safety-officer", "drill-commander"], lines=[],
                        password=PASSWORD, actor=Actor("bench"))
        with store.write(Actor("bench"), "bench items") as session:
            line = find_line(session, None)
            codes = pdca_store.open_items(session, line.id, [
                item_row({"title": f"压测问题 {s}-{i}", "class": "due-dated"}, DEMO_AS_OF)
                for s in range(sessions) for i in range(ITEMS_PER_SESSION)], DEMO_AS_OF)
        from hazards.register import list_hazards

        hazards = [h.id for h in list_hazards(store, None)]
        line_name = line.name
    return {"people": people, "line": line_name, "codes": codes, "hazards": hazards}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    return found.group(1) if found else ""


def session(base: str, s: int, setup: dict[str, Any], until: float, out: dict[str, Any],
            lock: threading.Lock) -> None:
    import httpx

    rng = random.Random(s)
    line = setup["line"]
    mine = setup["hazards"][s::len(setup["people"])]
    items = setup["codes"][s * ITEMS_PER_SESSION:(s + 1) * ITEMS_PER_SESSION]
    done: dict[str, int] = {"evaluate": 0, "drill": 0, "pdca": 0}
    times: dict[str, list[float]] = {k: [] for k in ("healthz", "evaluate", "drill", "pdca",
                                                    "dashboard")}
    errors: list[str] = []

    def timed(name: str, call: Any, expect: int) -> Any:
        t = time.perf_counter()
        answer = call()
        times[name].append(time.perf_counter() - t)
        if answer.status_code != expect:
            errors.append(f"{name} {answer.status_code} {answer.text[:120]!r}")
        return answer

    with httpx.Client(base_url=base, timeout=300) as client:
        csrf = csrf_of(client.get("/login").text)
        client.post("/login", data={"csrf": csrf, "staff_id": setup["people"][s],
                                    "password": PASSWORD})
        i = 0
        while time.perf_counter() < until and i < len(items):
            timed("healthz", lambda: client.get("/healthz"), 200)
            code = mine[i % len(mine)]
            page = client.get(f"/lines/{line}/hazards/{code}").text
            csrf = csrf_of(page)
            seen = re.search(r'name="evaluations" value="(\d+)"', page).group(1)  # type: ignore
            values = {f"{p}{f}": str(rng.choice(v)) for p in ("f_", "r_")
                      for f, v in (("L", (1, 3, 6)), ("E", (1, 2, 3, 6)), ("C", (1, 3, 7, 15)))}
            if timed("evaluate", lambda: client.post(
                    f"/lines/{line}/hazards/{code}/evaluate",
                    data={"csrf": csrf, "evaluations": seen, **values}), 303).status_code == 303:
                done["evaluate"] += 1
            run = {"csrf": csrf, "scenario": "EM-PSD-FAILURE", "run_id": f"LB-{s}-{i}",
                   "on": "2026-11-20", "location": "", "evaluator_0": "陈静",
                   "evaluator_1": "刘洋", "r__EM-PSD-FAILURE-T1__0": rng.choice("PS"),
                   "r__EM-PSD-FAILURE-T1__1": rng.choice("PS")}
            if timed("drill", lambda: client.post(f"/lines/{line}/drills/record", data=run),
                     303).status_code == 303:
                done["drill"] += 1
            item = items[i]
            plan = {"csrf": csrf, "phase": "PLAN", "cycle": "1", "root_cause": "压测",
                    "action": "压测", "owner_unit": "C", "owner": setup["people"][s],
                    "due": "2027-01-10"}
            for step, data in (("plan", plan), ("do", {"csrf": csrf, "phase": "DO", "cycle": "1",
                                                      "done_note": "压测", "evidence": "压测"})):
                if timed("pdca", lambda: client.post(f"/lines/{line}/pdca/{item}/{step}",
                                                     data=data), 303).status_code == 303:
                    done["pdca"] += 1
            timed("dashboard", lambda: client.get("/"), 200)
            i += 1
    with lock:
        for k, v in done.items():
            out["done"][k] += v
        for k, v in times.items():
            out["times"][k] += v
        out["errors"] += errors


def count(db: str, setup: dict[str, Any]) -> dict[str, int]:
    """What the store holds of what the sessions wrote."""
    from sqlalchemy import func, select

    from readiness.store import tables
    from readiness.store.core import Store

    with Store.open(db) as store, store.read_rows() as conn:
        evaluations = conn.execute(select(func.count()).select_from(
            tables.hazard_evaluations)).scalar()
        runs = conn.execute(select(func.count()).select_from(tables.drill_runs).where(
            tables.drill_runs.c.code.like("LB-%"))).scalar()
        moves = conn.execute(select(func.count()).select_from(tables.pdca_transitions).join(
            tables.pdca_items, tables.pdca_items.c.id == tables.pdca_transitions.c.item_id).where(
            tables.pdca_items.c.code.in_(setup["codes"]),
            tables.pdca_transitions.c.from_phase.is_not(None))).scalar()
    return {"evaluations": int(evaluations or 0), "runs": int(runs or 0), "pdca": int(moves or 0)}


def main(db: str | None, sessions: int, seconds: float) -> dict[str, Any]:
    import httpx

    target = db or str(Path(tempfile.mkdtemp()) / "demo.db")
    setup = prepare(target, sessions)
    before = count(target, setup)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([*READINESS, "--db", target, "serve", "--port", str(port),
                               "--log-level", "warning"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {"done": {"evaluate": 0, "drill": 0, "pdca": 0}, "errors": [],
                           "times": {k: [] for k in ("healthz", "evaluate", "drill", "pdca",
                                                     "dashboard")}}
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        lock = threading.Lock()
        until = time.perf_counter() + seconds
        threads = [threading.Thread(target=session, args=(base, n, setup, until, out, lock))
                   for n in range(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    after = count(target, setup)
    verify = subprocess.run([*READINESS, "--db", target, "audit", "verify"], capture_output=True,
                            text=True)
    written = {k: after[k] - before[k] for k in after}
    confirmed = {"evaluations": out["done"]["evaluate"], "runs": out["done"]["drill"],
                 "pdca": out["done"]["pdca"]}
    health = percentile(out["times"]["healthz"], 0.95)
    return {"store": "postgresql" if "://" in target else "sqlite", "sessions": sessions,
            "seconds": seconds, "confirmed": confirmed, "in_store": written,
            "lost_or_duplicated": {k: written[k] - confirmed[k] for k in written},
            "audit_verify": "passed" if verify.returncode == 0 else verify.stdout[-300:],
            "errors": len(out["errors"]), "error_kinds": sorted(set(out["errors"]))[:5],
            "p95_s": {k: round(percentile(v, 0.95), 3) for k, v in out["times"].items()},
            "p50_s": {k: round(statistics.median(v), 3) if v else None
                      for k, v in out["times"].items()},
            "p95_over_healthz": {k: round(percentile(v, 0.95) / health, 1)
                                 for k, v in out["times"].items()},
            "python": platform.python_version(), "machine": platform.machine(),
            "date": dt.date.today().isoformat()}


if __name__ == "__main__":
    args = sys.argv[1:]
    db = args[args.index("--db") + 1] if "--db" in args else None
    sessions = int(args[args.index("--sessions") + 1]) if "--sessions" in args else 20
    seconds = float(args[args.index("--seconds") + 1]) if "--seconds" in args else 60
    print(json.dumps(main(db, sessions, seconds), ensure_ascii=False, indent=2))
