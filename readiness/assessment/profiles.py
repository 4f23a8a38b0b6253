"""Criteria profiles as data (readiness/data/profiles/*.toml), one file per edition.

A profile lists criteria (ID, area, rule, blocking or conditional, source clause, thresholds). It
may `extends` another: criteria with the same ID replace the parent's, new ones are added. A line
may register its own profile (kept in the line's settings) that extends a shipped one.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from readiness import vocab
from readiness.errors import InvalidValue, ReadinessError

SHIPPED = ("mot-2019", "mot-2023", "mot-2023-fao")
RULES = {"trial-duration", "consecutive-days", "indicator", "hazards-scored", "hazards-controls",
         "major-hazards-accepted", "hazard-reviews", "must-do-drills", "drill-coverage",
         "other-drills", "no-open-blocking", "open-due-dated", "overdue-items",
         "organisation-valid", "education", "checklist-blocking", "checklist-open",
         "phase-overrides"}


def _shipped(name: str) -> dict[str, Any]:
    text = resources.files("readiness").joinpath(f"data/profiles/{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


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


def validate(data: dict[str, Any], partial: bool = False) -> None:
    if not data.get("id"):
        raise InvalidValue("profile.invalid", reason="no id")
    for c in data.get("criteria", []):
        where = f"{data['id']}/{c.get('id', '?')}"
        if not c.get("id") or c.get("rule") not in RULES:
            raise InvalidValue("profile.invalid", reason=f"{where}: unknown rule {c.get('rule')}")
        if c.get("area") not in vocab.codes("assessment_area"):
            raise InvalidValue("profile.invalid", reason=f"{where}: unknown area {c.get('area')}")
        if c["rule"] == "indicator" and (c.get("op") not in (">=", "<=")
                                         or not isinstance(c.get("threshold"), (int, float))):
            raise InvalidValue("profile.invalid", reason=f"{where}: op and threshold")
        if not isinstance(c.get("blocking"), bool):
            raise InvalidValue("profile.invalid", reason=f"{where}: blocking must be true/false")


def load_profile(name: str, custom: dict[str, str] | None = None) -> dict[str, Any]:
    """The profile `name` with every criterion, its parents' merged in."""
    custom = custom or {}
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
    base = load_profile(parent, {k: v for k, v in custom.items() if k != name})
    merged = {c["id"]: c for c in base["criteria"]}
    for c in data.get("criteria", []):
        merged[c["id"]] = {**merged.get(c["id"], {}), **c}
    return {**base, **{k: v for k, v in data.items() if k != "criteria"},
            "criteria": list(merged.values())}
