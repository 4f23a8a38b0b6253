"""The store's tables: the whole domain model of a line's opening readiness.

Coded columns hold the stable English codes of data/codes.toml. History is appended, never
overwritten: hazard evaluations, PDCA transitions, phase changes, assessment snapshots and the
audit log are all rows that are only ever added.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class RawJSON(TypeDecorator[Any]):
    """A JSON column whose bound values are already JSON text (serialised once, by the audit)."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Any) -> None:  # type: ignore[override]
        return None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _id() -> Mapped[int]:
    return mapped_column(Integer, primary_key=True, autoincrement=True)


def _line_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), index=True)


# --- line and places -----------------------------------------------------------------------

class Line(Base):
    __tablename__ = "lines"
    id: Mapped[int] = _id()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    planned_opening: Mapped[dt.date | None] = mapped_column(Date)
    handover_date: Mapped[dt.date | None] = mapped_column(Date)  # 三权移交
    profile: Mapped[str] = mapped_column(String(60), default="mot-2023")
    phase: Mapped[str] = mapped_column(String(40), default="site-follow-up")
    fully_automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    scoring_method: Mapped[str] = mapped_column(String(20), default="LEC")
    band_table: Mapped[str | None] = mapped_column(String(40))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Location(Base):
    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("line_id", "code", name="uq_locations_line_code"),)
    id: Mapped[int] = _id()
    line_id: Mapped[int] = _line_fk()
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)


class PhaseChange(Base):
    __tablename__ = "phase_changes"
    id: Mapped[int] = _id()
    line_id: Mapped[int] = _line_fk()
    from_phase: Mapped[str] = mapped_column(String(40))
    to_phase: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(120))
    override: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)


# --- organisation (company-wide: one operator may run several lines) -------------------------

class OrgUnit(Base):
    __tablename__ = "org_units"
    id: Mapped[int] = _id()
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    # Not a foreign key: a broken parent (missing, cyclic) is a finding of `org check`, not a crash.
    parent_code: Mapped[str | None] = mapped_column(String(60), index=True)
    head_staff_id: Mapped[str | None] = mapped_column(String(60))
    posts: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = _id()
    staff_id: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    unit_code: Mapped[str] = mapped_column(String(60), index=True)
    post: Mapped[str | None] = mapped_column(String(120))
    education_company: Mapped[dt.date | None] = mapped_column(Date)  # 三级安全教育
    education_centre: Mapped[dt.date | None] = mapped_column(Date)
    education_team: Mapped[dt.date | None] = mapped_column(Date)


class ResponsibilityLetter(Base):
    """安全生产责任状: signed by a unit or a person, counter-signed by the unit above."""

    __tablename__ = "responsibility_letters"
    id: Mapped[int] = _id()
    signer: Mapped[str] = mapped_column(String(60), index=True)  # unit code or staff ID
    signer_is_person: Mapped[bool] = mapped_column(Boolean, default=False)
    countersigner: Mapped[str] = mapped_column(String(60))  # unit code
    signed_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    signatories: Mapped[str | None] = mapped_column(Text)


# --- hazards ---------------------------------------------------------------------------------

class Hazard(Base):
    __tablename__ = "hazards"
    __table_args__ = (UniqueConstraint("line_id", "code", name="uq_hazards_line_code"),)
    id: Mapped[int] = _id()
    line_id: Mapped[int] = _line_fk()
    code: Mapped[str] = mapped_column(String(40))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    specialty: Mapped[str | None] = mapped_column(String(40))
    risk_category: Mapped[str | None] = mapped_column(String(40))
    factor_category: Mapped[str | None] = mapped_column(String(40))
    accident_type: Mapped[str | None] = mapped_column(String(40))
    activity: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    causes: Mapped[str | None] = mapped_column(Text)
    consequences: Mapped[str | None] = mapped_column(Text)
    owner_unit: Mapped[str | None] = mapped_column(String(60), index=True)
    owner: Mapped[str | None] = mapped_column(String(60), index=True)  # staff ID
    review_days: Mapped[int | None] = mapped_column(Integer)
    last_review: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="controlled")
    linked_drills: Mapped[list[Any]] = mapped_column(JSON, default=list)  # scenario codes
    needs_reevaluation: Mapped[bool] = mapped_column(Boolean, default=False)
    evaluations: Mapped[list[HazardEvaluation]] = relationship(
        back_populates="hazard", order_by="HazardEvaluation.id")


