"""Output piped into a reader that stops early (`readiness hazard list | head`) ends quietly.

Run through the installed console script, with real pipes, so that what the interpreter does at
exit (flushing stdout into a closed pipe) is part of what is tested.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
TIMEOUT = 300  # seconds: a hung command fails the test instead of hanging the suite


def exe() -> str:
    path = BIN / "readiness"
    assert path.exists(), f"the console script is not installed next to {sys.executable}"
    return str(path)


def env(lang: str) -> dict[str, str]:
    env = {**os.environ, "READINESS_LANG": lang, "READINESS_USER": "ci"}
    env.pop("READINESS_DB", None)
    return env


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample line: hundreds of hazards, findings and audit records to print."""
    out = tmp_path_factory.mktemp("pipe") / "demo"
    subprocess.run([exe(), "demo", "--out", str(out)], env=env("en"), check=True,
                   capture_output=True, timeout=TIMEOUT)
    return str(out / "demo.db")


def read_one_line_then_close(args: list[str], lang: str) -> tuple[str, int, str]:
    """Like `readiness ARGS | head -1`: read the first line, close the pipe, let the command end."""
    proc = subprocess.Popen([exe(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env(lang))
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline().decode("utf-8")
    proc.stdout.close()
    try:
        err = proc.stderr.read().decode("utf-8")
        code = proc.wait(timeout=TIMEOUT)
    finally:
        proc.kill()
    return first, code, err


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reader_that_stops_early_ends_quietly(demo_db: str, lang: str) -> None:
    # `org check` writes a line per finding, so the lines after the first meet a closed pipe
    first, code, err = read_one_line_then_close(["--db", demo_db, "org", "check"], lang)
    assert first.strip(), "the command printed nothing"
    assert code == 0, err
    assert err == "", err  # no "internal error: BrokenPipeError", no "Exception ignored"


@pytest.mark.slow
@pytest.mark.parametrize("args", [["org", "check"], ["hazard", "list"], ["--help"],
                                  ["hazard", "--help"], ["hazard", "list", "--help"],
                                  ["--version"], ["drill", "runs", "--json"]])
def test_reader_gone_before_the_first_line_ends_quietly(demo_db: str, args: list[str]) -> None:
    """The reader has already closed its end: the very first write fails, every time."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([exe(), "--db", demo_db, *args], stdout=write_end,
                              stderr=subprocess.PIPE, env=env("zh"), timeout=TIMEOUT)
    finally:
        os.close(write_end)
    assert done.returncode == 0, done.stderr.decode("utf-8")
    assert done.stderr == b"", done.stderr.decode("utf-8")
