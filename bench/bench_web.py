"""Benchmark: the web application under load — 20 signed-in sessions at once on loopback for 60 s,
each repeatedly opening /healthz, the dashboard and the first page of a line's hazard register
of the 20-line network store (SQLite).

    python bench/bench_web.py NETWORK.db [--sessions 20] [--seconds 60]

NETWORK.db (bench/gen_network.py) is copied and brought to the current schema; an account is added
(leadership, every line); `readiness serve` runs in its own process (one uvicorn worker). Reports
each page's p50/p95 and the errors (any answer but 200). Target: 0 errors, each page's p95 ≤ 5 ×
the p95 of /healthz under the same load.
"""

from __future__ import annotations

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
PAGES = {"healthz": "/healthz", "dashboard": "/", "hazards": "/lines/{line}/hazards"}


def prepare(network: str, tmp: Path) -> tuple[str, str]:
    from readiness.accounts import add_account
    from readiness.actor import Actor
    from readiness.lines import list_lines
    from readiness.store.core import Store

    db = tmp / "network.db"
    shutil.copyfile(network, db)
    subprocess.run([sys.executable, "-c", "import cli; cli.main()", "--db", str(db),
                    "db", "upgrade"], check=True, capture_output=True)
    with Store.open(str(db)) as store:
        line = list_lines(store)[0].name
        from readiness.store.org import org_index

        with store.read_rows() as conn:
            head = next(p for p in org_index(conn)["people"])
        add_account(store, head, roles_given=["leadership"], lines=[], password=PASSWORD,
                    actor=Actor("bench"))
    return str(db), head + "\t" + line


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
    return {"store": "sqlite", "sessions": sessions, "seconds": seconds, "line": line,
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
