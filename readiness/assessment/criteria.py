"""The criteria's rules: each a small function from the assessment's inputs to a result.

Every result has `status` (pass / fail / not-applicable), `evidence` (the IDs of the rows that
decided it), a message key with parameters, and, for conditional criteria, `conditions`: the open
matters with an owner and a due date that the "ready with conditions" verdict carries.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from readiness.assessment.trial import add_months, indicators, latest_window
from readiness.dates import as_date

EVIDENCE_CAP = 500  # IDs kept per criterion in a snapshot; the total is always recorded


@dataclass
class Inputs:
    line: dict[str, Any]
    as_of: dt.date
    days: list[dict[str, Any]]
    hazards: list[dict[str, Any]]
    hazard_findings: list[Any]
    coverage: dict[str, Any]
    pdca: list[dict[str, Any]]
    org_findings: list[Any]
    checklist: list[dict[str, Any]]
    phase_changes: list[dict[str, Any]]
    # hidden dangers as they stood on as_of (hazards.dangers.standing_on) and the handbook
    # entries not checked at their frequency (hazards.handbook.inspections_due)
    dangers: list[dict[str, Any]] = field(default_factory=list)
    inspections_due: list[dict[str, Any]] = field(default_factory=list)
    inspection_start: dt.date | None = None  # when handbook inspections became due
    cache: dict[str, Any] = field(default_factory=dict)

    def window(self) -> list[dict[str, Any]]:
        if "window" not in self.cache:
            self.cache["window"] = latest_window(self.days, self.as_of)
        return self.cache["window"]  # type: ignore[no-any-return]

    def indicators(self) -> dict[str, float | None]:
        if "indicators" not in self.cache:
            self.cache["indicators"] = indicators(self.window())
        return self.cache["indicators"]  # type: ignore[no-any-return]


def result(ok: bool | None, key: str, evidence: list[str] | None = None,
           conditions: list[dict[str, Any]] | None = None, **params: Any) -> dict[str, Any]:
    evidence = evidence or []
    return {"status": "not-applicable" if ok is None else ("pass" if ok else "fail"),
            "evidence": evidence[:EVIDENCE_CAP], "evidence_total": len(evidence),
            "message_key": key, "params": params, "conditions": conditions or []}


# --- trial run -----------------------------------------------------------------------------------------

def trial_duration(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    days = sorted(day for day in (as_date(d["day"]) for d in i.days)
                  if day <= i.as_of)  # type: ignore[operator]
    if not days:
        return result(False, "criterion.trial-duration.none", months=c["months"])
    first, last = days[0], days[-1]
    needed = add_months(first, c["months"])  # type: ignore[arg-type]
    return result(last >= needed, "criterion.trial-duration", [first.isoformat(), last.isoformat()],
                  first=first.isoformat(), last=last.isoformat(), needed=needed.isoformat(),
                  months=c["months"])


def consecutive_days(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    window = i.window()
    ids = [str(d["day"]) for d in window]
    return result(len(window) >= c["days"], "criterion.consecutive-days",
                  [ids[0], ids[-1]] if ids else [], count=len(window), days=c["days"],
                  first=ids[0] if ids else "-", last=ids[-1] if ids else "-")


def indicator(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    window = i.window()
    value = i.indicators().get(c["indicator"])
    span = [str(window[0]["day"]), str(window[-1]["day"])] if window else []
    if value is None:
        ok = None if window else False
        return result(ok, "criterion.indicator.unmeasured", span, indicator=("indicator", c["indicator"]))
    # Compared at the precision the thresholds are written in, so 98.5 % meets "≥ 98.5".
    shown = round(value, 4) if math.isfinite(value) else value
    ok = shown >= c["threshold"] if c["op"] == ">=" else shown <= c["threshold"]
    return result(ok, "criterion.indicator", span, indicator=("indicator", c["indicator"]),
                  value="∞" if math.isinf(value) else f"{value:.4g}", op="≥" if c["op"] == ">=" else "≤",
                  threshold=f"{c['threshold']:g}", unit=c.get("unit", ""))


# --- hazards ---------------------------------------------------------------------------------------------

def _codes(findings: list[Any], *codes: str, subjects: set[str] | None = None) -> list[str]:
    return sorted({f.subject for f in findings if f.code in codes
                   and (subjects is None or f.subject in subjects)})


def hazards_scored(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    # A level judged directly on a stated basis (method `direct`, 直接判定) counts as scored: it
    # has no factors, so no residual score either.
    direct = {h["id"] for h in i.hazards if h.get("method") == "direct" and h.get("level")}
    bad = sorted({f.subject for f in i.hazard_findings if f.code == "hazard.no-score"
                  and not (f.subject in direct
                           and list(f.params.get("which") or ()) == ["risk_kind", "residual"])})
    return result(not bad if i.hazards else None, "criterion.hazards-scored", bad,
                  count=len(bad), total=len(i.hazards))


def hazards_controls(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    bad = _codes(i.hazard_findings, "hazard.weak-controls")
    return result(not bad if i.hazards else None, "criterion.hazards-controls", bad, count=len(bad))


def major_hazards_accepted(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    majors = {h["id"] for h in i.hazards if h["level"] == "major" and h["status"] != "eliminated"}
    bad = _codes(i.hazard_findings, "hazard.acceptance-missing", "hazard.acceptance-expired",
                 "hazard.acceptance-void", "hazard.acceptance-level-too-low", subjects=majors)
    return result(not bad if majors else None, "criterion.major-hazards-accepted", bad,
                  count=len(bad), total=len(majors))


def hazard_reviews(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    overdue = {f.subject: f for f in i.hazard_findings if f.code == "hazard.review-overdue"}
    by_id = {h["id"]: h for h in i.hazards}
    # the due date is the hazard's own next review date (by its review interval), never one
    # invented here; None when the record gives none
    conditions = [{"subject": s, "owner_unit": by_id[s]["owner_unit"], "owner": by_id[s]["owner"],
                   "due": _review_due(by_id[s], overdue[s])} for s in sorted(overdue)]
    return result(not overdue if i.hazards else None, "criterion.hazard-reviews",
                  sorted(overdue), conditions, count=len(overdue))


def _review_due(hazard: dict[str, Any], finding: Any) -> str | None:
    due = hazard.get("next_review") or (finding.params or {}).get("due")
    return str(due) if due else None


# --- drills ----------------------------------------------------------------------------------------------

def must_do_drills(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    must = [s for s in i.coverage["scenarios"] if s["must_do"]]
    bad = [s["id"] for s in must if not s["passed"]]
    return result(not bad if must else None, "criterion.must-do-drills", bad, count=len(bad),
                  total=len(must))


def drill_coverage(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    missing = [("drill_category", k) for k, v in i.coverage["categories"].items()
               if v["scenarios"] and not v["drilled"]]
    missing += [("drill_tier", k) for k, v in i.coverage["tiers"].items()
                if v["scenarios"] and not v["drilled"]]
    # the parameter is shown as the labels in the reader's language (vocab.shown)
    return result(not missing if i.coverage["scenarios"] else None, "criterion.drill-coverage",
                  [code for _, code in missing], missing=missing or "-")


def other_drills(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    left = [s for s in i.coverage["scenarios"] if not s["must_do"] and not s["latest_run"]]
    opening = i.line.get("planned_opening")
    conditions = [{"subject": s["id"], "owner_unit": None, "owner": None,
                   "due": str(opening) if opening else None} for s in left]
    return result(not left if i.coverage["scenarios"] else None, "criterion.other-drills",
                  [s["id"] for s in left], conditions, count=len(left))


# --- PDCA --------------------------------------------------------------------------------------------------

def _open(i: Inputs, cls: str | None = None) -> list[dict[str, Any]]:
    return [p for p in i.pdca if p["phase"] != "CLOSED" and (cls is None or p["class"] == cls)]


def _item_conditions(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"subject": p["id"], "owner_unit": p["owner_unit"], "owner": p["owner"],
             "due": str(p["due"]) if p["due"] else None} for p in items]


def no_open_blocking(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    items = _open(i, "blocking")
    return result(not items, "criterion.no-open-blocking", [p["id"] for p in items],
                  count=len(items))


def open_due_dated(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    items = _open(i, "due-dated")
    unowned = [p["id"] for p in items if not (p["owner"] or p["owner_unit"]) or not p["due"]]
    return result(not items, "criterion.open-due-dated", [p["id"] for p in items],
                  _item_conditions(items), count=len(items), unowned=len(unowned))


def overdue_items(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    items = [p for p in _open(i) if p["overdue"]]
    return result(not items, "criterion.overdue-items", [p["id"] for p in items],
                  _item_conditions(items), count=len(items))


# --- dual prevention: hidden dangers and handbook inspections -------------------------------------

def _not_closed(i: Inputs, grade: str) -> list[dict[str, Any]]:
    return [d for d in i.dangers if d["grade"] == grade and d["status"] != "closed"]


def major_dangers_closed(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    """A major hidden danger blocks until accepted and closed (验收销号)."""
    open_ = _not_closed(i, "major")
    closed = sum(1 for d in i.dangers if d["grade"] == "major") - len(open_)
    return result(not open_, "criterion.major-dangers-closed", [d["id"] for d in open_],
                  count=len(open_), closed=closed)


def general_dangers_on_time(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    """A general hidden danger past its deadline is a condition, with its responsible person."""
    late = [d for d in _not_closed(i, "general") if d["overdue"]]
    conditions = [{"subject": d["id"], "owner_unit": None, "owner": d["responsible"],
                   "due": str(d["deadline"])} for d in late]
    return result(not late, "criterion.general-dangers-on-time", [d["id"] for d in late],
                  conditions, count=len(late), open=len(_not_closed(i, "general")))


def handbook_inspections(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    """Every handbook entry checked at its frequency since inspections became due (the trial
    run's first day, else the handover); not applicable before then or without controls."""
    if i.inspection_start is None or not any(h["controls"] for h in i.hazards):
        return result(None, "criterion.handbook-inspections-none")
    late = i.inspections_due  # LateCheck tuples, ordered by the day each fell due
    # one condition per owner unit, not per control (a line that has not begun inspecting
    # would list every control): its earliest late control, how many more, that due date
    count = Counter(e.owner_unit for e in late)
    conditions = []
    for e in late:
        more = count.pop(e.owner_unit, None)  # the unit's first (earliest) late control
        if more is not None:
            conditions.append({"subject": _late_label(e) + (f" (+{more - 1})" if more > 1 else ""),
                               "owner_unit": e.owner_unit, "owner": e.owner,
                               "due": e.due.isoformat()})
    outcome = result(not late, "criterion.handbook-inspections",
                     [_late_label(e) for e in late[:EVIDENCE_CAP]], conditions,
                     count=len(late), since=str(i.inspection_start))
    outcome["evidence_total"] = len(late)
    return outcome


def _late_label(e: Any) -> str:
    return f"{e.hazard} / {e.control}"  # as the handbook lists it


# --- responsibility ---------------------------------------------------------------------------------------

ORG_BLOCKING = ("org.multiple-roots", "org.cycle", "org.level-not-below-parent", "org.unreachable",
                "org.letter-missing", "org.letter-expired", "org.letter-not-yet-valid",
                "org.owner-not-in-org")


def organisation_valid(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    bad = [f for f in i.org_findings if f.code in ORG_BLOCKING]
    bad += [f for f in i.hazard_findings if f.code in ("hazard.no-owner", "hazard.owner-not-in-org")]
    return result(not bad, "criterion.organisation-valid", sorted({f.subject for f in bad}),
                  count=len(bad))


def education(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    gaps = [f for f in i.org_findings if f.code == "org.education-missing"]
    opening = i.line.get("planned_opening")
    conditions = [{"subject": f.subject, "owner_unit": None, "owner": f.subject,
                   "due": str(opening) if opening else None} for f in gaps]
    return result(not gaps, "criterion.education", [f.subject for f in gaps], conditions,
                  count=len(gaps))


# --- phases and safety points -----------------------------------------------------------------------------

def _live(i: Inputs) -> list[dict[str, Any]]:
    """The safety points of the phases: items not dropped and without a chapter (an item with
    a chapter is an attested requirement of the spec, judged by `attested`)."""
    if "points" not in i.cache:
        i.cache["points"] = [x for x in i.checklist if not x["dropped"] and not x.get("chapter")]
    return i.cache["points"]  # type: ignore[no-any-return]


def checklist_blocking(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    items = [x for x in _live(i) if x["blocking"] and x["phase"] != "opening"
             and x["status"] not in ("verified", "not-applicable")]
    return result(not items if _live(i) else None, "criterion.checklist-blocking",
                  [x["id"] for x in items], count=len(items))


def checklist_open(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    items = [x for x in _live(i) if (not x["blocking"] or x["phase"] == "opening")
             and x["status"] not in ("verified", "not-applicable", "done")]
    conditions = [{"subject": x["id"], "owner_unit": x["owner_unit"], "owner": x["owner"],
                   "due": x["due"]} for x in items]
    return result(not items if _live(i) else None, "criterion.checklist-open",
                  [x["id"] for x in items], conditions, count=len(items))


def phase_overrides(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    overrides = [p for p in i.phase_changes if p["override"]]
    conditions = [{"subject": f"{p['from_phase']}→{p['to_phase']}", "owner_unit": None,
                   "owner": p["username"], "due": None, "reason": p["reason"]} for p in overrides]
    return result(not overrides, "criterion.phase-overrides",
                  [f"{p['from_phase']}→{p['to_phase']}" for p in overrides], conditions,
                  count=len(overrides))


# --- attested requirements of the spec ---------------------------------------------------------------

def _attested_by_area(i: Inputs) -> dict[str, list[dict[str, Any]]]:
    """The live attested items (those with a chapter) by area, grouped once per assessment."""
    if "attested" not in i.cache:
        groups: dict[str, list[dict[str, Any]]] = {}
        for x in i.checklist:
            if x.get("chapter") and not x["dropped"]:
                groups.setdefault(x.get("area") or "", []).append(x)
        i.cache["attested"] = groups
    return i.cache["attested"]  # type: ignore[no-any-return]


def attested(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    """The area's attested items: each blocking one verified (or not applicable); a conditional
    one not yet verified is a condition with its owner and its own due date (None when the
    owner set none). Done but not verified does not pass. No items: not applicable."""
    items = _attested_by_area(i).get(c["area"], [])
    if not items:
        return result(None, "criterion.attested.none", area=("assessment_area", c["area"]))
    settled = ("verified", "not-applicable")
    blocking = [x for x in items if x["blocking"] and x["status"] not in settled]
    conditional = [x for x in items if not x["blocking"] and x["status"] not in settled]
    conditions = [{"subject": x["id"], "owner_unit": x.get("owner_unit"), "owner": x.get("owner"),
                   "due": str(x["due"]) if x.get("due") else None} for x in conditional]
    if not (blocking or conditional):
        return result(True, "criterion.attested.pass", area=("assessment_area", c["area"]),
                      total=len(items))
    out = result(False, "criterion.attested",
                 [x["id"] for x in blocking + conditional], conditions,
                 area=("assessment_area", c["area"]),
                 count=len(blocking) + len(conditional), blocking=len(blocking),
                 total=len(items))
    out["blocking"] = bool(blocking)  # an open blocking item blocks, whatever the criterion
    return out


def fao_window(i: Inputs, c: dict[str, Any]) -> dict[str, Any]:
    """Every day of the latest window of consecutive opening-timetable days was run in fully
    automatic mode (a day not recorded as such is not shown to be)."""
    window = i.window()
    if not window:
        return result(False, "criterion.fao-window.none")
    other = [str(d["day"]) for d in window if d.get("fao_mode") is not True]
    return result(not other, "criterion.fao-window", other, count=len(other), days=len(window),
                  first=str(window[0]["day"]), last=str(window[-1]["day"]))


RULES: dict[str, Callable[[Inputs, dict[str, Any]], dict[str, Any]]] = {
    "trial-duration": trial_duration, "consecutive-days": consecutive_days,
    "indicator": indicator, "hazards-scored": hazards_scored,
    "hazards-controls": hazards_controls, "major-hazards-accepted": major_hazards_accepted,
    "hazard-reviews": hazard_reviews, "must-do-drills": must_do_drills,
    "drill-coverage": drill_coverage, "other-drills": other_drills,
    "no-open-blocking": no_open_blocking, "open-due-dated": open_due_dated,
    "overdue-items": overdue_items, "organisation-valid": organisation_valid,
    "education": education, "checklist-blocking": checklist_blocking,
    "checklist-open": checklist_open, "phase-overrides": phase_overrides,
    "attested": attested, "fao-window": fao_window,
    "major-dangers-closed": major_dangers_closed,
    "general-dangers-on-time": general_dangers_on_time,
    "handbook-inspections": handbook_inspections,
}
