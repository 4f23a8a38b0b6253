"""Opening safety points (开通运营安全要点): phase checklists with evidence, and phase advance.

Source text A asks the operator to write down the safety points of a new line's opening, phase by
phase and across six aspects; certification practice (FTA safety certification) tracks them as
items each verified, with evidence, by someone other than the one who prepared them. Rules:
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
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from readiness.actor import Actor
from readiness import vocab
from readiness.errors import InvalidValue, coded
from readiness.store import checklist as checklist_store
from readiness.store.core import Store
from readiness.store.lines import find_line

PHASES = tuple(vocab.codes("phase"))  # in order: the checklist lists its points phase by phase
ADDED_PREFIX = "CL-X-"  # points a line adds to the default checklist: CL-X-01, CL-X-02 …
CLEARED = ("verified", "not-applicable")  # what lets a phase move on
STORE_FIELDS = ("row_id", "code")  # the store's own: never shown, never in --json


@lru_cache(maxsize=1)
def default_catalogue() -> list[dict[str, Any]]:
    text = resources.files("readiness").joinpath("data/checklist.toml").read_text("utf-8")
    items = tomllib.loads(text)["item"]
    for item in items:
        if item["phase"] not in PHASES or item["aspect"] not in vocab.codes("checklist_aspect") \
                or item["evidence"] not in vocab.codes("evidence_kind"):
            raise InvalidValue("checklist.catalogue_invalid", id=item.get("id"))
    return items


def next_code(codes: Iterable[str]) -> str:
    """The ID for a point a line adds: one above the highest CL-X- number in `codes`."""
    numbers = [int(c[len(ADDED_PREFIX):]) for c in codes
               if c.startswith(ADDED_PREFIX) and c[len(ADDED_PREFIX):].isdigit()]
    return f"{ADDED_PREFIX}{max(numbers, default=0) + 1:02d}"


def load_items(session: Any, line_id: int) -> list[dict[str, Any]]:
    """The line's points phase by phase (in `PHASES` order), by ID within a phase."""
    return checklist_store.load_items(session, line_id, phase_order=PHASES)


def seed_default(session: Any, line_id: int) -> int:
    """Give a line the default checklist (items it already has are left as they are)."""
    existing = set(checklist_store.codes(session, line_id))
    rows = [{"code": i["id"], "phase": i["phase"], "aspect": i["aspect"], "text": i["text_zh"],
             "text_en": i["text_en"], "topic": i.get("topic"), "owner_kind": i["owner_kind"],
             "evidence_kind": i["evidence"], "blocking": bool(i["blocking"]),
             "source": i.get("source_zh"), "status": "open"}
            for i in default_catalogue() if i["id"] not in existing]
    return checklist_store.insert_items(session, line_id, rows)


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


def public(item: dict[str, Any]) -> dict[str, Any]:
    """A safety point as callers see it: without the store's own fields (row id, code column)."""
    return {k: v for k, v in item.items() if k not in STORE_FIELDS}


def list_items(store: Store, line: str | None, *, phase: str | None = None,
               status: str | None = None, open_only: bool = False,
               include_dropped: bool = False) -> list[dict[str, Any]]:
    """The line's safety points, filtered; a phase or status is a code or either label, and an
    unknown one is refused naming its option (never read as "no filter")."""
    phase = coded("phase", "--phase", phase)
    status = coded("checklist_status", "--status", status)
    with store.read() as session:
        found = find_line(session, line)
        items = load_items(session, found.id)
    result = []
    for item in items:
        if item["dropped"] and not include_dropped:
            continue
        if phase and item["phase"] != phase or status and item["status"] != status:
            continue
        if open_only and item["status"] in CLEARED:
            continue
        result.append(public(item))
    return result


def show_item(store: Store, line: str | None, code: str) -> dict[str, Any]:
    with store.read() as session:
        return public(checklist_store.load_item(session, find_line(session, line).id, code))


