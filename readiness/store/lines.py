"""Store queries and writes for lines and their locations. Returns plain data (dicts)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, func, select

from readiness.errors import InvalidValue, LineNotFound
from readiness.store import tables
from readiness.store.core import column_values

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from readiness.store.schema import Line
    from readiness.store.write_session import WriteSession

LINES, LOCATIONS = tables.lines, tables.locations
LINE_FIELDS = ("planned_opening", "handover_date", "profile", "phase", "fully_automatic",
               "scoring_method", "band_table", "settings")


def line_dict(line: Line | Row[Any], location_count: int | None = None) -> dict[str, Any]:
    data = dict(line._mapping) if isinstance(line, Row) else column_values(line)
    if location_count is not None:
        data["locations"] = location_count
    return data


def list_lines(session: Session | Connection) -> list[dict[str, Any]]:
    counts = dict(session.execute(
        select(LOCATIONS.c.line_id, func.count()).group_by(LOCATIONS.c.line_id)).all())
    return [line_dict(line, counts.get(line.id, 0))
            for line in session.execute(select(LINES).order_by(LINES.c.name))]


def line_row(conn: Session | Connection, name: str | None) -> Row[Any]:
    """The line called `name`, or the only line when no name is given, as a row (`.id`,
    `.name`, … like the mapped object) for code that only reads."""
    if name:
        line = conn.execute(select(LINES).where(LINES.c.name == name)).first()
        if line is None:
            known = ", ".join(conn.execute(select(LINES.c.name).order_by(LINES.c.name))
                              .scalars()) or "-"
            raise LineNotFound("line.not_found", name=name, known=known)
        return line
    lines = conn.execute(select(LINES).order_by(LINES.c.name).limit(2)).all()
    if not lines:
        raise LineNotFound("line.none")
    if len(lines) > 1:
        known = ", ".join(conn.execute(select(LINES.c.name).order_by(LINES.c.name)).scalars())
        raise LineNotFound("line.ambiguous", known=known)
    return lines[0]


def find_line(session: Session, name: str | None) -> Line:
    """The line as its mapped object (see `line_row`), for code that changes it."""
    from readiness.store.schema import Line

    line = session.get(Line, line_row(session, name).id)
    assert line is not None
    return line


def line_by_id(session: Session, line_id: int) -> Line:
    """The line with this row ID as its mapped object."""
    from readiness.store.schema import Line

    line = session.get(Line, line_id)
    if line is None:
        raise LineNotFound("line.none")
    return line


def add_line(session: WriteSession, name: str, **fields: Any) -> dict[str, Any]:
    from readiness.store.schema import Line

    if session.scalars(select(LINES.c.id).where(LINES.c.name == name)).first() is not None:
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


def list_locations(session: Session | Connection, line_id: int,
                   kind: str | None = None) -> list[dict[str, Any]]:
    loc = LOCATIONS.c
    query = select(LOCATIONS).where(loc.line_id == line_id).order_by(loc.seq, loc.code)
    if kind:
        query = query.where(loc.kind == kind)
    return [dict(r) for r in session.execute(query).mappings()]


def location_by_code(session: Session | Connection, line_id: int,
                     code: str) -> dict[str, Any] | None:
    """One location of a line by its ID, or None."""
    loc = LOCATIONS.c
    row = session.execute(select(LOCATIONS).where(loc.line_id == line_id, loc.code == code)
                          ).mappings().first()
    return dict(row) if row is not None else None


def location_codes(session: Session | Connection, line_id: int) -> dict[str, int]:
    return dict(session.execute(select(LOCATIONS.c.code, LOCATIONS.c.id)
                                .where(LOCATIONS.c.line_id == line_id)).all())


def upsert_locations(session: WriteSession, line_id: int,
                     rows: list[dict[str, Any]]) -> dict[str, int]:
    """Add new locations and update changed ones, by code (audited); counts of each."""
    return session.upsert_rows(LOCATIONS, {"line_id": line_id}, "code", rows)


def insert_locations(session: WriteSession, line_id: int, rows: list[dict[str, Any]]) -> int:
    """Add locations to a line (audited); returns how many."""
    from readiness.store.schema import Location

    return len(session.insert_rows(Location, [{"line_id": line_id, **r} for r in rows]))
