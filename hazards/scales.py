"""A line's own scoring tables (`readiness scale add/list/show`): validated TOML, kept in the line's
settings like a line's criteria profiles, and chosen like the shipped methods
(`readiness line set --method NAME [--band-table T]`).

Ledgers score with LEC variants (E = 5 or 0.2 on the exposure scale; 重大 from D ≥ 160 or ≥ 240
rather than 320). A scale file has the shape of the shipped `hazards/data/lec.toml`:

    method = "LEC-160"                 # its name (not a shipped one), at most 20 characters
    zh = "本线路 LEC（D≥160 重大）"       # titles
    en = "Line LEC (D ≥ 160 major)"
    source = "…"                       # optional: where the convention comes from, in plain words
    combine = "product"                # product (D = L × E × C) or matrix (rows × columns)
    factors = ["L", "E", "C"]          # register columns: L, E, C, S, and P (read from L)
    default_band_table = "default"     # optional when there is one band table
    [scales.E]
    values = [{ value = 5, zh = "…", en = "…" }, …]
    [band_tables.default]
    bands = [{ level = "major", min = 160 }, { level = "significant", min = 70, max = 160 }, …]

Each problem is one error naming the TOML key (`band_tables.default.bands[2].level`). The rules are
pure; the services below read the file and write the line's settings through the store, audited.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hazards.scoring import (LEVELS, SCALES_SETTING, SHIPPED, BandTable, Method, Scale, _key,
                             _num, _validate_table, MethodDataError, is_shipped, line_scales,
                             method as shipped_method)
from readiness import vocab
from readiness.errors import InvalidValue, ReadinessError

if TYPE_CHECKING:
    from readiness.actor import Actor
    from readiness.store.core import Store

FACTOR_NAMES = ("L", "E", "C", "S", "P")  # the register's factor columns (P is read from L)
TOP_KEYS = {"method", "zh", "en", "edition", "source", "combine", "factors", "default_band_table",
            "scales", "band_tables", "danger_classes"}
NAME = re.compile(r"^[^\s,，;；|/\\\"'=]{1,20}$")


class Said:
    """A problem in both languages; shown in the language in force when the message is made."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en

    def __str__(self) -> str:
        from readiness.i18n import get_lang

        return self.zh if get_lang() == "zh" else self.en


class ScaleFileError(InvalidValue):
    """A line's scale file that cannot be used: one problem, naming its TOML key."""


# --- rules: validate a scale file ------------------------------------------------------------------

class _Check:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str, zh: str, en: str) -> None:
        raise ScaleFileError("scale.invalid", file=self.file, at=key, problem=Said(zh, en))

    def text(self, data: dict[str, Any], key: str, where: str, required: bool = True,
             default: str = "") -> str:
        value = data.get(key)
        if value is None and not required:
            return default
        if not isinstance(value, str) or not value.strip():
            self.fail(where, "需要非空文字" if value is None or isinstance(value, str)
                      else f"应为文字（引号括起），而不是 {value!r}",
                      "must be non-empty text" if value is None or isinstance(value, str)
                      else f"must be text (in quotes), not {value!r}")
        return str(value).strip()

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.fail(where, f"应为数字（不加引号），而不是 {value!r}",
                      f"must be a number (no quotes), not {value!r}")
        return float(value)

    def table(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, "应为一个表（[…] 或 { … }）", "must be a table ([…] or { … })")
        return value

    def keys(self, data: dict[str, Any], allowed: set[str], where: str) -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            at = f"{where}.{unknown[0]}" if where else unknown[0]
            self.fail(at, f"未知的键，可用：{', '.join(sorted(allowed))}",
                      f"unknown key; known keys: {', '.join(sorted(allowed))}")


