"""`org check` on small hand-made organisations: each code tripped, and a clean one with none."""

from __future__ import annotations

import datetime as dt

import pytest

from readiness.org.graph import CODES, Org, check_org

AS_OF = dt.date(2026, 11, 23)
YEAR = {"signed_on": dt.date(2026, 1, 8), "valid_until": dt.date(2026, 12, 31)}


def unit(code, level, parent, head, posts=()):
    return {"code": code, "name": f"单位{code}", "level": level, "parent_code": parent,
            "head_staff_id": head, "posts": list(posts)}


def person(staff_id, unit_code, post="员工", **edu):
    data = {"staff_id": staff_id, "name": f"员工{staff_id}", "unit_code": unit_code, "post": post,
            "education_company": dt.date(2026, 3, 1), "education_centre": dt.date(2026, 3, 15),
            "education_team": dt.date(2026, 4, 1)}
    data.update(edu)
    return data


def clean() -> tuple[dict, dict, list]:
    units = {u["code"]: u for u in [
        unit("C", "company", None, "1", ["总经理"]), unit("HQ", "hq", "C", "2", ["总部经理"]),
        unit("CT", "centre", "HQ", "3", ["中心主任"]), unit("DV", "division", "CT", "4", ["分部经理"]),
        unit("TM", "team", "DV", "5", ["班组长", "站务员"])]}
    people = {p["staff_id"]: p for p in [
        person("1", "C", "总经理"), person("2", "HQ", "总部经理"), person("3", "CT", "中心主任"),
        person("4", "DV", "分部经理"), person("5", "TM", "班组长"), person("6", "TM", "站务员"),
        person("7", "TM", "站务员")]}
    letters = [{"signer": c, "countersigner": u["parent_code"], **YEAR}
               for c, u in units.items() if u["parent_code"]]
    letters += [{"signer": s, "countersigner": p["unit_code"], **YEAR} for s, p in people.items()]
    return units, people, letters


def codes_of(units, people, letters, owned=(), **limits) -> list[str]:
    limits = {"major_hazards_per_person": 6, "major_hazards_per_unit": 20, **limits}
    return [f.code for f in check_org(Org(units, people, letters), AS_OF, list(owned), limits)]


def test_a_clean_organisation_has_no_findings() -> None:
    assert codes_of(*clean()) == []


def test_multiple_roots() -> None:
    units, people, letters = clean()
    units["X"] = unit("X", "company", None, "1")
    assert codes_of(units, people, letters) == ["org.multiple-roots"]


def test_cycle() -> None:
    units, people, letters = clean()
    units["A"] = unit("A", "division", "B", "4")
    units["B"] = unit("B", "team", "A", "5")
    letters += [{"signer": "A", "countersigner": "B", **YEAR},
                {"signer": "B", "countersigner": "A", **YEAR}]
    found = check_org(Org(units, people, letters), AS_OF)
    assert [f.code for f in found] == ["org.cycle", "org.level-not-below-parent"]
    assert found[0].message("en") == "the parent chain forms a cycle: A → B → A"


def test_level_not_below_parent_and_skipping_a_level_is_fine() -> None:
    units, people, letters = clean()
    units["TM"]["level"] = "centre"
    found = check_org(Org(units, people, letters), AS_OF)
    assert [f.message("en") for f in found] == [
        "TM (Centre) is not below its parent DV (Division)"]
    units, people, letters = clean()
    units["TM"]["parent_code"] = "CT"  # a team straight under a centre
    letters = [x for x in letters if x["signer"] != "TM"] + [
        {"signer": "TM", "countersigner": "CT", **YEAR}]
    assert codes_of(units, people, letters) == []


def test_unreachable_unit() -> None:
    units, people, letters = clean()
    units["Y"] = unit("Y", "team", "Z", "5")
    units["Z"] = unit("Z", "division", "Y", "4")
    units["W"] = unit("W", "team", "Z", "5")
    letters += [{"signer": "W", "countersigner": "Z", **YEAR},
                {"signer": "Y", "countersigner": "Z", **YEAR},
                {"signer": "Z", "countersigner": "Y", **YEAR}]
    assert "org.unreachable" in codes_of(units, people, letters)


def test_vacant_post_and_missing_head() -> None:
    units, people, letters = clean()
    units["TM"]["posts"].append("值班站长")
    units["DV"]["head_staff_id"] = "99"
    assert codes_of(units, people, letters) == ["org.head-missing", "org.post-vacant"]


@pytest.mark.parametrize("change,code", [
    ({"valid_until": dt.date(2026, 11, 22)}, "org.letter-expired"),
    ({"signed_on": dt.date(2026, 11, 24)}, "org.letter-not-yet-valid"),
    (None, "org.letter-missing")])
def test_letters_between_unit_and_parent_and_person_and_unit(change, code) -> None:
    for signer in ("DV", "6"):
        units, people, letters = clean()
        letter = next(x for x in letters if x["signer"] == signer)
        if change is None:
            letters.remove(letter)
        else:
            letter.update(change)
        assert codes_of(units, people, letters) == [code], signer


def test_letter_valid_on_its_first_and_last_day_and_renewal_counts() -> None:
    units, people, letters = clean()
    next(x for x in letters if x["signer"] == "6")["valid_until"] = AS_OF
    next(x for x in letters if x["signer"] == "7")["signed_on"] = AS_OF
    assert codes_of(units, people, letters) == []
    old = next(x for x in letters if x["signer"] == "5")
    old["valid_until"] = dt.date(2025, 12, 31)
    letters.append({"signer": "5", "countersigner": "TM", **YEAR})  # renewed
    assert codes_of(units, people, letters) == []


def test_education_gaps_name_the_levels() -> None:
    units, people, letters = clean()
    people["6"]["education_team"] = None
    people["6"]["education_company"] = None
    found = check_org(Org(units, people, letters), AS_OF)
    assert [f.code for f in found] == ["org.education-missing"]
    assert [f.message("en") for f in found] == ["6 员工6 lacks safety education: Company level, Team level"]
    assert found[0].message("zh") == "6 员工6 缺少公司级, 班组级安全教育"


def test_owner_not_in_org() -> None:
    owned = [{"kind": "hazard", "subject": "H-1", "owner_unit": "TM", "owner": "6"},
             {"kind": "pdca", "subject": "P-1", "owner_unit": "GONE", "owner": "6"},
             {"kind": "drill", "subject": "R-1", "owner_unit": "TM", "owner": "404"}]
    found = check_org(Org(*clean()), AS_OF, owned)
    assert [f.code for f in found] == ["org.owner-not-in-org"] * 2
    assert [f.message("en") for f in found] == [
        "PDCA item P-1 is owned by 'GONE', who is not in the organisation",
        "drill R-1 is owned by '404', who is not in the organisation"]


def test_concentration_of_major_hazards_and_sole_holders() -> None:
    owned = [{"kind": "hazard", "subject": f"H-{i}", "owner_unit": "TM", "owner": "6",
              "level": "major"} for i in range(3)]
    assert codes_of(*clean(), owned, major_hazards_per_person=2) == ["org.concentration"]
    assert codes_of(*clean(), owned, major_hazards_per_unit=2) == ["org.concentration"]
    assert codes_of(*clean(), owned) == []  # 6 and 7 are both 站务员: a deputy exists
    owned[0]["owner"] = "5"  # the only 班组长 carries a major hazard
    assert codes_of(*clean(), owned) == ["org.sole-holder"]


def test_every_code_is_exercised_here() -> None:
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    assert all(code in source for code in CODES)
