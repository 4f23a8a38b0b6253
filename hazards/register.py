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
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from hazards.checks import (CheckContext, check_register, next_review, snapshot_hash,
                            standing_level)
from hazards.results import Hazard, HazardRow, RegisterCheck, full_hazard, register_row
from hazards.level_words import LevelWords, for_line
from hazards.scoring import DIRECT, Method, method_for
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
CONTROL_PREFIX = re.compile(r"^\s*([^:：]{1,24})[:：]\s*(.+)$", re.S)
# Several accident types in one cell: 高处坠落/物体打击、触电 | 淹溺, one per line, …
ACCIDENT_SEPARATORS = re.compile(r"[/／、|｜,，;；\r\n]+")
# How ledgers write some GB 6441 types other than by the standard's label (中毒和窒息 is one type).
ACCIDENT_SPELLINGS = {"中毒窒息": "poisoning-asphyxia", "中毒": "poisoning-asphyxia",
                      "窒息": "poisoning-asphyxia", "其它伤害": "other-injury",
                      "其它爆炸": "other-explosion"}


def factor_source(method: Method) -> dict[str, str]:
    """Which register column carries each of a method's factors: the factor's own column, but
    P (882E probability A–F) is read from L."""
    return {factor: "L" if factor == "P" else factor for factor in method.factors}


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
    settings: dict[str, Any] = field(default_factory=dict)  # the line's (own scales, level words)
    level_words: LevelWords | None = None  # how the line's ledgers write levels
    methods: dict[str, Method] = field(default_factory=dict)  # found once per import
    levels: dict[Any, str | None] = field(default_factory=dict)  # a ledger's words, read once

    def method(self, code: str) -> Method:
        """The scoring method `code` names on the line (shipped, or the line's own scale)."""
        found = self.methods.get(code)
        if found is None:
            found = self.methods[code] = method_for(code, self.settings)
        return found

    def words(self) -> LevelWords:
        if self.level_words is None:
            self.level_words = for_line(self.settings)
        return self.level_words

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
                   units, org["people"], by_name, dict(line.settings or {}))


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


def parse_accident_types(value: Any) -> tuple[list[str], list[str]]:
    """The GB 6441 codes a cell or option names ("高处坠落/物体打击、触电", labels or codes; a
    list of such texts), in order and without repeats, and the parts that name none."""
    if value in (None, "", [], ()):
        return [], []
    if isinstance(value, str):
        codes, unknown = _accident_text(value)
        return list(codes), list(unknown)
    found: list[str] = []
    missing: list[str] = []
    for text in value:
        codes, unknown = _accident_text(str(text))
        found += [c for c in codes if c not in found]
        missing += unknown
    return found, missing


