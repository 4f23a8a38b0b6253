"""The hazard register's library functions: resolve input, write, list, show, evaluate, accept.

`resolve_hazard` is the one place that turns user input (a workbook row, or the values given to
`add_hazard`) into a checked hazard; the importer and `add_hazard` both use it, so both accept
and refuse the same things. Coded values arrive as typed: the workbook reader turns a cell into
its code, `add_hazard` an argument (refusing a bad one naming its option).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hazards.checks import CheckContext, check_register, next_review, snapshot_hash
from hazards.results import Hazard, HazardRow, RegisterCheck, full_hazard, register_row
from hazards.scoring import method as scoring_method
from readiness.actor import Actor
from readiness import vocab
from readiness.errors import InvalidValue, NotFound, coded
from readiness.store import hazards as hazard_store
from readiness.store.drills import scenario_codes
from readiness.store.lines import find_line, line_row
from readiness.store.org import org_index

if TYPE_CHECKING:
    from readiness.lines.locations import LocationIndex
    from readiness.store.core import Store
    from readiness.store.write_session import WriteSession

FACTOR_COLUMNS = ("L", "E", "C", "S")
# Which workbook column carries each method's factors (882E: L carries probability A–F).
FACTOR_SOURCE = {"LEC": {"L": "L", "E": "E", "C": "C"}, "LS": {"L": "L", "S": "S"},
                 "882E": {"S": "S", "P": "L"}}
CONTROL_PREFIX = re.compile(r"^\s*([^:：]{1,24})[:：]\s*(.+)$", re.S)


@dataclass
class RefData:
    """What resolving a hazard needs to know about the line and the organisation."""

    line_id: int
    line_name: str
    default_method: str
    band_table: str | None
    locations: LocationIndex  # by ID, or by a name unique on the line
    units: dict[str, dict[str, Any]]  # by code and by name
    people: dict[str, dict[str, Any]]  # by staff ID
    people_by_name: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Any, line: Any) -> RefData:
        from readiness.lines.locations import LocationIndex  # not needed for listings

        org = org_index(session)
        locations = LocationIndex.load(session, line)
        units: dict[str, dict[str, Any]] = {}
        for unit in org["units"].values():
            units.setdefault(unit["name"], unit)
            units[unit["code"]] = unit
        by_name: dict[str, list[dict[str, Any]]] = {}
        for person in org["people"].values():
            by_name.setdefault(person["name"], []).append(person)
        return cls(line.id, line.name, line.scoring_method or "LEC", line.band_table, locations,
                   units, org["people"], by_name)


Errors = list[tuple[str, str, dict[str, Any]]]  # (field, message key, params)


def parse_factors(text: str | None, option: str = "--score") -> dict[str, Any]:
    """Factor scores as typed, "L=6,E=6,C=15" → {"L": "6", …} (a full-width comma is fine);
    for 882E, "S=1,P=C" puts the probability P in the L column. `option` names the field in the
    error. The values are checked against the method's scales by `resolve_hazard`."""
    if not text:
        return {}
    pairs: dict[str, Any] = {}
    for part in text.replace("，", ",").split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InvalidValue("option.bad_factors", option=option, value=text)
        key = key.strip().upper()
        pairs["L" if key == "P" else key] = value.strip()
    return pairs


def score_values(score: str | None, residual: str | None) -> dict[str, Any]:
    """The inherent and residual factors of an evaluation, as `resolve_hazard` takes them."""
    values = dict(parse_factors(score, "--score"))
    values.update({f"residual_{k}": v
                   for k, v in parse_factors(residual, "--residual").items()})
    return values


def parse_control_line(text: str) -> dict[str, Any]:
    """"工程控制：设置防护栏" → engineering control; a line without a known type is a procedure."""
    match = CONTROL_PREFIX.match(text)
    if match:
        code = vocab.parse("control_type", match.group(1))
        if code:
            return {"type": code, "description": match.group(2).strip()}
    return {"type": "administrative", "description": text.strip()}


def _factors(values: dict[str, Any], prefix: str, method_code: str, errors: Errors
             ) -> dict[str, Any]:
    source = FACTOR_SOURCE[method_code]
    method = scoring_method(method_code)
    given = {factor: values.get(prefix + column) for factor, column in source.items()}
    present = {f: v for f, v in given.items() if v not in (None, "")}
    if not present:
        return {}
    factors = {}
    for factor, value in given.items():
        column = prefix + source[factor]
        if value in (None, ""):
            errors.append((column, "score.missing_factor_here", {"method": method_code}))
            continue
        try:
            factors[factor] = method.normalise_factor(factor, value)
        except InvalidValue as err:
            errors.append((column, err.key, err.params))
    return factors if len(factors) == len(source) else {}


