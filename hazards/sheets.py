"""The hazard register workbook: template, import hooks and export (危险源台帐 / 管控措施).

Export writes codes, so export → import changes nothing; text a spreadsheet would run as a
formula is written as plain text (and, in CSV, prefixed with an apostrophe).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hazards.register import (FIELD_KEYS, RefData, factor_source, resolve_hazard,
                              write_hazards)
from hazards.scoring import DIRECT, method_for
from readiness import vocab
from readiness.errors import InvalidValue, Problem
from readiness.importing import future_dates
from readiness.store.hazards import match_keys
from readiness.xlsx.spec import Column, ImportContext, SheetData, SheetSpec, TemplateKind
from readiness.xlsx.writer import write_csv, write_sheets


@dataclass(frozen=True)
class WordsColumn(Column):
    """A column read as the ledger writes it (text) and understood by `resolve_hazard`: several
    accident types in one cell, a level in the line's own level words. The template offers the
    coded set's drop-down (`choices`) and takes other words with a note, not a refusal."""

    choices: str = ""

    @property
    def code_set(self) -> str | None:
        return self.choices or None

    @property
    def drop_down_strict(self) -> bool:
        return False


REGISTER = SheetSpec(
    key="register", zh="危险源台帐", en="Hazards",
    synonyms=("危险源台账", "危险源辨识台账", "危险源辨识台帐", "危险源清单", "Hazard register"),
    ignored_headers=("序号", "No.", "No"),  # a ledger's own row numbers
    columns=(
        Column("code", "编号", "ID", synonyms=("危险源编号", "序号编号"), example="H-0001", width=10,
               note_zh="留空则自动编号 H-0001…", note_en="blank: assigned H-0001…"),
        Column("line", "线路", "Line", width=12, note_zh="留空即导入的线路",
               note_en="blank: the line imported into"),
        Column("location", "位置", "Location", required=True, synonyms=("地点", "所在位置", "区域"),
               example="S01", note_zh="位置编号或名称", note_en="location ID or name"),
        # not required: a ledger kept by a department seldom has them (`hazard add` asks)
        Column("specialty", "专业", "Specialty", "code:specialty",
               synonyms=("所属专业",), example="psd"),
        Column("risk_category", "风险类别", "Risk category", "code:risk_category",
               synonyms=("风险分类",), example="passenger-operation"),
        Column("activity", "作业活动/设备", "Activity",
               synonyms=("作业活动", "设备设施", "作业活动/设备设施", "作业活动或设备", "作业场所",
                         "工作场所", "作业活动/作业场所", "作业内容"),
               example="列车进出站及开关门", width=24),
        Column("description", "危险源描述", "Hazard", required=True,
               synonyms=("危险源", "危险源名称", "风险点", "风险点名称", "风险描述", "Description",
                         "危险因素", "危险有害因素", "危险源(危险因素)", "危险源/危险因素"),
               example="站台门与车门间隙夹人后列车启动", width=36),
        Column("factor_category", "危险因素类别", "Factor category", "code:factor_category",
               synonyms=("危险有害因素类别", "危险和有害因素"), example="human-behavioural",
               note_zh="GB/T 13861 一级或二级类别，名称或代码均可（如 物的因素、2、2.1）",
               note_en="GB/T 13861 category at either level, by name or code (e.g. 2, 2.1)"),
        WordsColumn("accident_type", "可能导致的事故", "Accident type", choices="accident_type",
                    synonyms=("事故类型", "可能导致的事故类型", "可能发生的事故", "可能发生的事故类型",
                              "可能导致的事故/伤害", "Accident types"),
                    example="vehicle-injury",
                    note_zh="GB 6441 事故类型，名称或代码；多个用 / 、 | 或换行分隔",
                    note_en="GB 6441 accident type, label or code; several separated by / 、 | "
                            "or line breaks"),
        Column("method", "评价方法", "Method", example="LEC", width=10,
               note_zh="LEC / LS / 882E / direct（直接判定）或线路自己的评分表，留空用线路默认方法",
               note_en="LEC / LS / 882E / direct, or the line's own scale; blank: the line's "
                       "default"),
        Column("L", "L", "L", example=3, width=6,
               synonyms=("发生事故的可能性(L)", "发生事故的可能性", "事故发生的可能性(L)",
                         "可能性(L)", "L值"),
               note_zh="LEC 与 LS 的可能性；882E 填可能性 A–F",
               note_en="likelihood (LEC, LS); for 882E the probability A–F"),
        Column("E", "E", "E", example=6, width=6,
               synonyms=("暴露于危险环境的频繁程度(E)", "暴露于危险环境的频繁程度", "暴露频率(E)",
                         "E值"),
               note_zh="LEC 暴露频率", note_en="LEC exposure"),
        Column("C", "C", "C", example=15, width=6,
               synonyms=("发生事故产生的后果(C)", "发生事故产生的后果", "后果严重程度(C)", "C值"),
               note_zh="LEC 后果", note_en="LEC consequence"),
        Column("S", "S", "S", width=6, note_zh="LS 严重性 1–5；882E 严重性 1–4",
               note_en="severity: LS 1–5, 882E 1–4"),
        WordsColumn("level_given", "风险等级", "Level", choices="risk_level",
                    synonyms=("风险级别", "等级", "危险级别", "级别", "危险等级", "风险等级(级别)"),
                    example="significant", width=10,
                    note_zh="按线路的风险等级用词表（readiness line set --level-words）；"
                            "无评分时需填判别依据（直接判定）",
                    note_en="in the line's level words (readiness line set --level-words); "
                            "without scores, give the basis (direct judgement)"),
        Column("controls", "管控措施", "Controls", "list",
               synonyms=("控制措施", "管控措施/控制措施", "现有控制措施", "现有管控措施"),
               example="engineering: 站台门防夹挡板及激光探测|administrative: 司机关门后瞭望确认",
               width=40, note_zh="每行一条，可写“类型：内容”，类型默认为管理控制",
               note_en="one per line, optionally 'type: text'; the type defaults to administrative"),
        Column("residual_L", "残余L", "Residual L", example=1, width=8),
        Column("residual_E", "残余E", "Residual E", example=6, width=8),
        Column("residual_C", "残余C", "Residual C", example=15, width=8),
        Column("residual_S", "残余S", "Residual S", width=8),
        Column("owner_unit", "责任单位", "Owner unit",
               synonyms=("责任部门", "管控单位", "管控部门", "责任单位/部门"), example="CT-KY",
               note_zh="单位编号或名称", note_en="unit ID or name"),
        Column("owner", "责任人", "Owner", synonyms=("管控责任人", "负责人"), example="900001",
               note_zh="工号或姓名", note_en="staff ID or name"),
        Column("review_days", "复核周期(天)", "Review days", "int", synonyms=("复核周期",),
               width=10, note_zh="留空按等级默认", note_en="blank: by level"),
        Column("last_review", "上次复核日期", "Last review", "date", synonyms=("复核日期",),
               example="2026-10-15", width=12),
        Column("linked_drills", "关联演练", "Linked drills", "list", example="EM-PSD-FAILURE"),
        Column("status", "状态", "Status", "code:hazard_status", example="controlled", width=10),
        Column("causes", "原因", "Causes", synonyms=("产生原因", "原因分析", "引起事件原因"),
               width=24),
        Column("consequences", "后果", "Consequences", synonyms=("可能后果",), width=24),
        Column("score_given", "风险值", "Score", "number",
               synonyms=("危险性分值", "D值", "D", "风险值(D)", "危险性分值(D)", "风险值D",
                         "D=LEC", "D=L×E×C"),
               width=8, note_zh="表中的风险值 D，须等于 L×E×C（LS 为 L×S）；可留空",
               note_en="the ledger's D; must equal L×E×C (LS: L×S); may be blank"),
        Column("basis", "判别依据", "Basis", synonyms=("判定依据", "判断依据", "直接判定依据"),
               width=24, note_zh="直接判定（无评分）的依据，如违反的法规条款、发生过的事故",
               note_en="the basis of a direct judgement (no scores): e.g. the regulation "
                       "violated, a past accident"),
        Column("notes", "备注", "Notes", width=24),
    ),
)

