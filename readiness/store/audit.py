"""The audit trail's hash chain: each record's hash covers its content and the previous hash.

Editing, deleting or reordering a record breaks the chain from that point on, which
`readiness audit verify` reports. The canonical form below must never change: old chains are
verified with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = ("at", "username", "action", "entity", "entity_id", "entity_key",
                 "before", "after", "command")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def record_hash(record: dict[str, Any], prev_hash: str) -> str:
    content = {field: record.get(field) for field in HASHED_FIELDS}
    at = content["at"]
    if isinstance(at, str):  # raw text from a driver that does not parse timestamps
        at = dt.datetime.fromisoformat(at)
    if isinstance(at, dt.datetime):
        content["at"] = at.isoformat()
    return hashlib.sha256((prev_hash + canonical(content)).encode("utf-8")).hexdigest()


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
        query = query.where(AuditRecord.entity_key == key)
    if limit:
        query = query.limit(limit)
    return [row_values(r) for r in session.scalars(query)]


def broken_links(records: list[dict[str, Any]]) -> list[int]:
    """Ids of records (in id order) whose hash or link to the previous record does not hold."""
    broken = []
    prev = GENESIS
    for record in records:
        if record.get("prev_hash") != prev or record.get("hash") != record_hash(record, prev):
            broken.append(record["id"])
        prev = record.get("hash") or ""
    return broken
