"""Assessment rules on fixed inputs: every indicator of every profile at and beyond its
threshold, window selection, the 3-month rule on month ends, each other criterion, verdicts."""

from __future__ import annotations

import datetime as dt

import pytest

from readiness.assessment.assess import evaluate
from readiness.assessment.criteria import RULES, Inputs
from readiness.assessment.profiles import load_profile
from readiness.assessment.trial import add_months, latest_window
from readiness.findings import Finding

AS_OF = dt.date(2026, 11, 23)
FIRST = dt.date(2026, 10, 24)  # 20 days to 2026-11-12, and more before

# Totals over a 20-day window that make each indicator exactly `value`.
WKM = 100  # 万列公里 over the window: 1,000,000 train-km
OPS = 1_000_000  # platform screen door operations over the window


def totals_for(indicator: str, value: float) -> dict[str, float]:
    base = {"trains_planned": 100_000, "trains_run": 100_000, "trains_on_time": 100_000,
            "train_km": WKM * 10_000, "psd_operations": OPS, "wakeups_planned": 1000,
            "wakeups_ok": 1000, "sleeps_planned": 1000, "sleeps_ok": 1000}
    field = {"fulfilment": ("trains_run", 1000), "punctuality": ("trains_on_time", 1000),
             "withdrawal_rate": ("withdrawals", WKM), "vehicle_failure_rate": ("vehicle_failures", WKM),
             "signalling_failure_rate": ("signalling_failures", WKM),
             "power_failure_rate": ("power_failures", WKM), "fao_dropout_rate": ("fao_dropouts", WKM),
             "psd_failure_rate": ("psd_failures", OPS / 10_000),
             "gap_detector_rate": ("gap_detector_faults", OPS / 10_000),
             "wakeup_success": ("wakeups_ok", 10), "sleep_success": ("sleeps_ok", 10)}
    if indicator == "service_reliability":
        base["delays_5min"] = round(WKM / value)
        return base
    name, scale = field[indicator]
    base[name] = round(value * scale)
    if indicator == "fulfilment":
        base["trains_on_time"] = base["trains_run"]
    return base


def window_days(totals: dict[str, float], n: int = 20, start: dt.date = FIRST) -> list[dict]:
    days = []
    for k in range(n):
        day = {"day": start + dt.timedelta(days=k), "opening_timetable": True}
        for key, total in totals.items():
            share = total // n + (total % n if k == 0 else 0) if isinstance(total, int) else total / n
            day[key] = share
        days.append(day)
    return days


def inputs(**kw) -> Inputs:
    base = dict(line={"planned_opening": dt.date(2026, 12, 28)}, as_of=AS_OF, days=[], hazards=[],
                hazard_findings=[], coverage={"scenarios": [], "categories": {}, "tiers": {}},
                pdca=[], org_findings=[], checklist=[], phase_changes=[])
    base.update(kw)
    return Inputs(**base)


INDICATOR_CASES = [(name, c) for name in ("mot-2019", "mot-2023", "mot-2023-fao")
                   for c in load_profile(name)["criteria"] if c["rule"] == "indicator"]


@pytest.mark.parametrize("profile,criterion", INDICATOR_CASES,
                         ids=[f"{p}-{c['id']}" for p, c in INDICATOR_CASES])
def test_every_indicator_passes_at_its_threshold_and_fails_beyond(profile, criterion) -> None:
    rule = RULES["indicator"]
    at = inputs(days=window_days(totals_for(criterion["indicator"], criterion["threshold"])))
    assert rule(at, criterion)["status"] == "pass"
    worse = totals_for(criterion["indicator"], criterion["threshold"])
    if criterion["indicator"] == "service_reliability":
        worse["delays_5min"] += 1
    else:
        key = next(k for k, v in worse.items()
                   if k not in totals_for("punctuality", 100) or v != totals_for("punctuality", 100)[k])
        worse[key] += -10 if criterion["op"] == ">=" else 1
    assert rule(inputs(days=window_days(worse)), criterion)["status"] == "fail"


def test_punctuality_edges_between_editions() -> None:
    c2019 = next(c for c in load_profile("mot-2019")["criteria"] if c["id"] == "TR-PUNCTUALITY")
    c2023 = next(c for c in load_profile("mot-2023")["criteria"] if c["id"] == "TR-PUNCTUALITY")
    at_984 = inputs(days=window_days(totals_for("punctuality", 98.4)))
    assert RULES["indicator"](at_984, c2023)["status"] == "fail"
    assert RULES["indicator"](at_984, c2019)["status"] == "pass"
    at_985 = inputs(days=window_days(totals_for("punctuality", 98.5)))
    assert RULES["indicator"](at_985, c2023)["status"] == "pass"


