"""Rebuild the malformed-file corpus in this folder: `python tests/corpus/make_corpus.py`.

Every file is small (well under 100 KB) and byte-for-byte reproducible (fixed zip timestamps, no
random content), so the committed copies can be checked against this script
(tests/test_malformed_files.py does). Files that must be large (over the import size limit, a
200 MB sheet) are generated at test time instead; see `tests/test_malformed_files.py`.

The workbooks are written by hand, part by part, rather than with openpyxl: the point is to
control every byte the reader sees (a DOCTYPE, a bogus dimension, a cell at XFD1048576).
"""

from __future__ import annotations

import struct
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAMP = (2026, 1, 1, 0, 0, 0)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# A valid line template (sheet 位置): two new locations, S05 and S06.
HEADER = ["编号 ID", "名称 Name", "类型 Kind", "顺序 Order"]
ROWS = [["S05", "五站", "车站", 5], ["S06", "六站", "车站", 6]]


def _cell(ref: str, value: object) -> str:
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def sheet_xml(rows: list[list[object]], *, dimension: str | None = "A1:D3", doctype: str = "",
              extra_rows: str = "") -> str:
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row))
        body.append(f'<row r="{r}">{cells}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'{XML_DECL}{doctype}<worksheet xmlns="{MAIN_NS}">{dim}'
            f'<sheetData>{"".join(body)}{extra_rows}</sheetData></worksheet>')


def package(sheet: str, *, shared_strings: str | None = None, sheet_name: str = "位置",
            omit_sheet_part: bool = False) -> dict[str, bytes]:
    """The parts of a one-sheet .xlsx."""
    overrides = [("/xl/workbook.xml", "sheet.main"), ("/xl/worksheets/sheet1.xml", "worksheet")]
    rels = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    if shared_strings is not None:
        overrides.append(("/xl/sharedStrings.xml", "sharedStrings"))
        rels.append(("rId2", "sharedStrings", "sharedStrings.xml"))
    types = "".join(
        f'<Override PartName="{p}" ContentType="application/vnd.openxmlformats-officedocument'
        f'.spreadsheetml.{t}+xml"/>' for p, t in overrides)
    parts = {
        "[Content_Types].xml": (
            f'{XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
            '.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'{types}</Types>'),
        "_rels/.rels": (
            f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'{XML_DECL}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
            f'<sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}">' + "".join(
                f'<Relationship Id="{i}" Type="{REL_NS}/{t}" Target="{target}"/>'
                for i, t, target in rels) + "</Relationships>"),
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    if omit_sheet_part:
        del parts["xl/worksheets/sheet1.xml"]
    return {name: text.encode("utf-8") for name, text in parts.items()}


def write_zip(path: Path, parts: dict[str, bytes]) -> bytes:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return path.read_bytes()


def billion_laughs(root: str) -> str:
    """The classic entity-expansion bomb: &lol9; expands to 10^9 "lol"s (3 GB)."""
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + ("" if i == 1 else str(i - 1)) + ";") * 10}">'
        for i in range(1, 10)]
    return f"<!DOCTYPE {root} [{''.join(entities)}]>\n"