def set_item(store: Store, line: str | None, code: str, changes: dict[str, Any], *,
             actor: Actor) -> dict[str, Any]:
    """Change owner, due date, status, evidence or note; the status rules must hold after."""
    changes = {k: v for k, v in changes.items() if v is not None}
    if "evidence_path" in changes:
        changes.update(file_evidence(changes.pop("evidence_path")))
    if "status" in changes:
        status = vocab.parse("checklist_status", changes["status"])
        if status is None:
            raise InvalidValue("option.bad_code", option="--status", value=changes["status"],
                               allowed=vocab.OneOf("checklist_status"))
        changes["status"] = status
    with store.write(actor, f"checklist set {code}") as session:
        found = find_line(session, line)
        item = checklist_store.load_item(session, found.id, code)
        _raise_first(status_errors({**item, **changes}))
        checklist_store.update_item(session, item, changes)
    return show_item(store, line, code)


def verify_item(store: Store, line: str | None, code: str, verifier: str,
                on: dt.date | None = None, *, actor: Actor,
                today: dt.date | None = None) -> dict[str, Any]:
    today = today or dt.date.today()
    if on is not None and on > today:  # a verification is something that has happened
        raise InvalidValue("option.in_future", option="--on", value=on.isoformat(),
                           today=today.isoformat())
    return set_item(store, line, code, {"status": "verified", "verifier": verifier,
                                        "verified_on": on or dt.date.today()}, actor=actor)


def add_item(store: Store, line: str | None, data: dict[str, Any], *,
             actor: Actor) -> dict[str, Any]:
    phase = vocab.parse("phase", data.get("phase") or "")
    aspect = vocab.parse("checklist_aspect", data.get("aspect") or "")
    if phase is None or aspect is None or not data.get("text"):
        raise InvalidValue("checklist.add_incomplete")
    with store.write(actor, "checklist add") as session:
        found = find_line(session, line)
        existing = checklist_store.codes(session, found.id)
        code = data.get("id") or next_code(existing)
        if code in existing:
            raise InvalidValue("checklist.exists", id=code)
        checklist_store.insert_items(session, found.id, [{
            "code": code, "phase": phase, "aspect": aspect, "text": data["text"],
            "text_en": data.get("text_en"), "owner_kind": data.get("owner_kind"),
            "evidence_kind": data.get("evidence_kind") or "document",
            "blocking": bool(data.get("blocking", True)), "source": data.get("source") or "line",
            "status": "open"}])
    return show_item(store, line, code)


def drop_item(store: Store, line: str | None, code: str, reason: str, *,
              actor: Actor) -> dict[str, Any]:
    if not reason or not reason.strip():
        raise InvalidValue("checklist.drop_needs_reason", id=code)
    with store.write(actor, f"checklist drop {code}") as session:
        found = find_line(session, line)
        item = checklist_store.load_item(session, found.id, code)
        checklist_store.update_item(session, item, {"dropped": True, "drop_reason": reason})
    return show_item(store, line, code)


# --- phases --------------------------------------------------------------------------------------

def phase_status(store: Store, line: str | None) -> dict[str, Any]:
    """The line's phase, the next one, and the blocking items that stand between them."""
    with store.read() as session:
        found = find_line(session, line)
        items = load_items(session, found.id)
        overrides = checklist_store.phase_changes(session, found.id)
    current = found.phase
    index = PHASES.index(current)
    waiting = [i for i in items if i["phase"] == current and i["blocking"] and not i["dropped"]
               and i["status"] not in CLEARED]
    return {"line": found.name, "phase": current,
            "next": PHASES[index + 1] if index + 1 < len(PHASES) else None,
            "blocking_open": [public(i) for i in waiting], "history": overrides,
            "overrides": [c for c in overrides if c["override"]]}


def advance_phase(store: Store, line: str | None, *, override: bool = False,
                  reason: str | None = None, actor: Actor) -> dict[str, Any]:
    status = phase_status(store, line)
    if status["next"] is None:
        raise InvalidValue("phase.last", phase=("phase", status["phase"]))
    if status["blocking_open"] and not override:
        raise InvalidValue("phase.blocked", phase=("phase", status["phase"]),
                           count=len(status["blocking_open"]),
                           ids=", ".join(i["id"] for i in status["blocking_open"][:8]))
    if override and not (reason and reason.strip()):
        raise InvalidValue("phase.override_needs_reason")
    with store.write(actor, "phase advance" + (" --override" if override else "")) as session:
        found = find_line(session, line)
        checklist_store.change_phase(session, found, status["next"],
                                     override=bool(override and status["blocking_open"]),
                                     reason=reason if override else None,
                                     open_items=[i["id"] for i in status["blocking_open"]])
    return phase_status(store, line)