@lru_cache(maxsize=4096)  # a ledger repeats its few combinations on every row
def _accident_text(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    text = text.strip()
    codes: list[str] = []
    unknown: list[str] = []
    pieces = [text] if _accident_code(text) else [
        p.strip() for p in ACCIDENT_SEPARATORS.split(text) if p.strip()]
    for piece in pieces:
        found = [_accident_code(piece)]
        if found[0] is None and len(piece.split()) > 1:  # 高处坠落 物体打击
            words = [_accident_code(w) for w in piece.split()]
            found = words if all(words) else found
        for code in found:
            if code is None:
                unknown.append(piece)
            elif code not in codes:
                codes.append(code)
    return tuple(codes), tuple(unknown)


def _accident_code(text: str) -> str | None:
    return vocab.parse("accident_type", text) or ACCIDENT_SPELLINGS.get(
        vocab.normalise(text).replace(" ", ""))


def _factors(values: dict[str, Any], prefix: str, method: Method, errors: Errors
             ) -> dict[str, Any]:
    source = factor_source(method)
    method_code = method.code
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
    for key in ("specialty", "risk_category", "factor_category", "status"):
        h[key] = values.get(key)
    h["accident_types"], unknown = parse_accident_types(values.get("accident_type"))
    for text in unknown:
        errors.append(("accident_type", "hazard.unknown_accident_type",
                       {"value": text, "allowed": vocab.OneOf("accident_type")}))
    h["accident_type"] = h["accident_types"][0] if h["accident_types"] else None
    for key in ("activity", "description", "causes", "consequences", "notes"):
        h[key] = values.get(key) or None
    h["status"] = h["status"] or "controlled"
    _evaluation_input(h, values, ref, errors)
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


def level_word(value: Any, ref: RefData, errors: Errors) -> str | None:
    """The level a ledger's word means under the line's level-word table (a code also passes);
    a word the table does not know is an error listing the table in force."""
    if value in (None, ""):
        return None
    words = ref.words()
    found = ref.levels.get(value) if value in ref.levels else ref.levels.setdefault(
        value, words.level(value))
    if found is None:
        errors.append(("level_given", "level_words.unknown_word",
                       {"field": ("hazard_field", "level_given"), "value": str(value).strip(),
                        "table": words.name, "words": words}))
    return found


def _evaluation_input(h: dict[str, Any], values: dict[str, Any], ref: RefData,
                      errors: Errors) -> None:
    """The evaluation a row gives: factors scored by the method (checked against the ledger's
    own 风险值 when it gives one), or a level judged directly on a stated basis (判别依据)."""
    h["score"] = h["level"] = h["residual_score"] = h["residual_level"] = None
    h["factors"], h["residual_factors"] = {}, {}
    h["basis"] = values.get("basis") or None
    h["score_given"] = values.get("score_given")
    level = level_word(values.get("level_given"), ref, errors)
    named = values.get("method") or None  # a shipped method by code or label, or the line's own
    if named is not None:
        named = vocab.parse("scoring_method", named) or str(named).strip()
    method_code = named or ref.default_method
    h["method"], h["band_table"] = method_code, None
    try:
        method = ref.method(method_code)
    except InvalidValue as err:
        errors.append(("method", err.key, err.params))
        h["level_given"] = level
        return
    h["method"] = method.code
    h["band_table"] = ref.band_table if method.code == ref.default_method else None
    inherent = [c for c in FACTOR_COLUMNS if values.get(c) not in (None, "")]
    residual = [c for c in FACTOR_COLUMNS if values.get("residual_" + c) not in (None, "")]
    if method.is_direct or (not inherent and level and h["basis"]):
        _direct(h, level, inherent, residual, errors)
        return
    h["factors"] = _factors(values, "", method, errors)
    h["residual_factors"] = _factors(values, "residual_", method, errors)
    if not inherent and not residual:
        if level and not h["basis"] and h["score_given"] is None:  # (else: the score's error)
            errors.append(("level_given", "hazard.level_needs_scores_or_basis",
                           {"value": str(values.get("level_given")).strip(),
                            "factors": "、".join(factor_source(method).values())}))
        elif h["basis"] and values.get("level_given") in (None, ""):
            errors.append(("basis", "score.direct_needs_level", {}))
    _score(h, method, level, errors)
    _check_score_given(h, method, values, errors)


def _direct(h: dict[str, Any], level: str | None, inherent: list[str], residual: list[str],
            errors: Errors) -> None:
    """A direct judgement (直接判定): the level as judged, the basis kept, no factors."""
    h["method"], h["band_table"] = DIRECT, None
    for column in [*inherent, *("residual_" + c for c in residual)]:
        errors.append((column, "score.direct_no_factors", {}))
    if h["score_given"] is not None:
        errors.append(("score_given", "score.direct_no_factors", {}))
    if level is None:
        if not any(e[0] == "level_given" for e in errors):  # not twice for an unknown word
            errors.append(("level_given", "score.direct_needs_level", {}))
    elif not h["basis"]:
        errors.append(("basis", "score.direct_needs_basis", {}))
    h["level"], h["level_given"] = level, None


def _check_score_given(h: dict[str, Any], method: Method, values: dict[str, Any],
                       errors: Errors) -> None:
    """The ledger's own 风险值 (D = L×E×C) must be what its factors give."""
    given = h["score_given"]
    if given is None:
        return
    columns = factor_source(method)
    formula = "×".join(columns.values())
    if method.combine != "product":
        errors.append(("score_given", "hazard.score_not_product", {"method": method.code}))
    elif not h["factors"]:
        if not any(values.get(c) not in (None, "") for c in columns.values()):
            errors.append(("score_given", "hazard.score_without_factors",
                           {"given": _num(given), "formula": formula}))
    elif h["score"] is None or abs(float(given) - h["score"]) > 1e-6:
        errors.append(("score_given", "hazard.score_mismatch", {
            "given": _num(given), "formula": formula, "computed": _num(h["score"]),
            "values": "×".join(_num(h["factors"][f]) for f in columns)}))


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _score(h: dict[str, Any], method: Method, level_given: str | None, errors: Errors) -> None:
    h["score"] = h["level"] = h["residual_score"] = h["residual_level"] = None
    try:
        if h["factors"]:
            h["score"], h["level"] = method.evaluate(h["factors"], h["band_table"])
        if h["residual_factors"]:
            h["residual_score"], h["residual_level"] = method.evaluate(h["residual_factors"],
                                                                       h["band_table"])
    except InvalidValue as err:  # e.g. a band table the line's scale no longer has
        errors.append(("method", err.key, err.params))
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

EVAL_KEYS = ("method", "band_table", "factors", "level_given", "residual_factors", "score_given",
             "basis")
FIELD_KEYS = ("location_id", "specialty", "risk_category", "factor_category", "accident_type",
              "accident_types", "activity", "description", "causes", "consequences",
              "owner_unit", "owner", "review_days", "last_review", "status", "linked_drills",
              "notes")


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
        if "accident_types" not in h:  # a hazard built in code (the sample) with its one type
            h["accident_types"] = [h["accident_type"]] if h.get("accident_type") else []
        for key in ("notes", "score_given", "basis"):
            h.setdefault(key, None)
        old = current.get(h["code"])
        if old is None:
            new.append(h)
            continue
        _carry(old, h)
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
        if _has_evaluation(h):
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


def _carry(old: dict[str, Any], h: dict[str, Any]) -> None:
    """What the input does not give (`h["_keep"]`: a ledger without that column) stays as
    stored: the fields, and the residual scoring of an unchanged method."""
    keep = h.get("_keep") or ()
    if "last_review" in keep:  # a new evaluation from this input is dated today, not then
        h["_evaluated_on"] = h.get("last_review")
    for key in keep:
        if key in FIELD_KEYS and key != "location_id":
            h[key] = old[key]
    same_scoring = old["method"] == h["method"] and old["band_table"] == h["band_table"]
    if "residual" in keep and not h["residual_factors"] and old["residual_factors"] and same_scoring:
        for key in ("residual_factors", "residual_score", "residual_level"):
            h[key] = old[key]
    for key in ("score_given", "basis"):  # the ledger's own D and basis, for the same scoring
        if key in keep and h[key] is None and same_scoring and old["factors"] == h["factors"]:
            h[key] = old[key]


def _has_evaluation(h: dict[str, Any]) -> bool:
    """Whether the input scores the hazard (factors, a published level, a direct judgement)."""
    return bool(h["factors"] or h["residual_factors"] or h["level_given"]
                or (h["method"] == DIRECT and h["level"]))


def _scoring_changed(old: dict[str, Any], h: dict[str, Any]) -> bool:
    if not _has_evaluation(h):
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
    on = h["_evaluated_on"] if "_evaluated_on" in h else h.get("last_review")
    return {"hazard_id": hazard_id, "evaluated_on": on or as_of,
            "method": h["method"], "band_table": h["band_table"], "factors": h["factors"],
            "score": h["score"], "level": h["level"], "level_given": h["level_given"],
            "score_given": h.get("score_given"), "basis": h.get("basis"),
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
            "verified": bool(c.get("verified")), "check_what": c.get("check_what"),
            "check_how": c.get("check_how"), "check_every_days": c.get("check_every_days")}


# --- library functions behind the CLI ------------------------------------------------------------

# The coded fields of a new hazard: (field, code set, the option that names it in an error).
# (The accident types, the method and the level are checked against the line: its own scales
# and level words.)
CODED_FIELDS = (("specialty", "specialty", "--specialty"),
                ("risk_category", "risk_category", "--category"),
                ("factor_category", "factor_category", "--factor-category"),
                ("status", "hazard_status", "--status"))
# The option that gives a field, where it is not the field's own name.
FIELD_OPTIONS = {"level_given": "--level", "risk_category": "--category"}
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


def page_hazards(store: Store, line: str | None, *, page: int = 1, size: int = 50,
                 level: str | None = None, specialty: str | None = None,
                 location: str | None = None, owner: str | None = None,
                 status: str | None = None, as_of: dt.date | None = None
                 ) -> tuple[int, list[HazardRow]]:
    """One page of `list_hazards` (filters alike) and how many hazards match in all. Without a
    level filter only the page is read from the store (the level is the latest evaluation's)."""
    as_of = as_of or dt.date.today()
    start = (max(page, 1) - 1) * size
    if level:
        rows = list_hazards(store, line, level=level, specialty=specialty, location=location,
                            owner=owner, status=status, as_of=as_of)
        return len(rows), rows[start:start + size]
    specialty = coded("specialty", "--specialty", specialty)
    status = coded("hazard_status", "--status", status)
    with store.read_rows() as session:
        found = line_row(session, line)
        total, codes = hazard_store.page_codes(session, found.id, specialty=specialty,
                                               status=status, location=location, owner=owner,
                                               offset=start, limit=size)
        register = hazard_store.load_register(session, found.id, codes) if codes else []
    ctx = CheckContext(as_of=as_of)  # the review intervals are all a listing row needs
    rows = []
    for h in register:
        due = next_review(h, ctx)
        rows.append(register_row(h, due, bool(due and due < as_of
                                              and h["status"] != "eliminated")))
    return total, rows


def show_hazard(store: Store, line: str | None, code: str,
                as_of: dt.date | None = None) -> Hazard:
    """One hazard in full: its dated evaluations, acceptors by name, and its findings."""
    as_of = as_of or dt.date.today()
    with store.read_rows() as session:
        found = line_row(session, line)
        row_id = hazard_store.hazard_row_id(session, found.id, code)
        h = hazard_store.load_register(session, found.id, [code])[0]  # not the whole register
        ctx = _check_context(session, found.id, as_of)
        history = hazard_store.evaluation_history(session, row_id)
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
        option = FIELD_OPTIONS.get(field_name) or "--" + field_name.replace("_", "-")
        raise InvalidValue("hazard.bad_field", field=option,
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
               status: str | None = None, basis: str | None = None, notes: str | None = None,
               allow_duplicate: bool = False, as_of: dt.date | None = None) -> Hazard:
    """Add one hazard (its ID given or assigned H-NNNN) with its first evaluation.

    Values are as a user types them: coded fields a code or either label, `accident_type` one
    or several GB 6441 types ("高处坠落/物体打击", or a list), `method` a shipped method or the
    line's own scale, `level_given` a word of the line's level-word table, `score` and
    `residual` factor texts ("L=6,E=6,C=15"; 882E "S=1,P=C"), `location` an ID or a name
    unique on the line, `owner_unit`/`owner` an ID or a name, `controls` "type: text" lines.
    A level without scores is a direct judgement (method `direct`) and needs its `basis`
    (判别依据). A bad value is refused naming its option. A hazard with the same description,
    location and specialty as one already on the line is refused, naming that one, unless
    `allow_duplicate`."""
    values: dict[str, Any] = {"code": code, **score_values(score, residual)}
    given = {"specialty": specialty, "risk_category": risk_category,
             "factor_category": factor_category, "status": status}
    for key, set_name, option in CODED_FIELDS:
        values[key] = coded(set_name, option, given[key], required=key in REQUIRED_CODES)
    types, unknown = parse_accident_types(accident_type)
    if unknown:
        raise InvalidValue("option.bad_code", option="--accident-type", value=unknown[0],
                           allowed=vocab.OneOf("accident_type"))
    values.update(location=location, description=description, activity=activity, causes=causes,
                  consequences=consequences, controls=list(controls), owner_unit=owner_unit,
                  owner=owner, review_days=review_days, linked_drills=list(linked_drills),
                  accident_type=types, basis=basis, notes=notes)
    with store.write(actor, "hazard add") as session:
        found = find_line(session, line)
        ref = RefData.load(session, found)
        values["method"] = _method_option(method, ref)
        values["level_given"] = _level_option(level_given, ref)
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


def _method_option(value: str | None, ref: RefData) -> str | None:
    """A method given on the command line: a shipped one (code or label) or the line's own."""
    if value is None:
        return None
    shipped = vocab.parse("scoring_method", value)
    try:
        return ref.method(shipped or value).code
    except InvalidValue as err:
        raise InvalidValue("option.bad_code", option="--method", value=value,
                           allowed=err.params.get("known", "")) from None


def _level_option(value: str | None, ref: RefData) -> str | None:
    """A level given on the command line: a word of the line's level-word table (or a code)."""
    if value is None:
        return None
    found = ref.words().level(value)
    if found is None:
        raise InvalidValue("option.bad_code", option="--level", value=value, allowed=ref.words())
    return found


def evaluate_hazard(store: Store, line: str | None, code: str, *, actor: Actor, score: str,
                    residual: str, method: str | None = None,
                    evaluated_on: dt.date | None = None, note: str | None = None,
                    seen: int | None = None) -> Hazard:
    """Record a new dated evaluation (inherent and residual); earlier ones stay in the history.

    `score` and `residual` are factor texts as typed ("L=6,E=6,C=15"), both required;
    `method` (a code or label) if not the hazard's current one; `evaluated_on` default today.
    `seen`: how many evaluations the user saw; if someone has evaluated it since, refused with
    who and what (two people re-scoring at once: the second does not pass unnoticed)."""
    values = score_values(score, residual)
    as_of = evaluated_on or dt.date.today()
    with store.write(actor, f"hazard evaluate {code}") as session:
        found = find_line(session, line)
        ref = RefData.load(session, found)
        current = next(iter(hazard_store.load_register(session, found.id, [code])), None)
        if current is None:
            raise NotFound("hazard.not_found", id=code)
        if seen is not None and current["evaluations"] != seen:
            raise InvalidValue("hazard.moved_on", id=code, seen=seen,
                               now=current["evaluations"], on=str(current["evaluated_on"]),
                               level=("risk_level", current["level"]) if current["level"]
                               else "-")
        # a hazard judged directly is scored now by the line's method unless one is named
        current_method = None if current["method"] == DIRECT else current["method"]
        chosen = ref.method(_method_option(method, ref) or current_method or ref.default_method)
        if chosen.is_direct:
            raise InvalidValue("hazard.bad_field", field="--method",
                               reason=InvalidValue("score.direct_no_factors").message())
        method_code = chosen.code
        h: dict[str, Any] = {"method": method_code,
                             "band_table": ref.band_table if method_code == ref.default_method
                             else None, "score_given": None, "basis": None}
        errors: Errors = []
        h["factors"] = _factors(values, "", chosen, errors)
        h["residual_factors"] = _factors(values, "residual_", chosen, errors)
        _fail_on(errors)
        if not h["factors"] or not h["residual_factors"]:
            raise InvalidValue("hazard.evaluation_incomplete", method=method_code)
        _score(h, chosen, None, errors)
        _fail_on(errors)
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
                evidence: str | None = None, verified: bool = False,
                check_what: str | None = None, check_how: str | None = None,
                check_every_days: int | None = None) -> Hazard:
    """Add a control measure to a hazard (audited); a changed control set voids an acceptance.
    `control_type` and `aspect` are a code or either label. `check_what`, `check_how` and
    `check_every_days` are its inspection handbook entry (None: the default, see
    hazards.handbook)."""
    control_type = coded("control_type", "--type", control_type)
    aspect = coded("control_aspect", "--aspect", aspect)
    if not control_type or not description:
        raise InvalidValue("hazard.control_incomplete")
    if check_every_days is not None and not (1 <= check_every_days <= 3660):
        raise InvalidValue("hazard.bad_every", value=check_every_days)
    with store.write(actor, f"hazard control add {code}") as session:
        found = find_line(session, line)
        current = next(iter(hazard_store.load_register(session, found.id, [code])), None)
        if current is None:
            raise NotFound("hazard.not_found", id=code)
        row_id = hazard_store.hazard_row_id(session, found.id, code)
        row = {"hazard_id": row_id, "type": control_type, "aspect": aspect,
               "description": description, "owner": owner, "verification": verification,
               "evidence": evidence, "verified": bool(verified),
               "check_what": (check_what or "").strip() or None,
               "check_how": (check_how or "").strip() or None,
               "check_every_days": check_every_days}
        hazard_store.insert_controls(session, [_control_row(row)])
        if current["acceptance"]:
            hazard_store.void_acceptances(session, [(row_id, code, "controls-changed")])
    return show_hazard(store, line, code)