def test_fao_profile_extends_2023() -> None:
    fao = {c["id"]: c for c in load_profile("mot-2023-fao")["criteria"]}
    conventional = {c["id"]: c for c in load_profile("mot-2023")["criteria"]}
    assert set(conventional) < set(fao)
    assert fao["TR-RELIABILITY"]["threshold"] == 10 and conventional["TR-RELIABILITY"]["threshold"] == 5
    assert fao["TR-PUNCTUALITY"] == conventional["TR-PUNCTUALITY"]
    assert {"TR-GAP-DETECTOR", "TR-FAO-DROPOUT", "TR-WAKEUP", "TR-SLEEP"} <= set(fao)


def test_window_is_the_most_recent_run_of_opening_timetable_days() -> None:
    early = window_days(totals_for("punctuality", 99), 25, dt.date(2026, 9, 1))
    gap = [{**early[0], "day": dt.date(2026, 10, 1), "opening_timetable": False}]
    recent = window_days(totals_for("punctuality", 99), 21, dt.date(2026, 10, 2))
    chosen = latest_window(early + gap + recent, AS_OF)
    assert (chosen[0]["day"], chosen[-1]["day"], len(chosen)) == (dt.date(2026, 10, 2),
                                                                  dt.date(2026, 10, 22), 21)
    broken = recent[:10] + recent[11:]  # a missing day breaks the run
    assert len(latest_window(broken, AS_OF)) == 10
    assert latest_window(recent, dt.date(2026, 10, 10))[-1]["day"] == dt.date(2026, 10, 10)


def test_consecutive_days_rule() -> None:
    rule, c = RULES["consecutive-days"], {"days": 20}
    assert rule(inputs(days=window_days(totals_for("punctuality", 99), 20)), c)["status"] == "pass"
    assert rule(inputs(days=window_days(totals_for("punctuality", 99), 19)), c)["status"] == "fail"


@pytest.mark.parametrize("first,last,ok", [
    ("2026-08-20", "2026-11-20", True), ("2026-08-20", "2026-11-19", False),
    ("2026-11-30", "2027-02-28", True), ("2026-11-30", "2027-02-27", False),
    ("2026-08-31", "2026-11-30", True), ("2027-11-30", "2028-02-29", True)])
def test_three_month_rule_on_month_ends(first, last, ok) -> None:
    days = [{"day": dt.date.fromisoformat(first), "opening_timetable": False},
            {"day": dt.date.fromisoformat(last), "opening_timetable": True}]
    result = RULES["trial-duration"](inputs(days=days, as_of=dt.date(2028, 12, 31)), {"months": 3})
    assert (result["status"] == "pass") is ok
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


def f(code, subject):
    return Finding(code, subject)


H = [{"id": "H-1", "level": "major", "status": "controlled", "owner_unit": "U", "owner": "1"},
     {"id": "H-2", "level": "general", "status": "controlled", "owner_unit": "U", "owner": "1"}]


@pytest.mark.parametrize("rule,good,bad", [
    ("hazards-scored", {"hazards": H}, {"hazards": H, "hazard_findings": [f("hazard.no-score", "H-2")]}),
    ("hazards-controls", {"hazards": H}, {"hazards": H, "hazard_findings": [f("hazard.weak-controls", "H-1")]}),
    ("major-hazards-accepted", {"hazards": H, "hazard_findings": [f("hazard.acceptance-missing", "H-2")]},
     {"hazards": H, "hazard_findings": [f("hazard.acceptance-void", "H-1")]}),
    ("hazard-reviews", {"hazards": H}, {"hazards": H, "hazard_findings": [f("hazard.review-overdue", "H-2")]}),
    ("organisation-valid", {"org_findings": [f("org.education-missing", "5")]},
     {"org_findings": [f("org.letter-expired", "5→TM")]}),
    ("education", {"org_findings": [f("org.letter-expired", "5→TM")]},
     {"org_findings": [f("org.education-missing", "5")]}),
])
def test_finding_based_criteria_pass_and_fail(rule, good, bad) -> None:
    assert RULES[rule](inputs(**good), {})["status"] == "pass"
    result = RULES[rule](inputs(**bad), {})
    assert result["status"] == "fail" and result["evidence"]


