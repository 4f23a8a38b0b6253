"""The PDCA state machine and its views, on fixed dates (pure functions)."""

from __future__ import annotations

import datetime as dt

import pytest

from readiness.errors import InvalidValue
from readiness.pdca.loop import advance, path_to
from readiness.pdca.views import burndown, closure_rate, enrich

ON = dt.date(2026, 11, 20)
PLAN = {"root_cause": "培训不足", "action": "复训", "owner_unit": "TM", "owner": "5",
        "due": dt.date(2026, 12, 1)}
DO = {"done_note": "已复训", "evidence": "签到表"}
CHECK = {"verifier": "3", "verified_on": ON, "verdict": "effective"}
ACT = {"standardisation": "修订作业标准"}


def item(phase="PLAN", cycle=1, **kw):
    return {"code": "P-1", "phase": phase, "cycle": cycle, "owner": None, "owner_unit": None,
            "due": None, **kw}


@pytest.mark.parametrize("phase,step,data,to", [
    ("PLAN", "plan", PLAN, "DO"), ("DO", "do", DO, "CHECK"), ("CHECK", "check", CHECK, "ACT"),
    ("ACT", "act", ACT, "CLOSED")])
def test_every_legal_transition(phase, step, data, to) -> None:
    changes = advance(item(phase, owner="5"), step, data, ON)
    assert changes["phase"] == to and changes["phase_since"] == ON
    assert (changes.get("closed_on") == ON) == (to == "CLOSED")


@pytest.mark.parametrize("phase,step", [
    (p, s) for p in ("PLAN", "DO", "CHECK", "ACT", "CLOSED")
    for s in ("plan", "do", "check", "act") if (p, s) not in
    {("PLAN", "plan"), ("DO", "do"), ("CHECK", "check"), ("ACT", "act")}])
def test_every_other_move_is_refused_naming_the_next_step(phase, step) -> None:
    with pytest.raises(InvalidValue) as err:
        advance(item(phase), step, {**PLAN, **DO, **CHECK, **ACT}, ON)
    message = err.value.message("en")
    assert message.startswith(f"P-1 is at {phase}, so '{step}' is refused")
    expected_next = {"PLAN": "plan", "DO": "do", "CHECK": "check", "ACT": "act", "CLOSED": "-"}
    assert message.endswith(f"the next step is readiness pdca {expected_next[phase]}")


@pytest.mark.parametrize("step,phase,data,missing", [
    ("plan", "PLAN", {"root_cause": "x"}, "action (--action), owner unit (--owner-unit), "
                                          "owner (--owner), due date (--due)"),
    ("do", "DO", {"done_note": "x"}, "evidence (--evidence)"),
    ("check", "CHECK", {"verifier": "3", "verified_on": ON}, "verdict (--verdict)"),
    ("act", "ACT", {}, "standardisation (--standardisation)")])
def test_a_step_says_what_it_is_missing(step, phase, data, missing) -> None:
    with pytest.raises(InvalidValue) as err:
        advance(item(phase), step, data, ON)
    assert err.value.message("en") == f"P-1 cannot '{step}' yet; missing: {missing}"


def test_fields_already_on_the_item_count() -> None:
    changes = advance(item(owner="5", owner_unit="TM", due=dt.date(2026, 12, 1)), "plan",
                      {"root_cause": "x", "action": "y"}, ON)
    assert changes["phase"] == "DO"


def test_verifier_must_not_be_the_owner() -> None:
    with pytest.raises(InvalidValue) as err:
        advance(item("CHECK", owner="5"), "check", {**CHECK, "verifier": "5"}, ON)
    assert err.value.message("en") == ("P-1 cannot be verified by its owner 5; the verifier "
                                       "must be someone else")


def test_an_ineffective_check_starts_a_new_numbered_cycle() -> None:
    changes = advance(item("CHECK", cycle=2, owner="5"), "check",
                      {**CHECK, "verdict": "ineffective"}, ON)
    assert (changes["phase"], changes["cycle"]) == ("PLAN", 3)


def test_import_paths_forward_only() -> None:
    assert path_to(item("PLAN"), "CLOSED", {}) == ["plan", "do", "check", "act"]
    assert path_to(item("DO"), "DO", {}) == []
    assert path_to(item("CHECK"), "PLAN", {"verdict": "ineffective"}) == ["check"]
    with pytest.raises(InvalidValue) as err:
        path_to(item("ACT"), "DO", {})
    assert "cannot go back to DO" in err.value.message("en")


def row(code, cls, opened, closed=None, due=None, phase=None):
    return {"code": code, "class": cls, "opened_on": opened, "closed_on": closed, "due": due,
            "phase": phase or ("CLOSED" if closed else "DO"), "phase_since": opened}


def test_overdue_and_aging_on_fixed_dates() -> None:
    as_of = dt.date(2026, 11, 23)
    late = enrich(row("A", "blocking", "2026-10-01", due="2026-11-20"), as_of)
    assert (late["overdue"], late["days_overdue"], late["days_open"]) == (True, 3, 53)
    today = enrich(row("B", "blocking", "2026-11-01", due="2026-11-23"), as_of)
    assert today["overdue"] is False
    closed = enrich(row("C", "blocking", "2026-10-01", closed="2026-10-11", due="2026-10-05"), as_of)
    assert (closed["overdue"], closed["days_open"], closed["days_in_phase"]) == (False, 10, None)


def test_closure_rate_per_iso_week() -> None:
    items = [row("A", "due-dated", "2026-10-01", closed="2026-11-16"),
             row("B", "blocking", "2026-10-01", closed="2026-11-22"),
             row("C", "blocking", "2026-10-01", closed="2026-11-23")]
    weeks = closure_rate(items, dt.date(2026, 11, 23), weeks=2)
    assert weeks == [{"week": "2026-W47", "from": "2026-11-16", "closed": 2},
                     {"week": "2026-W48", "from": "2026-11-23", "closed": 1}]


def test_burndown_and_forecast_arithmetic() -> None:
    as_of, opening = dt.date(2026, 11, 23), dt.date(2026, 12, 28)
    items = [row(f"O{i}", "blocking", "2026-11-01") for i in range(4)]  # 4 still open
    items += [row(f"C{i}", "blocking", "2026-11-01", closed=f"2026-11-{10 + i}") for i in range(7)]
    items += [row("D", "due-dated", "2026-11-01")]
    result = burndown(items, as_of, opening, recent_days=28)
    assert result["series"][0] == {"date": "2026-11-01", "open": 11}
    assert result["series"][-1] == {"date": "2026-11-23", "open": 4}
    assert (result["closed_recently"], result["rate_per_day"]) == (7, 0.25)
    assert result["forecast_zero"] == "2026-12-09"  # 4 left at 0.25 a day: 16 days
    assert result["after_opening"] is False
    late = burndown(items, as_of, dt.date(2026, 12, 1))
    assert late["after_opening"] is True
    stalled = burndown(items[:4], as_of, opening)
    assert (stalled["forecast_zero"], stalled["after_opening"]) == (None, True)
    done = burndown(items[4:], as_of, opening)
    assert (done["forecast_zero"], done["open_blocking"]) == ("2026-11-23", 0)
