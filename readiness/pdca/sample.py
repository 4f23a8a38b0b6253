"""The sample line's PDCA items: problems from every source, kind and class, driven round the
loop on realistic dates; a few overdue, a few on their second cycle, the drills' items among them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from readiness.pdca.items import apply_step
from readiness.store import pdca as pdca_store
from readiness.store.core import WriteSession

# (source, kind, class, title, hazards, owner unit): trial operation's own findings
PROBLEMS = [
    ("trial-run", "equipment-quality", "blocking", "S07 站台门 5-6 号门间隙探测频繁误报，影响发车", ["H-0019"], "TM-JD2-01"),
    ("trial-run", "equipment-quality", "blocking", "计轴区段 Q11-12 偶发红光带，列车降级运行", [], "TM-TH1-01"),
    ("trial-run", "staff-operation", "due-dated", "司机在折返站未按规定确认进路即动车", [], "TM-CW1-01"),
    ("trial-run", "equipment-quality", "due-dated", "AFC 闸机在高峰时段扇门反应迟缓", [], "TM-JD1-02"),
    ("trial-run", "regulation-text", "due-dated", "《行车组织规则》中降级运行限速与信号厂家手册不一致", [], "DV-DD1"),
    ("trial-run", "equipment-quality", "improvement", "车辆空调在站台停靠时制冷不足", [], "TM-CL2-01"),
    ("inspection", "equipment-quality", "blocking", "S12 消防水泵联动试验未通过（压力不足）", ["H-0233"], "TM-JD1-01"),
    ("inspection", "staff-operation", "due-dated", "变电所倒闸作业未执行唱票复诵", [], "TM-GD1-03"),
    ("inspection", "regulation-text", "due-dated", "有限空间作业审批单缺少气体检测记录栏", [], "DV-JD1"),
    ("inspection", "equipment-quality", "due-dated", "区间疏散平台 Q05-06 段扶手松动", [], "TM-GW1-02"),
    ("inspection", "other", "improvement", "车站应急物资柜标识不统一", [], "TM-KY1-02"),
    ("hazard-review", "regulation-text", "due-dated", "接触网停电挂地线作业指导书未写明验电器自检", ["H-0058"], "DV-GD2"),
    ("hazard-review", "equipment-quality", "blocking", "人防门状态监测未接入综合监控", ["H-0300"], "TM-TH2-01"),
    ("hazard-review", "staff-operation", "improvement", "班前会安全交底内容流于形式", [], "TM-KY2-01"),
    ("assessment", "regulation-text", "blocking", "第三方评估：大客流应急预案未明确与公交集团的联动流程", [], "CT-KY"),
    ("assessment", "equipment-quality", "due-dated", "第三方评估：控制中心 UPS 后备时间低于设计值", [], "TM-JD2-02"),
    ("assessment", "staff-operation", "due-dated", "第三方评估：部分行车值班员对 ATS 降级操作不熟练", [], "DV-KY1"),
    ("other", "other", "improvement", "乘客信息系统中英文站名翻译不一致", [], "CT-KY"),
]


def _people_of(units: list[dict[str, Any]], people: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for p in people:
        found.setdefault(p["unit"], []).append(p["staff_id"])
    for u in units:  # a unit without people answers through its head
        found.setdefault(u["code"], [u["head"]])
    return found


def build(session: WriteSession, line_id: int, data: dict[str, Any], as_of: dt.date) -> int:
    members = _people_of(data["units"], data["people"])
    opened = dt.date(2026, 9, 1)
    specs = []
    for n, (source, kind, cls, title, hazards, unit) in enumerate(PROBLEMS):
        specs.append({"title": title, "description": title, "source": source,
                      "source_ref": f"{'SY' if source == 'trial-run' else 'JC'}-{n + 1:03d}",
                      "kind": kind, "item_class": cls, "hazards": hazards, "owner_unit": unit,
                      "opened_on": opened + dt.timedelta(days=4 * n)})
    pdca_store.open_items(session, line_id, specs)
    items = pdca_store.load_items(session, line_id)
    for n, item in enumerate(items):
        owner = members.get(item["owner_unit"] or "", ["900001"])[0]
        verifier = next(p for p in ["900002", "900003", "900004"] if p != owner)
        _drive(session, line_id, item, n, owner, verifier, as_of)
    return len(items)


def _drive(session: WriteSession, line_id: int, item: dict[str, Any], n: int, owner: str,
           verifier: str, as_of: dt.date) -> None:
    """Move an item some way round the loop: where it stops depends on n (every phase occurs)."""
    day = dt.date.fromisoformat(str(item["opened_on"]))
    stop = ("PLAN", "DO", "CHECK", "ACT", "CLOSED", "CLOSED", "CLOSED", "DO")[n % 8]
    if item["class"] == "blocking":
        stop = "CLOSED"  # nothing that blocks opening is left open at the assessment
    if stop == "PLAN" and n % 16 == 0:
        return  # an untouched item
    due = as_of + dt.timedelta(days=7 + 2 * n)
    if n % 6 == 1:
        due = as_of - dt.timedelta(days=5 + n % 7)  # overdue
    steps = [("plan", {"root_cause": "原因已查明：培训与规程交底不到位、设备调试遗留问题",
                       "action": "修订作业指导书并组织专项培训；厂家整改设备缺陷",
                       "owner_unit": item["owner_unit"] or "CT-KY", "owner": owner, "due": due})]
    steps += [("do", {"done_note": "已完成整改", "evidence": f"整改记录 ZG-{n + 1:03d}、照片、培训签到表"})]
    ineffective = n % 5 == 3  # the first check finds the fix did not hold: a second cycle
    steps += [("check", {"verifier": verifier, "verified_on": None,
                         "verdict": "ineffective" if ineffective else "effective"})]
    if ineffective:
        steps += steps[:2] + [("check", {"verifier": verifier, "verified_on": None,
                                         "verdict": "effective"})]
    steps += [("act", {"standardisation": "已纳入《车站作业标准》第 3 版及季度培训计划"})]
    # Take steps until the item stands where it should: at `stop`, and in its second cycle
    # when its first check was ineffective (a PLAN stop then means the new cycle's PLAN).
    target = 0
    phase, cycle = "PLAN", 1
    flow = {"plan": "DO", "do": "CHECK", "act": "CLOSED"}
    while target < len(steps) and not (phase == stop and (cycle == 2 or not ineffective)):
        name, data = steps[target]
        if name == "check":
            phase, cycle = (("PLAN", cycle + 1) if data["verdict"] == "ineffective"
                            else ("ACT", cycle))
        else:
            phase = flow[name]
        target += 1
    taken = steps[:target]
    for k, (name, data) in enumerate(taken):
        # Steps dated back from the demo day, five days apart, never before the item opened.
        day = max(dt.date.fromisoformat(str(item["opened_on"])) + dt.timedelta(days=1 + k),
                  as_of - dt.timedelta(days=n % 9 + 5 * (len(taken) - 1 - k)))
        if name == "check":
            data = {**data, "verified_on": day}
        changes = apply_step(session, line_id, item, name, data, day)
        item = {**item, **changes}
