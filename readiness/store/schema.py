"""The store's domain model as ORM classes: the whole of a line's opening readiness.

Each class maps onto its table in `tables.py` (the one definition of columns, constraints and
indexes); the classes add typed attributes and relationships for the writes that work on
objects. Queries that only read use the tables directly (see `Store.read_rows`).

Coded columns hold the stable English codes of data/codes.toml. History is appended, never
overwritten: hazard evaluations, PDCA transitions, phase changes, assessment snapshots and the
audit log are all rows that are only ever added.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from readiness.store import tables
from readiness.store.tables import NAMING, RawJSON  # noqa: F401 - where callers found them


class Base(DeclarativeBase):
    metadata = tables.metadata


# --- line and places -----------------------------------------------------------------------

class Line(Base):
    __table__ = tables.lines
    id: Mapped[int]
    name: Mapped[str]
    planned_opening: Mapped[dt.date | None]
    handover_date: Mapped[dt.date | None]  # 三权移交
    profile: Mapped[str]
    phase: Mapped[str]
    fully_automatic: Mapped[bool]
    scoring_method: Mapped[str]
    band_table: Mapped[str | None]
    settings: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]


class Location(Base):
    __table__ = tables.locations
    id: Mapped[int]
    line_id: Mapped[int]
    code: Mapped[str]
    name: Mapped[str]
    kind: Mapped[str]
    seq: Mapped[int]
    note: Mapped[str | None]


class PhaseChange(Base):
    __table__ = tables.phase_changes
    id: Mapped[int]
    line_id: Mapped[int]
    from_phase: Mapped[str]
    to_phase: Mapped[str]
    at: Mapped[dt.datetime]
    username: Mapped[str]
    override: Mapped[bool]
    reason: Mapped[str | None]


# --- organisation (company-wide: one operator may run several lines) -------------------------

class OrgUnit(Base):
    __table__ = tables.org_units
    id: Mapped[int]
    code: Mapped[str]
    name: Mapped[str]
    level: Mapped[str]
    # Not a foreign key: a broken parent (missing, cyclic) is a finding of `org check`, not a crash.
    parent_code: Mapped[str | None]
    head_staff_id: Mapped[str | None]
    posts: Mapped[list[Any]]


class Person(Base):
    __table__ = tables.people
    id: Mapped[int]
    staff_id: Mapped[str]
    name: Mapped[str]
    unit_code: Mapped[str]
    post: Mapped[str | None]
    education_company: Mapped[dt.date | None]  # 三级安全教育
    education_centre: Mapped[dt.date | None]
    education_team: Mapped[dt.date | None]


class ResponsibilityLetter(Base):
    """安全生产责任状: signed by a unit or a person, counter-signed by the unit above."""

    __table__ = tables.responsibility_letters
    id: Mapped[int]
    signer: Mapped[str]  # unit code or staff ID
    signer_is_person: Mapped[bool]
    countersigner: Mapped[str]  # unit code
    signed_on: Mapped[dt.date]
    valid_until: Mapped[dt.date]
    signatories: Mapped[str | None]


# --- hazards ---------------------------------------------------------------------------------

class Hazard(Base):
    __table__ = tables.hazards
    id: Mapped[int]
    line_id: Mapped[int]
    code: Mapped[str]
    location_id: Mapped[int | None]
    specialty: Mapped[str | None]
    risk_category: Mapped[str | None]
    factor_category: Mapped[str | None]
    accident_type: Mapped[str | None]  # the first of accident_types
    accident_types: Mapped[list[Any]]  # GB 6441 codes
    activity: Mapped[str | None]
    description: Mapped[str]
    causes: Mapped[str | None]
    consequences: Mapped[str | None]
    owner_unit: Mapped[str | None]
    owner: Mapped[str | None]  # staff ID
    review_days: Mapped[int | None]
    last_review: Mapped[dt.date | None]
    status: Mapped[str]
    linked_drills: Mapped[list[Any]]  # scenario codes
    needs_reevaluation: Mapped[bool]
    notes: Mapped[str | None]
    evaluations: Mapped[list[HazardEvaluation]] = relationship(
        back_populates="hazard", order_by="HazardEvaluation.id")


class HazardEvaluation(Base):
    """One dated scoring of a hazard, inherent and residual; never updated once written."""

    __table__ = tables.hazard_evaluations
    id: Mapped[int]
    hazard_id: Mapped[int]
    evaluated_on: Mapped[dt.date]
    method: Mapped[str]
    band_table: Mapped[str | None]
    factors: Mapped[dict[str, Any]]  # e.g. {"L": 6, "E": 6, "C": 15}
    score: Mapped[float | None]
    level: Mapped[str | None]
    level_given: Mapped[str | None]
    score_given: Mapped[float | None]
    basis: Mapped[str | None]
    residual_factors: Mapped[dict[str, Any]]
    residual_score: Mapped[float | None]
    residual_level: Mapped[str | None]
    evaluator: Mapped[str | None]
    note: Mapped[str | None]
    hazard: Mapped[Hazard] = relationship(back_populates="evaluations")


class ControlMeasure(Base):
    __table__ = tables.control_measures
    id: Mapped[int]
    hazard_id: Mapped[int]
    control_type: Mapped[str]  # hierarchy of controls
    aspect: Mapped[str | None]  # 人机环管
    description: Mapped[str]
    owner: Mapped[str | None]
    verification: Mapped[str | None]
    evidence: Mapped[str | None]
    verified: Mapped[bool]
    check_what: Mapped[str | None]
    check_how: Mapped[str | None]
    check_every_days: Mapped[int | None]


class HazardAcceptance(Base):
    """Acceptance of a residual risk; voided, never deleted, by a later material change."""

    __table__ = tables.hazard_acceptances
    id: Mapped[int]
    hazard_id: Mapped[int]
    accepted_by: Mapped[str]
    org_level: Mapped[str]
    accepted_on: Mapped[dt.date]
    valid_until: Mapped[dt.date | None]
    snapshot: Mapped[dict[str, Any]]
    snapshot_hash: Mapped[str]
    voided_at: Mapped[dt.datetime | None]
    void_reason: Mapped[str | None]


# --- drills ----------------------------------------------------------------------------------

class DrillScenario(Base):
    __table__ = tables.drill_scenarios
    id: Mapped[int]
    line_id: Mapped[int]
    code: Mapped[str]
    name_zh: Mapped[str]
    name_en: Mapped[str]
    category: Mapped[str]
    tier: Mapped[str]
    forms: Mapped[list[Any]]
    venue: Mapped[str]
    unit_kinds: Mapped[list[Any]]
    objectives: Mapped[str | None]
    objectives_en: Mapped[str | None]
    fao_only: Mapped[bool]
    source: Mapped[str | None]
    hazard_categories: Mapped[list[Any]]
    importance: Mapped[int]
    likelihood: Mapped[int]
    report_required: Mapped[bool]
    pinned: Mapped[bool | None]  # True pin, False unpin, None ranked
    basis: Mapped[list[Any] | None]
    required_by_regulation: Mapped[bool]
    tasks: Mapped[list[CriticalTask]] = relationship(
        back_populates="scenario", order_by="CriticalTask.seq", cascade="all, delete-orphan")


class CriticalTask(Base):
    __table__ = tables.critical_tasks
    id: Mapped[int]
    scenario_id: Mapped[int]
    code: Mapped[str]
    seq: Mapped[int]
    name_zh: Mapped[str]
    name_en: Mapped[str]
    time_standard_min: Mapped[float | None]
    time_basis: Mapped[list[Any] | None]
    scenario: Mapped[DrillScenario] = relationship(back_populates="tasks")


class DrillRun(Base):
    __table__ = tables.drill_runs
    id: Mapped[int]
    line_id: Mapped[int]
    code: Mapped[str]
    scenario_id: Mapped[int]
    run_on: Mapped[dt.date]
    location_id: Mapped[int | None]
    form: Mapped[str]
    commander: Mapped[str | None]
    evaluators: Mapped[list[Any]]
    units: Mapped[list[Any]]
    notes: Mapped[str | None]
    # A run dated outside handover..opening, recorded on purpose (--allow-outside).
    outside_window: Mapped[bool | None]
    # A mistaken run is voided, never overwritten or deleted: it stays visible and stops counting.
    voided_at: Mapped[dt.datetime | None]
    voided_by: Mapped[str | None]
    void_reason: Mapped[str | None]


class TaskEvaluation(Base):
    """One evaluator's rating of one critical task in one run (several evaluators, several rows)."""

    __table__ = tables.task_evaluations
    id: Mapped[int]
    run_id: Mapped[int]
    task_id: Mapped[int]
    rating: Mapped[str]
    minutes: Mapped[float | None]
    evaluator: Mapped[str | None]
    notes: Mapped[str | None]