def parse_scale(text: str, file: str = "-") -> dict[str, Any]:
    """Check a scale file's text; return its data with levels as codes, or raise ScaleFileError
    (or InvalidValue "scale.not_toml"/"scale.shipped_name") naming the first problem's key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScaleFileError("scale.not_toml", file=file, reason=str(exc)) from None
    c = _Check(file)
    c.keys(data, TOP_KEYS, "")
    name = c.text(data, "method", "method")
    if not NAME.match(name):
        c.fail("method", f"“{name}”不能用作名称：至多 20 个字符，不含空格、逗号、引号、斜杠或 =",
               f"'{name}' cannot be a name: at most 20 characters, no spaces, commas, quotes, "
               "slashes or =")
    if is_shipped(name):
        raise ScaleFileError("scale.shipped_name", file=file, name=name)
    zh, en = c.text(data, "zh", "zh"), c.text(data, "en", "en")
    edition = c.text(data, "edition", "edition", required=False, default="line")
    source = c.text(data, "source", "source", required=False)
    combine = data.get("combine")
    if combine not in ("product", "matrix"):
        c.fail("combine", f"应为 \"product\"（各因子相乘）或 \"matrix\"（矩阵），而不是 {combine!r}",
               f"must be \"product\" (factors multiplied) or \"matrix\", not {combine!r}")
    factors = data.get("factors")
    if not isinstance(factors, list) or not factors:
        c.fail("factors", "应为因子名称的列表，如 [\"L\", \"E\", \"C\"]",
               "must be a list of factor names, e.g. [\"L\", \"E\", \"C\"]")
    for i, f in enumerate(factors):  # type: ignore[arg-type]
        if f not in FACTOR_NAMES:
            c.fail(f"factors[{i}]", f"{f!r} 不是台帐的评分列，可用：{', '.join(FACTOR_NAMES)}",
                   f"{f!r} is not a register score column; use {', '.join(FACTOR_NAMES)}")
    if len(set(factors)) != len(factors):  # type: ignore[arg-type]
        c.fail("factors", "因子重复", "a factor is repeated")
    if "P" in factors and "L" in factors:  # type: ignore[operator]
        c.fail("factors", "P 与 L 读自台帐的同一列（L），不能同时使用",
               "P and L are read from the same register column (L): use one of them")
    if combine == "matrix" and len(factors) != 2:  # type: ignore[arg-type]
        c.fail("factors", "矩阵法需要恰好两个因子（行、列）",
               "a matrix needs exactly two factors (rows, columns)")
    scales = c.table(data.get("scales"), "scales")
    c.keys(scales, set(factors), "scales")  # type: ignore[arg-type]
    clean_scales = {}
    for f in factors:  # type: ignore[union-attr]
        clean_scales[f] = _scale(c, scales.get(f), f"scales.{f}", f, combine == "product")
    tables = c.table(data.get("band_tables"), "band_tables")
    if not tables:
        c.fail("band_tables", "至少需要一个分级表", "needs at least one band table")
    clean_tables = {str(t): _bands(c, tables[t], f"band_tables.{t}", combine, clean_scales,
                                   factors)  # type: ignore[arg-type]
                    for t in tables}
    classes = data.get("danger_classes", [])  # LEC's descriptive classes, as lec.toml has them
    if not isinstance(classes, list):
        c.fail("danger_classes", "应为 [[danger_classes]] 表的列表", "must be [[danger_classes]] tables")
    for i, entry in enumerate(classes):
        at = f"danger_classes[{i}]"
        c.keys(c.table(entry, at), {"min", "zh", "en"}, at)
        c.number(entry.get("min"), f"{at}.min")
        c.text(entry, "zh", f"{at}.zh")
        c.text(entry, "en", f"{at}.en")
    default = data.get("default_band_table")
    if default is None and len(clean_tables) == 1:
        default = next(iter(clean_tables))
    if default not in clean_tables:
        c.fail("default_band_table", f"应为 band_tables 中的一个：{', '.join(clean_tables)}",
               f"must name one of band_tables: {', '.join(clean_tables)}")
    return {"method": name, "zh": zh, "en": en, "edition": edition, "source": source,
            "combine": combine, "factors": list(factors),  # type: ignore[arg-type]
            "default_band_table": default, "scales": clean_scales, "band_tables": clean_tables}


def _scale(c: _Check, raw: Any, where: str, factor: str, numeric: bool) -> dict[str, Any]:
    if raw is None:
        c.fail(where, f"缺少因子 {factor} 的分值表", f"factor {factor} has no scale")
    raw = c.table(raw, where)
    c.keys(raw, {"zh", "en", "values"}, where)
    values = raw.get("values")
    if not isinstance(values, list) or not values:
        c.fail(f"{where}.values", "应为分值列表，如 [{ value = 6, zh = \"…\", en = \"…\" }]",
               "must be a list of values, e.g. [{ value = 6, zh = \"…\", en = \"…\" }]")
    clean, seen = [], set()
    for i, entry in enumerate(values):  # type: ignore[arg-type]
        at = f"{where}.values[{i}]"
        if not isinstance(entry, dict):
            entry = {"value": entry}  # a bare number is fine: [10, 6, 3, 1]
        c.keys(entry, {"value", "zh", "en"}, at)
        value = entry.get("value")
        if value is None:
            c.fail(f"{at}.value", "缺少分值", "has no value")
        if numeric:
            number = c.number(value, f"{at}.value")
            if number <= 0:
                c.fail(f"{at}.value", "分值须大于 0", "must be above 0")
            value = int(number) if number.is_integer() and isinstance(value, int) else value
        elif not isinstance(value, (int, str)) or isinstance(value, bool) or not str(value).strip():
            c.fail(f"{at}.value", "矩阵的分值应为整数或字母", "a matrix value must be a whole number "
                   "or a letter")
        if _key(value) in seen:
            c.fail(f"{at}.value", f"分值 {_num(value)} 重复", f"value {_num(value)} is repeated")
        seen.add(_key(value))
        label = _num(value)
        clean.append({"value": value, "zh": c.text(entry, "zh", f"{at}.zh", False, label),
                      "en": c.text(entry, "en", f"{at}.en", False, label)})
    return {"zh": c.text(raw, "zh", f"{where}.zh", False, factor),
            "en": c.text(raw, "en", f"{where}.en", False, factor), "values": clean}


def _level(c: _Check, value: Any, where: str) -> str:
    code = vocab.parse("risk_level", value) if isinstance(value, str) else None
    if code not in LEVELS:
        c.fail(where, f"{value!r} 不是风险等级，可用：major、significant、general、low（或 重大、较大、一般、较小）",
               f"{value!r} is not a risk level; use major, significant, general, low "
               "(or 重大, 较大, 一般, 较小)")
    return str(code)


def _bands(c: _Check, raw: Any, where: str, combine: Any, scales: dict[str, Any],
           factors: list[str]) -> dict[str, Any]:
    raw = c.table(raw, where)
    name = where.split(".", 1)[1]
    title = {"zh": c.text(raw, "zh", f"{where}.zh", False, name),
             "en": c.text(raw, "en", f"{where}.en", False, name)}
    if combine == "matrix":
        c.keys(raw, {"zh", "en", "matrix", "level_names"}, where)
        rows, cols = (len(scales[f]["values"]) for f in factors)
        matrix = raw.get("matrix")
        if not isinstance(matrix, list) or len(matrix) != rows:
            c.fail(f"{where}.matrix", f"应为 {rows} 行（每个 {factors[0]} 分值一行）",
                   f"must have {rows} rows (one per {factors[0]} value)")
        out = []
        for i, row in enumerate(matrix):  # type: ignore[arg-type]
            if not isinstance(row, list) or len(row) != cols:
                c.fail(f"{where}.matrix[{i}]", f"应为 {cols} 列（每个 {factors[1]} 分值一列）",
                       f"must have {cols} columns (one per {factors[1]} value)")
            out.append([_level(c, v, f"{where}.matrix[{i}][{j}]") for j, v in enumerate(row)])
        return {**title, "matrix": out}
    c.keys(raw, {"zh", "en", "bounds", "bands"}, where)
    bounds = raw.get("bounds", "half-open")
    if bounds not in ("closed", "half-open"):
        c.fail(f"{where}.bounds", "应为 \"half-open\"（含下限不含上限，默认）或 \"closed\"（两端都含）",
               "must be \"half-open\" (min included, max not: the default) or \"closed\" "
               "(both included)")
    closed = bounds == "closed"
    bands = raw.get("bands")
    if not isinstance(bands, list) or not bands:
        c.fail(f"{where}.bands", "应为区间列表，如 [{ level = \"major\", min = 160 }, …]",
               "must be a list of bands, e.g. [{ level = \"major\", min = 160 }, …]")
    clean = []
    for i, band in enumerate(bands):  # type: ignore[arg-type]
        at = f"{where}.bands[{i}]"
        band = c.table(band, at)
        c.keys(band, {"level", "min", "max"}, at)
        if "min" not in band:
            c.fail(f"{at}.min", "缺少下限 min", "has no min")
        entry: dict[str, Any] = {"level": _level(c, band.get("level"), f"{at}.level"),
                                 "min": c.number(band["min"], f"{at}.min")}
        if entry["min"] < 0:
            c.fail(f"{at}.min", "下限不能小于 0", "cannot be below 0")
        if "max" in band:
            entry["max"] = c.number(band["max"], f"{at}.max")
            if entry["max"] < entry["min"] or (entry["max"] == entry["min"] and not closed):
                c.fail(f"{at}.max", f"上限 {_num(entry['max'])} 应大于下限 {_num(entry['min'])}",
                       f"max {_num(entry['max'])} must be above min {_num(entry['min'])}")
        clean.append({k: _int(v) for k, v in entry.items()})
    for (i, a), (j, b) in itertools.combinations(enumerate(clean), 2):
        a_hi, b_hi = a.get("max", math.inf), b.get("max", math.inf)
        if (a["min"] <= b_hi and b["min"] <= a_hi) if closed else (a["min"] < b_hi and b["min"] < a_hi):
            c.fail(f"{where}.bands[{j}]", f"与 bands[{i}] 重叠", f"overlaps bands[{i}]")
    if not closed:
        ordered = sorted(range(len(clean)), key=lambda k: clean[k]["min"])
        if clean[ordered[0]]["min"] > 0:
            c.fail(f"{where}.bands[{ordered[0]}].min", "最低区间应从 0 开始",
                   "the lowest band must start at 0")
        if "max" in clean[ordered[-1]]:
            c.fail(f"{where}.bands[{ordered[-1]}].max", "最高区间不应有上限 max",
                   "the top band must have no max")
        for lo, hi in zip(ordered, ordered[1:]):
            if clean[lo].get("max") != clean[hi]["min"]:
                c.fail(f"{where}.bands[{hi}].min",
                       f"应等于 bands[{lo}] 的上限 {_num(clean[lo].get('max'))}（区间之间不能有空档）",
                       f"must equal the max of bands[{lo}], {_num(clean[lo].get('max'))} "
                       "(no gap between bands)")
    for combo in itertools.product(*(s["values"] for s in scales.values())):
        score = round(math.prod(float(v["value"]) for v in combo), 4)
        inside = [b for b in clean if b["min"] <= score and
                  (score <= b.get("max", math.inf) if closed else score < b.get("max", math.inf))]
        if not inside:
            shown = " × ".join(f"{f}{_num(v['value'])}" for f, v in zip(factors, combo))
            c.fail(f"{where}.bands", f"得分 {_num(score)}（{shown}）不在任何区间内",
                   f"score {_num(score)} ({shown}) falls in no band")
    return {**title, "bounds": bounds, "bands": clean}


def _int(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def build_method(data: dict[str, Any]) -> Method:
    """The Method of checked scale data (`parse_scale`)."""
    scales = {}
    for name in data["factors"]:
        raw = data["scales"][name]
        values = tuple(v["value"] for v in raw["values"])
        scales[name] = Scale(name, raw["zh"], raw["en"], values,
                             {v["value"]: (v["zh"], v["en"]) for v in raw["values"]},
                             {_key(v): v for v in values})
    tables = {name: BandTable(name, raw["zh"], raw["en"], tuple(raw.get("bands", ())),
                              raw.get("bounds") == "closed",
                              tuple(tuple(r) for r in raw.get("matrix", ())))
              for name, raw in data["band_tables"].items()}
    built = Method(data["method"], data["zh"], data["en"], data["edition"], data["combine"],
                   tuple(data["factors"]), scales, tables, data["default_band_table"],
                   origin="line", source=data.get("source", ""))
    for table in tables.values():  # the same checks as the shipped methods pass
        _validate_table(built, table, data["method"])
    return built


@lru_cache(maxsize=64)
def load_scale_text(text: str, file: str = "-") -> Method:
    """A line's scale as a Method, from the TOML text kept in the line's settings."""
    try:
        return build_method(parse_scale(text, file))
    except MethodDataError as exc:  # a case parse_scale missed: still one line, still named
        raise ScaleFileError("scale.invalid", file=file, at="band_tables",
                             problem=exc.params.get("reason", "")) from None


# --- results -----------------------------------------------------------------------------------------

@dataclass(slots=True, frozen=True)
class ScaleSummary:
    """A scoring method as `scale list` shows it: shipped or the line's own."""

    name: str
    origin: str  # shipped | line
    zh: str
    en: str
    combine: str  # product | matrix | direct
    factors: list[str]
    band_tables: list[str]
    default_band_table: str | None
    in_use: bool  # the line's scoring method


