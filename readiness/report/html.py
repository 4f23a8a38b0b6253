"""The HTML report: one self-contained file (inline CSS and SVG, no script, no external file).

Templates are Jinja2 with autoescape on. A user folder (`--template-dir`) is searched before the
built-in `templates/` package, and `{% extends "default:report.html" %}` reaches the built-in one,
so a user overrides one block without forking the report. Jinja's file loader refuses names that
climb out of its folder, so an override cannot read files outside it.
"""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from markupsafe import Markup

from readiness import vocab
from readiness.errors import InvalidValue
from readiness.org import render as org_render
from readiness.report import charts

LEVEL_COLOURS = {"major": "#c62828", "significant": "#ef6c00", "general": "#f9a825",
                 "low": "#1565c0"}
OUTCOME_COLOURS = {"pass": "#2e7d32", "pass-with-findings": "#f9a825", "fail": "#c62828",
                   "incomplete": "#8d6e63", "void": "#9e9e9e", "voided": "#616161"}
INDICATOR_OF = {"TR-FULFILMENT": "fulfilment", "TR-PUNCTUALITY": "punctuality",
                "TR-RELIABILITY": "service_reliability", "TR-WITHDRAWAL": "withdrawal_rate",
                "TR-VEHICLE": "vehicle_failure_rate", "TR-SIGNALLING": "signalling_failure_rate",
                "TR-POWER": "power_failure_rate", "TR-PSD": "psd_failure_rate",
                "TR-GAP-DETECTOR": "gap_detector_rate", "TR-FAO-DROPOUT": "fao_dropout_rate",
                "TR-WAKEUP": "wakeup_success", "TR-SLEEP": "sleep_success"}


# What each kind of basis is, for the report's legend (zh, en).
KIND_NOTES = {
    "regulation": ("国家或行业主管部门发布的规章、规范性文件，按文号查阅",
                   "issued by the state or the ministry; look it up by its number"),
    "standard": ("国家、行业或国际标准，按标准号查阅",
                 "a national, industry or international standard; look it up by its number"),
    "operator-policy": ("本线路运营单位自定的管理要求（可调整），不是法规要求",
                        "the operator's own rule for the line (adjustable), not a regulation"),
    "practice": ("城市轨道交通运营单位的通行做法，不是法规要求",
                 "common practice of metro operators, not a regulation"),
    "toolkit-control": ("本工具为保证记录可追溯而设的控制，不是法规要求",
                        "a control of this toolkit that keeps the record traceable, not a regulation"),
}


def environment(template_dir: str | None = None) -> Any:
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined

    builtin = FileSystemLoader(str(resources.files("templates")))
    loaders: list[Any] = []
    if template_dir:
        if not Path(template_dir).is_dir():
            raise InvalidValue("report.no_template_dir", path=template_dir)
        loaders.append(FileSystemLoader(template_dir))
    loaders += [PrefixLoader({"default": builtin}, delimiter=":"), builtin]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["label"] = lambda code, set_name, lang: vocab.label(set_name, code, lang) if code else "-"
    env.filters["num"] = _num
    return env


