"""The sample line's opening safety points: earlier phases verified, the current phase mostly
done, the later ones still open; its phase history, with one override on record. Its attested
requirements are verified with small sample evidence files (`evidence_files()`: `readiness demo`
writes them next to the store, and their SHA-256 is what each item records), by someone other
than the owner; the extension-line rule does not apply (a new line), and one conditional item,
the passenger signage, stays open with the owner's own due date."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from typing import Any

from readiness.checklist import PHASES, default_catalogue, load_items, seed_default, status_errors
from readiness.errors import InvalidValue
from readiness.store import checklist as checklist_store
from readiness.store.core import WriteSession

OWNER_UNITS = {"company": "C", "hq": "HQ", "safety-department": "HQ", "passenger-centre": "CT-KY",
               "crew-centre": "CT-CW", "dispatch-centre": "CT-DD", "rolling-stock-centre": "CT-CL",
               "power-centre": "CT-GD", "signalling-centre": "CT-TH",
               "permanent-way-centre": "CT-GW", "em-centre": "CT-JD", "security": "HQ"}
OPEN_ITEM = "AT-OR-07"  # conditional: passenger signage, finishing during initial operation
OPEN_DUE = dt.date(2027, 1, 31)  # the passenger centre head's own commitment
NOT_APPLICABLE = {"AT-PC-10": "本线路为新建线路，不是既有线路的延伸线"}
LINE_TITLE = "示范市轨道交通9号线一期"
EVIDENCE_TITLES = {  # the sample evidence documents, by attested item
    "AT-PC-01": "试运行情况报告", "AT-PC-02": "竣工验收报告", "AT-PC-03": "消防验收意见书",
    "AT-PC-04": "竣工环境保护验收意见", "AT-PC-05": "人防工程验收意见", "AT-PC-06": "工程档案验收意见",
    "AT-PC-07": "安全设施竣工验收报告", "AT-PC-08": "甩项工程清单及开通条件",
    "AT-PC-09": "防洪涝专项论证报告", "AT-SF-01": "土建与轨道功能核验报告", "AT-SF-02": "车辆功能核验报告",
    "AT-SF-03": "信号系统功能核验报告", "AT-SF-04": "供电系统功能核验报告",
    "AT-SF-05": "通信系统功能核验报告", "AT-SF-06": "站台门功能核验报告",
    "AT-SF-07": "FAS与BAS功能核验报告", "AT-SF-08": "自动售检票系统功能核验报告",
    "AT-SF-09": "电梯与自动扶梯功能核验报告", "AT-SF-10": "车辆基地功能核验报告",
    "AT-SF-11": "控制中心功能核验报告", "AT-LK-01": "火灾及灾害联动测试记录",
    "AT-LK-02": "信号与站台门联动测试记录", "AT-OR-01": "岗位人员配备对照表",
    "AT-OR-02": "持证上岗核查表", "AT-OR-03": "司机实车练习统计表", "AT-OR-04": "规章制度清单及发布文件",
    "AT-OR-05": "应急预案体系及报备回执", "AT-OR-06": "应急队伍与物资台账", "AT-OR-08": "安全保护区公告及巡查记录",
}
PHASE_DATES = {"acceptance": dt.date(2026, 5, 20), "handover": dt.date(2026, 7, 15),
               "commissioning": dt.date(2026, 8, 10), "pre-opening-assessment": dt.date(2026, 11, 16)}


def build(session: WriteSession, line_id: int, data: dict[str, Any], as_of: dt.date) -> int:
    seed_default(session, line_id)
    heads = {u["code"]: u["head"] for u in data["units"]}
    safety_officer = next(p["staff_id"] for p in data["people"] if p["unit"] == "HQ"
                          and p["staff_id"] != heads["HQ"])
    current = PHASES.index("pre-opening-assessment")
    items = load_items(session, line_id)
    points = [i for i in items if not i["chapter"]]  # the safety points, numbered as before
    for n, item in enumerate(points):
        order = PHASES.index(item["phase"])
        unit = OWNER_UNITS.get(item["owner_kind"] or "", "HQ")
        owner = heads[unit]
        verifier = safety_officer if owner != safety_officer else heads["C"]
        due = PHASE_DATES.get(PHASES[min(order + 1, len(PHASES) - 1)], as_of + dt.timedelta(days=20))
        changes: dict[str, Any] = {"owner_unit": unit, "owner": owner, "due": due}
        if order < current or (order == current and (item["blocking"] or n % 2)):
            done_on = min(due - dt.timedelta(days=3 + n % 5), as_of)
            changes.update(status="verified", evidence_ref=f"{item['id']} 归档号 AQ-2026-{n + 1:03d}",
                           verifier=verifier, verified_on=done_on)
        elif order == current:
            changes.update(status="done", evidence_ref=f"{item['id']} 记录待签认")
        elif order == current + 1 and n % 3 == 0:  # opening-day preparations under way
            changes.update(status="in-progress")
        if item["topic"] == "joint-security" and order > current:
            changes.update(note="派出所联防协议已起草，待双方签字")
        checklist_store.update_item(session, item, changes)
    _attest(session, [i for i in items if i["chapter"]], heads, safety_officer, as_of)
    history = [("site-follow-up", "acceptance", False, None),
               ("acceptance", "handover", False, None),
               ("handover", "commissioning", True,
                "三权移交后须立即开展演练；防汛物资清点签认延后一周补办"),
               ("commissioning", "pre-opening-assessment", False, None)]
    checklist_store.record_phase_changes(session, line_id, [
        {"from_phase": a, "to_phase": b, "at": dt.datetime.combine(PHASE_DATES[b], dt.time(9, 0)),
         "username": "运营总部", "override": o, "reason": r} for a, b, o, r in history])
    return len(checklist_store.codes(session, line_id))


def _evidence_day(item: dict[str, Any], n: int, as_of: dt.date) -> dt.date:
    """System and linkage checks before the assessment phase began; the rest before `as_of`."""
    end = PHASE_DATES["pre-opening-assessment"] if item["phase"] == "commissioning" else as_of
    return end - dt.timedelta(days=2 + n % 6)


@lru_cache(maxsize=2)
def _evidence(as_of: dt.date) -> dict[str, tuple[int, dt.date, str, bytes]]:
    """Each attested catalogue item's sample evidence: number, date, file name, content."""
    out = {}
    attested = [i for i in default_catalogue() if i.get("chapter") and not i.get("fao_only")]
    for n, item in enumerate(attested):
        day = _evidence_day(item, n, as_of)
        title = EVIDENCE_TITLES.get(item["id"], item["id"])
        out[item["id"]] = (n, day, f"{item['id']} {title}.txt", (
            f"{LINE_TITLE}\n{item['text_zh']}\n"
            f"文号：示范地铁〔2026〕{300 + n}号    日期：{day.isoformat()}\n"
            "（示例证据文件：内容为虚构，仅用于演示）\n").encode("utf-8"))
    return out


