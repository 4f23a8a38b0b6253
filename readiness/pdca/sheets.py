"""The PDCA workbook (readiness template pdca): sheet 问题整改 or PDCA.

A row may ask for any phase ahead of the item's current one: the importer walks the loop step by
step with the row's fields, exactly as the CLI would, and refuses the row (naming the Phase
column) when a step is illegal or lacks what it needs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hazards.register import RefData, resolve_person, resolve_unit
from readiness.errors import InvalidValue, Problem
from readiness.importing import future_dates
from readiness.xlsx.spec import Column, ImportContext, SheetData, SheetSpec, TemplateKind
from readiness.pdca.items import apply_step
from readiness.pdca.loop import advance, path_to
from readiness.store import pdca as pdca_store
from readiness.store.hazards import existing_codes

SHEET = SheetSpec(
    key="pdca", zh="问题整改", en="PDCA", synonyms=("整改问题", "问题清单", "问题整改台账"),
    columns=(
        Column("code", "编号", "ID", synonyms=("问题编号",), example="P-0001", width=10,
               note_zh="留空则自动编号", note_en="blank: assigned P-0001…"),
        Column("source", "来源", "Source", "code:pdca_source", required=True, example="inspection"),
        Column("source_ref", "来源编号", "Source ref", example="JC-2026-031"),
        Column("kind", "类型", "Kind", "code:pdca_kind", required=True, example="equipment-quality"),
        Column("item_class", "级别", "Class", "code:pdca_class", required=True, example="blocking"),
        Column("description", "问题描述", "Description", required=True,
               example="S05 站台门 3-4 号门间隙探测误报", width=40),
        Column("hazards", "关联危险源", "Hazards", "list", example="H-0012"),
        Column("owner_unit", "责任单位", "Owner unit", example="TM-JD2-01"),
        Column("owner", "责任人", "Owner", example="900201"),
        Column("due", "计划完成日期", "Due", "date", example="2026-12-10"),
        Column("phase", "阶段", "Phase", "code:pdca_phase", example="DO",
               note_zh="PLAN/DO/CHECK/ACT/CLOSED，只能前进", note_en="forward only"),
        Column("root_cause", "原因分析", "Root cause", width=30),
        Column("action", "整改措施", "Action", width=30),
        Column("evidence", "完成情况及证据", "Evidence", width=30),
        Column("verifier", "验证人", "Verifier"),
        Column("verified_on", "验证日期", "Verified on", "date"),
        Column("verdict", "验证结论", "Verdict", "code:check_verdict"),
        Column("standardisation", "标准化措施", "Standardisation", width=30),
    ),
)

ITEM_FIELDS = ("source", "source_ref", "kind", "description", "owner_unit", "owner", "due",
               "hazards")


def _row_item(values: dict[str, Any], ref: RefData, hazards: set[str]
              ) -> tuple[dict[str, Any], list[tuple[str, str, dict[str, Any]]]]:
    errors: list[tuple[str, str, dict[str, Any]]] = []
    data = dict(values)
    data["class"] = data.pop("item_class")
    data["owner_unit"] = resolve_unit(values.get("owner_unit"), ref, errors)
    data["owner"] = resolve_person(values.get("owner"), ref, errors)
    for code in values.get("hazards") or []:
        if code not in hazards:
            errors.append(("hazards", "pdca.unknown_hazard", {"value": code}))
    data["done_note"] = values.get("evidence")
    data["title"] = str(values.get("description") or "").split("\n")[0][:300]
    return data, errors


def _walk(item: dict[str, Any], data: dict[str, Any], on: dt.date) -> list[tuple[str, dict]]:
    """The steps (with their changes) that take `item` to the row's phase; InvalidValue if none."""
    target = data.get("phase") or item["phase"]
    current, plan = dict(item), []
    for step_name in path_to(current, target, data):
        changes = advance(current, step_name, data, on)
        plan.append((step_name, changes))
        current.update(changes)
    return plan


def _blank_item(data: dict[str, Any]) -> dict[str, Any]:
    return {"code": data.get("code") or "(new)", "phase": "PLAN", "cycle": 1,
            **{k: data.get(k) for k in ("owner", "owner_unit", "due")}}


