"""A line's locations: the one resolver every command and importer uses to turn what a user
typed (a location's ID, or its name when unique on the line) into the location, and the line
template (sheet 位置 Locations): stations, sections, depot and control centre in order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from readiness import vocab
from readiness.errors import InvalidValue, Problem
from readiness.xlsx.spec import Column, ImportContext, SheetData, SheetSpec, TemplateKind
from readiness.store.lines import upsert_locations

@dataclass(frozen=True)
class LocationIndex:
    """A line's locations by ID and by name, to resolve what a user typed."""

    line_name: str
    by_code: dict[str, dict[str, Any]]
    by_name: dict[str, list[dict[str, Any]]]  # by normalised name (width, case, spaces folded)

    @classmethod
    def load(cls, session: Any, line: Any) -> LocationIndex:
        from readiness.store.lines import list_locations

        by_code: dict[str, dict[str, Any]] = {}
        by_name: dict[str, list[dict[str, Any]]] = {}
        for loc in list_locations(session, line.id):
            by_code[loc["code"]] = loc
            by_name.setdefault(vocab.normalise(loc["name"]), []).append(loc)
        return cls(line.name, by_code, by_name)

    def find(self, value: Any) -> dict[str, Any]:
        """The location whose ID is `value`, else the only one with that name; InvalidValue
        (location.unknown, or location.ambiguous listing the IDs) otherwise."""
        text = str(value).strip()
        found = self.by_code.get(text)
        if found is not None:
            return found
        folded = vocab.normalise(text)
        named = self.by_name.get(folded) or [loc for code, loc in self.by_code.items()
                                             if vocab.normalise(code) == folded]
        if len(named) == 1:
            return named[0]
        if named:
            raise InvalidValue("location.ambiguous", value=text, line=self.line_name,
                               codes=", ".join(loc["code"] for loc in named))
        raise InvalidValue("location.unknown", value=text, line=self.line_name)

    def resolve(self, value: Any, errors: list[tuple[str, str, dict[str, Any]]],
                field: str = "location") -> dict[str, Any] | None:
        """`find`, for callers that collect (field, message key, params) problems; None when
        `value` is blank or not found."""
        if value in (None, ""):
            return None
        try:
            return self.find(value)
        except InvalidValue as err:
            errors.append((field, err.key, err.params))
            return None


LOCATIONS = SheetSpec(
    key="locations", zh="位置", en="Locations",
    columns=(
        Column("code", "编号", "ID", required=True, synonyms=("位置编号", "车站编号"), example="S01",
               note_zh="线路内唯一", note_en="unique within the line", width=12),
        Column("name", "名称", "Name", required=True, synonyms=("位置名称", "车站名称", "站名"),
               example="龙湖公园站", width=28),
        Column("kind", "类型", "Kind", "code:location_kind", required=True, example="station"),
        Column("seq", "顺序", "Order", "int", required=True, synonyms=("序号",), example=1,
               note_zh="沿线顺序，正整数，不重复", note_en="order along the line, positive, unique",
               width=10),
        Column("note", "备注", "Note", width=30),
    ),
)


def check(ctx: ImportContext, sheets: dict[str, SheetData]) -> list[Problem]:
    data = sheets["locations"]
    problems = []
    orders: dict[int, int] = ctx.state.setdefault("orders", {})
    for row in data.rows:
        seq = row.values.get("seq")
        if seq is None:
            continue
        if seq < 1:
            problems.append(data.problem(row, "seq", "location.bad_order", value=seq))
        elif seq in orders:
            problems.append(data.problem(row, "seq", "location.duplicate_order", value=seq,
                                         first=orders[seq]))
        else:
            orders[seq] = row.number
    return problems


def write(session: Any, ctx: ImportContext, sheets: dict[str, SheetData]) -> dict[str, int]:
    rows = [{"code": r.values["code"], "name": r.values["name"], "kind": r.values["kind"],
             "seq": r.values["seq"], "note": r.values.get("note")}
            for r in sheets["locations"].rows]
    return upsert_locations(session, ctx.line.id, rows)


LINE_TEMPLATE = TemplateKind(
    kind="line", title_zh="线路位置", title_en="Line locations",
    sheets=(LOCATIONS,), check=check, write=write,
    instructions_zh=("每行一个位置：车站、区间、车辆段或控制中心，按沿线顺序编号。",
                     "再次导入相同编号的行会更新该位置，不会重复。"),
    instructions_en=("One row per location: station, section, depot or control centre, numbered "
                     "in order along the line.",
                     "Re-importing a row with a known ID updates that location; it never duplicates."),
)