def ole_compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal CFB (OLE2) container, version 3, 512-byte sectors, every stream in the FAT
    (each padded to ≥ 4096 bytes, the mini-stream cut-off). Enough to look exactly like an
    encrypted Office file (EncryptionInfo + EncryptedPackage) or an old .xls to any reader."""
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    names = list(streams)
    data = [streams[n].ljust(4096, b"\0") for n in names]
    sectors = [len(d) // 512 + (len(d) % 512 > 0) for d in data]
    fat = [fat_sect, end]  # sector 0: the FAT; sector 1: the directory
    starts = []
    for count in sectors:
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [end]
    fat += [free] * (128 - len(fat))
    assert len(fat) == 128, "one FAT sector holds 128 entries"

    def entry(name: str, kind: int, start: int, size: int, child: int = free,
              right: int = free) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)  # black
                + struct.pack("<III", free, right, child) + b"\0" * 16 + struct.pack("<I", 0)
                + b"\0" * 16 + struct.pack("<IIHH", start, size, 0, 0)[:8] + b"\0" * 4)

    # Root → first stream; each stream's right sibling is the next (names sorted by length).
    order = sorted(range(len(names)), key=lambda i: (len(names[i]), names[i].upper()))
    directory = entry("Root Entry", 5, end, 0, child=order[0] + 1)
    for position, i in enumerate(order):
        right = order[position + 1] + 1 if position + 1 < len(order) else free
        directory += entry(names[i], 2, starts[i], len(streams[names[i]]), right=right)
    directory = directory.ljust(512, b"\0")
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + directory + b"".join(
        d.ljust(s * 512, b"\0") for d, s in zip(data, sectors))


def build(folder: Path = HERE) -> dict[str, Path]:
    """Write every corpus file into `folder`; returns name → path."""
    out: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        (folder / name).write_bytes(data)
        out[name] = folder / name

    good = package(sheet_xml([HEADER, *ROWS]))
    valid = write_zip(folder / "valid_line.xlsx", good)
    out["valid_line.xlsx"] = folder / "valid_line.xlsx"

    put("not_a_zip.xlsx", "编号,名称,类型,顺序\nS05,五站,车站,5\n".encode("utf-8"))
    put("pdf_header.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
    put("empty.xlsx", b"")
    put("truncated.xlsx", valid[: len(valid) // 2])

    with zipfile.ZipFile(folder / "zip_not_a_workbook.xlsx", "w") as zf:
        info = zipfile.ZipInfo("notes/readme.txt", STAMP)
        zf.writestr(info, "this archive holds no workbook\n")
    out["zip_not_a_workbook.xlsx"] = folder / "zip_not_a_workbook.xlsx"

    # Billion laughs in the sheet itself (an inline string cell refers to &lol9;) …
    bomb_sheet = sheet_xml([HEADER, ["S05", "&lol9;", "车站", 5]],
                           doctype=billion_laughs("worksheet"))
    write_zip(folder / "xml_bomb_sheet.xlsx", package(bomb_sheet))
    out["xml_bomb_sheet.xlsx"] = folder / "xml_bomb_sheet.xlsx"
    # … and in the shared strings table, which a sheet cell refers to by index.
    strings = (f'{XML_DECL}{billion_laughs("sst")}<sst xmlns="{MAIN_NS}" count="1" '
               'uniqueCount="1"><si><t>&lol9;</t></si></sst>')
    sheet = sheet_xml([HEADER, ["S05", "@", "车站", 5]]).replace(
        '<c r="B2" t="inlineStr"><is><t>@</t></is></c>', '<c r="B2" t="s"><v>0</v></c>')
    write_zip(folder / "xml_bomb_shared_strings.xlsx", package(sheet, shared_strings=strings))
    out["xml_bomb_shared_strings.xlsx"] = folder / "xml_bomb_shared_strings.xlsx"

    # A billion rows declared by <dimension> (the rows themselves are the two good ones).
    write_zip(folder / "dimension_billion_rows.xlsx",
              package(sheet_xml([HEADER, *ROWS], dimension="A1:Z1000000000")))
    out["dimension_billion_rows.xlsx"] = folder / "dimension_billion_rows.xlsx"
    # A billion rows (and 16,384 columns) made real: one cell in the last row and column.
    last = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    write_zip(folder / "cell_at_xfd1048576.xlsx",
              package(sheet_xml([HEADER, *ROWS], dimension="A1:XFD1048576", extra_rows=last)))
    out["cell_at_xfd1048576.xlsx"] = folder / "cell_at_xfd1048576.xlsx"
    # Smaller but still 30 million cells: one cell at CV300000 (100 columns × 300,000 rows).
    far = '<row r="300000"><c r="CV300000" t="inlineStr"><is><t>x</t></is></c></row>'
    write_zip(folder / "cell_at_cv300000.xlsx",
              package(sheet_xml([HEADER, *ROWS], dimension="A1:CV300000", extra_rows=far)))
    out["cell_at_cv300000.xlsx"] = folder / "cell_at_cv300000.xlsx"

    # Damaged packages whose zip directory is intact.
    with zipfile.ZipFile(folder / "valid_line.xlsx") as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    damaged = bytearray(valid)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 4, start + info.compress_size - 4):
        damaged[i] ^= 0x5A
    put("corrupt_sheet_stream.xlsx", bytes(damaged))
    write_zip(folder / "missing_sheet_part.xlsx", package("", omit_sheet_part=True))
    out["missing_sheet_part.xlsx"] = folder / "missing_sheet_part.xlsx"
    cut = sheet_xml([HEADER, *ROWS])
    write_zip(folder / "malformed_sheet_xml.xlsx", package(cut[: len(cut) * 2 // 3]))
    out["malformed_sheet_xml.xlsx"] = folder / "malformed_sheet_xml.xlsx"

    # OLE2 compound files: an old binary workbook and an encrypted (password-protected) one.
    put("old_format.xls", ole_compound_file({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00"}))
    info_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<encryption '
                'xmlns="http://schemas.microsoft.com/office/2006/encryption"><keyData '
                'saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
                'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
                'saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></encryption>').encode()
    put("encrypted.xlsx", ole_compound_file({
        "EncryptionInfo": struct.pack("<HHI", 4, 4, 0x40) + info_xml,
        "EncryptedPackage": struct.pack("<Q", 4096) + bytes(range(256)) * 16,
    }))
    return out


if __name__ == "__main__":
    for name, path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE).items():
        print(f"{path.stat().st_size:>8}  {name}")