class PlannedDrill(Base):
    __table__ = tables.planned_drills
    id: Mapped[int]
    line_id: Mapped[int]
    scenario_id: Mapped[int]
    planned_on: Mapped[dt.date]
    location_id: Mapped[int | None]


# --- PDCA ------------------------------------------------------------------------------------

class PdcaItem(Base):
    __table__ = tables.pdca_items
    id: Mapped[int]
    line_id: Mapped[int]
    code: Mapped[str]
    title: Mapped[str]
    title_en: Mapped[str | None]  # when the toolkit wrote the title
    description: Mapped[str | None]
    source: Mapped[str]
    source_ref: Mapped[str | None]
    kind: Mapped[str]
    item_class: Mapped[str]
    hazards: Mapped[list[Any]]  # hazard codes
    owner_unit: Mapped[str | None]
    owner: Mapped[str | None]
    due: Mapped[dt.date | None]
    phase: Mapped[str]
    cycle: Mapped[int]
    root_cause: Mapped[str | None]
    action: Mapped[str | None]
    done_note: Mapped[str | None]
    evidence: Mapped[str | None]
    verifier: Mapped[str | None]
    verified_on: Mapped[dt.date | None]
    verdict: Mapped[str | None]
    standardisation: Mapped[str | None]
    opened_on: Mapped[dt.date]
    phase_since: Mapped[dt.date]
    closed_on: Mapped[dt.date | None]


