"""Evidence files in the store (table `evidence_files`), by SHA-256."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from readiness.store.tables import evidence_files as EV

META = (EV.c.sha256, EV.c.name, EV.c.media_type, EV.c.size, EV.c.stored_at)


def find(session: Any, sha256: str) -> dict[str, Any] | None:
    """The file's description, without its content."""
    row = session.execute(select(*META).where(EV.c.sha256 == sha256)).mappings().first()
    return dict(row) if row else None


def content(session: Any, sha256: str) -> tuple[dict[str, Any], bytes] | None:
    row = session.execute(select(*META, EV.c.content).where(EV.c.sha256 == sha256)
                          ).mappings().first()
    if row is None:
        return None
    meta = {k: row[k] for k in ("sha256", "name", "media_type", "size", "stored_at")}
    return meta, bytes(row["content"])


def insert(session: Any, row: dict[str, Any]) -> None:
    session.insert_rows(EV, [row], key_field="sha256")