class HazardEvaluation(Base):
    """One dated scoring of a hazard, inherent and residual; never updated once written."""

    __tablename__ = "hazard_evaluations"
    id: Mapped[int] = _id()
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)
    evaluated_on: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20))
    band_table: Mapped[str | None] = mapped_column(String(40))
    factors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. {"L": 6, "E": 6, "C": 15}
    score: Mapped[float | None] = mapped_column(Float)
    level: Mapped[str | None] = mapped_column(String(20))
    level_given: Mapped[str | None] = mapped_column(String(20))
    residual_factors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    residual_score: Mapped[float | None] = mapped_column(Float)
    residual_level: Mapped[str | None] = mapped_column(String(20))
    evaluator: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    hazard: Mapped[Hazard] = relationship(back_populates="evaluations")


class ControlMeasure(Base):
    __tablename__ = "control_measures"
    id: Mapped[int] = _id()
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)
    control_type: Mapped[str] = mapped_column(String(20))  # hierarchy of controls
    aspect: Mapped[str | None] = mapped_column(String(20))  # 人机环管
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(60))
    verification: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)


class HazardAcceptance(Base):
    """Acceptance of a residual risk; voided, never deleted, by a later material change."""

    __tablename__ = "hazard_acceptances"
    id: Mapped[int] = _id()
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)
    accepted_by: Mapped[str] = mapped_column(String(120))
    org_level: Mapped[str] = mapped_column(String(20))
    accepted_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    snapshot_hash: Mapped[str] = mapped_column(String(64))
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    void_reason: Mapped[str | None] = mapped_column(Text)


# --- drills ----------------------------------------------------------------------------------

class DrillScenario(Base):
    __tablename__ = "drill_scenarios"
    __table_args__ = (UniqueConstraint("line_id", "code", name="uq_drill_scenarios_line_code"),)
    id: Mapped[int] = _id()
    line_id: Mapped[int] = _line_fk()
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    tier: Mapped[str] = mapped_column(String(20))
    forms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    venue: Mapped[str] = mapped_column(String(40))
    unit_kinds: Mapped[list[Any]] = mapped_column(JSON, default=list)
    objectives: Mapped[str | None] = mapped_column(Text)
    objectives_en: Mapped[str | None] = mapped_column(Text)
    fao_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    source: Mapped[str | None] = mapped_column(Text)
    hazard_categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    importance: Mapped[int] = mapped_column(Integer)
    likelihood: Mapped[int] = mapped_column(Integer)
    report_required: Mapped[bool] = mapped_column(Boolean, default=True)
    pinned: Mapped[bool | None] = mapped_column(Boolean)  # True pin, False unpin, None ranked
    tasks: Mapped[list[CriticalTask]] = relationship(
        back_populates="scenario", order_by="CriticalTask.seq", cascade="all, delete-orphan")