def check(ctx: ImportContext, sheets: dict[str, SheetData]) -> list[Problem]:
    sheet = sheets["pdca"]
    if "ref" not in ctx.state:
        ctx.state["ref"] = RefData.load(ctx.session, ctx.line)
        ctx.state["hazards"] = set(existing_codes(ctx.session, ctx.line.id))
        ctx.state["items"] = {i["code"]: i for i in pdca_store.load_items(ctx.session, ctx.line.id)}
    problems: list[Problem] = future_dates(sheet, ("verified_on",), ctx.as_of)
    for row in sheet.rows:
        data, errors = _row_item(row.values, ctx.state["ref"], ctx.state["hazards"])
        for field, key, params in errors:
            problems.append(sheet.problem(row, field, key, **params))
        item = ctx.state["items"].get(data.get("code") or "")
        base = {**item, **{k: data[k] for k in ("owner", "owner_unit", "due") if data.get(k)}} \
            if item else _blank_item(data)
        try:
            _walk(base, data, ctx.as_of)
        except InvalidValue as err:
            problems.append(sheet.problem(row, "phase", err.key, **err.params))
        row.values["_item"] = data
    return problems


def write(session: Any, ctx: ImportContext, sheets: dict[str, SheetData]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    items = ctx.state["items"]
    for row in sheets["pdca"].rows:
        data = row.values["_item"]
        item = items.get(data.get("code") or "")
        if item is None:
            (code,) = pdca_store.open_items(session, ctx.line.id, [{
                "code": data.get("code"), "title": data["title"],
                "description": data.get("description"), "source": data["source"],
                "source_ref": data.get("source_ref"), "kind": data["kind"],
                "item_class": data["class"], "hazards": data.get("hazards"),
                "owner_unit": data.get("owner_unit"), "owner": data.get("owner"),
                "due": data.get("due")}], ctx.as_of)
            item = pdca_store.load_item(session, ctx.line.id, code)
            counts["created"] += 1
            changed = True
        else:
            fields = {k: data.get(k) for k in ITEM_FIELDS}
            fields["class"] = data["class"]
            fields["title"] = data["title"]
            fields["hazards"] = list(data.get("hazards") or [])
            diff = {k: v for k, v in fields.items() if item.get(k) != v}
            if diff:
                pdca_store.apply_changes(session, item, diff, None, ctx.as_of)
                item = {**item, **diff}
            changed = bool(diff)
        for step_name in path_to(item, data.get("phase") or item["phase"], data):
            item = {**item, **apply_step(session, ctx.line.id, item, step_name, data, ctx.as_of)}
            changed = True
        if items.get(item["code"]) is not None:
            counts["updated" if changed else "unchanged"] += 1
        items[item["code"]] = item
    return counts


PDCA_TEMPLATE = TemplateKind(
    kind="pdca", title_zh="问题整改（PDCA）", title_en="PDCA problem tracking",
    sheets=(SHEET,), check=check, write=write,
    instructions_zh=(
        "每行一个问题。阶段只能前进：PLAN 需原因分析、整改措施、责任单位、责任人、计划完成日期；"
        "DO 需完成情况及证据；CHECK 需验证人（不得为责任人）、验证日期、验证结论；ACT 需标准化措施。",
        "验证结论为“无效”时，问题回到 PLAN 开始新一轮循环。"),
    instructions_en=(
        "One problem per row. The phase only moves forward: PLAN needs root cause, action, owner "
        "unit, owner and due date; DO needs the evidence; CHECK needs a verifier who is not the "
        "owner, a date and a verdict; ACT needs the standardisation.",
        "An ineffective verdict sends the item back to PLAN for a new cycle."),
)


def export_items(store: Any, line: str | None, path: str | Path) -> dict[str, Any]:
    """All items (closed ones too) in the template's shape, with codes: re-imports unchanged."""
    from readiness.store.lines import find_line
    from readiness.xlsx.writer import write_sheets

    with store.read() as session:
        found = find_line(session, line)
        items = pdca_store.load_items(session, found.id)
    rows = [[i["code"], i["source"], i["source_ref"], i["kind"], i["class"], i["description"],
             "\n".join(i["hazards"]), i["owner_unit"], i["owner"], i["due"], i["phase"],
             i["root_cause"], i["action"], i["evidence"], i["verifier"], i["verified_on"],
             i["verdict"], i["standardisation"]] for i in items]
    write_sheets(Path(path), [(SHEET, rows)])
    return {"path": str(path), "rows": len(rows)}
