"""Benchmark: the web application under load — 20 signed-in sessions at once on loopback for 60 s,
each repeatedly opening /healthz, the dashboard and the first page of a line's hazard register
of the 20-line network store, on SQLite or PostgreSQL.

    python bench/bench_web.py NETWORK.db|postgresql+psycopg://…/DB [--sessions 20] [--seconds 60]

NETWORK.db (bench/gen_network.py) is copied and brought to the current schema (a PostgreSQL
network is used in place); each line without a snapshot is assessed once, so the dashboard shows
twenty verdicts; an account is added (leadership, every line); `readiness serve` runs in its own
process (one uvicorn worker). Reports each page's p50/p95 and the errors (any answer but 200).
Target: 0 errors, each page's p95 ≤ 5 × the p95 of /healthz under the same load.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PASSWORD = "Bench-Load-Password-2026"
AS_OF = dt.date(2026, 11, 23)  # the network's day (gen_network.AS_OF)
PAGES = {"healthz": "/healthz", "dashboard": "/", "hazards": "/lines/{line}/hazards"}


def prepare(network: str, tmp: Path) -> tuple[str, str]:
    from readiness.accounts import add_account
    from readiness.actor import Actor
    from readiness.lines import list_lines
    from readiness.store.core import Store

    from readiness.accounts import show_account
    from readiness.assessment.assess import assess_lines, latest
    from readiness.errors import NotFound
    from readiness.store.org import org_index

    if "://" in network:
        db = network
    else:
        db = str(tmp / "network.db")
        shutil.copyfile(network, db)
    subprocess.run([sys.executable, "-c", "import cli; cli.main()", "--db", db,
                    "db", "upgrade"], check=True, capture_output=True)
    with Store.open(db) as store:
        names = [x.name for x in list_lines(store)]
        unassessed = [n for n in names if latest(store, n) is None]
        if unassessed:
            assess_lines(store, unassessed, as_of=AS_OF, actor=Actor("bench"))
        with store.read_rows() as conn:
            head = next(p for p in org_index(conn)["people"])
        try:
            show_account(store, head)
        except NotFound:
            add_account(store, head, roles_given=["leadership"], lines=[], password=PASSWORD,
                        actor=Actor("bench"))
    return db, head + "\t" + names[0]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def session(base: str, staff_id: str, line: str, until: float, times: dict[str, list[float]],
            errors: list[str], lock: threading.Lock) -> None:
    import httpx

    with httpx.Client(base_url=base, follow_redirects=False, timeout=120) as client:
        form = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        signed = client.post("/login", data={"csrf": csrf, "staff_id": staff_id,
                                             "password": PASSWORD})
        if signed.status_code != 303:
            with lock:
                errors.append(f"sign-in {signed.status_code}")
            return
        while time.perf_counter() < until:
            for name, path in PAGES.items():
                t = time.perf_counter()
                answer = client.get(path.format(line=line))
                took = time.perf_counter() - t
                with lock:
                    if answer.status_code != 200:
                        errors.append(f"{name} {answer.status_code}")
                    times[name].append(took)


def first_loads(base: str, staff_id: str, line: str) -> dict[str, float]:
    """Each page once, alone, before the load: what it costs when nothing is cached yet (the
    server keeps a page's data until the next write to the store)."""
    import httpx

    with httpx.Client(base_url=base, timeout=300) as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"',  # type: ignore[union-attr]
                         client.get("/login").text).group(1)
        client.post("/login", data={"csrf": csrf, "staff_id": staff_id, "password": PASSWORD})
        out = {}
        for name, path in PAGES.items():
            t = time.perf_counter()
            client.get(path.format(line=line))
            out[name] = round(time.perf_counter() - t, 3)
    return out


def main(network: str, sessions: int, seconds: float) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp())
    db, who = prepare(network, tmp)
    staff_id, line = who.split("\t")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-c", "import cli; cli.main()", "--db", db,
                               "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        cold = first_loads(base, staff_id, line)
        times: dict[str, list[float]] = {name: [] for name in PAGES}
        errors: list[str] = []
        lock = threading.Lock()
        until = time.perf_counter() + seconds
        threads = [threading.Thread(target=session, args=(base, staff_id, line, until, times,
                                                          errors, lock))
                   for _ in range(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    health = percentile(times["healthz"], 0.95)
    pages = {name: {"requests": len(v), "p50_s": round(statistics.median(v), 3) if v else None,
                    "p95_s": round(percentile(v, 0.95), 3),
                    "p95_over_healthz": round(percentile(v, 0.95) / health, 1)}
             for name, v in times.items()}
    return {"store": "postgresql" if "://" in network else "sqlite", "sessions": sessions,
            "first_load_s": cold, "seconds": seconds, "line": line,
            "pages": pages, "errors": len(errors), "error_kinds": sorted(set(errors))[:5],
            "target": "0 errors; each page p95 <= 5 x healthz p95",
            "python": platform.python_version(), "machine": platform.machine()}


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    sessions = int(args[args.index("--sessions") + 1]) if "--sessions" in args else 20
    seconds = float(args[args.index("--seconds") + 1]) if "--seconds" in args else 60
    print(json.dumps(main(args[0], sessions, seconds), ensure_ascii=False, indent=2))