@dataclass(slots=True, frozen=True)
class ScaleView(ScaleSummary):
    """One method in full, as `scale show` gives it: factor values and band tables."""

    edition: str
    source: str
    scales: list[dict[str, Any]]  # [{factor, zh, en, values: [{value, zh, en}]}]
    tables: list[dict[str, Any]]  # [{name, zh, en, bounds, bands | matrix}]
    criteria: list[dict[str, str]] = field(default_factory=list)  # direct: the usual bases


@dataclass(slots=True, frozen=True)
class ScaleAdded:
    """What `scale add` did: the scale's name, whether it replaced one, its band tables."""

    name: str
    replaced: bool
    factors: list[str]
    band_tables: list[str]
    default_band_table: str


def _summary(m: Method, in_use: bool) -> dict[str, Any]:
    return {"name": m.code, "origin": m.origin, "zh": m.zh, "en": m.en, "combine": m.combine,
            "factors": list(m.factors), "band_tables": list(m.band_tables),
            "default_band_table": m.default_band_table or None, "in_use": in_use}


def view(m: Method, in_use: bool = False) -> ScaleView:
    """A method (shipped or the line's) as `scale show` gives it."""
    scales = [{"factor": f, "zh": s.zh, "en": s.en,
               "values": [{"value": v, "zh": s.labels[v][0], "en": s.labels[v][1]}
                          for v in s.values]} for f, s in m.scales.items()]
    tables = []
    for t in m.band_tables.values():
        entry: dict[str, Any] = {"name": t.name, "zh": t.zh, "en": t.en,
                                 "default": t.name == m.default_band_table}
        if m.combine == "matrix":
            entry["matrix"] = [list(r) for r in t.matrix]
        else:
            entry["bounds"] = "closed" if t.closed else "half-open"
            entry["bands"] = [dict(b) for b in t.bands]
        tables.append(entry)
    return ScaleView(**_summary(m, in_use), edition=m.edition, source=m.source, scales=scales,
                     tables=tables, criteria=[{"zh": zh, "en": en} for zh, en in m.criteria])