def scenario(sid, must, passed, ran=True, category="emergency", tier="special"):
    return {"id": sid, "must_do": must, "passed": passed, "latest_run": "R-1" if ran else None,
            "category": category, "tier": tier}


def coverage(*scenarios, missing_tier=False):
    cats = {"operation": {"scenarios": 1, "drilled": 1}, "emergency": {"scenarios": 1, "drilled": 1}}
    tiers = {"on-site": {"scenarios": 1, "drilled": 0 if missing_tier else 1}}
    return {"scenarios": list(scenarios), "categories": cats, "tiers": tiers}


def test_drill_criteria() -> None:
    ok = inputs(coverage=coverage(scenario("A", True, True), scenario("B", False, False)))
    assert RULES["must-do-drills"](ok, {})["status"] == "pass"
    assert RULES["other-drills"](ok, {})["status"] == "pass"
    bad = inputs(coverage=coverage(scenario("A", True, False), scenario("B", False, False, ran=False),
                                   missing_tier=True))
    assert RULES["must-do-drills"](bad, {})["evidence"] == ["A"]
    assert RULES["other-drills"](bad, {})["conditions"][0]["due"] == "2026-12-28"
    assert RULES["drill-coverage"](bad, {})["evidence"] == ["on-site"]


def item(code, cls, phase="DO", overdue=False, owner="1", due="2026-12-01"):
    return {"id": code, "class": cls, "phase": phase, "overdue": overdue, "owner": owner,
            "owner_unit": "U", "due": due}


def test_pdca_criteria() -> None:
    quiet = inputs(pdca=[item("P-1", "blocking", "CLOSED"), item("P-2", "improvement")])
    for rule in ("no-open-blocking", "open-due-dated", "overdue-items"):
        assert RULES[rule](quiet, {})["status"] == "pass"
    busy = inputs(pdca=[item("P-1", "blocking"), item("P-2", "due-dated", overdue=True, due=None)])
    assert RULES["no-open-blocking"](busy, {})["evidence"] == ["P-1"]
    due = RULES["open-due-dated"](busy, {})
    assert due["status"] == "fail" and due["conditions"] == [
        {"subject": "P-2", "owner_unit": "U", "owner": "1", "due": None}]
    assert RULES["overdue-items"](busy, {})["evidence"] == ["P-2"]


def point(code, phase, blocking, status):
    return {"id": code, "phase": phase, "blocking": blocking, "status": status, "dropped": False,
            "owner_unit": "U", "owner": "1", "due": "2026-12-20"}


def test_phase_criteria() -> None:
    good = inputs(checklist=[point("A", "handover", True, "verified"),
                             point("B", "opening", True, "open"),
                             point("C", "handover", True, "not-applicable")])
    assert RULES["checklist-blocking"](good, {})["status"] == "pass"
    assert RULES["checklist-open"](good, {})["evidence"] == ["B"]
    bad = inputs(checklist=[point("A", "handover", True, "done")],
                 phase_changes=[{"from_phase": "handover", "to_phase": "commissioning",
                                 "override": True, "username": "x", "reason": "r"}])
    assert RULES["checklist-blocking"](bad, {})["evidence"] == ["A"]
    overrides = RULES["phase-overrides"](bad, {})
    assert overrides["status"] == "fail" and overrides["conditions"][0]["reason"] == "r"


def profile_of(*criteria):
    return {"id": "t", "criteria": [{"id": c, "area": a, "rule": r, "blocking": b}
                                    for c, a, r, b in criteria]}


@pytest.mark.parametrize("blocking_ok,conditional_ok,verdict", [
    (True, True, "ready"), (True, False, "ready_with_conditions"),
    (False, True, "not_ready"), (False, False, "not_ready")])
def test_each_verdict(blocking_ok, conditional_ok, verdict) -> None:
    pdca = [] if blocking_ok else [item("P-1", "blocking")]
    if not conditional_ok:
        pdca.append(item("P-2", "due-dated"))
    profile = profile_of(("PD-BLOCKING", "pdca", "no-open-blocking", True),
                         ("PD-DUE-DATED", "pdca", "open-due-dated", False))
    result = evaluate(inputs(pdca=pdca), profile, "en")
    assert result["verdict"] == verdict
    assert [c["id"] for c in result["blocking"]] == ([] if blocking_ok else ["PD-BLOCKING"])
    assert [c["id"] for c in result["conditions"]] == ([] if conditional_ok else ["PD-DUE-DATED"])
    assert result["areas"]["pdca"]["score"] == 100 * (blocking_ok + conditional_ok) / 2
