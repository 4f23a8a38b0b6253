"""Property-based tests: every importer survives random and mutated workbooks.

For each template kind a workbook is built from the kind's real sheets and header row
(`template_kind(kind).sheets`) and then mutated: columns dropped, duplicated, renamed, shuffled,
junk columns added, title rows above the header, leading empty columns, sheets renamed, hidden,
missing or joined by extra sheets, merged cells, and cells of every type a spreadsheet can hold
(text up to 5,000 characters, right-to-left and full-width text, integers, floats, negative and
huge numbers, dates, datetimes, times, durations, booleans, real Excel error cells and the same
as text, real formulas, dates and numbers typed as text, blanks).

Each example is imported with `readiness import` (click's CliRunner, in process) into a copy of a
seeded store (one line, four locations, a six-unit organisation). Whatever the input, the
import must end in one of two ways:

* a clean import: exit 0, the last line is the "created …, updated …, unchanged …, rejected …"
  summary;
* a rejection: exit 1, the last line is `Error: …`, every line before it names a place
  (`SHEET!ROW, COLUMN: reason`, `SHEET!CELL: reason` for a renamed, junk or unnamed column, or
  `SHEET: reason`), and the store is byte-for-byte unchanged (same sha256 of the SQLite file,
  same row count in every table);

never a traceback, never any other exit code, never an "internal error" (an unexpected exception
that the CLI merely caught), and within a bounded time.

Profiles: "ci" (1,000 examples per importer, chosen when CI=true) and "dev" (50 examples, the
default); HYPOTHESIS_PROFILE=ci|dev picks one explicitly. The profiles are applied to the tests of
this module only (not loaded globally).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

import cli
from conftest import (
    ORG_PEOPLE, ORG_UNITS, checkpoint, file_sha256, hang_guard, seed_line, table_counts,
)
from readiness import vocab
from readiness.errors import one_line
from readiness.importing import KINDS, template_kind
from readiness.xlsx.spec import Column, SheetSpec

# --- hypothesis profiles ---------------------------------------------------------------------

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("ci", max_examples=1000, deadline=None, suppress_health_check=_QUIET,
                          print_blob=True)
settings.register_profile("dev", max_examples=50, deadline=None, suppress_health_check=_QUIET)
PROFILE = "ci" if os.environ.get("CI") == "true" else os.environ.get("HYPOTHESIS_PROFILE", "dev")
FUZZ = settings.get_profile(PROFILE)
# Sheet names longer than Excel's 31 characters are one of the mutations, on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:Title is more than 31 characters:UserWarning")

# Data rows per sheet: mostly a handful, now and then the maximum; every example stays cheap.
ROW_COUNTS = [0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30]
# A bound that only stops a hung import (it fails naming the example); speed is not asserted.
EXAMPLE_TIMEOUT = 120  # seconds for one import of a ≤ 30-row workbook; typically ~0.03 s

# --- what the store already holds (tests/conftest.py seed_line and the default catalogue) ------

LOCATIONS = ["S01", "Q01-02", "S02", "D01"]
UNITS = [code for code, *_ in ORG_UNITS]
STAFF = [staff for staff, *_ in ORG_PEOPLE]
NAMES = [name for _, name, *_ in ORG_PEOPLE]
SCENARIOS = ["EM-BUS-BRIDGE", "EM-COLLISION", "EM-COMMS", "EM-COUPLING-RESCUE", "EM-CYBER",
             "EM-FAO-MODE", "EM-INJURY", "EM-INTRUSION", "EM-LARGE-FLOW", "EM-PSD-FAILURE",
             "EM-ROOM-FIRE", "EM-SECTION-BLOCK", "EM-SECTION-EVAC", "EM-SECTION-FIRE",
             "EM-SECTION-FLOOD", "EM-STATION-FIRE", "EM-STATION-FLOOD", "EM-STATION-POWER",
             "EM-STRUCTURE", "EM-SWITCH-INDICATION", "EM-TRAIN-FIRE", "EM-TRAIN-RESCUE",
             "OP-DEGRADED-SIG", "OP-TICKETING", "OP-TIMETABLE", "RP-OCS", "RP-POWER",
             "RP-RAIL-BREAK", "RP-SWITCH-RUN", "RP-VEHICLE"]  # every scenario has ≥ 4 tasks
CHECKLIST_ITEMS = ["CL-AC-01", "CL-AC-02", "CL-CM-01", "CL-HO-01", "CL-OP-01", "CL-PA-01",
                   "CL-SF-01", "CL-SF-08"]
WORDS = ["龙湖公园站", "站台门", "巡查", "防护栏", "客运组织", "power loss", "platform", "现场处置",
         "司机关门后瞭望确认", "n/a", "备注", "OK"]

# --- cell values -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Formula:
    """A real formula cell (openpyxl data type "f"), written without a cached value."""

    text: str


@dataclass(frozen=True)
class ExcelError:
    """A real Excel error cell (data type "e"), not the same text in a text cell."""

    code: str


EXCEL_ERRORS = ["#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!"]
FORMULAS = ["=1+1", "=A1", "=SUM(A1:A3)", "=NA()", "=1/0", '="S01"', "=TODAY()", "=B2&C2",
            '=INDIRECT("A"&ROW())', '=HYPERLINK("http://example.invalid","x")']
DATES_AS_TEXT = ["2026-10-01", "2026/10/1", "2026.10.01", "2026年10月1日", "2026-13-45",
                 "2026-02-30", "10/01/2026", "１０/０１/２０２６", "２０２６－１０－０１", "0000-01-01",
                 "9999-12-31", "٢٠٢٦-١٠-٠١", "2026-10-01T08:00:00", "2026 - 10 - 01", "1.10.2026"]
NUMBERS_AS_TEXT = ["3", " 6 ", "1,000", "1e3", "1e400", "-0", "0.5", "½", "３", "٣", "NaN", "nan",
                   "inf", "-Infinity", "1_000", "0x10", "99999999999999999999999", "3.0000000001"]
BLANKS = [None, "", " ", "\n", "\t", "\u3000", "\u200b"]
RTL = ["مرحبا", "محطة", "שלום", "תחנה", "\u202eS01", "\u200fS01", "S01\u200f", "\u202bنص\u202c"]

# openpyxl refuses the C0 controls XML 1.0 cannot hold; surrogates cannot be encoded at all.
_ILLEGAL = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32)])
CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters=_ILLEGAL)
SAFE_TEXT = st.text(CHARS, max_size=24)
RTL_TEXT = st.text(st.characters(min_codepoint=0x0590, max_codepoint=0x06FF,
                                 blacklist_categories=("Cs", "Cn")), min_size=1, max_size=16)
FULLWIDTH_TEXT = st.text(st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
                         min_size=1, max_size=12)
# Huge strings, built by repetition so that hypothesis does not draw 5,000 characters one by one.
HUGE_TEXT = st.builds(lambda s, n: (s * n)[:5000], st.text(CHARS, min_size=1, max_size=8),
                      st.integers(100, 5000))

JUNK = st.one_of(
    SAFE_TEXT,
    HUGE_TEXT,
    RTL_TEXT,
    st.sampled_from(RTL),
    FULLWIDTH_TEXT,
    st.integers(-(10**20), 10**20),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.dates(min_value=dt.date(1900, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1)),
    st.times(),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=3000)),
    st.booleans(),
    st.sampled_from(EXCEL_ERRORS).map(ExcelError),
    st.sampled_from(EXCEL_ERRORS),  # the same, as text
    st.sampled_from(FORMULAS).map(Formula),
    st.sampled_from(["=not a formula", "+S01", "-3", "@sum", "'S01"]),  # text that looks like one
    st.sampled_from(DATES_AS_TEXT),
    st.sampled_from(NUMBERS_AS_TEXT),
    st.sampled_from(BLANKS),
)


# Junk aimed at a column's type: what breaks a parser is the value that almost fits.
HUGE_NUMBERS = [2**63, 2**63 - 1, -(2**63) - 1, 10**19, 10**30, 1e20, 1e308, -1e308, 5e-324,
                0.1 + 0.2, -0.0, 2**53 + 1]
NUMBER_JUNK = st.one_of(st.sampled_from(NUMBERS_AS_TEXT), st.sampled_from(HUGE_NUMBERS),
                        st.integers(), st.floats(allow_nan=False, allow_infinity=False))
NASTY: dict[str, st.SearchStrategy[Any]] = {
    "int": NUMBER_JUNK,
    "number": NUMBER_JUNK,
    "text": st.one_of(st.sampled_from(NUMBERS_AS_TEXT), HUGE_TEXT, st.sampled_from(RTL),
                      st.sampled_from(HUGE_NUMBERS)),
    "date": st.one_of(st.sampled_from(DATES_AS_TEXT), st.dates(min_value=dt.date(1900, 1, 1)),
                      st.sampled_from([dt.date(9999, 12, 31), dt.datetime(9999, 12, 31, 23, 59),
                                       dt.date(1900, 1, 1), dt.date(1900, 2, 28)]),
                      st.datetimes(min_value=dt.datetime(1900, 1, 1)), st.times(),
                      st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=3000)),
                      st.integers(-(10**6), 10**7), st.sampled_from(NUMBERS_AS_TEXT)),
    "bool": st.sampled_from(["是 ", "Y", "√", "✓", "×", "TRUE", "true", "1", "0", 1, 0, 2, -1,
                             1.5, "yes please", "是否"]),
    "list": st.sampled_from(["|", "||", "\n\n", "a|", " | ", "a\nb|c", "|".join(["x"] * 500)]),
}


def junk_for(col: Column | None) -> st.SearchStrategy[Any]:
    """Any junk, or (as often) junk aimed at the column's type."""
    if col is None:
        return JUNK
    kind = "text" if col.code_set else col.kind
    nasty = NASTY.get(kind, JUNK)
    if col.code_set:
        nasty = st.one_of(nasty, _codes(col.code_set).map(fullwidth),
                          _codes(col.code_set).map(lambda c: f" {c.upper()} "),
                          _codes(col.code_set).map(lambda c: f"{c}|{c}"))
    return st.one_of(JUNK, nasty)


