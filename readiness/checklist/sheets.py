"""The checklist workbook (readiness template checklist): sheet 安全要点 or Checklist.

One sheet for both the opening safety points and the attested requirements of the assessment
spec: the last two columns, chapter and area, name an attested item's place in the spec. They
are fixed for a catalogue item and may be given for the line's own items (basis: operator
policy)."""

from __future__ import annotations

from typing import Any

from hazards.register import RefData, resolve_person, resolve_unit
from readiness.checklist import OWN_BASIS, catalogue_basis, citation, load_items, status_errors
from readiness.errors import Problem
from readiness.importing import future_dates
from readiness.xlsx.spec import Column, ImportContext, SheetData, SheetSpec, TemplateKind
from readiness.store import checklist as checklist_store

SHEET = SheetSpec(
    key="checklist", zh="安全要点", en="Checklist", synonyms=("开通运营安全要点", "检查表"),
    columns=(
        Column("code", "编号", "ID", required=True, example="CL-HO-01", width=12),
        Column("phase", "阶段", "Phase", "code:phase", example="handover"),
        Column("aspect", "方面", "Aspect", "code:checklist_aspect", example="handover-safety"),
        Column("text", "内容", "Item", example="三权移交完成并签署移交书", width=50),
        Column("owner_unit", "责任单位", "Owner unit", example="HQ"),
        Column("owner", "责任人", "Owner", example="900003"),
        Column("due", "计划完成日期", "Due", "date", example="2026-08-10"),
        Column("status", "状态", "Status", "code:checklist_status", example="verified"),
        Column("evidence_ref", "证据", "Evidence", example="运营〔2026〕88号", width=24),
        Column("verifier", "验证人", "Verifier", example="900002"),
        Column("verified_on", "验证日期", "Verified on", "date", example="2026-08-12"),
        Column("note", "说明", "Note", width=30, note_zh="不适用时填写理由",
               note_en="the reason, when not applicable"),
        Column("chapter", "评估章节", "Chapter", "code:assessment_chapter",
               note_zh="需证据核验的评估要求所属章节；目录中的要点不可修改",
               note_en="an attested requirement's chapter; fixed for a catalogue item"),
        Column("area", "评估方面", "Area", "code:assessment_area",
               note_zh="需证据核验的评估要求所属方面；与章节同时填写",
               note_en="an attested requirement's area; given together with the chapter"),
    ),
)

_COLUMNS = {c.key: c for c in SHEET.columns}

UPDATABLE = ("owner_unit", "owner", "due", "status", "evidence_ref", "verifier", "verified_on",
             "note")


def check(ctx: ImportContext, sheets: dict[str, SheetData]) -> list[Problem]:
    sheet = sheets["checklist"]
    if "items" not in ctx.state:
        ctx.state["items"] = {i["id"]: i for i in load_items(ctx.session, ctx.line.id)}
        ctx.state["ref"] = RefData.load(ctx.session, ctx.line)
    problems: list[Problem] = future_dates(sheet, ("verified_on",), ctx.as_of)
    for row in sheet.rows:
        values = row.values
        errors: list[tuple[str, str, dict[str, Any]]] = []
        values["owner_unit"] = resolve_unit(values.get("owner_unit"), ctx.state["ref"], errors)
        values["owner"] = resolve_person(values.get("owner"), ctx.state["ref"], errors)
        values["verifier"] = resolve_person(values.get("verifier"), ctx.state["ref"], errors)
        current = ctx.state["items"].get(values["code"])
        if current is None:
            for field in ("phase", "aspect", "text"):
                if values.get(field):
                    continue
                if field in sheet.headers:
                    errors.append((field, "checklist.new_needs", {"id": values["code"]}))
                else:
                    errors.append((field, "checklist.new_needs_column",
                                   {"id": values["code"], "header": _COLUMNS[field].header()}))
        errors += _placement_errors(values, current)
        merged = {**(current or {"code": values["code"], "status": "open"}),
                  **{k: values[k] for k in UPDATABLE if values.get(k) is not None},
                  **_placement(values, current)}
        if merged.get("status") == "not-applicable":
            merged["na_reason"] = merged.get("note")
        errors += [(f if f in ("verifier", "owner") else "status", k, p)
                   for f, k, p in status_errors(merged)]
        for field, key, params in errors:
            problems.append(sheet.problem(row, _cell_for(field, sheet.headers), key, **params))
    return problems


# A problem about a column the sheet lacks is shown on its partner's cell, else on the status
# (or the ID, which every sheet has).
_PARTNER = {"chapter": "area", "area": "chapter"}


def _cell_for(field: str, headers: Any) -> str:
    if field in headers:
        return field
    if _PARTNER.get(field) in headers:
        return _PARTNER[field]
    return "status" if "status" in headers else "code"


def _placement_errors(values: dict[str, Any],
                      current: dict[str, Any] | None) -> list[tuple[str, str, dict[str, Any]]]:
    """Chapter and area: both or neither; a catalogue item's cannot change."""
    chapter, area = values.get("chapter"), values.get("area")
    if chapter is None and area is None:
        return []
    if current is not None and current["id"] in catalogue_basis():
        if (chapter, area) != (current["chapter"], current["area"]):
            return [("chapter", "checklist.catalogue_fixed", {"id": values["code"]})]
        return []
    if (chapter is None) != (area is None):
        return [("chapter" if chapter is None else "area", "checklist.chapter_and_area",
                 {"id": values["code"]})]
    return []


def _placement(values: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """The chapter and area a row gives a line's own item (never a catalogue item's)."""
    chapter, area = values.get("chapter"), values.get("area")
    if chapter is None or area is None:  # one without the other is refused in the check
        return {}
    if current is not None and current["id"] in catalogue_basis():
        return {}
    return {"chapter": chapter, "area": area}


def write(session: Any, ctx: ImportContext, sheets: dict[str, SheetData]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for row in sheets["checklist"].rows:
        values = row.values
        current = ctx.state["items"].get(values["code"])
        changes = {k: values[k] for k in UPDATABLE if values.get(k) is not None}
        if changes.get("status") == "not-applicable":
            changes["na_reason"] = changes.get("note")
        changes.update(_placement(values, current))
        if current is None:
            checklist_store.insert_items(session, ctx.line.id, [{
                "code": values["code"], "phase": values["phase"], "aspect": values["aspect"],
                "text": values["text"], "basis": OWN_BASIS, "source": citation(OWN_BASIS),
                "blocking": True, "evidence_kind": "document", "status": "open", **changes}])
            counts["created"] += 1
        elif checklist_store.update_item(session, current, changes):
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts


CHECKLIST_TEMPLATE = TemplateKind(
    kind="checklist", title_zh="开通运营安全要点", title_en="Opening safety points",
    sheets=(SHEET,), check=check, write=write,
    instructions_zh=("每行一个安全要点：已有编号则更新责任人、计划日期、状态、证据与验证；新编号需填写阶段、方面与内容。",
                     "状态为“已验证”需证据、验证人（不得为责任人）与验证日期；“不适用”需在说明中写明理由。",
                     "评估章节和评估方面标明需证据核验的评估要求；目录中的要点不可修改，本线路自己的要点可同时填写这两列。"),
    instructions_en=("One safety point per row: a known ID updates its owner, due date, status, "
                     "evidence and verification; a new ID needs a phase, aspect and item text.",
                     "Verified needs evidence, a verifier who is not the owner and a date; not "
                     "applicable needs the reason in the note.",
                     "Chapter and area mark an attested requirement of the assessment spec: fixed "
                     "for a catalogue item; give both for the line's own item."),
)
