"""Inspection workbooks: the inspection record (隐患排查记录, `readiness template inspection`) and
the hidden-danger ledger (隐患排查治理台账, `readiness export dangers`).

Rows of the inspection sheet with the same 排查编号 form one inspection; a result other than ok
needs its grade and finds one hidden danger. Results are matched on inspection ID, hazard and
control, so importing the same file again adds nothing.

The ledger lists every hidden danger with its inspection, grade, five fixes, status, report and
acceptance. Importing it back checks it against the store and changes nothing: a hidden danger is
changed with `readiness danger` (grade, plan, report, accept), never by editing the ledger.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hazards import inspections as insp
from hazards.sheets import WordsColumn
from readiness import vocab
from readiness.errors import Problem
from readiness.store import dangers as danger_store
from readiness.xlsx.spec import Column, ImportContext, SheetData, SheetSpec, TemplateKind

INSPECTIONS = SheetSpec(
    key="inspections", zh="隐患排查记录", en="Inspections", key_column=None,
    synonyms=("隐患排查", "排查记录"),
    columns=(
        Column("code", "排查编号", "ID", required=True, example="PC-2026-001", width=14,
               note_zh="同一编号的各行为同一次排查", note_en="rows with the same ID are one "
                                                          "inspection"),
        Column("date", "日期", "Date", "date", required=True, example="2026-11-20", width=12),
        WordsColumn("kind", "类型", "Kind", required=True, choices="inspection_kind",
                    example="routine", width=12,
                    note_zh="日常 / 定期 / 专项；专项写原因，如“专项：汛前”",
                    note_en="routine / periodic / special; a special one with its reason, "
                            "e.g. 'special: before the flood season'"),
        Column("inspector", "排查人", "Inspector", required=True, example="900030",
               note_zh="工号或姓名", note_en="staff ID or name"),
        Column("location", "位置", "Location", example="S01",
               note_zh="位置编号或名称；留空即危险源的位置", note_en="location ID or name; "
                                                              "blank: the hazard's"),
        Column("hazard", "危险源编号", "Hazard", required=True, example="H-0001", width=12),
        Column("control", "管控措施", "Control", example="站台门防夹挡板及激光探测", width=30,
               note_zh="措施编号或措施内容（须属于该危险源）；留空即危险源整体",
               note_en="the control's ID or its text (of that hazard); blank: the hazard as a "
                       "whole"),
        Column("result", "结果", "Result", "code:inspection_result", required=True,
               example="ok", width=10),
        Column("finding", "描述", "Finding", width=30),
        WordsColumn("grade", "隐患等级", "Grade", choices="danger_grade", width=10,
                    note_zh="结果不是正常时必填：一般 / 重大", note_en="required unless the result "
                                                             "is ok: general / major"),
        Column("evidence", "照片或附件", "Evidence", width=24),
    ),
)

SEPARATORS = (":", "：")


def _kind_and_reason(value: Any) -> tuple[Any, str | None]:
    """'special: 汛前' → ('special', '汛前'); a bare kind → (kind, None)."""
    text = str(value or "").strip()
    for sep in SEPARATORS:
        head, found, tail = text.partition(sep)
        if found:
            return head.strip(), tail.strip() or None
    return text, None


def _header_values(values: dict[str, Any]) -> dict[str, Any]:
    kind, reason = _kind_and_reason(values.get("kind"))
    return {**values, "kind": kind, "reason": reason}


def check(ctx: ImportContext, sheets: dict[str, SheetData]) -> list[Problem]:
    sheet = sheets["inspections"]
    state = ctx.state
    if "refs" not in state:
        state["refs"] = insp.Refs(ctx.session, ctx.line.id)
        state["headers"] = {}  # code → (header, first row)
        state["rows"] = {}  # (code, hazard, control id) → row
    refs: insp.Refs = state["refs"]
    problems: list[Problem] = []
    groups: dict[str, list[Any]] = {}
    for row in sheet.rows:
        errors: insp.Errors = []
        header = insp.resolve_header(refs, _header_values(row.values), errors)
        insp.check_header(header, ctx.as_of, errors)
        result = insp.resolve_result(refs, row.values, errors)
        for field, key, params in errors:
            problems.append(sheet.problem(row, field, key, **params))
        row.values["_header"], row.values["_result"] = header, result
        if errors or not header["code"]:
            continue
        first = state["headers"].setdefault(header["code"], (header, row.number))
        if any(first[0][f] != header[f] for f in ("inspected_on", "kind", "special_reason",
                                                   "inspector", "location_id")):
            problems.append(sheet.problem(row, "code", "inspection.header_mixed",
                                          id=header["code"], first=first[1]))
            continue
        key = (header["code"], result["hazard"], result["control_id"])
        seen = state["rows"].setdefault(key, row.number)
        if seen != row.number:
            problems.append(sheet.problem(row, "control", "inspection.row_twice",
                                          id=header["code"], hazard=result["hazard"], first=seen))
            continue
        groups.setdefault(header["code"], []).append(row)
    stored = {i["code"]: i for i in danger_store.load_inspections(ctx.session, ctx.line.id,
                                                                   list(groups))}
    plans = []
    for code, rows in groups.items():
        header = rows[0].values["_header"]
        found, new, _same = insp.compare(stored.get(code), header,
                                         [r.values["_result"] for r in rows])
        for index, key, params in found:
            row = rows[max(index, 0)]
            problems.append(sheet.problem(row, "code" if index < 0 else "result", key, **params))
        plans.append((code, header, rows, new))
    state["plans"] = plans
    return problems


def write(session: Any, ctx: ImportContext, sheets: dict[str, SheetData]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    stored = {i["code"]: i for i in danger_store.load_inspections(
        session, ctx.line.id, [code for code, *_ in ctx.state["plans"]])}
    for code, header, rows, new in ctx.state["plans"]:
        counts["created"] += len(new)
        counts["unchanged"] += len(rows) - len(new)
    insp.write_inspections(session, ctx.line.id, [
        (stored.get(code), header, new) for code, header, _, new in ctx.state["plans"]])
    return counts


INSPECTION_TEMPLATE = TemplateKind(
    kind="inspection", title_zh="隐患排查记录", title_en="Inspections",
    sheets=(INSPECTIONS,), check=check, write=write,
    instructions_zh=(
        "每行一项检查结果；排查编号相同的各行为同一次排查（日期、类型、排查人、位置须一致）。",
        "类型：日常、定期、专项；专项排查写明原因，如“专项：汛前”。",
        "管控措施填措施编号或措施内容，须属于该危险源；留空表示对危险源整体的检查。",
        "结果：正常、弱化、失效、缺失；不是正常的结果即一条隐患，须填隐患等级（一般、重大）。",
        "同一文件再次导入不会重复登记：结果按排查编号、危险源和管控措施对应。"),
    instructions_en=(
        "One result per row; rows with the same ID are one inspection (same date, kind, "
        "inspector and location).",
        "Kind: routine, periodic or special; a special one gives its reason, e.g. "
        "'special: before the flood season'.",
        "Control: the control's ID or its text, of that hazard; blank for the hazard as a whole.",
        "Result: ok, weakened, failed, missing; any result but ok is a hidden danger and needs "
        "its grade (general or major).",
        "Importing the same file again records nothing twice: results are matched on ID, hazard "
        "and control."),
)


# --- the ledger (隐患排查治理台账) ----------------------------------------------------------------

LEDGER = SheetSpec(
    key="dangers", zh="隐患排查治理台账", en="Hidden dangers", synonyms=("隐患台账", "隐患治理台账"),
    columns=(
        Column("code", "隐患编号", "ID", required=True, example="YH-0001", width=10),
        Column("inspection", "排查编号", "Inspection", width=14),
        Column("found_on", "发现日期", "Found on", "date", width=12),
        Column("found_by", "排查人", "Found by"),
        Column("location", "位置", "Location", width=10),
        Column("hazard", "危险源编号", "Hazard", width=10),
        Column("control", "管控措施", "Control", width=30),
        WordsColumn("result", "结果", "Result", choices="inspection_result", width=10),
        Column("description", "隐患描述", "Description", width=30),
        WordsColumn("grade", "隐患等级", "Grade", choices="danger_grade", width=10),
        Column("measures", "整改措施", "Measures", width=30),
        Column("responsible", "整改责任人", "Responsible"),
        Column("funds", "整改资金", "Funds"),
        Column("deadline", "整改期限", "Deadline", "date", width=12),
        Column("contingency", "应急预案", "Contingency", width=30),
        Column("pdca", "整改问题编号", "PDCA item", width=12),
        WordsColumn("status", "状态", "Status", choices="danger_status", width=14),
        Column("reported_to", "报告对象", "Reported to", width=20),
        Column("reported_on", "报告日期", "Reported on", "date", width=12),
        Column("accepted_by", "验收人", "Accepted by"),
        Column("accepted_on", "验收日期", "Accepted on", "date", width=12),
        Column("acceptance_note", "验收意见", "Acceptance note", width=24),
    ),
)
CODED = {"result": "inspection_result", "grade": "danger_grade", "status": "danger_status"}


def ledger_row(d: Any) -> list[Any]:
    """A hidden danger (hazards.dangers.HiddenDanger) as a ledger row, in column order."""
    values = {"code": d.id, "pdca": d.pdca, **{c.key: getattr(d, c.key, None)
                                               for c in LEDGER.columns if c.key not in
                                               ("code", "pdca")}}
    return [values[c.key] for c in LEDGER.columns]


def _same(column: Column, cell: Any, stored: Any) -> bool:
    if cell in (None, "") or stored in (None, ""):
        return cell in (None, "") and stored in (None, "")
    if column.key in CODED:
        return insp.coded_word(CODED[column.key], cell) == stored
    if isinstance(stored, dt.date):
        return cell == stored
    return vocab.normalise(str(cell)) == vocab.normalise(str(stored))


def ledger_check(ctx: ImportContext, sheets: dict[str, SheetData]) -> list[Problem]:
    from hazards.dangers import dangers_in

    sheet = sheets["dangers"]
    if "dangers" not in ctx.state:
        ctx.state["dangers"] = {d.id: d for d in dangers_in(ctx.session, ctx.line, ctx.as_of)}
    known = ctx.state["dangers"]
    problems = []
    for row in sheet.rows:
        danger = known.get(str(row.values.get("code") or "").strip())
        if danger is None:
            problems.append(sheet.problem(row, "code", "danger.ledger_unknown",
                                          value=row.values.get("code") or ""))
            continue
        stored = dict(zip((c.key for c in LEDGER.columns), ledger_row(danger)))
        for column in LEDGER.columns:
            if column.key in sheet.headers and not _same(column, row.values.get(column.key),
                                                         stored[column.key]):
                problems.append(sheet.problem(row, column.key, "danger.ledger_differs",
                                              id=danger.id, stored=stored[column.key] or "-"))
    return problems


def ledger_write(session: Any, ctx: ImportContext, sheets: dict[str, SheetData]
                 ) -> dict[str, int]:
    return {"unchanged": len(sheets["dangers"].rows)}


LEDGER_KIND = TemplateKind(
    kind="dangers", title_zh="隐患排查治理台账", title_en="Hidden-danger ledger",
    sheets=(LEDGER,), check=ledger_check, write=ledger_write,
    instructions_zh=(
        "台账由 readiness export dangers 导出；导入时逐格与已登记的隐患核对，不作修改。",
        "隐患由排查记录产生（readiness template inspection）；定级、治理方案、报告和验收销号用 "
        "readiness danger grade / plan / report / accept。"),
    instructions_en=(
        "The ledger is written by readiness export dangers; importing it checks every cell "
        "against the hidden dangers recorded and changes nothing.",
        "Hidden dangers come from inspections (readiness template inspection); grade, plan, "
        "report and accept them with readiness danger grade / plan / report / accept."),
)


def export_dangers(store: Any, line: str | None, path: str | Path) -> dict[str, Any]:
    """Every hidden danger of a line, closed ones too, as the ledger: re-imports unchanged."""
    from hazards.dangers import all_dangers
    from readiness.xlsx.writer import write_sheets

    dangers = all_dangers(store, line)
    write_sheets(Path(path), [(LEDGER, [ledger_row(d) for d in dangers])])
    return {"path": str(path), "rows": len(dangers)}
