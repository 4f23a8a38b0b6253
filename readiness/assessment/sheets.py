"""The trial-run workbook (readiness template trial-run): sheet 试运行 or Trial run, one row a day."""

from __future__ import annotations

from typing import Any

from readiness.assessment.trial import day_errors
from readiness.errors import Problem
from readiness.xlsx.spec import Column, ImportContext, SheetData, SheetSpec, TemplateKind
from readiness.store.trial import upsert_days


def _n(key: str, zh: str, en: str, example: Any = None, kind: str = "int") -> Column:
    return Column(key, zh, en, kind, example=example, width=10)


SHEET = SheetSpec(
    key="trial", zh="试运行", en="Trial run", key_column="day", synonyms=("试运行记录", "试运行指标"),
    columns=(
        Column("day", "日期", "Date", "date", required=True, example="2026-11-20", width=12),
        Column("opening_timetable", "按开通运行图", "Opening timetable", "bool", required=True,
               example="是"),
        _n("trains_planned", "计划开行列次", "Trains planned", 320),
        _n("trains_run", "实际开行列次", "Trains run", 319),
        _n("trains_on_time", "正点列次", "Trains on time", 316),
        _n("train_km", "运营里程(列公里)", "Train-km", 12400.5, "number"),
        _n("delays_5min", "5分钟以上延误次数", "Delays ≥5 min", 0),
        _n("withdrawals", "退出正线故障次数", "Withdrawals", 0),
        _n("vehicle_failures", "车辆故障", "Vehicle failures", 1),
        _n("signalling_failures", "信号故障", "Signalling failures", 0),
        _n("power_failures", "供电故障", "Power failures", 0),
        _n("psd_operations", "站台门动作次数", "PSD operations", 30000),
        _n("psd_failures", "站台门故障", "PSD failures", 1),
        _n("gap_detector_faults", "间隙探测故障", "Gap-detector faults"),
        _n("fao_dropouts", "退出全自动次数", "FAO drop-outs"),
        _n("wakeups_planned", "唤醒计划", "Wake-ups planned"),
        _n("wakeups_ok", "唤醒成功", "Wake-ups succeeded"),
        _n("sleeps_planned", "休眠计划", "Sleeps planned"),
        _n("sleeps_ok", "休眠成功", "Sleeps succeeded"),
        # a fully automatic line: the day was run in fully automatic mode (blank: not recorded)
        Column("fao_mode", "全自动运行模式", "FAO mode", "bool", example="是"),
    ),
)
REQUIRED_COUNTS = ("trains_planned", "trains_run", "trains_on_time", "train_km")


def check(ctx: ImportContext, sheets: dict[str, SheetData]) -> list[Problem]:
    sheet = sheets["trial"]
    problems = []
    for row in sheet.rows:
        for key in REQUIRED_COUNTS:
            if row.values.get(key) is None and key not in row.errored:
                problems.append(sheet.problem(row, key, "import.required"))
        for field, key, params in day_errors(row.values):
            problems.append(sheet.problem(row, field, key, **params))
    return problems


def write(session: Any, ctx: ImportContext, sheets: dict[str, SheetData]) -> dict[str, int]:
    rows = []
    for row in sheets["trial"].rows:
        values = {k: v for k, v in row.values.items()}
        for key in ("delays_5min", "withdrawals", "vehicle_failures", "signalling_failures",
                    "power_failures", "psd_operations", "psd_failures"):
            values[key] = values.get(key) or 0
        rows.append(values)
    return upsert_days(session, ctx.line.id, rows)


TRIAL_RUN_TEMPLATE = TemplateKind(
    kind="trial-run", title_zh="试运行日报", title_en="Trial-run daily records",
    sheets=(SHEET,), check=check, write=write,
    instructions_zh=("每天一行，填写当日实际数据；指标由工具按统计口径计算，不填写百分比。",
                     "全自动运行线路另填间隙探测故障、退出全自动次数、唤醒与休眠的计划和成功次数，"
                     "并在“全自动运行模式”列填写当日是否按全自动运行模式运行（是/否）。",
                     "同一日期再次导入会更新该日数据。"),
    instructions_en=("One row per day with the day's counts; the toolkit computes the indicators, "
                     "never enter percentages.",
                     "Fully automatic lines also give gap-detector faults, FAO drop-outs, "
                     "wake-ups and sleeps planned and succeeded, and in the FAO mode column "
                     "whether the day ran in fully automatic mode (yes/no).",
                     "Re-importing a date updates that day."),
)
