"""The store itself: create it, say and change its schema version, back it up and restore it.

The library behind `readiness init` (the store part) and `readiness db`. A store is named as
the user gives it: a SQLite file path or a database URL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from readiness.store.backup import BackupResult, RestoreResult, backup, restore
from readiness.store.core import Store, _refuse_missing_sqlite_file, resolve_url

__all__ = ["BackupResult", "RestoreResult", "SchemaChange", "StoreStatus", "backup_store",
           "create_store", "downgrade_store", "restore_store", "store_status", "upgrade_store"]


@dataclass(slots=True, frozen=True)
class StoreStatus:
    """The store's schema against this code's (`db status`)."""

    db: str  # where the store is, the password hidden
    state: str  # current, old, new, empty or foreign
    revision: str | None  # the store's schema
    head: str  # this code's schema


@dataclass(slots=True, frozen=True)
class SchemaChange:
    """A store's schema before and after an upgrade or downgrade (equal: nothing to do)."""

    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def create_store(db: str | os.PathLike[str]) -> Store:
    """The store at `db`, created at the newest schema when there is none (for `init`)."""
    return Store.create(db)


def _existing(db: str | os.PathLike[str]) -> Store:
    """The store at `db` whatever its schema; a SQLite file that is not there is refused
    rather than created empty."""
    url = resolve_url(db)
    _refuse_missing_sqlite_file(url)
    return Store(url)


def store_status(db: str | os.PathLike[str]) -> StoreStatus:
    with _existing(db) as store:
        state, revision, head = store.schema_state()
        return StoreStatus(db=store.display_url(), state=state, revision=revision, head=head)


def upgrade_store(db: str | os.PathLike[str]) -> SchemaChange:
    """Bring an older store forward to this code's schema (nothing to do when current)."""
    with _existing(db) as store:
        before, after = store.upgrade()
    return SchemaChange(before, after)


def downgrade_store(db: str | os.PathLike[str], revision: str) -> SchemaChange:
    """Take the schema back to `revision`: for developers and upgrade tests (no command)."""
    with _existing(db) as store:
        before = store.schema_state()[1]
        store.downgrade(revision)
        return SchemaChange(before, store.schema_state()[1] or "")


def backup_store(db: str | os.PathLike[str], dest: str | os.PathLike[str], *,
                 force: bool = False) -> BackupResult:
    """A consistent copy of the store at `dest`, even while others write; an existing `dest`
    is replaced only with `force`."""
    return backup(db, dest, force=force)


def restore_store(source: str | os.PathLike[str], db: str | os.PathLike[str], *,
                  force: bool = False) -> RestoreResult:
    """The store at `db` restored from a backup made by `backup_store`; a store that already
    holds data is replaced only with `force`."""
    return restore(source, db, force=force)
