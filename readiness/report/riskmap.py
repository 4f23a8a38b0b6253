"""The four-colour risk map (安全风险四色分布图): the line's places in line order, each coloured by
its highest current risk level, as one self-contained SVG.

Pure: places (as `readiness.store.lines.list_locations` gives them, in line order), the hazard
register and the open hidden dangers by place in; plain data and SVG text out. No store, no
clock, no file.

- A hazard's current level is its residual level (after controls), else its inherent level when
  it has no residual evaluation; an eliminated hazard does not count.
- A place's colour is the highest current level of its hazards: red 重大, orange 较大,
  yellow 一般, blue 较小 (the report's level colours); grey when it has no hazard.
- Stations and sections form the line (a station a circle, a section the track between two
  stations); the other places (depot, control centre) are squares on a row of their own. A long
  line wraps into rows that run back and forth (snake), so 40 places and more fit an A4 page.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from readiness import vocab
from readiness.report.html import LEVEL_COLOURS

QUOTE = {"\"": "&quot;"}  # inside an attribute a quote must be escaped too

LEVELS = tuple(LEVEL_COLOURS)  # high → low: major, significant, general, low
NO_HAZARD = "#bdbdbd"  # a place with no hazard
TRACK = "#90a4ae"  # the line between places whose colour is their own
BADGE = "#263238"  # the open hidden dangers' badge
FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"
ON_TRACK = ("station", "section")

WIDTH = 1000  # viewBox units; the page scales the drawing to its width
MARGIN = 30
PER_ROW = 12  # cells on one row of the line (a station or a section each)
ROW_HEIGHT = 118


@dataclass(frozen=True, slots=True)
class Place:
    """One place on the map: its highest current level (None: no hazard), the number of its
    hazards at each current level, and its open hidden dangers by grade."""

    code: str
    name: str
    kind: str
    seq: int | None
    level: str | None
    counts: dict[str, int] = field(default_factory=dict)
    dangers: dict[str, int] = field(default_factory=dict)

    @property
    def colour(self) -> str:
        return LEVEL_COLOURS[self.level] if self.level else NO_HAZARD

    @property
    def open_dangers(self) -> int:
        return sum(self.dangers.values())

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "kind": self.kind, "seq": self.seq,
                "level": self.level, "counts": dict(self.counts), "dangers": dict(self.dangers)}


def current_level(hazard: dict[str, Any]) -> str | None:
    """The hazard's level as it stands with its controls: residual, else inherent; None for an
    eliminated hazard (or one not evaluated)."""
    if hazard.get("status") == "eliminated":
        return None
    level = hazard.get("residual_level") or hazard.get("level")
    return level if level in LEVEL_COLOURS else None


def highest(levels: Any) -> str | None:
    found = [lv for lv in levels if lv in LEVEL_COLOURS]
    return min(found, key=LEVELS.index) if found else None


def places(locations: list[dict[str, Any]], register: list[dict[str, Any]],
           dangers: dict[str, dict[str, int]] | None = None) -> list[Place]:
    """The line's places in line order (by `seq`, then code), each with its current levels and
    open hidden dangers (`dangers`: {place code: {"general": n, "major": n}})."""
    counts: dict[str, dict[str, int]] = {}
    for h in register:
        level = current_level(h)
        if level and h.get("location"):
            mine = counts.setdefault(h["location"], {})
            mine[level] = mine.get(level, 0) + 1
    dangers = dangers or {}
    ordered = sorted(locations, key=lambda loc: (loc.get("seq") is None, loc.get("seq") or 0,
                                                 loc["code"]))
    out = []
    for loc in ordered:
        mine = {lv: counts[loc["code"]][lv] for lv in LEVELS if counts.get(loc["code"], {}).get(lv)}
        found = {g: int(n) for g, n in (dangers.get(loc["code"]) or {}).items() if n}
        out.append(Place(loc["code"], loc.get("name") or loc["code"], loc.get("kind") or "station",
                         loc.get("seq"), highest(mine), mine, found))
    return out


def from_dicts(rows: list[dict[str, Any]]) -> list[Place]:
    """Places back from `Place.as_dict` (as a snapshot keeps them)."""
    return [Place(r["code"], r["name"], r["kind"], r.get("seq"), r.get("level"),
                  dict(r.get("counts") or {}), dict(r.get("dangers") or {})) for r in rows]


def totals(found: list[Place]) -> dict[str, Any]:
    """How many places show each colour (`none`: no hazard), hazards at each current level, and
    the open hidden dangers by grade."""
    colours = {lv: sum(1 for p in found if p.level == lv) for lv in LEVELS}
    colours["none"] = sum(1 for p in found if p.level is None)
    return {"places": colours,
            "hazards": {lv: sum(p.counts.get(lv, 0) for p in found) for lv in LEVELS},
            "dangers": {g: sum(p.dangers.get(g, 0) for p in found) for g in ("general", "major")}}


def words(lang: str) -> dict[str, str]:
    zh = lang == "zh"
    return {
        "title": "安全风险四色分布图" if zh else "Four-colour risk map",
        "none": "无危险源" if zh else "No hazard",
        "colour_note": ("颜色：该处危险源现状（残余）风险的最高等级；无残余评价的按固有风险，已消除的不计"
                        if zh else "Colour: the highest current (residual) risk level of the "
                        "place's hazards; inherent where no residual, eliminated ones left out"),
        "count_note": ("色块旁数字：该处各等级危险源数" if zh else
                       "Numbers by the swatches: the place's hazards at each level"),
        "badge": "隐患" if zh else "HD",
        "badge_note": ("未关闭的隐患数（括号内为重大隐患）" if zh else
                       "open hidden dangers (in brackets: major ones)"),
        "station": "车站" if zh else "station", "section": "区间" if zh else "section",
        "other": "车辆段、控制中心等" if zh else "depot, control centre, …",
        "places": "处" if zh else " places",
        "off_line": "线路外场所" if zh else "Off the line",
        "empty": "本线路尚无位置" if zh else "The line has no places yet",
    }


def level_word(level: str, lang: str) -> str:
    label = vocab.label("risk_level", level, lang)
    return f"{label}风险" if lang == "zh" else f"{label} risk"


# --- drawing ------------------------------------------------------------------------------------

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, width: int = 12, lines: int = 2) -> list[str]:
    """`text` in lines at most `width` columns wide (a CJK character is two), at most `lines`
    of them, the last cut with an ellipsis."""
    out, current = [], ""
    for ch in text:
        if _width(current + ch) > width:
            out.append(current)
            current = ch
        else:
            current += ch
    if current:
        out.append(current)
    if len(out) > lines:
        last = out[lines - 1]
        while last and _width(last + "…") > width:
            last = last[:-1]
        out = out[: lines - 1] + [last + "…"]
    return out or [""]


def _text(x: float, y: float, text: str, size: int = 12, anchor: str = "middle",
          weight: str | None = None, fill: str = "#212121", cls: str | None = None) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    extra += f' class="{cls}"' if cls else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}"{extra}>{escape(text)}</text>')


def _title(p: Place, lang: str) -> str:
    parts = [f"{p.code} {p.name}"]
    parts += [f"{level_word(lv, lang)} {p.counts[lv]}" for lv in LEVELS if p.counts.get(lv)]
    if not p.counts:
        parts.append(words(lang)["none"])
    if p.open_dangers:
        parts.append(f"{words(lang)['badge']} {p.open_dangers}")
    return f"<title>{escape(' · '.join(parts))}</title>"


def _counts(cx: float, y: float, p: Place) -> list[str]:
    """Small level swatches with the place's hazard count at each level, centred at `cx`."""
    items = [(lv, p.counts[lv]) for lv in LEVELS if p.counts.get(lv)]
    if not items:
        return []
    sizes = [12 + 7 * len(str(n)) for _, n in items]
    x = cx - (sum(sizes) + 3 * (len(items) - 1)) / 2
    out = []
    for (lv, n), size in zip(items, sizes):
        out.append(f'<rect x="{x:.1f}" y="{y - 8:.1f}" width="8" height="8" '
                   f'fill="{LEVEL_COLOURS[lv]}" class="count {lv}"/>')
        out.append(_text(x + 10, y, str(n), 11, "start", cls=f"n-{lv}"))
        x += size + 3
    return out


