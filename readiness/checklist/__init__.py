"""Opening safety points (开通运营安全要点) and attested requirements: one way to attest.

The operator writes down the safety points of a new line's opening, phase by phase and across six
aspects; certification practice tracks them as items each verified, with evidence, by someone
other than the one who prepared them. A requirement of the pre-opening assessment spec that the
toolkit cannot compute from its records (an acceptance, a system's function verification, a
linkage test, staff in post …) is an **attested item**: the same kind of item, with the spec's
chapter and area set (readiness/data/checklist.toml, ids AT-…). Every item has a basis: the
documents it rests on (readiness/data/sources.toml). Rules, the same for both:
- `not-applicable` needs a reason; `done` and `verified` need evidence (a reference or a file,
  whose SHA-256 is recorded); `verified` needs a verifier who is not the owner, and a date;
- a line may add, edit and drop items; dropping needs a reason and keeps the item (dropped);
- `readiness phase advance` is refused while a blocking item of the current phase is not verified
  (or not applicable), unless overridden with a reason, which is recorded and shown in reports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from readiness.actor import Actor
from readiness import sources, vocab
from readiness.errors import InvalidValue, coded
from readiness.store import checklist as checklist_store
from readiness.store.core import Store
from readiness.store.lines import find_line, line_by_id

PHASES = tuple(vocab.codes("phase"))  # in order: the checklist lists its points phase by phase
ADDED_PREFIX = "CL-X-"  # points a line adds to the default checklist: CL-X-01, CL-X-02 …
CLEARED = ("verified", "not-applicable")  # what lets a phase move on
STORE_FIELDS = ("row_id", "code")  # the store's own: never shown, never in --json
CHAPTERS = tuple(vocab.codes("assessment_chapter"))  # the spec's four chapters, in order
OWN_BASIS = [{"source": "OPERATOR-POLICY", "article": "", "kind": "operator-policy",
              "verified": False}]  # the basis of a point a line adds itself


@dataclass(slots=True, frozen=True)
class ChecklistItem:
    """A safety point with its owner, status, evidence and verification."""

    id: str
    phase: str
    aspect: str
    text: str
    text_en: str | None
    topic: str | None
    owner_kind: str | None
    evidence_kind: str | None
    blocking: bool
    source: str | None
    owner_unit: str | None
    owner: str | None
    due: dt.date | None
    status: str
    na_reason: str | None
    evidence_ref: str | None
    evidence_file: str | None
    evidence_sha256: str | None
    verifier: str | None
    verified_on: dt.date | None
    note: str | None
    dropped: bool
    drop_reason: str | None
    chapter: str | None  # an attested item: the spec's chapter (assessment_chapter); else None
    area: str | None  # an attested item: its assessment area; else None
    basis: list[dict[str, Any]]  # {document, title, title_en, article, kind, verified}


@dataclass(slots=True, frozen=True)
class SeedResult:
    """What `checklist seed` added to a line from the catalogue."""

    line: str
    added: list[str]  # the IDs added, in catalogue order


@dataclass(slots=True, frozen=True)
class PhaseChange:
    """The line moved from one phase to the next: by whom, when, and whether overriding."""

    from_phase: str
    to_phase: str
    at: dt.datetime
    username: str
    override: bool
    reason: str | None  # an override's reason, with the points still open [CL-…]


@dataclass(slots=True, frozen=True)
class PhaseStatus:
    """The line's phase, the next one, and what stands between them (`readiness phase`)."""

    line: str
    phase: str
    next: str | None  # None: the last phase
    blocking_open: list[ChecklistItem]
    history: list[PhaseChange]
    overrides: list[PhaseChange]


@lru_cache(maxsize=1)
def default_catalogue() -> list[dict[str, Any]]:
    """The shipped catalogue, checked: codes known, IDs unique, every basis naming a known
    document, an attested item with both a chapter and an area."""
    text = resources.files("readiness").joinpath("data/checklist.toml").read_text("utf-8")
    items = tomllib.loads(text)["item"]
    seen: set[str] = set()
    for item in items:
        if item["phase"] not in PHASES or item["aspect"] not in vocab.codes("checklist_aspect") \
                or item["evidence"] not in vocab.codes("evidence_kind") or item["id"] in seen \
                or (item.get("chapter") is None) != (item.get("area") is None) \
                or item.get("chapter") not in (None, *CHAPTERS) \
                or item.get("area") not in (None, *vocab.codes("assessment_area")):
            raise InvalidValue("checklist.catalogue_invalid", id=item.get("id"))
        seen.add(item["id"])
        item["basis"] = sources.check_refs(item.get("basis"), f"checklist.toml {item['id']}")
    return items