def fullwidth(text: str) -> str:
    """ASCII → full-width forms (Ｓ０１), which NFKC folds back."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _code_forms(set_name: str) -> list[str]:
    """Every way a coded value may be written: the code, either label, both."""
    forms = []
    for code in vocab.codes(set_name).values():
        forms += [code.code, code.zh, code.en, code.bilingual()]
    return forms


def _codes(set_name: str) -> st.SearchStrategy[str]:
    return st.sampled_from(_code_forms(set_name))


def _joined(options: list[str], sep: str = "|") -> list[str]:
    """Multi-value cells: one, two or three of the options."""
    return [sep.join(options[i:i + n]) for n in (1, 2, 3) for i in range(len(options) - n + 1)]


def _maybe(options: list[Any]) -> list[Any]:
    return [*options, None]


# Plausible values are lists, each cell one `sampled_from` draw: cheap to generate and to shrink.
_DAYS = [dt.date(2026, 9, 2) + dt.timedelta(days=n) for n in range(0, 110, 3)]
DATE_OPTIONS = [f(d) for d in _DAYS for f in (
    lambda d: d, lambda d: dt.datetime.combine(d, dt.time()), dt.date.isoformat,
    lambda d: f"{d.year}年{d.month}月{d.day}日", lambda d: f"{d.year}/{d.month}/{d.day}")]
EDGE_DATES = [dt.date(9999, 12, 31), dt.datetime(9999, 12, 31, 23, 59), "9999-12-31",
              dt.date(1900, 1, 1), "1900-01-01", "0001-01-01", dt.date(2000, 2, 29)]
LEC = {"L": [0.1, 0.2, 0.5, 1, 3, 6, 10], "E": [0.5, 1, 2, 3, 6, 10], "C": [1, 3, 7, 15, 40, 100]}

# The key column of each sheet takes distinct values from its pool (a duplicate is a mutation).
KEY_POOLS: dict[tuple[str, str], list[Any]] = {
    ("locations", "code"): LOCATIONS + [f"S{n:02d}" for n in range(3, 40)],
    ("register", "code"): [f"H-{n:04d}" for n in range(1, 40)],
    ("units", "code"): UNITS + [f"TM-NEW-{n:02d}" for n in range(1, 30)],
    ("people", "staff_id"): STAFF + [f"9009{n:02d}" for n in range(30)],
    ("runs", "code"): [f"R-{n:04d}" for n in range(1, 40)],
    ("scenarios", "code"): SCENARIOS + ["EM-LOCAL-01", "EM-LOCAL-02"],
    ("pdca", "code"): [f"P-{n:04d}" for n in range(1, 40)],
    ("checklist", "code"): CHECKLIST_ITEMS + [f"CL-NEW-{n:02d}" for n in range(1, 30)],
    ("trial", "day"): [dt.date(2026, 10, 1) + dt.timedelta(days=n) for n in range(40)],
}

# Values a user of each sheet would plausibly type: most examples should get past the cell
# parsers into the reference checks and the store writes.
PLAUSIBLE: dict[tuple[str, str], list[Any]] = {
    ("register", "line"): _maybe(["L9"]),
    ("register", "location"): LOCATIONS,
    ("register", "method"): [None, "LEC", "作业条件危险性评价法"],
    ("register", "L"): LEC["L"], ("register", "E"): LEC["E"], ("register", "C"): LEC["C"],
    ("register", "S"): [None],
    ("register", "residual_L"): LEC["L"], ("register", "residual_E"): LEC["E"],
    ("register", "residual_C"): LEC["C"], ("register", "residual_S"): [None],
    ("register", "level_given"): [None],
    ("register", "controls"): [None, "engineering: 站台门防夹挡板",
                               "工程控制：设置防护栏|administrative: 巡查", "巡查\n防护栏"],
    ("register", "owner_unit"): _maybe(UNITS),
    ("register", "owner"): _maybe(STAFF),
    ("register", "review_days"): [None, 30, 90, 180, 365, 1],
    ("register", "linked_drills"): _maybe(_joined(SCENARIOS[:6])),
    ("controls", "owner"): _maybe(STAFF),
    ("units", "parent"): _maybe(UNITS),
    ("units", "head"): _maybe(STAFF),
    ("units", "posts"): [None, "班组长|值班站长|站务员", "站务员"],
    ("people", "unit"): UNITS,
    ("letters", "signer"): UNITS + STAFF,
    ("letters", "countersigner"): UNITS,
    ("letters", "signed_on"): _DAYS,
    ("runs", "scenario"): [s for s in SCENARIOS if s not in ("OP-TIMETABLE", "OP-TICKETING",
                                                            "EM-CYBER")],
    ("runs", "location"): _maybe(LOCATIONS),
    ("runs", "commander"): _maybe(NAMES),
    ("runs", "evaluators"): _maybe(_joined(NAMES)),
    ("runs", "units"): _maybe(_joined(UNITS)),
    ("tasks", "minutes"): [None, 0.5, 1.5, 2, 3, 6, 12.5],
    ("tasks", "evaluator"): _maybe(NAMES),
    ("scenarios", "forms"): _joined(["tabletop", "live"]) + ["桌面|实战", "实战"],
    ("scenarios", "unit_kinds"): _maybe(_joined(UNITS)),
    ("scenarios", "importance"): [1, 2, 3, 4, 5],
    ("scenarios", "likelihood"): [1, 2, 3, 4, 5],
    ("scenario_tasks", "time_standard_min"): [None, 1, 2, 5, 15],
    ("pdca", "hazards"): [None],
    ("pdca", "owner_unit"): _maybe(UNITS),
    ("pdca", "owner"): _maybe(STAFF),
    ("pdca", "phase"): [None, "PLAN", "计划"],
    ("pdca", "verifier"): [None], ("pdca", "verified_on"): [None], ("pdca", "verdict"): [None],
    ("checklist", "owner_unit"): _maybe(UNITS),
    ("checklist", "owner"): _maybe(STAFF),
    ("checklist", "status"): [None, "open", "进行中"],
    ("checklist", "verifier"): [None], ("checklist", "verified_on"): [None],
    ("trial", "trains_planned"): [300, 310, 320, 330],
    ("trial", "trains_run"): [250, 280, 299, 300],
    ("trial", "trains_on_time"): [200, 240, 250],
    ("trial", "train_km"): [1000.5, 12400.5, 9999.9, 20000],
    ("trial", "psd_operations"): [None, 20000, 30000, 40000],
    ("trial", "wakeups_ok"): [None], ("trial", "sleeps_ok"): [None],
}
DEFAULTS: dict[str, list[Any]] = {
    "int": list(range(0, 21)),
    "number": [0, 0.5, 1, 2.25, 10, 999.99],
    "date": DATE_OPTIONS,
    "bool": ["是", "否", "yes", "no", True, False],
    "list": _joined(WORDS[:5]),
    "text": WORDS,
}


def plausible(sheet: SheetSpec, col: Column) -> list[Any]:
    special = PLAUSIBLE.get((sheet.key, col.key))
    if special is not None:
        return special
    options = _code_forms(col.code_set) if col.code_set else DEFAULTS.get(col.kind, WORDS)
    return options if col.required else _maybe(options)


_ROW_VALUES: dict[str, st.SearchStrategy[dict[str, Any]]] = {}
TEMPLATE_ROWS = 3


def _row_values(spec: SheetSpec) -> st.SearchStrategy[dict[str, Any]]:
    """One row of plausible values, by column key."""
    if spec.key not in _ROW_VALUES:
        _ROW_VALUES[spec.key] = st.fixed_dictionaries({c.key: st.sampled_from(plausible(spec, c))
                                                       for c in spec.columns})
    return _ROW_VALUES[spec.key]


def _other_form(value: Any) -> Any:
    """The same value as a user might type it: a number as text, text in full width."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return fullwidth(value)
    return value