class PdcaTransition(Base):
    __table__ = tables.pdca_transitions
    id: Mapped[int]
    item_id: Mapped[int]
    cycle: Mapped[int]
    from_phase: Mapped[str | None]
    to_phase: Mapped[str]
    on_date: Mapped[dt.date]
    at: Mapped[dt.datetime]
    username: Mapped[str]
    data: Mapped[dict[str, Any]]


# --- trial run -------------------------------------------------------------------------------

class Inspection(Base):
    __table__ = tables.inspections
    id: Mapped[int]
    line_id: Mapped[int]
    code: Mapped[str]
    inspected_on: Mapped[dt.date]
    kind: Mapped[str]
    special_reason: Mapped[str | None]
    inspector: Mapped[str]
    location_id: Mapped[int | None]


class InspectionResult(Base):
    __table__ = tables.inspection_results
    id: Mapped[int]
    inspection_id: Mapped[int]
    hazard_id: Mapped[int]
    control_id: Mapped[int | None]
    result: Mapped[str]
    finding: Mapped[str | None]
    grade: Mapped[str | None]
    evidence: Mapped[str | None]


class HiddenDanger(Base):
    __table__ = tables.hidden_dangers
    id: Mapped[int]
    line_id: Mapped[int]
    code: Mapped[str]
    result_id: Mapped[int]
    grade: Mapped[str]
    status: Mapped[str]
    found_on: Mapped[dt.date]
    found_by: Mapped[str]
    description: Mapped[str | None]
    measures: Mapped[str | None]
    responsible: Mapped[str | None]
    funds: Mapped[str | None]
    deadline: Mapped[dt.date | None]
    contingency: Mapped[str | None]
    pdca_code: Mapped[str | None]
    reported_to: Mapped[str | None]
    reported_on: Mapped[dt.date | None]
    accepted_by: Mapped[str | None]
    accepted_on: Mapped[dt.date | None]
    acceptance_note: Mapped[str | None]


class TrialRunDay(Base):
    __table__ = tables.trial_run_days
    id: Mapped[int]
    line_id: Mapped[int]
    day: Mapped[dt.date]
    opening_timetable: Mapped[bool]
    trains_planned: Mapped[int]
    trains_run: Mapped[int]
    trains_on_time: Mapped[int]
    train_km: Mapped[float]
    delays_5min: Mapped[int]
    withdrawals: Mapped[int]
    vehicle_failures: Mapped[int]
    signalling_failures: Mapped[int]
    power_failures: Mapped[int]
    psd_operations: Mapped[int]
    psd_failures: Mapped[int]
    gap_detector_faults: Mapped[int | None]
    fao_dropouts: Mapped[int | None]
    wakeups_planned: Mapped[int | None]
    wakeups_ok: Mapped[int | None]
    sleeps_planned: Mapped[int | None]
    sleeps_ok: Mapped[int | None]
    fao_mode: Mapped[bool | None]


# --- opening safety points (phase checklists) --------------------------------------------------

