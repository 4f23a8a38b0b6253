"""The registry of template kinds: their names, where each kind is declared (always its domain's
`sheets.py`), and the one-line help of its `readiness template` (and `readiness export`) command.

Kept free of heavy imports: the command line builds its template and export commands from this
list at start-up, while the kinds themselves (openpyxl, the domain modules) load only when used.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    target: str  # "module:ATTRIBUTE" of the kind's TemplateKind
    summary: str  # the help of `readiness template NAME`
    export: str | None = None  # "module:function" writing the register, if it can be exported
    export_summary: str = ""  # the help of `readiness export NAME`
    export_formats: str = "FILE.xlsx"  # the files `export NAME -o` writes

    @property
    def template_file(self) -> str:
        return f"{self.name}-template.xlsx"


REGISTRY: tuple[Kind, ...] = (
    Kind("line", "readiness.lines.sheets:LINE_TEMPLATE",
         "Template for a line's locations (sheet 位置 Locations)."),
    Kind("hazards", "hazards.sheets:HAZARD_TEMPLATE",
         "Template for the hazard register (sheets 危险源台帐 Hazards and 管控措施 Controls).",
         export="hazards.sheets:export_hazards",
         export_summary="Export the hazard register (re-importing the file changes nothing).",
         export_formats="FILE.xlsx or FILE.csv"),
    Kind("org", "readiness.org.sheets:ORG_TEMPLATE",
         "Template for the organisation (sheets 单位 Units, 人员 People, 责任状 Letters)."),
    Kind("drill-runs", "drills.sheets:DRILL_RUNS_TEMPLATE",
         "Template for drill runs and task ratings (sheets 演练记录 Runs, 任务评估 Tasks)."),
    Kind("drill-catalogue", "drills.sheets:DRILL_CATALOGUE_TEMPLATE",
         "Template to add or edit the line's drill scenarios (sheets 演练科目 Scenarios, "
         "关键任务 Critical tasks)."),
    Kind("pdca", "readiness.pdca.sheets:PDCA_TEMPLATE",
         "Template for problems and their rectification (sheet 问题整改 PDCA).",
         export="readiness.pdca.sheets:export_items",
         export_summary="Export every PDCA item (re-importing the file changes nothing)."),
    Kind("inspection", "hazards.inspection_sheets:INSPECTION_TEMPLATE",
         "Template for hidden-danger inspections (sheet 隐患排查记录 Inspections)."),
    Kind("dangers", "hazards.inspection_sheets:LEDGER_KIND",
         "Template of the hidden-danger ledger (sheet 隐患排查治理台账 Hidden dangers); "
         "importing it checks it against the store.",
         export="hazards.inspection_sheets:export_dangers",
         export_summary="Export the hidden-danger ledger (re-importing the file changes nothing)."),
    Kind("checklist", "readiness.checklist.sheets:CHECKLIST_TEMPLATE",
         "Template for the opening safety points (sheet 安全要点 Checklist)."),
    Kind("trial-run", "readiness.assessment.sheets:TRIAL_RUN_TEMPLATE",
         "Template for trial-run daily records (sheet 试运行 Trial run)."),
)

# Kind name → "module:ATTRIBUTE", in the order sheet names are matched on import.
KINDS: dict[str, str] = {kind.name: kind.target for kind in REGISTRY}