CONTROLS = SheetSpec(
    key="controls", zh="管控措施", en="Controls", key_column=None, required=False,
    synonyms=("控制措施",),
    columns=(
        Column("hazard", "危险源编号", "Hazard ID", required=True, example="H-0001"),
        Column("type", "类型", "Type", "code:control_type", required=True, example="engineering"),
        Column("aspect", "人机环管", "Aspect", "code:control_aspect", example="equipment"),
        Column("description", "措施内容", "Description", required=True,
               example="站台门防夹挡板及激光探测", width=40),
        Column("owner", "责任人", "Owner", example="900001"),
        Column("verification", "验证方法", "Verification", width=24),
        Column("evidence", "验证证据", "Evidence", width=24),
        Column("verified", "已验证", "Verified", "bool", width=8),
    ),
)


# The register columns each stored field of a hazard comes from: a field whose column the sheet
# does not have stays as stored when a row updates a hazard (a ledger has fewer columns).
FIELD_COLUMNS = {"accident_types": "accident_type", "location_id": "location"}
KEPT_WITHOUT_COLUMN = tuple(k for k in FIELD_KEYS if k != "location_id")


def check(ctx: ImportContext, sheets: dict[str, SheetData]) -> list[Problem]:
    """Resolve each register row (one chunk of them); merge the controls sheet's details in.
    A sheet without an ID column is matched to the line's hazards by place and description."""
    register, controls = sheets["register"], sheets["controls"]
    if "ref" not in ctx.state:
        ctx.state["ref"] = RefData.load(ctx.session, ctx.line)
        ctx.state["controls"] = _controls_by_hazard(controls)
        ctx.state["hazards_seen"] = set()
        ctx.state["absent"] = [k for k in KEPT_WITHOUT_COLUMN
                               if FIELD_COLUMNS.get(k, k) not in register.headers]
        if not any(c in register.headers for c in ("residual_L", "residual_S")):
            ctx.state["absent"].append("residual")
        ctx.state["absent"] += [k for k in ("score_given", "basis") if k not in register.headers]
        if "code" not in register.headers:  # the keys are loaded once per import
            ctx.state["match"] = _match_index(match_keys(ctx.session, ctx.line.id))
            ctx.state["rows_by_key"] = {}
    ref, absent, match = ctx.state["ref"], ctx.state["absent"], ctx.state.get("match")
    problems: list[Problem] = future_dates(register, ("last_review",), ctx.as_of)
    for row in register.rows:
        resolved, errors = resolve_hazard(row.values, ref)
        for field, key, params in errors:
            problems.append(register.problem(row, field, key, **params))
        # a column the sheet lacks keeps what is stored, unless a default (--owner-unit) gave it
        resolved["_keep"] = [k for k in absent if k in ("residual", "score_given", "basis")
                             or row.values.get(FIELD_COLUMNS.get(k, k)) in (None, "", [])]
        row.values["_resolved"] = resolved
        if match is not None and not errors:
            problem = _match(register, row, resolved, match, ctx.state["rows_by_key"])
            if problem is not None:
                problems.append(problem)
        if resolved["code"]:
            ctx.state["hazards_seen"].add(resolved["code"])
            for detail in ctx.state["controls"].get(resolved["code"], []):
                match_control = next((c for c in resolved["controls"]
                                      if c["description"] == detail["description"]), None)
                if match_control is None:
                    resolved["controls"].append(dict(detail))
                else:
                    match_control.update({k: v for k, v in detail.items() if v is not None})
    return problems


