"""The report as Excel (`readiness report -o FILE.xlsx`): the full data behind the report, for
the safety department to filter.

openpyxl in write-only mode (it streams rows, so a network-sized register is written quickly):
frozen headers, filters, column widths that fit Chinese text, A4 landscape with repeated header
rows, level colours by conditional formatting, native charts, and text that a spreadsheet would
run as a formula stored as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from readiness import vocab
from readiness.tables import display_width
from readiness.xlsx.columns import column_letters
from readiness.xlsx.text import safe_cell

LEVEL_FILLS = {"major": "C62828", "significant": "EF6C00", "general": "F9A825", "low": "1565C0"}


class Sheet:
    """One sheet: a header row, rows, and the print and view settings every sheet shares."""

    def __init__(self, wb: Any, title: str, header: list[str]) -> None:
        self.ws = wb.create_sheet(title)
        self.header = header
        self.rows: list[list[Any]] = []

    def add(self, row: list[Any]) -> None:
        self.rows.append(row)

    def write(self, level_columns: tuple[int, ...] = (), lang: str = "zh",
              fills: dict[tuple[int, int], str] | None = None) -> None:
        """Write the sheet; `fills`: (row index, column index) → a cell's fill colour (RRGGBB)."""
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.formatting.rule import CellIsRule
        from openpyxl.styles import Alignment, Font, PatternFill

        ws = self.ws
        for index, title in enumerate(self.header):
            sample = [title, *(str(r[index]) for r in self.rows[:200] if r[index] is not None)]
            width = max(display_width(line) for s in sample for line in s.split("\n"))
            ws.column_dimensions[column_letters(index + 1)].width = min(60, max(8, width + 2))
        ws.freeze_panes = "A2"
        last = column_letters(max(1, len(self.header)))
        ws.auto_filter.ref = f"A1:{last}{max(1, len(self.rows) + 1)}"
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = 9  # A4 (openpyxl's Worksheet.PAPERSIZE_A4)
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        for column in level_columns if self.rows else ():
            letter = column_letters(column + 1)
            for code, colour in LEVEL_FILLS.items():
                ws.conditional_formatting.add(
                    f"{letter}2:{letter}{len(self.rows) + 1}",
                    CellIsRule(operator="equal", formula=[f'"{vocab.label("risk_level", code, lang)}"'],
                               fill=PatternFill("solid", fgColor=colour),
                               font=Font(color="FFFFFF" if code != "general" else "000000")))
        head = []
        for title in self.header:
            cell = WriteOnlyCell(ws, value=title)
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="263238")
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            head.append(cell)
        ws.append(head)
        fills = fills or {}
        for n, row in enumerate(self.rows):
            ws.append([_filled(ws, v, fills[(n, i)]) if (n, i) in fills else safe_cell(ws, v)
                       for i, v in enumerate(row)])