class CriticalTask(Base):
    __tablename__ = "critical_tasks"
    __table_args__ = (UniqueConstraint("scenario_id", "code", name="uq_critical_tasks_scenario_code"),)
    id: Mapped[int] = _id()
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("drill_scenarios.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    time_standard_min: Mapped[float | None] = mapped_column(Float)
    scenario: Mapped[DrillScenario] = relationship(back_populates="tasks")


class DrillRun(Base):
    __tablename__ = "drill_runs"
    __table_args__ = (UniqueConstraint("line_id", "code", name="uq_drill_runs_line_code"),)
    id: Mapped[int] = _id()
    line_id: Mapped[int] = _line_fk()
    code: Mapped[str] = mapped_column(String(40))
    scenario_id: Mapped[int] = mapped_column(ForeignKey("drill_scenarios.id"), index=True)
    run_on: Mapped[dt.date] = mapped_column(Date)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    form: Mapped[str] = mapped_column(String(20))
    commander: Mapped[str | None] = mapped_column(String(120))
    evaluators: Mapped[list[Any]] = mapped_column(JSON, default=list)
    units: Mapped[list[Any]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    # A run dated outside handover..opening, recorded on purpose (--allow-outside).
    outside_window: Mapped[bool | None] = mapped_column(Boolean)
    # A mistaken run is voided, never overwritten or deleted: it stays visible and stops counting.
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    voided_by: Mapped[str | None] = mapped_column(String(120))
    void_reason: Mapped[str | None] = mapped_column(Text)


class TaskEvaluation(Base):
    """One evaluator's rating of one critical task in one run (several evaluators, several rows)."""

    __tablename__ = "task_evaluations"
    __table_args__ = (UniqueConstraint("run_id", "task_id", "evaluator",
                                       name="uq_task_evaluations_run_task_evaluator"),)
    id: Mapped[int] = _id()
    run_id: Mapped[int] = mapped_column(ForeignKey("drill_runs.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("critical_tasks.id"))
    rating: Mapped[str] = mapped_column(String(2))
    minutes: Mapped[float | None] = mapped_column(Float)
    evaluator: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)


class PlannedDrill(Base):
    __tablename__ = "planned_drills"
    id: Mapped[int] = _id()
    line_id: Mapped[int] = _line_fk()
    scenario_id: Mapped[int] = mapped_column(ForeignKey("drill_scenarios.id"))
    planned_on: Mapped[dt.date] = mapped_column(Date)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))


# --- PDCA ------------------------------------------------------------------------------------

class PdcaItem(Base):
    __tablename__ = "pdca_items"
    __table_args__ = (UniqueConstraint("line_id", "code", name="uq_pdca_items_line_code"),
                      Index("ix_pdca_items_line_phase", "line_id", "phase"))
    id: Mapped[int] = _id()
    line_id: Mapped[int] = _line_fk()
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))  # when the toolkit wrote the title
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))
    source_ref: Mapped[str | None] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    item_class: Mapped[str] = mapped_column(String(20))
    hazards: Mapped[list[Any]] = mapped_column(JSON, default=list)  # hazard codes
    owner_unit: Mapped[str | None] = mapped_column(String(60), index=True)
    owner: Mapped[str | None] = mapped_column(String(60))
    due: Mapped[dt.date | None] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(10), default="PLAN")
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    root_cause: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str | None] = mapped_column(Text)
    done_note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    verifier: Mapped[str | None] = mapped_column(String(60))
    verified_on: Mapped[dt.date | None] = mapped_column(Date)
    verdict: Mapped[str | None] = mapped_column(String(20))
    standardisation: Mapped[str | None] = mapped_column(Text)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    phase_since: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)


class PdcaTransition(Base):
    __tablename__ = "pdca_transitions"
    id: Mapped[int] = _id()
    item_id: Mapped[int] = mapped_column(ForeignKey("pdca_items.id", ondelete="CASCADE"), index=True)
    cycle: Mapped[int] = mapped_column(Integer)
    from_phase: Mapped[str | None] = mapped_column(String(10))
    to_phase: Mapped[str] = mapped_column(String(10))
    on_date: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --- trial run -------------------------------------------------------------------------------

