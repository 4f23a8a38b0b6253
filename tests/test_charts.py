"""Inline SVG charts: well-formed, self-contained, escaped, deterministic, and drawing what they say."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from readiness.report import charts

NS = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(1)</script>"


def days(n: int, start: date = date(2024, 3, 1)) -> list[str]:
    return [(start + timedelta(i)).isoformat() for i in range(n)]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def by_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}{tag}") if e.get("class") == cls]


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(f"{NS}text")]


# One call per chart type, each with the malicious text in every text-taking slot.
CALLS: dict[str, Callable[[], str]] = {
    "line": lambda: charts.line_chart(
        list(zip(days(5), [1.0, None, 3.0, 2.0, 4.0])), title=EVIL, threshold=2.5,
        threshold_label=EVIL, window=("2024-03-02", "2024-03-04"), unit=EVIL),
    "bar": lambda: charts.bar_chart([(EVIL, 3), ("信号", 5.5)], title=EVIL, unit=EVIL,
                                    colours=['"/><script>x</script>']),
    "bar_horizontal": lambda: charts.bar_chart([(EVIL, 3), ("信号", 0)], title=EVIL, horizontal=True),
    "heatmap": lambda: charts.heatmap([[1, 0], [0, 2]], row_labels=[EVIL, "低"], col_labels=["1", EVIL],
                                      cell_colours=[["#ffeb3b", "#f44336"], ["#4caf50", "#b71c1c"]],
                                      title=EVIL, x_title=EVIL, y_title=EVIL),
    "burndown": lambda: charts.burndown_chart([("2024-05-01", 9), ("2024-06-01", 4)], title=EVIL,
                                              forecast=("2024-07-01", 0),
                                              deadline=("2024-08-01", EVIL)),
    "stacked": lambda: charts.stacked_bar([(EVIL, {EVIL: 2, "一般": 3})], order=[EVIL, "一般"],
                                          colours={EVIL: "#b71c1c", "一般": "#fbc02d"}, title=EVIL),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_chart_is_self_contained_escaped_svg(name: str) -> None:
    svg = CALLS[name]()
    root = parse(svg)
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.get("role") == "img" and root.get("aria-label") == EVIL
    assert "<script" not in svg.lower() and "&lt;script&gt;" in svg
    assert not any(list(root.iter(f"{NS}{tag}")) for tag in ("script", "image", "style", "foreignObject"))
    assert "href" not in svg and "url(" not in svg and "@import" not in svg
    assert EVIL in texts(root)
    assert all(e.get("font-family") == charts.FONT for e in root.iter(f"{NS}text"))


@pytest.mark.parametrize("name", sorted(CALLS))
def test_output_is_deterministic(name: str) -> None:
    assert CALLS[name]() == CALLS[name]()


@pytest.mark.parametrize("name", ["line", "bar", "heatmap", "burndown", "stacked"])
def test_empty_input_still_gives_a_valid_svg(name: str) -> None:
    empty = {"line": lambda: charts.line_chart([], title="t"),
             "bar": lambda: charts.bar_chart([], title="t"),
             "heatmap": lambda: charts.heatmap([], row_labels=[], col_labels=[], cell_colours=[],
                                               title="t"),
             "burndown": lambda: charts.burndown_chart([], title="t"),
             "stacked": lambda: charts.stacked_bar([], order=[], colours={}, title="t")}
    parse(empty[name]())


VALUES = [99.5, 98.0, 99.9, None, 97.5, 99.0, 100.0, 98.9, None, None, 99.2]


def red_points(svg: str) -> list[str]:
    root = parse(svg)
    return [c.find(f"{NS}title").text.split(":")[0]  # type: ignore[union-attr]
            for c in root.iter(f"{NS}circle") if c.get("fill") == charts.FAIL]


@pytest.mark.parametrize("higher_is_better,failing", [
    (True, [1, 4, 7]),       # below 99.0; 99.0 itself passes
    (False, [0, 2, 6, 10]),  # above 99.0
])
def test_line_chart_marks_exactly_the_failing_points(higher_is_better: bool, failing: list[int]) -> None:
    dates = days(len(VALUES))
    svg = charts.line_chart(list(zip(dates, VALUES)), title="正点率", threshold=99.0,
                            threshold_label="阈值 99%", higher_is_better=higher_is_better, unit="%")
    assert red_points(svg) == [dates[i] for i in failing]


def test_line_chart_draws_threshold_window_and_gaps() -> None:
    dates = days(len(VALUES))
    svg = charts.line_chart(list(zip(dates, VALUES)), title="t", threshold=99.0,
                            threshold_label="阈值 99%", window=(dates[2], dates[6]))
    root = parse(svg)
    [threshold] = by_class(root, "line", "threshold")
    assert threshold.get("stroke-dasharray") and threshold.get("y1") == threshold.get("y2")
    assert "阈值 99%" in texts(root)
    [window] = by_class(root, "rect", "window")
    assert float(window.get("width", "0")) > 0
    # None splits the series: [0..2], [4..7] as lines, the lone last value as a dot.
    lines = by_class(root, "polyline", "series")
    assert [len(p.get("points", "").split()) for p in lines] == [3, 4]
    assert len(by_class(root, "circle", "series")) == 1
    assert dates[0] in texts(root) and dates[-1] in texts(root)


def test_line_chart_window_is_placed_between_its_dates() -> None:
    dates = days(101)
    series = [(d, 1.0) for d in dates]
    plain = parse(charts.line_chart(series, title="t"))
    assert not by_class(plain, "rect", "window") and not by_class(plain, "line", "threshold")
    root = parse(charts.line_chart(series, title="t", window=(dates[50], dates[99])))
    [window] = by_class(root, "rect", "window")
    x, w = float(window.get("x", "0")), float(window.get("width", "0"))
    left, right = 52, 720 - 36
    assert x == pytest.approx(left + (right - left) * 0.495, abs=1)
    assert x + w == pytest.approx(left + (right - left) * 0.995, abs=1)


def test_line_chart_y_scale_includes_the_threshold_and_has_round_ticks() -> None:
    svg = charts.line_chart([(d, 10.0 + i) for i, d in enumerate(days(5))], title="t", threshold=50)
    root = parse(svg)
    [threshold] = by_class(root, "line", "threshold")
    assert 40 <= float(threshold.get("y1", "0")) <= 240 - 28
    labels = [t for t in texts(root) if t.replace(".", "").isdigit()]
    assert 3 <= len(labels) <= 5 and float(labels[-1]) >= 50 and float(labels[0]) <= 10


def test_line_chart_labels_months_on_a_long_series() -> None:
    root = parse(charts.line_chart([(d, 1.0) for d in days(200, date(2024, 1, 10))], title="t"))
    labels = texts(root)
    assert "2024-01-10" in labels and "2024-07-27" in labels
    assert {"2024-02", "2024-04", "2024-06"} <= set(labels)


def test_bar_chart_writes_values_and_uses_the_callers_colours() -> None:
    for horizontal in (False, True):
        root = parse(charts.bar_chart([("供电", 12), ("信号", 7.5), ("车辆", 0)], title="t", unit="项",
                                      colours=["#111111", "#222222"], horizontal=horizontal))
        assert {"12项", "7.5项", "0项", "供电", "信号", "车辆"} <= set(texts(root))
        bars = by_class(root, "rect", "bar")
        assert [b.get("fill") for b in bars] == ["#111111", "#222222", "#111111"]
        size = "width" if horizontal else "height"
        assert float(bars[0].get(size, "0")) > float(bars[1].get(size, "0")) > 0


def test_heatmap_writes_non_zero_counts_and_leaves_zeros_blank() -> None:
    grid = [[0, 3, 0], [12, 0, 1]]
    colours = [["#fff59d", "#ffcc80", "#b71c1c"], ["#b71c1c", "#ef9a9a", "#fff59d"]]
    root = parse(charts.heatmap(grid, row_labels=["高", "低"], col_labels=["1", "2", "3"],
                                cell_colours=colours, title="风险矩阵", x_title="严重度",
                                y_title="可能性"))
    cells = by_class(root, "rect", "cell")
    assert [c.get("fill") for c in cells] == [c for row in colours for c in row]
    counts = by_class(root, "text", "count")
    assert [c.text for c in counts] == ["3", "12", "1"]
    assert counts[1].get("fill") == "#ffffff" and counts[0].get("fill") != "#ffffff"  # dark cell
    assert {"高", "低", "严重度", "可能性"} <= set(texts(root))


def test_heatmap_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError):
        charts.heatmap([[1, 2]], row_labels=["a"], col_labels=["x"], cell_colours=[["#fff"]],
                       title="t")


def test_burndown_draws_the_forecast_only_when_given() -> None:
    series = [("2024-05-01", 40), ("2024-05-15", 31), ("2024-06-01", 20)]
    plain = parse(charts.burndown_chart(series, title="阻断项"))
    assert len(by_class(plain, "polyline", "burndown")) == 1
    assert not by_class(plain, "line", "forecast") and not by_class(plain, "line", "deadline")

    root = parse(charts.burndown_chart(series, title="阻断项", forecast=("2024-07-15", 0),
                                       deadline=("2024-09-01", "计划开通")))
    [forecast] = by_class(root, "line", "forecast")
    [deadline] = by_class(root, "line", "deadline")
    [step] = by_class(root, "polyline", "burndown")
    last = step.get("points", "").split()[-1]
    assert f"{forecast.get('x1')},{forecast.get('y1')}" == last
    assert forecast.get("stroke-dasharray")
    assert float(forecast.get("y2", "0")) == 240 - 28  # count 0 sits on the x axis
    assert deadline.get("x1") == deadline.get("x2") == "684.0"  # the deadline ends the x axis
    assert float(forecast.get("x1", "0")) < float(forecast.get("x2", "0")) < 684
    assert "计划开通" in texts(root) and "2024-09-01" in texts(root)
    assert len(step.get("points", "").split()) == 5  # 3 points + 2 steps


def test_stacked_bar_stacks_in_order_with_a_legend() -> None:
    rows = [("供电", {"低": 4, "重大": 1, "一般": 0, "其他": 9}), ("信号", {"一般": 5})]
    colours = {"重大": "#b71c1c", "一般": "#fbc02d", "低": "#9ccc65"}
    root = parse(charts.stacked_bar(rows, order=["重大", "一般", "低"], colours=colours, title="t"))
    assert [r.get("fill") for r in by_class(root, "rect", "legend")] == list(colours.values())
    segments = by_class(root, "rect", "segment")
    assert [s.get("fill") for s in segments] == ["#b71c1c", "#9ccc65", "#fbc02d"]
    first, second = (float(s.get("x", "0")) for s in segments[:2])
    assert second == pytest.approx(first + float(segments[0].get("width", "0")), abs=0.2)
    assert {"重大", "一般", "低", "供电", "信号", "5"} <= set(texts(root))
    assert "14" not in texts(root) and "5" in texts(root)  # "其他" is not in order: ignored