@lru_cache(maxsize=1)
def catalogue_basis() -> dict[str, list[dict[str, Any]]]:
    """Each catalogue item's basis by ID: what a row stored without one reads."""
    return {i["id"]: i["basis"] for i in default_catalogue()}


def citation(refs: list[dict[str, Any]] | None) -> str:
    """A basis as one line of citations (in Chinese), as the `source` field shows it."""
    return "; ".join(sources.cite(b, "zh") for b in sources.basis(refs))


def next_code(codes: Iterable[str]) -> str:
    """The ID for a point a line adds: one above the highest CL-X- number in `codes`."""
    numbers = [int(c[len(ADDED_PREFIX):]) for c in codes
               if c.startswith(ADDED_PREFIX) and c[len(ADDED_PREFIX):].isdigit()]
    return f"{ADDED_PREFIX}{max(numbers, default=0) + 1:02d}"


def _cited(item: dict[str, Any]) -> dict[str, Any]:
    item["source"] = citation(item["basis"])  # shown from the basis, never a stored free text
    return item


def load_items(session: Any, line_id: int) -> list[dict[str, Any]]:
    """The line's points phase by phase (in `PHASES` order), by ID within a phase, each with its
    chapter, area and basis (a row stored before it had a basis reads the catalogue's, or, for a
    point the line added, operator policy)."""
    return [_cited(i) for i in checklist_store.load_items(
        session, line_id, phase_order=PHASES, default_basis=catalogue_basis(),
        own_basis=OWN_BASIS)]


def _load_item(session: Any, line_id: int, code: str) -> dict[str, Any]:
    return _cited(checklist_store.load_item(session, line_id, code,
                                            default_basis=catalogue_basis(), own_basis=OWN_BASIS))


def seed_default(session: Any, line_id: int, fully_automatic: bool | None = None) -> int:
    """Give a line the catalogue's items it does not have yet (those it has, dropped or not, are
    left as they are); an FAO-only item only to a fully automatic line. Returns how many."""
    return len(_seed(session, line_id, fully_automatic))


def _seed(session: Any, line_id: int, fully_automatic: bool | None) -> list[str]:
    if fully_automatic is None:
        fully_automatic = bool(line_by_id(session, line_id).fully_automatic)
    existing = set(checklist_store.codes(session, line_id))
    rows = [{"code": i["id"], "phase": i["phase"], "aspect": i["aspect"], "text": i["text_zh"],
             "text_en": i["text_en"], "topic": i.get("topic"), "owner_kind": i["owner_kind"],
             "evidence_kind": i["evidence"], "blocking": bool(i["blocking"]),
             "chapter": i.get("chapter"), "area": i.get("area"), "basis": i["basis"],
             "source": citation(i["basis"]), "status": "open"}
            for i in default_catalogue() if i["id"] not in existing
            and (fully_automatic or not i.get("fao_only"))]
    checklist_store.insert_items(session, line_id, rows)
    return [r["code"] for r in rows]


def seed_items(store: Store, line: str | None, *, actor: Actor) -> SeedResult:
    """Add to the line the catalogue's items it does not have yet (a store made before a
    catalogue edition brought them), audited; its own items and changes are left as they are."""
    with store.write(actor, "checklist seed") as session:
        found = find_line(session, line)
        added = _seed(session, found.id, bool(found.fully_automatic))
        name = found.name
    return SeedResult(line=name, added=added)


