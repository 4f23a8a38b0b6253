"""Malformed files given to `readiness import`: each ends in one `Error:` line, never a crash.

The small files live in tests/corpus/ (rebuilt by tests/corpus/make_corpus.py, which this module
checks them against); the big ones are made here at test time: a workbook over the 200 MB import
limit (padded with a stored entry of zeros), one over a limit lowered with
READINESS_MAX_IMPORT_MB, and a real 200 MB sheet (a million rows, deflated to ~25 MB).

Each file is imported twice into a seeded store:

1. in a child process (`python -c "import cli; cli.main()" … import FILE`), which is the only way
   to see what a native reader does to the process: an abort, or memory that Python's allocator
   never sees. Its peak memory is the child's own ru_maxrss (os.wait4), under an address-space
   cap so that a runaway reader cannot take the machine down, and it is killed if it has not
   finished after a generous bound (a hang, reported as such);
2. in process, through click's CliRunner, with tracemalloc (Python allocations only), under
   the same bound.

Either way: exit 1, exactly one `Error:` line, last, naming the file; any line before it names a
place (`SHEET!ROW, COLUMN: reason`); no traceback, no "internal error"; the store unchanged
(sha256 of the SQLite file and every table's row count); under 500 MB. How fast is not asserted
here (a busy machine is slow, not wrong): the bound only stops a hung reader.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from conftest import checkpoint, file_sha256, hang_guard, table_counts

CORPUS = Path(__file__).resolve().parent / "corpus"
HANG_TIMEOUT = 300  # seconds: a run still going then is killed and reported as hung
MEGABYTES = 500
ADDRESS_SPACE_CAP = 4 * 1024**3  # the child's RLIMIT_AS: a runaway reader fails, not the host
CORPUS_MAX_BYTES = 100 * 1024


# --- files made at test time -----------------------------------------------------------------

def _pad(src: Path, dest: Path, megabytes: float) -> Path:
    """A copy of a good workbook plus a stored (uncompressed) entry of zeros: still a valid zip
    and a readable workbook, only big."""
    shutil.copyfile(src, dest)
    chunk = bytes(8 * 1024 * 1024)
    left = int(megabytes * 1024 * 1024)
    with zipfile.ZipFile(dest, "a") as zf, \
            zf.open(zipfile.ZipInfo("xl/media/padding.bin", (2026, 1, 1, 0, 0, 0)), "w",
                    force_zip64=True) as fh:
        while left > 0:
            fh.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)
    return dest


def over_default_limit(tmp: Path) -> Path:
    """Over the default 200 MB limit (210 MB on disk)."""
    return _pad(CORPUS / "valid_line.xlsx", tmp / "over_200_mb.xlsx", 210)


def over_lowered_limit(tmp: Path) -> Path:
    """Over a limit lowered to 1 MB with READINESS_MAX_IMPORT_MB (2 MB on disk)."""
    return _pad(CORPUS / "valid_line.xlsx", tmp / "over_1_mb.xlsx", 2)


def sheet_of_200_mb(tmp: Path, rows: int = 1_000_001) -> Path:
    """A real 200 MB sheet: one row more than the 1,000,000-row import limit, every row a good
    location; deflated to ~25 MB, well under the file-size limit."""
    make_corpus = _make_corpus()
    parts = make_corpus.package("")
    dest = tmp / "sheet_of_200_mb.xlsx"
    head = make_corpus.sheet_xml([make_corpus.HEADER], dimension=None)
    before, after = head.split("</sheetData>")
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                zf.writestr(name, data)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(before.encode())
            batch = []
            for r in range(2, rows + 2):
                batch.append(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>X{r}</t></is></c>'
                             f'<c r="B{r}" t="inlineStr"><is><t>station {r}</t></is></c>'
                             f'<c r="C{r}" t="inlineStr"><is><t>station</t></is></c>'
                             f'<c r="D{r}"><v>{r + 10}</v></c></row>')
                if len(batch) == 20_000:
                    fh.write("".join(batch).encode())
                    batch = []
            fh.write("".join(batch).encode())
            fh.write(("</sheetData>" + after).encode())
    return dest


def shared_strings_bomb(tmp: Path, megabytes: int = 600) -> Path:
    """A zip bomb: a shared-strings table that unpacks to 600 MB (over the default 500 MB
    READINESS_MAX_UNZIPPED_MB) from well under 1 MB on disk."""
    make_corpus = _make_corpus()
    sheet = make_corpus.sheet_xml([make_corpus.HEADER, ["S05", "@", "车站", 5]]).replace(
        '<c r="B2" t="inlineStr"><is><t>@</t></is></c>', '<c r="B2" t="s"><v>0</v></c>')
    parts = make_corpus.package(sheet, shared_strings="")
    dest = tmp / "zip_bomb_shared_strings.xlsx"
    pad = b"<si><t>" + b" " * (1024 * 1024 - 15) + b"</t></si>"
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in parts.items():
            if name != "xl/sharedStrings.xml":
                zf.writestr(name, data)
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0"?><sst xmlns="{make_corpus.MAIN_NS}">'.encode())
            for _ in range(megabytes):
                fh.write(pad)
            fh.write(b"</sst>")
    return dest


def _make_corpus():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(CORPUS))
    try:
        import make_corpus
    finally:
        sys.path.remove(str(CORPUS))
    return make_corpus


# --- the cases -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    id: str
    file: str | None = None  # in tests/corpus/
    make: Callable[[Path], Path] | None = None  # or made at test time
    env: dict[str, str] = field(default_factory=dict)
    says: str = ""  # what the output must say (English)
    imports: bool = False  # a good file after all: a clean import is the right answer
    in_process: bool = True  # also run through CliRunner (too slow for the 200 MB sheet)


CASES = [
    Case("not-a-zip", "not_a_zip.xlsx", says="is not an Excel workbook (.xlsx)"),
    Case("pdf-header", "pdf_header.xlsx", says="is not an Excel workbook (.xlsx)"),
    Case("empty-file", "empty.xlsx", says="is not an Excel workbook (.xlsx)"),
    Case("truncated-xlsx", "truncated.xlsx", says="is not an Excel workbook (.xlsx)"),
    Case("zip-that-is-not-a-workbook", "zip_not_a_workbook.xlsx", says="the file is damaged"),
    Case("xml-bomb-in-sheet", "xml_bomb_sheet.xlsx", says="unrecognized entity"),
    Case("xml-bomb-in-shared-strings", "xml_bomb_shared_strings.xlsx",
         says="unrecognized entity"),
    Case("dimension-declares-a-billion-rows", "dimension_billion_rows.xlsx", imports=True),
    Case("cell-at-XFD1048576", "cell_at_xfd1048576.xlsx",
         says="sheet “位置” spans A1:XFD1048576 (17,179,869,184 cells)"),
    Case("cell-at-CV300000", "cell_at_cv300000.xlsx",
         says="sheet “位置” spans A1:CV300000 (30,000,000 cells)"),
    Case("corrupt-sheet-stream", "corrupt_sheet_stream.xlsx", says="the file is damaged"),
    Case("missing-sheet-part", "missing_sheet_part.xlsx", says="the file is damaged"),
    Case("malformed-sheet-xml", "malformed_sheet_xml.xlsx", says="the file is damaged"),
    Case("old-xls", "old_format.xls", says="is an Excel 97-2003 workbook (.xls)"),
    Case("encrypted-ooxml", "encrypted.xlsx", says="is password-protected"),
    Case("over-200-mb", make=over_default_limit, says="larger than the import limit of 200 MB"),
    Case("over-lowered-limit", make=over_lowered_limit, env={"READINESS_MAX_IMPORT_MB": "1"},
         says="larger than the import limit of 1 MB"),
    Case("zip-bomb-in-shared-strings", make=shared_strings_bomb,
         says="xl/sharedStrings.xml unpacks to more than the import limit of 500 MB"),
    Case("sheet-of-200-mb", make=sheet_of_200_mb, in_process=False,
         says="位置!1000001: the sheet has more than 1000000 rows"),
]

PLACE = re.compile(r"^[^\n:]+?(?:!\d+)?(?:, .+)?: .+$")
SUMMARY = re.compile(r"^.+: created \d+, updated \d+, unchanged \d+, rejected \d+$")


# --- helpers ---------------------------------------------------------------------------------

def store_state(db: Path) -> tuple[str, dict[str, int]]:
    """sha256 of the SQLite file and the row count of every table."""
    return file_sha256(db), table_counts(db)


@dataclass
class Run:
    exit_code: int | None
    output: str
    peak_mb: float
    how: str
    hung: bool = False  # killed at HANG_TIMEOUT


# Linux counts a process's peak RSS from before its exec: a child forked from this pytest process
# (hundreds of MB late in a run) would report at least that. So a small launcher interpreter forks
# the import and reports the grandchild's own peak, measured from a process of a few MB.
LAUNCHER = """
import os, resource, sys
cap, report, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.execv(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as f:
    f.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def run_child(db: Path, path: Path, env: dict[str, str], cwd: Path) -> Run:
    """`readiness --db DB --lang en import PATH` in a fresh interpreter; its own peak RSS."""
    python = [sys.executable, *(["-P"] if sys.flags.safe_path else [])]
    argv = [*python, "-c", "import cli; cli.main()", "--db", str(db), "--lang", "en",
            "import", str(path)]
    out_path, report = cwd / "child.out", cwd / "child.rusage"
    with open(out_path, "wb") as out:
        proc = subprocess.Popen([*python, "-c", LAUNCHER, str(ADDRESS_SPACE_CAP), str(report),
                                 *argv], stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
                                env={**os.environ, **env, "RUST_BACKTRACE": "0"},
                                start_new_session=True)
        hung = threading.Event()
        killer = threading.Timer(HANG_TIMEOUT, lambda: (hung.set(),
                                                        os.killpg(proc.pid, signal.SIGKILL)))
        killer.start()
        try:
            proc.wait()
        finally:
            killer.cancel()
    output = out_path.read_text("utf-8", errors="replace")
    if hung.is_set() or not report.exists():
        return Run(proc.returncode, output, 0.0, "child process", hung=hung.is_set())
    code, maxrss_kb = report.read_text().split()
    return Run(int(code), output, int(maxrss_kb) / 1024, "child process", hung=False)


def run_in_process(db: Path, path: Path) -> Run:
    tracemalloc.start()
    try:
        with hang_guard(HANG_TIMEOUT, f"importing {path.name} in process"):
            result = CliRunner().invoke(cli.cli, ["--db", str(db), "--lang", "en", "import",
                                                  str(path)], catch_exceptions=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return Run(result.exit_code, result.output, peak / 1024**2,
               "CliRunner (tracemalloc: Python allocations only)")


def describe(run: Run) -> str:
    if run.exit_code is not None and run.exit_code < 0:
        code = f"killed by {signal.Signals(-run.exit_code).name}"
    else:
        code = f"exit {run.exit_code}"
    tail = run.output if len(run.output) < 3000 else run.output[:1500] + "\n…\n" + run.output[-1500:]
    return f"[{run.how}] {code}, peak {run.peak_mb:.0f} MB\n{tail}"


def check(run: Run, case: Case, path: Path, pristine: tuple[str, dict[str, int]],
          db: Path) -> None:
    info = describe(run)
    assert not run.hung, f"killed: still running after {HANG_TIMEOUT} s (a hung reader)\n{info}"
    assert "Traceback" not in run.output and "panicked" not in run.output, info
    assert "internal error" not in run.output, f"an unexpected exception reached the CLI\n{info}"
    lines = run.output.rstrip("\n").split("\n")
    if case.imports:
        assert run.exit_code == 0, info
        assert SUMMARY.match(lines[-1]) and "created 2" in lines[-1], info
    else:
        assert run.exit_code == 1, info
        errors = [line for line in lines if line.startswith("Error: ")]
        assert len(errors) == 1 and lines[-1] == errors[0], f"one Error: line, last\n{info}"
        assert path.name in errors[0], f"the Error: line does not name the file\n{info}"
        assert case.says in run.output, f"the output does not say {case.says!r}\n{info}"
        unplaced = [line for line in lines[:-1] if not PLACE.match(line)]
        assert not unplaced, f"lines before Error: that name no place: {unplaced!r}\n{info}"
        checkpoint(db)
        assert store_state(db) == pristine, f"the store changed\n{info}"
    assert run.peak_mb < MEGABYTES, info


# --- the tests -------------------------------------------------------------------------------

def _fingerprint(path: Path) -> object:
    """What must not change in a corpus file. A zip is compared by its members (name, CRC and
    size), not its bytes, which depend on the zlib that deflated them; other files by bytes."""
    try:
        with zipfile.ZipFile(path) as zf:
            return sorted((i.filename, i.CRC, i.file_size) for i in zf.infolist())
    except zipfile.BadZipFile:
        if zipfile.is_zipfile(path) or path.read_bytes()[:2] == b"PK":
            return None  # a cut zip: its bytes are deflate output, not comparable
        return path.read_bytes()


def test_corpus_is_small_and_matches_its_generator(tmp_path: Path) -> None:
    sys.path.insert(0, str(CORPUS))
    try:
        import make_corpus
    finally:
        sys.path.remove(str(CORPUS))
    built = make_corpus.build(tmp_path)
    used = {c.file for c in CASES if c.file} | {"valid_line.xlsx"}
    assert set(built) == used
    for name, path in built.items():
        committed = CORPUS / name
        assert committed.exists(), f"{name} is missing: run python tests/corpus/make_corpus.py"
        assert committed.stat().st_size < CORPUS_MAX_BYTES, name
        assert _fingerprint(committed) == _fingerprint(path), \
            f"{name} differs from what make_corpus.py makes"


def test_the_corpus_base_workbook_imports(org_db: str, tmp_path: Path) -> None:
    """The control: the good workbook every damaged one starts from imports cleanly, so the
    others fail for what was done to them."""
    result = CliRunner().invoke(cli.cli, ["--db", org_db, "--lang", "en", "import",
                                          str(CORPUS / "valid_line.xlsx")])
    assert result.exit_code == 0, result.output
    assert "created 2" in result.output


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_file_is_refused_cleanly(case: Case, org_db: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    db = Path(org_db)
    checkpoint(db)
    keep = tmp_path / "pristine.db"
    shutil.copyfile(db, keep)
    pristine = store_state(db)
    work = tmp_path / "work"
    work.mkdir()
    path = case.make(work) if case.make else CORPUS / case.file  # type: ignore[operator]
    try:
        check(run_child(db, path, case.env, work), case, path, pristine, db)
        if case.in_process:
            shutil.copyfile(keep, db)
            for name, value in case.env.items():
                monkeypatch.setenv(name, value)
            check(run_in_process(db, path), case, path, pristine, db)
    finally:
        if case.make:
            path.unlink(missing_ok=True)  # do not leave 200 MB in pytest's kept temp dirs
