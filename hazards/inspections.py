"""The library behind `readiness inspection`: hidden-danger inspections (隐患排查) and their results.

An inspection (routine, periodic or special) checks controls of the hazard register; each result
is ok, weakened, failed or missing. A result other than ok needs a grade (general or major) and
finds exactly one hidden danger (`hazards.dangers`). Recording an inspection again with the same
results (a workbook imported twice) adds nothing: results are matched on inspection ID, hazard
and control.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from readiness import vocab
from readiness.actor import Actor
from readiness.errors import InvalidValue, NotFound
from readiness.store import dangers as danger_store
from readiness.store.core import Store
from readiness.store.lines import find_line

Errors = list[tuple[str, str, dict[str, Any]]]  # (field, message key, parameters)

# Short forms a sheet may use for a coded value: 一般 for 一般隐患, 日常 for 日常排查 …
SUFFIXES = {"danger_grade": "隐患", "inspection_kind": "排查"}


@dataclass(slots=True, frozen=True)
class InspectionResult:
    hazard: str
    control_id: int | None
    control: str | None  # the control's description
    result: str  # ok · weakened · failed · missing
    grade: str | None  # general · major (a result other than ok)
    finding: str | None
    evidence: str | None
    danger: str | None  # the hidden danger it found (YH-0001)


@dataclass(slots=True, frozen=True)
class Inspection:
    id: str
    line: str
    on: dt.date
    kind: str
    reason: str | None  # a special inspection's reason
    inspector: str
    location: str | None
    results: list[InspectionResult]


@dataclass(slots=True, frozen=True)
class Recorded:
    """What `inspection record` did: the inspection as now stored, results added, hidden
    dangers found."""

    inspection: Inspection
    created: int
    unchanged: int
    dangers: list[str]


def coded_word(set_name: str, value: Any) -> str | None:
    """The code of a value in `set_name` (a code, a label, or its short Chinese form)."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    code = vocab.parse(set_name, text)
    if code is None and set_name in SUFFIXES:
        code = vocab.parse(set_name, text + SUFFIXES[set_name])
    return code


class Refs:
    """What resolving an inspection needs: the line's hazards and controls, locations, people."""

    def __init__(self, session: Any, line_id: int) -> None:
        from readiness.store.lines import list_locations
        from readiness.store.org import org_index

        self.line_id = line_id
        self.hazards = danger_store.hazard_controls(session, line_id)
        locations = list_locations(session, line_id)
        self.locations = {loc["code"]: loc["id"] for loc in locations}
        self.location_names: dict[str, list[int]] = {}
        for loc in locations:
            self.location_names.setdefault(loc["name"], []).append(loc["id"])
        self.people = org_index(session)["people"]
        self.people_by_name: dict[str, list[str]] = {}
        for person in self.people.values():
            self.people_by_name.setdefault(person["name"], []).append(person["staff_id"])

    def person(self, value: Any, field: str, errors: Errors) -> str | None:
        text = str(value or "").strip()
        if text in self.people:
            return text
        named = self.people_by_name.get(text, [])
        if len(named) == 1:
            return named[0]
        if named:
            errors.append((field, "inspection.ambiguous_person",
                           {"value": text, "ids": ", ".join(sorted(named))}))
        else:
            errors.append((field, "inspection.unknown_person", {"value": text}))
        return None

    def location(self, value: Any, field: str, errors: Errors) -> int | None:
        if value in (None, ""):
            return None
        text = str(value).strip()
        if text in self.locations:
            return self.locations[text]
        named = self.location_names.get(text, [])
        if len(named) == 1:
            return named[0]
        errors.append((field, "inspection.unknown_location", {"value": text}))
        return None

    def control(self, hazard: dict[str, Any], value: Any, field: str,
                errors: Errors) -> tuple[int | None, bool]:
        """The control of `hazard` named by its ID or its description (unique in the hazard);
        (None, True) for a blank cell (the hazard as a whole), (None, False) when refused."""
        if value in (None, ""):
            return None, True
        text = str(value).strip()
        by_id = [c for c in hazard["controls"] if str(c["id"]) == text]
        if by_id:
            return by_id[0]["id"], True
        wanted = vocab.normalise(text)
        named = [c for c in hazard["controls"] if vocab.normalise(c["description"] or "") == wanted]
        if len(named) == 1:
            return named[0]["id"], True
        if named:
            errors.append((field, "inspection.ambiguous_control",
                           {"hazard": hazard["code"], "value": text,
                            "ids": ", ".join(str(c["id"]) for c in named)}))
        else:
            errors.append((field, "inspection.unknown_control",
                           {"hazard": hazard["code"], "value": text,
                            "ids": ", ".join(str(c["id"]) for c in hazard["controls"]) or "-"}))
        return None, False


