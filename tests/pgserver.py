"""Throwaway PostgreSQL server for the test suite (no pytest dependency).

    with PostgresServer() as pg:
        url = pg.new_database()  # postgresql+psycopg://postgres@127.0.0.1:PORT/DB
        ...
        pg.drop_database(url)

The cluster lives in a fresh temp dir, listens only on 127.0.0.1 on a free
port, runs with durability switched off (it is disposable) and is removed by
stop(), which is also registered with atexit.  PostgreSQL refuses to run as
root, so when we are root initdb/pg_ctl run as the `postgres` system user via
`runuser`.  Anything missing raises PostgresUnavailable with a one-line reason.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

USER = "postgres"  # database superuser created by initdb (and OS user when root)


class PostgresUnavailable(Exception):
    """No usable PostgreSQL server could be started (missing binaries, ...)."""


def find_bindir() -> Path:
    """Directory holding both initdb and pg_ctl: PATH first, then the highest
    /usr/lib/postgresql/<version>/bin (Debian does not put them on PATH)."""
    candidates: list[Path] = []
    if found := shutil.which("initdb"):
        candidates.append(Path(found).resolve().parent)  # follow symlinks
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += [Path(p) for p in sorted(versions, key=_version_key, reverse=True)]
    for d in candidates:
        if all(os.access(d / tool, os.X_OK) for tool in ("initdb", "pg_ctl")):
            return d
    raise PostgresUnavailable(
        "initdb/pg_ctl not found on PATH or under /usr/lib/postgresql/*/bin "
        "(install the `postgresql` package)"
    )


def _version_key(bindir: str) -> tuple[int, ...]:
    version = Path(bindir).parent.name  # /usr/lib/postgresql/15/bin -> "15"
    return tuple(int(p) if p.isdigit() else -1 for p in version.split("."))


def _free_port() -> int:
    # Racy in theory (someone could grab it before postgres does), fine in practice.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _traversable_by_others(path: Path) -> bool:
    """True if `path` and all its ancestors have o+x (so `postgres` can reach it)."""
    path = path.resolve()
    return all(p.stat().st_mode & stat.S_IXOTH for p in (path, *path.parents))


def _wait_gone(pid: int, timeout: float = 10.0) -> None:
    """Wait for the postmaster to exit (SIGKILL it after `timeout`).  It is not
    our child (pg_ctl daemonizes it) so we cannot reap it: a zombie counts as gone."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return
        except (FileNotFoundError, ProcessLookupError):
            return
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            return
        time.sleep(0.02)


class PostgresServer:
    def __init__(self) -> None:
        self.port: int | None = None
        self._tmp: Path | None = None
        self._bindir: Path | None = None
        self._as_root = os.geteuid() == 0
        self._owner: tuple[int, int] | None = None  # (uid, gid) of `postgres` when root

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        if self._tmp is not None:
            return  # already running
        self._bindir = find_bindir()
        base = Path(tempfile.gettempdir())
        if self._as_root:
            try:
                pw = pwd.getpwnam(USER)
                self._owner = (pw.pw_uid, pw.pw_gid)
            except KeyError:
                raise PostgresUnavailable(f"running as root but no `{USER}` system user") from None
            if shutil.which("runuser") is None:
                raise PostgresUnavailable("running as root but `runuser` is not available")
            if not _traversable_by_others(base):  # e.g. TMPDIR=/root/tmp
                base = Path("/tmp")
        self._tmp = Path(tempfile.mkdtemp(prefix="readiness-pg-", dir=base))
        atexit.register(self.stop)
        try:
            self._give_to_server_user(self._tmp)
            self._initdb()
            self.port = _free_port()
            sockdir = self._tmp / "sock"
            sockdir.mkdir(mode=0o700)
            self._give_to_server_user(sockdir)
            with open(self._tmp / "data" / "postgresql.conf", "a") as conf:
                conf.write(
                    "\n# --- throwaway test server ---\n"
                    "listen_addresses = '127.0.0.1'\n"
                    f"port = {self.port}\n"
                    f"unix_socket_directories = '{sockdir}'\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                )
            log = self._tmp / "postgres.log"
            proc = self._run(["pg_ctl", "-D", "data", "-w", "-t", "60", "start", "-l", str(log)])
            if proc.returncode != 0:
                tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
                raise PostgresUnavailable(
                    f"pg_ctl start failed (exit {proc.returncode}): {proc.stdout.strip()}\n"
                    + "\n".join(tail)
                )
        except BaseException:
            self.stop()
            raise

    def _initdb(self) -> None:
        assert self._tmp is not None
        base = ["initdb", "-D", "data", "-A", "trust", "-U", USER, "--encoding=UTF8"]
        for locale in ("C.UTF-8", "C"):  # C.UTF-8 is missing on some minimal images
            shutil.rmtree(self._tmp / "data", ignore_errors=True)
            proc = self._run([*base, f"--locale={locale}"])
            if proc.returncode == 0:
                return
        last = proc.stdout.strip().splitlines()[-1:] or ["(no output)"]
        raise PostgresUnavailable(f"initdb failed (exit {proc.returncode}): {last[0]}")

    def stop(self) -> None:
        """Stop the server (immediately; the data is throwaway) and delete its files."""
        atexit.unregister(self.stop)
        tmp, self._tmp, self.port = self._tmp, None, None
        if tmp is None:
            return
        pidfile = tmp / "data" / "postmaster.pid"
        if pidfile.exists():
            pid = int(pidfile.read_text().split()[0])
            self._run(["pg_ctl", "-D", "data", "-m", "immediate", "-w", "stop"], cwd=tmp)
            _wait_gone(pid)
        shutil.rmtree(tmp, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- databases ---------------------------------------------------------
    def new_database(self) -> str:
        """Create a fresh, uniquely named database; return its SQLAlchemy URL."""
        name = f"test_{uuid.uuid4().hex[:16]}"
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{name}"

    def drop_database(self, url: str) -> None:
        """Drop the database named in `url`, kicking out any leftover connections."""
        name = urlsplit(url).path.lstrip("/")
        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    # -- helpers -----------------------------------------------------------
    def _admin(self) -> psycopg.Connection[TupleRow]:
        if self.port is None:
            raise RuntimeError("PostgresServer is not started")
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, dbname="postgres", autocommit=True
        )

    def _give_to_server_user(self, path: Path) -> None:
        if self._owner is not None:
            os.chown(path, *self._owner)

    def _run(self, argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL tool from the bindir, in the temp dir, as `postgres`
        when we are root; stdout+stderr are captured together."""
        assert self._bindir is not None
        argv = [str(self._bindir / argv[0]), *argv[1:]]
        if self._as_root:
            argv = ["runuser", "-u", USER, "--", *argv]
        return subprocess.run(
            argv,
            cwd=cwd or self._tmp,  # postgres may not be allowed into our cwd (e.g. /root)
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # Drop PG* variables (PGDATA, PGPORT, ...) so the caller's environment
            # cannot redirect the tools to some other cluster.
            env={k: v for k, v in os.environ.items() if not k.startswith("PG")},
        )
