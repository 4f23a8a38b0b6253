"""`readiness assess`: may the line open, and if not, exactly what stands in the way?

Each criterion of the line's profile is evaluated to pass / fail / not applicable, with the IDs of
the rows that decided it. The verdict: **ready**; **ready_with_conditions** when
only conditional criteria fail (each condition with an owner and a due date); **not_ready** when
any blocking criterion fails. Every run is stored as a snapshot with a hash of the inputs it read;
a sign-off against a snapshot goes stale as soon as those inputs change.

The services of the `assess`, `signoff` and `profile` commands (`assess`, `assess_network`,
`history`, `sign_off`, `add_profile_file`) take plain values, check them, and return the typed
results of `results.py`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from drills.catalogue import line_catalogue
from drills.coverage import coverage_of
from hazards.checks import CheckContext, check_register
from hazards.dangers import standing_on
from hazards.handbook import inspections_due
from readiness.actor import Actor
from readiness import sources, vocab
from readiness.assessment.criteria import RULES, Inputs
from readiness.assessment.profiles import load_profile, superseded_of
from readiness.assessment.results import (Assessment, Changes, CriterionChange, History,
                                          HistoryEntry, LatestFindings, LineAssessment, Profile,
                                          Signature,
                                          SignOffResult, SnapshotRef, assessment_of,
                                          line_assessment_of)
from readiness.checklist import load_items as load_checklist
from readiness.errors import ConflictingOptions, InvalidValue, NotFound, coded
from readiness.i18n import get_lang, t
from readiness.org.graph import Org, check_org
from readiness.pdca.views import enrich
from readiness.store import assessment as snapshot_store
from readiness.store import checklist as checklist_store
from readiness.store import dangers as danger_store
from readiness.store import drills as drill_store
from readiness.store import org as org_store
from readiness.store import pdca as pdca_store
from readiness.store.audit import canonical
from readiness.store.core import Store
from readiness.store.hazards import load_register
from readiness.store.lines import find_line, line_by_id, line_dict, line_row
from readiness.store.trial import load_days

AREAS = tuple(vocab.codes("assessment_area"))
CHAPTERS = tuple(vocab.codes("assessment_chapter"))


# Fields records gained after snapshots were first signed, with the value a row written before
# them reads as. While a field holds that value it is left out of the inputs hash, so upgrading a
# store never makes a signed snapshot stale; once someone gives it a value, the hash changes.
ADDED_LATER: dict[str, Any] = {"notes": None, "score_given": None, "basis": None,
                               "chapter": None, "area": None, "time_basis": None,
                               "fao_mode": None}


def as_hashed(record: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """`record` (one row as loaded: flat) as the inputs hash sees it: without `drop` and the
    ADDED_LATER fields at their old value, and a hazard's accident types left out while they are
    just its one accident type, as before several were kept."""
    out = {k: v for k, v in record.items() if k not in drop}
    for key in ADDED_LATER.keys() & out.keys():
        if out[key] == ADDED_LATER[key]:
            del out[key]
    types = out.get("accident_types")
    if types is not None:
        first = out.get("accident_type")
        if types == ([first] if first else []):
            del out["accident_types"]
    return out


def _company(session: Any, as_of: dt.date, shared: dict[str, Any] | None) -> dict[str, Any]:
    """What every line of the company shares (organisation, its findings and their hash),
    computed once when several lines are assessed together."""
    key = ("company", as_of)
    if shared is not None and key in shared:
        return shared[key]  # type: ignore[no-any-return]
    index = org_store.org_index(session)
    org = Org(index["units"], index["people"], org_store.letters(session))
    company = {"org": org, "findings": check_org(org, as_of, org_store.owned_items(session)),
               "hash": hashlib.sha256(canonical({"units": index["units"], "people": index["people"],
                                                 "letters": org.letters}).encode()).hexdigest()}
    if shared is not None:
        shared[key] = company
    return company


def _inspections_from(days: list[dict[str, Any]], handover: dt.date | None,
                      as_of: dt.date) -> dt.date | None:
    """When handbook inspections became due: the trial run's first day, else the handover (the
    operator runs the line from then); None if neither has come by `as_of`."""
    first = min((d["day"] for d in days), default=None)
    start = first or handover
    return start if start is not None and start <= as_of else None


def gather(session: Any, line: Any, as_of: dt.date, shared: dict[str, Any] | None = None,
           keep: dict[str, Any] | None = None) -> tuple[Inputs, str]:
    """Everything the assessment reads, and the hash of it (for snapshots and stale sign-offs).
    `shared` lets an assessment of several lines read the company-wide data once; `keep`, when
    given, receives the rows read (and the drill plan and places) for the snapshot's report."""
    register = load_register(session, line.id)
    company = _company(session, as_of, shared)
    org = company["org"]
    catalogue = line_catalogue(session, line, register)
    runs = drill_store.load_runs(session, line.id)
    majors = [h for h in register if h["level"] == "major"]
    items = pdca_store.load_items(session, line.id)
    days = load_days(session, line.id)
    checklist = load_checklist(session, line.id)
    changes = checklist_store.phase_changes(session, line.id)
    line_data = line_dict(line)
    ctx = CheckContext(as_of=as_of, units=org.units, people=org.people,
                       scenarios={s["id"] for s in catalogue} or None,
                       line_settings=line.settings or {})
    dangers = standing_on(danger_store.load_dangers(session, line.id),
                          {i["code"]: i["phase"] for i in items}, as_of)
    last_checked = danger_store.last_checked_by_control(session, line.id, as_of)
    start = _inspections_from(days, line.handover_date, as_of)
    inputs = Inputs(line=line_data, as_of=as_of, days=days, hazards=register,
                    hazard_findings=check_register(register, ctx),
                    coverage=coverage_of(catalogue, runs, majors, line.handover_date),
                    pdca=[enrich(i, as_of) for i in items],
                    org_findings=company["findings"], checklist=checklist,
                    phase_changes=changes, dangers=dangers,
                    inspections_due=inspections_due(register, last_checked, start, as_of),
                    inspection_start=start)
    read = {"line": {k: v for k, v in line_data.items() if k != "created_at"},
            "as_of": as_of, "hazards": [as_hashed(h) for h in register],
            "company": company["hash"], "catalogue": catalogue, "runs": runs,
            "pdca": [{k: v for k, v in i.items() if k != "row_id"} for i in items],
            "days": [as_hashed(d) for d in days],
            "checklist": [as_hashed(c, drop=("row_id",)) for c in checklist],
            "phase_changes": changes}
    if dangers or last_checked:  # a line without inspections hashes as before they existed
        read.update(dangers=dangers, last_checked=sorted(last_checked.items()))
    digest = hashlib.sha256(canonical(read).encode("utf-8")).hexdigest()
    if keep is not None:
        from readiness.store.lines import list_locations

        keep.update(register=register, org=org, catalogue=catalogue, runs=runs, items=items,
                    days=days, checklist=checklist, changes=changes,
                    findings=inputs.hazard_findings,
                    plan=drill_store.load_plan(session, line.id),
                    locations=list_locations(session, line.id),
                    open_dangers=danger_store.open_counts_by_location(session, line.id))
    return inputs, digest