def resolve_header(refs: Refs, values: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """An inspection's own fields (code, date, kind, reason, inspector, location) resolved;
    each problem is appended to `errors` under the field that holds it."""
    kind = coded_word("inspection_kind", values.get("kind"))
    if kind is None:
        errors.append(("kind", "inspection.bad_kind", {"value": values.get("kind") or ""}))
    reason = (values.get("reason") or "").strip() or None
    return {"code": str(values.get("code") or "").strip(), "inspected_on": values.get("date"),
            "kind": kind, "special_reason": reason,
            "inspector": refs.person(values.get("inspector"), "inspector", errors),
            "location_id": refs.location(values.get("location"), "location", errors)}


def resolve_result(refs: Refs, values: dict[str, Any], errors: Errors) -> dict[str, Any] | None:
    """One result (hazard, control, result, grade, finding, evidence) resolved, or None."""
    before = len(errors)
    hazard = refs.hazards.get(str(values.get("hazard") or "").strip())
    if hazard is None:
        errors.append(("hazard", "inspection.unknown_hazard", {"value": values.get("hazard") or ""}))
        return None
    control_id, _ok = refs.control(hazard, values.get("control"), "control", errors)
    result = coded_word("inspection_result", values.get("result"))
    if result is None:
        errors.append(("result", "inspection.bad_result", {"value": values.get("result") or ""}))
    grade = coded_word("danger_grade", values.get("grade"))
    if values.get("grade") not in (None, "") and grade is None:
        errors.append(("grade", "inspection.bad_grade", {"value": values["grade"]}))
    elif result not in (None, "ok") and grade is None:
        errors.append(("grade", "inspection.needs_grade",
                       {"result": ("inspection_result", result)}))
    elif result == "ok" and grade is not None:
        errors.append(("grade", "inspection.ok_has_grade", {}))
    if len(errors) > before:
        return None
    return {"hazard_id": hazard["id"], "hazard": hazard["code"], "control_id": control_id,
            "result": result, "grade": grade,
            "finding": (values.get("finding") or "").strip() or None,
            "evidence": (values.get("evidence") or "").strip() or None}


def check_header(header: dict[str, Any], today: dt.date, errors: Errors) -> None:
    if not header["code"]:
        errors.append(("code", "inspection.needs_id", {}))
    if header["inspected_on"] is None:
        errors.append(("date", "inspection.needs_date", {}))
    elif header["inspected_on"] > today:
        errors.append(("date", "inspection.in_future",
                       {"value": header["inspected_on"].isoformat(), "today": today.isoformat()}))
    if header["kind"] == "special" and not header["special_reason"]:
        errors.append(("kind", "inspection.special_needs_reason", {}))


HEADER_FIELDS = ("inspected_on", "kind", "special_reason", "inspector", "location_id")


def compare(stored: dict[str, Any] | None, header: dict[str, Any],
            results: list[dict[str, Any]]) -> tuple[list[tuple[int, str, dict[str, Any]]],
                                                    list[dict[str, Any]], int]:
    """Against the stored inspection (if any): problems (index of the result or -1 for the
    header, message key, parameters), the results to add, how many are already stored as they
    are. A result once recorded is not changed: a different one is refused."""
    problems: list[tuple[int, str, dict[str, Any]]] = []
    if stored is None:
        return problems, list(results), 0
    # the location is not compared: a stored one reads as its code, a given one as its row ID
    differs = [f for f in HEADER_FIELDS if f != "location_id" and stored[f] != header[f]]
    if differs:
        problems.append((-1, "inspection.header_differs",
                         {"id": header["code"], "on": stored["inspected_on"].isoformat(),
                          "inspector": stored["inspector"]}))
    known = {(r["hazard"], r["control_id"]): r for r in stored["results"]}
    new, same = [], 0
    for index, r in enumerate(results):
        old = known.get((r["hazard"], r["control_id"]))
        if old is None:
            new.append(r)
        elif all(old[k] == r[k] for k in ("result", "grade", "finding", "evidence")):
            same += 1
        else:
            problems.append((index, "inspection.result_recorded",
                             {"id": header["code"], "hazard": r["hazard"],
                              "result": ("inspection_result", old["result"])}))
    return problems, new, same


def write_inspection(session: Any, line_id: int, stored: dict[str, Any] | None,
                     header: dict[str, Any], new: list[dict[str, Any]]) -> list[str]:
    """Store an inspection (if new) and its new results; each result other than ok finds one
    hidden danger (a general one with the default deadline). Returns the new danger IDs."""
    return write_inspections(session, line_id, [(stored, header, new)])


def write_inspections(session: Any, line_id: int,
                      plans: list[tuple[dict[str, Any] | None, dict[str, Any],
                                        list[dict[str, Any]]]]) -> list[str]:
    """`write_inspection` for many at once (stored or None, header, new results): one insert
    per table, so a workbook of thousands of rounds is as quick as one."""
    from hazards.dangers import general_deadline

    fresh = [header for stored, header, _ in plans if stored is None]
    fresh_ids = iter(danger_store.insert_inspections(session, line_id, [
        {k: h[k] for k in ("code", *HEADER_FIELDS)} for h in fresh]))
    results, headers = [], []
    for stored, header, new in plans:
        inspection_id = next(fresh_ids) if stored is None else stored["row_id"]
        for r in new:
            results.append({"inspection_id": inspection_id, **{k: r[k] for k in (
                "hazard_id", "control_id", "result", "finding", "grade", "evidence")}})
            headers.append(header)
    ids = danger_store.insert_results(session, results)
    found = [(rid, r, h) for rid, r, h in zip(ids, results, headers) if r["result"] != "ok"]
    deadline = dt.timedelta(days=general_deadline())
    return danger_store.insert_dangers(session, line_id, [
        {"result_id": rid, "grade": r["grade"], "status": "open",
         "found_on": h["inspected_on"], "found_by": h["inspector"], "description": r["finding"],
         "deadline": h["inspected_on"] + deadline if r["grade"] == "general" else None}
        for rid, r, h in found])


def parse_result_option(text: str) -> dict[str, Any]:
    """`HAZARD[:CONTROL]=RESULT[/GRADE][@FINDING]` as the command line gives it: CONTROL is the
    control's ID or its description; RESULT and GRADE are codes or labels."""
    left, sep, right = text.partition("=")
    if not sep or not left.strip() or not right.strip():
        raise InvalidValue("inspection.bad_result_option", value=text)
    hazard, _, control = left.partition(":")
    outcome, _, finding = right.partition("@")
    result, _, grade = outcome.partition("/")
    return {"hazard": hazard.strip(), "control": control.strip() or None,
            "result": result.strip(), "grade": grade.strip() or None,
            "finding": finding.strip() or None, "evidence": None}


OPTION = {"code": "ID", "date": "--on", "kind": "--kind", "inspector": "--inspector",
          "location": "--location", "reason": "--reason"}


def record_inspection(store: Store, line: str | None, data: dict[str, Any], *, actor: Actor,
                      today: dt.date | None = None) -> Recorded:
    """Record an inspection: `data` has id, on (a date), kind, reason (a special one's),
    inspector (staff ID or unique name), location (ID or name) and results, each a
    `HAZARD[:CONTROL]=RESULT[/GRADE][@FINDING]` text or a dict of those fields."""
    today = today or dt.date.today()
    results_given = [parse_result_option(r) if isinstance(r, str) else dict(r)
                     for r in data.get("results") or []]
    if not results_given:
        raise InvalidValue("inspection.needs_result")
    with store.write(actor, f"inspection record {data.get('id')}") as session:
        found = find_line(session, line)
        refs = Refs(session, found.id)
        errors: Errors = []
        header = resolve_header(refs, {**data, "code": data.get("id"), "date": data.get("on")},
                                errors)
        check_header(header, today, errors)
        _raise_first(errors, OPTION)
        results = []
        for index, given in enumerate(results_given):
            resolved = resolve_result(refs, given, errors)
            if errors:
                _field, key, params = errors[0]
                raise AtOption(f"--result {results_given[index].get('hazard')}", key, **params)
            results.append(resolved)
        seen: set[tuple[str, int | None]] = set()
        for r in results:
            if (r["hazard"], r["control_id"]) in seen:
                raise InvalidValue("inspection.result_twice", hazard=r["hazard"],
                                   id=header["code"])
            seen.add((r["hazard"], r["control_id"]))
        stored = next(iter(danger_store.load_inspections(session, found.id, [header["code"]])),
                      None)
        problems, new, same = compare(stored, header, results)
        if problems:
            _index, key, params = problems[0]
            raise InvalidValue(key, **params)  # names the inspection and the hazard itself
        dangers = write_inspection(session, found.id, stored, header, new)
    return Recorded(show_inspection(store, line, header["code"]), len(new), same, dangers)


class AtOption(InvalidValue):
    """A value refused at the command line: `OPTION: reason`, the reason as a sheet's cell
    problem would give it."""

    def __init__(self, option: str, key: str, **params: object) -> None:
        self.option = option
        super().__init__(key, **params)

    def message(self, lang: str | None = None) -> str:
        return f"{self.option}: {super().message(lang)}"


def _raise_first(errors: Errors, options: dict[str, str]) -> None:
    if errors:
        field, key, params = errors[0]
        raise AtOption(options.get(field, field), key, **params)


def _inspection(row: dict[str, Any], line: str) -> Inspection:
    return Inspection(
        id=row["code"], line=line, on=row["inspected_on"], kind=row["kind"],
        reason=row["special_reason"], inspector=row["inspector"], location=row["location"],
        results=[InspectionResult(**{k: r[k] for k in (
            "hazard", "control_id", "control", "result", "grade", "finding", "evidence",
            "danger")}) for r in row["results"]])


def show_inspection(store: Store, line: str | None, code: str) -> Inspection:
    with store.read() as session:
        found = find_line(session, line)
        rows = danger_store.load_inspections(session, found.id, [code])
    if not rows:
        raise NotFound("inspection.not_found", id=code)
    return _inspection(rows[0], found.name)


def list_inspections(store: Store, line: str | None, *, kind: str | None = None,
                     since: dt.date | None = None) -> list[Inspection]:
    """The line's inspections by date, optionally of one kind (code or label) or since a date."""
    from readiness.errors import coded

    wanted = coded("inspection_kind", "--kind", kind)
    with store.read() as session:
        found = find_line(session, line)
        rows = danger_store.load_inspections(session, found.id)
    return [_inspection(r, found.name) for r in rows
            if (wanted is None or r["kind"] == wanted)
            and (since is None or r["inspected_on"] >= since)]