MatchKey = tuple[int | None, str, str]


def _match_key(location_id: int | None, activity: str | None, description: str | None
               ) -> MatchKey:
    """A hazard as a ledger without IDs names it: its place (location, and activity or
    equipment) and its description, white space, width and case aside."""
    return (location_id, vocab.normalise(activity or ""), vocab.normalise(description or ""))


def _match_index(keys: list[tuple[str, int | None, str | None, str]]
                 ) -> dict[MatchKey, list[str]]:
    index: dict[MatchKey, list[str]] = {}
    for code, location_id, activity, description in keys:
        index.setdefault(_match_key(location_id, activity, description), []).append(code)
    return index


def _match(register: SheetData, row: Any, resolved: dict[str, Any],
           index: dict[MatchKey, list[str]], rows_by_key: dict[MatchKey, int]
           ) -> Problem | None:
    """Give a row of a sheet without IDs the ID of the one hazard it names, if there is one;
    a row naming several hazards, or the same hazard as an earlier row, is a problem."""
    key = _match_key(resolved["location_id"], resolved["activity"], resolved["description"])
    first = rows_by_key.setdefault(key, row.number)
    if first != row.number:
        return register.problem(row, "description", "hazard.same_row_twice", first=first)
    found = index.get(key, [])
    if len(found) > 1:
        return register.problem(row, "description", "hazard.ambiguous_match",
                                ids=", ".join(found))
    if found:
        resolved["code"] = found[0]
    return None