# --- services ----------------------------------------------------------------------------------------

def read_scale_file(path: str | Path) -> str:
    """The text of a scale file: it must exist, be a file (not a folder) and be UTF-8."""
    file = Path(path)
    if not file.is_file():
        raise ReadinessError("scale.no_file", path=str(path))
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ReadinessError("scale.unreadable", path=str(path), reason="not UTF-8 text") from None
    except OSError as exc:
        raise ReadinessError("scale.unreadable", path=str(path),
                             reason=exc.strerror or type(exc).__name__) from None


def add_scale(store: Store, line: str | None, text: str, *, actor: Actor,
              file: str = "-") -> ScaleAdded:
    """Add the line's own scoring table (TOML text, checked as a whole first); adding it again
    under the same name replaces it. Audited. A scale the line scores with must keep the line's
    band table."""
    from readiness.store.lines import find_line, update_line

    scale = load_scale_text(text, file)
    with store.write(actor, f"scale add {scale.code}") as session:
        found = find_line(session, line)
        settings = dict(found.settings or {})
        own = line_scales(settings)
        previous = next((n for n in own if n.upper() == scale.code.upper()), None)
        if previous is not None:
            del own[previous]
        if found.scoring_method and found.scoring_method.upper() == scale.code.upper():
            scale.table(found.band_table)  # the line's band table must still exist
            update_line(session, found.name, scoring_method=scale.code)
        own[scale.code] = text
        update_line(session, found.name, settings={**settings, SCALES_SETTING: own})
    return ScaleAdded(scale.code, previous is not None, list(scale.factors),
                      list(scale.band_tables), scale.default_band_table)


