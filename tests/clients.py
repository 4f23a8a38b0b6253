"""Open generated reports in real clients: headless Chromium, LibreOffice, poppler (no pytest).

    png = chromium_screenshot(html, tmp / "page.png")      # -> Chromium's stderr text
    assert not png_is_blank(tmp / "page.png")
    assert chromium_console_errors(html) == []            # JS errors, failed loads
    chromium_pdf(html, tmp / "page.pdf")
    assert all(is_a4(size) for size in pdf_pages(tmp / "page.pdf"))
    pdf = libreoffice_to_pdf(xlsx, tmp)

The Debian packages come from scripts/test (chromium fonts-noto-cjk libreoffice-calc
poppler-utils).  A missing program raises ClientUnavailable (callers decide: skip locally,
fail in CI); a program that runs but fails raises ClientFailed with the tail of its output.

Notes from Chromium 156 on Debian 12:
* stderr is useless for console errors: console.error() and console.log() are both logged
  as ``INFO:CONSOLE:1] "boom", source: ...`` and a failed <img>/<link> load prints nothing,
  so chromium_console_errors() talks the DevTools protocol over --remote-debugging-pipe.
* --print-to-pdf-no-header is silently ignored (title/URL/date are still printed);
  --no-pdf-header-footer works.
* Chromium's A4 pages are 594.96 x 841.92 pt, not the exact 595.28 x 841.89: use is_a4().
* /usr/bin/chromium is a shell wrapper that does not exec, so timeouts kill the whole
  process group.  The wrapper adds --disable-dev-shm-usage when /dev/shm is small (Chromium
  crashes otherwise, Debian bug 1072299), but its check breaks when findmnt prints two
  lines (as here), so we always pass the flag ourselves.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Self

CHROMIUM_TIMEOUT = 120.0  # seconds, per Chromium run
SOFFICE_TIMEOUT = 180.0  # seconds, per LibreOffice conversion
A4_POINTS = (595.28, 841.89)  # portrait, 1 pt = 1/72 in

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # we usually run as root in CI
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


class ClientUnavailable(Exception):
    """The client program (chromium, soffice, pdfinfo) is not installed."""


class ClientFailed(Exception):
    """The client program ran but failed, timed out or produced no output file."""


# ------------------------------------------------------------------------------ processes


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _run(cmd: Sequence[str], timeout: float, **popen: Any) -> subprocess.CompletedProcess[str]:
    """Run `cmd` in its own process group; on timeout kill the whole group (Chromium's
    wrapper script and LibreOffice's launcher leave children behind otherwise)."""
    what = Path(cmd[0]).name
    with subprocess.Popen(
        list(cmd),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
        **popen,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            raise ClientFailed(
                f"{what} timed out after {timeout:g}s\n{_tail(out)}\n{_tail(err)}"
            ) from None
        finally:
            if proc.poll() is None:
                _kill_group(proc)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _kill_group(proc: subprocess.Popen[Any]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


# ------------------------------------------------------------------------------ chromium


def find_chromium() -> str | None:
    """Path of a Chromium executable, or None."""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium() -> str:
    exe = find_chromium()
    if exe is None:
        raise ClientUnavailable(
            "chromium not found (/usr/bin/chromium, chromium or chromium-browser on PATH); "
            "install the `chromium` package"
        )
    return exe


# Chromium's own stderr chatter on a headless server, dropped from error messages.
_CHROMIUM_NOISE = re.compile(
    r"dbus|Failed to connect to the bus|UPower|Floss|ScreenSaver|gpu|vaapi|drmGetDevices|"
    r"sandbox|fontconfig|crashpad|crash_report|unexpected operator|bytes written to file",
    re.IGNORECASE,
)


def _chromium_tail(text: str) -> str:
    return _tail("\n".join(ln for ln in text.splitlines() if not _CHROMIUM_NOISE.search(ln)))


def _run_chromium(args: Sequence[str], timeout: float = CHROMIUM_TIMEOUT) -> str:
    """Run Chromium with our flags, a fresh profile and `args`; return stderr."""
    exe = _chromium()
    with tempfile.TemporaryDirectory(prefix="readiness-chromium-") as profile:
        proc = _run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], timeout)
    if proc.returncode != 0:
        raise ClientFailed(
            f"chromium exited with {proc.returncode}\n"
            f"{_chromium_tail(proc.stdout)}\n{_chromium_tail(proc.stderr)}"
        )
    return proc.stderr


def _require_output(path: Path, what: str, output: str) -> None:
    if not path.is_file() or path.stat().st_size == 0:
        raise ClientFailed(f"{what} wrote no {path}\n{_chromium_tail(output)}")


def chromium_screenshot(
    html_path: Path, png_path: Path, width: int = 1280, height: int = 2000
) -> str:
    """Screenshot the local page `html_path` (width x height CSS px) to `png_path`;
    return Chromium's stderr text."""
    png_path = Path(png_path).resolve()
    png_path.unlink(missing_ok=True)
    err = _run_chromium(
        [
            f"--screenshot={png_path}",
            f"--window-size={width},{height}",
            Path(html_path).resolve().as_uri(),
        ]
    )
    _require_output(png_path, "chromium --screenshot", err)
    return err


def chromium_pdf(html_path: Path, pdf_path: Path) -> None:
    """Print the local page `html_path` to `pdf_path` (CSS @page decides the paper size),
    without Chromium's date/title/URL header and footer."""
    pdf_path = Path(pdf_path).resolve()
    pdf_path.unlink(missing_ok=True)
    err = _run_chromium(
        [
            f"--print-to-pdf={pdf_path}",
            "--no-pdf-header-footer",  # --print-to-pdf-no-header is ignored by Chromium 156
            Path(html_path).resolve().as_uri(),
        ]
    )
    _require_output(pdf_path, "chromium --print-to-pdf", err)


def chromium_console_errors(html_path: Path, settle: float = 10.0) -> list[str]:
    """Load the local page `html_path` in headless Chromium and return its errors, one
    line each: console.error()/console.assert() calls, uncaught exceptions, failed
    resource loads ("net::ERR_... <url>") and a failed navigation.  [] for a clean page.

    Waits for the load event, then for network idle (at most `settle` seconds)."""
    url = Path(html_path).resolve().as_uri()
    with _DevTools(_chromium()) as dt:
        target = dt.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = dt.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for method in ("Runtime.enable", "Log.enable", "Network.enable", "Page.enable"):
            dt.call(method, session=session)
        dt.call("Page.setLifecycleEventsEnabled", {"enabled": True}, session=session)
        nav = dt.call("Page.navigate", {"url": url}, session=session)
        if nav.get("errorText"):
            return [f"navigation failed: {nav['errorText']} {url}"]
        loader = nav.get("loaderId")
        dt.wait_for(
            lambda m: (
                m.get("method") == "Page.lifecycleEvent"
                and m.get("params", {}).get("name") == "load"
                and m.get("params", {}).get("loaderId") == loader
            ),
            timeout=CHROMIUM_TIMEOUT / 2,
        )
        dt.wait_for(
            lambda m: (
                m.get("method") == "Page.lifecycleEvent"
                and m.get("params", {}).get("name") == "networkIdle"
            ),
            timeout=settle,
            required=False,
        )
        dt.drain(0.2)
        errors: list[str] = []
        requests: dict[str, str] = {}
        for msg in dt.events:
            if msg.get("sessionId") != session:
                continue
            errors += _devtools_error(msg["method"], msg.get("params", {}), requests)
    return errors


def _devtools_error(method: str, p: dict[str, Any], requests: dict[str, str]) -> list[str]:
    if method == "Network.requestWillBeSent":
        requests[p["requestId"]] = p["request"]["url"]
    elif method == "Network.loadingFailed" and not p.get("canceled"):
        reason = p.get("blockedReason") or p.get("corsErrorStatus") or ""
        url = requests.get(p["requestId"], "?")
        return [f"failed to load {url}: {p.get('errorText', '')} {reason}".rstrip()]
    elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
        text = " ".join(_remote_object_text(a) for a in p.get("args", []))
        frames = (p.get("stackTrace") or {}).get("callFrames") or []
        where = f" ({frames[0]['url']}:{frames[0]['lineNumber'] + 1})" if frames else ""
        return [f"console.{p['type']}: {text}{where}"]
    elif method == "Runtime.exceptionThrown":
        d = p["exceptionDetails"]
        exc = d.get("exception") or {}
        first = (exc.get("description") or str(exc.get("value", ""))).partition("\n")[0]
        where = f" ({d.get('url', '')}:{d.get('lineNumber', 0) + 1})"
        return [f"{d.get('text', 'Uncaught')} {first}".rstrip() + where]  # "Uncaught (in promise)"
    elif method == "Log.entryAdded":
        e = p["entry"]
        # network failures are already reported (with their URL) by Network.loadingFailed
        if e.get("level") == "error" and e.get("source") != "network":
            return [
                f"{e.get('source', 'log')} error: {e.get('text', '')} {e.get('url', '')}".rstrip()
            ]
    return []


def _remote_object_text(obj: dict[str, Any]) -> str:
    if "value" in obj:
        v = obj["value"]
        return v if isinstance(v, str) else json.dumps(v)
    return str(obj.get("unserializableValue") or obj.get("description") or obj.get("type"))


class _DevTools:
    """Minimal Chrome DevTools Protocol client over --remote-debugging-pipe: Chromium reads
    NUL-terminated JSON commands from fd 3 and writes replies/events to fd 4."""

    def __init__(self, exe: str) -> None:
        self.exe = exe
        self.events: list[dict[str, Any]] = []
        self._buf = b""
        self._next_id = 0

    def __enter__(self) -> Self:
        self._profile = tempfile.TemporaryDirectory(prefix="readiness-chromium-")
        cmd_r, self._cmd_w = os.pipe()
        self._ev_r, ev_w = os.pipe()
        # Move the child's ends to fds >= 10 so dup2 onto 3 and 4 cannot clobber them.
        child_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_w = fcntl.fcntl(ev_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(cmd_r)
        os.close(ev_w)

        def remap() -> None:  # in the child, before exec; 3 and 4 become inheritable
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        self._stderr = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(
                [
                    self.exe,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={self._profile.name}",
                    "--remote-debugging-pipe",
                ],
                stdin=subprocess.DEVNULL,
                stdout=self._stderr,
                stderr=self._stderr,
                start_new_session=True,
                close_fds=False,  # our fds are non-inheritable (PEP 446); 3 and 4 must survive
                preexec_fn=remap,  # noqa: PLW1509 - no threads spawn Chromium
            )
        finally:
            os.close(child_r)
            os.close(child_w)
        self._deadline = time.monotonic() + CHROMIUM_TIMEOUT
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self.proc.poll() is None:
                try:
                    self._send("Browser.close", {}, None)
                    self.proc.wait(timeout=10)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            if self.proc.poll() is None:
                _kill_group(self.proc)
            else:  # the wrapper script exited; make sure no browser child lingers
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        finally:
            os.close(self._cmd_w)
            os.close(self._ev_r)
            self._stderr.close()
            self._profile.cleanup()

    def _output(self) -> str:
        self._stderr.seek(0)
        return _chromium_tail(self._stderr.read().decode(errors="replace"))

    def _send(self, method: str, params: dict[str, Any], session: str | None) -> int:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        return self._next_id

    def _read(self, timeout: float) -> dict[str, Any] | None:
        """Next message, or None when `timeout` passes first."""
        end = time.monotonic() + timeout
        while b"\0" not in self._buf:
            left = min(end, self._deadline) - time.monotonic()
            if left <= 0:
                if time.monotonic() >= self._deadline:
                    raise ClientFailed(
                        f"chromium timed out after {CHROMIUM_TIMEOUT:.0f}s\n{self._output()}"
                    )
                return None
            ready, _, _ = select.select([self._ev_r], [], [], left)
            if ready:
                chunk = os.read(self._ev_r, 1 << 16)
                if not chunk:
                    raise ClientFailed(
                        f"chromium exited (code {self.proc.wait()})\n{self._output()}"
                    )
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        msg: dict[str, Any] = json.loads(raw)
        return msg

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        """Send a command and return its result; events meanwhile go to self.events."""
        msg_id = self._send(method, params or {}, session)
        while True:
            msg = self._read(CHROMIUM_TIMEOUT)
            if msg is None:
                continue
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise ClientFailed(f"chromium: {method} failed: {msg['error']}")
                result: dict[str, Any] = msg.get("result", {})
                return result
            if "method" in msg:
                self.events.append(msg)

    def wait_for(
        self, pred: Callable[[dict[str, Any]], bool], timeout: float, required: bool = True
    ) -> None:
        """Collect events until one satisfies `pred` (also checks those already seen)."""
        if any(pred(m) for m in self.events):
            return
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            msg = self._read(left)
            if msg is None:
                break
            if "method" in msg:
                self.events.append(msg)
                if pred(msg):
                    return
        if required:
            raise ClientFailed(f"chromium: page did not finish loading in {timeout:.0f}s")

    def drain(self, seconds: float) -> None:
        self.wait_for(lambda m: False, seconds, required=False)


# ------------------------------------------------------------------------------ poppler

_PAGE_SIZE = re.compile(r"^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)\s+pts", re.MULTILINE)
_PAGES = re.compile(r"^Pages:\s+(\d+)", re.MULTILINE)


def pdf_pages(pdf_path: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page of `pdf_path`, in order (pdfinfo)."""
    exe = shutil.which("pdfinfo")
    if exe is None:
        raise ClientUnavailable("pdfinfo not found; install the `poppler-utils` package")
    proc = _run([exe, "-f", "1", "-l", "999", str(pdf_path)], timeout=60)
    if proc.returncode != 0:
        raise ClientFailed(f"pdfinfo {pdf_path} exited with {proc.returncode}\n{proc.stderr}")
    sizes = {int(n): (float(w), float(h)) for n, w, h in _PAGE_SIZE.findall(proc.stdout)}
    pages = _PAGES.search(proc.stdout)
    expected = min(int(pages.group(1)), 999) if pages else -1
    if len(sizes) != expected:
        raise ClientFailed(f"cannot parse pdfinfo output for {pdf_path}:\n{proc.stdout}")
    return [sizes[n] for n in sorted(sizes)]


def is_a4(size: tuple[float, float], tolerance: float = 1.5) -> bool:
    """True for a portrait A4 page size in points (Chromium makes 594.96 x 841.92)."""
    return abs(size[0] - A4_POINTS[0]) <= tolerance and abs(size[1] - A4_POINTS[1]) <= tolerance


# ------------------------------------------------------------------------------ PNG


def png_is_blank(png_path: Path, max_fraction: float = 1e-4) -> bool:
    """True when (nearly) every pixel has one colour (the commonest in the top row, i.e.
    the page background): at most `max_fraction` of the pixels differ (default 1e-4,
    256 of 1280x2000 - less than one line of text).

    Pure-Python PNG decoding (zlib): 8/16-bit greyscale, RGB, palette, with or
    without alpha, non-interlaced; that covers Chromium's screenshots (8-bit RGB)."""
    width, height, bpp, rows = _png_rows(Path(png_path))
    limit = int(max_fraction * width * height)
    ref = ref_row = b""
    other = 0
    for row in rows:
        if not ref_row:
            pixels = Counter(row[i : i + bpp] for i in range(0, len(row), bpp))
            ref = pixels.most_common(1)[0][0]
            ref_row = ref * width
        if row == ref_row:
            continue
        other += sum(row[i : i + bpp] != ref for i in range(0, len(row), bpp))
        if other > limit:
            return False
    return True


def png_colour_counts(png_path: Path, colours: dict[str, str], tolerance: int = 6
                      ) -> dict[str, int]:
    """How many pixels of the PNG are each of `colours` ({name: "#rrggbb"}), each channel within
    `tolerance` (anti-aliased edges are not counted, solid fills are)."""
    width, _, bpp, rows = _png_rows(Path(png_path))
    wanted = {name: tuple(int(c.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
              for name, c in colours.items()}
    counts = dict.fromkeys(colours, 0)
    for row in rows:
        seen = Counter(row[i:i + 3] for i in range(0, len(row), bpp))
        for pixel, n in seen.items():
            for name, rgb in wanted.items():
                if all(abs(pixel[k] - rgb[k]) <= tolerance for k in range(3)):
                    counts[name] += n
    return counts


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type -> samples per pixel


def _png_rows(path: Path) -> tuple[int, int, int, Iterator[bytes]]:
    """(width, height, bytes per pixel, iterator of unfiltered rows as bytes)."""
    data = path.read_bytes()
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError(f"{path} is not a PNG file")
    pos, header, idat = 8, b"", []
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length  # length, type, data, CRC
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if colour not in _CHANNELS or depth not in (8, 16) or interlace or (colour == 3 and depth != 8):
        raise ValueError(
            f"{path}: unsupported PNG (colour type {colour}, depth {depth}, interlace {interlace})"
        )
    bpp = _CHANNELS[colour] * depth // 8
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    if len(raw) < height * (stride + 1):
        raise ValueError(f"{path}: truncated image data")

    def rows() -> Iterator[bytes]:
        prev = bytes(stride)
        for y in range(height):
            start = y * (stride + 1)
            prev = _unfilter(raw[start], raw[start + 1 : start + 1 + stride], prev, bpp)
            yield prev

    return width, height, bpp, rows()


def _unfilter(kind: int, line: bytes, prev: bytes, bpp: int) -> bytes:
    if kind == 0:  # None
        return line
    if kind == 2:  # Up: bytewise (line + prev) % 256, done on big integers (SWAR)
        if not any(line):
            return prev
        n = len(line)
        a, b = int.from_bytes(line, "big"), int.from_bytes(prev, "big")
        low, high = int.from_bytes(b"\x7f" * n, "big"), int.from_bytes(b"\x80" * n, "big")
        return (((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(n, "big")
    out = bytearray(line)
    n = len(out)
    if kind == 1:  # Sub
        for i in range(bpp, n):
            out[i] = (out[i] + out[i - bpp]) & 0xFF
    elif kind == 3:  # Average
        for i in range(n):
            left = out[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + ((left + prev[i]) >> 1)) & 0xFF
    elif kind == 4:  # Paeth
        for i in range(n):
            up = prev[i]
            if i >= bpp:
                left, upleft = out[i - bpp], prev[i - bpp]
            else:
                left = upleft = 0
            p = left + up - upleft
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
            pred = left if pa <= pb and pa <= pc else up if pb <= pc else upleft
            out[i] = (out[i] + pred) & 0xFF
    else:
        raise ValueError(f"bad PNG filter type {kind}")
    return bytes(out)


# ------------------------------------------------------------------------------ LibreOffice


def find_soffice() -> str | None:
    """Path of LibreOffice's soffice, or None."""
    for name in ("soffice", "libreoffice"):
        if found := shutil.which(name):
            return found
    for path in ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice"):
        if os.access(path, os.X_OK):
            return path
    return None


def libreoffice_to_pdf(xlsx_path: Path, out_dir: Path) -> Path:
    """Convert a workbook to PDF with headless LibreOffice Calc; return the PDF path
    (out_dir/<stem>.pdf).  Uses a throwaway LibreOffice profile."""
    exe = find_soffice()
    if exe is None:
        raise ClientUnavailable(
            "soffice/libreoffice not found; install the `libreoffice-calc` package"
        )
    xlsx_path, out_dir = Path(xlsx_path).resolve(), Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = out_dir / f"{xlsx_path.stem}.pdf"
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="readiness-soffice-") as profile:
        proc = _run(
            [
                exe,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--nolockcheck",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out_dir),
                str(xlsx_path),
            ],
            SOFFICE_TIMEOUT,
        )
    output = f"{proc.stdout}\n{proc.stderr}"
    if proc.returncode != 0 or re.search(r"\berror\b", output, re.IGNORECASE):
        raise ClientFailed(
            f"soffice could not convert {xlsx_path} (exit code {proc.returncode})\n{_tail(output)}"
        )
    _require_output(pdf, "soffice --convert-to pdf", output)
    return pdf
