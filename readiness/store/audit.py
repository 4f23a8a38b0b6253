"""The audit trail's hash chain: each record's hash covers its content and the previous hash.

Editing, deleting or reordering a record breaks the chain from that point on, which
`readiness audit verify` reports. The canonical form below must never change: old chains are
verified with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from json.encoder import encode_basestring as _encode_string  # the C quoting json.dumps uses
from typing import Any

import orjson

GENESIS = "0" * 64
META_FIELDS = ("at", "username", "action", "entity", "entity_id", "entity_key", "command")


def _iso(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def canonical(value: Any) -> str:
    """The one JSON form of a value: sorted keys, no spaces, UTF-8 text, ISO dates.

    orjson, because every written row is serialised for the audit trail and the standard
    library is about six times slower at it; writer and verifier both use this function.
    """
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
                        default=_iso).decode("utf-8")


def record_hash(record: dict[str, Any], prev_hash: str, before_json: str | None = None,
                after_json: str | None = None) -> str:
    """sha256 over the previous hash, the record's metadata and its before/after JSON.

    The writer passes the stored JSON text; a verifier passes decoded values, which are put
    back into canonical form, giving the same text.
    """
    at = record.get("at")
    if isinstance(at, str):  # raw text from a driver that does not parse timestamps
        at = dt.datetime.fromisoformat(at)
    stamp = at.isoformat() if isinstance(at, dt.datetime) else str(at)
    # action and entity are the toolkit's own codes; free text goes through JSON string quoting
    meta = (f"{stamp}|{_quote(record.get('username'))}|{record.get('action')}|"
            f"{record.get('entity')}|{record.get('entity_id')}|{_quote(record.get('entity_key'))}|"
            f"{_quote(record.get('command'))}")
    before = before_json if before_json is not None else canonical(record.get("before"))
    after = after_json if after_json is not None else canonical(record.get("after"))
    text = f"{prev_hash}|{meta}|{before}|{after}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _quote(value: Any) -> str:
    return "null" if value is None else _encode_string(str(value))


def chain(records: list[dict[str, Any]], prev_hash: str) -> str:
    """Fill `prev_hash` and `hash` into each record in order; return the last hash."""
    for record in records:
        record["prev_hash"] = prev_hash
        record["hash"] = prev_hash = record_hash(record, prev_hash)
    return prev_hash


def list_records(session: Any, *, entity: str | None = None, key: str | None = None,
                 limit: int | None = 50) -> list[dict[str, Any]]:
    """The newest audit records first, optionally for one table and one business key."""
    from sqlalchemy import select

    from readiness.store.core import row_values
    from readiness.store.schema import AuditRecord

    query = select(AuditRecord).order_by(AuditRecord.id.desc())
    if entity:
        query = query.where(AuditRecord.entity == entity)
    if key:
        query = query.where(_key_matches(session, key))
    if limit:
        query = query.limit(limit)
    return [row_values(r) for r in session.scalars(query)]


def _key_matches(session: Any, key: str) -> Any:
    """Records keyed `key`; for a hazard code, also those of its evaluations, controls (even
    deleted ones) and acceptances. Their own records are keyed by the hazard's row id (created),
    a control's text (updated) or the accepting person, so they are found by row instead."""
    from sqlalchemy import and_, or_, select

    from readiness.store.schema import (
        AuditRecord, ControlMeasure, Hazard, HazardAcceptance, HazardEvaluation,
    )

    hazard_ids = list(session.scalars(select(Hazard.id).where(Hazard.code == key)))
    if not hazard_ids:
        return AuditRecord.entity_key == key
    matches = [AuditRecord.entity_key == key]
    for model in (HazardEvaluation, ControlMeasure, HazardAcceptance):
        table = model.__table__
        rows = set(session.scalars(select(table.c.id).where(table.c.hazard_id.in_(hazard_ids))))
        # a deleted control is gone from its table; its creation record says whose it was
        created = select(AuditRecord.entity_id).where(
            AuditRecord.entity == table.name, AuditRecord.action == "create",
            AuditRecord.entity_key.in_([str(i) for i in hazard_ids]))
        if table.name != "hazard_acceptances":  # keyed by the acceptor, not the hazard
            rows |= set(session.scalars(created))
        if rows:
            matches.append(and_(AuditRecord.entity == table.name,
                                AuditRecord.entity_id.in_(sorted(rows))))
    return or_(*matches)


def broken_links(records: list[dict[str, Any]]) -> list[int]:
    """Ids of records (in id order) whose hash or link to the previous record does not hold."""
    broken = []
    prev = GENESIS
    for record in records:
        if record.get("prev_hash") != prev or record.get("hash") != record_hash(record, prev):
            broken.append(record["id"])
        prev = record.get("hash") or ""
    return broken


