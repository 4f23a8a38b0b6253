"""Rebuild the hand-written hazard ledgers in this folder: `python tests/ledgers/build_ledgers.py`.

Six ledgers in the layouts safety departments actually keep (issue 20), and small bad variants
that must be refused with one line naming the sheet, row, column and what to do. Every row is
the project's own, written out below (plausible line 9 content, not copied from any document);
tests/test_real_ledgers.py imports them and checks every row against figures worked out by hand.

    l1_two_row_header       危险源辨识清单: title + form code rows, 危险性评价 merged over L/E/C/D,
                            序号, no IDs, no places (imported with --location, --owner-unit)
    l2_lec_long_headers     LEC with long headers, 风险值, 重大风险/较大风险/一般风险/低风险,
                            several accident types per cell, 作业活动 merged down over its rows
    l3_grades_page_break    一级…四级 (--level-words), the header repeated at a printed page break
    l4_colours_line_scale   红/橙/黄/蓝 under the line's own LEC variant (lec_l9.toml: E = 5 and 0.2,
                            重大 from D ≥ 160), one published level the line's table disagrees with
    l5_letters_direct       A–D, direct judgement rows (判别依据, no scores), 备注, places by name,
                            a column of the user's own (审核签字, --ignore-column)
    l6_minimal_other_sheets 责任部门/责任人/现有控制措施 only; other sheets 说明 and 修订记录
    bad_*                   one problem each (see BAD below)

The files are reproducible: fixed document dates and zip timestamps, so a rebuild changes
nothing unless the rows do (the test compares the committed files' parts with a fresh build).
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
STAMP = (2026, 1, 1, 0, 0, 0)

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="D9D9D9")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


# --- the ledgers' rows ---------------------------------------------------------------------------

# (1) 龙湖公园站 (S01), platform doors and station work. Header over rows 3–4, data from row 5.
L1_TITLE = "9号线龙湖公园站危险源辨识清单"
L1_FORM = "表单编号: AQ-JL-012"
L1_VERSION = "版本：A/1"
L1_HEAD_TOP = ["序号", "作业活动", "危险源", "可能导致的事故", "危险性评价", None, None, None,
               "风险等级", "控制措施"]
L1_HEAD_SUB = [None, None, None, None, "L", "E", "C", "D", None, None]
L1_ROWS = [
    [1, "站台门开关门作业", "站台门与车门间隙夹人后列车启动", "车辆伤害", 3, 6, 15, 270, "较大",
     "站台门防夹挡板\n司机关门后瞭望确认"],
    [2, "站台门日常巡检", "站台门滑动门故障未隔离即投入运营", "物体打击", 1, 6, 7, 42, "较小",
     "故障门隔离并张贴告示"],
    [3, "站台门维修", "打开端门进入轨行区作业未办理请点", "车辆伤害", 1, 3, 40, 120, "一般",
     "严格执行请销点制度\n进入轨行区设专人防护"],
    [4, "站台门维修", "站台门门机控制柜带电检修", "触电", 3, 3, 7, 63, "较小",
     "检修前断电挂牌\n使用绝缘工具"],
    [5, "车站客运组织", "早晚高峰站台乘客拥挤越过安全线", "其他伤害", 6, 6, 15, 540, "重大",
     "高峰时段站台岗加强引导\n限流措施"],
    [6, "车站客运组织", "站台边缘警示带磨损不清", "高处坠落", 3, 6, 3, 54, "较小",
     "定期巡查并及时更换警示带"],
]

# (2) 南湖车辆段 (D01). 作业活动 is merged down over the rows of each activity.
L2_SHEET = "车辆段LEC评价"
L2_TITLE = "南湖车辆段作业条件危险性评价表（LEC法）"
L2_HEAD = ["序号", "作业活动", "危险因素", "可能导致的事故", "发生事故的可能性（L）",
           "暴露于危险环境的频繁程度（E）", "发生事故产生的后果（C）", "风险值", "风险等级",
           "管控措施"]
L2_ROWS = [
    [1, "接触网停送电作业", "未验电即挂接地线", "触电", 3, 3, 40, 360, "重大风险",
     "执行停电、验电、挂地线作业程序"],
    [2, None, "登高检修接触网未系安全带", "高处坠落/物体打击/触电", 3, 3, 15, 135, "一般风险",
     "登高作业系双钩安全带"],
    [3, None, "送电前未确认作业人员全部撤离", "触电、车辆伤害", 1, 3, 40, 120, "一般风险",
     "送电前逐一销记确认人员撤离"],
    [4, "库内调车作业", "调车作业时人员横越股道", "车辆伤害", 3, 6, 15, 270, "较大风险",
     "设置人行通道，严禁横越股道"],
    [5, None, "调车信号显示不清或误认", "车辆伤害\n物体打击", 1, 6, 15, 90, "一般风险",
     "调车作业执行呼唤应答"],
    [6, "列车架车作业", "架车机同步失效车体倾覆", "机械伤害/物体打击", 1, 2, 40, 80, "一般风险",
     "架车前检查架车机同步装置"],
    [7, None, "车底检修时架车机误动作", "机械伤害", 1, 2, 15, 30, "低风险",
     "架车机控制箱加锁并挂牌"],
    [8, None, "使用电动扳手未接漏电保护器", "触电|机械伤害", 3, 2, 7, 42, "低风险",
     "电动工具经漏电保护器接电"],
]
L2_MERGED = ["B3:B5", "B6:B7", "B8:B10"]  # each activity over its rows

# (3) 科技大道站 (S02), lifts and escalators. Header on row 2, repeated on row 7 (page break).
L3_SHEET = "设备设施"
L3_TITLE = "科技大道站设备设施危险源辨识及风险分级表"
L3_HEAD = ["序号", "作业场所", "危险源", "事故类型", "L", "E", "C", "D值", "危险级别", "管控措施",
           "责任单位"]
L3_ROWS_PAGE1 = [
    [1, "自动扶梯", "扶梯梯级与围裙板间隙夹住乘客衣物鞋带", "机械伤害", 3, 10, 7, 210, "二级",
     "安装围裙板防夹毛刷", "科技大道站务班组"],
    [2, "自动扶梯", "扶梯突然逆转乘客跌倒踩踏", "其他伤害、机械伤害", 0.5, 10, 40, 200, "二级",
     "扶梯防逆转装置定期检测", "科技大道站务班组"],
    [3, "自动扶梯", "扶梯维修时未设置围挡乘客误入", "机械伤害", 1, 3, 7, 21, "四级",
     "维修时设置围挡和警示牌", "科技大道站务班组"],
    [4, "垂直电梯", "电梯困人后乘客自行扒门", "高处坠落", 1, 6, 15, 90, "三级",
     "轿厢内张贴困梯须知，五分钟内到场救援", "科技大道站务班组"],
]
L3_ROWS_PAGE2 = [
    [5, "垂直电梯", "井道内检修时轿厢意外移动", "机械伤害/高处坠落", 1, 2, 40, 80, "三级",
     "检修时切断主电源并上锁", "科技大道站务班组"],
    [6, "站厅", "站厅地面湿滑乘客滑倒", "其他伤害", 6, 10, 1, 60, "四级",
     "雨天铺设防滑垫", "科技大道站务班组"],
    [7, "设备区", "气体灭火保护区误喷放", "中毒和窒息", 0.5, 6, 40, 120, "三级",
     "进入保护区前将气灭转为手动", "科技大道站务班组"],
    [8, "设备区", "环控电控室配电柜带电清扫", "触电", 3, 3, 40, 360, "一级",
     "清扫前停电验电，使用绝缘工具", "科技大道站务班组"],
]

# (4) 龙湖公园—科技大道区间 (Q01-02), scored with the line's own LEC variant (lec_l9.toml).
L4_SHEET = "区间疏散"
L4_TITLE = "龙湖公园—科技大道区间作业及疏散风险评价表"
L4_INFO = ["编制单位：客运一分部", None, None, None, None, None, "审核：", None, None, None]
L4_HEAD = ["序号", "作业活动", "危险源", "可能导致的事故", "L", "E", "C", "D", "风险等级",
           "控制措施"]
L4_ROWS = [
    [1, "区间乘客疏散", "疏散时接触轨未停电乘客进入轨行区", "触电", 1, 0.2, 100, 20, "黄",
     "疏散前确认接触轨停电并挂地线"],
    [2, "区间乘客疏散", "疏散平台狭窄乘客拥挤坠落道床", "高处坠落、其他伤害", 3, 0.5, 40, 60, "黄",
     "疏散平台每隔五十米设引导员"],
    [3, "区间设备巡检", "巡检人员在区间行走时列车未扣停", "车辆伤害", 1, 5, 40, 200, "红",
     "进入区间前行调扣停列车"],
    [4, "区间设备巡检", "区间照明不足巡检人员绊倒", "其他伤害", 3, 5, 3, 45, "黄",
     "携带手持照明，两人同行"],
    [5, "区间设备巡检", "联络通道防火门常开未关闭", "火灾", 1, 5, 15, 75, "橙",
     "巡检时逐一确认防火门关闭"],
    [6, "区间施工作业", "施工机具侵入限界未清点", "车辆伤害/物体打击", 6, 2, 15, 180, "橙",
     "出清时逐件清点工机具"],
    [7, "区间风机房巡视", "风机房巡视时风机误启动", "机械伤害", 1, 1, 7, 7, "蓝",
     "巡视前将风机转为就地控制"],
]

# (5) Platform doors at two stations, places by name, A–D, two rows judged directly.
L5_SHEET = "站台门风险分级"
L5_HEAD = ["序号", "位置", "作业活动", "危险源", "可能导致的事故", "L", "E", "C", "危险性分值",
           "风险等级", "判别依据", "控制措施", "备注", "审核签字"]
L5_BASIS_1 = "直接判定：本线同类站台门曾发生夹人事故"
L5_BASIS_3 = "直接判定：违反设备检修安全规程强制性条款"
L5_ROWS = [
    [1, "龙湖公园站", "站台门运行", "站台门与车门之间夹人夹物", "车辆伤害", None, None, None, None,
     "A", L5_BASIS_1, "激光探测装置\n站台岗瞭望", "列入重大风险清单", "陈静"],
    [2, "龙湖公园站", "站台门运行", "站台门玻璃自爆碎片伤人", "物体打击", 1, 6, 3, 18, "D", None,
     "定期检查门体玻璃", None, "陈静"],
    [3, "科技大道站", "站台门维修", "站台门维修未执行停电挂牌", "触电、机械伤害", None, None, None,
     None, "A", L5_BASIS_3, "执行停电挂牌制度", "2026年专项辨识新增", "陈静"],
    [4, "科技大道站", "站台门维修", "更换门体时门体倾倒", "物体打击/机械伤害", 3, 2, 15, 90, "C",
     None, "更换门体使用专用吊具", None, "陈静"],
    [5, "科技大道站", "站台门运行", "站台门与列车门联动失效", "车辆伤害", 1, 6, 40, 240, "B", None,
     "联动功能每日开站前测试", None, "陈静"],
    [6, "龙湖公园站", "站台门运行", "站台门绝缘失效乘客触碰带电门体", "触电", 1, 10, 40, 400, "A",
     None, "门体绝缘每月检测", None, "陈静"],
]

# (6) A minimal ledger on a sheet named by year, between an instructions and a revision sheet.
L6_SHEET = "2026年度辨识"
L6_NOTES = [["说明"],
            ["本表为科技大道站2026年度危险源辨识清单，由客运中心组织编制。"],
            ["风险值按作业条件危险性评价法（LEC）计算。"],
            ["修订时请在“修订记录”表中登记。"]]
L6_REVISIONS = [["版本号", "修订日期", "修订内容", "修订人"],
                ["A/0", "2026-03-01", "初次发布", "陈静"],
                ["A/1", "2026-09-15", "增加大客流相关危险源", "陈静"]]
L6_HEAD = ["序号", "危险因素", "可能发生的事故", "L", "E", "C", "现有控制措施", "责任部门", "责任人"]
L6_ROWS = [
    [1, "乘客携带易燃物品进站", "火灾", 1, 6, 15, "安检机检查\n站务员巡视", "客运中心", "李明"],
    [2, "出入口雨天地面湿滑", "其他伤害", 3, 3, 3, "铺设防滑垫\n设置警示标志", "客运一分部", "陈静"],
    [3, "大客流时闸机区拥堵", "其他伤害", 3, 6, 7, "设置限流栏杆\n客流预警", "科技大道站务班组",
     "刘洋"],
    [4, "站台乘客候车时跌落轨道", "高处坠落、车辆伤害", 1, 10, 40, "站台门\n站台岗巡视", "客运中心",
     "王建国"],
]

# --- bad variants: each holds exactly one problem -------------------------------------------------

BAD_SHEET = "危险源辨识清单"
BAD_HEAD = ["序号", "作业活动", "危险源", "可能导致的事故", "L", "E", "C", "D值", "风险等级"]
BAD_GOOD_ROW = [1, "站台巡视", "站台照明灯具松动坠落", "物体打击", 1, 6, 7, 42, "较小"]
BAD = {
    # I1: 风险等极 for 风险等级
    "bad_misspelled_header": [BAD_HEAD[:8] + ["风险等极"], BAD_GOOD_ROW],
    # row 3: D 162 where L×E×C = 3×6×7 = 126
    "bad_d_not_product": [BAD_HEAD, BAD_GOOD_ROW,
                          [2, "站台巡视", "屏蔽门应急门锁闭不良", "其他伤害", 3, 6, 7, 162, "一般"]],
    # row 3: 中等风险 is not in the four-level table (重大风险/较大风险/一般风险/低风险)
    "bad_unknown_level_word": [BAD_HEAD, [1, "站台巡视", "站台照明灯具松动坠落", "物体打击", 1, 6, 7, 42,
                                          "低风险"],
                               [2, "站台巡视", "站台候车椅固定螺栓松脱", "其他伤害", 3, 6, 3, 54,
                                "中等风险"]],
    # row 3: a level with neither scores nor a 判别依据
    "bad_level_without_scores": [BAD_HEAD + ["判别依据"], [1, "站台巡视", "站台照明灯具松动坠落",
                                                        "物体打击", 1, 6, 7, 42, "D", None],
                                 [2, "站台巡视", "站台门应急门锁闭不良", "其他伤害", None, None,
                                  None, None, "B", None]],
    # row 2 matches two hazards already in the register (same place, activity and description)
    "bad_ambiguous_match": [BAD_HEAD, [1, "站台巡视", "站台边缘地面湿滑", "其他伤害", 3, 6, 3, 54,
                                       "较小"]],
    # I2: level letters under a header cell with no text
    "bad_unnamed_level_column": [BAD_HEAD[:8] + [None], [1, "站台巡视", "站台照明灯具松动坠落",
                                                         "物体打击", 1, 6, 7, 42, "D"]],
}


# --- writing -------------------------------------------------------------------------------------

def _put(ws: Worksheet, row: int, values: list[Any], *, head: bool = False) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col)
        if value is not None:
            cell.value = value
        cell.border = BOX
        cell.alignment = CENTRE if head or not isinstance(value, str) else WRAP
        if head:
            cell.font = Font(bold=True)
            cell.fill = HEAD_FILL


def _title(ws: Worksheet, text: str, width: int) -> None:
    ws.cell(row=1, column=1, value=text).font = Font(bold=True, size=14)
    ws.cell(row=1, column=1).alignment = CENTRE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.row_dimensions[1].height = 28


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def _data(ws: Worksheet, first: int, rows: list[list[Any]]) -> int:
    for offset, values in enumerate(rows):
        _put(ws, first + offset, values)
    return first + len(rows)


def ledger_1(wb: Workbook) -> None:
    ws = wb.create_sheet("危险源辨识清单")
    _title(ws, L1_TITLE, len(L1_HEAD_TOP))
    ws["A2"] = L1_FORM
    ws["I2"] = L1_VERSION
    _put(ws, 3, L1_HEAD_TOP, head=True)
    _put(ws, 4, L1_HEAD_SUB, head=True)
    for col in "ABCDIJ":  # single headers span both header rows
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("E3:H3")  # 危险性评价 over L / E / C / D
    _data(ws, 5, L1_ROWS)
    _widths(ws, [6, 16, 30, 14, 6, 6, 6, 8, 10, 30])


def ledger_2(wb: Workbook) -> None:
    ws = wb.create_sheet(L2_SHEET)
    _title(ws, L2_TITLE, len(L2_HEAD))
    _put(ws, 2, L2_HEAD, head=True)
    _data(ws, 3, L2_ROWS)
    for span in L2_MERGED:
        ws.merge_cells(span)
    _widths(ws, [6, 16, 28, 18, 12, 14, 12, 8, 10, 30])


def ledger_3(wb: Workbook) -> None:
    ws = wb.create_sheet(L3_SHEET)
    _title(ws, L3_TITLE, len(L3_HEAD))
    _put(ws, 2, L3_HEAD, head=True)
    after = _data(ws, 3, L3_ROWS_PAGE1)
    _put(ws, after, L3_HEAD, head=True)  # the header again where the printed page broke
    _data(ws, after + 1, L3_ROWS_PAGE2)
    _widths(ws, [6, 12, 32, 18, 6, 6, 6, 8, 10, 30, 18])


def ledger_4(wb: Workbook) -> None:
    ws = wb.create_sheet(L4_SHEET)
    _title(ws, L4_TITLE, len(L4_HEAD))
    for col, value in enumerate(L4_INFO, start=1):
        if value is not None:
            ws.cell(row=2, column=col, value=value)
    _put(ws, 3, L4_HEAD, head=True)
    _data(ws, 4, L4_ROWS)
    _widths(ws, [6, 16, 32, 18, 6, 6, 6, 8, 10, 30])


def ledger_5(wb: Workbook) -> None:
    ws = wb.create_sheet(L5_SHEET)
    _put(ws, 1, L5_HEAD, head=True)
    _data(ws, 2, L5_ROWS)
    ws.freeze_panes = "A2"
    _widths(ws, [6, 12, 12, 30, 18, 6, 6, 6, 10, 10, 30, 24, 18, 10])


def ledger_6(wb: Workbook) -> None:
    notes = wb.create_sheet("说明")
    for values in L6_NOTES:
        notes.append(values)
    notes.column_dimensions["A"].width = 70
    ws = wb.create_sheet(L6_SHEET)
    _put(ws, 1, L6_HEAD, head=True)
    _data(ws, 2, L6_ROWS)
    _widths(ws, [6, 28, 18, 6, 6, 6, 24, 18, 10])
    revisions = wb.create_sheet("修订记录")
    _put(revisions, 1, L6_REVISIONS[0], head=True)
    _data(revisions, 2, L6_REVISIONS[1:])
    _widths(revisions, [10, 12, 30, 10])


def bad(rows: list[list[Any]]) -> Callable[[Workbook], None]:
    def write(wb: Workbook) -> None:
        ws = wb.create_sheet(BAD_SHEET)
        _put(ws, 1, rows[0], head=True)
        _data(ws, 2, rows[1:])
        _widths(ws, [6, 12, 28, 14, 6, 6, 6, 8, 10, 24])
    return write


LEDGERS: dict[str, Callable[[Workbook], None]] = {
    "l1_two_row_header": ledger_1,
    "l2_lec_long_headers": ledger_2,
    "l3_grades_page_break": ledger_3,
    "l4_colours_line_scale": ledger_4,
    "l5_letters_direct": ledger_5,
    "l6_minimal_other_sheets": ledger_6,
    **{name: bad(rows) for name, rows in BAD.items()},
}

CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")


def save(wb: Workbook, path: Path) -> None:
    """Save with fixed document dates and zip timestamps, so the bytes depend on the rows only."""
    wb.properties.creator = "metro-readiness tests"
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = CORE_DATES.sub(rb"\g<1>2026-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, STAMP), data, zipfile.ZIP_DEFLATED)


def build(out: Path = HERE) -> list[Path]:
    """Write every ledger to `out`; return their paths."""
    written = []
    for name, write in LEDGERS.items():
        wb = Workbook()
        wb.remove(wb.active)
        write(wb)
        path = out / f"{name}.xlsx"
        save(wb, path)
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for built in build(target):
        print(built)
