"""The organisation workbook (readiness template org): 单位 Units, 人员 People, 责任状 Letters."""

from __future__ import annotations

from typing import Any

from readiness.errors import Problem
from readiness.importing import future_dates
from readiness.xlsx.spec import Column, ImportContext, SheetData, SheetSpec, TemplateKind
from readiness.store import org as org_store

UNITS = SheetSpec(
    key="units", zh="单位", en="Units", synonyms=("组织机构", "部门"),
    columns=(
        Column("code", "编号", "ID", required=True, synonyms=("单位编号", "部门编号"), example="TM-KY1-01"),
        Column("name", "名称", "Name", required=True, synonyms=("单位名称", "部门名称"),
               example="龙湖公园站务班组", width=26),
        Column("level", "层级", "Level", "code:org_level", required=True, example="team"),
        Column("parent", "上级", "Parent", synonyms=("上级单位",), example="DV-KY1",
               note_zh="上级单位编号；公司留空", note_en="parent unit ID; blank for the company"),
        Column("head", "负责人", "Head", synonyms=("负责人工号",), example="900101",
               note_zh="负责人工号", note_en="staff ID of the head"),
        Column("posts", "岗位设置", "Posts", "list", example="班组长|值班站长|站务员", width=30),
    ),
)

PEOPLE = SheetSpec(
    key="people", zh="人员", en="People", key_column="staff_id", synonyms=("员工", "人员名单"),
    columns=(
        Column("staff_id", "工号", "Staff ID", required=True, synonyms=("员工编号",), example="900101"),
        Column("name", "姓名", "Name", required=True, example="王建国"),
        Column("unit", "单位", "Unit", required=True, synonyms=("所在单位", "部门"), example="TM-KY1-01"),
        Column("post", "岗位", "Post", example="值班站长"),
        Column("education_company", "公司级教育", "Company-level education", "date",
               example="2026-03-02"),
        Column("education_centre", "中心级教育", "Centre-level education", "date",
               example="2026-03-16"),
        Column("education_team", "班组级教育", "Team-level education", "date", example="2026-04-01"),
    ),
)

LETTERS = SheetSpec(
    key="letters", zh="责任状", en="Letters", key_column=None, synonyms=("安全生产责任状", "责任书"),
    columns=(
        Column("signer", "下级", "Signer", required=True, synonyms=("签订方", "下级单位或工号"),
               example="TM-KY1-01", note_zh="下级单位编号或员工工号",
               note_en="unit ID or staff ID"),
        Column("countersigner", "上级", "Counter-signer", required=True, synonyms=("上级单位",),
               example="DV-KY1"),
        Column("signed_on", "签订日期", "Signed", "date", required=True, example="2026-01-08"),
        Column("valid_until", "有效期至", "Valid until", "date", required=True, example="2026-12-31"),
        Column("signatories", "签字人", "Signatories", example="王建国 / 李明", width=24),
    ),
)


def check(ctx: ImportContext, sheets: dict[str, SheetData]) -> list[Problem]:
    """Every reference of the workbook, against the file and the store together."""
    units, people, letters = sheets["units"], sheets["people"], sheets["letters"]
    index = org_store.org_index(ctx.session)
    all_units = set(index["units"]) | {r.values["code"] for r in units.rows if r.values.get("code")}
    all_people = set(index["people"]) | {r.values["staff_id"] for r in people.rows
                                         if r.values.get("staff_id")}
    ctx.state["people"] = all_people
    problems: list[Problem] = [
        *future_dates(people, ("education_company", "education_centre", "education_team"),
                      ctx.as_of),
        *future_dates(letters, ("signed_on",), ctx.as_of)]
    for row in units.rows:
        parent, head = row.values.get("parent"), row.values.get("head")
        if parent and parent not in all_units:
            problems.append(units.problem(row, "parent", "org.unknown_unit", value=parent))
        if head and head not in all_people:
            problems.append(units.problem(row, "head", "org.unknown_person", value=head))
    for row in people.rows:
        unit = row.values.get("unit")
        if unit and unit not in all_units:
            problems.append(people.problem(row, "unit", "org.unknown_unit", value=unit))
    for row in letters.rows:
        signer, counter = row.values.get("signer"), row.values.get("countersigner")
        if signer and signer not in all_units and signer not in all_people:
            problems.append(letters.problem(row, "signer", "org.unknown_signer", value=signer))
        if counter and counter not in all_units:
            problems.append(letters.problem(row, "countersigner", "org.unknown_unit",
                                            value=counter))
        start, end = row.values.get("signed_on"), row.values.get("valid_until")
        if start and end and end < start:
            problems.append(letters.problem(row, "valid_until", "org.letter_ends_before_start",
                                            signed=start.isoformat()))
    return problems


def write(session: Any, ctx: ImportContext, sheets: dict[str, SheetData]) -> dict[str, int]:
    counts = org_store.upsert_units(session, [r.values for r in sheets["units"].rows])
    for more in (org_store.upsert_people(session, [r.values for r in sheets["people"].rows]),
                 org_store.upsert_letters(session, [r.values for r in sheets["letters"].rows],
                                          ctx.state["people"])):
        for key in counts:
            counts[key] += more[key]
    return counts


ORG_TEMPLATE = TemplateKind(
    kind="org", title_zh="组织机构与安全生产责任状", title_en="Organisation and responsibility letters",
    sheets=(UNITS, PEOPLE, LETTERS), check=check, write=write, needs_line=False, stream=False,
    instructions_zh=(
        "单位：公司 → 总部 → 中心 → 分部 → 班组，每个单位填写上级单位编号、负责人工号与岗位设置。",
        "人员：每人一行，填写所在单位、岗位及三级安全教育（公司级、中心级、班组级）完成日期。",
        "责任状：下级（单位编号或员工工号）与上级单位逐级签订，填写签订日期与有效期。",
        "再次导入相同编号/工号会更新，不会重复；同一下级、上级与签订日期的责任状视为同一份。"),
    instructions_en=(
        "Units: company → HQ → centre → division → team; give each unit its parent's ID, its "
        "head's staff ID and its posts.",
        "People: one per row, with unit, post and the dates of the three levels of safety "
        "education (company, centre, team).",
        "Letters: signed level by level between a signer (unit ID or staff ID) and the unit "
        "above, with the date signed and the date it runs to.",
        "Re-importing a known ID or staff ID updates it; a letter with the same signer, "
        "counter-signer and date is the same letter."),
)