def evaluate(inputs: Inputs, profile: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    """Pure: criteria results, area scores and the verdict from gathered inputs, as the plain
    record a snapshot stores (the services return it typed: `results.assessment_of`)."""
    criteria = []
    for c in _by_chapter(profile["criteria"]):
        outcome = RULES[c["rule"]](inputs, c)
        basis = sources.basis(c.get("basis"))
        criteria.append({"id": c["id"], "area": c["area"],
                         # an attested area whose open items are all conditional is a condition
                         "blocking": outcome.get("blocking", c["blocking"]),
                         "clause": "; ".join(sources.cite(b, lang or get_lang()) for b in basis)
                         or c.get("clause"),
                         "name_zh": c.get("zh"), "name_en": c.get("en"),
                         "status": outcome["status"], "evidence": outcome["evidence"],
                         "evidence_total": outcome["evidence_total"],
                         "message": t(outcome["message_key"], lang,
                                      **{k: vocab.shown(v, lang) for k, v in outcome["params"].items()}),
                         "message_key": outcome["message_key"],
                         "message_params": outcome["params"],
                         "conditions": outcome["conditions"],
                         **{k: c[k] for k in ("indicator", "op", "threshold", "unit") if k in c},
                         "chapter": c.get("chapter") or "operational-readiness", "basis": basis})
    failing = [c for c in criteria if c["status"] == "fail"]
    blocking = [c for c in failing if c["blocking"]]
    conditions = [c for c in failing if not c["blocking"]]
    verdict = "not_ready" if blocking else ("ready_with_conditions" if conditions else "ready")
    areas = {}
    for area in AREAS:
        mine = [c for c in criteria if c["area"] == area and c["status"] != "not-applicable"]
        passed = sum(1 for c in mine if c["status"] == "pass")
        areas[area] = {"criteria": len(mine), "passed": passed,
                       "score": round(100 * passed / len(mine), 1) if mine else None,
                       "blocking_failed": sum(1 for c in mine if c["status"] == "fail" and c["blocking"])}
    chapters = {}
    for chapter in CHAPTERS:
        mine = [c for c in criteria if c["chapter"] == chapter and c["status"] != "not-applicable"]
        passed = sum(1 for c in mine if c["status"] == "pass")
        chapters[chapter] = {"criteria": len(mine), "passed": passed,
                             "score": round(100 * passed / len(mine), 1) if mine else None,
                             "blocking_failed": sum(1 for c in mine
                                                    if c["status"] == "fail" and c["blocking"])}
    return {"verdict": verdict, "areas": areas, "chapters": chapters, "criteria": criteria,
            "blocking": [_brief(c) for c in blocking], "conditions": [_brief(c) for c in conditions],
            "indicators": {k: (None if v is None else ("inf" if v == float("inf") else round(v, 4)))
                           for k, v in inputs.indicators().items()},
            "window": [str(d["day"]) for d in inputs.window()[:1] + inputs.window()[-1:]]}


def _by_chapter(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The criteria in the order of the spec's chapters (the profile's order within one)."""
    order = {c: n for n, c in enumerate(CHAPTERS)}
    return sorted(criteria, key=lambda c: order.get(c.get("chapter") or "", len(order)))


def criterion_message(c: dict[str, Any], lang: str | None = None) -> str:
    """A stored criterion's message in `lang` (default: the current language); a snapshot taken
    before messages were stored with their key keeps the text it was taken with."""
    if not c.get("message_key"):
        return str(c.get("message") or "")
    params = {k: tuple(v) if _is_coded(v) else v for k, v in (c.get("message_params") or {}).items()}
    return t(c["message_key"], lang, **{k: vocab.shown(v, lang) for k, v in params.items()})


def _is_coded(value: Any) -> bool:
    """A (code set, code) parameter, as JSON gives it back: a two-item list."""
    return (isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], str)
            and value[0] in vocab.code_sets())


def localised(result: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    """A stored assessment result with every criterion message in `lang`."""
    by_id = {c["id"]: criterion_message(c, lang) for c in result.get("criteria", [])}
    out = dict(result)
    for part in ("criteria", "blocking", "conditions"):
        out[part] = [{**c, "message": by_id.get(c["id"], c.get("message"))}
                     for c in result.get(part, [])]
    return out


def _brief(c: dict[str, Any]) -> dict[str, Any]:
    return {"id": c["id"], "area": c["area"], "message": c["message"], "evidence": c["evidence"],
            "conditions": c["conditions"], "chapter": c["chapter"]}


def _assess(store: Store, line: str | None, *, as_of: dt.date | None, profile: str | None,
            actor: Actor, lang: str | None, save: bool,
            shared: dict[str, Any] | None) -> tuple[dict[str, Any], int | None]:
    """The assessment's record (what a snapshot stores) and, with `save`, the snapshot's ID."""
    as_of = as_of or dt.date.today()
    with store.read() as session:
        found = find_line(session, line)
        chosen = profile or found.profile
        custom = (found.settings or {}).get("profiles", {})
        loaded = load_profile(chosen, custom)
        read: dict[str, Any] | None = {} if save else None
        inputs, digest = gather(session, found, as_of, shared, read)
    data = evaluate(inputs, loaded, lang)
    old = superseded_of(chosen, loaded)
    data.update(line=found.name, profile=chosen, as_of=as_of.isoformat(), inputs_hash=digest,
                superseded=old is not None, superseded_by=old["superseded_by"] if old else None,
                superseded_notice=old)
    if not save:
        return data, None
    from readiness.assessment import report_content

    # what the report of this snapshot shows, from the rows just assessed
    report = report_content.pack(report_content.build(read or {}, data, found, as_of))
    with store.write(actor, f"assess --as-of {as_of}") as session:
        return data, snapshot_store.save(session, found.id, as_of, data, report)


def assess(store: Store, line: str | None, *, as_of: dt.date | None = None,
           profile: str | None = None, actor: Actor, lang: str | None = None,
           save: bool = True, shared: dict[str, Any] | None = None) -> Assessment:
    """Assess the line as of a date (default today) by its profile (or `profile`), stored as a
    snapshot unless `save` is false. Pass the same `shared` dict when assessing several lines
    in a row (see `assess_lines`)."""
    record, snapshot = _assess(store, line, as_of=as_of, profile=profile, actor=actor, lang=lang,
                               save=save, shared=shared)
    return assessment_of(record, snapshot)


def assess_lines(store: Store, names: list[str], *, as_of: dt.date | None = None,
                 profile: str | None = None, actor: Actor, lang: str | None = None,
                 save: bool = True) -> list[LineAssessment]:
    """Assess several lines (a network), reading the company-wide data once."""
    shared: dict[str, Any] = {}
    return [line_assessment_of(*_assess(store, name, as_of=as_of, profile=profile, actor=actor,
                                        lang=lang, save=save, shared=shared))
            for name in names]


def assess_network(store: Store, *, line: str | None = None, as_of: dt.date | None = None,
                   profile: str | None = None, actor: Actor, lang: str | None = None,
                   save: bool = True) -> list[LineAssessment]:
    """Assess every line in the store, in the order `line list` shows them. A `line` is
    refused: the network is every line (`--all-lines` with `--line`)."""
    from readiness.lines import list_lines

    if line:
        raise ConflictingOptions("option.exclusive", first="--all-lines", second="--line")
    return assess_lines(store, [summary.name for summary in list_lines(store)], as_of=as_of,
                        profile=profile, actor=actor, lang=lang, save=save)


def current_hash(store: Store, line_id: int, as_of: dt.date) -> str:
    with store.read() as session:
        return gather(session, line_by_id(session, line_id), as_of)[1]


def history(store: Store, line: str | None, diff: tuple[int, int] | None = None) -> History:
    """The line's snapshots, newest first, with their sign-offs and whether each is stale (its
    inputs have changed since); with `diff` (two snapshot IDs of the line, older first), what
    changed between them. Reads the snapshots' own columns, not their whole results."""
    with store.read_rows() as conn:
        found = line_row(conn, line)
        snapshots = snapshot_store.load(conn, found.id)
        by_id = {s["id"]: s for s in snapshots}
        if diff is not None:
            missing = [x for x in diff if x not in by_id]
            if missing:
                raise NotFound("assess.snapshot_not_found", id=missing[0])
            criteria = snapshot_store.criteria(conn, list(diff))
    hashes: dict[dt.date, str] = {}
    entries = []
    for s in snapshots:
        if s["as_of"] not in hashes:
            hashes[s["as_of"]] = current_hash(store, found.id, s["as_of"])
        stale = hashes[s["as_of"]] != s["inputs_hash"]
        entries.append(HistoryEntry(
            id=s["id"], line_id=s["line_id"], taken_at=s["taken_at"], as_of=s["as_of"],
            profile=s["profile"], verdict=s["verdict"], inputs_hash=s["inputs_hash"],
            signoffs=[Signature(**x, stale=stale) for x in s["signoffs"]],
            blocking=s["blocking"], conditions=s["conditions"], stale=stale))
    if diff is None:
        return History(line=found.name, snapshots=entries)
    old, new = diff
    changes = compare(by_id[old], criteria.get(old, []), by_id[new], criteria.get(new, []))
    return History(line=found.name, snapshots=entries, changes=changes, diff=changes.criteria,
                   verdicts=[changes.from_.verdict, changes.to.verdict])