class ChecklistItem(Base):
    __table__ = tables.checklist_items
    id: Mapped[int]
    line_id: Mapped[int]
    code: Mapped[str]
    phase: Mapped[str]
    aspect: Mapped[str]
    text: Mapped[str]
    text_en: Mapped[str | None]
    topic: Mapped[str | None]
    owner_kind: Mapped[str | None]
    evidence_kind: Mapped[str | None]
    blocking: Mapped[bool]
    source: Mapped[str | None]
    owner_unit: Mapped[str | None]
    owner: Mapped[str | None]
    due: Mapped[dt.date | None]
    status: Mapped[str]
    na_reason: Mapped[str | None]
    evidence_ref: Mapped[str | None]
    evidence_file: Mapped[str | None]
    evidence_sha256: Mapped[str | None]
    verifier: Mapped[str | None]
    verified_on: Mapped[dt.date | None]
    note: Mapped[str | None]
    dropped: Mapped[bool]
    drop_reason: Mapped[str | None]
    chapter: Mapped[str | None]
    area: Mapped[str | None]
    basis: Mapped[list[Any] | None]


# --- assessment and sign-off -------------------------------------------------------------------

class AssessmentSnapshot(Base):
    __table__ = tables.assessment_snapshots
    id: Mapped[int]
    line_id: Mapped[int]
    taken_at: Mapped[dt.datetime]
    as_of: Mapped[dt.date]
    profile: Mapped[str]
    verdict: Mapped[str]
    inputs_hash: Mapped[str]
    result: Mapped[dict[str, Any]]


class SignOff(Base):
    """One person's decision on a snapshot; signing again updates it (audited), never a 2nd row."""

    __table__ = tables.signoffs
    id: Mapped[int]
    snapshot_id: Mapped[int]
    staff_id: Mapped[str | None]  # None only on pre-0005 sign-offs
    role: Mapped[str]  # the person's post when they signed
    name: Mapped[str]
    decision: Mapped[str]
    override_reason: Mapped[str | None]  # approving a not_ready snapshot
    note: Mapped[str | None]
    at: Mapped[dt.datetime]


# --- accounts ---------------------------------------------------------------------------------

class Account(Base):
    """A person's sign-in: their staff ID, a password hash, lock-out state."""

    __table__ = tables.accounts
    id: Mapped[int]
    staff_id: Mapped[str]
    password_hash: Mapped[str]
    disabled: Mapped[bool]
    failed_logins: Mapped[int]
    locked_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    password_changed_at: Mapped[dt.datetime]


class EvidenceFile(Base):
    """An uploaded evidence file, by its SHA-256."""

    __table__ = tables.evidence_files
    id: Mapped[int]
    sha256: Mapped[str]
    name: Mapped[str]
    media_type: Mapped[str]
    size: Mapped[int]
    stored_at: Mapped[dt.datetime]
    content: Mapped[bytes]


class AcceptanceRequest(Base):
    """A request that a person accept a hazard's residual risk."""

    __table__ = tables.acceptance_requests
    id: Mapped[int]
    hazard_id: Mapped[int]
    requested_by: Mapped[str]
    requested_of: Mapped[str]
    requested_on: Mapped[dt.date]
    note: Mapped[str | None]
    closed_on: Mapped[dt.date | None]
    closed_why: Mapped[str | None]


class DrillRunDraft(Base):
    """A drill run as typed so far, not yet submitted."""

    __table__ = tables.drill_run_drafts
    id: Mapped[int]
    line_id: Mapped[int]
    code: Mapped[str]
    content: Mapped[dict[str, Any]]
    saved_by: Mapped[str]
    saved_at: Mapped[dt.datetime]


class AccountRole(Base):
    """A role an account holds, on every line (line_id None) or on one."""

    __table__ = tables.account_roles
    id: Mapped[int]
    account_id: Mapped[int]
    role: Mapped[str]
    line_id: Mapped[int | None]


# --- audit -------------------------------------------------------------------------------------

class AuditRecord(Base):
    """Who changed what, when, with the values before and after. Append-only."""

    __table__ = tables.audit_log
    id: Mapped[int]
    at: Mapped[dt.datetime]
    username: Mapped[str]
    action: Mapped[str]  # create / update / delete
    entity: Mapped[str]  # table name
    entity_id: Mapped[int | None]
    entity_key: Mapped[str | None]  # business code, readable
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    command: Mapped[str | None]
    prev_hash: Mapped[str | None]  # see store/audit.py
    hash: Mapped[str | None]