def _fix_row(draw: st.DrawFn, sheet: str, i: int, row: dict[str, Any],
             refs: dict[str, list[dict[str, Any]]]) -> None:
    """Cross-column and cross-sheet rules a careful user would follow."""
    if sheet == "locations":
        row["seq"] = 5 + i  # orders are unique within the file
    elif sheet == "register":
        if draw(st.booleans()):  # residual scores: all three or none
            row.update(residual_L=None, residual_E=None, residual_C=None)
        if draw(st.integers(0, 3)) == 0:
            row["code"] = None  # assigned H-0001, H-0002 … on import
    elif sheet == "controls":
        codes = [r["code"] for r in refs.get("register", []) if r.get("code")]
        row["hazard"] = draw(st.sampled_from(codes)) if codes else "H-0001"
    elif sheet == "letters":
        row["valid_until"] = row["signed_on"] + dt.timedelta(days=draw(st.integers(0, 700)))
    elif sheet == "tasks":
        runs = refs.get("runs") or [{"code": "R-0001", "scenario": "EM-CYBER"}]
        run = runs[i % len(runs)]
        row["run"] = run["code"]
        row["task"] = f"{run['scenario']}-T{i // len(runs) % 4 + 1}"
    elif sheet == "scenario_tasks":
        scenarios = [r["code"] for r in refs.get("scenarios", [])] or ["EM-LOCAL-01"]
        new = [c for c in scenarios if c not in SCENARIOS]
        scenario = new[i] if i < len(new) else draw(st.sampled_from(scenarios))
        row["scenario"] = scenario
        row["code"] = f"{scenario}-T{i + 1}"
    elif sheet == "checklist" and row["code"] not in CHECKLIST_ITEMS:
        row["phase"] = row["phase"] or "handover"
        row["aspect"] = row["aspect"] or "handover-safety"
        row["text"] = row["text"] or "三权移交完成"