def _num(value: Any, digits: int = 4) -> str:
    if value is None:
        return "-"
    if value == float("inf") or value == "inf":
        return "∞"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def charts_for(data: dict[str, Any]) -> dict[str, Any]:
    lang = data["lang"]
    zh = lang == "zh"
    result = data["result"]
    out: dict[str, Any] = {}
    # scores by the spec's chapters (a snapshot taken before chapters: by area)
    scored = [(ch["name"], ch["score"]) for ch in data.get("chapters") or []] or \
        [(vocab.label("assessment_area", k, lang), v["score"]) for k, v in result["areas"].items()]
    out["areas"] = Markup(charts.bar_chart(
        [(name, score or 0) for name, score in scored],
        title="各章节通过率" if zh else "Share of criteria passed, by chapter",
        unit="%", horizontal=True, width=640,
        colours=["#2e7d32" if score == 100 else "#ef6c00" for _, score in scored]))
    window = tuple(data["trial"]["window"]) if len(data["trial"]["window"]) == 2 else None
    out["indicators"] = []
    for cid, criterion in data["trial"]["criteria"].items():
        indicator = criterion.get("indicator") or INDICATOR_OF.get(cid)
        if indicator is None:
            continue
        series = [(d["day"], _finite(d[indicator])) for d in data["trial"]["days"]]
        threshold = criterion.get("threshold")
        out["indicators"].append({"id": cid, "status": criterion["status"],
                                  "message": criterion["message"], "svg": Markup(charts.line_chart(
            series, title=vocab.label("indicator", indicator, lang), threshold=threshold,
            threshold_label=("标准 " if zh else "criterion ") + _num(threshold),
            higher_is_better=indicator in ("fulfilment", "punctuality", "service_reliability",
                                           "wakeup_success", "sleep_success"),
            window=window, width=680, height=200))})
    matrix = data["hazards"]["matrix"]
    rows, cols = matrix["row_values"], matrix["col_values"]
    grid = [[matrix["cells"].get((r, c), 0) for c in cols] for r in rows]
    colours = [[LEVEL_COLOURS.get(matrix["worst"].get((r, c)), "#eceff1") for c in cols]
               for r in rows]
    out["matrix"] = Markup(charts.heatmap(
        grid, row_labels=[_num(r) for r in rows], col_labels=[_num(c) for c in cols],
        cell_colours=colours, title=("风险矩阵（危险源数）" if zh else "Risk matrix (hazards)"),
        x_title=matrix["cols"], y_title=matrix["rows"])) if rows else None
    levels = data["hazards"]["levels"]
    out["levels"] = Markup(charts.bar_chart(
        [(vocab.label("risk_level", k, lang), levels.get(k, 0)) for k in LEVEL_COLOURS],
        title="固有风险等级" if zh else "Inherent risk level", colours=list(LEVEL_COLOURS.values())))
    out["specialty"] = Markup(charts.bar_chart(
        [(vocab.label("specialty", k, lang), n) for k, n in data["hazards"]["by_specialty"][:13]],
        title="按专业" if zh else "By specialty", horizontal=True, width=560, height=320))
    bd = data["pdca"]["burndown"]
    out["burndown"] = Markup(charts.burndown_chart(
        [(p["date"], p["open"]) for p in bd["series"]],
        title="开通前必须整改问题" if zh else "Open blocking problems",
        forecast=(bd["forecast_zero"], 0) if bd["forecast_zero"] and bd["open_blocking"] else None,
        deadline=(bd["planned_opening"], "计划开通" if zh else "opening") if bd["planned_opening"] else None))
    cov = data["drills"]["coverage"]
    out["drills"] = Markup(charts.stacked_bar(
        [(vocab.label("drill_category", k, lang),
          {"passed": v["passed"], "drilled": v["drilled"] - v["passed"],
           "not": v["scenarios"] - v["drilled"]}) for k, v in cov["categories"].items()],
        order=["passed", "drilled", "not"],
        colours={"passed": "#2e7d32", "drilled": "#f9a825", "not": "#bdbdbd"},
        labels={"passed": "通过", "drilled": "未通过", "not": "未演练"} if zh else
        {"passed": "passed", "drilled": "not passed", "not": "not run"},
        title="演练覆盖（通过 / 未通过 / 未演练）" if zh else "Drill coverage (passed / not passed / not run)"))
    out["org"] = Markup(_strip_xml(org_render.to_svg(data["org"], data["as_of"], lang)))
    out["riskmap"] = None
    if data.get("riskmap") is not None:
        from readiness.report import riskmap

        out["riskmap"] = Markup(riskmap.inline(riskmap.to_svg(
            riskmap.from_dicts(data["riskmap"]), lang,
            subtitle=f"{data['line']['name']} · {data['snapshot']['as_of']}")))
    return out


def _finite(value: Any) -> float | None:
    return None if value is None or value == float("inf") else float(value)


def _strip_xml(svg: str) -> str:
    return svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg


def render_html(data: dict[str, Any], template_dir: str | None = None) -> str:
    env = environment(template_dir)
    template = env.get_template("report.html")
    css = env.get_template("report.css").render()
    return str(template.render(d=data, c=charts_for(data), css=Markup(css), lang=data["lang"],
                               zh=data["lang"] == "zh", LEVEL_COLOURS=LEVEL_COLOURS,
                               OUTCOME_COLOURS=OUTCOME_COLOURS, KIND_NOTES=KIND_NOTES,
                               vocab=vocab))


def write_atomically(path: str | Path, write: Any) -> Path:
    """Write to a temporary file beside the target, then rename: never a half-written report."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.*.partial"):  # left by an interrupted run
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a report is an ordinary file
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
