"""Risk scoring methods as data (hazards/data/*.toml): LEC, the L×S matrix, MIL-STD-882E and
direct judgement (直接判定, a level without factors, given on a stated basis).

Each method is loaded and validated once: factor values must come from the method's scales,
band tables must map every score the scales can produce to exactly one level (no gap, no
overlap), and a matrix must have one row per severity and one column per probability.

A line may add its own scoring table (a LEC variant with E = 5, or D ≥ 160 for 重大), kept as TOML
text in the line's settings (`readiness scale add`, validated by `hazards.scales`). Scoring for a
line goes through `method_for(code, line_settings)`, which finds a shipped method or the line's own.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from readiness.errors import InvalidValue, ReadinessError

METHOD_FILES = {"LEC": "lec.toml", "LS": "ls.toml", "882E": "882e.toml"}
DIRECT = "direct"  # 直接判定: a level by judgement, no factors; the basis (判别依据) is required
SHIPPED = (*METHOD_FILES, DIRECT)
SCALES_SETTING = "scales"  # a line's own scoring tables: settings["scales"][name] = TOML text
LEVELS = ("major", "significant", "general", "low")  # high to low


class MethodDataError(ReadinessError):
    """A scoring method's data file is inconsistent."""


@dataclass(frozen=True)
class Scale:
    name: str
    zh: str
    en: str
    values: tuple[Any, ...]
    labels: dict[Any, tuple[str, str]]
    lookup: dict[Any, Any]  # _key(value) -> the scale's value


@dataclass(frozen=True)
class BandTable:
    name: str
    zh: str
    en: str
    bands: tuple[dict[str, Any], ...] = ()
    closed: bool = False
    matrix: tuple[tuple[str, ...], ...] = ()

    def level_for(self, score: float) -> str:
        for band in self.bands:
            upper = band.get("max", math.inf)
            inside = score <= upper if self.closed else score < upper
            if band["min"] <= score and inside:
                return str(band["level"])
        raise InvalidValue("score.no_band", score=score, table=self.name)


@dataclass(frozen=True)
class Method:
    code: str
    zh: str
    en: str
    edition: str
    combine: str  # product | matrix
    factors: tuple[str, ...]
    scales: dict[str, Scale]
    band_tables: dict[str, BandTable]
    default_band_table: str
    origin: str = "shipped"  # shipped | line (the line's own scale, `readiness scale add`)
    source: str = ""  # where the line's scale comes from, in its own words
    criteria: tuple[tuple[str, str], ...] = ()  # direct: the usual bases (zh, en), as examples

    @property
    def is_direct(self) -> bool:
        """A method without factors: the level is judged, and the judgement needs a basis."""
        return self.combine == DIRECT

    def judge(self, level: str | None, basis: str | None) -> tuple[None, str]:
        """(None, level) for a direct judgement: a level of the four, on a non-blank basis."""
        if not self.is_direct:
            raise InvalidValue("score.missing_factor", factors=", ".join(self.factors),
                               method=self.code)
        if level not in LEVELS:
            raise InvalidValue("score.direct_needs_level")
        if basis is None or not str(basis).strip():
            raise InvalidValue("score.direct_needs_basis")
        return None, level

    def table(self, name: str | None) -> BandTable:
        name = name or self.default_band_table
        if name not in self.band_tables:
            raise InvalidValue("score.unknown_band_table", table=name, method=self.code,
                               known=", ".join(self.band_tables))
        return self.band_tables[name]

    def normalise_factor(self, factor: str, value: Any) -> Any:
        """The scale value equal to `value` (5 and 5.0 and "5" are the same), or InvalidValue."""
        scale = self.scales[factor]
        found = scale.lookup.get(_key(value))
        if found is not None:
            return found
        raise InvalidValue("score.off_scale", factor=factor, value=value, method=self.code,
                           allowed=", ".join(str(v) for v in scale.values))

    def evaluate(self, factors: dict[str, Any], band_table: str | None = None
                 ) -> tuple[float | None, str]:
        """(score, level) for a complete set of factors; score is None for a matrix method.
        A direct judgement has no factors: use `judge`."""
        if self.is_direct:
            raise InvalidValue("score.direct_no_factors")
        missing = [f for f in self.factors if factors.get(f) in (None, "")]
        if missing:
            raise InvalidValue("score.missing_factor", factors=", ".join(missing), method=self.code)
        values = {f: self.normalise_factor(f, factors[f]) for f in self.factors}
        table = self.table(band_table)
        if self.combine == "matrix":
            sev, prob = (self.scales[f].values.index(values[f]) for f in self.factors)
            return None, table.matrix[sev][prob]
        score = round(math.prod(float(v) for v in values.values()), 4)
        return score, table.level_for(score)

    def risk_code(self, factors: dict[str, Any]) -> str:
        """The conventional code of a scoring: "1C" for 882E, "L6 E6 C15" for the others,
        "direct" for a direct judgement."""
        if self.is_direct:
            return DIRECT
        if self.combine == "matrix":
            return "".join(str(factors.get(f, "")) for f in self.factors)
        return " ".join(f"{f}{_num(factors.get(f))}" for f in self.factors)


