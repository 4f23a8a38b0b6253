"""Criteria profiles as data (readiness/data/profiles/*.toml), one file per edition of the
assessment specification.

A profile lists criteria (ID, area, chapter of the spec, rule, blocking or conditional, basis,
thresholds). It may `extends` another: criteria with the same ID replace the parent's, new ones
are added. A line may register its own profile (kept in the line's settings) that extends a
shipped one. An edition that has been replaced is marked `superseded_by` (the profile that
replaced it) with its `source` document, and is kept only for lines assessed under it.

Every criterion's `basis` is checked against the source documents (`readiness.sources`). A line's
own profile written before criteria had a basis may still give a free-text `clause`: it is read
as the operator's own rule with that text as its article.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from readiness import sources, vocab
from readiness.errors import InvalidValue, ReadinessError

SHIPPED = ("mot-2019", "mot-2023", "mot-2023-fao")
RULES = {"trial-duration", "consecutive-days", "indicator", "hazards-scored", "hazards-controls",
         "major-hazards-accepted", "hazard-reviews", "must-do-drills", "drill-coverage",
         "other-drills", "no-open-blocking", "open-due-dated", "overdue-items",
         "organisation-valid", "education", "checklist-blocking", "checklist-open",
         "phase-overrides", "attested", "fao-window"}
CHAPTERS = tuple(vocab.codes("assessment_chapter"))


@lru_cache(maxsize=None)
def _shipped_text(name: str) -> str:
    return resources.files("readiness").joinpath(f"data/profiles/{name}.toml").read_text("utf-8")


def _shipped(name: str) -> dict[str, Any]:
    return tomllib.loads(_shipped_text(name))


def read_profile_file(path: str | Path) -> str:
    """The text of a profile file: it must exist, be a file (not a folder) and be UTF-8."""
    file = Path(path)
    if not file.is_file():
        raise ReadinessError("profile.no_file", path=str(path))
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ReadinessError("profile.unreadable", path=str(path), reason="not UTF-8 text") from None
    except OSError as exc:  # permissions, a device gone
        raise ReadinessError("profile.unreadable", path=str(path),
                             reason=exc.strerror or type(exc).__name__) from None


def parse_profile(text: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidValue("profile.invalid", reason=str(exc)) from None
    validate(data, partial=bool(data.get("extends")))
    return data


def _basis_error(where: str, err: sources.SourceDataError) -> InvalidValue:
    if err.key == "sources.unknown_document":
        why = f"basis cites an unknown document {err.params.get('source')}"
    elif err.key == "sources.no_basis":
        why = "basis must be a non-empty list of {source, article, kind}"
    else:
        why = f"basis: {err.params.get('reason')}"
    return InvalidValue("profile.invalid", reason=f"{where}: {why}")


def validate(data: dict[str, Any], partial: bool = False) -> None:
    """Each criterion's rule, area, chapter, thresholds, blocking and basis. A whole profile
    (not `partial`, i.e. not one that extends another) needs a chapter and a basis on every
    criterion; a line's own profile may give a `clause` instead of a basis."""
    if not data.get("id"):
        raise InvalidValue("profile.invalid", reason="no id")
    for c in data.get("criteria", []):
        where = f"{data['id']}/{c.get('id', '?')}"
        if not c.get("id") or c.get("rule") not in RULES:
            raise InvalidValue("profile.invalid", reason=f"{where}: unknown rule {c.get('rule')}")
        if c.get("area") not in vocab.codes("assessment_area"):
            raise InvalidValue("profile.invalid", reason=f"{where}: unknown area {c.get('area')}")
        if "chapter" in c and c["chapter"] not in CHAPTERS:
            raise InvalidValue("profile.invalid", reason=f"{where}: unknown chapter {c['chapter']}"
                               f" (one of {', '.join(CHAPTERS)})")
        if c["rule"] == "indicator" and (c.get("op") not in (">=", "<=")
                                         or not isinstance(c.get("threshold"), (int, float))):
            raise InvalidValue("profile.invalid", reason=f"{where}: op and threshold")
        if not isinstance(c.get("blocking"), bool):
            raise InvalidValue("profile.invalid", reason=f"{where}: blocking must be true/false")
        if "basis" in c:
            try:
                sources.check_refs(c["basis"], where)
            except sources.SourceDataError as err:
                raise _basis_error(where, err) from None
    if data.get("source") and data["source"] not in sources.documents():
        raise InvalidValue("profile.invalid",
                           reason=f"{data['id']}: source {data['source']} is not a known document")


