"""The PDCA library, called as a second face (the web application) will call it: each bad input
the `pdca` command tests use is refused by the library with the same error and message key, and
the results are typed (dates as dates, no storage ids)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from readiness.actor import Actor
from readiness.commands.options import emit_json
from readiness.errors import InvalidValue, NotFound
from readiness.pdca.items import (BurndownReport, PdcaItem, Transition, burndown_report,
                                  list_items, open_item, show_item, step)
from readiness.pdca.views import Burndown, BurndownDay, ClosureWeek, OpenCounts
from readiness.store.core import Store

ME = Actor("tester")
TODAY = dt.date(2026, 12, 3)  # passed in where the library compares with today


@pytest.fixture
def store(org_db):
    with Store.open(org_db) as s:
        yield s


def opened(store, **data) -> PdcaItem:
    return open_item(store, None, {"title": "站台门误报", "class": "blocking", "source": "trial-run",
                                   "kind": "equipment-quality", **data}, actor=ME,
                     on=dt.date(2026, 11, 1))


def planned(store, code: str) -> PdcaItem:
    return step(store, None, code, "plan", {"root_cause": "探测灵敏度设置过高", "action": "厂家调整参数",
                                            "owner_unit": "TM-KY1-01", "owner": "900030",
                                            "due": dt.date(2026, 12, 1)}, actor=ME,
                on=dt.date(2026, 11, 2), today=TODAY)


def at_check(store) -> str:
    code = opened(store).id
    planned(store, code)
    step(store, None, code, "do", {"done_note": "已调整", "evidence": "调试记录"}, actor=ME,
         on=dt.date(2026, 11, 3), today=TODAY)
    return code


def refused(call, error=InvalidValue):
    with pytest.raises(error) as caught:
        call()
    return caught.value


# --- each bad input of the CLI tests, refused by the library -----------------------------------

def test_a_verifier_who_owns_the_item_is_refused(store) -> None:
    code = at_check(store)
    err = refused(lambda: step(store, None, code, "check",
                               {"verifier": "900030", "verdict": "有效"}, actor=ME, today=TODAY))
    assert err.key == "pdca.verifier_is_owner" and err.params["verifier"] == "900030"


def test_a_step_out_of_turn_and_a_step_with_fields_missing_are_refused(store) -> None:
    code = opened(store).id
    err = refused(lambda: step(store, None, code, "act", {}, actor=ME, today=TODAY))
    assert (err.key, err.params["next"]) == ("pdca.wrong_phase", "plan")
    err = refused(lambda: step(store, None, code, "plan", {"root_cause": "x"}, actor=ME,
                               today=TODAY))
    assert err.key == "pdca.missing"
    assert err.params["fields"] == ("pdca_field", ["action", "owner_unit", "owner", "due"])


def test_codes_are_checked_naming_the_option(store) -> None:
    err = refused(lambda: list_items(store, None, item_class="urgent"))
    assert (err.key, err.params["option"]) == ("option.bad_code", "--class")
    for option, kwargs in (("--phase", {"phase": "bogus"}), ("--kind", {"kind": "bogus"}),
                           ("--source", {"source": "bogus"})):
        err = refused(lambda: list_items(store, None, **kwargs))
        assert (err.key, err.params["option"]) == ("option.bad_code", option)
    for option, data in (("--class", {"class": "urgent"}), ("--source", {"source": "bogus"}),
                         ("--kind", {"kind": "bogus"})):
        err = refused(lambda: opened(store, **data))
        assert (err.key, err.params["option"]) == ("option.bad_code", option)
    err = refused(lambda: open_item(store, None, {"title": "t"}, actor=ME))
    assert (err.key, err.params["option"]) == ("option.bad_code", "--class")
    err = refused(lambda: open_item(store, None, {"title": " ", "class": "blocking"}, actor=ME))
    assert err.key == "pdca.needs_title"


def test_a_check_verdict_and_day_are_checked(store) -> None:
    code = at_check(store)
    err = refused(lambda: step(store, None, code, "check", {"verifier": "900020",
                                                            "verdict": "maybe"}, actor=ME,
                               today=TODAY))
    assert (err.key, err.params["option"]) == ("option.bad_code", "--verdict")
    err = refused(lambda: step(store, None, code, "check", {"verifier": "900020",
                                                            "verdict": "effective"}, actor=ME,
                               on=TODAY + dt.timedelta(days=1), today=TODAY))
    assert (err.key, err.params["option"]) == ("option.in_future", "--on")
    err = refused(lambda: step(store, None, code, "review", {}, actor=ME, today=TODAY))
    assert err.key == "option.bad_code"
    assert show_item(store, None, code).phase == "CHECK"  # nothing refused was written


def test_burndown_needs_a_week_and_show_needs_an_item(store) -> None:
    err = refused(lambda: burndown_report(store, None, TODAY, weeks=0))
    assert (err.key, err.params["option"]) == ("option.below_minimum", "--weeks")
    assert refused(lambda: show_item(store, None, "P-9999"), NotFound).key == "pdca.not_found"


# --- typed results ------------------------------------------------------------------------------

def no_storage_ids(result) -> None:
    names = {f.name for f in dataclasses.fields(result)}
    assert not names & {"row_id", "code", "line_id", "item_id"}, names


def test_an_item_and_its_transitions_are_typed(store) -> None:
    item = opened(store, due=dt.date(2026, 11, 20), hazards=["H-0001"])
    assert isinstance(item, PdcaItem) and item.id == "P-0001" and item.line == "L9"
    assert (item.class_, item.kind, item.phase, item.cycle) == ("blocking", "equipment-quality",
                                                                "PLAN", 1)
    assert item.due == dt.date(2026, 11, 20) and item.opened_on == dt.date(2026, 11, 1)
    assert item.hazards == ["H-0001"] and item.title_en is None
    (opening,) = item.transitions
    assert isinstance(opening, Transition) and opening.to_phase == "PLAN"
    assert opening.on_date == dt.date(2026, 11, 1) and isinstance(opening.at, dt.datetime)
    assert opening.username == "tester"
    no_storage_ids(item)
    no_storage_ids(opening)
    shown = show_item(store, None, item.id, as_of=dt.date(2026, 11, 23))
    assert (shown.overdue, shown.days_overdue, shown.days_open) == (True, 3, 22)


def test_the_check_is_verified_on_the_day_of_the_check(store) -> None:
    """`pdca check --on DAY`: one day, the step's and the verification's."""
    code = at_check(store)
    day = dt.date(2026, 11, 20)
    item = step(store, None, code, "check", {"verifier": "900020", "verdict": "effective"},
                actor=ME, on=day, today=TODAY)
    assert (item.phase, item.verified_on, item.verdict) == ("ACT", day, "effective")
    assert item.transitions[-1].on_date == day and item.phase_since == day


def test_a_listing_is_typed_and_carries_no_transitions(store) -> None:
    a = opened(store, owner_unit="TM-KY1-01", due=dt.date(2026, 11, 1)).id
    opened(store, **{"class": "improvement"})
    rows = list_items(store, None, as_of=dt.date(2026, 11, 23), item_class="开通前必须整改")
    assert [r.id for r in rows] == [a]
    assert rows[0].transitions is None and rows[0].overdue and rows[0].due == dt.date(2026, 11, 1)
    assert [r.id for r in list_items(store, None, owner_unit="CT-KY")] == [a]


def test_the_burndown_report_is_typed(store) -> None:
    code = at_check(store)
    opened(store)
    report = burndown_report(store, None, dt.date(2026, 11, 23), weeks=2)
    assert isinstance(report, BurndownReport) and report.as_of == dt.date(2026, 11, 23)
    assert isinstance(report.burndown, Burndown) and report.burndown.open_blocking == 2
    assert report.burndown.forecast_zero is None and report.burndown.planned_opening == \
        dt.date(2026, 12, 28)
    assert report.burndown.series[0] == BurndownDay(date=dt.date(2026, 11, 1), open=2)
    assert [w.from_ for w in report.closure_rate] == [dt.date(2026, 11, 16),
                                                      dt.date(2026, 11, 23)]
    assert all(isinstance(w, ClosureWeek) for w in report.closure_rate)
    assert isinstance(report.open, OpenCounts) and report.open.class_ == {"blocking": 2}
    assert report.open.phase == {"CHECK": 1, "PLAN": 1}
    assert [i.id for i in report.aging] == [code, "P-0002"] and report.aging[0].line is None


def test_json_keys_are_todays(store, capsys) -> None:
    """`--json` prints the result with today's keys: `class`, `from`, and `title_en` and
    `transitions` only where they were shown before."""
    item = opened(store)
    emit_json(item)
    shown = json.loads(capsys.readouterr().out)
    assert list(shown)[:4] == ["id", "line", "title", "description"]  # no title_en: none written
    assert shown["class"] == "blocking" and shown["opened_on"] == "2026-11-01"
    assert list(shown)[-5:] == ["transitions", "overdue", "days_overdue", "days_open",
                                "days_in_phase"]
    emit_json(list_items(store, None))
    assert "transitions" not in json.loads(capsys.readouterr().out)[0]
    emit_json(burndown_report(store, None, dt.date(2026, 11, 23)))
    report = json.loads(capsys.readouterr().out)
    assert list(report) == ["line", "as_of", "burndown", "closure_rate", "open", "overdue", "aging"]
    assert list(report["closure_rate"][0]) == ["week", "from", "closed"]
    assert list(report["open"]) == ["class", "phase", "kind", "source", "owner_unit"]


def test_check_takes_one_day_at_the_command_line(run, org_db) -> None:
    """`--on` is the day of the check and of the verification; `--date`, the old spelling,
    still works."""
    with Store.open(org_db) as s:
        code = at_check(s)
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()  # a check has happened
    result = run("pdca", "check", code, "--verifier", "900020", "--verdict", "effective",
                 "--date", day, "--json", db=org_db)
    assert result.exit_code == 0, result.output
    item = json.loads(result.output)
    assert item["verified_on"] == item["transitions"][-1]["on_date"] == day
    helped = run("pdca", "check", "--help", db=org_db).output
    assert "--on" in helped and "--date" not in helped