def accept_hazard(store: Store, line: str | None, code: str, *, accepted_by: str,
                  org_level: str | None = None, accepted_on: dt.date | None = None,
                  valid_until: dt.date | None = None, actor: Actor,
                  account: Any = None) -> Hazard:
    """Record acceptance of the hazard's residual risk, with a snapshot of what was accepted.

    `accepted_by` must be one person of the organisation (staff ID, or a name unique among
    people); the level of the acceptance is their unit's. `org_level` (a code or label), if
    given, is only a check that must agree with it. Once the store has accounts, `account`
    (authenticated) must be that person's own and allowed to accept risk on the line."""
    from hazards.checks import material_snapshot
    from readiness.accounts import check_signer
    from readiness.store.org import find_person

    accepted_on = accepted_on or dt.date.today()
    given = coded("org_level", "--level", org_level)
    with store.write(actor, f"hazard accept {code}") as session:
        found = find_line(session, line)
        current = next(iter(hazard_store.load_register(session, found.id, [code])), None)
        if current is None:
            raise NotFound("hazard.not_found", id=code)
        if not standing_level(current):  # a direct judgement is accepted at its judged level
            raise InvalidValue("hazard.accept_unscored", id=code)
        person = find_person(session, accepted_by, "--by")
        check_signer(session, account, "risk-accept", found.name, person)
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
        hazard_store.close_requests(session, row_id, code, "accepted", accepted_on)
        hazard_store.insert_acceptance(session, row_id, {
            "accepted_by": person["staff_id"], "org_level": level, "accepted_on": accepted_on,
            "valid_until": valid_until, "snapshot": material_snapshot(current),
            "snapshot_hash": snapshot_hash(current)})
    return show_hazard(store, line, code)