@lru_cache(maxsize=1)
def area_chapters() -> dict[str, str]:
    """The chapter each area's criteria belong to in the shipped profiles: where a line's own
    criterion that names no chapter is placed."""
    out: dict[str, str] = {}
    for name in SHIPPED:
        for c in _shipped(name).get("criteria", []):
            if c.get("chapter"):
                out.setdefault(c["area"], c["chapter"])
    return out


def _normalised(c: dict[str, Any], where: str) -> dict[str, Any]:
    """A criterion with its basis checked (a free-text `clause` read as operator policy, no
    basis at all as the operator's own rule) and its chapter (by its area when not given)."""
    out = dict(c)
    if c.get("basis"):
        try:
            out["basis"] = sources.check_refs(c["basis"], where)
        except sources.SourceDataError as err:
            raise _basis_error(where, err) from None
    else:
        out["basis"] = [{"source": "OPERATOR-POLICY", "article": str(c.get("clause") or ""),
                         "kind": "operator-policy", "verified": False}]
    out["chapter"] = c.get("chapter") or area_chapters().get(c["area"], "operational-readiness")
    return out


def load_profile(name: str, custom: dict[str, str] | None = None) -> dict[str, Any]:
    """The profile `name` with every criterion, its parents' merged in, each with its basis
    and chapter."""
    data = _load(name, custom or {})
    return {**data, "criteria": [_normalised(c, f"{name}/{c['id']}") for c in data["criteria"]]}


def _load(name: str, custom: dict[str, str]) -> dict[str, Any]:
    if name in custom:
        data = parse_profile(custom[name])
    elif name in SHIPPED:
        data = _shipped(name)
    else:
        raise InvalidValue("profile.unknown", name=name, known=", ".join([*SHIPPED, *custom]))
    parent = data.get("extends")
    if not parent:
        return data
    if parent == name:
        raise InvalidValue("profile.invalid", reason=f"{name} extends itself")
    base = _load(parent, {k: v for k, v in custom.items() if k != name})
    merged = {c["id"]: c for c in base["criteria"]}
    for c in data.get("criteria", []):
        old = merged.get(c["id"], {})
        if "clause" in c and "basis" not in c:  # a line's own clause replaces the parent's basis
            old = {k: v for k, v in old.items() if k != "basis"}
        merged[c["id"]] = {**old, **c}
    return {**base, **{k: v for k, v in data.items() if k != "criteria"},
            "criteria": list(merged.values())}


def superseded(name: str, custom: dict[str, str] | None = None) -> dict[str, Any] | None:
    """For a profile of an edition that has been replaced (its own or a parent's
    `superseded_by`): the profile, the replacing profile, and both documents by number; else
    None. An unknown profile is None here (choosing it is refused elsewhere)."""
    try:
        data = _load(name, custom or {})
    except ReadinessError:
        return None
    return superseded_of(name, data)


def superseded_of(name: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """`superseded` of a profile already loaded."""
    replacement = data.get("superseded_by")
    if not replacement:
        return None
    docs = sources.documents()
    source = data.get("source")
    newer = sources.superseded(source) if source in docs else None
    return {"profile": name, "superseded_by": replacement,
            "document": docs[source]["number"] if source in docs else "",
            "replacement": docs[newer]["number"] if newer else replacement}


def superseded_notice(profile: str, superseded_by: str | None = None,
                      lang: str | None = None) -> str | None:
    """The one line `init`, `line set`, `assess` and the reports give when `profile` follows a
    superseded edition (None when it does not); `superseded_by` names the replacing profile of a
    line's own profile that extends a superseded one."""
    from readiness.i18n import t

    info = superseded(profile)
    if info is None and superseded_by:
        info = {"profile": profile, "document": profile, "replacement": superseded_by}
    if info is None:
        return None
    return t("profile.superseded", lang, profile=info["profile"], document=info["document"],
             replacement=info["replacement"])