def verify_chain(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every break in the chain: an edited record, or a link that no longer holds (a record
    deleted or moved before this one)."""
    problems = []
    prev = GENESIS
    for record in records:
        if record.get("prev_hash") != prev:
            problems.append({"kind": "broken-link", "record": record["id"]})
        elif record.get("hash") != record_hash(record, prev):
            problems.append({"kind": "edited", "record": record["id"]})
        prev = record.get("hash") or ""
    return problems


# Columns whose values the audit trail never holds (table → columns): it records a digest, so
# that a value changed behind the toolkit's back is still found and no hash can be read back.
# Values the trail keeps only as a digest: a password hash (never in clear), an evidence file's
# content (its bytes would swell the trail). `audit verify` still finds either changed.
SECRET_FIELDS = {"accounts": ("password_hash",), "evidence_files": ("content",)}


def secret_digest(value: Any) -> str | None:
    if value is None:
        return None
    data = bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else \
        str(value).encode("utf-8")
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    return canonical(a) == canonical(b)


def verify_rows(session: Any, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replay the trail and compare it with every audited table: rows added, changed or deleted
    behind the toolkit's back, each named by table, ID and column."""
    from sqlalchemy import MetaData, select

    from readiness.store.core import jsonable

    state: dict[tuple[str, int], dict[str, Any] | None] = {}
    for r in records:
        if r["entity_id"] is None:
            continue
        key = (r["entity"], r["entity_id"])
        if r["action"] == "create":
            state[key] = dict(r["after"] or {})
        elif r["action"] == "update":
            state.setdefault(key, {}).update(r["after"] or {})  # type: ignore[union-attr]
        elif r["action"] == "delete":
            state[key] = None
    meta = MetaData()
    meta.reflect(bind=session.connection())
    problems: list[dict[str, Any]] = []
    for name in sorted({entity for entity, _ in state}):
        if name not in meta.tables:
            continue
        table = meta.tables[name]
        current = {row["id"]: row for row in session.execute(select(table)).mappings()}
        expected = {i: s for (e, i), s in state.items() if e == name}
        for row_id, row in current.items():
            known = expected.get(row_id)
            if row_id not in expected or known is None:
                problems.append({"kind": "row-added", "table": name, "id": row_id})
                continue
            secret = SECRET_FIELDS.get(name, ())
            for column, value in known.items():
                stored = secret_digest(row[column]) if column in secret else jsonable(
                    row.get(column))
                if column in row and not _same(stored, value):
                    problems.append({"kind": "row-changed", "table": name, "id": row_id,
                                     "column": column})
        for row_id, known in expected.items():
            if known is not None and row_id not in current:
                problems.append({"kind": "row-deleted", "table": name, "id": row_id})
    return problems


def verify(session: Any) -> list[dict[str, Any]]:
    records = sorted(list_records(session, limit=None), key=lambda r: r["id"])
    return verify_chain(records) + verify_rows(session, records)


# --- a record's version: its newest audit record -------------------------------------------------

# The business key of each table whose records a form edits, and whether that key is per line.
# Every write adds an audit record for each row it changes, in its own transaction, so the
# newest record's number is the row's version: two forms opened at one version saw one record.
VERSIONED = {"hazards": ("code", True), "control_measures": ("id", False),
             "hidden_dangers": ("code", True), "locations": ("code", True),
             "org_units": ("code", False), "people": ("staff_id", False),
             "checklist_items": ("code", True), "pdca_items": ("code", True),
             "planned_drills": ("id", False), "drill_run_drafts": ("code", True)}


def last_change(session: Any, table: str, key: Any,
                line_id: int | None = None) -> dict[str, Any] | None:
    """The newest audit record of one row (`key` its business key, per line where the table is
    kept per line), or None when the row has none (or does not exist)."""
    from sqlalchemy import select

    from readiness.store import tables

    column, per_line = VERSIONED[table]
    t = tables.metadata.tables[table]
    query = select(t.c.id).where(t.c[column] == key)
    if per_line:
        query = query.where(t.c.line_id == line_id)
    row_id = session.execute(query).scalar()
    if row_id is None:
        return None
    log = tables.audit_log
    newest = session.execute(select(log.c.id, log.c.at, log.c.username, log.c.action,
                                    log.c.command)
                             .where(log.c.entity == table, log.c.entity_id == row_id)
                             .order_by(log.c.id.desc()).limit(1)).mappings().first()
    return dict(newest) if newest is not None else None


def row_version(session: Any, table: str, key: Any, line_id: int | None = None) -> int:
    """A row's version: its newest audit record's number (0: none yet)."""
    found = last_change(session, table, key, line_id)
    return int(found["id"]) if found else 0