def _filled(ws: Any, value: Any, colour: str) -> Any:
    """A cell in a solid colour, its text white or black to be read on it."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    cell = WriteOnlyCell(ws, value=value)
    cell.fill = PatternFill("solid", fgColor=colour)
    r, g, b = (int(colour[i:i + 2], 16) for i in (0, 2, 4))
    cell.font = Font(bold=True, color="000000" if r * 0.299 + g * 0.587 + b * 0.114 > 150
                     else "FFFFFF")
    return cell


def write_workbook(data: dict[str, Any], path: str | Path) -> Path:
    from openpyxl import Workbook

    lang = data["lang"]
    zh = lang == "zh"

    def lab(set_name: str, code: Any) -> str:
        return vocab.label(set_name, code, lang) if code else ""

    def h(zh_text: str, en_text: str) -> str:
        return f"{zh_text} {en_text}"

    def named(code: str | None) -> str | None:
        name = data["names"].get(code) if code else None
        return f"{code} {name}" if name else code

    wb = Workbook(write_only=True)

    summary = Sheet(wb, "概览" if zh else "Summary", [h("项目", "Item"), h("内容", "Value"),
                                                     h("说明", "Detail"), h("依据", "Source")])
    snap = data["snapshot"]
    for item, value in ((h("线路", "Line"), data["line"]["name"]),
                        (h("计划开通", "Opening"), data["line"]["opening"]),
                        (h("评估标准", "Profile"), snap["profile"]),
                        (h("评估结论", "Verdict"), lab("verdict", snap["verdict"])),
                        (h("快照", "Snapshot"), f"#{snap['id']} {snap['as_of']} {snap['taken_at']}"),
                        (h("输入哈希", "Inputs hash"), snap["inputs_hash"]),
                        (h("已过时", "Stale"), "是 yes" if data["stale"] else "否 no")):
        summary.add([item, value, None, None])
    if data.get("superseded"):  # the profile follows a superseded edition: one line says so
        summary.add([h("注意", "Note"), data["superseded"], None, None])
    for s in data["signoffs"]:  # each decision, with any override of a not-ready verdict
        who = " ".join(str(v) for v in (s["name"], s.get("staff_id"), s["role"]) if v)
        decision = " ".join(v for v in (lab("signoff_decision", s["decision"]), s["at"],
                                        s.get("note")) if v)
        override = s.get("override_reason")
        summary.add([h("签认", "Sign-off"), who, decision,
                     (("强制同意，理由：" if zh else "Approved over a not-ready verdict: ") + override)
                     if override else None])
    # the chapters of the spec with their scores (the chart), then each chapter's criteria
    area_first = len(summary.rows) + 2
    for chapter in data["chapters"]:
        summary.add([chapter["name"], chapter["score"],
                     f"{chapter['passed']}/{chapter['applied']}", None])
    area_last = len(summary.rows) + 1
    for chapter in data["chapters"]:
        summary.add([chapter["name"], None, None, None])
        for c in chapter["criteria"]:
            summary.add([c["id"], lab("criterion_status", c["status"]), c["message"],
                         "\n".join(b["text"] for b in c["citations"]) or None])
    summary.add([h("依据类别", "Kinds of basis"), None, None, None])
    from readiness.report.html import KIND_NOTES

    for code, name in data["legend"]:
        summary.add([name, None, KIND_NOTES[code][0 if zh else 1], None])
    summary.write()
    _area_chart(summary.ws, area_first, area_last, zh)

    hazards = Sheet(wb, "危险源台帐" if zh else "Hazards", [
        h("编号", "ID"), h("位置", "Location"), h("专业", "Specialty"), h("风险类别", "Category"),
        h("危险源描述", "Hazard"), h("评价方法", "Method"), h("固有分值", "Score"),
        h("固有等级", "Level"), h("残余分值", "Residual score"), h("残余等级", "Residual level"),
        h("管控措施", "Controls"), h("责任单位", "Owner unit"), h("责任人", "Owner"),
        h("上次复核", "Last review"), h("状态", "Status"), h("风险接受", "Accepted by"),
        h("可能导致的事故", "Accident types")])
    for x in data["hazards"]["register"]:
        hazards.add([x["id"], x["location_name"], lab("specialty", x["specialty"]),
                     lab("risk_category", x["risk_category"]), x["description"], x["method"],
                     x["score"], lab("risk_level", x["level"]), x["residual_score"],
                     lab("risk_level", x["residual_level"]),
                     "\n".join(f"{lab('control_type', c['type'])}：{c['description']}"
                               for c in x["controls"]),
                     x["owner_unit"], x["owner"], x["last_review"],
                     lab("hazard_status", x["status"]),
                     _acceptor(x["acceptance"], data["org"].people),
                     "、".join(lab("accident_type", a) for a in _accident_types(x)) or None])
    hazards.write(level_columns=(7, 9), lang=lang)

    matrix = data["hazards"]["matrix"]
    _matrix_sheet(wb, matrix, zh)
    if data.get("riskmap") is not None:
        _riskmap_sheet(wb, data["riskmap"], lang)

    drills = Sheet(wb, "演练" if zh else "Drills", [
        h("类型", "Record"), h("编号", "ID"), h("科目", "Scenario"), h("日期", "Date"),
        h("地点", "Location"), h("结果/必做", "Outcome / must-do"), h("说明", "Detail")])
    for run in data["drills"]["runs"]:  # each run's outcome as assessed with the snapshot
        drills.add([h("演练记录", "run"), run["id"], named(run["scenario"]), run["date"],
                    named(run["location"]), lab("drill_outcome", run["outcome"]),
                    run["problems"]])
    for p in data["drills"]["plan"]:
        drills.add([h("计划", "plan"), None, named(p["scenario"]), p["date"], named(p["location"]),
                    None, None])
    drills.write()

    pdca = Sheet(wb, "问题整改" if zh else "PDCA", [
        h("编号", "ID"), h("问题", "Problem"), h("来源", "Source"), h("类型", "Kind"),
        h("级别", "Class"), h("阶段", "Phase"), h("轮次", "Cycle"), h("责任单位", "Owner unit"),
        h("责任人", "Owner"), h("计划完成", "Due"), h("逾期", "Overdue"), h("已开天数", "Days open")])
    for i in data["pdca"]["items"]:
        pdca.add([i["code"], i["title"], lab("pdca_source", i["source"]), lab("pdca_kind", i["kind"]),
                  lab("pdca_class", i["class"]), lab("pdca_phase", i["phase"]), i["cycle"],
                  i["owner_unit"], i["owner"], i["due"], "是" if i["overdue"] else "",
                  i["days_open"]])
    pdca.write()

    org = data["org"]
    units = Sheet(wb, "责任体系" if zh else "Responsibility", [
        h("单位", "Unit"), h("名称", "Name"), h("层级", "Level"), h("上级", "Parent"),
        h("负责人", "Head"), h("责任状", "Letter"), h("有效期至", "Valid until")])
    for code, unit in sorted(org.units.items()):
        parent = unit["parent_code"]
        status, letter = org.letter(code, parent, data["as_of"]) if parent in org.units else ("-", None)
        units.add([code, unit["name"], lab("org_level", unit["level"]), parent,
                   unit["head_staff_id"], lab("letter_status", status) if status != "-" else "",
                   str(letter["valid_until"]) if letter else None])
    units.write()

    trial = Sheet(wb, "试运行指标" if zh else "Trial run", [
        h("日期", "Date"), h("按开通运行图", "Opening timetable"), h("兑现率%", "Fulfilment %"),
        h("正点率%", "Punctuality %"), h("服务可靠度", "Reliability"),
        h("退出正线故障率", "Withdrawals"), h("车辆故障率", "Vehicle"), h("信号故障率", "Signalling"),
        h("供电故障率", "Power"), h("站台门故障率", "PSD"), h("全自动运行模式", "FAO mode")])
    for d in data["trial"]["days"]:
        trial.add([d["day"], "是" if d["opening_timetable"] else "否",
                   *(_round(d[k]) for k in ("fulfilment", "punctuality", "service_reliability",
                                            "withdrawal_rate", "vehicle_failure_rate",
                                            "signalling_failure_rate", "power_failure_rate",
                                            "psd_failure_rate")),
                   None if d.get("fao_mode") is None else ("是" if d["fao_mode"] else "否")])
    trial.write()
    if data["trial"]["days"]:
        _trial_chart(trial.ws, len(data["trial"]["days"]), zh)

    checklist = Sheet(wb, "安全要点" if zh else "Checklist", [
        h("编号", "ID"), h("阶段", "Phase"), h("方面", "Aspect"), h("内容", "Item"),
        h("阻断开通", "Blocking"), h("状态", "Status"), h("证据", "Evidence"),
        h("验证人", "Verifier"), h("验证日期", "Verified on"), h("评估规范章节", "Chapter"),
        h("评估方面", "Area"), h("依据", "Basis")])
    for x in data["checklist"]["items"]:
        if x["dropped"]:
            continue
        checklist.add([x["id"], lab("phase", x["phase"]), lab("checklist_aspect", x["aspect"]),
                       x["text"] if zh or not x["text_en"] else x["text_en"],
                       "是" if x["blocking"] else "", lab("checklist_status", x["status"]),
                       " ".join(v for v in (x["evidence_ref"], x["evidence_file"],
                                            x["evidence_sha256"]) if v),
                       x["verifier"], x["verified_on"], lab("assessment_chapter", x["chapter"]),
                       lab("assessment_area", x["area"]),
                       "\n".join(b["text"] for b in x["citations"]) or None])
    checklist.write()

    from readiness.report.html import write_atomically

    return write_atomically(path, lambda tmp: wb.save(tmp))


def _accident_types(h: dict[str, Any]) -> list[str]:
    """A hazard's GB 6441 accident types (a snapshot from before they were several: its one)."""
    return list(h.get("accident_types") or ([h["accident_type"]] if h.get("accident_type") else []))