def resolve_hazard(values: dict[str, Any], ref: RefData) -> tuple[dict[str, Any], Errors]:
    """Check one hazard's input; return the resolved hazard and every problem found."""
    errors: Errors = []
    h: dict[str, Any] = {"code": values.get("code") or None}
    if values.get("line") and str(values["line"]).strip() != ref.line_name:
        errors.append(("line", "hazard.other_line", {"line": values["line"], "target": ref.line_name}))
    loc = ref.locations.resolve(values.get("location"), errors)
    h["location_id"], h["location"] = (loc["id"], loc["code"]) if loc else (None, None)
    for key in ("specialty", "risk_category", "factor_category", "accident_type", "status"):
        h[key] = values.get(key)
    for key in ("activity", "description", "causes", "consequences"):
        h[key] = values.get(key) or None
    h["status"] = h["status"] or "controlled"
    method_code = values.get("method") or ref.default_method
    h["method"] = method_code
    h["band_table"] = ref.band_table if method_code == ref.default_method else None
    h["factors"] = _factors(values, "", method_code, errors)
    h["residual_factors"] = _factors(values, "residual_", method_code, errors)
    _score(h, values.get("level_given"), errors)
    h["owner_unit"] = resolve_unit(values.get("owner_unit"), ref, errors)
    h["owner"] = resolve_person(values.get("owner"), ref, errors)
    days = values.get("review_days")
    if days is not None and days <= 0:
        errors.append(("review_days", "hazard.bad_review_days", {"value": days}))
    h["review_days"] = days
    h["last_review"] = values.get("last_review")
    h["linked_drills"] = list(values.get("linked_drills") or [])
    h["needs_reevaluation"] = False
    controls = [parse_control_line(c) for c in values.get("controls") or []]
    # details the cell does not give stay None: a re-import of a register without its
    # controls sheet (a CSV) keeps what is stored; a new control is unverified
    h["controls"] = [{"aspect": None, "owner": None, "verification": None, "evidence": None,
                      "verified": None, **c} for c in controls]
    return h, errors


def _score(h: dict[str, Any], level_given: str | None, errors: Errors) -> None:
    method = scoring_method(h["method"])
    h["score"] = h["level"] = h["residual_score"] = h["residual_level"] = None
    if h["factors"]:
        h["score"], h["level"] = method.evaluate(h["factors"], h["band_table"])
    if h["residual_factors"]:
        h["residual_score"], h["residual_level"] = method.evaluate(h["residual_factors"],
                                                                   h["band_table"])
    # A level in the ledger that agrees with the score adds nothing; one that disagrees is kept
    # for `hazard check` to report.
    h["level_given"] = None if level_given == h["level"] else level_given


def resolve_unit(value: Any, ref: RefData, errors: Errors) -> str | None:
    if value in (None, ""):
        return None
    unit = ref.units.get(str(value).strip())
    if unit is None:
        errors.append(("owner_unit", "hazard.unknown_unit", {"value": value}))
        return None
    return str(unit["code"])


def resolve_person(value: Any, ref: RefData, errors: Errors) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text in ref.people:
        return text
    named = ref.people_by_name.get(text, [])
    if len(named) == 1:
        return str(named[0]["staff_id"])
    if len(named) > 1:
        errors.append(("owner", "hazard.ambiguous_person",
                       {"value": text, "ids": ", ".join(p["staff_id"] for p in named)}))
    else:
        errors.append(("owner", "hazard.unknown_person", {"value": text}))
    return None


# --- writing -------------------------------------------------------------------------------------

EVAL_KEYS = ("method", "band_table", "factors", "level_given", "residual_factors")
FIELD_KEYS = ("location_id", "specialty", "risk_category", "factor_category", "accident_type",
              "activity", "description", "causes", "consequences", "owner_unit", "owner",
              "review_days", "last_review", "status", "linked_drills")