# --- the workbook ----------------------------------------------------------------------------

@dataclass
class SheetCase:
    name: str
    rows: list[list[Any]]
    offset: int = 0  # empty leading columns
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    state: str = "visible"


@dataclass
class Case:
    kind: str
    mode: str
    sheets: list[SheetCase]


SHEET_NAME_CHARS = st.characters(blacklist_categories=("Cs", "Cc"),
                                 blacklist_characters="\\*?:/[]'")
# Names Excel's own dialog refuses but a file can carry (openpyxl writes them, readers read them).
ODD_SHEET_NAMES = ["Sheet\nTwo", "备注\r\n", "x" * 31, "ＳＨＥＥＴ", "\u202eteehS", "שלום"]
OTHER_SHEET_NAMES = sorted({n for k in KINDS for s in template_kind(k).sheets for n in (s.zh, s.en)}
                           | {"说明", "Sheet1", "Instructions"})
# Data rows per sheet: mostly a handful, now and then the maximum; every example stays cheap.
ROW_COUNTS = [0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30]


HEADER_STYLES = ["template", "template", "zh", "en", "mixed"]


def _header_labels(draw: st.DrawFn, columns: tuple[Column, ...]) -> list[str]:
    """The header row as the template writes it, in one language, or every column its own way
    (a code, a synonym, two lines, upper case, full width, a required-column star)."""
    style = draw(st.sampled_from(HEADER_STYLES))
    if style != "mixed":
        return [{"template": c.header(), "zh": c.zh, "en": c.en}[style] for c in columns]
    return [draw(st.sampled_from([c.header(), c.zh, c.en, c.key, f"{c.zh}\n{c.en}", c.en.upper(),
                                  fullwidth(c.en), f"{c.header()}*", *c.synonyms]))
            for c in columns]


