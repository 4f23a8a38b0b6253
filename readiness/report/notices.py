"""Major-risk notices (重大风险公告): one A4 page per place with a major current risk, to print and
post at the place — each major risk, its controls, the responsible person, the emergency measures
and whom to call.

`notice_pages` is pure (the register, the organisation and the drill catalogue in; plain data
out); `render_notices` renders them with `templates/notice.html` (Jinja2, autoescaped). Phone
numbers are not kept in the store: each contact has a labelled blank line to fill in by hand.
"""

from __future__ import annotations

from typing import Any

from readiness import vocab
from readiness.report.riskmap import current_level


def _person(people: dict[str, Any], units: dict[str, Any], code: str | None) -> dict[str, Any]:
    """A person by staff ID as the notice names them (an unknown code: as written)."""
    found = people.get(code or "")
    if not found:
        return {"staff_id": code, "name": code or "", "post": None, "unit": None}
    unit = units.get(found.get("unit_code") or "") or {}
    return {"staff_id": code, "name": found.get("name") or code, "post": found.get("post"),
            "unit": unit.get("name") or found.get("unit_code")}


def notice_pages(locations: list[dict[str, Any]], register: list[dict[str, Any]],
                 people: dict[str, Any], units: dict[str, Any],
                 scenarios: list[dict[str, Any]], lang: str = "zh") -> list[dict[str, Any]]:
    """The notices, one per place that has a hazard at major current level, in line order.

    Each: `place` (code, name, kind), `risks` (each major hazard: id, description, accident
    types, controls, responsible person, emergency measures — its emergency controls and the
    drill scenarios linked to it with their plan tier —) and `contacts` (each responsible person
    and the head of each owner unit, once)."""
    zh = lang == "zh"
    by_id = {s["id"]: s for s in scenarios}
    majors: dict[str, list[dict[str, Any]]] = {}
    for h in register:
        if current_level(h) == "major" and h.get("location"):
            majors.setdefault(h["location"], []).append(h)
    pages = []
    ordered = sorted(locations, key=lambda loc: (loc.get("seq") is None, loc.get("seq") or 0,
                                                 loc["code"]))
    for loc in ordered:
        hazards = sorted(majors.get(loc["code"], []), key=lambda h: h["id"])
        if not hazards:
            continue
        risks, contacts, seen = [], [], set()

        def contact(role: str, code: str | None, unit_name: str | None = None) -> None:
            if not code or (role, code) in seen:
                return
            seen.add((role, code))
            person = _person(people, units, code)
            contacts.append({**person, "role": role, "unit": person["unit"] or unit_name})

        for h in hazards:
            unit = units.get(h.get("owner_unit") or "") or {}
            types = list(h.get("accident_types") or
                         ([h["accident_type"]] if h.get("accident_type") else []))
            drills = []
            for code in h.get("linked_drills") or []:
                s = by_id.get(code)
                name = ((s.get("name_zh") if zh else s.get("name_en")) or s.get("name_zh")
                        if s else None)
                drills.append({"id": code, "name": name or code,
                               "tier": vocab.label("drill_tier", s["tier"], lang)
                               if s and s.get("tier") else None,
                               "on_site": bool(s and s.get("tier") == "on-site")})
            risks.append({
                "id": h["id"], "description": h.get("description") or "",
                "activity": h.get("activity"), "consequences": h.get("consequences"),
                "level": vocab.label("risk_level", "major", lang),
                "inherent": vocab.label("risk_level", h["level"], lang) if h.get("level") else None,
                "accident_types": [vocab.label("accident_type", a, lang) for a in types],
                "controls": [{"type": vocab.label("control_type", c["type"], lang)
                              if c.get("type") else "", "description": c["description"]}
                             for c in h.get("controls") or [] if c.get("type") != "emergency"],
                "emergency": [c["description"] for c in h.get("controls") or []
                              if c.get("type") == "emergency"],
                "drills": drills,
                "responsible": _person(people, units, h.get("owner")) if h.get("owner") else None,
                "owner_unit": unit.get("name") or h.get("owner_unit"),
            })
            contact("owner", h.get("owner"))
            contact("head", unit.get("head_staff_id"), unit.get("name"))
        pages.append({"place": {"code": loc["code"], "name": loc.get("name") or loc["code"],
                                "kind": vocab.label("location_kind", loc.get("kind"), lang)
                                if loc.get("kind") else ""},
                      "risks": risks, "contacts": contacts})
    return pages


def render_notices(pages: list[dict[str, Any]], line: str, lang: str = "zh",
                   template_dir: str | None = None) -> str:
    """The notices as one printable HTML file (A4, a page per place)."""
    from readiness.report.html import LEVEL_COLOURS, environment
    from readiness.report.riskmap import FONT

    env = environment(template_dir)
    return str(env.get_template("notice.html").render(
        pages=pages, line=line, lang=lang, zh=lang == "zh", red=LEVEL_COLOURS["major"],
        font=FONT))
