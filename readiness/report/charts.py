"""Inline SVG charts for readiness reports (就绪评估报告图表).

Every function is pure and deterministic: plain data in, one self-contained ``<svg>`` string out
(no scripts, fonts, images or stylesheets), ready to embed in an HTML report. All caller text is
XML-escaped, so labels taken from user data are shown as text. Colours come from the caller; this
module only uses neutral greys for axes, grid and text, and red (#c62828) for failing points.
Dates are ISO strings (``YYYY-MM-DD``). Elements a report may want to address carry a ``class``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from xml.sax.saxutils import escape, quoteattr

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
FAIL = "#c62828"
INK, LINE, MUTED, GRID, NEUTRAL = "#212121", "#424242", "#757575", "#e0e0e0", "#9e9e9e"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Scale = Callable[[float], float]


def _clean(text: object) -> str:
    return _NOT_XML.sub("", str(text))


def _attr(value: object) -> str:
    return quoteattr(_clean(value))


def _n(v: float) -> str:
    s = f"{v:.1f}"
    return "0.0" if s == "-0.0" else s


def _num(v: float) -> str:
    if float(v).is_integer():
        return str(int(v))
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def _width(text: str, size: float) -> float:
    """Rough rendered width: CJK (wide) characters are square, others about 0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def _scale(a: float, b: float, p: float, q: float) -> Scale:
    return lambda v: p + (v - a) * (q - p) / (b - a)


def _day(iso: str) -> int:
    return date.fromisoformat(iso[:10]).toordinal()


def _text(x: float, y: float, text: object, *, size: float = 11, anchor: str = "start",
          fill: str = INK, extra: str = "") -> str:
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-family="{FONT}" font-size="{size}" '
            f'text-anchor="{anchor}" fill={_attr(fill)}{extra}>{escape(_clean(text))}</text>')


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str = GRID, extra: str = "") -> str:
    return (f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
            f'stroke={_attr(stroke)}{extra}/>')


def _rect(x: float, y: float, w: float, h: float, fill: str, extra: str = "", tip: str = "") -> str:
    head = (f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0))}" height="{_n(max(h, 0))}" '
            f'fill={_attr(fill)}{extra}')
    return f"{head}><title>{escape(_clean(tip))}</title></rect>" if tip else head + "/>"