def _sheet_name(spec: SheetSpec) -> st.SearchStrategy[str]:
    return st.sampled_from([spec.zh, spec.zh, spec.en, f"{spec.zh} {spec.en}", spec.en.upper(),
                            fullwidth(spec.en)[:31], f" {spec.zh} ", f"{spec.zh}\n",
                            *spec.synonyms])


@st.composite
def sheet_cases(draw: st.DrawFn, spec: SheetSpec, mode: str,
                refs: dict[str, list[dict[str, Any]]]) -> SheetCase:
    mutate = mode != "clean"
    # the data, by column key
    count = draw(st.sampled_from(ROW_COUNTS))
    if spec.key == "scenario_tasks":  # every new scenario needs a task
        count = max(count, len([r for r in refs.get("scenarios", []) if r["code"] not in SCENARIOS]))
    keys: list[Any] = []
    pool = KEY_POOLS.get((spec.key, spec.key_column or ""))
    if pool is not None:
        start = draw(st.integers(0, len(pool) - 1))  # a rotation: cheaper than a permutation
        keys = (pool[start:] + pool[:start])[:count]
        count = len(keys)
    # A few rows are drawn cell by cell and the others repeat them (with their own IDs):
    # drawing every cell of 30 rows × 28 columns would cost more than the import itself.
    templates = [draw(_row_values(spec)) for _ in range(min(count, TEMPLATE_ROWS))]
    values: list[dict[str, Any]] = []
    for i in range(count):
        row = dict(templates[i % len(templates)])
        if keys:
            row[spec.key_column] = keys[i]  # type: ignore[index]
        _fix_row(draw, spec.key, i, row, refs)
        values.append(row)
    if mutate and draw(st.integers(0, 7)) == 0:  # every date of the sheet at a calendar edge
        edge = draw(st.sampled_from(EDGE_DATES))
        for row in values:
            row.update({c.key: edge for c in spec.columns
                        if c.kind == "date" and c.key != spec.key_column})
    refs[spec.key] = values

    # the header, mutated
    columns: list[Column | None] = list(spec.columns)  # None: a junk column
    labels: list[Any] = _header_labels(draw, spec.columns)
    if mutate and draw(st.booleans()):  # drop some columns
        keep = [draw(st.integers(0, 9)) > 0 for _ in columns]
        columns = [c for c, k in zip(columns, keep) if k]
        labels = [h for h, k in zip(labels, keep) if k]
    if mutate and columns and draw(st.integers(0, 4)) == 0:  # duplicate a column
        i = draw(st.integers(0, len(columns) - 1))
        columns.insert(i + 1, columns[i])
        labels.insert(i + 1, labels[i])
    if mutate and columns and draw(st.integers(0, 4)) == 0:  # rename a column
        i = draw(st.integers(0, len(columns) - 1))
        labels[i] = draw(st.one_of(SAFE_TEXT, RTL_TEXT, st.integers(), st.sampled_from(BLANKS)))
        columns[i] = None
    if mutate and draw(st.integers(0, 2)) == 0:  # junk columns
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, len(columns)))
            columns.insert(i, None)
            labels.insert(i, draw(st.one_of(SAFE_TEXT, st.sampled_from(OTHER_SHEET_NAMES))))
    if mutate and draw(st.integers(0, 3)) == 0:  # shuffle
        order = draw(st.permutations(range(len(columns))))
        columns = [columns[i] for i in order]
        labels = [labels[i] for i in order]

    # the rows: title rows, the header, the data (mutated)
    rows: list[list[Any]] = []
    if mutate and draw(st.integers(0, 3)) == 0:  # title rows above the header
        for _ in range(draw(st.sampled_from([1, 1, 2, 3, 9, 10]))):
            rows.append([draw(st.one_of(SAFE_TEXT, st.none()))])
    rows.append(labels)
    for value in values:
        row = [value[c.key] if c is not None else draw(JUNK) for c in columns]
        if mutate and row:
            # junk in a few cells (every other row when noisy, one to three cells of every row
            # in chaos), and now and then a good value typed another way (a number as text,
            # full-width text)
            for _ in range(draw(st.integers(0, 1) if mode == "noisy" else st.integers(1, 3))):
                i = draw(st.integers(0, len(row) - 1))
                row[i] = draw(junk_for(columns[i]))
            if draw(st.integers(0, 4)) == 0:
                i = draw(st.integers(0, len(row) - 1))
                row[i] = _other_form(row[i])
            if draw(st.integers(0, 9)) == 0:  # a ragged or blank row
                row = row[: draw(st.integers(0, len(row)))]
        rows.append(row)
    if mutate and len(rows) > 1 and draw(st.integers(0, 9)) == 0:  # a repeated row: same ID
        rows.append(list(rows[draw(st.integers(1, len(rows) - 1))]))

    merges = []
    width = max((len(r) for r in rows), default=1) or 1
    if mutate and draw(st.integers(0, 4)) == 0:
        for _ in range(draw(st.integers(1, 3))):
            r1 = draw(st.integers(1, len(rows)))
            c1 = draw(st.integers(1, width))
            merges.append((r1, c1, draw(st.integers(r1, min(r1 + 3, len(rows) + 2))),
                           draw(st.integers(c1, min(c1 + 3, width + 2)))))
    offset = draw(st.sampled_from([0, 0, 0, 1, 2])) if mutate else 0
    state = draw(st.sampled_from(["visible"] * 6 + ["hidden", "veryHidden"])) if mutate else "visible"
    return SheetCase(draw(_sheet_name(spec)), rows, offset, merges, state)


