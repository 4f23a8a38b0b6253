"""Pictures of the responsibility tree: GraphML and DOT for other tools, SVG for the reports.

In the SVG, levels are rows (company at the top, teams at the bottom) and each unit's link to its
parent is coloured by the status of their responsibility letter.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any
from xml.sax.saxutils import escape

import networkx as nx

from readiness.org.graph import LEVELS, Org, policy

BOX_W, BOX_H, GAP_X, ROW_H, MARGIN = 112, 40, 10, 96, 20


def annotated_graph(org: Org, as_of: dt.date) -> nx.DiGraph:
    g = org.graph()
    sizes = Counter(p["unit_code"] for p in org.people.values())
    for code, unit in org.units.items():
        g.nodes[code]["people"] = sizes[code]
        g.nodes[code]["head"] = unit.get("head_staff_id") or ""
    for parent, child in g.edges:
        g.edges[parent, child]["letter"] = org.letter(child, parent, as_of)[0]
    return g


def to_graphml(org: Org, as_of: dt.date) -> str:
    buffer = io.BytesIO()
    nx.write_graphml(annotated_graph(org, as_of), buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(org: Org, as_of: dt.date) -> str:
    colours = policy()["letter_colours"]
    g = annotated_graph(org, as_of)
    lines = ["digraph responsibility {", "  rankdir=TB;",
             '  node [shape=box, style="rounded", fontname="Noto Sans CJK SC"];']
    for code, data in g.nodes(data=True):
        lines.append(f"  {_dot_id(code)} [label={_dot_id(data['name'] + chr(10) + code)}];")
    for parent, child, data in g.edges(data=True):
        lines.append(f"  {_dot_id(parent)} -> {_dot_id(child)} "
                     f"[color={_dot_id(colours[data['letter']])}, label={_dot_id(data['letter'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _layout(org: Org) -> dict[str, tuple[float, float]]:
    """Leaves spread evenly left to right; each parent centred over its children."""
    children: dict[str | None, list[str]] = {}
    for code in sorted(org.units):
        parent = org.units[code]["parent_code"]
        children.setdefault(parent if parent in org.units else None, []).append(code)
    positions: dict[str, tuple[float, float]] = {}
    next_x = [float(MARGIN)]
    seen: set[str] = set()

    def place(code: str) -> float:
        seen.add(code)
        kids = [k for k in children.get(code, []) if k not in seen]
        level = org.units[code]["level"]
        y = MARGIN + (LEVELS.index(level) if level in LEVELS else len(LEVELS)) * ROW_H
        if not kids:
            x = next_x[0]
            next_x[0] += BOX_W + GAP_X
        else:
            xs = [place(k) for k in kids]
            x = (xs[0] + xs[-1]) / 2
        positions[code] = (x, y)
        return x

    for root in children.get(None, []):
        place(root)
    for code in sorted(set(org.units) - seen):  # units caught in a cycle still get drawn
        place(code)
    return positions


def to_svg(org: Org, as_of: dt.date, lang: str = "zh") -> str:
    colours = policy()["letter_colours"]
    positions = _layout(org)
    width = max((x for x, _ in positions.values()), default=0) + BOX_W + MARGIN
    height = MARGIN * 2 + len(LEVELS) * ROW_H
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" font-family="Noto Sans CJK SC, Microsoft YaHei, '
        f'PingFang SC, sans-serif" font-size="11" role="img">']
    for code, (x, y) in positions.items():
        parent = org.units[code]["parent_code"]
        if parent in positions:
            px, py = positions[parent]
            status = org.letter(code, parent, as_of)[0]
            out.append(f'<path d="M{px + BOX_W / 2:.1f},{py + BOX_H:.1f} '
                       f'C{px + BOX_W / 2:.1f},{py + BOX_H + 28:.1f} {x + BOX_W / 2:.1f},{y - 28:.1f} '
                       f'{x + BOX_W / 2:.1f},{y:.1f}" fill="none" stroke="{colours[status]}" '
                       f'stroke-width="{1.5 if status == "valid" else 3}">'
                       f'<title>{escape(code)} → {escape(parent)}: {escape(status)}</title></path>')
    for code, (x, y) in positions.items():
        unit = org.units[code]
        name = unit["name"] if len(unit["name"]) <= 9 else unit["name"][:8] + "…"
        out.append(f'<g><title>{escape(unit["name"])} ({escape(code)})</title>'
                   f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="6" '
                   f'fill="#ffffff" stroke="#455a64"/>'
                   f'<text x="{x + BOX_W / 2:.1f}" y="{y + 17:.1f}" text-anchor="middle">'
                   f'{escape(name)}</text>'
                   f'<text x="{x + BOX_W / 2:.1f}" y="{y + 32:.1f}" text-anchor="middle" '
                   f'fill="#607d8b" font-size="9">{escape(code)}</text></g>')
    out.append(_legend(colours, height, lang))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _legend(colours: dict[str, Any], height: float, lang: str) -> str:
    from readiness.vocab import codes

    items = []
    for i, (status, colour) in enumerate(colours.items()):
        label = codes("letter_status")[status].label(lang)
        x = MARGIN + i * 110
        items.append(f'<rect x="{x}" y="{height - 14}" width="14" height="4" fill="{colour}"/>'
                     f'<text x="{x + 18}" y="{height - 9}">{escape(label)}</text>')
    return "<g>" + "".join(items) + "</g>"