def evidence_files(as_of: dt.date) -> dict[str, bytes]:
    """The sample evidence `readiness demo` writes, file name → content: one short text per
    attested item that the sample line verifies."""
    return {name: content for code, (_, _, name, content) in _evidence(as_of).items()
            if code not in NOT_APPLICABLE and code != OPEN_ITEM}


def _attest(session: WriteSession, items: list[dict[str, Any]], heads: dict[str, str],
            safety_officer: str, as_of: dt.date) -> None:
    """Each attested item: owner and due date, then its evidence file (name and SHA-256) and a
    verifier other than the owner; held to the same status rules as `checklist set/verify`."""
    evidence = _evidence(as_of)
    for item in items:
        n, day, name, content = evidence[item["id"]]
        unit = OWNER_UNITS.get(item["owner_kind"] or "", "HQ")
        owner = heads[unit]
        verifier = safety_officer if owner != safety_officer else heads["C"]
        changes: dict[str, Any] = {"owner_unit": unit, "owner": owner, "due": day}
        if item["id"] in NOT_APPLICABLE:
            changes.update(status="not-applicable", na_reason=NOT_APPLICABLE[item["id"]],
                           due=None)
        elif item["id"] == OPEN_ITEM:
            changes.update(status="in-progress", due=OPEN_DUE,
                           note="导向标识补装：大学城站、机场东站换乘导向，责任人承诺完成日期")
        else:
            changes.update(status="verified", evidence_ref=f"示范地铁〔2026〕{300 + n}号",
                           evidence_file=name,
                           evidence_sha256=hashlib.sha256(content).hexdigest(),
                           verifier=verifier, verified_on=day)
        errors = status_errors({**item, **changes})
        if errors:
            _, key, params = errors[0]
            raise InvalidValue(key, **params)
        checklist_store.update_item(session, item, changes)