def _controls_by_hazard(controls: SheetData) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for row in controls.rows:
        if not row.values.get("hazard") or not row.values.get("description"):
            continue
        detail = {k: row.values.get(k) for k in ("description", "type", "aspect", "owner",
                                                 "verification", "evidence", "verified")}
        detail["verified"] = bool(detail["verified"])
        found.setdefault(str(row.values["hazard"]), []).append(detail)
    return found


def finish(ctx: ImportContext, sheets: dict[str, SheetData]) -> list[Problem]:
    """Controls rows must belong to a hazard of the register sheet."""
    controls = sheets["controls"]
    seen = ctx.state.get("hazards_seen", set())
    return [controls.problem(row, "hazard", "hazard.control_unknown_hazard",
                             value=row.values["hazard"])
            for row in controls.rows if row.values.get("hazard") and
            str(row.values["hazard"]) not in seen]


def write(session: Any, ctx: ImportContext, sheets: dict[str, SheetData]) -> dict[str, int]:
    resolved = [row.values["_resolved"] for row in sheets["register"].rows]
    return write_hazards(session, ctx.line.id, resolved, ctx.as_of, evaluator=session.user)


HAZARD_TEMPLATE = TemplateKind(
    kind="hazards", title_zh="危险源台帐", title_en="Hazard register",
    sheets=(REGISTER, CONTROLS), check=check, write=write, finish=finish,
    instructions_zh=(
        "危险源台帐：每行一个危险源。编号已存在则更新该危险源（评分变化时新增一次评价记录），不会重复。",
        "评价方法 LEC：L、E、C 取规定分值；LS：L、S 取 1–5；882E：S 取 1–4，L 填可能性 A–F。",
        "管控措施可直接写在台帐中（每行一条），也可在“管控措施”表中逐条填写类型、人机环管与验证情况。",
        "多值单元格（管控措施、关联演练）用换行或 | 分隔。",
        "可能导致的事故可填多个（用 / 、 | 或换行分隔）；风险值须等于 L×E×C；只有风险等级、没有评分的行"
        "须填判别依据（直接判定）。没有编号列时，按位置、作业活动和危险源描述与已有危险源对应。"),
    instructions_en=(
        "Hazards: one hazard per row. A known ID updates that hazard (a new evaluation when the "
        "scores change); it is never duplicated.",
        "Method LEC: L, E, C from their scales; LS: L and S 1–5; 882E: S 1–4 and L the "
        "probability A–F.",
        "Controls may be listed in the register (one per line) or detailed one per row in the "
        "Controls sheet (type, aspect, verification).",
        "Multi-value cells (controls, linked drills) use line breaks or |.",
        "Accident type may list several (separated by /, 、, | or line breaks); Score must equal "
        "L×E×C; a row with a level but no scores needs its Basis (direct judgement). Without an "
        "ID column, rows are matched to the line's hazards by location, activity and hazard."),
)


