"""`readiness assess`: may the line open, and if not, exactly what stands in the way?

Each criterion of the line's profile is evaluated to pass / fail / not applicable, with the IDs of
the rows that decided it. The verdict (DOMAIN.md §7): **ready**; **ready_with_conditions** when
only conditional criteria fail (each condition with an owner and a due date); **not_ready** when
any blocking criterion fails. Every run is stored as a snapshot with a hash of the inputs it read;
a sign-off against a snapshot goes stale as soon as those inputs change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from drills.catalogue import line_catalogue
from drills.coverage import coverage_of
from hazards.checks import CheckContext, check_register
from readiness import vocab
from readiness.assessment.criteria import RULES, Inputs
from readiness.assessment.profiles import load_profile
from readiness.errors import InvalidValue, NotFound
from readiness.i18n import t
from readiness.org.graph import Org, check_org
from readiness.pdca.views import enrich
from readiness.store import assessment as snapshot_store
from readiness.store import checklist as checklist_store
from readiness.store import drills as drill_store
from readiness.store import org as org_store
from readiness.store import pdca as pdca_store
from readiness.store.audit import canonical
from readiness.store.core import Store, row_values
from readiness.store.hazards import load_register
from readiness.store.lines import find_line
from readiness.store.trial import load_days

AREAS = tuple(vocab.codes("assessment_area"))


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


def gather(session: Any, line: Any, as_of: dt.date,
           shared: dict[str, Any] | None = None) -> tuple[Inputs, str]:
    """Everything the assessment reads, and the hash of it (for snapshots and stale sign-offs).
    `shared` lets an assessment of several lines read the company-wide data once."""
    register = load_register(session, line.id)
    company = _company(session, as_of, shared)
    org = company["org"]
    catalogue = line_catalogue(session, line, register)
    runs = drill_store.load_runs(session, line.id)
    majors = [h for h in register if h["level"] == "major"]
    items = pdca_store.load_items(session, line.id)
    days = load_days(session, line.id)
    checklist = checklist_store.load_items(session, line.id)
    changes = checklist_store.phase_changes(session, line.id)
    line_data = row_values(line)
    ctx = CheckContext(as_of=as_of, units=org.units, people=org.people,
                       scenarios={s["id"] for s in catalogue} or None)
    inputs = Inputs(line=line_data, as_of=as_of, days=days, hazards=register,
                    hazard_findings=check_register(register, ctx),
                    coverage=coverage_of(catalogue, runs, majors, line.handover_date),
                    pdca=[enrich(i, as_of) for i in items],
                    org_findings=company["findings"], checklist=checklist,
                    phase_changes=changes)
    read = {"line": {k: v for k, v in line_data.items() if k != "created_at"},
            "as_of": as_of, "hazards": register, "company": company["hash"], "catalogue": catalogue,
            "runs": runs, "pdca": [{k: v for k, v in i.items() if k != "row_id"} for i in items],
            "days": days, "checklist": [{k: v for k, v in c.items() if k != "row_id"}
                                        for c in checklist], "phase_changes": changes}
    digest = hashlib.sha256(canonical(read).encode("utf-8")).hexdigest()
    return inputs, digest


def evaluate(inputs: Inputs, profile: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    """Pure: criteria results, area scores and the verdict from gathered inputs."""
    criteria = []
    for c in profile["criteria"]:
        outcome = RULES[c["rule"]](inputs, c)
        criteria.append({"id": c["id"], "area": c["area"], "blocking": c["blocking"],
                         "clause": c.get("clause"), "name_zh": c.get("zh"), "name_en": c.get("en"),
                         "status": outcome["status"], "evidence": outcome["evidence"],
                         "evidence_total": outcome["evidence_total"],
                         "message": t(outcome["message_key"], lang,
                                      **{k: vocab.shown(v, lang) for k, v in outcome["params"].items()}),
                         "conditions": outcome["conditions"],
                         **{k: c[k] for k in ("indicator", "op", "threshold", "unit") if k in c}})
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
    return {"verdict": verdict, "areas": areas, "criteria": criteria,
            "blocking": [_brief(c) for c in blocking], "conditions": [_brief(c) for c in conditions],
            "indicators": {k: (None if v is None else ("inf" if v == float("inf") else round(v, 4)))
                           for k, v in inputs.indicators().items()},
            "window": [str(d["day"]) for d in inputs.window()[:1] + inputs.window()[-1:]]}


def _brief(c: dict[str, Any]) -> dict[str, Any]:
    return {"id": c["id"], "area": c["area"], "message": c["message"], "evidence": c["evidence"],
            "conditions": c["conditions"]}


def assess(store: Store, line: str | None, *, as_of: dt.date | None = None,
           profile: str | None = None, user: str | None = None,
           lang: str | None = None, save: bool = True,
           shared: dict[str, Any] | None = None) -> dict[str, Any]:
    """Assess the line as of a date; stored as a snapshot (with `save`), returned as plain data.
    Pass the same `shared` dict when assessing several lines in a row (see `assess_lines`)."""
    as_of = as_of or dt.date.today()
    with store.read() as session:
        found = find_line(session, line)
        chosen = profile or found.profile
        custom = (found.settings or {}).get("profiles", {})
        loaded = load_profile(chosen, custom)
        inputs, digest = gather(session, found, as_of, shared)
    data = evaluate(inputs, loaded, lang)
    data.update(line=found.name, profile=chosen, as_of=as_of.isoformat(), inputs_hash=digest)
    if save:
        with store.write(user, f"assess --as-of {as_of}") as session:
            data["snapshot"] = snapshot_store.save(session, found.id, data)
    return data


def assess_lines(store: Store, names: list[str], **options: Any) -> list[dict[str, Any]]:
    """Assess several lines (a network), reading the company-wide data once."""
    shared: dict[str, Any] = {}
    return [assess(store, name, shared=shared, **options) for name in names]


def assess_network(store: Store, **options: Any) -> list[dict[str, Any]]:
    """Assess every line in the store, in the order `line list` shows them."""
    from readiness.lines import list_lines

    return assess_lines(store, [line["name"] for line in list_lines(store)], **options)


def current_hash(store: Store, line_id: int, as_of: dt.date) -> str:
    with store.read() as session:
        from readiness.store.schema import Line

        found = session.get(Line, line_id)
        return gather(session, found, as_of)[1]


def history(store: Store, line: str | None, diff: tuple[int, int] | None = None) -> dict[str, Any]:
    """Snapshots, newest first, with sign-offs and their staleness; optionally what changed."""
    with store.read() as session:
        found = find_line(session, line)
        snapshots = snapshot_store.load(session, found.id)
    hashes: dict[str, str] = {}
    for s in snapshots:
        key = s["as_of"]
        if key not in hashes:
            hashes[key] = current_hash(store, found.id, dt.date.fromisoformat(key))
        s["stale"] = hashes[key] != s["inputs_hash"]
        for signoff in s["signoffs"]:
            signoff["stale"] = s["stale"]
    result: dict[str, Any] = {"line": found.name, "snapshots": [
        {k: v for k, v in s.items() if k != "result"} for s in snapshots]}
    if diff:
        by_id = {s["id"]: s for s in snapshots}
        if diff[0] not in by_id or diff[1] not in by_id:
            raise NotFound("assess.snapshot_not_found", id=diff[0] if diff[0] not in by_id else diff[1])
        old, new = ({c["id"]: c for c in by_id[n]["result"]["criteria"]} for n in diff)
        result["diff"] = [{"id": cid, "from": old.get(cid, {}).get("status"),
                           "to": new.get(cid, {}).get("status"),
                           "message": new.get(cid, old.get(cid, {})).get("message")}
                          for cid in sorted(set(old) | set(new))
                          if old.get(cid, {}).get("status") != new.get(cid, {}).get("status")]
        result["verdicts"] = [by_id[diff[0]]["verdict"], by_id[diff[1]]["verdict"]]
    return result


def sign_off(store: Store, snapshot_id: int, *, role: str, name: str, decision: str = "approve",
             note: str | None = None, user: str | None = None) -> dict[str, Any]:
    code = vocab.parse("signoff_decision", decision)
    if code is None:
        raise InvalidValue("option.bad_code", option="--decision", value=decision,
                           allowed=", ".join(vocab.codes("signoff_decision")))
    with store.write(user, f"signoff {snapshot_id}") as session:
        snapshot = snapshot_store.get(session, snapshot_id)
        snapshot_store.add_signoff(session, snapshot_id, role, name, code, note)
    stale = current_hash(store, snapshot["line_id"], dt.date.fromisoformat(snapshot["as_of"])) \
        != snapshot["inputs_hash"]
    return {"snapshot": snapshot_id, "role": role, "name": name, "decision": code, "note": note,
            "verdict": snapshot["verdict"], "stale": stale}


def add_profile(store: Store, line: str | None, text: str, user: str | None = None) -> str:
    """Register a line's own profile (TOML text extending a shipped one)."""
    from readiness.assessment.profiles import parse_profile
    from readiness.store.lines import update_line

    data = parse_profile(text)
    with store.write(user, f"profile add {data['id']}") as session:
        found = find_line(session, line)
        settings = dict(found.settings or {})
        profiles = dict(settings.get("profiles", {}))
        profiles[data["id"]] = text
        load_profile(data["id"], profiles)  # its parents must resolve
        update_line(session, found.name, settings={**settings, "profiles": profiles})
    return str(data["id"])