def write_hazards(session: WriteSession, line_id: int, resolved: list[dict[str, Any]],
                  as_of: dt.date, evaluator: str | None = None,
                  replace_controls: bool = True) -> dict[str, int]:
    """Create or update hazards; a new evaluation only when the scoring changed. Audited.

    Only the hazards named in `resolved` are loaded, so an import can call this chunk by chunk.
    """
    given = [h["code"] for h in resolved if h["code"]]
    current = {h["id"]: h for h in hazard_store.load_register(session, line_id, given)}
    raw = hazard_store.existing_codes(session, line_id, given)
    blanks = sum(1 for h in resolved if not h["code"])
    fresh = iter(hazard_store.next_codes(session, line_id, blanks, taken=given) if blanks else [])
    new, updates, evaluations, new_controls, control_updates, removed, voids = [], [], [], [], [], [], []
    unchanged = 0
    for h in resolved:
        h["code"] = h["code"] or next(fresh)
        old = current.get(h["code"])
        if old is None:
            new.append(h)
            continue
        before, after = _field_changes(old, h)
        scoring_changed = _scoring_changed(old, h)
        ctl_new, ctl_upd, ctl_del = _control_changes(old["controls"], h["controls"],
                                                     replace_controls)
        if after:
            updates.append((raw[h["code"]], h["code"], before, after))
        if scoring_changed:
            evaluations.append(_evaluation(raw[h["code"]], h, as_of, evaluator))
        new_controls += [{**c, "hazard_id": raw[h["code"]]} for c in ctl_new]
        control_updates += ctl_upd
        removed += [{**c, "hazard": h["code"]} for c in ctl_del]
        if not (after or scoring_changed or ctl_new or ctl_upd or ctl_del):
            unchanged += 1
            continue
        if old["acceptance"] and old["acceptance"]["snapshot_hash"] != snapshot_hash(
                {**h, "controls": _merged_controls(old["controls"], h["controls"],
                                                   replace_controls)}):
            voids.append((raw[h["code"]], h["code"], "changed"))
    ids = hazard_store.insert_hazards(session, line_id, new)
    for row_id, h in zip(ids, new):
        if h["factors"] or h["residual_factors"] or h["level_given"]:
            evaluations.append(_evaluation(row_id, h, as_of, evaluator))
        new_controls += [{**c, "hazard_id": row_id} for c in h["controls"]]
    hazard_store.update_hazards(session, updates)
    hazard_store.insert_evaluations(session, evaluations)
    hazard_store.insert_controls(session, [_control_row(c) for c in new_controls])
    hazard_store.update_controls(session, control_updates)
    hazard_store.delete_controls(session, removed)
    hazard_store.void_acceptances(session, voids)
    return {"created": len(new), "updated": len(resolved) - len(new) - unchanged,
            "unchanged": unchanged}


