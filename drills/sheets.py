"""Drill workbooks: run evaluations (演练记录 / 任务评估), the catalogue (演练科目 / 关键任务),
a one-scenario evaluation sheet for paper, and the plan as a workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from drills.catalogue import LINE_OWN, PLAN_TIERS, load_scenarios
from drills.runs import check_run, outside_window, run_rules, write_runs
from readiness import sources, vocab
from readiness.errors import NotFound, Problem
from readiness.lines.locations import LocationIndex
from readiness.store import drills as drill_store
from readiness.xlsx.spec import (IGNORED_MARK, Column, ImportContext, SheetData, SheetSpec,
                                  TemplateKind)
from readiness.xlsx.writer import save

RUNS = SheetSpec(
    key="runs", zh="演练记录", en="Runs", synonyms=("演练", "Drill runs"),
    columns=(
        Column("code", "演练编号", "Run ID", required=True, example="R-0001", width=12),
        Column("scenario", "科目编号", "Scenario", required=True, example="EM-STATION-FIRE", width=20),
        Column("date", "日期", "Date", "date", required=True, example="2026-10-15", width=12),
        Column("location", "地点", "Location", example="S05", note_zh="位置编号或名称",
               note_en="location ID or name"),
        Column("form", "形式", "Form", "code:drill_form", required=True, example="live"),
        Column("commander", "总指挥", "Commander", example="李明"),
        Column("evaluators", "评估人", "Evaluators", "list", example="陈静|刘洋", width=20),
        Column("units", "参演单位", "Units", "list", example="CT-KY|CT-DD|CT-JD", width=20),
        Column("notes", "备注", "Notes", width=30),
    ),
)

TASKS = SheetSpec(
    key="tasks", zh="任务评估", en="Tasks", key_column=None, synonyms=("关键任务评估",),
    required=False,
    columns=(
        Column("run", "演练编号", "Run ID", required=True, example="R-0001", width=12),
        Column("task", "关键任务", "Task ID", required=True, example="EM-STATION-FIRE-T1", width=24),
        Column("rating", "评级", "Rating", "code:drill_rating", required=True, example="P",
               note_zh="P 顺利完成 · S 有些问题 · M 问题重大 · U 未能完成",
               note_en="P, S, M or U (HSEEP)"),
        Column("minutes", "用时(分钟)", "Minutes", "number", example=1.5, width=10),
        Column("evaluator", "评估人", "Evaluator", example="陈静"),
        Column("notes", "备注", "Notes", width=30),
    ),
)


def check_runs(ctx: ImportContext, sheets: dict[str, SheetData]) -> list[Problem]:
    runs, tasks = sheets["runs"], sheets["tasks"]
    if "scenarios" not in ctx.state:
        ctx.state["scenarios"] = {s["id"]: s for s in load_scenarios(ctx.session, ctx.line.id)}
        ctx.state["locations"] = LocationIndex.load(ctx.session, ctx.line)
        ctx.state["rules"] = run_rules(ctx.session, ctx.line)
        ctx.state["tasks"] = {}
        for row in tasks.rows:
            ctx.state["tasks"].setdefault(row.values.get("run"), []).append(row)
        ctx.state["runs_seen"] = set()
    problems: list[Problem] = []
    for row in runs.rows:
        run = dict(row.values)
        task_rows = ctx.state["tasks"].get(run["code"], [])
        run["id"], run["tasks"] = run["code"], [
            {**t.values, "evaluator": str(t.values.get("evaluator") or "").strip() or None}
            for t in task_rows]
        ctx.state["runs_seen"].add(run["code"])
        rules = ctx.state["rules"]
        for field, key, params in check_run(run, ctx.state["scenarios"], ctx.state["locations"],
                                            rules):
            if "index" not in params:
                problems.append(runs.problem(row, field, key, **params))
                continue
            if key == "drill.duplicate_rating":  # name both rows
                first = task_rows[params["first_index"]].number
                key, params = "drill.duplicate_rating_row", {**params,
                                                             "first": f"{tasks.name}!{first}"}
                if "evaluator" not in tasks.headers:
                    field = "task"
            problems.append(tasks.problem(task_rows[params["index"]], field, key, **params))
        run["outside_window"] = outside_window(run.get("date"), rules) is not None
        row.values["_run"] = run
    return problems


def finish_runs(ctx: ImportContext, sheets: dict[str, SheetData]) -> list[Problem]:
    tasks = sheets["tasks"]
    seen = ctx.state.get("runs_seen", set())
    return [tasks.problem(row, "run", "drill.task_unknown_run", value=row.values["run"])
            for row in tasks.rows if row.values.get("run") and row.values["run"] not in seen]


def write_run_rows(session: Any, ctx: ImportContext, sheets: dict[str, SheetData]) -> dict[str, int]:
    counts = write_runs(session, ctx.line, [row.values["_run"] for row in sheets["runs"].rows])
    counts.pop("pdca_opened", None)
    return counts


DRILL_RUNS_TEMPLATE = TemplateKind(
    kind="drill-runs", title_zh="演练记录与任务评估", title_en="Drill runs and task ratings",
    sheets=(RUNS, TASKS), check=check_runs, write=write_run_rows, finish=finish_runs,
    instructions_zh=(
        "演练记录：每次演练一行（演练编号、科目编号、日期、地点、形式、总指挥、评估人、参演单位）。",
        "任务评估：每位评估人对每个关键任务一行，评级 P/S/M/U（HSEEP），有时间标准的任务填写实际用时；"
        "几位评估人的评级都保留，任务以最差的评级为准，相差两级及以上的列为分歧；同一演练、任务和评估人只能有一行。",
        "演练日期须在三权移交日期与计划开通日期之间。",
        "任一关键任务为 U 即演练未通过；有 S、M 或超时为通过但有问题；每个 M、U 或超时自动生成一条整改问题，重复导入不重复生成。"),
    instructions_en=(
        "Runs: one row per drill run (run ID, scenario, date, location, form, commander, "
        "evaluators, units).",
        "Tasks: one row per critical task and evaluator, rated P/S/M/U (HSEEP), with the minutes "
        "taken where the task has a time standard; every evaluator's rating is kept, the worst "
        "decides the task, and ratings two grades or more apart are listed as a conflict. One row "
        "per run, task and evaluator.",
        "A run's date must lie between the line's handover and planned opening dates.",
        "Any U fails the run; S, M or a missed time passes it with findings; each M, U or missed "
        "time opens one PDCA item, and re-importing the run opens none again."),
)


# --- the catalogue, editable by a line -------------------------------------------------------------

SCENARIOS = SheetSpec(
    key="scenarios", zh="演练科目", en="Scenarios", synonyms=("演练项目",),
    columns=(
        Column("code", "科目编号", "Scenario ID", required=True, example="EM-LOCAL-01", width=18),
        Column("name_zh", "名称", "Name", required=True, example="高架区段大风停运演练", width=24),
        Column("name_en", "英文名称", "English name", example="High wind on viaduct", width=24),
        Column("category", "类别", "Category", "code:drill_category", required=True,
               example="emergency"),
        Column("tier", "预案层级", "Tier", "code:drill_tier", required=True, example="special"),
        Column("forms", "形式", "Forms", "list", required=True, example="tabletop|live"),
        Column("venue", "场地", "Venue", "code:drill_venue", required=True, example="main-line"),
        Column("unit_kinds", "参演单位", "Units", "list", example="CT-DD|CT-CW"),
        Column("objectives_zh", "演练目的", "Objectives", width=30),
        Column("importance", "重要程度", "Importance", "int", required=True, example=4, width=8),
        Column("likelihood", "发生概率", "Likelihood", "int", required=True, example=2, width=8),
        Column("report_required", "需书面评估报告", "Report required", "bool", example="是"),
        Column("basis", "依据", "Basis", example="OPERATOR-POLICY", width=24,
               note_zh="文件代码及条款，如 JYG-2024-5 第七条；多条用 ; 分隔；空白：已有科目不变，新科目为运营单位管理要求",
               note_en="source key and article, e.g. JYG-2024-5 第七条; several separated by ;; "
                       "empty: unchanged, or operator policy for a new scenario"),
    ),
)

SCENARIO_TASKS = SheetSpec(
    key="scenario_tasks", zh="关键任务", en="Critical tasks", key_column="code",
    columns=(
        Column("scenario", "科目编号", "Scenario ID", required=True, example="EM-LOCAL-01"),
        Column("code", "任务编号", "Task ID", required=True, example="EM-LOCAL-01-T1"),
        Column("name_zh", "任务名称", "Task", required=True, example="行调发布限速/停运命令", width=28),
        Column("name_en", "英文名称", "English name", width=24),
        Column("time_standard_min", "时间标准(分钟)", "Time standard (min)", "number", example=2),
        Column("time_basis", "时间标准依据", "Time standard basis", example="OPERATOR-POLICY",
               width=24, note_zh="同“依据”；空白：时间未改则不变，否则为运营单位管理要求",
               note_en="as Basis; empty: unchanged while the time is, else operator policy"),
    ),
)


def check_catalogue(ctx: ImportContext, sheets: dict[str, SheetData]) -> list[Problem]:
    scenarios, tasks = sheets["scenarios"], sheets["scenario_tasks"]
    problems: list[Problem] = []
    existing = drill_store.scenario_codes(ctx.session, ctx.line.id)
    file_codes = {r.values["code"] for r in scenarios.rows}
    with_tasks = {r.values["scenario"] for r in tasks.rows}
    for row in scenarios.rows:
        for field in ("importance", "likelihood"):
            value = row.values.get(field)
            if value is not None and not 1 <= value <= 5:
                problems.append(scenarios.problem(row, field, "drill.bad_rating_scale", value=value))
        bad = [f for f in row.values.get("forms") or [] if not vocab.parse("drill_form", f)]
        if bad:
            problems.append(scenarios.problem(row, "forms", "cell.not_in_set", value=bad[0],
                                              allowed=" / ".join(vocab.choices("drill_form"))))
        if row.values["code"] not in existing and row.values["code"] not in with_tasks:
            problems.append(scenarios.problem(row, "code", "drill.scenario_needs_tasks"))
        if parse_basis(row.values.get("basis")) is False:
            problems.append(scenarios.problem(row, "basis", "drill.bad_basis_cell",
                                              value=row.values["basis"]))
    for row in tasks.rows:
        if row.values["scenario"] not in file_codes | existing:
            problems.append(tasks.problem(row, "scenario", "drill.scenario_not_found",
                                          id=row.values["scenario"]))
        if parse_basis(row.values.get("time_basis")) is False:
            problems.append(tasks.problem(row, "time_basis", "drill.bad_basis_cell",
                                          value=row.values["time_basis"]))
    return problems


def parse_basis(text: object) -> list[dict[str, object]] | None | bool:
    """A basis cell ("JYG-2024-5 第七条; OPERATOR-POLICY") as references (unverified: typed by
    a user), None when empty, False when a source key is not registered."""
    if text is None or not str(text).strip():
        return None
    refs = []
    for part in str(text).replace("；", ";").split(";"):
        key, _, article = part.strip().partition(" ")
        if not key:
            continue
        if key not in sources.documents():
            return False
        refs.append({"source": key, "article": article.strip(), "verified": False})
    return sources.check_refs(refs, "basis") if refs else None


def _kept(given: list[dict[str, object]] | None, old: list[dict[str, object]] | None,
          default: list[dict[str, object]] | None) -> list[dict[str, object]] | None:
    """The basis a row leaves: the one given (keeping the old reference's `verified` where it
    is the same source and article), else the old one, else `default`."""
    if given is None:
        return old if old is not None else default
    before = {(r["source"], r["article"]): r for r in old or []}
    return [before.get((r["source"], r["article"]), r) for r in given]


def write_catalogue(session: Any, ctx: ImportContext,
                    sheets: dict[str, SheetData]) -> dict[str, int]:
    current = {s["id"]: s for s in load_scenarios(session, ctx.line.id)}
    old_tasks = {k["id"]: k for s in current.values() for k in s["critical_tasks"]}
    tasks: dict[str, list[dict[str, Any]]] = {}
    for row in sheets["scenario_tasks"].rows:
        v = row.values
        minutes = v.get("time_standard_min")
        before = old_tasks.get(v["code"]) if v["scenario"] in current else None
        same = before is not None and before.get("time_standard_min") == minutes
        tasks.setdefault(v["scenario"], []).append({
            "id": v["code"], "name_zh": v["name_zh"], "name_en": v.get("name_en") or v["name_zh"],
            "time_standard_min": minutes,
            "time_basis": None if minutes is None else _kept(
                parse_basis(v.get("time_basis")), before["time_basis"] if same else None,
                LINE_OWN)})
    scenarios = []
    for row in sheets["scenarios"].rows:
        v = row.values
        old = current.get(v["code"], {})
        scenarios.append({
            "id": v["code"], "name_zh": v["name_zh"], "name_en": v.get("name_en") or v["name_zh"],
            "category": v["category"], "tier": v["tier"],
            "forms": [vocab.parse("drill_form", f) for f in v["forms"]], "venue": v["venue"],
            "unit_kinds": v.get("unit_kinds") or old.get("unit_kinds", []),
            "objectives_zh": v.get("objectives_zh") or old.get("objectives_zh"),
            "objectives_en": old.get("objectives_en"),
            "hazard_categories": old.get("hazard_categories", []),
            "importance": v["importance"], "likelihood": v["likelihood"],
            "report_required": v["report_required"] if v.get("report_required") is not None
            else v["tier"] in PLAN_TIERS[:2],
            "fao_only": old.get("fao_only", False),
            "basis": _kept(parse_basis(v.get("basis")), old.get("basis"), LINE_OWN),
            "required_by_regulation": old.get("required_by_regulation", False),
            "critical_tasks": tasks.get(v["code"]) or old.get("critical_tasks", [])})
    return drill_store.upsert_scenarios(session, ctx.line.id, scenarios)


DRILL_CATALOGUE_TEMPLATE = TemplateKind(
    kind="drill-catalogue", title_zh="演练科目库", title_en="Drill catalogue",
    sheets=(SCENARIOS, SCENARIO_TASKS), check=check_catalogue, write=write_catalogue,
    stream=False,
    instructions_zh=("演练科目：新增本线路的科目，或修改已有科目（编号相同即修改）。",
                     "关键任务：每个新科目至少一个关键任务；有时间标准的填写分钟数。"),
    instructions_en=("Scenarios: add the line's own scenarios, or edit existing ones (same ID).",
                     "Critical tasks: every new scenario needs at least one; give the minutes "
                     "where a time standard applies."),
)


# --- paper evaluation form and the plan as a workbook ---------------------------------------------

def write_drill_sheet(scenario: dict[str, Any], path: str | Path, run_id: str = "") -> Path:
    """A one-scenario evaluation form in the drill-runs template's shape, printable on A4."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = Workbook()
    runs = wb.active
    runs.title = RUNS.zh
    runs.append([c.header() for c in RUNS.columns])
    given = {"code": run_id or None, "scenario": scenario["id"],
             "units": "|".join(scenario.get("unit_kinds") or [])}
    runs.append([given.get(c.key) for c in RUNS.columns])
    tasks = wb.create_sheet(TASKS.zh)
    # The form's own columns start with "#", so the importer leaves them out; the rating key is
    # in a header, which prints on every page.
    tasks.append([c.header() for c in TASKS.columns] + [
        f"{IGNORED_MARK} 任务名称 Task", f"{IGNORED_MARK} 时间标准 Standard (min)",
        rating_key(), f"{IGNORED_MARK} 时间标准依据 Standard's basis"])
    for task in scenario["critical_tasks"]:
        given = {"run": run_id or None, "task": task["id"]}
        tasks.append([given.get(c.key) for c in TASKS.columns] + [
            f"{task['name_zh']} / {task['name_en']}", task.get("time_standard_min"), None,
            "; ".join(sources.cite(b) for b in sources.basis(task.get("time_basis")))
            or None])
    for ws in (runs, tasks):
        ws.freeze_panes = "A2"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.print_title_rows = "1:1"
        for row in ws.iter_rows():
            for cell in row:
                cell.border = box
                cell.alignment = Alignment(wrap_text=True, vertical="center")
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for col, width in zip("ABCDEFGHI", (12, 24, 8, 12, 10, 24, 40, 12, 12)):
            ws.column_dimensions[col].width = width
    key_column = len(TASKS.columns) + 3  # the rating key, then the standard's basis
    tasks.column_dimensions[tasks.cell(1, key_column).column_letter].width = 44
    tasks.column_dimensions[tasks.cell(1, key_column + 1).column_letter].width = 36
    tasks.row_dimensions[1].height = 15 * (rating_key().count("\n") + 1)  # the key, every line
    runs.oddHeader.center.text = f"{scenario['name_zh']} 演练评估表 / {scenario['name_en']}"
    return save(wb, path)


