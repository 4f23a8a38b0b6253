"""The line template (readiness template line, sheet 位置 Locations): stations, sections, depot
and control centre in order along the line."""

from __future__ import annotations

from typing import Any

from readiness.errors import Problem
from readiness.store.lines import upsert_locations
from readiness.xlsx.spec import Column, ImportContext, SheetData, SheetSpec, TemplateKind

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