def _field_changes(old: dict[str, Any], h: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    before, after = {}, {}
    for key in FIELD_KEYS:
        if key == "location_id":
            if old["location"] != h["location"]:
                before[key], after[key] = old["location"], h["location_id"]
            continue
        if old[key] != h[key]:
            before[key], after[key] = old[key], h[key]
    return before, after


def _scoring_changed(old: dict[str, Any], h: dict[str, Any]) -> bool:
    if not (h["factors"] or h["residual_factors"] or h["level_given"]):
        return False  # a row without scores keeps the hazard's existing evaluation
    return any(_norm(old[k]) != _norm(h[k]) for k in EVAL_KEYS)


def _norm(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def _evaluation(hazard_id: int, h: dict[str, Any], as_of: dt.date,
                evaluator: str | None) -> dict[str, Any]:
    return {"hazard_id": hazard_id, "evaluated_on": h.get("last_review") or as_of,
            "method": h["method"], "band_table": h["band_table"], "factors": h["factors"],
            "score": h["score"], "level": h["level"], "level_given": h["level_given"],
            "residual_factors": h["residual_factors"], "residual_score": h["residual_score"],
            "residual_level": h["residual_level"], "evaluator": evaluator, "note": None}


CONTROL_DETAIL = ("type", "aspect", "owner", "verification", "evidence", "verified")


def _control_changes(old: list[dict[str, Any]], new: list[dict[str, Any]], replace: bool
                     ) -> tuple[list[dict[str, Any]], list[tuple[int, str, dict[str, Any],
                                                               dict[str, Any]]],
                                list[dict[str, Any]]]:
    """Match controls by description: add new ones, update changed details, drop missing ones."""
    by_text = {c["description"]: c for c in old}
    created, updated = [], []
    for c in new:
        match = by_text.get(c["description"])
        if match is None:
            created.append(c)
            continue
        diff = {k: c[k] for k in CONTROL_DETAIL if c.get(k) is not None and c[k] != match[k]}
        if diff:
            updated.append((match["id"], c["description"][:60],
                            {("control_type" if k == "type" else k): match[k] for k in diff},
                            {("control_type" if k == "type" else k): v for k, v in diff.items()}))
    wanted = {c["description"] for c in new}
    removed = [c for c in old if c["description"] not in wanted] if replace and new else []
    return created, updated, removed


def _merged_controls(old: list[dict[str, Any]], new: list[dict[str, Any]],
                     replace: bool) -> list[dict[str, Any]]:
    if not new:
        return old
    if replace:
        return new
    return old + [c for c in new if c["description"] not in {o["description"] for o in old}]


def _control_row(c: dict[str, Any]) -> dict[str, Any]:
    return {"hazard_id": c["hazard_id"], "control_type": c["type"], "aspect": c.get("aspect"),
            "description": c["description"], "owner": c.get("owner"),
            "verification": c.get("verification"), "evidence": c.get("evidence"),
            "verified": bool(c.get("verified"))}


# --- library functions behind the CLI ------------------------------------------------------------

# The coded fields of a new hazard: (field, code set, the option that names it in an error).
CODED_FIELDS = (("specialty", "specialty", "--specialty"),
                ("risk_category", "risk_category", "--category"),
                ("factor_category", "factor_category", "--factor-category"),
                ("accident_type", "accident_type", "--accident-type"),
                ("method", "scoring_method", "--method"),
                ("level_given", "risk_level", "--level"),
                ("status", "hazard_status", "--status"))
REQUIRED_CODES = ("specialty", "risk_category")


def _check_context(session: Any, line_id: int, as_of: dt.date) -> CheckContext:
    org = org_index(session)
    return CheckContext(as_of=as_of, units=org["units"], people=org["people"],
                        scenarios=scenario_codes(session, line_id) or None)


def list_hazards(store: Store, line: str | None, *, level: str | None = None,
                 specialty: str | None = None, location: str | None = None,
                 owner: str | None = None, status: str | None = None, overdue: bool = False,
                 factor_category: str | None = None,
                 as_of: dt.date | None = None) -> list[HazardRow]:
    """The line's hazards, filtered; coded filters as typed (a code or either label)."""
    as_of = as_of or dt.date.today()
    wanted = {"level": coded("risk_level", "--level", level),
              "specialty": coded("specialty", "--specialty", specialty),
              "status": coded("hazard_status", "--status", status),
              "factor_category": coded("factor_category", "--factor-category", factor_category)}
    with store.read_rows() as session:
        found = line_row(session, line)
        register = hazard_store.load_register(session, found.id)
        ctx = _check_context(session, found.id, as_of)
    result = []
    for h in register:
        if wanted["level"] and h["level"] != wanted["level"]:
            continue
        if wanted["specialty"] and h["specialty"] != wanted["specialty"]:
            continue
        if wanted["status"] and h["status"] != wanted["status"]:
            continue
        # a top-level GB/T 13861 category also finds the hazards filed under its sub-categories
        if wanted["factor_category"] and not vocab.covers("factor_category",
                                                          wanted["factor_category"],
                                                          h["factor_category"]):
            continue
        if location and location not in (h["location"], h["location_name"]):
            continue
        if owner and owner not in (h["owner"], h["owner_unit"]):
            continue
        due = next_review(h, ctx)
        late = bool(due and due < as_of and h["status"] != "eliminated")
        if overdue and not late:
            continue
        result.append(register_row(h, due, late))
    return result


def show_hazard(store: Store, line: str | None, code: str,
                as_of: dt.date | None = None) -> Hazard:
    """One hazard in full: its dated evaluations, acceptors by name, and its findings."""
    as_of = as_of or dt.date.today()
    with store.read_rows() as session:
        found = line_row(session, line)
        row_id = hazard_store.hazard_row_id(session, found.id, code)
        register = hazard_store.load_register(session, found.id)
        ctx = _check_context(session, found.id, as_of)
        history = hazard_store.evaluation_history(session, row_id)
    h = next(h for h in register if h["id"] == code)
    return full_hazard(h, next_review(h, ctx), history, check_register([h], ctx), ctx.people)


def check_hazards(store: Store, line: str | None, as_of: dt.date | None = None) -> RegisterCheck:
    """Every finding about the line's register (as of `as_of`, default today)."""
    with store.read_rows() as session:
        found = line_row(session, line)
        register = hazard_store.load_register(session, found.id)
        ctx = _check_context(session, found.id, as_of or dt.date.today())
    return RegisterCheck(hazards=len(register), findings=check_register(register, ctx))


def _fail_on(errors: Errors) -> None:
    if errors:
        field_name, key, params = errors[0]
        if field_name in FACTOR_COLUMNS:
            field_name = "score"
        elif field_name.removeprefix("residual_") in FACTOR_COLUMNS:
            field_name = "residual"
        raise InvalidValue("hazard.bad_field", field="--" + field_name.replace("_", "-"),
                           reason=InvalidValue(key, **params).message())


def _required(option: str) -> InvalidValue:
    return InvalidValue("hazard.bad_field", field=option,
                        reason=InvalidValue("import.required").message())


def add_hazard(store: Store, line: str | None, *, actor: Actor, location: str,
               specialty: str, risk_category: str, description: str, code: str | None = None,
               activity: str | None = None, factor_category: str | None = None,
               accident_type: str | None = None, causes: str | None = None,
               consequences: str | None = None, method: str | None = None,
               score: str | None = None, residual: str | None = None,
               level_given: str | None = None, controls: Sequence[str] = (),
               owner_unit: str | None = None, owner: str | None = None,
               review_days: int | None = None, linked_drills: Sequence[str] = (),
               status: str | None = None, allow_duplicate: bool = False,
               as_of: dt.date | None = None) -> Hazard:
    """Add one hazard (its ID given or assigned H-NNNN) with its first evaluation.

    Values are as a user types them: coded fields a code or either label, `score` and
    `residual` factor texts ("L=6,E=6,C=15"; 882E "S=1,P=C"), `location` an ID or a name
    unique on the line, `owner_unit`/`owner` an ID or a name, `controls` "type: text" lines.
    A bad one is refused naming its option. A hazard with the same description, location and
    specialty as one already on the line is refused, naming that one, unless `allow_duplicate`."""
    values: dict[str, Any] = {"code": code, **score_values(score, residual)}
    given = {"specialty": specialty, "risk_category": risk_category,
             "factor_category": factor_category, "accident_type": accident_type,
             "method": method, "level_given": level_given, "status": status}
    for key, set_name, option in CODED_FIELDS:
        values[key] = coded(set_name, option, given[key], required=key in REQUIRED_CODES)
    values.update(location=location, description=description, activity=activity, causes=causes,
                  consequences=consequences, controls=list(controls), owner_unit=owner_unit,
                  owner=owner, review_days=review_days, linked_drills=list(linked_drills))
    with store.write(actor, "hazard add") as session:
        found = find_line(session, line)
        ref = RefData.load(session, found)
        h, errors = resolve_hazard(values, ref)
        _fail_on(errors)
        if not h["location"]:
            raise _required("--location")
        if not (h["description"] or "").strip():
            raise _required("--description")
        if h["code"] and h["code"] in hazard_store.existing_codes(session, found.id):
            raise InvalidValue("hazard.exists", id=h["code"])
        if not allow_duplicate:
            same = hazard_store.same_hazard(session, found.id, h["description"],
                                            h["location_id"], h["specialty"])
            if same:
                raise InvalidValue("hazard.duplicate", id=same)
        write_hazards(session, found.id, [h], as_of or dt.date.today(), evaluator=session.user)
    return show_hazard(store, line, h["code"], as_of)


def evaluate_hazard(store: Store, line: str | None, code: str, *, actor: Actor, score: str,
                    residual: str, method: str | None = None,
                    evaluated_on: dt.date | None = None, note: str | None = None) -> Hazard:
    """Record a new dated evaluation (inherent and residual); earlier ones stay in the history.

    `score` and `residual` are factor texts as typed ("L=6,E=6,C=15"), both required;
    `method` (a code or label) if not the hazard's current one; `evaluated_on` default today."""
    values = score_values(score, residual)
    given_method = coded("scoring_method", "--method", method)
    as_of = evaluated_on or dt.date.today()
    with store.write(actor, f"hazard evaluate {code}") as session:
        found = find_line(session, line)
        ref = RefData.load(session, found)
        current = next((h for h in hazard_store.load_register(session, found.id)
                        if h["id"] == code), None)
        if current is None:
            raise NotFound("hazard.not_found", id=code)
        method_code = given_method or current["method"] or ref.default_method
        h: dict[str, Any] = {"method": method_code,
                             "band_table": ref.band_table if method_code == ref.default_method
                             else None}
        errors: Errors = []
        h["factors"] = _factors(values, "", method_code, errors)
        h["residual_factors"] = _factors(values, "residual_", method_code, errors)
        _fail_on(errors)
        if not h["factors"] or not h["residual_factors"]:
            raise InvalidValue("hazard.evaluation_incomplete", method=method_code)
        _score(h, None, errors)
        row_id = hazard_store.hazard_row_id(session, found.id, code)
        hazard_store.insert_evaluations(session, [{**_evaluation(row_id, h, as_of, session.user),
                                                   "note": note}])
        updates = {"last_review": as_of, "needs_reevaluation": False}
        hazard_store.update_hazards(session, [(row_id, code, {
            "last_review": current["last_review"],
            "needs_reevaluation": current["needs_reevaluation"]}, updates)])
        merged = {**current, **h}
        if current["acceptance"] and current["acceptance"]["snapshot_hash"] != snapshot_hash(merged):
            hazard_store.void_acceptances(session, [(row_id, code, "re-evaluated")])
    return show_hazard(store, line, code, as_of)


def add_control(store: Store, line: str | None, code: str, *, actor: Actor,
                control_type: str, description: str, aspect: str | None = None,
                owner: str | None = None, verification: str | None = None,
                evidence: str | None = None, verified: bool = False) -> Hazard:
    """Add a control measure to a hazard (audited); a changed control set voids an acceptance.
    `control_type` and `aspect` are a code or either label."""
    control_type = coded("control_type", "--type", control_type)
    aspect = coded("control_aspect", "--aspect", aspect)
    if not control_type or not description:
        raise InvalidValue("hazard.control_incomplete")
    with store.write(actor, f"hazard control add {code}") as session:
        found = find_line(session, line)
        current = next((h for h in hazard_store.load_register(session, found.id)
                        if h["id"] == code), None)
        if current is None:
            raise NotFound("hazard.not_found", id=code)
        row_id = hazard_store.hazard_row_id(session, found.id, code)
        row = {"hazard_id": row_id, "type": control_type, "aspect": aspect,
               "description": description, "owner": owner, "verification": verification,
               "evidence": evidence, "verified": bool(verified)}
        hazard_store.insert_controls(session, [_control_row(row)])
        if current["acceptance"]:
            hazard_store.void_acceptances(session, [(row_id, code, "controls-changed")])
    return show_hazard(store, line, code)


def accept_hazard(store: Store, line: str | None, code: str, *, accepted_by: str,
                  org_level: str | None = None, accepted_on: dt.date | None = None,
                  valid_until: dt.date | None = None, actor: Actor) -> Hazard:
    """Record acceptance of the hazard's residual risk, with a snapshot of what was accepted.

    `accepted_by` must be one person of the organisation (staff ID, or a name unique among
    people); the level of the acceptance is their unit's. `org_level` (a code or label), if
    given, is only a check that must agree with it."""
    from hazards.checks import material_snapshot
    from readiness.store.org import find_person

    accepted_on = accepted_on or dt.date.today()
    given = coded("org_level", "--level", org_level)
    with store.write(actor, f"hazard accept {code}") as session:
        found = find_line(session, line)
        current = next(iter(hazard_store.load_register(session, found.id, [code])), None)
        if current is None:
            raise NotFound("hazard.not_found", id=code)
        if not current["residual_level"]:
            raise InvalidValue("hazard.accept_unscored", id=code)
        person = find_person(session, accepted_by, "--by")
        unit = org_index(session)["units"].get(person["unit_code"])
        who = {"who": person["name"], "staff_id": person["staff_id"]}
        if unit is None:
            raise InvalidValue("hazard.accept_no_unit", unit=person["unit_code"], **who)
        level = unit["level"]
        if given is not None and given != level:
            raise InvalidValue("hazard.accept_level_disagrees", level=("org_level", level),
                               given=("org_level", given), **who)
        row_id = hazard_store.hazard_row_id(session, found.id, code)
        if current["acceptance"]:
            hazard_store.void_acceptances(session, [(row_id, code, "superseded")])
        hazard_store.insert_acceptance(session, row_id, {
            "accepted_by": person["staff_id"], "org_level": level, "accepted_on": accepted_on,
            "valid_until": valid_until, "snapshot": material_snapshot(current),
            "snapshot_hash": snapshot_hash(current)})
    return show_hazard(store, line, code)
