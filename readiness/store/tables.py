"""The store's tables, defined once in SQLAlchemy Core: what Alembic compares migrations with,
what every query reads from, and what `schema.py`'s ORM classes map onto for the writes that
need them.

A command that only reads queries these tables through a plain connection, so it never imports
the ORM nor declares the mapped classes (most of a listing's start-up otherwise). Coded columns
hold the stable English codes of data/codes.toml; what each column means is annotated on its
class in `schema.py`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON, Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary,
    MetaData, String, Table, Text, UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)


class RawJSON(TypeDecorator[Any]):
    """A JSON column whose bound values are already JSON text (serialised once, by the audit)."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Any) -> None:  # type: ignore[override]
        return None


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _line_fk() -> Column[int]:
    return Column("line_id", Integer, ForeignKey("lines.id", ondelete="CASCADE"), nullable=False,
                  index=True)


# --- line and places -----------------------------------------------------------------------

lines = Table(
    "lines", metadata,
    _id(),
    Column("name", String(200), nullable=False, unique=True),
    Column("planned_opening", Date, nullable=True),
    Column("handover_date", Date, nullable=True),
    Column("profile", String(60), nullable=False, default='mot-2023'),
    Column("phase", String(40), nullable=False, default='site-follow-up'),
    Column("fully_automatic", Boolean, nullable=False, default=False),
    Column("scoring_method", String(20), nullable=False, default='LEC'),
    Column("band_table", String(40), nullable=True),
    Column("settings", JSON, nullable=False, default=dict),
    Column("created_at", DateTime, nullable=False),
)

