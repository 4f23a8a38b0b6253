"""The hidden-danger ledger (隐患排查治理台账): export, round trip, and LibreOffice reading it."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import pytest

from clients import ClientUnavailable, _run, find_soffice
from conftest import table_counts
from test_dangers import close_pdca, j, record

LEDGER_HEAD = ["隐患编号 ID", "排查编号 Inspection", "发现日期 Found on", "排查人 Found by",
               "位置 Location", "危险源编号 Hazard", "管控措施 Control", "结果 Result",
               "隐患描述 Description", "隐患等级 Grade", "整改措施 Measures",
               "整改责任人 Responsible", "整改资金 Funds", "整改期限 Deadline",
               "应急预案 Contingency", "整改问题编号 PDCA item", "状态 Status",
               "报告对象 Reported to", "报告日期 Reported on", "验收人 Accepted by",
               "验收日期 Accepted on", "验收意见 Acceptance note"]


@pytest.fixture
def ledger_db(run, org_db) -> str:
    """A closed major hidden danger (YH-0001) and an open general one (YH-0002)."""
    j(run("hazard", "add", "--location", "S01", "--specialty", "psd", "--category", "equipment",
          "--description", "站台门夹人", "--score", "L=3,E=6,C=7", "--residual", "L=1,E=6,C=7",
          "--control", "engineering: 站台门防夹挡板", "--json", db=org_db))
    j(record(run, org_db, "PC-1", "H-0001:站台门防夹挡板=failed/major@挡板脱落",
             "H-0001=weakened/general@=SUM(A1)"))
    j(run("danger", "plan", "YH-0001", "--measures", "更换挡板", "--responsible", "900020",
          "--funds", "2万元", "--deadline", "2027-01-10", "--contingency", "人工盯控",
          "--json", db=org_db))
    close_pdca(run, org_db, "P-0001")
    j(run("danger", "report", "YH-0001", "--to", "市交通运输局", "--json", db=org_db))
    j(run("danger", "accept", "YH-0001", "--by", "900001", "--note", "验收合格", "--json",
          db=org_db))
    return org_db


def export(run, db, path: Path) -> Path:
    result = run("export", "dangers", "-o", str(path), db=db)
    assert result.exit_code == 0, result.output
    return path


def test_ledger_lists_every_hidden_danger_and_round_trips(run, ledger_db, tmp_path) -> None:
    from openpyxl import load_workbook

    path = export(run, ledger_db, tmp_path / "ledger.xlsx")
    sheet = load_workbook(path)["隐患排查治理台账"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == LEDGER_HEAD
    closed, general = rows[1], rows[2]
    assert closed[:2] == ["YH-0001", "PC-1"] and closed[9] == "major"
    assert closed[10:16] == ["更换挡板", "900020", "2万元", closed[13], "人工盯控", "P-0001"]
    assert closed[16:] [0] == "closed" and closed[17] == "市交通运输局" and closed[19] == "900001"
    assert general[8] == "=SUM(A1)" and general[16] == "open"  # formula-like text stays text
    before = table_counts(ledger_db)
    again = j(run("import", str(path), "--json", db=ledger_db))
    assert (again["kind"], again["created"], again["updated"], again["unchanged"]) == (
        "dangers", 0, 0, 2)
    assert table_counts(ledger_db) == before


def test_an_edited_ledger_is_refused_naming_the_cell(run, ledger_db, tmp_path) -> None:
    from openpyxl import load_workbook

    path = export(run, ledger_db, tmp_path / "ledger.xlsx")
    wb = load_workbook(path)
    wb["隐患排查治理台账"]["Q3"] = "closed"
    wb.save(path)
    before = table_counts(ledger_db)
    result = run("import", str(path), db=ledger_db)
    assert result.exit_code == 1
    assert "隐患排查治理台账!3, 状态 Status (Q): differs from YH-0002 as recorded" in result.output
    assert table_counts(ledger_db) == before


def soffice_csv(xlsx: Path, out_dir: Path) -> Path:
    """The workbook's first sheet as UTF-8 CSV, by headless LibreOffice Calc."""
    exe = find_soffice()
    if exe is None:
        raise ClientUnavailable("soffice not found; install the `libreoffice-calc` package")
    with tempfile.TemporaryDirectory(prefix="readiness-soffice-") as profile:
        proc = _run([exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                     "--norestore", "--nolockcheck", "--convert-to",
                     "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(out_dir),
                     str(xlsx)], 180)
    out = out_dir / f"{xlsx.stem}.csv"
    assert proc.returncode == 0 and out.exists(), f"{proc.stdout}\n{proc.stderr}"
    return out


def test_libreoffice_opens_the_ledger(run, ledger_db, tmp_path) -> None:
    path = export(run, ledger_db, tmp_path / "ledger.xlsx")
    out = soffice_csv(path, tmp_path / "csv")
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0][0] == "隐患编号 ID"
    assert rows[1][0] == "YH-0001" and rows[1][8] == "挡板脱落" and rows[1][17] == "市交通运输局"
    assert rows[2][8] == "=SUM(A1)"
    assert json.dumps(rows)  # plain text all through