def add_scale_file(store: Store, line: str | None, path: str | Path, *,
                   actor: Actor) -> ScaleAdded:
    """`add_scale` from a TOML file; errors name the file."""
    return add_scale(store, line, read_scale_file(path), actor=actor, file=str(path))


def _line_settings(store: Store, line: str | None) -> tuple[dict[str, Any], str]:
    from readiness.store.lines import line_row

    with store.read_rows() as conn:
        found = line_row(conn, line)
    return dict(found.settings or {}), found.scoring_method or "LEC"


def list_scales(store: Store, line: str | None) -> list[ScaleSummary]:
    """The shipped methods and the line's own scales, the line's own after the shipped."""
    settings, in_use = _line_settings(store, line)
    methods = [shipped_method(code) for code in SHIPPED]
    methods += [load_scale_text(text, name) for name, text in line_scales(settings).items()]
    return [ScaleSummary(**_summary(m, m.code.upper() == in_use.upper())) for m in methods]


def show_scale(store: Store, line: str | None, name: str) -> ScaleView:
    """One method in full: a shipped one or the line's own, by name (any case)."""
    from hazards.scoring import method_for

    settings, in_use = _line_settings(store, line)
    try:
        found = method_for(name, settings)
    except InvalidValue:
        raise InvalidValue("scale.not_found", name=name,
                           known=", ".join([*SHIPPED, *line_scales(settings)])) from None
    return view(found, found.code.upper() == in_use.upper())