MODES = ("clean", "noisy", "chaos")


@st.composite
def workbook_cases(draw: st.DrawFn, kind: str, modes: tuple[str, ...] = MODES) -> Case:
    """clean: the real headers and plausible values (most of these import); noisy: mutated
    headers and sheets, a junk cell in every other row; chaos: junk in every row."""
    mode = draw(st.sampled_from(modes))
    spec = template_kind(kind)
    sheets = []
    refs: dict[str, list[dict[str, Any]]] = {}
    for sheet in spec.sheets:
        if not sheet.required and draw(st.integers(0, 3)) == 0:
            continue  # an optional sheet left out
        if sheet.required and mode != "clean" and draw(st.integers(0, 40)) == 0:
            continue  # a required sheet missing
        sheets.append(draw(sheet_cases(sheet, mode, refs)))
    if draw(st.booleans()):  # the instructions sheet the templates carry
        sheets.insert(0, SheetCase("说明", [["填写说明 Instructions"], ["…"]]))
    if mode != "clean" and draw(st.integers(0, 3)) == 0:  # extra sheets
        for _ in range(draw(st.integers(1, 2))):
            name = draw(st.one_of(st.sampled_from(OTHER_SHEET_NAMES),
                                  st.text(SHEET_NAME_CHARS, min_size=1, max_size=31),
                                  st.sampled_from(ODD_SHEET_NAMES)))
            rows = draw(st.lists(st.lists(JUNK, max_size=6), max_size=5))
            sheets.insert(draw(st.integers(0, len(sheets))), SheetCase(name, rows))
    if mode != "clean" and draw(st.integers(0, 4)) == 0:
        sheets = draw(st.permutations(sheets))
    return Case(kind, mode, list(sheets))