def rating_key() -> str:
    """The HSEEP ratings explained in both languages, one per line, for the paper form."""
    lines = [f"{IGNORED_MARK} 评级说明 Ratings (HSEEP)"]
    lines += [f"{c.code} {c.zh} · {c.en}" for c in vocab.codes("drill_rating").values()]
    return "\n".join(lines)


def drill_sheet(store: Any, line: str | None, scenario_id: str, path: str | Path) -> Path:
    from readiness.store.lines import find_line

    with store.read() as session:
        found = find_line(session, line)
        scenario = next((s for s in load_scenarios(session, found.id)
                         if s["id"] == scenario_id), None)
    if scenario is None:
        raise NotFound("drill.scenario_not_found", id=scenario_id)
    return write_drill_sheet(scenario, path)


def write_plan_xlsx(result: dict[str, Any], path: str | Path, lang: str) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "演练计划" if lang == "zh" else "Drill plan"
    ws.append(["日期 Date", "科目编号 Scenario", "名称 Name", "类别 Category", "必做 Must-do",
               "地点 Location", "参演单位 Units", "形式 Form"])
    for p in result["planned"]:
        ws.append([p["date"], p["scenario"], p["name_zh"] if lang == "zh" else p["name_en"],
                   vocab.label("drill_category", p["category"], lang),
                   "是" if p["must_do"] else "", p["location"], ", ".join(p["units"]),
                   vocab.label("drill_form", p["form"], lang)])
    if result["unplaced"]:
        miss = wb.create_sheet("未排入 Unplaced")
        miss.append(["科目编号 Scenario", "原因 Reason"])
        for u in result["unplaced"]:
            miss.append([u["scenario"], u["reason"]])
    for sheet in wb.worksheets:
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    return save(wb, path)