def _acceptor(acceptance: dict[str, Any] | None, people: dict[str, Any]) -> str | None:
    """Who accepted a residual risk: name and staff ID (an old free-text entry as written)."""
    if not acceptance:
        return None
    person = people.get(acceptance["accepted_by"])
    return f"{person['name']} {acceptance['accepted_by']}" if person else acceptance["accepted_by"]


def _round(value: Any) -> Any:
    if value is None or value == float("inf"):
        return None
    return round(float(value), 4)


def _matrix_sheet(wb: Any, matrix: dict[str, Any], zh: bool) -> None:
    sheet = Sheet(wb, "风险矩阵" if zh else "Matrix", [f"{matrix['rows']} \\ {matrix['cols']}"])
    rows, cols = matrix["row_values"], matrix["col_values"]
    sheet.header += [str(c) for c in cols]
    for r in rows:
        sheet.add([str(r), *(matrix["cells"].get((r, c), 0) for c in cols)])
    sheet.write()


def _riskmap_sheet(wb: Any, rows: list[dict[str, Any]], lang: str) -> None:
    """The four-colour risk map as a sheet: each place in line order, its colour as the cell's
    fill, its hazards at each current level and its open hidden dangers; then the counts."""
    from readiness.report import riskmap

    zh = lang == "zh"
    places = riskmap.from_dicts(rows)
    levels = riskmap.LEVELS
    none = riskmap.words(lang)["none"]
    sheet = Sheet(wb, "风险四色图" if zh else "Risk map", [
        "序号 Seq", "编号 Code", "位置 Place", "类型 Kind", "颜色 Colour",
        *(f"{vocab.label('risk_level', lv, 'zh')} {vocab.label('risk_level', lv, 'en')}"
          for lv in levels), "一般隐患 General HD", "重大隐患 Major HD"])
    fills: dict[tuple[int, int], str] = {}
    for p in places:
        fills[(len(sheet.rows), 4)] = p.colour.lstrip("#").upper()
        sheet.add([p.seq, p.code, p.name, vocab.label("location_kind", p.kind, lang),
                   vocab.label("risk_level", p.level, lang) if p.level else none,
                   *(p.counts.get(lv) or None for lv in levels),
                   p.dangers.get("general") or None, p.dangers.get("major") or None])
    sums = riskmap.totals(places)
    for lv in (*levels, None):
        fills[(len(sheet.rows), 4)] = (riskmap.LEVEL_COLOURS[lv] if lv else
                                       riskmap.NO_HAZARD).lstrip("#").upper()
        sheet.add([None, None, ("合计 " if zh else "Total ") + (
            riskmap.level_word(lv, lang) if lv else none), None,
            f"{sums['places'][lv or 'none']} {'处' if zh else 'places'}",
            *((sums["hazards"][x] if x == lv else None) for x in levels), None, None])
    sheet.add([None, None, "合计 未关闭隐患" if zh else "Total open hidden dangers", None, None,
               *(None for _ in levels), sums["dangers"]["general"], sums["dangers"]["major"]])
    sheet.write(fills=fills)


def _area_chart(ws: Any, first: int, last: int, zh: bool) -> None:
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type = "bar"
    chart.title = "各方面得分 %" if zh else "Area scores %"
    chart.add_data(Reference(ws, min_col=2, min_row=first, max_row=last), titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.legend = None
    chart.height, chart.width = 8, 16
    ws.add_chart(chart, "F2")


def _trial_chart(ws: Any, rows: int, zh: bool) -> None:
    from openpyxl.chart import LineChart, Reference

    chart = LineChart()
    chart.title = "正点率与兑现率 %" if zh else "Punctuality and fulfilment %"
    chart.add_data(Reference(ws, min_col=3, max_col=4, min_row=1, max_row=rows + 1),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=rows + 1))
    chart.height, chart.width = 9, 22
    ws.add_chart(chart, "L2")