def file_evidence(path: str) -> dict[str, str]:
    """The file's name and SHA-256, so that the evidence can be matched later."""
    file = Path(path)
    if not file.is_file():
        raise InvalidValue("checklist.no_evidence_file", path=path)
    digest = hashlib.sha256()
    with open(file, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return {"evidence_file": file.name, "evidence_sha256": digest.hexdigest()}


def status_errors(item: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """What the item's status still lacks, as (field, message key, params); pure."""
    errors: list[tuple[str, str, dict[str, Any]]] = []
    status = item["status"]
    if status == "not-applicable" and not item.get("na_reason"):
        errors.append(("note", "checklist.na_needs_reason", {"id": item["code"]}))
    if status in ("done", "verified") and not (item.get("evidence_ref") or item.get("evidence_file")):
        errors.append(("evidence", "checklist.needs_evidence", {"id": item["code"],
                                                                "status": ("checklist_status", status)}))
    if status == "verified":
        if item.get("chapter") and not item.get("owner"):  # an attested item: someone answers
            errors.append(("owner", "checklist.needs_owner", {"id": item["code"]}))
        if not item.get("verifier") or not item.get("verified_on"):
            errors.append(("verifier", "checklist.needs_verifier", {"id": item["code"]}))
        elif item.get("owner") and item["verifier"] == item["owner"]:
            errors.append(("verifier", "checklist.verifier_is_owner",
                           {"id": item["code"], "verifier": item["verifier"]}))
    return errors


def _raise_first(errors: list[tuple[str, str, dict[str, Any]]]) -> None:
    if errors:
        _, key, params = errors[0]
        raise InvalidValue(key, **params)


def public(item: dict[str, Any]) -> ChecklistItem:
    """A safety point as callers see it: without the store's own fields (row id, code column),
    its basis as a reader is shown it (document by number, title, article, kind)."""
    return ChecklistItem(**{**{k: v for k, v in item.items() if k not in STORE_FIELDS},
                            "basis": sources.basis(item.get("basis"))})


def _listed_order(item: dict[str, Any]) -> tuple[int, int, str]:
    """Safety points phase by phase, then attested items chapter by chapter; by ID within."""
    if item["chapter"] is None:
        return 0, PHASES.index(item["phase"]) if item["phase"] in PHASES else len(PHASES), item["id"]
    return 1, CHAPTERS.index(item["chapter"]) if item["chapter"] in CHAPTERS else len(CHAPTERS), \
        item["id"]


def list_items(store: Store, line: str | None, *, phase: str | None = None,
               status: str | None = None, chapter: str | None = None, open_only: bool = False,
               include_dropped: bool = False) -> list[ChecklistItem]:
    """The line's safety points phase by phase, then its attested items chapter by chapter,
    filtered; a phase, status or chapter is a code or either label, and an unknown one is
    refused naming its option (never read as "no filter")."""
    phase = coded("phase", "--phase", phase)
    status = coded("checklist_status", "--status", status)
    chapter = coded("assessment_chapter", "--chapter", chapter)
    with store.read() as session:
        found = find_line(session, line)
        items = load_items(session, found.id)
    items.sort(key=_listed_order)
    result = []
    for item in items:
        if item["dropped"] and not include_dropped:
            continue
        if phase and item["phase"] != phase or status and item["status"] != status \
                or chapter and item["chapter"] != chapter:
            continue
        if open_only and item["status"] in CLEARED:
            continue
        result.append(public(item))
    return result


def show_item(store: Store, line: str | None, code: str) -> ChecklistItem:
    with store.read() as session:
        return public(_load_item(session, find_line(session, line).id, code))


def set_item(store: Store, line: str | None, code: str, *, status: str | None = None,
             owner_unit: str | None = None, owner: str | None = None, due: dt.date | None = None,
             evidence_ref: str | None = None, evidence_path: str | None = None,
             na_reason: str | None = None, note: str | None = None,
             evidence_upload: tuple[str, bytes] | None = None,
             actor: Actor, seen: int | None = None) -> ChecklistItem:
    """Change owner, due date, status (a code or either label), evidence (a reference, or a
    file whose name and SHA-256 are recorded) or note; what is None stays as it is. The status
    rules must hold after. `evidence_upload` (name, content): a file kept in the store's
    evidence area in the same write, and recorded as the point's evidence file. `seen`: the
    version the user opened (`readiness.audit.version`); refused if it has changed since."""
    changes = {"status": coded("checklist_status", "--status", status),
               "owner_unit": owner_unit, "owner": owner, "due": due,
               "evidence_ref": evidence_ref, "na_reason": na_reason, "note": note}
    if evidence_path is not None:
        changes.update(file_evidence(evidence_path))
    if evidence_upload is not None:
        from readiness.evidence import check_upload

        check_upload(*evidence_upload)  # before the write: a refused file writes nothing
    return _change(store, line, code, changes, actor, evidence_upload, seen)


def _change(store: Store, line: str | None, code: str, changes: dict[str, Any],
            actor: Actor, evidence_upload: tuple[str, bytes] | None = None,
            seen: int | None = None) -> ChecklistItem:
    from readiness.audit import check_unchanged

    changes = {k: v for k, v in changes.items() if v is not None}
    with store.write(actor, f"checklist set {code}") as session:
        found = find_line(session, line)
        item = checklist_store.load_item(session, found.id, code)
        check_unchanged(session, "checklist_items", code, seen, found.id)
        if evidence_upload is not None:
            from readiness.evidence import keep

            kept = keep(session, *evidence_upload)
            changes.update(evidence_file=kept.name, evidence_sha256=kept.sha256)
        _raise_first(status_errors({**item, **changes}))
        checklist_store.update_item(session, item, changes)
    return show_item(store, line, code)


def verify_item(store: Store, line: str | None, code: str, verifier: str,
                on: dt.date | None = None, *, actor: Actor,
                today: dt.date | None = None, seen: int | None = None) -> ChecklistItem:
    """Verify a point on `on` (default today, never after it): it needs evidence, and a
    verifier other than its owner."""
    today = today or dt.date.today()
    if on is not None and on > today:  # a verification is something that has happened
        raise InvalidValue("option.in_future", option="--on", value=on.isoformat(),
                           today=today.isoformat())
    return _change(store, line, code, {"status": "verified", "verifier": verifier,
                                       "verified_on": on or today}, actor, seen=seen)


def add_item(store: Store, line: str | None, *, phase: str, aspect: str, text: str,
             item_id: str | None = None, blocking: bool = True, actor: Actor) -> ChecklistItem:
    """Add the line's own point: its phase and aspect are codes or either label; its ID is
    `item_id` or the next CL-X-NN."""
    phase_code = vocab.parse("phase", phase or "")
    aspect_code = vocab.parse("checklist_aspect", aspect or "")
    if phase_code is None or aspect_code is None or not (text or "").strip():
        raise InvalidValue("checklist.add_incomplete")
    with store.write(actor, "checklist add") as session:
        found = find_line(session, line)
        existing = checklist_store.codes(session, found.id)
        code = item_id or next_code(existing)
        if code in existing:
            raise InvalidValue("checklist.exists", id=code)
        checklist_store.insert_items(session, found.id, [{
            "code": code, "phase": phase_code, "aspect": aspect_code, "text": text,
            "text_en": None, "owner_kind": None, "evidence_kind": "document",
            "blocking": bool(blocking), "basis": OWN_BASIS, "source": citation(OWN_BASIS),
            "status": "open"}])
    return show_item(store, line, code)


def drop_item(store: Store, line: str | None, code: str, reason: str, *,
              actor: Actor) -> ChecklistItem:
    if not reason or not reason.strip():
        raise InvalidValue("checklist.drop_needs_reason", id=code)
    with store.write(actor, f"checklist drop {code}") as session:
        found = find_line(session, line)
        item = checklist_store.load_item(session, found.id, code)
        checklist_store.update_item(session, item, {"dropped": True, "drop_reason": reason})
    return show_item(store, line, code)


# --- phases --------------------------------------------------------------------------------------

def phase_status(store: Store, line: str | None) -> PhaseStatus:
    """The line's phase, the next one, and the blocking items that stand between them."""
    with store.read() as session:
        found = find_line(session, line)
        items = load_items(session, found.id)
        changes = [PhaseChange(**c) for c in checklist_store.phase_changes(session, found.id)]
    current = found.phase
    index = PHASES.index(current)
    waiting = [i for i in items if i["phase"] == current and i["blocking"] and not i["dropped"]
               and i["status"] not in CLEARED]
    return PhaseStatus(line=found.name, phase=current,
                       next=PHASES[index + 1] if index + 1 < len(PHASES) else None,
                       blocking_open=[public(i) for i in waiting], history=changes,
                       overrides=[c for c in changes if c.override])


def advance_phase(store: Store, line: str | None, *, override: bool = False,
                  reason: str | None = None, actor: Actor) -> PhaseStatus:
    """Move the line to its next phase once every blocking point of this one is verified (or
    not applicable); with `override`, although some are not, for a reason that is recorded."""
    status = phase_status(store, line)
    if status.next is None:
        raise InvalidValue("phase.last", phase=("phase", status.phase))
    if status.blocking_open and not override:
        raise InvalidValue("phase.blocked", phase=("phase", status.phase),
                           count=len(status.blocking_open),
                           ids=", ".join(i.id for i in status.blocking_open[:8]))
    if override and not (reason and reason.strip()):
        raise InvalidValue("phase.override_needs_reason")
    with store.write(actor, "phase advance" + (" --override" if override else "")) as session:
        found = find_line(session, line)
        checklist_store.change_phase(session, found, status.next,
                                     override=bool(override and status.blocking_open),
                                     reason=reason if override else None,
                                     open_items=[i.id for i in status.blocking_open])
    return phase_status(store, line)
