"""The audit trail as users see it: its records, newest first, and whether it still holds.

The library behind `readiness audit`. The hash chain and the replay of the trail against the
data live with the store (`readiness/store/audit.py`); this module reads them and gives typed
results.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from readiness.errors import InvalidValue, ReadinessError
from readiness.i18n import t
from readiness.store import audit as audit_store
from readiness.store.core import Store


# --- results (fields and their order are the `--json` keys) ---------------------------------------

@dataclass(slots=True, frozen=True)
class AuditRecord:
    """One change: who made it, when, through which command, the values before and after, and
    its link in the hash chain."""

    id: int
    at: dt.datetime
    username: str
    action: str  # create, update or delete
    entity: str  # the table
    entity_id: int | None  # the changed row of that table
    entity_key: str | None  # its business ID, e.g. H-0001
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    command: str | None
    prev_hash: str | None
    hash: str | None


class _Tampering:
    """What every sign of tampering says of itself: its kind, and the rest as the message's
    parameters (the `audit.<kind>` message)."""

    __slots__ = ()

    def message(self, lang: str | None = None) -> str:
        params = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)  # type: ignore[arg-type]
                  if f.name != "kind"}
        return t("audit." + getattr(self, "kind"), lang, **params)


@dataclass(slots=True, frozen=True)
class BrokenRecord(_Tampering):
    """A record of the trail edited (`edited`), or whose link to the one before no longer holds
    because a record was deleted or moved (`broken-link`)."""

    kind: str
    record: int


@dataclass(slots=True, frozen=True)
class TamperedRow(_Tampering):
    """A data row added (`row-added`) or deleted (`row-deleted`) behind the toolkit's back."""

    kind: str
    table: str
    id: int


@dataclass(slots=True, frozen=True)
class ChangedRow(_Tampering):
    """A column of a data row changed behind the toolkit's back (`row-changed`)."""

    kind: str
    table: str
    id: int
    column: str


Tampering = BrokenRecord | TamperedRow | ChangedRow


@dataclass(slots=True, frozen=True)
class Verification:
    """Every sign of tampering found; none means the trail is intact and every data row
    agrees with it."""

    problems: list[Tampering]

    @property
    def intact(self) -> bool:
        return not self.problems

    def raise_if_tampered(self) -> None:
        """The one error every face gives for a trail that does not hold (after showing the
        problems, which the error only counts)."""
        if self.problems:
            raise ReadinessError("audit.tampered", count=len(self.problems))


# --- services ------------------------------------------------------------------------------------

def list_records(store: Store, *, entity: str | None = None, key: str | None = None,
                 limit: int = 50) -> list[AuditRecord]:
    """The newest records first, at most `limit` (0: all), optionally only those of one table
    (`entity`) and one business ID (`key`; a hazard's ID also finds its evaluations, controls
    and acceptances)."""
    if limit < 0:
        raise InvalidValue("option.below_minimum", option="--limit", value=limit, minimum=0)
    with store.read() as session:
        rows = audit_store.list_records(session, entity=entity, key=key, limit=limit)
    return [_record(row) for row in rows]


def _record(row: dict[str, Any]) -> AuditRecord:
    at = row["at"]  # the store gives the record as the trail keeps it: the time as ISO text
    return AuditRecord(**{**row, "at": dt.datetime.fromisoformat(at) if isinstance(at, str) else at})


_KINDS: dict[str, type[Any]] = {"edited": BrokenRecord, "broken-link": BrokenRecord,
                                "row-added": TamperedRow, "row-deleted": TamperedRow,
                                "row-changed": ChangedRow}


def verify(store: Store) -> Verification:
    """Check the hash chain, and replay the trail against every audited table."""
    with store.read() as session:
        problems = audit_store.verify(session)
    return Verification([_KINDS[p["kind"]](**p) for p in problems])