# --- export ----------------------------------------------------------------------------------------

def _factor_cells(h: dict[str, Any], factors: dict[str, Any],
                  settings: dict[str, Any] | None = None) -> dict[str, Any]:
    if not factors or not h["method"]:
        return {}
    try:
        source = factor_source(method_for(h["method"], settings))
    except InvalidValue:  # a scale no longer on the line: the factors as stored
        source = {f: "L" if f == "P" else f for f in factors}
    return {column: factors.get(factor) for factor, column in source.items()}


def register_rows(register: list[dict[str, Any]], settings: dict[str, Any] | None = None
                  ) -> tuple[list[list[Any]], list[list[Any]]]:
    """Rows for the register and controls sheets, in template column order, with codes: what
    imports back unchanged. `settings` are the line's (its own scales)."""
    rows, control_rows = [], []
    for h in register:
        inherent = _factor_cells(h, h["factors"], settings)
        residual = _factor_cells(h, h["residual_factors"], settings)
        scored = h["factors"] or h["residual_factors"] or h["method"] == DIRECT
        values = {
            "code": h["id"], "line": h["line"], "location": h["location"],
            "specialty": h["specialty"], "risk_category": h["risk_category"],
            "activity": h["activity"], "description": h["description"],
            "factor_category": h["factor_category"],
            "accident_type": "\n".join(h["accident_types"] or
                                       ([h["accident_type"]] if h["accident_type"] else [])),
            "method": h["method"] if scored else None,
            **inherent, "level_given": h["level_given"] or h["level"],
            "controls": "\n".join(f"{c['type']}: {c['description']}" for c in h["controls"]),
            **{f"residual_{k}": v for k, v in residual.items()},
            "owner_unit": h["owner_unit"], "owner": h["owner"], "review_days": h["review_days"],
            "last_review": h["last_review"],
            "linked_drills": "\n".join(h["linked_drills"]), "status": h["status"],
            "causes": h["causes"], "consequences": h["consequences"],
            "score_given": h["score_given"], "basis": h["basis"], "notes": h["notes"],
        }
        rows.append([values.get(col.key) if values.get(col.key) != "" else None
                     for col in REGISTER.columns])
        for c in h["controls"]:
            control_rows.append([h["id"], c["type"], c["aspect"], c["description"], c["owner"],
                                 c["verification"], c["evidence"], c["verified"]])
    return rows, control_rows


def export_register(register: list[dict[str, Any]], path: str | Path,
                    settings: dict[str, Any] | None = None) -> Path:
    path = Path(path)
    rows, control_rows = register_rows(register, settings)
    if path.suffix.lower() == ".csv":
        write_csv(path, [c.header() for c in REGISTER.columns], rows)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        write_sheets(path, [(REGISTER, rows), (CONTROLS, control_rows)])
    else:
        raise InvalidValue("export.bad_suffix", path=str(path))
    return path


def export_hazards(store: Any, line: str | None, path: str | Path) -> dict[str, Any]:
    """Write a line's register to .xlsx (register and controls sheets) or .csv."""
    from readiness.store.hazards import load_register
    from readiness.store.lines import find_line

    with store.read() as session:
        found = find_line(session, line)
        register = load_register(session, found.id)
        settings = dict(found.settings or {})
    written = export_register(register, path, settings)
    return {"path": str(written), "rows": len(register)}
