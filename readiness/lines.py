"""Lines and their locations: the library functions behind `readiness init`, `line` and `location`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from readiness.actor import Actor
from readiness import vocab
from readiness.errors import InvalidValue, coded
from readiness.store.core import Store
from readiness.store import lines as line_store


def _scoring(method: str | None, band_table: str | None) -> dict[str, Any]:
    """The line's scoring method and band table, checked against the method's data file."""
    if method is None and band_table is None:
        return {}
    from hazards.scoring import method as scoring_method

    chosen = scoring_method(method or "LEC")
    table = chosen.table(band_table).name
    return {"scoring_method": chosen.code,
            "band_table": None if table == chosen.default_band_table else table}


def check_dates(opening: dt.date | None, handover: dt.date | None, option: str) -> None:
    """The line opens after the three-rights handover, never on or before it."""
    if opening is not None and handover is not None and opening <= handover:
        raise InvalidValue("line.opening_not_after_handover", option=option,
                           opening=opening.isoformat(), handover=handover.isoformat())


def init_line(store: Store, name: str, *, opening: dt.date | None = None,
              handover: dt.date | None = None, profile: str | None = None,
              phase: str | None = None, method: str | None = None,
              band_table: str | None = None, actor: Actor) -> dict[str, Any]:
    """Add a line to the store (created at the newest schema if new)."""
    check_dates(opening, handover, "--opening-date")
    profile = coded("criteria_profile", "--profile", profile) or "mot-2023"
    fields = {"planned_opening": opening, "handover_date": handover, "profile": profile,
              "phase": coded("phase", "--phase", phase),
              "fully_automatic": profile.endswith("-fao"), **_scoring(method, band_table)}
    from drills.catalogue import seed_default
    from readiness import checklist

    with store.write(actor, f"init --line {name}") as session:
        line = line_store.add_line(session, name, **fields)
        seed_default(session, line["id"])  # the default drill catalogue; the line may edit it
        checklist.seed_default(session, line["id"])  # and the opening safety points
        return line


def list_lines(store: Store) -> list[dict[str, Any]]:
    with store.read_rows() as conn:
        return line_store.list_lines(conn)


def show_line(store: Store, line: str | None) -> dict[str, Any]:
    with store.read_rows() as conn:
        found = line_store.line_row(conn, line)
        data = line_store.line_dict(found)
        locations = line_store.list_locations(conn, found.id)
    data["locations"] = {kind: sum(1 for loc in locations if loc["kind"] == kind)
                         for kind in vocab.codes("location_kind")}
    return data


def set_line(store: Store, line: str | None, *, opening: dt.date | None = None,
             handover: dt.date | None = None, profile: str | None = None,
             method: str | None = None, band_table: str | None = None,
             actor: Actor) -> dict[str, Any]:
    changes: dict[str, Any] = {"planned_opening": opening, "handover_date": handover,
                               **_scoring(method, band_table)}
    with store.write(actor, "line set") as session:
        current = line_store.find_line(session, line)
        # the option the user gave names the problem; the other date is the line's
        check_dates(opening or current.planned_opening, handover or current.handover_date,
                    "--opening-date" if opening else "--handover-date")
        if profile is not None:
            custom = (current.settings or {}).get("profiles", {})
            code = profile if profile in custom else coded("criteria_profile", "--profile",
                                                                   profile)
            changes.update(profile=code, fully_automatic=str(code).endswith("-fao"))
        return line_store.update_line(session, line, **changes)


def list_locations(store: Store, line: str | None, kind: str | None = None) -> list[dict[str, Any]]:
    kind_code = coded("location_kind", "--kind", kind)
    with store.read_rows() as conn:
        found = line_store.line_row(conn, line)
        return line_store.list_locations(conn, found.id, kind_code)
