"""Store queries and writes for lines and their locations. Returns plain data (dicts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readiness.errors import InvalidValue, LineNotFound
from readiness.store.core import WriteSession, row_values
from readiness.store.schema import Line, Location

LINE_FIELDS = ("planned_opening", "handover_date", "profile", "phase", "fully_automatic",
               "scoring_method", "band_table", "settings")


def line_dict(line: Line, location_count: int | None = None) -> dict[str, Any]:
    data = row_values(line)
    if location_count is not None:
        data["locations"] = location_count
    return data


def list_lines(session: Session) -> list[dict[str, Any]]:
    counts = dict(session.execute(
        select(Location.line_id, func.count()).group_by(Location.line_id)).all())
    return [line_dict(line, counts.get(line.id, 0))
            for line in session.scalars(select(Line).order_by(Line.name))]


def find_line(session: Session, name: str | None) -> Line:
    """The line called `name`, or the only line when no name is given."""
    if name:
        line = session.scalars(select(Line).where(Line.name == name)).first()
        if line is None:
            known = ", ".join(session.scalars(select(Line.name).order_by(Line.name))) or "-"
            raise LineNotFound("line.not_found", name=name, known=known)
        return line
    lines = session.scalars(select(Line).order_by(Line.name).limit(2)).all()
    if not lines:
        raise LineNotFound("line.none")
    if len(lines) > 1:
        known = ", ".join(session.scalars(select(Line.name).order_by(Line.name)))
        raise LineNotFound("line.ambiguous", known=known)
    return lines[0]


def add_line(session: WriteSession, name: str, **fields: Any) -> dict[str, Any]:
    if session.scalars(select(Line.id).where(Line.name == name)).first() is not None:
        raise InvalidValue("line.exists", name=name)
    line = Line(name=name, created_at=session.now,
                **{k: v for k, v in fields.items() if v is not None})
    session.add(line)
    session.flush()
    return line_dict(line)


def update_line(session: WriteSession, name: str | None, **changes: Any) -> dict[str, Any]:
    line = find_line(session, name)
    for field, value in changes.items():
        if field not in LINE_FIELDS:
            raise InvalidValue("line.unknown_field", field=field)
        if value is not None or field == "band_table":
            setattr(line, field, value)
    session.flush()
    return line_dict(line)


def list_locations(session: Session, line_id: int, kind: str | None = None) -> list[dict[str, Any]]:
    query = select(Location).where(Location.line_id == line_id).order_by(Location.seq, Location.code)
    if kind:
        query = query.where(Location.kind == kind)
    return [row_values(loc) for loc in session.scalars(query)]


def location_codes(session: Session, line_id: int) -> dict[str, int]:
    return dict(session.execute(select(Location.code, Location.id)
                                .where(Location.line_id == line_id)).all())


def today() -> dt.date:
    return dt.date.today()
