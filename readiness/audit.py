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


def version(store: Store, table: str, key: Any, line: str | None = None) -> int:
    """The version a form carries for one record (`audit_store.VERSIONED` names the tables):
    the number of its newest audit record, 0 when it has none."""
    with store.read() as session:
        line_id = _line_id(session, table, line)
        return audit_store.row_version(session, table, key, line_id)


def check_unchanged(session: Any, table: str, key: Any, seen: int | None,
                    line_id: int | None = None, shown_as: str | None = None) -> None:
    """Inside a write: refuse when the record has changed since the user opened it at version
    `seen` (None: no check, as at the command line), saying who changed it, when and how —
    a second save never overwrites the first unnoticed. `shown_as` names the record in the
    message when its key is not what users call it (a control's row number)."""
    if seen is None:
        return
    newest = audit_store.last_change(session, table, key, line_id)
    if (int(newest["id"]) if newest else 0) == seen:
        return
    if newest is None:
        raise InvalidValue("record.gone", record=shown_as or key)
    raise InvalidValue("record.changed", record=shown_as or key, who=newest["username"],
                       at=newest["at"].strftime("%Y-%m-%d %H:%M"),
                       command=newest["command"] or newest["action"])


def _line_id(session: Any, table: str, line: str | None) -> int | None:
    from readiness.store.lines import line_row

    return line_row(session, line).id if audit_store.VERSIONED[table][1] else None


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