def _badge(cx: float, y: float, p: Place, lang: str) -> list[str]:
    """The open hidden dangers of a place: a dark badge with their number (major in brackets),
    centred at `cx`."""
    if not p.open_dangers:
        return []
    major = p.dangers.get("major", 0)
    text = f"{words(lang)['badge']}{p.open_dangers}" + (f"({major})" if major else "")
    w = 6 + _width(text) * 6
    x = cx - w / 2
    stroke = f' stroke="{LEVEL_COLOURS["major"]}" stroke-width="2"' if major else ""
    return [f'<g class="danger" data-open="{p.open_dangers}" data-major="{major}">'
            f'<rect x="{x:.1f}" y="{y - 11:.1f}" width="{w}" height="15" rx="7" fill="{BADGE}"'
            f'{stroke}/>{_text(x + w / 2, y, text, 10, fill="#ffffff", weight="bold")}</g>']


def _node(cx: float, cy: float, p: Place, lang: str, name_width: int = 12) -> list[str]:
    """A station (circle) or another place (square) with its name, counts and badge below."""
    shape = (f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="13" fill="{p.colour}" stroke="#263238" '
             f'stroke-width="2"/>' if p.kind == "station" else
             f'<rect x="{cx - 14:.1f}" y="{cy - 14:.1f}" width="28" height="28" rx="3" '
             f'fill="{p.colour}" stroke="#263238" stroke-width="2"/>')
    out = [f'<g class="place {p.kind}" data-code="{escape(p.code, QUOTE)}" data-level="{p.level or "none"}"'
           f' data-colour="{p.colour}">{_title(p, lang)}{shape}']
    y = cy + 32
    for line in wrap(p.name, name_width):
        out.append(_text(cx, y, line, 13, weight="bold"))
        y += 15
    out += _counts(cx, y + 2, p)
    out += _badge(cx, cy - 19, p, lang)
    out.append("</g>")
    return out


