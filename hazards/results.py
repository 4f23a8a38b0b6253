"""What the hazard register's library functions return: plain typed records, no storage rows.

Field names and order are the `--json` keys of `hazard list/show/add/evaluate/control add/
accept` (a contract: a key is never renamed, dropped or reordered), so a face prints a result
as it is. Dates are dates. Findings stay `Finding`s (their message is said in the reader's
language by the face: `--json` prints `Finding.as_dict()`). `register_row` and `full_hazard`
turn one hazard as the store and the checks see it (a dict) into a record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from readiness.findings import Finding


@dataclass(frozen=True, slots=True)
class Control:
    """A control measure. `id` names it in findings' evidence (weak controls)."""

    id: int
    type: str  # control_type code
    aspect: str | None  # control_aspect code
    description: str
    owner: str | None
    verification: str | None
    evidence: str | None
    verified: bool
    # the inspection handbook entry; None: a default (by type, description, the hazard's level)
    check_what: str | None = None
    check_how: str | None = None
    check_every_days: int | None = None


@dataclass(frozen=True, slots=True)
class Acceptance:
    """An acceptance of residual risk, as recorded: by a staff ID, at their unit's level."""

    accepted_by: str
    org_level: str
    accepted_on: dt.date
    valid_until: dt.date | None
    snapshot_hash: str  # of what was accepted; a material change voids the acceptance
    voided_at: dt.datetime | None
    void_reason: str | None


@dataclass(frozen=True, slots=True)
class NamedAcceptance(Acceptance):
    """An acceptance with the acceptor's name (None for an entry recorded before acceptances
    named a person by staff ID, or someone no longer in the organisation): what one hazard
    shows."""

    accepted_by_name: str | None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One dated evaluation of a hazard; a hazard's history keeps every one.

    `id` and `hazard_id` are row numbers kept only because `hazard show --json` has always
    carried them."""

    id: int
    hazard_id: int
    evaluated_on: dt.date
    method: str
    band_table: str | None
    factors: dict[str, Any]  # factor → scale value, e.g. {"L": 6, "E": 6, "C": 15}
    score: float | None
    level: str | None
    level_given: str | None  # the ledger's level, kept only when it disagrees with the score
    residual_factors: dict[str, Any]
    residual_score: float | None
    residual_level: str | None
    evaluator: str | None
    note: str | None
    score_given: float | None  # the ledger's own 风险值 / D (checked against the factors)
    basis: str | None  # 判别依据: the criterion of a direct judgement (method `direct`)


@dataclass(frozen=True, slots=True)
class HazardRecord:
    """One hazard with its latest evaluation, controls, acceptances and next review date: what
    a listing row and a hazard shown in full have in common."""

    id: str
    line: str
    location: str | None
    location_name: str | None
    location_kind: str | None
    specialty: str | None
    risk_category: str | None
    factor_category: str | None
    accident_type: str | None
    activity: str | None
    description: str | None
    causes: str | None
    consequences: str | None
    method: str | None
    band_table: str | None
    factors: dict[str, Any]
    score: float | None
    level: str | None
    level_given: str | None
    residual_factors: dict[str, Any]
    residual_score: float | None
    residual_level: str | None
    evaluated_on: dt.date | None
    evaluations: int  # how many dated evaluations it has
    controls: list[Control]
    owner_unit: str | None
    owner: str | None
    review_days: int | None
    last_review: dt.date | None
    linked_drills: list[str]
    status: str
    needs_reevaluation: bool
    acceptance: Acceptance | None
    voided_acceptances: list[Acceptance]
    next_review: dt.date | None
    accident_types: list[str]  # GB 6441 codes, in the ledger's order; accident_type is the first
    notes: str | None  # 备注, as the ledger wrote it
    score_given: float | None  # the latest evaluation's published 风险值 / D
    basis: str | None  # the latest evaluation's 判别依据 (a direct judgement)


@dataclass(frozen=True, slots=True)
class HazardRow(HazardRecord):
    """A hazard as `hazard list` gives it."""

    overdue: bool


@dataclass(frozen=True, slots=True)
class Hazard(HazardRecord):
    """A hazard as `hazard show` gives it (and every command that changes one): with the
    acceptor's name, its dated evaluations and what `hazard check` finds about it."""

    history: list[Evaluation]
    findings: list[Finding]


@dataclass(frozen=True, slots=True)
class RegisterCheck:
    """`hazard check`: how many hazards the line's register holds, and every finding."""

    hazards: int
    findings: list[Finding]


def _named(acc: dict[str, Any], people: dict[str, dict[str, Any]]) -> NamedAcceptance:
    person = people.get(acc["accepted_by"])
    return NamedAcceptance(**acc, accepted_by_name=person["name"] if person else None)


def _fields(h: dict[str, Any], next_review: dt.date | None) -> dict[str, Any]:
    fields = dict(h)  # the store's keys are the record's fields
    fields["controls"] = [Control(**c) for c in h["controls"]]
    fields["next_review"] = next_review
    return fields


def register_row(h: dict[str, Any], next_review: dt.date | None, overdue: bool) -> HazardRow:
    """A listing row from a hazard as the store gives it."""
    fields = _fields(h, next_review)
    acc = h["acceptance"]
    fields["acceptance"] = Acceptance(**acc) if acc else None
    fields["voided_acceptances"] = [Acceptance(**a) for a in h["voided_acceptances"]]
    return HazardRow(**fields, overdue=overdue)


def full_hazard(h: dict[str, Any], next_review: dt.date | None,
                history: list[dict[str, Any]], findings: list[Finding],
                people: dict[str, dict[str, Any]]) -> Hazard:
    """A hazard shown in full, acceptors named from `people` (by staff ID)."""
    fields = _fields(h, next_review)
    acc = h["acceptance"]
    fields["acceptance"] = _named(acc, people) if acc else None
    fields["voided_acceptances"] = [_named(a, people) for a in h["voided_acceptances"]]
    return Hazard(**fields, history=[Evaluation(**e) for e in history], findings=findings)
