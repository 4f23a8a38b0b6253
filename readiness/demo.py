"""`readiness demo`: a realistic sample line, built deterministically from data/demo/line.toml.

The store is built under a temporary name and renamed into place only when complete, so an
interrupted demo never leaves a half-built demo.db. Later issues extend `build_demo` with the
hazard register, drills, PDCA items, trial-run records, the assessment and the reports.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from drills import sample as drill_sample
from hazards import inspection_sample
from hazards import sample as hazard_sample
from readiness.actor import Actor
from readiness.assessment import sample as trial_sample
from readiness.assessment.assess import assess
from readiness.checklist import sample as checklist_sample
from readiness.errors import ReadinessError
from readiness.pdca import sample as pdca_sample
from readiness.store import pdca as pdca_store
from readiness.store.core import Store, WriteSession
from readiness.store.lines import add_line

# The day the sample line is "seen": its reviews, acceptances and (later) trial run are dated
# relative to it, so the demo is the same whenever it is built.
DEMO_AS_OF = dt.date(2026, 11, 23)
LETTER_YEAR_START = dt.date(2026, 1, 8)
LETTER_YEAR_END = dt.date(2026, 12, 31)


@lru_cache(maxsize=1)
def sample_line() -> dict[str, Any]:
    text = resources.files("readiness").joinpath("data/demo/line.toml").read_text("utf-8")
    return tomllib.loads(text)


def build_demo(out_dir: str | os.PathLike[str], *, force: bool = False,
               actor: Actor, lang: str = "zh") -> dict[str, Any]:
    out = Path(out_dir)
    target = out / "demo.db"
    if target.exists() and not force:
        raise ReadinessError("output.exists", path=str(target))
    out.mkdir(parents=True, exist_ok=True)
    partial = out / ".demo.db.partial"
    _remove_sqlite(partial)
    with Store.create(partial) as store:
        written = write_sample(store, actor)
    _remove_sqlite(target)
    os.replace(partial, target)
    evidence = out / "evidence"  # the attested items' sample evidence: the SHA-256 they record
    evidence.mkdir(exist_ok=True)
    for name, content in checklist_sample.evidence_files(DEMO_AS_OF).items():
        (evidence / name).write_bytes(content)
    from readiness.report import write_report

    reports = []
    with Store.open(target) as store:
        for name in ("report.html", "report.xlsx"):
            reports.append(str(write_report(store, None, out / name, snapshot=written["snapshot"],
                                            lang=lang, actor=actor, force=True)))
    return {"db": str(target), "reports": reports, **written}


def write_sample(store: Store, actor: Actor) -> dict[str, Any]:
    """The sample line written into an empty store (SQLite or PostgreSQL), assessed, with its
    sample accounts: what `readiness demo` puts in demo.db."""
    data = sample_line()
    with store.write(actor, "demo") as session:
        line = add_line(session, data["line"]["name"], **_line_fields(data["line"]))
        counts = {"locations": _add_locations(session, line["id"], data["locations"])}
        counts.update(_add_organisation(session, data["units"], data["people"]))
        counts["hazards"] = hazard_sample.build(session, line["id"], data, DEMO_AS_OF)
        drill_counts = drill_sample.build(session, line["id"], DEMO_AS_OF)
        counts["drill_runs"] = drill_counts["runs"]
        counts["pdca"] = pdca_sample.build(session, line["id"], data, DEMO_AS_OF)
        counts["checklist"] = checklist_sample.build(session, line["id"], data, DEMO_AS_OF)
        counts["trial_days"] = trial_sample.build(session, line["id"],
                                                  data["line"]["trial_run_start"], DEMO_AS_OF)
        inspected = inspection_sample.build(session, line["id"], data,
                                            data["line"]["trial_run_start"], DEMO_AS_OF)
        counts.update(inspections=inspected["inspections"], dangers=inspected["dangers"])
        counts["pdca"] = len(pdca_store.load_items(session, line["id"]))
    verdict = assess(store, None, as_of=DEMO_AS_OF, actor=actor)
    accounts = _add_accounts(store, data["accounts"], actor)
    return {"line": line["name"], "counts": counts, "verdict": verdict.verdict,
            "snapshot": verdict.snapshot, "accounts": accounts}


def _add_accounts(store: Store, accounts: list[dict[str, str]],
                  actor: Actor) -> list[dict[str, str]]:
    """One sample account per role for trying the web application, each with a fresh random
    password that is shown once (the demo's output) and kept only as its Argon2 hash."""
    import secrets

    from readiness.accounts import add_account

    made = []
    for a in accounts:
        password = secrets.token_urlsafe(12)
        account = add_account(store, a["staff_id"], roles_given=[a["role"]], lines=[],
                              password=password, actor=actor)
        made.append({"role": a["role"], "staff_id": account.staff_id,
                     "name": account.name or "", "password": password})
    return made


def _line_fields(line: dict[str, Any]) -> dict[str, Any]:
    return {"planned_opening": line["planned_opening"], "handover_date": line["handover_date"],
            "profile": line["profile"], "phase": line["phase"],
            "fully_automatic": line["profile"].endswith("-fao"),
            "settings": {"name_en": line["name_en"], "city_zh": line["city_zh"],
                         "city_en": line["city_en"],
                         "trial_run_start": line["trial_run_start"].isoformat()}}


def _add_locations(session: WriteSession, line_id: int, locations: list[dict[str, Any]]) -> int:
    from readiness.store.lines import insert_locations

    return insert_locations(session, line_id, [
        {"code": loc["code"], "name": loc["zh"], "kind": loc["kind"], "seq": loc["order"],
         "note": loc.get("note")} for loc in locations])


def _add_organisation(session: WriteSession, units: list[dict[str, Any]],
                      people: list[dict[str, Any]]) -> dict[str, int]:
    from readiness.store.org import insert_organisation

    letters = _letters(units, people)
    insert_organisation(session, [
        {"code": u["code"], "name": u["zh"], "level": u["level"], "parent_code": u["parent"] or None,
         "head_staff_id": u["head"], "posts": u["posts"]} for u in units], [
        {"staff_id": p["staff_id"], "name": p["zh"], "unit_code": p["unit"], "post": p["post"],
         **_education(i)} for i, p in enumerate(people)], letters)
    return {"units": len(units), "people": len(people), "letters": len(letters)}


def _education(index: int) -> dict[str, dt.date | None]:
    """Three-level safety education dates; every 37th person lacks the team level (a gap to find)."""
    base = dt.date(2026, 3, 2) + dt.timedelta(days=index % 40)
    return {"education_company": base,
            "education_centre": base + dt.timedelta(days=14),
            "education_team": None if index % 37 == 36 else base + dt.timedelta(days=30)}


def _letters(units: list[dict[str, Any]], people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Letters signed level by level, unit to parent and person to unit, for the current year.

    Deliberate lapses for the responsibility checks: the last team signed with its division only
    on 10 November, and the first person of every 12th team let last year's letter expire and
    signed again on 10 November (`readiness org check --as-of 2026-11-01` shows the lapses).
    """
    letters = []
    late = dt.date(2026, 11, 10)  # lapsed letters renewed, late, before the assessment
    heads = {u["code"]: u["head"] for u in units}
    names = {p["staff_id"]: p["zh"] for p in people}
    teams = [u for u in units if u["level"] == "team"]
    for unit in units:
        if not unit["parent"]:
            continue
        letters.append({"signer": unit["code"], "signer_is_person": False,
                        "countersigner": unit["parent"],
                        "signed_on": late if unit is teams[-1] else LETTER_YEAR_START,
                        "valid_until": LETTER_YEAR_END,
                        "signatories": f"{names[heads[unit['code']]]} / "
                                       f"{names[heads[unit['parent']]]}"})
    expired = {t["code"] for t in teams[::12]}
    seen_first: set[str] = set()
    for person in people:
        unit = person["unit"]
        lapsed = unit in expired and unit not in seen_first
        seen_first.add(unit)
        signed = LETTER_YEAR_START.replace(year=2025) if lapsed else LETTER_YEAR_START
        until = LETTER_YEAR_END.replace(year=2025) if lapsed else LETTER_YEAR_END
        letters.append({"signer": person["staff_id"], "signer_is_person": True,
                        "countersigner": unit, "signed_on": signed, "valid_until": until,
                        "signatories": f"{person['zh']} / {names[heads[unit]]}"})
        if lapsed:
            letters.append({"signer": person["staff_id"], "signer_is_person": True,
                            "countersigner": unit, "signed_on": late,
                            "valid_until": LETTER_YEAR_END,
                            "signatories": f"{person['zh']} / {names[heads[unit]]}（补签）"})
    return letters


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
