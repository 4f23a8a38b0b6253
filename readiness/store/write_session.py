"""The session every write goes through: each flushed change leaves an audit record.

It is an ORM session (writes may work on mapped objects) and so lives apart from `core.py`,
which a command that only reads imports without the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, and_, event, func, inspect, select, true, update
from sqlalchemy.orm import Session

from readiness.store.audit import GENESIS, SECRET_FIELDS, canonical, record_hash, secret_digest
from readiness.store.core import AUDIT_RAW, _bulk_insert, jsonable, row_values, utcnow
from readiness.store.schema import Base
from readiness.store.tables import audit_log


def _table(model: Table | type[Base]) -> Table:
    return model if isinstance(model, Table) else model.__table__  # type: ignore[return-value]


class WriteSession(Session):
    """A session whose every flushed change leaves an audit record (see `_audit_flush`)."""

    def __init__(self, *, bind: Connection, user: str, command: str | None) -> None:
        super().__init__(bind=bind, expire_on_commit=False, autoflush=True)
        self.user = user
        self.command = command
        self.now = utcnow()
        self._audit_head: str | None = None

    def audit(self, action: str, entity: str, entity_id: int | None, key: str | None,
              before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        self.audit_many([(action, entity, entity_id, key, before, after)])

    def audit_many(self, records: Sequence[tuple[str, str, int | None, str | None,
                                                 dict[str, Any] | None, dict[str, Any] | None]]
                   ) -> None:
        if not records:
            return
        head = self._last_audit_hash()
        rows = []
        for action, entity, entity_id, key, before, after in records:
            if entity in SECRET_FIELDS:  # a password hash only as its digest
                before, after = _redacted(entity, before), _redacted(entity, after)
            # serialised once: the same text is hashed and stored
            before_json = None if before is None else canonical(before)
            after_json = None if after is None else canonical(after)
            row = {"at": self.now, "username": self.user, "action": action, "entity": entity,
                   "entity_id": entity_id, "entity_key": key, "command": self.command,
                   "before": before_json, "after": after_json, "prev_hash": head}
            row["hash"] = head = record_hash(row, head, before_json, after_json)
            rows.append(row)
        self._audit_head = head
        _bulk_insert(self.connection(), AUDIT_RAW, rows)

    def insert_rows(self, model: Table | type[Base], rows: list[dict[str, Any]],
                    key_field: str = "code") -> list[int]:
        """Bulk insert plain rows (fast path for imports), audited; returns the new ids in order.

        Writers hold the store's write lock (see `write`), so the ids this insert takes are the
        ones above the highest id before it, in insertion order.
        """
        if not rows:
            return []
        table = _table(model)
        conn = self.connection()
        highest = conn.execute(select(func.max(table.c.id))).scalar() or 0
        _bulk_insert(conn, table, rows)
        ids = list(conn.execute(select(table.c.id).where(table.c.id > highest)
                                .order_by(table.c.id)).scalars())
        if len(ids) != len(rows):  # never expected under the write lock; refuse to guess
            raise RuntimeError(f"{table.name}: inserted {len(rows)} rows, found {len(ids)} new ids")
        self.audit_many([("create", table.name, i, _key(row, key_field), None, {**row, "id": i})
                         for i, row in zip(ids, rows)])
        return ids

    def update_rows(self, model: Table | type[Base],
                    changes: list[tuple[int, str | None, dict[str, Any], dict[str, Any]]]) -> None:
        """Bulk update: each change is (id, key, values before, new values), audited."""
        table = _table(model)
        for entity_id, _key_text, _before, after in changes:
            self.execute(update(table).where(table.c.id == entity_id).values(**after))
        self.audit_many([("update", table.name, i, k, b, a) for i, k, b, a in changes])

    def delete_rows(self, model: Table | type[Base],
                    rows: list[tuple[int, str | None, dict[str, Any]]]) -> None:
        """Delete rows: each (id, key, the row as it was), audited."""
        table = _table(model)
        if rows:
            self.execute(table.delete().where(table.c.id.in_([i for i, _, _ in rows])))
        self.audit_many([("delete", table.name, i, k, b, None) for i, k, b in rows])

    def upsert_rows(self, model: Table | type[Base], scope: dict[str, Any], key_field: str,
                    rows: list[dict[str, Any]]) -> dict[str, int]:
        """Insert rows whose key is new in `scope`, update those that differ, leave the rest.

        Returns counts of created / updated / unchanged; every insert and update is audited.
        """
        table = _table(model)
        where = and_(true(), *(table.c[k] == v for k, v in scope.items()))
        existing = {r[key_field]: r for r in self.connection().execute(select(table).where(where))
                    .mappings()}
        new: list[dict[str, Any]] = []
        changes: list[tuple[int, str | None, dict[str, Any], dict[str, Any]]] = []
        unchanged = 0
        for row in rows:
            full = {**scope, **row}
            old = existing.get(full[key_field])
            if old is None:
                new.append(full)
                continue
            diff = {k: v for k, v in full.items() if old[k] != v}
            if diff:
                changes.append((old["id"], str(full[key_field]), {k: old[k] for k in diff}, diff))
            else:
                unchanged += 1
        self.insert_rows(model, new, key_field)
        self.update_rows(model, changes)
        return {"created": len(new), "updated": len(changes), "unchanged": unchanged}

    def _last_audit_hash(self) -> str:
        if self._audit_head is None:
            conn = self.connection()
            last = conn.execute(select(audit_log.c.hash)
                                .order_by(audit_log.c.id.desc()).limit(1)).scalar()
            self._audit_head = last or GENESIS
        return self._audit_head


def _redacted(entity: str, values: dict[str, Any] | None) -> dict[str, Any] | None:
    if not values or not any(f in values for f in SECRET_FIELDS[entity]):
        return values
    return {k: (secret_digest(v) if k in SECRET_FIELDS[entity] else v) for k, v in values.items()}


def _key(row: dict[str, Any], field: str) -> str | None:
    value = row.get(field)
    return None if value is None else str(value)


@event.listens_for(WriteSession, "after_flush")
def _audit_flush(session: Session, _ctx: Any) -> None:
    if not isinstance(session, WriteSession):
        return
    records: list[tuple[str, str, int | None, str | None, Any, Any]] = []
    for obj in session.new:
        after = row_values(obj)
        records.append(("create", obj.__table__.name, after.get("id"), _entity_key(after), None,
                        after))
    for obj in session.dirty:
        if not session.is_modified(obj, include_collections=False):
            continue
        state = inspect(obj)
        before, after = {}, {}
        for attr in state.mapper.column_attrs:
            hist = state.attrs[attr.key].history
            if hist.has_changes():
                before[attr.key] = jsonable(hist.deleted[0] if hist.deleted else None)
                after[attr.key] = jsonable(hist.added[0] if hist.added else None)
        if after:
            values = row_values(obj)
            records.append(("update", obj.__table__.name, values.get("id"), _entity_key(values),
                            before, after))
    for obj in session.deleted:
        before = row_values(obj)
        records.append(("delete", obj.__table__.name, before.get("id"), _entity_key(before),
                        before, None))
    if records:
        session.audit_many(records)  # type: ignore[attr-defined]


def _entity_key(values: dict[str, Any]) -> str | None:
    for field in ("code", "staff_id", "name"):
        if values.get(field) is not None:
            return str(values[field])
    return None


