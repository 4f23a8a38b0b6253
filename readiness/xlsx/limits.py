"""The import limits, and what a workbook would cost to read, checked before the reader is
given it.

Every limit is an environment variable with a safe default, read when it is used (README,
*Import limits*).

calamine (the Rust reader the importer uses) reads a sheet into one dense grid spanning every
cell it holds, and the shared strings into memory whole. One stray value typed in XFD1048576
therefore asks for 17 billion cells (the process aborts), and a 1 MB file can inflate to
gigabytes. This module streams the zip parts once, with the standard library, and refuses such
a file with a message saying which sheet and why, before calamine sees it.
"""

from __future__ import annotations

import os
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import IO

from defusedxml import ElementTree

from readiness.errors import ReadinessError
from readiness.xlsx.columns import column_letters, column_number

CHUNK = 4 * 1024 * 1024
OVERLAP = 64  # longer than any reference a match needs (`<row r="1048576"`, `<c r="XFD1048576"`)
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# A cell's own reference decides where calamine puts it (not the row it sits in). ` r="` followed
# by letters is a cell reference; a row's `r="12"` starts with a digit.
CELL_ROW = re.compile(rb' r="[A-Z]{1,3}(\d+)"')
LETTERS = re.compile(rb"[A-Z]+")


def _columns_beyond(column: int) -> re.Pattern[bytes]:
    """Cell references in a column right of `column`: found with one search, not one match
    a cell, because the widest column is found after a handful of updates."""
    if column < 26:
        return re.compile(rb' r="(?:[A-Z]{2,3}|[%c-Z])\d' % (65 + column))
    return re.compile(rb' r="([A-Z]{2,3})\d')


def limit(name: str, default: int) -> int:
    """An import limit: safe by default, raised (or lowered) with an environment variable."""
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def max_file_mb() -> int:
    return limit("READINESS_MAX_IMPORT_MB", 200)


def max_cells() -> int:
    """The largest sheet area (rows × columns) the importer reads: ~32 bytes a cell in calamine."""
    return limit("READINESS_MAX_IMPORT_CELLS", 6_000_000)


def max_unzipped_bytes() -> int:
    return limit("READINESS_MAX_UNZIPPED_MB", 500) * 1024 * 1024


def max_rows() -> int:
    return limit("READINESS_MAX_IMPORT_ROWS", 1_000_000)


def max_cell_chars() -> int:
    return limit("READINESS_MAX_CELL_CHARS", 32_767)  # Excel's own limit for a cell


def check_package(path: str, zf: zipfile.ZipFile) -> None:
    """Refuse a package whose shared strings would inflate past the limit (read up front)."""
    for info in zf.infolist():
        if posixpath.basename(info.filename).lower() == "sharedstrings.xml":
            with zf.open(info) as fh:
                for _ in _chunks(path, info.filename, fh):
                    continue  # reading it through is the check: _chunks counts the bytes


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the zip (`xl/worksheets/sheet1.xml`), following the package's
    relationships from `_rels/.rels`; {} when the package does not say."""
    main = next((target for _, kind, target in _relationships(zf, "")
                 if kind.endswith("/officeDocument")), None)
    if main is None:
        return {}
    try:
        workbook = ElementTree.fromstring(zf.read(main))
    except (KeyError, ElementTree.ParseError, ValueError, zipfile.BadZipFile, OSError):
        return {}
    targets = {rel_id: target for rel_id, _, target in _relationships(zf, main)}
    return {sheet.get("name", ""): targets.get(sheet.get(f"{REL_NS}id") or "", "")
            for sheet in workbook.iter(f"{MAIN_NS}sheet")}


def worksheet_parts(zf: zipfile.ZipFile) -> list[str]:
    """Every part that may be a sheet: what is checked when a sheet's own part is not known."""
    return [n for n in zf.namelist() if n.endswith(".xml") and "sheet" in n.lower()]


def _relationships(zf: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """(ID, type, target part) of each relationship of `part` ("" for the package itself)."""
    folder, name = posixpath.split(part)
    try:
        rels = ElementTree.fromstring(zf.read(posixpath.join(folder, "_rels", f"{name}.rels")))
    except (KeyError, ElementTree.ParseError, ValueError, zipfile.BadZipFile, OSError):
        return []
    found = []
    for rel in rels.iter(f"{PKG_REL_NS}Relationship"):
        target = rel.get("Target", "")
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        found.append((rel.get("Id", ""), rel.get("Type", ""), posixpath.normpath(resolved)))
    return found


def check_sheet(path: str, zf: zipfile.ZipFile, sheet: str, part: str) -> None:
    """Refuse a sheet whose extent (rows × columns) or unzipped size is past the limits."""
    try:
        info = zf.getinfo(part)
    except KeyError:
        return  # calamine names the missing part
    max_row = max_col = 0
    beyond = _columns_beyond(0)
    tail = b""
    with zf.open(info) as fh:
        for chunk in _chunks(path, part, fh):
            window = tail + chunk
            rows = CELL_ROW.findall(window)
            if rows:
                max_row = max(max_row, max(map(int, rows)))
            position = 0
            while found := beyond.search(window, position):
                letters = LETTERS.match(window, found.start() + len(b' r="'))
                column = column_number(letters.group()) if letters else 0
                position = found.end()
                if column > max_col:
                    max_col = column
                    beyond = _columns_beyond(max_col)
            tail = window[-OVERLAP:]
    cells = max_row * max_col
    if cells > max_cells():
        raise ReadinessError("import.sheet_too_big", path=path, sheet=sheet,
                             extent=f"A1:{column_letters(max_col)}{max_row}",
                             cells=f"{cells:,}", limit=f"{max_cells():,}")


def _chunks(path: str, part: str, fh: IO[bytes]) -> Iterator[bytes]:
    """The part's bytes, unpacked, refused once they pass the limit (whatever the zip claims)."""
    total = 0
    while chunk := fh.read(CHUNK):
        total += len(chunk)
        if total > max_unzipped_bytes():
            raise ReadinessError("import.unzipped_too_large", path=path, part=part,
                                 limit=max_unzipped_bytes() // (1024 * 1024))
        yield chunk