locations = Table(
    "locations", metadata,
    _id(),
    _line_fk(),
    Column("code", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("note", Text, nullable=True),
    UniqueConstraint("line_id", "code", name="uq_locations_line_code"),
)

phase_changes = Table(
    "phase_changes", metadata,
    _id(),
    _line_fk(),
    Column("from_phase", String(40), nullable=False),
    Column("to_phase", String(40), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("username", String(120), nullable=False),
    Column("override", Boolean, nullable=False, default=False),
    Column("reason", Text, nullable=True),
)

# --- organisation (company-wide: one operator may run several lines) ---------------------------

org_units = Table(
    "org_units", metadata,
    _id(),
    Column("code", String(60), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("level", String(20), nullable=False),
    Column("parent_code", String(60), nullable=True, index=True),
    Column("head_staff_id", String(60), nullable=True),
    Column("posts", JSON, nullable=False, default=list),
)

people = Table(
    "people", metadata,
    _id(),
    Column("staff_id", String(60), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("unit_code", String(60), nullable=False, index=True),
    Column("post", String(120), nullable=True),
    Column("education_company", Date, nullable=True),
    Column("education_centre", Date, nullable=True),
    Column("education_team", Date, nullable=True),
)

responsibility_letters = Table(
    "responsibility_letters", metadata,
    _id(),
    Column("signer", String(60), nullable=False, index=True),
    Column("signer_is_person", Boolean, nullable=False, default=False),
    Column("countersigner", String(60), nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("signatories", Text, nullable=True),
)

# --- hazards -----------------------------------------------------------------------------------

hazards = Table(
    "hazards", metadata,
    _id(),
    _line_fk(),
    Column("code", String(40), nullable=False),
    Column("location_id", Integer, ForeignKey("locations.id"), nullable=True, index=True),
    Column("specialty", String(40), nullable=True),
    Column("risk_category", String(40), nullable=True),
    Column("factor_category", String(40), nullable=True),
    Column("accident_type", String(40), nullable=True),  # the first of accident_types
    Column("accident_types", JSON, nullable=False, default=list),  # GB 6441 codes, in order
    Column("activity", Text, nullable=True),
    Column("description", Text, nullable=False),
    Column("causes", Text, nullable=True),
    Column("consequences", Text, nullable=True),
    Column("owner_unit", String(60), nullable=True, index=True),
    Column("owner", String(60), nullable=True, index=True),
    Column("review_days", Integer, nullable=True),
    Column("last_review", Date, nullable=True),
    Column("status", String(20), nullable=False, default='controlled'),
    Column("linked_drills", JSON, nullable=False, default=list),
    Column("needs_reevaluation", Boolean, nullable=False, default=False),
    Column("notes", Text, nullable=True),  # 备注: the ledger's remarks, kept as written
    UniqueConstraint("line_id", "code", name="uq_hazards_line_code"),
)

hazard_evaluations = Table(
    "hazard_evaluations", metadata,
    _id(),
    Column("hazard_id", Integer, ForeignKey("hazards.id", ondelete="CASCADE"), nullable=False,
        index=True),
    Column("evaluated_on", Date, nullable=False),
    Column("method", String(20), nullable=False),
    Column("band_table", String(40), nullable=True),
    Column("factors", JSON, nullable=False, default=dict),
    Column("score", Float, nullable=True),
    Column("level", String(20), nullable=True),
    Column("level_given", String(20), nullable=True),
    Column("score_given", Float, nullable=True),  # the ledger's own 风险值 / D, checked on import
    Column("basis", Text, nullable=True),  # 判别依据: the criterion of a direct judgement
    Column("residual_factors", JSON, nullable=False, default=dict),
    Column("residual_score", Float, nullable=True),
    Column("residual_level", String(20), nullable=True),
    Column("evaluator", String(120), nullable=True),
    Column("note", Text, nullable=True),
)

control_measures = Table(
    "control_measures", metadata,
    _id(),
    Column("hazard_id", Integer, ForeignKey("hazards.id", ondelete="CASCADE"), nullable=False,
        index=True),
    Column("control_type", String(20), nullable=False),
    Column("aspect", String(20), nullable=True),
    Column("description", Text, nullable=False),
    Column("owner", String(60), nullable=True),
    Column("verification", Text, nullable=True),
    Column("evidence", Text, nullable=True),
    Column("verified", Boolean, nullable=False, default=False),
    # the inspection handbook (隐患排查手册): what to check, how, and every how many days
    # (null: the default for the hazard's level, hazards/data/inspection.toml)
    Column("check_what", Text, nullable=True),
    Column("check_how", Text, nullable=True),
    Column("check_every_days", Integer, nullable=True),
)

hazard_acceptances = Table(
    "hazard_acceptances", metadata,
    _id(),
    Column("hazard_id", Integer, ForeignKey("hazards.id", ondelete="CASCADE"), nullable=False,
        index=True),
    Column("accepted_by", String(120), nullable=False),
    Column("org_level", String(20), nullable=False),
    Column("accepted_on", Date, nullable=False),
    Column("valid_until", Date, nullable=True),
    Column("snapshot", JSON, nullable=False, default=dict),
    Column("snapshot_hash", String(64), nullable=False),
    Column("voided_at", DateTime, nullable=True),
    Column("void_reason", Text, nullable=True),
)

# A safety officer asks a person (a leader at the level the residual risk needs) to accept a
# hazard's residual risk; the request stays open until that acceptance is recorded or withdrawn.
acceptance_requests = Table(
    "acceptance_requests", metadata,
    _id(),
    Column("hazard_id", Integer, ForeignKey("hazards.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("requested_by", String(120), nullable=False),  # staff ID of the asker
    Column("requested_of", String(120), nullable=False),  # staff ID of the person asked
    Column("requested_on", Date, nullable=False),
    Column("note", Text, nullable=True),
    Column("closed_on", Date, nullable=True),
    Column("closed_why", String(20), nullable=True),  # accepted, withdrawn
)

# --- drills ------------------------------------------------------------------------------------

drill_scenarios = Table(
    "drill_scenarios", metadata,
    _id(),
    _line_fk(),
    Column("code", String(40), nullable=False),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("category", String(40), nullable=False),
    Column("tier", String(20), nullable=False),
    Column("forms", JSON, nullable=False, default=list),
    Column("venue", String(40), nullable=False),
    Column("unit_kinds", JSON, nullable=False, default=list),
    Column("objectives", Text, nullable=True),
    Column("objectives_en", Text, nullable=True),
    Column("fao_only", Boolean, nullable=False, default=False, server_default="0"),
    Column("source", Text, nullable=True),
    Column("hazard_categories", JSON, nullable=False, default=list),
    Column("importance", Integer, nullable=False),
    Column("likelihood", Integer, nullable=False),
    Column("report_required", Boolean, nullable=False, default=True),
    Column("pinned", Boolean, nullable=True),
    # where the scenario comes from: [{source, article, kind, verified}] (readiness/data/sources.toml)
    Column("basis", JSON, nullable=True),
    # true: a regulation says special plans must cover and drill it (must-do whatever its rank)
    Column("required_by_regulation", Boolean, nullable=False, default=False, server_default="0"),
    UniqueConstraint("line_id", "code", name="uq_drill_scenarios_line_code"),
)

critical_tasks = Table(
    "critical_tasks", metadata,
    _id(),
    Column("scenario_id", Integer, ForeignKey("drill_scenarios.id", ondelete="CASCADE"),
        nullable=False, index=True),
    Column("code", String(40), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("time_standard_min", Float, nullable=True),
    Column("time_basis", JSON, nullable=True),  # where the time standard comes from
    UniqueConstraint("scenario_id", "code", name="uq_critical_tasks_scenario_code"),
)

drill_runs = Table(
    "drill_runs", metadata,
    _id(),
    _line_fk(),
    Column("code", String(40), nullable=False),
    Column("scenario_id", Integer, ForeignKey("drill_scenarios.id"), nullable=False, index=True),
    Column("run_on", Date, nullable=False),
    Column("location_id", Integer, ForeignKey("locations.id"), nullable=True),
    Column("form", String(20), nullable=False),
    Column("commander", String(120), nullable=True),
    Column("evaluators", JSON, nullable=False, default=list),
    Column("units", JSON, nullable=False, default=list),
    Column("notes", Text, nullable=True),
    Column("outside_window", Boolean, nullable=True),
    Column("voided_at", DateTime, nullable=True),
    Column("voided_by", String(120), nullable=True),
    Column("void_reason", Text, nullable=True),
    UniqueConstraint("line_id", "code", name="uq_drill_runs_line_code"),
)

# A run being recorded on site, kept as typed until its commander submits it: a draft counts
# nowhere (no coverage, no findings, no PDCA items) and is gone once submitted as a run.
drill_run_drafts = Table(
    "drill_run_drafts", metadata,
    _id(),
    _line_fk(),
    Column("code", String(40), nullable=False),
    Column("content", JSON, nullable=False, default=dict),  # the form's fields as typed
    Column("saved_by", String(120), nullable=False),
    Column("saved_at", DateTime, nullable=False),
    UniqueConstraint("line_id", "code", name="uq_drill_run_drafts_line_code"),
)

task_evaluations = Table(
    "task_evaluations", metadata,
    _id(),
    Column("run_id", Integer, ForeignKey("drill_runs.id", ondelete="CASCADE"), nullable=False,
        index=True),
    Column("task_id", Integer, ForeignKey("critical_tasks.id"), nullable=False),
    Column("rating", String(2), nullable=False),
    Column("minutes", Float, nullable=True),
    Column("evaluator", String(120), nullable=True),
    Column("notes", Text, nullable=True),
    UniqueConstraint("run_id", "task_id", "evaluator",
        name="uq_task_evaluations_run_task_evaluator"),
)

planned_drills = Table(
    "planned_drills", metadata,
    _id(),
    _line_fk(),
    Column("scenario_id", Integer, ForeignKey("drill_scenarios.id"), nullable=False),
    Column("planned_on", Date, nullable=False),
    Column("location_id", Integer, ForeignKey("locations.id"), nullable=True),
)

# --- PDCA --------------------------------------------------------------------------------------

pdca_items = Table(
    "pdca_items", metadata,
    _id(),
    _line_fk(),
    Column("code", String(40), nullable=False),
    Column("title", String(300), nullable=False),
    Column("title_en", String(300), nullable=True),
    Column("description", Text, nullable=True),
    Column("source", String(20), nullable=False),
    Column("source_ref", String(120), nullable=True, index=True),
    Column("kind", String(30), nullable=False),
    Column("item_class", String(20), nullable=False),
    Column("hazards", JSON, nullable=False, default=list),
    Column("owner_unit", String(60), nullable=True, index=True),
    Column("owner", String(60), nullable=True),
    Column("due", Date, nullable=True),
    Column("phase", String(10), nullable=False, default='PLAN'),
    Column("cycle", Integer, nullable=False, default=1),
    Column("root_cause", Text, nullable=True),
    Column("action", Text, nullable=True),
    Column("done_note", Text, nullable=True),
    Column("evidence", Text, nullable=True),
    Column("verifier", String(60), nullable=True),
    Column("verified_on", Date, nullable=True),
    Column("verdict", String(20), nullable=True),
    Column("standardisation", Text, nullable=True),
    Column("opened_on", Date, nullable=False),
    Column("phase_since", Date, nullable=False),
    Column("closed_on", Date, nullable=True),
    UniqueConstraint("line_id", "code", name="uq_pdca_items_line_code"),
    Index("ix_pdca_items_line_phase", "line_id", "phase"),
)

pdca_transitions = Table(
    "pdca_transitions", metadata,
    _id(),
    Column("item_id", Integer, ForeignKey("pdca_items.id", ondelete="CASCADE"), nullable=False,
        index=True),
    Column("cycle", Integer, nullable=False),
    Column("from_phase", String(10), nullable=True),
    Column("to_phase", String(10), nullable=False),
    Column("on_date", Date, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("username", String(120), nullable=False),
    Column("data", JSON, nullable=False, default=dict),
)

# --- trial run ---------------------------------------------------------------------------------

trial_run_days = Table(
    "trial_run_days", metadata,
    _id(),
    _line_fk(),
    Column("day", Date, nullable=False),
    Column("opening_timetable", Boolean, nullable=False),
    Column("trains_planned", Integer, nullable=False),
    Column("trains_run", Integer, nullable=False),
    Column("trains_on_time", Integer, nullable=False),
    Column("train_km", Float, nullable=False),
    Column("delays_5min", Integer, nullable=False, default=0),
    Column("withdrawals", Integer, nullable=False, default=0),
    Column("vehicle_failures", Integer, nullable=False, default=0),
    Column("signalling_failures", Integer, nullable=False, default=0),
    Column("power_failures", Integer, nullable=False, default=0),
    Column("psd_operations", Integer, nullable=False, default=0),
    Column("psd_failures", Integer, nullable=False, default=0),
    Column("gap_detector_faults", Integer, nullable=True),
    Column("fao_dropouts", Integer, nullable=True),
    Column("wakeups_planned", Integer, nullable=True),
    Column("wakeups_ok", Integer, nullable=True),
    Column("sleeps_planned", Integer, nullable=True),
    Column("sleeps_ok", Integer, nullable=True),
    Column("fao_mode", Boolean, nullable=True),  # an FAO line ran the day in fully automatic mode
    UniqueConstraint("line_id", "day", name="uq_trial_run_days_line_day"),
)

# --- dual prevention: inspections and hidden dangers (隐患排查治理) ------------------------------

inspections = Table(
    "inspections", metadata,
    _id(),
    _line_fk(),
    Column("code", String(40), nullable=False),  # 排查编号
    Column("inspected_on", Date, nullable=False),
    Column("kind", String(20), nullable=False),  # routine · periodic · special
    Column("special_reason", Text, nullable=True),  # season, holiday, after an incident or change
    Column("inspector", String(60), nullable=False),  # staff ID
    Column("location_id", Integer, ForeignKey("locations.id"), nullable=True),
    UniqueConstraint("line_id", "code", name="uq_inspections_line_code"),
)

inspection_results = Table(
    "inspection_results", metadata,
    _id(),
    Column("inspection_id", Integer, ForeignKey("inspections.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("hazard_id", Integer, ForeignKey("hazards.id"), nullable=False, index=True),
    Column("control_id", Integer, ForeignKey("control_measures.id", ondelete="SET NULL"),
           nullable=True, index=True),
    Column("result", String(20), nullable=False),  # ok · weakened · failed · missing
    Column("finding", Text, nullable=True),
    Column("grade", String(20), nullable=True),  # general · major (a result other than ok)
    Column("evidence", Text, nullable=True),
    UniqueConstraint("inspection_id", "hazard_id", "control_id",
                     name="uq_inspection_results_inspection_hazard_control"),
)

hidden_dangers = Table(
    "hidden_dangers", metadata,
    _id(),
    _line_fk(),
    Column("code", String(40), nullable=False),  # YH-0001
    # the result that found it: one hidden danger per result, so a re-import adds none
    Column("result_id", Integer, ForeignKey("inspection_results.id"), nullable=False,
           unique=True),
    Column("grade", String(20), nullable=False),  # general · major
    Column("status", String(30), nullable=False),
    Column("found_on", Date, nullable=False),
    Column("found_by", String(60), nullable=False),
    Column("description", Text, nullable=True),
    # the five fixes (五定): measures, responsible person, funds, deadline, contingency plan
    Column("measures", Text, nullable=True),
    Column("responsible", String(60), nullable=True),
    Column("funds", Text, nullable=True),
    Column("deadline", Date, nullable=True),
    Column("contingency", Text, nullable=True),
    Column("pdca_code", String(40), nullable=True),  # its rectification round the PDCA loop
    Column("reported_to", Text, nullable=True),  # a major one: to whom, and when
    Column("reported_on", Date, nullable=True),
    Column("accepted_by", String(60), nullable=True),  # 验收销号
    Column("accepted_on", Date, nullable=True),
    Column("acceptance_note", Text, nullable=True),
    UniqueConstraint("line_id", "code", name="uq_hidden_dangers_line_code"),
)

# --- opening safety points (phase checklists) --------------------------------------------------

checklist_items = Table(
    "checklist_items", metadata,
    _id(),
    _line_fk(),
    Column("code", String(40), nullable=False),
    Column("phase", String(40), nullable=False),
    Column("aspect", String(40), nullable=False),
    Column("text", Text, nullable=False),
    Column("text_en", Text, nullable=True),
    Column("topic", String(60), nullable=True),
    Column("owner_kind", String(60), nullable=True),
    Column("evidence_kind", String(40), nullable=True),
    Column("blocking", Boolean, nullable=False, default=True),
    Column("source", Text, nullable=True),
    Column("owner_unit", String(60), nullable=True),
    Column("owner", String(60), nullable=True),
    Column("due", Date, nullable=True),
    Column("status", String(20), nullable=False, default='open'),
    Column("na_reason", Text, nullable=True),
    Column("evidence_ref", Text, nullable=True),
    Column("evidence_file", Text, nullable=True),
    Column("evidence_sha256", String(64), nullable=True),
    Column("verifier", String(60), nullable=True),
    Column("verified_on", Date, nullable=True),
    Column("note", Text, nullable=True),
    Column("dropped", Boolean, nullable=False, default=False),
    Column("drop_reason", Text, nullable=True),
    # a requirement of the assessment spec attested with evidence: its chapter and area
    Column("chapter", String(40), nullable=True),
    Column("area", String(40), nullable=True),
    Column("basis", JSON, nullable=True),  # [{source, article, kind, verified}]
    UniqueConstraint("line_id", "code", name="uq_checklist_items_line_code"),
)

# --- assessment and sign-off -------------------------------------------------------------------

assessment_snapshots = Table(
    "assessment_snapshots", metadata,
    _id(),
    _line_fk(),
    Column("taken_at", DateTime, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("profile", String(60), nullable=False),
    Column("verdict", String(30), nullable=False),
    Column("inputs_hash", String(64), nullable=False),
    Column("result", JSON, nullable=False, default=dict),
)

signoffs = Table(
    "signoffs", metadata,
    _id(),
    Column("snapshot_id", Integer, ForeignKey("assessment_snapshots.id", ondelete="CASCADE"),
        nullable=False, index=True),
    Column("staff_id", String(60), nullable=True),
    Column("role", String(120), nullable=False),
    Column("name", String(120), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("override_reason", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("at", DateTime, nullable=False),
    UniqueConstraint("snapshot_id", "staff_id", name="uq_signoffs_snapshot_staff"),
)

# --- accounts: who may sign in, with which roles --------------------------------------------

accounts = Table(
    "accounts", metadata,
    _id(),
    # every account is one person of the organisation
    Column("staff_id", String(60), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),  # Argon2id; never audited in clear
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("password_changed_at", DateTime, nullable=False),
)

# Evidence files uploaded through the web (PDCA evidence, attested items): kept in the store
# itself, so a backup, a restore and a transaction carry them with the records that cite them.
# Addressed by SHA-256: the same file is stored once. The audit records the content's digest.
evidence_files = Table(
    "evidence_files", metadata,
    _id(),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("name", Text, nullable=False),  # as first uploaded: shown and offered on download
    Column("media_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("stored_at", DateTime, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

account_roles = Table(
    "account_roles", metadata,
    _id(),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("role", String(30), nullable=False),  # data/roles.toml
    # None: every line; else the role holds on this line only
    Column("line_id", Integer, ForeignKey("lines.id", ondelete="CASCADE"), nullable=True),
)

# --- audit -------------------------------------------------------------------------------------

audit_log = Table(
    "audit_log", metadata,
    _id(),
    Column("at", DateTime, nullable=False, index=True),
    Column("username", String(120), nullable=False),
    Column("action", String(10), nullable=False),
    Column("entity", String(60), nullable=False),
    Column("entity_id", Integer, nullable=True),
    Column("entity_key", String(120), nullable=True),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Column("command", String(200), nullable=True),
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=True),
    Index("ix_audit_log_entity", "entity", "entity_id"),
)
