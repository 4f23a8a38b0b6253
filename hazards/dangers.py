"""The library behind `readiness danger`: hidden dangers (隐患) from finding to closing (销号).

A hidden danger is found by an inspection result other than ok (`hazards.inspections`). Its
treatment plan records the five fixes (五定: measures, responsible person, funds, deadline,
contingency plan — all five for a major one; measures, responsible person and deadline for a
general one) and opens its rectification as a PDCA item (source inspection). A major one is
reported (to whom, when). It closes only by acceptance (验收销号): after its PDCA item is
closed, by someone other than the responsible person, at the organisation level the policy
(hazards/data/dangers.toml) requires; closing prompts the hazard's re-evaluation.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from readiness.actor import Actor
from readiness.errors import InvalidValue, coded
from readiness.store import dangers as danger_store
from readiness.store.core import Store
from readiness.store.lines import find_line

GRADES = ("major", "general")


# --- policy (rules: data, no I/O beyond reading the shipped file) -------------------------------

@cache
def policy() -> dict[str, Any]:
    """hazards/data/dangers.toml, checked: each figure with its basis."""
    from readiness.org.graph import LEVELS
    from readiness.sources import SourceDataError, check_refs

    data = tomllib.loads(resources.files("hazards").joinpath("data/dangers.toml")
                        .read_text("utf-8"))
    deadline = data["general_deadline"]
    if not isinstance(deadline.get("days"), int) or deadline["days"] < 1:
        raise SourceDataError("sources.invalid", where="dangers.toml general_deadline",
                              reason="days")
    check_refs(deadline.get("basis"), "dangers.toml general_deadline")
    for grade in GRADES:
        entry = data["acceptance_level"][grade]
        if entry.get("level") not in LEVELS:
            raise SourceDataError("sources.invalid", where=f"dangers.toml acceptance_level.{grade}",
                                  reason="level")
        check_refs(entry.get("basis"), f"dangers.toml acceptance_level.{grade}")
    return data


def general_deadline() -> int:
    """Days after it was found by which a general hidden danger is to be fixed."""
    return int(policy()["general_deadline"]["days"])


def acceptance_level(grade: str) -> str:
    """The lowest organisation level that may accept a hidden danger of `grade`."""
    return str(policy()["acceptance_level"][grade]["level"])


def level_reaches(level: str | None, required: str) -> bool:
    """Whether an organisation level is `required` or above it (company is the top)."""
    from readiness.org.graph import LEVELS

    return level in LEVELS and LEVELS.index(level) <= LEVELS.index(required)


def is_overdue(danger: dict[str, Any], as_of: dt.date) -> bool:
    return (danger["status"] != "closed" and danger["deadline"] is not None
            and danger["deadline"] < as_of)


def standing_on(rows: list[dict[str, Any]], phases: dict[str, str], as_of: dt.date
                ) -> list[dict[str, Any]]:
    """The hidden dangers as they stood on `as_of` (pure; rows as the store loads them): those
    found by then, closed only if accepted by then, rectified once their PDCA item is closed;
    each with id, grade, status, location, hazard, responsible, deadline and overdue."""
    out = []
    for r in rows:
        if r["found_on"] > as_of:
            continue
        closed = r["status"] == "closed" and r["accepted_on"] is not None \
            and r["accepted_on"] <= as_of
        status = "closed" if closed else ("planned" if r["pdca_code"] else "open")
        if status == "planned" and phases.get(r["pdca_code"]) == "CLOSED":
            status = "rectified"
        overdue = not closed and r["deadline"] is not None and r["deadline"] < as_of
        out.append({"id": r["code"], "grade": r["grade"], "status": status,
                    "location": r["location"], "hazard": r["hazard"],
                    "responsible": r["responsible"], "deadline": r["deadline"],
                    "found_on": r["found_on"], "reported_on": r["reported_on"],
                    "overdue": overdue})
    return out


# --- results ---------------------------------------------------------------------------------------

@dataclass(slots=True, frozen=True)
class HiddenDanger:
    """A hidden danger as of a date (`overdue`). `status` is open, planned, rectified (its PDCA
    item closed, awaiting acceptance) or closed."""

    id: str
    line: str
    grade: str  # major · general
    status: str
    location: str | None
    location_name: str | None
    hazard: str | None
    control: str | None  # the control's description (None: the hazard as a whole)
    control_id: int | None
    inspection: str
    result: str  # weakened · failed · missing
    found_on: dt.date
    found_by: str
    description: str | None
    evidence: str | None
    measures: str | None
    responsible: str | None
    funds: str | None
    deadline: dt.date | None
    contingency: str | None
    pdca: str | None
    pdca_phase: str | None
    reported_to: str | None
    reported_on: dt.date | None
    accepted_by: str | None
    accepted_on: dt.date | None
    acceptance_note: str | None
    overdue: bool
    days_overdue: int

    @property
    def steps(self) -> tuple[str, ...]:
        """The steps its state leaves open; the services refuse the others for the state
        alone: grade and plan while open, report while a major one is not closed, accept once
        rectified (a major one reported first)."""
        if self.status == "closed":
            return ()
        steps: tuple[str, ...] = ("grade", "plan") if self.status == "open" else ()
        if self.grade == "major":
            steps += ("report",)
        if self.status == "rectified" and (self.grade == "general" or self.reported_on):
            steps += ("accept",)
        return steps


def _danger(row: dict[str, Any], line: str, phases: dict[str, str], as_of: dt.date
            ) -> HiddenDanger:
    phase = phases.get(row["pdca_code"] or "")
    status = row["status"]
    if status == "planned" and phase == "CLOSED":
        status = "rectified"
    overdue = is_overdue(row, as_of)
    return HiddenDanger(
        id=row["code"], line=line, grade=row["grade"], status=status,
        location=row["location"], location_name=row["location_name"], hazard=row["hazard"],
        control=row["control"], control_id=row["control_id"], inspection=row["inspection"],
        result=row["result"], found_on=row["found_on"], found_by=row["found_by"],
        description=row["description"], evidence=row["evidence"], measures=row["measures"],
        responsible=row["responsible"], funds=row["funds"], deadline=row["deadline"],
        contingency=row["contingency"], pdca=row["pdca_code"], pdca_phase=phase,
        reported_to=row["reported_to"], reported_on=row["reported_on"],
        accepted_by=row["accepted_by"], accepted_on=row["accepted_on"],
        acceptance_note=row["acceptance_note"], overdue=overdue,
        days_overdue=(as_of - row["deadline"]).days if overdue else 0)


def _phases(session: Any, line_id: int) -> dict[str, str]:
    from readiness.store import pdca as pdca_store

    return {i["code"]: i["phase"] for i in pdca_store.load_items(session, line_id)
            if i["source"] == "inspection"}


def dangers_in(session: Any, line: Any, as_of: dt.date) -> list[HiddenDanger]:
    """Every hidden danger of `line` (a store line) within an open session."""
    rows = danger_store.load_dangers(session, line.id)
    phases = _phases(session, line.id)
    return [_danger(r, line.name, phases, as_of) for r in rows]


def show_danger(store: Store, line: str | None, code: str,
                as_of: dt.date | None = None) -> HiddenDanger:
    with store.read() as session:
        found = find_line(session, line)
        row = danger_store.load_danger(session, found.id, code)
        phases = _phases(session, found.id)
    return _danger(row, found.name, phases, as_of or dt.date.today())


def list_dangers(store: Store, line: str | None, *, as_of: dt.date | None = None,
                 grade: str | None = None, status: str | None = None, overdue: bool = False,
                 include_closed: bool = False) -> list[HiddenDanger]:
    """Hidden dangers not yet closed (all with `include_closed`), filtered by grade, status
    (codes or labels) or overdue as of `as_of` (default today)."""
    as_of = as_of or dt.date.today()
    grade = coded("danger_grade", "--grade", grade)
    status = coded("danger_status", "--status", status)
    with store.read() as session:
        found = find_line(session, line)
        rows = danger_store.load_dangers(session, found.id)
        phases = _phases(session, found.id)
    shown = [_danger(r, found.name, phases, as_of) for r in rows]
    return [d for d in shown
            if (include_closed or d.status != "closed" or status == "closed")
            and (grade is None or d.grade == grade) and (status is None or d.status == status)
            and (not overdue or d.overdue)]


def all_dangers(store: Store, line: str | None, as_of: dt.date | None = None
                ) -> list[HiddenDanger]:
    """Every hidden danger of the line, closed ones too (the ledger)."""
    return list_dangers(store, line, as_of=as_of, include_closed=True)


# --- writes ----------------------------------------------------------------------------------------

def grade_danger(store: Store, line: str | None, code: str, grade: str, *, actor: Actor,
                 as_of: dt.date | None = None, seen: int | None = None) -> HiddenDanger:
    """Re-grade a hidden danger before its treatment plan (the plan depends on the grade). A
    general one takes the default deadline from when it was found, a major one none yet.
    `seen`: the version the user's form showed (refused if it has changed since; None: no
    check, as at the command line)."""
    from readiness.audit import check_unchanged

    grade = coded("danger_grade", "--grade", grade, required=True)  # type: ignore[assignment]
    with store.write(actor, f"danger grade {code}") as session:
        found = find_line(session, line)
        row = danger_store.load_danger(session, found.id, code)
        check_unchanged(session, "hidden_dangers", code, seen, found.id)
        if row["status"] != "open":
            raise InvalidValue("danger.grade_after_plan", id=code,
                               status=("danger_status", row["status"]))
        deadline = (row["found_on"] + dt.timedelta(days=general_deadline())
                    if grade == "general" else None)
        danger_store.update_danger(session, row, {"grade": grade, "deadline": deadline})
    return show_danger(store, line, code, as_of)


PLAN_FIELDS = ("measures", "responsible", "funds", "deadline", "contingency")
NEEDED = {"major": PLAN_FIELDS, "general": ("measures", "responsible", "deadline")}
PLAN_OPTIONS = {"measures": "--measures", "responsible": "--responsible", "funds": "--funds",
                "deadline": "--deadline", "contingency": "--contingency"}


def plan_danger(store: Store, line: str | None, code: str, data: dict[str, Any], *,
                actor: Actor, on: dt.date | None = None, as_of: dt.date | None = None,
                seen: int | None = None) -> HiddenDanger:
    """Record the five fixes and open the rectification as a PDCA item (source inspection,
    source ref the hidden danger's ID; blocking for a major one, due-dated for a general one).
    `data`: measures, responsible (staff ID or unique name), funds, deadline (a date),
    contingency. A general one's deadline defaults to the one it was given when found.
    `seen`: the version the user's form showed (refused if it has changed since)."""
    from readiness.audit import check_unchanged
    from readiness.pdca.items import item_row
    from readiness.store import pdca as pdca_store
    from readiness.store.org import find_person

    on = on or dt.date.today()
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    # one write: the PDCA item and the plan that names it land together or not at all
    with store.write(actor, f"danger plan {code}") as session:
        found = find_line(session, line)
        row = danger_store.load_danger(session, found.id, code)
        check_unchanged(session, "hidden_dangers", code, seen, found.id)
        if row["status"] != "open" or row["pdca_code"]:
            raise InvalidValue("danger.already_planned", id=code, pdca=row["pdca_code"] or "-")
        if row["grade"] == "general" and not data.get("deadline"):
            data["deadline"] = row["deadline"] or on + dt.timedelta(days=general_deadline())
        missing = [PLAN_OPTIONS[f] for f in NEEDED[row["grade"]] if not data.get(f)]
        if missing:
            raise InvalidValue("danger.plan_missing", id=code,
                               grade=("danger_grade", row["grade"]), fields=" ".join(missing))
        person = find_person(session, data["responsible"], "--responsible")
        title = f"{code} {row['description'] or row['control'] or row['hazard_description'] or ''}"
        item = item_row({
            "title": title.strip()[:300], "description": data["measures"], "source": "inspection",
            "source_ref": code, "kind": "other",
            "class": "blocking" if row["grade"] == "major" else "due-dated",
            "hazards": [row["hazard"]] if row["hazard"] else [],
            "owner_unit": person["unit_code"], "owner": person["staff_id"],
            "due": data["deadline"]}, on)
        (pdca_code,) = pdca_store.open_items(session, found.id, [item], on)
        danger_store.update_danger(session, row, {
            "measures": data["measures"], "responsible": person["staff_id"],
            "funds": data.get("funds"), "deadline": data["deadline"],
            "contingency": data.get("contingency"), "pdca_code": pdca_code, "status": "planned"})
    return show_danger(store, line, code, as_of)


def report_danger(store: Store, line: str | None, code: str, *, to: str, actor: Actor,
                  on: dt.date | None = None, today: dt.date | None = None,
                  seen: int | None = None) -> HiddenDanger:
    """Record that a major hidden danger was reported: to whom (the authority, the workers'
    congress …) and when (`on`, default today; not in the future). `seen`: the version the
    user's form showed (refused if it has changed since)."""
    from readiness.audit import check_unchanged

    today = today or dt.date.today()
    on = on or today
    if on > today:
        raise InvalidValue("option.in_future", option="--on", value=on.isoformat(),
                           today=today.isoformat())
    if not (to or "").strip():
        raise InvalidValue("danger.report_needs_to")
    with store.write(actor, f"danger report {code}") as session:
        found = find_line(session, line)
        row = danger_store.load_danger(session, found.id, code)
        check_unchanged(session, "hidden_dangers", code, seen, found.id)
        if row["grade"] != "major":
            raise InvalidValue("danger.report_general", id=code)
        danger_store.update_danger(session, row, {"reported_to": to.strip(), "reported_on": on})
    return show_danger(store, line, code, today)


def accept_danger(store: Store, line: str | None, code: str, *, by: str, actor: Actor,
                  on: dt.date | None = None, note: str | None = None,
                  today: dt.date | None = None, account: Any = None,
                  seen: int | None = None) -> HiddenDanger:
    """Accept and close (验收销号) a hidden danger on `on` (default today). Refused, one reason at
    a time: already closed; no treatment plan; its PDCA item not closed; a major one not yet
    reported; `by` (staff ID or unique name) is the responsible person; `by`'s unit is below
    the level the policy requires for the grade. Closing marks the hazard for re-evaluation.
    Once the store has accounts, `account` (authenticated) must be `by`'s own and allowed to
    accept risk on the line: acceptance is a legal act, as a risk acceptance is. `seen`: the
    version the user's form showed (refused if it has changed since)."""
    from readiness.accounts import check_signer
    from readiness.audit import check_unchanged
    from readiness.store.hazards import set_needs_reevaluation
    from readiness.store.org import find_person, org_index

    today = today or dt.date.today()
    on = on or today
    if on > today:
        raise InvalidValue("option.in_future", option="--on", value=on.isoformat(),
                           today=today.isoformat())
    with store.write(actor, f"danger accept {code}") as session:
        found = find_line(session, line)
        row = danger_store.load_danger(session, found.id, code)
        check_unchanged(session, "hidden_dangers", code, seen, found.id)
        if row["status"] == "closed":
            raise InvalidValue("danger.already_closed", id=code, by=row["accepted_by"] or "-")
        if not row["pdca_code"]:
            raise InvalidValue("danger.accept_unplanned", id=code)
        phase = _phases(session, found.id).get(row["pdca_code"])
        if phase != "CLOSED":
            raise InvalidValue("danger.accept_pdca_open", id=code, pdca=row["pdca_code"],
                               phase=phase or "-")
        if row["grade"] == "major" and not row["reported_on"]:
            raise InvalidValue("danger.accept_unreported", id=code)
        person = find_person(session, by, "--by")
        check_signer(session, account, "risk-accept", found.name, person)
        who = {"who": person["name"], "staff_id": person["staff_id"]}
        if person["staff_id"] == row["responsible"]:
            raise InvalidValue("danger.accept_responsible", id=code, **who)
        unit = org_index(session)["units"].get(person["unit_code"])
        required = acceptance_level(row["grade"])
        level = unit["level"] if unit else None
        if not level_reaches(level, required):
            raise InvalidValue("danger.accept_level", id=code, **who,
                               level=("org_level", level) if level else "-",
                               required=("org_level", required),
                               grade=("danger_grade", row["grade"]))
        danger_store.update_danger(session, row, {
            "status": "closed", "accepted_by": person["staff_id"], "accepted_on": on,
            "acceptance_note": (note or "").strip() or None})
        if row["hazard"]:
            set_needs_reevaluation(session, found.id, [row["hazard"]], True)
    return show_danger(store, line, code, today)
