"""A report shows its snapshot exactly as it was assessed: assess, change the store, report the
snapshot again — the same HTML text and the same cell in every sheet (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import insert, select, update

from drills import sample as drill_sample
from hazards import sample as hazard_sample
from readiness.assessment import sample as trial_sample
from readiness.assessment.assess import assess
from readiness.checklist import sample as checklist_sample
from readiness.demo import DEMO_AS_OF, _add_locations, _add_organisation, _line_fields, sample_line
from readiness.pdca import sample as pdca_sample
from readiness.report import write_report
from readiness.store import tables as t
from readiness.store.core import Store
from readiness.store.lines import add_line
from readiness.store.schema import AssessmentSnapshot
from readiness.actor import Actor


def build_sample(store: Store) -> None:
    """The demo line, written into any store (the demo itself only writes SQLite files)."""
    data = sample_line()
    with store.write(Actor("demo"), "demo") as session:
        line = add_line(session, data["line"]["name"], **_line_fields(data["line"]))
        _add_locations(session, line["id"], data["locations"])
        _add_organisation(session, data["units"], data["people"])
        hazard_sample.build(session, line["id"], data, DEMO_AS_OF)
        drill_sample.build(session, line["id"], DEMO_AS_OF)
        pdca_sample.build(session, line["id"], data, DEMO_AS_OF)
        checklist_sample.build(session, line["id"], data, DEMO_AS_OF)
        trial_sample.build(session, line["id"], data["line"]["trial_run_start"], DEMO_AS_OF)


def change_everything(store: Store) -> None:
    """Add a hazard, rescore one, record a drill run, close a problem, let a letter lapse, and
    rename a unit and a place the report names."""
    with store.write(Actor("tester"), "test") as s:
        hz = s.execute(select(t.hazards).order_by(t.hazards.c.id)).mappings().all()
        first, second = dict(hz[0]), dict(hz[1])
        evaluation = dict(s.execute(select(t.hazard_evaluations).where(
            t.hazard_evaluations.c.hazard_id == first["id"])).mappings().first())
        new_id = s.execute(insert(t.hazards).values(
            {**{k: v for k, v in first.items() if k != "id"}, "code": "HZ-NEW-0001",
             "description": "新增危险源：快照之后录入"})).inserted_primary_key[0]
        for hazard_id, level in ((new_id, "major"), (second["id"], "low")):
            s.execute(insert(t.hazard_evaluations).values(
                {**{k: v for k, v in evaluation.items() if k != "id"}, "hazard_id": hazard_id,
                 "evaluated_on": DEMO_AS_OF, "score": 1.0, "level": level,
                 "level_given": level}))
        run = dict(s.execute(select(t.drill_runs).order_by(t.drill_runs.c.id)).mappings().first())
        s.execute(insert(t.drill_runs).values(
            {**{k: v for k, v in run.items() if k != "id"}, "code": "DR-NEW-0001",
             "run_on": DEMO_AS_OF - dt.timedelta(days=1)}))
        item = s.execute(select(t.pdca_items.c.id).where(t.pdca_items.c.phase != "CLOSED")
                         .order_by(t.pdca_items.c.id)).first()
        s.execute(update(t.pdca_items).where(t.pdca_items.c.id == item[0]).values(
            phase="CLOSED", closed_on=DEMO_AS_OF, phase_since=DEMO_AS_OF))
        letter = s.execute(select(t.responsibility_letters.c.id).where(
            t.responsibility_letters.c.signer_is_person.is_(False))
            .order_by(t.responsibility_letters.c.id)).first()
        s.execute(update(t.responsibility_letters).where(
            t.responsibility_letters.c.id == letter[0]).values(valid_until=dt.date(2026, 2, 1)))
        s.execute(update(t.org_units).values(name=t.org_units.c.name + "（改）"))
        s.execute(update(t.locations).values(name=t.locations.c.name + "（改）"))


def html_text(path: Path) -> str:
    """The report's text without what is not frozen: the generation time and the stale note."""
    text = path.read_text("utf-8")
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "<time>", text)
    return re.sub(r'<p class="stale">.*?</p>', "", text, flags=re.S)


def cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every cell of every sheet; the summary's "stale" row is not frozen."""
    book = load_workbook(path, read_only=True)
    out = {ws.title: [row for row in ws.iter_rows(values_only=True)
                      if not str(row[0] or "").startswith("已过时")] for ws in book.worksheets}
    book.close()
    return out


def test_a_report_shows_its_snapshot_as_assessed(store_url: str, tmp_path: Path) -> None:
    with Store.create(store_url) as store:
        build_sample(store)
        snapshot = assess(store, None, as_of=DEMO_AS_OF, actor=Actor("tester")).snapshot
        before = {}
        for lang in ("zh", "en"):
            for suffix in ("html", "xlsx"):
                before[lang, suffix] = write_report(store, None, tmp_path / f"a-{lang}.{suffix}",
                                                    snapshot=snapshot, lang=lang)
        change_everything(store)
        fresh = assess(store, None, as_of=DEMO_AS_OF, actor=Actor("tester"))
        assert fresh.snapshot != snapshot
        after = {}
        for lang in ("zh", "en"):
            for suffix in ("html", "xlsx"):
                after[lang, suffix] = write_report(store, None, tmp_path / f"b-{lang}.{suffix}",
                                                   snapshot=snapshot, lang=lang)
        latest = write_report(store, None, tmp_path / "latest.html", lang="zh")

    for lang in ("zh", "en"):
        assert html_text(after[lang, "html"]) == html_text(before[lang, "html"])
        assert cells(after[lang, "xlsx"]) == cells(before[lang, "xlsx"])
        stale = "评估之后输入数据已变化" if lang == "zh" else "The inputs have changed"
        assert stale not in before[lang, "html"].read_text("utf-8")
        assert stale in after[lang, "html"].read_text("utf-8")  # the snapshot is stale now
    # the store did change what a report of it shows: the latest snapshot's report differs
    assert "HZ-NEW-0001" in latest.read_text("utf-8") or "（改）" in latest.read_text("utf-8")
    assert html_text(latest) != html_text(before["zh", "html"])
    assert "（改）" not in before["zh", "html"].read_text("utf-8")
    assert "（改）" not in after["zh", "html"].read_text("utf-8")


def test_a_snapshot_without_stored_content_says_so(tmp_path: Path) -> None:
    """A snapshot taken before reports were frozen renders from the store, and says so."""
    db = str(tmp_path / "store.db")
    with Store.create(db) as store:
        build_sample(store)
        snapshot = assess(store, None, as_of=DEMO_AS_OF, actor=Actor("tester")).snapshot
        with store.write(Actor("tester"), "test") as s:  # as such a snapshot was stored
            row = s.get(AssessmentSnapshot, snapshot)
            row.result = {k: v for k, v in row.result.items() if k != "report"}
        html = write_report(store, None, tmp_path / "old.html", snapshot=snapshot, lang="en")
        frozen = assess(store, None, as_of=DEMO_AS_OF, actor=Actor("tester")).snapshot
        current = write_report(store, None, tmp_path / "new.html", snapshot=frozen, lang="en")
    assert "the snapshot predates stored report content" in html.read_text("utf-8")
    assert "predates" not in current.read_text("utf-8")