class TrialRunDay(Base):
    __tablename__ = "trial_run_days"
    __table_args__ = (UniqueConstraint("line_id", "day", name="uq_trial_run_days_line_day"),)
    id: Mapped[int] = _id()
    line_id: Mapped[int] = _line_fk()
    day: Mapped[dt.date] = mapped_column(Date)
    opening_timetable: Mapped[bool] = mapped_column(Boolean)
    trains_planned: Mapped[int] = mapped_column(Integer)
    trains_run: Mapped[int] = mapped_column(Integer)
    trains_on_time: Mapped[int] = mapped_column(Integer)
    train_km: Mapped[float] = mapped_column(Float)
    delays_5min: Mapped[int] = mapped_column(Integer, default=0)
    withdrawals: Mapped[int] = mapped_column(Integer, default=0)
    vehicle_failures: Mapped[int] = mapped_column(Integer, default=0)
    signalling_failures: Mapped[int] = mapped_column(Integer, default=0)
    power_failures: Mapped[int] = mapped_column(Integer, default=0)
    psd_operations: Mapped[int] = mapped_column(Integer, default=0)
    psd_failures: Mapped[int] = mapped_column(Integer, default=0)
    gap_detector_faults: Mapped[int | None] = mapped_column(Integer)
    fao_dropouts: Mapped[int | None] = mapped_column(Integer)
    wakeups_planned: Mapped[int | None] = mapped_column(Integer)
    wakeups_ok: Mapped[int | None] = mapped_column(Integer)
    sleeps_planned: Mapped[int | None] = mapped_column(Integer)
    sleeps_ok: Mapped[int | None] = mapped_column(Integer)


# --- opening safety points (phase checklists) --------------------------------------------------

class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("line_id", "code", name="uq_checklist_items_line_code"),)
    id: Mapped[int] = _id()
    line_id: Mapped[int] = _line_fk()
    code: Mapped[str] = mapped_column(String(40))
    phase: Mapped[str] = mapped_column(String(40))
    aspect: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(String(60))
    owner_kind: Mapped[str | None] = mapped_column(String(60))
    evidence_kind: Mapped[str | None] = mapped_column(String(40))
    blocking: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str | None] = mapped_column(Text)
    owner_unit: Mapped[str | None] = mapped_column(String(60))
    owner: Mapped[str | None] = mapped_column(String(60))
    due: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    na_reason: Mapped[str | None] = mapped_column(Text)
    evidence_ref: Mapped[str | None] = mapped_column(Text)
    evidence_file: Mapped[str | None] = mapped_column(Text)
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    verifier: Mapped[str | None] = mapped_column(String(60))
    verified_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    dropped: Mapped[bool] = mapped_column(Boolean, default=False)
    drop_reason: Mapped[str | None] = mapped_column(Text)


# --- assessment and sign-off -------------------------------------------------------------------

class AssessmentSnapshot(Base):
    __tablename__ = "assessment_snapshots"
    id: Mapped[int] = _id()
    line_id: Mapped[int] = _line_fk()
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime)
    as_of: Mapped[dt.date] = mapped_column(Date)
    profile: Mapped[str] = mapped_column(String(60))
    verdict: Mapped[str] = mapped_column(String(30))
    inputs_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SignOff(Base):
    """One person's decision on a snapshot; signing again updates it (audited), never a 2nd row."""

    __tablename__ = "signoffs"
    __table_args__ = (UniqueConstraint("snapshot_id", "staff_id",
                                       name="uq_signoffs_snapshot_staff"),)
    id: Mapped[int] = _id()
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_snapshots.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[str | None] = mapped_column(String(60))  # None only on pre-0005 sign-offs
    role: Mapped[str] = mapped_column(String(120))  # the person's post when they signed
    name: Mapped[str] = mapped_column(String(120))
    decision: Mapped[str] = mapped_column(String(20))
    override_reason: Mapped[str | None] = mapped_column(Text)  # approving a not_ready snapshot
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime)


# --- audit -------------------------------------------------------------------------------------

class AuditRecord(Base):
    """Who changed what, when, with the values before and after. Append-only."""

    __tablename__ = "audit_log"
    id: Mapped[int] = _id()
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(10))  # create / update / delete
    entity: Mapped[str] = mapped_column(String(60))  # table name
    entity_id: Mapped[int | None] = mapped_column(Integer)
    entity_key: Mapped[str | None] = mapped_column(String(120))  # business code, readable
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    command: Mapped[str | None] = mapped_column(String(200))
    prev_hash: Mapped[str | None] = mapped_column(String(64))  # see store/audit.py
    hash: Mapped[str | None] = mapped_column(String(64))


Index("ix_audit_log_entity", AuditRecord.entity, AuditRecord.entity_id)