def latest(store: Store, line: str) -> HistoryEntry | None:
    """The line's newest snapshot as `history` lists it, without re-reading the line's inputs to
    say whether it is stale (`stale` None): what a dashboard of many lines can afford."""
    with store.read_rows() as conn:
        found = line_row(conn, line)
        snapshots = snapshot_store.load(conn, found.id)
    if not snapshots:
        return None
    return _entry(snapshots[0])


def _entry(s: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        id=s["id"], line_id=s["line_id"], taken_at=s["taken_at"], as_of=s["as_of"],
        profile=s["profile"], verdict=s["verdict"], inputs_hash=s["inputs_hash"],
        signoffs=[Signature(**x, stale=None) for x in s["signoffs"]],
        blocking=s["blocking"], conditions=s["conditions"], stale=None)


def latest_of_lines(store: Store) -> list[dict[str, Any]]:
    """Every line by name with its phase and newest snapshot (`latest`): a dashboard of lines."""
    from readiness.lines import list_lines

    return [{"name": x.name, "phase": x.phase, "latest": latest(store, x.name)}
            for x in list_lines(store)]


def latest_findings(store: Store, line: str | None) -> LatestFindings:
    """The line's newest snapshot, the criteria it failed (blocking ones, and the others it is
    ready only on condition of, with owners) and its snapshots oldest first. Stale is not
    worked out (None), as for `latest`."""
    with store.read_rows() as conn:
        found = line_row(conn, line)
        snapshots = snapshot_store.load(conn, found.id)
        criteria = (snapshot_store.criteria(conn, [snapshots[0]["id"]])[snapshots[0]["id"]]
                    if snapshots else [])
    failed = [c for c in criteria if c.get("status") == "fail"]
    return LatestFindings(
        line=found.name, latest=_entry(snapshots[0]) if snapshots else None, criteria=criteria,
        blocking=[c for c in failed if c.get("blocking")],
        conditions=[c for c in failed if not c.get("blocking")],
        trend=[_entry(s) for s in reversed(snapshots)])


