"""The responsibility system's library (`readiness org`), called as a second face will call it:
each bad input the `org` command tests use refused with the same error and message key, and
typed results (dates as dates, keys in the order `--json` has always printed them)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from hazards.results import NamedAcceptance
from readiness.errors import InvalidValue, LineNotFound, NotFound, ReadinessError
from readiness.findings import Finding
from readiness.org.accountability import (ChainLink, HazardPath, OwnedHazards, UnitResponsibilities,
                                          UnitView, check, export, owns, path, show)
from readiness.store.core import Store
from test_org_cli import LETTERS, PEOPLE, UNITS, hazard, seed_line_locations_only
from workbooks import make_workbook

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture
def org_store(run, line_db: str, tmp_path: Path):
    """Line L9 with one location, the five-unit organisation of test_org_cli and one major
    hazard (residual general) owned by person 6 of team TM, accepted at division level by
    person 4."""
    book = make_workbook(tmp_path / "org.xlsx", {"单位": UNITS, "人员": PEOPLE, "责任状": LETTERS})
    assert run("import", str(book), db=line_db).exit_code == 0
    seed_line_locations_only(line_db)
    code = hazard(run, line_db, "general")
    assert run("hazard", "accept", code, "--by", "4", db=line_db).exit_code == 0
    with Store.open(line_db) as store:
        yield store


def refused(call, error=InvalidValue):
    with pytest.raises(error) as caught:
        call()
    return caught.value


def printed(result, capsys) -> object:
    """What `--json` prints for a result."""
    from readiness.commands.options import emit_json

    emit_json(result)
    return json.loads(capsys.readouterr().out)


def keys(result) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(result))


# --- bad input, as the command tests give it ------------------------------------------------------

def test_an_unknown_unit_is_refused(org_store) -> None:
    err = refused(lambda: owns(org_store, "NOPE"), NotFound)
    assert (err.key, err.params) == ("org.unit_not_found", {"unit": "NOPE"})


def test_an_unknown_hazard_or_line_is_refused(org_store) -> None:
    err = refused(lambda: path(org_store, None, "H-9999", AS_OF), NotFound)
    assert (err.key, err.params) == ("hazard.not_found", {"id": "H-9999"})
    assert refused(lambda: path(org_store, "L11", "H-0001", AS_OF), LineNotFound).key == \
        "line.not_found"


def test_export_refuses_an_unknown_suffix_and_an_existing_file(org_store, tmp_path: Path) -> None:
    png = tmp_path / "o.png"
    err = refused(lambda: export(org_store, str(png), AS_OF))
    assert (err.key, err.params) == ("org.bad_export_suffix", {"path": str(png)})
    assert not png.exists()
    svg = tmp_path / "o.svg"
    svg.write_text("keep me")
    err = refused(lambda: export(org_store, str(svg), AS_OF), ReadinessError)
    assert (err.key, err.params) == ("output.exists", {"path": str(svg)})
    assert svg.read_text() == "keep me"
    assert export(org_store, str(svg), AS_OF, force=True) == str(svg)
    assert svg.read_text().startswith("<svg")


def test_an_organisation_workbook_with_bad_rows_is_refused_whole(line_db: str,
                                                                  tmp_path: Path) -> None:
    from readiness.actor import Actor
    from readiness.errors import ImportRejected
    from readiness.importing import import_file

    book = make_workbook(tmp_path / "bad.xlsx", {
        "单位": [*UNITS, ["X", "悬空班组", "班组", "NOPE", "99", None]],
        "人员": [*PEOPLE, ["7", "钱七", "GONE", "站务员", "2026-13-01", None, None]],
        "责任状": [*LETTERS, ["ZZ", "TM", "2026-02-01", "2026-01-01", None]]})
    with Store.open(line_db) as store:
        err = refused(lambda: import_file(store, book, actor=Actor("tester")), ImportRejected)
        assert show(store, AS_OF) == []  # nothing was written
    assert err.key == "import.rejected" and err.params["count"] == 6
    assert [(p.sheet, p.row, p.key) for p in err.problems] == [
        ("人员", 8, "org.unknown_unit"), ("人员", 8, "cell.not_date"),
        ("单位", 7, "org.unknown_unit"), ("单位", 7, "org.unknown_person"),
        ("责任状", 12, "org.unknown_signer"), ("责任状", 12, "org.letter_ends_before_start")]


# --- typed results ----------------------------------------------------------------------------------

def test_show_gives_units_with_their_letters_as_dates(org_store, capsys) -> None:
    units = show(org_store, AS_OF)
    assert [type(u) for u in units] == [UnitView] * 5
    assert keys(units[0]) == ("code", "name", "level", "parent", "depth", "head", "head_name",
                              "people", "letter", "letter_valid_until")
    assert [(u.code, u.depth, u.letter) for u in units] == [
        ("C", 0, "-"), ("HQ", 1, "valid"), ("CT", 2, "valid"), ("DV", 3, "valid"),
        ("TM", 4, "valid")]
    assert units[0].letter_valid_until is None
    assert units[1].letter_valid_until == dt.date(2026, 12, 31)
    assert (units[4].head, units[4].head_name, units[4].people) == ("5", "张伟", 2)
    assert printed(units, capsys)[1]["letter_valid_until"] == "2026-12-31"


def test_path_gives_the_chain_and_the_acceptance(org_store, capsys) -> None:
    found = path(org_store, None, "H-0001", AS_OF)
    assert type(found) is HazardPath
    assert keys(found) == ("hazard", "description", "level", "residual_level", "owner",
                           "owner_unit", "chain", "reaches", "reaches_company",
                           "all_letters_valid", "required_level", "acceptance", "acceptance_ok")
    assert all(type(link) is ChainLink for link in found.chain)
    assert [(link.from_, link.to, link.letter) for link in found.chain] == [
        ("6", "TM", "expired"), ("TM", "DV", "valid"), ("DV", "CT", "valid"),
        ("CT", "HQ", "valid"), ("HQ", "C", "valid")]
    assert found.chain[0].valid_until == dt.date(2025, 12, 31)
    assert (found.reaches, found.reaches_company, found.all_letters_valid) == ("C", True, False)
    acc = found.acceptance
    assert type(acc) is NamedAcceptance
    assert (acc.accepted_by, acc.accepted_by_name, acc.org_level) == ("4", "刘洋", "division")
    assert isinstance(acc.accepted_on, dt.date)
    assert (found.required_level, found.acceptance_ok) == ("division", True)
    shown = printed(found, capsys)
    assert list(shown["chain"][0]) == ["from", "from_name", "from_level", "to", "to_name",
                                       "to_level", "letter", "valid_until"]
    assert shown["chain"][0]["from"] == "6" and shown["acceptance"]["accepted_by_name"] == "刘洋"


def test_owns_gives_the_subtree_and_what_it_owns(org_store, capsys) -> None:
    owned = owns(org_store, "CT")
    assert type(owned) is UnitResponsibilities and type(owned.hazards) is OwnedHazards
    assert keys(owned) == ("unit", "name", "units", "people", "hazards", "drills", "pdca")
    assert (owned.unit, owned.name, owned.units, owned.people) == ("CT", "客运中心", 3, 4)
    assert owned.hazards.ids == ["H-0001"]
    assert owned.hazards.by_level == {"major": 1, "significant": 0, "general": 0, "low": 0}
    assert printed(owned, capsys)["hazards"] == {"by_level": owned.hazards.by_level,
                                                 "ids": ["H-0001"]}


def test_check_gives_findings(org_store) -> None:
    findings = check(org_store, AS_OF)
    assert all(type(f) is Finding for f in findings)
    assert [(f.code, f.subject) for f in findings] == [
        ("org.letter-expired", "6→TM"), ("org.education-missing", "6"), ("org.sole-holder", "6")]