def _key(value: Any) -> Any:
    """A lookup key under which 6, 6.0, "6" and " 6 " meet; letters compare upper-case."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return round(float(value), 6)
    text = str(value).strip()
    try:
        return round(float(text), 6)
    except ValueError:
        return text.upper()


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _load(code: str, text: str) -> Method:
    data = tomllib.loads(text)
    where = METHOD_FILES.get(code, code)
    if data.get("combine") == DIRECT:
        return Method(data["method"], data["zh"], data["en"], data["edition"], DIRECT, (), {}, {},
                      "", criteria=tuple((c["zh"], c["en"]) for c in data.get("criteria", ())))
    scales = {}
    for name in data["factors"]:
        raw = data["scales"].get(name)
        if raw is None:
            raise MethodDataError("score.data_invalid", file=where, reason=f"no scale for {name}")
        values = tuple(v["value"] for v in raw["values"])
        if len(set(values)) != len(values):
            raise MethodDataError("score.data_invalid", file=where, reason=f"scale {name} repeats")
        scales[name] = Scale(name, raw["zh"], raw["en"], values,
                             {v["value"]: (v["zh"], v["en"]) for v in raw["values"]},
                             {_key(v): v for v in values})
    tables = {}
    for name, raw in data["band_tables"].items():
        matrix = tuple(tuple(r) for r in raw.get("matrix", ()))
        tables[name] = BandTable(name, raw["zh"], raw["en"], tuple(raw.get("bands", ())),
                                 raw.get("bounds") == "closed", matrix)
    method = Method(data["method"], data["zh"], data["en"], data["edition"], data["combine"],
                    tuple(data["factors"]), scales, tables, data["default_band_table"])
    for table in tables.values():
        _validate_table(method, table, where)
    return method


def _validate_table(method: Method, table: BandTable, where: str) -> None:
    def fail(reason: str) -> None:
        raise MethodDataError("score.data_invalid", file=where, reason=f"{table.name}: {reason}")

    if method.combine == "matrix":
        rows, cols = (len(method.scales[f].values) for f in method.factors)
        if len(table.matrix) != rows or any(len(r) != cols for r in table.matrix):
            fail(f"the matrix must be {rows} × {cols}")
        if any(level not in LEVELS for row in table.matrix for level in row):
            fail("unknown level in the matrix")
        return
    for band in table.bands:
        if band.get("level") not in LEVELS:
            fail(f"unknown level {band.get('level')!r}")
    for a, b in itertools.combinations(table.bands, 2):
        if _overlap(a, b, table.closed):
            fail(f"bands {a['level']} and {b['level']} overlap")
    if not table.closed:  # half-open [min, max) bands must tile 0 … ∞ with no gap
        ordered = sorted(table.bands, key=lambda b: b["min"])
        if ordered[0]["min"] > 0 or "max" in ordered[-1]:
            fail("the bands must start at 0 and the top band must have no max")
        for low, high in zip(ordered, ordered[1:]):
            if low.get("max") != high["min"]:
                fail(f"a gap between {low['level']} and {high['level']}")
    for combo in itertools.product(*(method.scales[f].values for f in method.factors)):
        score = round(math.prod(float(v) for v in combo), 4)
        hits = [b for b in table.bands if _inside(b, score, table.closed)]
        if len(hits) != 1:
            fail(f"score {_num(score)} falls in {len(hits)} bands (a gap)" if not hits
                 else f"score {_num(score)} falls in {len(hits)} bands")


def _inside(band: dict[str, Any], score: float, closed: bool) -> bool:
    upper = band.get("max", math.inf)
    return bool(band["min"] <= score and (score <= upper if closed else score < upper))


def _overlap(a: dict[str, Any], b: dict[str, Any], closed: bool) -> bool:
    a_hi, b_hi = a.get("max", math.inf), b.get("max", math.inf)
    if closed:
        return bool(a["min"] <= b_hi and b["min"] <= a_hi)
    return bool(a["min"] < b_hi and b["min"] < a_hi)


def load_method_text(code: str, text: str) -> Method:
    """Validate a method definition given as TOML text (used by tests and custom methods)."""
    try:
        return _load(code, text)
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise MethodDataError("score.data_invalid", file=METHOD_FILES.get(code, code),
                              reason=f"{type(exc).__name__}: {exc}") from exc


@lru_cache(maxsize=None)
def method(code: str) -> Method:
    """A shipped method: LEC, LS, 882E or direct (any case)."""
    key = str(code).strip().upper()
    if key == DIRECT.upper():
        text = resources.files("hazards").joinpath("data", "direct.toml").read_text("utf-8")
        return load_method_text(DIRECT, text)
    if key not in METHOD_FILES:
        raise InvalidValue("score.unknown_method", method=code, known=", ".join(SHIPPED))
    text = resources.files("hazards").joinpath("data", METHOD_FILES[key]).read_text("utf-8")
    return load_method_text(key, text)


def is_shipped(code: str | None) -> bool:
    return code is not None and str(code).strip().upper() in {c.upper() for c in SHIPPED}


def line_scales(line_settings: dict[str, Any] | None) -> dict[str, str]:
    """The line's own scoring tables: name → TOML text, as `readiness scale add` stored them."""
    return dict((line_settings or {}).get(SCALES_SETTING) or {})


def method_for(code: str, line_settings: dict[str, Any] | None) -> Method:
    """The method `code` names for a line: a shipped one (LEC, LS, 882E, direct) or the line's
    own scale by name (exact, else any case). Unknown: InvalidValue listing both kinds."""
    text = str(code).strip() if code is not None else ""
    if is_shipped(text):
        return method(text)
    own = line_scales(line_settings)
    name = text if text in own else next((n for n in own if n.upper() == text.upper()), None)
    if name is None:
        raise InvalidValue("score.unknown_method", method=code,
                           known=", ".join([*SHIPPED, *own]))
    from hazards.scales import load_scale_text

    return load_scale_text(own[name])


@lru_cache(maxsize=1)
def policy() -> dict[str, Any]:
    text = resources.files("hazards").joinpath("data", "register.toml").read_text("utf-8")
    return tomllib.loads(text)


def level_rank(level: str | None) -> int:
    """0 for major … 3 for low; 4 for none, so that 'higher risk' is a smaller rank."""
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)