def compare(old: dict[str, Any], old_criteria: list[dict[str, Any]], new: dict[str, Any],
            new_criteria: list[dict[str, Any]]) -> Changes:
    """What changed from one snapshot (its columns and stored criteria) to another: the verdict,
    the inputs hash, and every criterion whose status or message changed (or that only one of
    them has). Messages are compared in the current language."""
    before = {c["id"]: {**c, "message": criterion_message(c)} for c in old_criteria}
    after = {c["id"]: {**c, "message": criterion_message(c)} for c in new_criteria}
    order = [c["id"] for c in new_criteria]
    order += [cid for cid in before if cid not in after]
    criteria = []
    for cid in order:
        a, b = before.get(cid, {}), after.get(cid, {})
        if (a.get("status"), a.get("message")) == (b.get("status"), b.get("message")):
            continue
        criteria.append(CriterionChange(
            id=cid, from_=a.get("status"), to=b.get("status"), message_from=a.get("message"),
            message_to=b.get("message"), message=b.get("message", a.get("message"))))

    def side(s: dict[str, Any]) -> SnapshotRef:
        return SnapshotRef(**{k: s[k] for k in ("id", "as_of", "taken_at", "profile", "verdict",
                                                "inputs_hash")})

    return Changes(from_=side(old), to=side(new), verdict_changed=old["verdict"] != new["verdict"],
                   inputs_changed=old["inputs_hash"] != new["inputs_hash"], criteria=criteria)