def _ink(colour: str) -> str:
    """White text on dark #rgb/#rrggbb fills, dark text otherwise (and for named colours)."""
    if not (m := re.fullmatch(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", colour.strip())):
        return INK
    hexa = m[1] if len(m[1]) == 6 else "".join(ch * 2 for ch in m[1])
    r, g, b = (int(hexa[i:i + 2], 16) for i in (0, 2, 4))
    return "#ffffff" if 0.299 * r + 0.587 * g + 0.114 * b < 140 else INK


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {int(width)} {int(height)}" '
            f'width="{int(width)}" height="{int(height)}" role="img" aria-label={_attr(title)}>')
    return "\n".join([head, f"<title>{escape(_clean(title))}</title>",
                      _text(8, 18, title, size=13, extra=' font-weight="bold"'), *body, "</svg>"])


def _empty(width: int, height: int, title: str) -> str:
    return _svg(width, height, title, [_text(width / 2, height / 2, "—", anchor="middle", fill=MUTED)])


def _ticks(lo: float, hi: float, *, integer: bool = False) -> list[float]:
    """Three to five round values whose range covers [lo, hi]."""
    if hi <= lo:
        lo, hi = lo - 1, hi + 1
    mag = 10.0 ** math.floor(math.log10((hi - lo) / 4))
    for step in (m * mag for m in (1, 2, 2.5, 5, 10, 20, 50)):
        if integer and (step < 1 or not step.is_integer()):
            continue
        first, last = math.floor(lo / step), math.ceil(hi / step)
        if last - first <= 4:
            return [round(k * step, 10) for k in range(first, last + 1)]
    return [lo, hi]  # not reached: a step of 50 * mag always fits


def _y_axis(ticks: list[float], yf: Scale, left: float, right: float, unit: str) -> list[str]:
    out = [_line(left, yf(t), right, yf(t)) for t in ticks]
    out += [_text(left - 6, yf(t) + 4, _num(t), size=10, anchor="end", fill=MUTED) for t in ticks]
    if unit:
        out.append(_text(left - 6, yf(ticks[-1]) - 10, unit, size=10, anchor="end", fill=MUTED))
    return out


def _x_axis(d0: int, d1: int, xf: Scale, bottom: float, min_gap: float = 60) -> list[str]:
    """First and last date in full, the first of each month in between (YYYY-MM) where there is room."""
    ticks = [(xf(d0), date.fromordinal(d0).isoformat())]
    end = (xf(d1), date.fromordinal(d1).isoformat())
    month = date.fromordinal(d0).replace(day=1)
    while (month := date(month.year + month.month // 12, month.month % 12 + 1, 1)).toordinal() < d1:
        if (x := xf(month.toordinal())) - ticks[-1][0] >= min_gap and end[0] - x >= min_gap:
            ticks.append((x, f"{month.year:04d}-{month.month:02d}"))
    out: list[str] = []
    for x, label in ticks + ([end] if d1 != d0 else []):
        out += [_line(x, bottom, x, bottom + 4, MUTED),
                _text(x, bottom + 16, label, size=10, anchor="middle", fill=MUTED)]
    return out


def _date_frame(days: list[int], left: float, right: float) -> tuple[int, int, Scale]:
    d0, d1 = min(days), max(days)
    lo, hi = (d0 - 1, d1 + 1) if d0 == d1 else (d0, d1)
    return d0, d1, _scale(lo, hi, left, right)


def line_chart(series: list[tuple[str, float | None]], *, title: str, threshold: float | None = None,
               threshold_label: str = "", higher_is_better: bool = True,
               window: tuple[str, str] | None = None, unit: str = "", width: int = 720,
               height: int = 240) -> str:
    """A daily indicator: the values (gaps for None), the threshold, failing points, the window."""
    if not series:
        return _empty(width, height, title)
    points = [(_day(d), d, None if v is None or not math.isfinite(v) else float(v)) for d, v in series]
    ys = [v for _, _, v in points if v is not None] + ([threshold] if threshold is not None else [])
    lo, hi = (min(ys), max(ys)) if ys else (0.0, 1.0)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.05, 1.0)
    ticks = _ticks(lo - pad, hi + pad)
    left, right, top, bottom = 52, width - 36, 40, height - 28
    d0, d1, xf = _date_frame([p[0] for p in points], left, right)
    yf = _scale(ticks[0], ticks[-1], bottom, top)
    body: list[str] = []
    if window is not None:
        (wa, wb), half = sorted(map(_day, window)), (xf(d0 + 1) - xf(d0)) / 2
        x1, x2 = max(left, xf(wa) - half), min(right, xf(wb) + half)
        body.append(_rect(x1, top, x2 - x1, bottom - top, NEUTRAL, ' fill-opacity="0.2" class="window"',
                          f"{window[0]} – {window[1]}"))
    body += _y_axis(ticks, yf, left, right, unit) + _x_axis(d0, d1, xf, bottom)
    if threshold is not None:
        y = yf(threshold)
        body.append(_line(left, y, right, y, MUTED, ' stroke-dasharray="6 4" class="threshold"'))
        if threshold_label:
            body.append(_text(right, y - 4, threshold_label, size=10, anchor="end", fill=MUTED))
    runs: list[list[str]] = [[]]
    for day, _, v in points:
        if v is None:
            runs.append([])
        else:
            runs[-1].append(f"{_n(xf(day))},{_n(yf(v))}")
    for run in runs:
        if len(run) > 1:
            body.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{LINE}" '
                        f'stroke-width="1.5" class="series"/>')
        elif run:
            x, y = run[0].split(",")
            body.append(f'<circle cx="{x}" cy="{y}" r="2" fill="{LINE}" class="series"/>')
    for day, iso, v in points:
        if v is None or threshold is None or (v >= threshold if higher_is_better else v <= threshold):
            continue
        body.append(f'<circle cx="{_n(xf(day))}" cy="{_n(yf(v))}" r="3" fill="{FAIL}" class="fail">'
                    f"<title>{escape(_clean(f'{iso}: {_num(v)}{unit}'))}</title></circle>")
    return _svg(width, height, title, body)


def bar_chart(bars: list[tuple[str, float]], *, title: str, colours: list[str] | None = None,
              unit: str = "", width: int = 480, height: int = 220, horizontal: bool = False) -> str:
    """Labelled bars with the value written at the end of each bar; colours cycle per bar."""
    if not bars:
        return _empty(width, height, title)
    values = [float(v) for _, v in bars]
    lo, hi = min(0.0, *values), max(0.0, *values)
    hi = hi if hi > lo else 1.0
    room = 0 if lo == 0 else (40 if horizontal else 14)  # for the values of negative bars
    if horizontal:  # labels end at `edge`, values run from v0 to v1, bars stacked from c0 to c1
        edge = min(width * 0.4, max(_width(label, 11) for label, _ in bars) + 14)
        v0, v1, c0, c1 = edge + room, width - 56.0, 32.0, height - 8.0
    else:  # labels hang below `edge`, values run bottom to top, bars side by side
        edge = height - 28.0
        v0, v1, c0, c1 = edge - room, 40.0, 12.0, width - 12.0
    vf, band = _scale(lo, hi, v0, v1), (c1 - c0) / len(bars)
    base = vf(0)
    body: list[str] = []
    for i, ((label, _), v) in enumerate(zip(bars, values)):
        fill, text = colours[i % len(colours)] if colours else NEUTRAL, f"{_num(v)}{unit}"
        (a, b), pos = sorted((base, vf(v))), c0 + i * band
        mid = pos + band / 2
        if horizontal:
            body += [_rect(a, pos + band * 0.15, b - a, band * 0.7, fill, ' class="bar"'),
                     _text(edge - 6, mid + 4, label, anchor="end"),
                     _text(b + 4, mid + 4, text, size=10) if v >= 0
                     else _text(a - 4, mid + 4, text, size=10, anchor="end")]
        else:
            body += [_rect(pos + band * 0.15, a, band * 0.7, b - a, fill, ' class="bar"'),
                     _text(mid, edge + 16, label, size=10, anchor="middle"),
                     _text(mid, a - 4 if v >= 0 else b + 12, text, size=10, anchor="middle")]
    body.append(_line(base, c0, base, c1, MUTED) if horizontal else _line(c0, base, c1, base, MUTED))
    return _svg(width, height, title, body)


def heatmap(grid: list[list[int]], *, row_labels: list[str], col_labels: list[str],
            cell_colours: list[list[str]], title: str, x_title: str = "", y_title: str = "",
            width: int = 420, height: int = 360) -> str:
    """A risk matrix: row 0 is drawn on top; each cell in its colour with its count (blank if 0)."""
    rows, cols = len(grid), len(col_labels)
    if (len(row_labels) != rows or len(cell_colours) != rows
            or any(len(r) != cols for r in grid) or any(len(r) != cols for r in cell_colours)):
        raise ValueError("heatmap: grid, labels and colours must have matching shapes")
    if not rows or not cols:
        return _empty(width, height, title)
    left = 8 + (18 if y_title else 0) + max(_width(lb, 11) for lb in row_labels) + 10
    right, top, bottom = width - 8, 32, height - 26 - (18 if x_title else 0)
    cw, ch = (right - left) / cols, (bottom - top) / rows
    body: list[str] = []
    for r, row in enumerate(grid):
        body.append(_text(left - 6, top + (r + 0.5) * ch + 4, row_labels[r], anchor="end"))
        for c, count in enumerate(row):
            x, y, colour = left + c * cw, top + r * ch, cell_colours[r][c]
            body.append(_rect(x, y, cw, ch, colour, ' stroke="#ffffff" stroke-width="2" class="cell"'))
            if count:
                body.append(_text(x + cw / 2, y + ch / 2 + 5, _num(count), size=14, anchor="middle",
                                  fill=_ink(colour), extra=' class="count"'))
    body += [_text(left + (c + 0.5) * cw, bottom + 16, label, anchor="middle")
             for c, label in enumerate(col_labels)]
    if x_title:
        body.append(_text((left + right) / 2, height - 8, x_title, anchor="middle", fill=MUTED))
    if y_title:
        cx, cy = 16, (top + bottom) / 2
        body.append(_text(cx, cy, y_title, anchor="middle", fill=MUTED,
                          extra=f' transform="rotate(-90 {_n(cx)} {_n(cy)})"'))
    return _svg(width, height, title, body)


def burndown_chart(series: list[tuple[str, int]], *, title: str,
                   forecast: tuple[str, int] | None = None, deadline: tuple[str, str] | None = None,
                   width: int = 720, height: int = 240) -> str:
    """Open blocking items as a step line, a dashed forecast to (date, count), a deadline marker."""
    if not series:
        return _empty(width, height, title)
    points = sorted((_day(d), int(n)) for d, n in series)
    days = [d for d, _ in points] + [_day(x[0]) for x in (forecast, deadline) if x is not None]
    left, right, top, bottom = 52, width - 36, 40, height - 28
    d0, d1, xf = _date_frame(days, left, right)
    ticks = _ticks(0, max(max(n for _, n in points), forecast[1] if forecast else 0, 1), integer=True)
    yf = _scale(ticks[0], ticks[-1], bottom, top)
    body = _y_axis(ticks, yf, left, right, "") + _x_axis(d0, d1, xf, bottom)
    steps: list[str] = []
    for i, (day, n) in enumerate(points):
        if i:
            steps.append(f"{_n(xf(day))},{_n(yf(points[i - 1][1]))}")
        steps.append(f"{_n(xf(day))},{_n(yf(n))}")
    body.append(f'<polyline points="{" ".join(steps)}" fill="none" stroke="{LINE}" '
                f'stroke-width="2" class="burndown"/>')
    if forecast is not None:
        (last_day, last_n), fx, fy = points[-1], xf(_day(forecast[0])), yf(forecast[1])
        body.append(_line(xf(last_day), yf(last_n), fx, fy, LINE,
                          ' stroke-width="1.5" stroke-dasharray="5 4" class="forecast"'))
        body.append(_text(fx, fy - 6, forecast[0], size=10, anchor="middle", fill=MUTED))
    if deadline is not None:
        x = xf(_day(deadline[0]))
        body.append(_line(x, top - 4, x, bottom, LINE, ' stroke-width="1.5" class="deadline"'))
        anchor, dx = ("end", -4) if x > (left + right) / 2 else ("start", 4)
        body.append(_text(x + dx, top + 8, deadline[1], size=10, anchor=anchor, fill=LINE))
    return _svg(width, height, title, body)


def stacked_bar(rows: list[tuple[str, dict[str, int]]], *, order: list[str], colours: dict[str, str],
                title: str, width: int = 720, height: int = 260,
                labels: dict[str, str] | None = None) -> str:
    """Horizontal bars stacked in `order` (other keys are ignored), with a legend and row totals.
    `labels` names each key in the legend and tooltips (in the reader's language); a key
    without one is shown as it is."""
    if not rows:
        return _empty(width, height, title)
    names = {key: (labels or {}).get(key, key) for key in order}
    body: list[str] = []
    x, y = 8.0, 30.0
    for key in order:
        step = 18 + _width(names[key], 10) + 14
        if x + step > width - 8 and x > 8:
            x, y = 8.0, y + 16
        body += [_rect(x, y, 10, 10, colours.get(key, NEUTRAL), ' class="legend"'),
                 _text(x + 14, y + 9, names[key], size=10)]
        x += step
    left = 8 + min(width * 0.3, max(_width(label, 11) for label, _ in rows) + 12)
    top, bottom = y + 22, height - 8
    totals = [sum(max(counts.get(k, 0), 0) for k in order) for _, counts in rows]
    vf = _scale(0, max(max(totals), 1), left, width - 48)
    band = (bottom - top) / len(rows)
    for i, ((label, counts), total) in enumerate(zip(rows, totals)):
        y, x = top + i * band, left
        body.append(_text(left - 6, y + band / 2 + 4, label, anchor="end"))
        for key in order:
            count = max(counts.get(key, 0), 0)
            if not count:
                continue
            w, colour = vf(count) - left, colours.get(key, NEUTRAL)
            body.append(_rect(x, y + band * 0.15, w, band * 0.7, colour, ' class="segment"',
                              f"{label} · {names[key]}: {count}"))
            if w >= _width(str(count), 10) + 4:
                body.append(_text(x + w / 2, y + band / 2 + 4, count, size=10, anchor="middle",
                                  fill=_ink(colour)))
            x += w
        body.append(_text(x + 4, y + band / 2 + 4, total, size=10, fill=MUTED))
    body.append(_line(left, top, left, bottom, MUTED))
    return _svg(width, height, title, body)