def _section(x0: float, x1: float, cy: float, p: Place, lang: str) -> list[str]:
    """A section: the track between two stations in its colour, its counts below."""
    out = [f'<g class="place section" data-code="{escape(p.code, QUOTE)}" data-level="{p.level or "none"}"'
           f' data-colour="{p.colour}">{_title(p, lang)}'
           f'<rect x="{min(x0, x1):.1f}" y="{cy - 6:.1f}" width="{abs(x1 - x0):.1f}" height="12" '
           f'fill="{p.colour}" stroke="#263238" stroke-width="1"/>']
    cx = (x0 + x1) / 2
    out += _counts(cx, cy - 11, p)
    out += _badge(cx, cy + 22, p, lang)
    out.append("</g>")
    return out


def _legend(y: float, found: list[Place], lang: str) -> tuple[list[str], float]:
    w = words(lang)
    sums = totals(found)["places"]
    out, x = [], MARGIN
    for lv in (*LEVELS, None):
        colour = LEVEL_COLOURS[lv] if lv else NO_HAZARD
        label = level_word(lv, lang) if lv else w["none"]
        text = f"{label} {sums[lv or 'none']}{w['places']}"
        out.append(f'<g class="legend-item" data-level="{lv or "none"}">'
                   f'<rect x="{x}" y="{y - 13}" width="26" height="16" fill="{colour}" '
                   f'stroke="#263238" stroke-width="1"/>{_text(x + 32, y, text, 13, "start")}</g>')
        x += 42 + _width(text) * 7 + 14
    y += 24
    out.append(f'<circle cx="{MARGIN + 8}" cy="{y - 5}" r="7" fill="#ffffff" stroke="#263238" '
               f'stroke-width="2"/>')
    out.append(_text(MARGIN + 22, y, w["station"], 12, "start"))
    x = MARGIN + 22 + _width(w["station"]) * 7 + 16
    out.append(f'<rect x="{x}" y="{y - 10}" width="26" height="9" fill="#ffffff" stroke="#263238"/>')
    out.append(_text(x + 32, y, w["section"], 12, "start"))
    x += 32 + _width(w["section"]) * 7 + 16
    out.append(f'<rect x="{x}" y="{y - 13}" width="14" height="14" rx="2" fill="#ffffff" '
               f'stroke="#263238" stroke-width="2"/>')
    out.append(_text(x + 20, y, w["other"], 12, "start"))
    x += 20 + _width(w["other"]) * 7 + 16
    badge = f"{w['badge']}n"
    out.append(f'<rect x="{x}" y="{y - 11}" width="{6 + _width(badge) * 6}" height="15" rx="7" '
               f'fill="{BADGE}"/>')
    out.append(_text(x + 3 + _width(badge) * 3, y, badge, 10, fill="#ffffff", weight="bold"))
    out.append(_text(x + 12 + _width(badge) * 6, y, w["badge_note"], 12, "start"))
    y += 20
    out.append(_text(MARGIN, y, w["colour_note"], 11, "start", fill="#546e7a"))
    y += 16
    out.append(_text(MARGIN, y, w["count_note"], 11, "start", fill="#546e7a"))
    return out, y


