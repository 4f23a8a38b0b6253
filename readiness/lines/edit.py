"""One location added or changed at a time (the web's location forms), refused exactly as
importing that row of the line template would refuse it, with the same words.

The record is read as a one-row sheet of the line template (`readiness.xlsx.form_row`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from readiness.actor import Actor
from readiness.errors import NotFound
from readiness.lines import Location
from readiness.store import lines as line_store
from readiness.store.core import Store
from readiness.xlsx.form_row import FieldRefused, read_row


def _location(row: dict[str, Any]) -> Location:
    return Location(**{k: row[k] for k in Location.__dataclass_fields__})


def get_location(store: Store, line: str | None, code: str) -> Location:
    """One location of the line, by its ID; NotFound otherwise."""
    with store.read_rows() as conn:
        found = line_store.line_row(conn, line)
        row = line_store.location_by_code(conn, found.id, code)
    if row is None:
        raise NotFound("location.unknown", value=code, line=found.name)
    return _location(row)


def save_location(store: Store, line: str | None, code: str, *, name: Any, kind: Any, seq: Any,
                  note: Any = None, actor: Actor, seen: int | None = None, new: bool = False,
                  today: dt.date | None = None) -> Location:
    """Add a location (`new`: refused if the line has that ID already) or change one (`seen`:
    the version the form was opened at; a change made since is refused, naming it), refused
    as importing the row `code, name, kind, seq, note` into the line template would be."""
    from readiness.audit import check_unchanged
    from readiness.lines.sheets import LINE_TEMPLATE, LOCATIONS

    given = {"code": code, "name": name, "kind": kind, "seq": seq, "note": note}
    with store.write(actor, f"location set {code}") as session:
        found = line_store.line_row(session, line)
        if not new:
            check_unchanged(session, "locations", str(code).strip(), seen, found.id)
        values = read_row(LINE_TEMPLATE, "locations", given, session, line=found,
                          user=actor.user, today=today or dt.date.today())
        exists = line_store.location_by_code(session, found.id, values["code"]) is not None
        if new and exists:
            raise FieldRefused(LOCATIONS.columns[0], "location.exists", value=values["code"],
                               line=found.name)
        line_store.upsert_locations(session, found.id, [
            {k: values.get(k) for k in ("code", "name", "kind", "seq", "note")}])
        row = line_store.location_by_code(session, found.id, values["code"])
    assert row is not None
    return _location(row)
