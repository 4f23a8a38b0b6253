"""What is printed and posted at the places of a line, from the store as it stands now: the
four-colour risk map (`readiness riskmap`) and the major-risk notices (`readiness notice`).

Services: read the store, hand the rows to the pure builders (`riskmap`, `notices`), write the
file atomically (a file already there is replaced only with `force`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from readiness.errors import InvalidValue, ReadinessError
from readiness.report import riskmap

MAP_SUFFIXES = (".svg", ".html", ".htm")
NOTICE_SUFFIXES = (".html", ".htm")


def open_dangers(session: Any, line_id: int) -> dict[str, dict[str, int]]:
    """The open hidden dangers by place."""
    from readiness.store.dangers import open_counts_by_location

    return open_counts_by_location(session, line_id)


def line_places(store: Any, line: str | None) -> tuple[str, list[riskmap.Place]]:
    """The line's name and its places for the map, as the store stands now."""
    from readiness.store.hazards import load_register
    from readiness.store.lines import line_row, list_locations

    with store.read() as session:
        found = line_row(session, line)
        places = riskmap.places(list_locations(session, found.id),
                                load_register(session, found.id),
                                open_dangers(session, found.id))
    return found.name, places


def _check_output(output: str | Path, force: bool, suffixes: tuple[str, ...], key: str) -> str:
    if Path(output).exists() and not force:
        raise ReadinessError("output.exists", path=str(output))
    suffix = Path(output).suffix.lower()
    if suffix not in suffixes:
        raise InvalidValue(key, path=str(output))
    return suffix


def write_riskmap(store: Any, line: str | None, output: str | Path, *, lang: str = "zh",
                  force: bool = False, today: dt.date | None = None
                  ) -> tuple[Path, list[riskmap.Place]]:
    """The four-colour risk map of the line as .svg (the drawing) or .html (an A4 page); and
    the places drawn."""
    from readiness.report.html import write_atomically

    suffix = _check_output(output, force, MAP_SUFFIXES, "riskmap.bad_suffix")
    name, places = line_places(store, line)
    on = (today or dt.date.today()).isoformat()
    svg = riskmap.to_svg(places, lang, subtitle=f"{name} · {on}")
    text = svg if suffix == ".svg" else riskmap.to_html(
        svg, f"{name} {riskmap.words(lang)['title']}", lang)
    return write_atomically(output, lambda tmp: tmp.write_text(text, encoding="utf-8")), places


def line_notices(store: Any, line: str | None, lang: str = "zh") -> tuple[str, list[dict[str, Any]]]:
    """The line's name and its major-risk notices (one per place with a major current risk)."""
    from drills.catalogue import load_scenarios
    from readiness.report.notices import notice_pages
    from readiness.store.hazards import load_register
    from readiness.store.lines import line_row, list_locations
    from readiness.store.org import org_index

    with store.read() as session:
        found = line_row(session, line)
        index = org_index(session)
        pages = notice_pages(list_locations(session, found.id), load_register(session, found.id),
                             index["people"], index["units"], load_scenarios(session, found.id),
                             lang)
    return found.name, pages


def write_notices(store: Any, line: str | None, output: str | Path, *, lang: str = "zh",
                  force: bool = False, template_dir: str | None = None) -> tuple[Path, int]:
    """The major-risk notices of the line as one printable HTML file; and how many pages."""
    from readiness.report.html import write_atomically
    from readiness.report.notices import render_notices

    _check_output(output, force, NOTICE_SUFFIXES, "notice.bad_suffix")
    name, pages = line_notices(store, line, lang)
    html = render_notices(pages, name, lang, template_dir)
    return write_atomically(output, lambda tmp: tmp.write_text(html, encoding="utf-8")), len(pages)