def to_svg(found: list[Place], lang: str = "zh", subtitle: str | None = None,
           per_row: int = PER_ROW) -> str:
    """The map as a standalone SVG document (UTF-8, no external file, a CJK font stack)."""
    w = words(lang)
    line = [p for p in found if p.kind in ON_TRACK]
    others = [p for p in found if p.kind not in ON_TRACK]
    body: list[str] = [_text(MARGIN, 34, w["title"], 22, "start", weight="bold")]
    if subtitle:
        body.append(_text(WIDTH - MARGIN, 34, subtitle, 13, "end", fill="#546e7a"))
    legend, y = _legend(66, found, lang)
    body += legend
    top = y + 46
    step = (WIDTH - 2 * MARGIN - 40) / max(1, per_row - 1)
    rows = [line[i:i + per_row] for i in range(0, len(line), per_row)]
    centres: list[tuple[float, float]] = []
    for r, row in enumerate(rows):
        cy = top + r * ROW_HEIGHT
        for i, _ in enumerate(row):
            col = i if r % 2 == 0 else per_row - 1 - i
            centres.append((MARGIN + 20 + col * step, cy))
    tracks: list[str] = []
    nodes: list[str] = []
    for n, p in enumerate(line):
        cx, cy = centres[n]
        if p.kind == "section":
            # the track from the previous cell's centre to the next's (ends of a row: half a cell)
            prev = centres[n - 1] if n and centres[n - 1][1] == cy else None
            nxt = centres[n + 1] if n + 1 < len(centres) and centres[n + 1][1] == cy else None
            half = step / 2
            sign = 1 if (prev or (cx - half, cy))[0] <= cx else -1
            x0 = prev[0] + sign * 13 if prev and line[n - 1].kind == "station" else cx - sign * half
            x1 = nxt[0] - sign * 13 if nxt and line[n + 1].kind == "station" else cx + sign * half
            nodes += _section(x0, x1, cy, p, lang)
        else:
            nodes += _node(cx, cy, p, lang)
        if n + 1 < len(line):  # the plain track to the next place (under the sections)
            nx, ny = centres[n + 1]
            if ny == cy:
                tracks.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{nx:.1f}" y2="{ny:.1f}" '
                              f'stroke="{TRACK}" stroke-width="4"/>')
            else:  # the turn at the row's end
                edge = cx + (step / 2 if cx > WIDTH / 2 else -step / 2)
                tracks.append(f'<path d="M{cx:.1f},{cy:.1f} L{edge:.1f},{cy:.1f} '
                              f'L{edge:.1f},{ny:.1f} L{nx:.1f},{ny:.1f}" fill="none" '
                              f'stroke="{TRACK}" stroke-width="4" stroke-dasharray="8 5"/>')
    body += tracks + nodes
    y = top + max(0, len(rows) - 1) * ROW_HEIGHT + (ROW_HEIGHT - 30 if rows else 0)
    if others:
        y += 10
        body.append(f'<line x1="{MARGIN}" y1="{y:.1f}" x2="{WIDTH - MARGIN}" y2="{y:.1f}" '
                    f'stroke="#cfd8dc"/>')
        body.append(_text(MARGIN, y + 20, w["off_line"], 13, "start", weight="bold",
                          fill="#546e7a"))
        across = max(1, per_row // 2)  # off the line: twice the room, a name on one line
        for i, p in enumerate(others):
            r, col = divmod(i, across)
            body += _node(MARGIN + 20 + step / 2 + col * 2 * step, y + 60 + r * ROW_HEIGHT, p,
                          lang, name_width=24)
        y += 60 + ((len(others) - 1) // across) * ROW_HEIGHT + ROW_HEIGHT - 30
    if not found:
        body.append(_text(WIDTH / 2, top, w["empty"], 14, fill="#546e7a"))
        y = top + 20
    height = int(y + 20)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" class="riskmap" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" font-family="{FONT}" role="img" '
            f'aria-label="{escape(w["title"])}">'
            f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>' + "".join(body) + "</svg>\n")


def inline(svg: str) -> str:
    """The SVG without its XML declaration, to put inside an HTML page."""
    return svg.split("?>", 1)[1].lstrip() if svg.startswith("<?xml") else svg


def to_html(svg: str, title: str, lang: str = "zh") -> str:
    """The map alone as a printable A4 page (portrait, the drawing at the page's width)."""
    return (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
            f'<meta charset="utf-8"><title>{escape(title)}</title><style>'
            "@page { size: A4; margin: 12mm; } "
            "body { margin: 0 auto; max-width: 1000px; padding: 16px; font-family: "
            f"{FONT}; }} svg {{ width: 100%; height: auto; }} "
            "@media print { body { padding: 0; max-width: none; } }"
            f"</style></head><body>{inline(svg)}</body></html>\n")