def write_workbook(case: Case, path: Path) -> list[str]:
    """Save the case as .xlsx; returns the sheet names as saved (openpyxl renames duplicates)."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in case.sheets:
        ws = wb.create_sheet(sheet.name if sheet.name.strip() else "Sheet")
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1 + sheet.offset):
                if value is None:
                    continue
                cell = ws.cell(r, c)
                if isinstance(value, Formula):
                    cell.value = value.text  # data type "f"
                elif isinstance(value, ExcelError):
                    cell.value = value.code
                    cell.data_type = "e"
                else:
                    cell.value = value
                    if isinstance(value, str):
                        cell.data_type = "s"  # "=…" and "#N/A" typed as text stay text
        for r1, c1, r2, c2 in sheet.merges:
            if (r1, c1) != (r2, c2):
                ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        ws.sheet_state = sheet.state
    if all(ws.sheet_state != "visible" for ws in wb.worksheets):
        wb.create_sheet("Cover")  # Excel needs one visible sheet, and so does openpyxl
    wb.active = next(i for i, ws in enumerate(wb.worksheets) if ws.sheet_state == "visible")
    wb.save(path)
    return list(wb.sheetnames)


# --- running one example ---------------------------------------------------------------------

SUMMARY = re.compile(r"^.+: created \d+, updated \d+, unchanged \d+, rejected \d+$")
SPEC_SHEET_NAMES = {n for k in KINDS for s in template_kind(k).sheets
                    for n in (s.zh, s.en, f"{s.zh} / {s.en}")}


def place_pattern(sheet_names: list[str]) -> re.Pattern[str]:
    """`SHEET!ROW, COLUMN: reason`, `SHEET!ROW: reason`, `SHEET!CELL: reason` (a column the
    importer does not know: `危险源台帐!G1`), `SHEET, COLUMN: reason`, `SHEET: reason`."""
    # as messages show them: on one line
    names = sorted({str(one_line(n)) for n in [*sheet_names, *SPEC_SHEET_NAMES]},
                   key=len, reverse=True)
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"^(?:{alternatives})(?:![A-Z]{{0,3}}\d+)?(?:, .+)?: .+$")


class Sandbox:
    """A seeded store made once per test, copied afresh for every example."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pristine = root / "pristine.db"
        result = CliRunner().invoke(cli.cli, [
            "--db", str(self.pristine), "--lang", "en", "init", "--line", "L9",
            "--opening-date", "2026-12-28", "--handover-date", "2026-09-01"])
        assert result.exit_code == 0, result.output
        seed_line(str(self.pristine))
        checkpoint(self.pristine)  # one file to copy
        for suffix in ("-wal", "-shm"):
            Path(f"{self.pristine}{suffix}").unlink(missing_ok=True)
        self.pristine_hash = file_sha256(self.pristine)
        self.pristine_counts = table_counts(self.pristine)
        assert self.pristine_counts["locations"] == 4 and self.pristine_counts["people"] == 6
        self.db = root / "store.db"
        self.book = root / "book.xlsx"

    def reset(self) -> None:
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.pristine, self.db)

    def check(self, case: Case) -> None:
        self.reset()
        names = write_workbook(case, self.book)
        with hang_guard(EXAMPLE_TIMEOUT, f"importing {names}"):
            result = CliRunner().invoke(
                cli.cli, ["--db", str(self.db), "--lang", "en", "import", str(self.book)],
                catch_exceptions=True)
        out = result.output
        lines = out.rstrip("\n").split("\n")  # what a terminal shows as lines (not U+2028 …)
        event(f"exit {result.exit_code}")
        if result.exit_code == 1 and lines and lines[-1].startswith("Error: "):
            event("rejected: " + _reason_shape(lines))

        assert result.exit_code in (0, 1), f"exit {result.exit_code}\n{out}"
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            repr(result.exception)
        assert "Traceback" not in out, out
        assert "internal error" not in out, f"an unexpected exception reached the CLI:\n{out}"
        assert lines, "no output at all"
        place = place_pattern(names)
        if result.exit_code == 1:
            assert lines[-1].startswith("Error: "), out
            unplaced = [line for line in lines[:-1] if not place.match(line)]
            assert not unplaced, f"lines that name no place: {unplaced!r}\n{out}"
            assert file_sha256(self.db) == self.pristine_hash, f"a rejected import changed the store\n{out}"
            assert table_counts(self.db) == self.pristine_counts, \
                f"a rejected import changed row counts\n{out}"
        else:
            assert SUMMARY.match(lines[-1]), out
            unplaced = [line for line in lines[:-1] if not place.match(line)]
            assert not unplaced, f"lines that name no place: {unplaced!r}\n{out}"