def sign_off(store: Store, snapshot_id: int, *, by: str, decision: str | None,
             override_reason: str | None = None, note: str | None = None,
             actor: Actor, account: Any = None) -> SignOffResult:
    """Record one person's decision on a snapshot. `by` is a staff ID or a name unique among
    people (`--by`); the role recorded is their post. `decision` is approve or reject (a code or
    either label, `--decision`). Approving a not-ready snapshot needs an override reason, and
    only that takes one. Signing the same snapshot again updates that person's decision
    (audited). Once the store has accounts, `account` (authenticated) must be the signer's own
    and allowed to sign off on the snapshot's line."""
    from readiness.accounts import check_signer
    from readiness.store.org import find_person

    code = coded("signoff_decision", "--decision", decision, required=True)
    reason = (override_reason or "").strip() or None
    with store.write(actor, f"signoff {snapshot_id}") as session:
        snapshot = snapshot_store.header(session, snapshot_id)
        person = find_person(session, by, "--by")
        check_signer(session, account, "signoff", line_by_id(session, snapshot["line_id"]).name,
                     person)
        overriding = code == "approve" and snapshot["verdict"] == "not_ready"
        if overriding and reason is None:
            raise InvalidValue("assess.override_needed", snapshot=snapshot_id)
        if reason is not None and not overriding:
            raise InvalidValue("assess.override_not_applicable", snapshot=snapshot_id,
                               verdict=("verdict", snapshot["verdict"]),
                               decision=("signoff_decision", code))
        earlier = snapshot_store.record_signoff(session, snapshot_id, person, code, reason, note)
    stale = current_hash(store, snapshot["line_id"], snapshot["as_of"]) \
        != snapshot["inputs_hash"]
    return SignOffResult(snapshot=snapshot_id, staff_id=person["staff_id"],
                         role=person.get("post") or "", name=person["name"], decision=str(code),
                         override_reason=reason, note=note, verdict=snapshot["verdict"],
                         stale=stale, previous=earlier["decision"] if earlier else None)


def add_profile(store: Store, line: str | None, text: str, *, actor: Actor) -> Profile:
    """Register a line's own profile (TOML text extending a shipped one); its parents must
    resolve. Adding it again under the same ID replaces it."""
    from readiness.assessment.profiles import parse_profile
    from readiness.store.lines import update_line

    data = parse_profile(text)
    with store.write(actor, f"profile add {data['id']}") as session:
        found = find_line(session, line)
        settings = dict(found.settings or {})
        profiles = dict(settings.get("profiles", {}))
        profiles[data["id"]] = text
        merged = load_profile(data["id"], profiles)  # its parents must resolve
        update_line(session, found.name, settings={**settings, "profiles": profiles})
    return Profile(id=str(data["id"]), extends=data.get("extends") or None,
                   criteria=[c["id"] for c in merged["criteria"]])


def add_profile_file(store: Store, line: str | None, path: str | Path, *,
                     actor: Actor) -> Profile:
    """`add_profile` from a TOML file: it must exist, be a file and be UTF-8 text."""
    from readiness.assessment.profiles import read_profile_file

    return add_profile(store, line, read_profile_file(path), actor=actor)
