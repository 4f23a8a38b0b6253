"""Lines and their locations: the library functions behind `readiness init`, `line` and `location`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from readiness.actor import Actor
from readiness import vocab
from readiness.errors import InvalidValue, coded
from readiness.store.core import Store
from readiness.store import lines as line_store


# --- results (fields and their order are the `--json` keys) ---------------------------------------
# `id` and a location's `line_id` are in the published `--json` of these commands, so they stay.

@dataclass(slots=True, frozen=True)
class Line:
    """A line as `init` and `line set` leave it."""

    id: int
    name: str
    planned_opening: dt.date | None
    handover_date: dt.date | None
    profile: str
    phase: str
    fully_automatic: bool
    scoring_method: str
    band_table: str | None
    settings: dict[str, Any]
    created_at: dt.datetime


@dataclass(slots=True, frozen=True)
class LineSummary(Line):
    """A line in `line list`, with how many locations it has."""

    locations: int


@dataclass(slots=True, frozen=True)
class LineView(Line):
    """A line in `line show`, with its locations counted by kind (every kind, in vocab order),
    the level-word table its ledgers' risk levels are read with, and what it connects to
    (line_connection codes: a joint drill with a railway station or airport is required where
    it does)."""

    locations: dict[str, int]
    level_words: str
    connects: list[str]


@dataclass(slots=True, frozen=True)
class Location:
    """A station, section, depot or control centre, in order along its line."""

    id: int
    line_id: int
    code: str
    name: str
    kind: str
    seq: int
    note: str | None


def _line(data: dict[str, Any], cls: type[Line] = Line, **extra: Any) -> Any:
    return cls(**{name: data[name] for name in Line.__dataclass_fields__}, **extra)


# --- rules ---------------------------------------------------------------------------------------

def _scoring(method: str | None, band_table: str | None, settings: dict[str, Any] | None = None,
             current: str | None = None) -> dict[str, Any]:
    """The line's scoring method and band table, checked against the method's data: a shipped
    method or the line's own scale (`settings["scales"]`). A band table alone belongs to the
    line's current method. Direct judgement is per hazard, never a line's method."""
    if method is None and band_table is None:
        return {}
    from hazards.scoring import method_for

    chosen = method_for(method or current or "LEC", settings)
    if chosen.is_direct:
        raise InvalidValue("line.direct_not_line_method", option="--method")
    table = chosen.table(band_table).name
    return {"scoring_method": chosen.code,
            "band_table": None if table == chosen.default_band_table else table}


def _level_words(name: str | None) -> str | None:
    """The shipped level-word table `name` (its canonical name), or an error listing them."""
    if name is None:
        return None
    from hazards.level_words import table

    return table(name, "--level-words").name


def parse_connects(value: str | list[str] | tuple[str, ...] | None) -> list[str] | None:
    """`--connects railway-station,airport` (codes or labels, comma-separated) as the
    line_connection codes in vocab order; "none" (or 无) clears them; None leaves them."""
    if value is None:
        return None
    items = value.replace("，", ",").split(",") if isinstance(value, str) else list(value)
    items = [v.strip() for v in items if v.strip()]
    if not items:
        raise InvalidValue("option.bad_code", option="--connects", value="",
                           allowed=vocab.OneOf("line_connection"))
    if len(items) == 1 and items[0].lower() in ("none", "无"):
        return []
    codes = {coded("line_connection", "--connects", v) for v in items}
    return [c for c in vocab.codes("line_connection") if c in codes]


def check_dates(opening: dt.date | None, handover: dt.date | None, option: str) -> None:
    """The line opens after the three-rights handover, never on or before it."""
    if opening is not None and handover is not None and opening <= handover:
        raise InvalidValue("line.opening_not_after_handover", option=option,
                           opening=opening.isoformat(), handover=handover.isoformat())


# --- services ------------------------------------------------------------------------------------

def init_line(store: Store, name: str, *, opening: dt.date | None = None,
              handover: dt.date | None = None, profile: str | None = None,
              phase: str | None = None, method: str | None = None,
              band_table: str | None = None, actor: Actor) -> Line:
    """Add a line to the store, with the default drill catalogue and opening safety points."""
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
    return _line(line)


def list_lines(store: Store) -> list[LineSummary]:
    """Every line in the store by name, each with its number of locations."""
    with store.read_rows() as conn:
        rows = line_store.list_lines(conn)
    return [_line(row, LineSummary, locations=row["locations"]) for row in rows]


def show_line(store: Store, line: str | None) -> LineView:
    """One line (the only one when `line` is None) with its locations counted by kind."""
    with store.read_rows() as conn:
        found = line_store.line_row(conn, line)
        data = line_store.line_dict(found)
        locations = line_store.list_locations(conn, found.id)
    counts = {kind: sum(1 for loc in locations if loc["kind"] == kind)
              for kind in vocab.codes("location_kind")}
    from hazards.level_words import for_line

    return _line(data, LineView, locations=counts, level_words=for_line(data["settings"]).name,
                 connects=list((data["settings"] or {}).get("connects") or []))


def set_line(store: Store, line: str | None, *, opening: dt.date | None = None,
             handover: dt.date | None = None, profile: str | None = None,
             method: str | None = None, band_table: str | None = None,
             level_words: str | None = None,
             connects: str | list[str] | tuple[str, ...] | None = None, actor: Actor) -> Line:
    """Change a line's dates, criteria profile (a standard one or the line's own), hazard
    scoring method (a shipped one or the line's own scale), the level words its ledgers use
    (`settings["level_words"]`) or what it connects to (`settings["connects"]`: railway
    station, airport; "none" clears); the opening must stay after the handover."""
    words = _level_words(level_words)
    hubs = parse_connects(connects)
    changes: dict[str, Any] = {"planned_opening": opening, "handover_date": handover}
    with store.write(actor, "line set") as session:
        current = line_store.find_line(session, line)
        changes.update(_scoring(method, band_table, current.settings, current.scoring_method))
        if words is not None:
            changes["settings"] = {**(current.settings or {}), "level_words": words}
        if hubs is not None:
            changes["settings"] = {**changes.get("settings", current.settings or {}),
                                   "connects": hubs}
        # the option the user gave names the problem; the other date is the line's
        check_dates(opening or current.planned_opening, handover or current.handover_date,
                    "--opening-date" if opening else "--handover-date")
        if profile is not None:
            custom = (current.settings or {}).get("profiles", {})
            code = profile if profile in custom else coded("criteria_profile", "--profile",
                                                                   profile)
            changes.update(profile=code, fully_automatic=str(code).endswith("-fao"))
        updated = line_store.update_line(session, line, **changes)
    return _line(updated)


def list_locations(store: Store, line: str | None, kind: str | None = None) -> list[Location]:
    """A line's locations in order along the line; `kind` (a code or either label) narrows
    them to one kind."""
    kind_code = coded("location_kind", "--kind", kind)
    with store.read_rows() as conn:
        found = line_store.line_row(conn, line)
        rows = line_store.list_locations(conn, found.id, kind_code)
    return [Location(**row) for row in rows]