def _reason_shape(lines: list[str]) -> str:
    """A coarse label for hypothesis statistics: what the first problem was about."""
    if len(lines) == 1:
        return re.sub(r"\S*/\S+", "PATH", lines[0][7:])[:40]
    reason = lines[0].split(": ", 1)[-1]
    return re.sub(r"“.*?”|'.*?'|\d+", "…", reason)[:40]


# --- the test: every importer ---------------------------------------------------------------

@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[str, Sandbox]]:
    """Per importer a temporary directory with its own seeded store, made on first use.
    Hypothesis cannot use function-scoped fixtures (tmp_path), so this uses `tempfile`.

    Every `Store.open` asks alembic for the head revision, which re-reads and compiles the
    migration scripts (~10 ms, a third of a small import): once per process for the CLI, once
    per example here. The answer cannot change during the run, so it is computed once."""
    from readiness.store import core

    dirs: list[tempfile.TemporaryDirectory[str]] = []
    patch = pytest.MonkeyPatch()
    patch.setattr(core, "head_revision", functools.cache(core.head_revision))

    class Lazy(dict):  # type: ignore[type-arg]
        def __missing__(self, kind: str) -> Sandbox:
            tmp = tempfile.TemporaryDirectory(prefix=f"readiness-fuzz-{kind}-")
            dirs.append(tmp)
            self[kind] = Sandbox(Path(tmp.name))
            return self[kind]

    try:
        yield Lazy()
    finally:
        patch.undo()
        for tmp in dirs:
            tmp.cleanup()


@pytest.mark.parametrize("kind", list(KINDS))
@FUZZ
@given(data=st.data())
def test_fuzz_importer(sandboxes: dict[str, Sandbox], kind: str, data: st.DataObject) -> None:
    sandboxes[kind].check(data.draw(workbook_cases(kind), label="case"))
