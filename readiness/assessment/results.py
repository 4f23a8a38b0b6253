"""What the assessment's services return: an assessment (one line, or each line of a network),
the snapshot history and the difference of two snapshots, a sign-off, a profile added.

Field names and order are the keys of the commands' `--json` output, a contract (never rename,
drop or reorder one): the JSON is these objects as `emit_json` writes them. A key that only some
results have today (a dry run has no `snapshot`, only an indicator criterion has a threshold,
only a history with `--diff` has the changes) is a field marked `OMIT_NONE` (readiness.results), left out when
None; `from_` is shown as `from`.

A snapshot keeps its result as plain JSON (`evaluate`'s record, exactly as stored and hashed);
these classes are made from that record (`assessment_of`), so what is stored never depends on
them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from readiness.results import OMIT_NONE
from readiness.dates import as_date

INDICATOR_KEYS = ("indicator", "op", "threshold", "unit")


@dataclass(slots=True, frozen=True)
class Condition:
    """An open matter a conditional criterion carries: what, who owns it, by when (and, for a
    phase advanced by override, the reason given)."""

    subject: str
    owner_unit: str | None
    owner: str | None
    due: dt.date | None
    reason: str | None = field(default=None, metadata=OMIT_NONE)


@dataclass(slots=True, frozen=True)
class Criterion:
    """One criterion of the profile as evaluated: pass / fail / not-applicable, with the IDs
    of the rows that decided it (at most 500; `evidence_total` counts them all), and for a
    trial-run indicator the threshold it was held to."""

    id: str
    area: str
    blocking: bool
    clause: str | None
    name_zh: str | None
    name_en: str | None
    status: str
    evidence: list[str]
    evidence_total: int
    message: str
    message_key: str | None
    message_params: dict[str, Any]
    conditions: list[Condition]
    indicator: str | None = field(default=None, metadata=OMIT_NONE)
    op: str | None = field(default=None, metadata=OMIT_NONE)
    threshold: float | None = field(default=None, metadata=OMIT_NONE)
    unit: str | None = field(default=None, metadata=OMIT_NONE)
    chapter: str | None = None  # the spec's chapter (assessment_chapter)
    # what it rests on: {document, title, title_en, article, kind, verified} (readiness.sources);
    # `clause` is the same as one line of citations
    basis: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True, frozen=True)
class Unmet:
    """A failing criterion in brief, as the verdict's `blocking` and `conditions` list it."""

    id: str
    area: str
    message: str
    evidence: list[str]
    conditions: list[Condition]
    chapter: str | None = None


@dataclass(slots=True, frozen=True)
class AreaScore:
    """An area's criteria that apply, how many passed, the score (None when none apply)."""

    criteria: int
    passed: int
    score: float | None
    blocking_failed: int


Indicators = dict[str, float | str | None]  # "inf": no delay counted over the window


@dataclass(slots=True, frozen=True)
class Assessment:
    """One line assessed: the verdict, the area scores and the criteria; stored as the
    snapshot `snapshot` (None for a dry run)."""

    verdict: str
    areas: dict[str, AreaScore]
    criteria: list[Criterion]
    blocking: list[Unmet]
    conditions: list[Unmet]
    window: list[dt.date]  # the first and last day of the trial-run window, if any
    line: str
    profile: str
    as_of: dt.date
    inputs_hash: str
    snapshot: int | None = field(metadata=OMIT_NONE)
    indicators: Indicators
    chapters: dict[str, AreaScore] = field(default_factory=dict)  # scores by the spec's chapter
    superseded: bool = False  # the profile's edition has been replaced
    superseded_by: str | None = None  # the profile that replaced it


@dataclass(slots=True, frozen=True)
class LineAssessment:
    """One line of a network assessment: what `Assessment` has (in the order `assess
    --all-lines --json` has always shown it)."""

    verdict: str
    areas: dict[str, AreaScore]
    criteria: list[Criterion]
    blocking: list[Unmet]
    conditions: list[Unmet]
    indicators: Indicators
    window: list[dt.date]
    line: str
    profile: str
    as_of: dt.date
    inputs_hash: str
    snapshot: int | None = field(default=None, metadata=OMIT_NONE)
    chapters: dict[str, AreaScore] = field(default_factory=dict)
    superseded: bool = False
    superseded_by: str | None = None


@dataclass(slots=True, frozen=True)
class Signature:
    """One person's decision on a snapshot, as the history shows it."""

    staff_id: str | None  # None: recorded before sign-offs kept the staff ID
    role: str
    name: str
    decision: str
    override_reason: str | None
    note: str | None
    at: dt.datetime
    stale: bool | None  # None: not worked out (`latest`, for a dashboard)


@dataclass(slots=True, frozen=True)
class HistoryEntry:
    """A snapshot in the history: its verdict, counts, sign-offs, and whether it is stale (the
    inputs it read have changed since)."""

    id: int
    line_id: int  # a key of `assess history --json` since the first release
    taken_at: dt.datetime
    as_of: dt.date
    profile: str
    verdict: str
    inputs_hash: str
    signoffs: list[Signature]
    blocking: int
    conditions: int
    stale: bool | None  # None: not worked out (`latest`)


@dataclass(slots=True, frozen=True)
class SnapshotRef:
    """A snapshot as one side of a difference."""

    id: int
    as_of: dt.date
    taken_at: dt.datetime
    profile: str
    verdict: str
    inputs_hash: str


@dataclass(slots=True, frozen=True)
class CriterionChange:
    """A criterion whose status or message differs between two snapshots (None: the snapshot
    has no such criterion); `message` is the newer one's, else the older one's."""

    id: str
    from_: str | None
    to: str | None
    message_from: str | None
    message_to: str | None
    message: str | None


@dataclass(slots=True, frozen=True)
class Changes:
    """What changed from one snapshot to another."""

    from_: SnapshotRef
    to: SnapshotRef
    verdict_changed: bool
    inputs_changed: bool
    criteria: list[CriterionChange]


@dataclass(slots=True, frozen=True)
class History:
    """A line's snapshots, newest first; with a difference asked for, what changed (`diff` is
    the changed criteria again and `verdicts` the two verdicts, as older scripts read them)."""

    line: str
    snapshots: list[HistoryEntry]
    changes: Changes | None = field(default=None, metadata=OMIT_NONE)
    diff: list[CriterionChange] | None = field(default=None, metadata=OMIT_NONE)
    verdicts: list[str] | None = field(default=None, metadata=OMIT_NONE)


@dataclass(slots=True, frozen=True)
class SignOffResult:
    """A decision recorded on a snapshot; `previous` is the same person's earlier decision."""

    snapshot: int
    staff_id: str | None
    role: str
    name: str
    decision: str
    override_reason: str | None
    note: str | None
    verdict: str
    stale: bool
    previous: str | None


@dataclass(slots=True, frozen=True)
class Profile:
    """A criteria profile added to a line: its ID, the profile it extends, and the IDs of the
    criteria it assesses (its parents' merged in)."""

    id: str
    extends: str | None
    criteria: list[str]


# --- from the stored record ----------------------------------------------------------------------

def condition_of(c: dict[str, Any]) -> Condition:
    return Condition(c.get("subject") or "", c.get("owner_unit"), c.get("owner"),
                     as_date(c.get("due")), c.get("reason"))


def criterion_of(c: dict[str, Any]) -> Criterion:
    evidence = list(c.get("evidence") or [])
    return Criterion(c["id"], c["area"], c["blocking"], c.get("clause"), c.get("name_zh"),
                     c.get("name_en"), c["status"], evidence,
                     c.get("evidence_total", len(evidence)), c.get("message") or "",
                     c.get("message_key"), dict(c.get("message_params") or {}),
                     [condition_of(x) for x in c.get("conditions") or []],
                     *(c.get(k) for k in INDICATOR_KEYS), c.get("chapter"),
                     list(c.get("basis") or []))


def unmet_of(c: dict[str, Any]) -> Unmet:
    return Unmet(c["id"], c["area"], c.get("message") or "", list(c.get("evidence") or []),
                 [condition_of(x) for x in c.get("conditions") or []], c.get("chapter"))


def _outcome(record: dict[str, Any]) -> dict[str, Any]:
    return {"verdict": record["verdict"],
            "areas": {k: AreaScore(**v) for k, v in record["areas"].items()},
            "criteria": [criterion_of(c) for c in record["criteria"]],
            "blocking": [unmet_of(c) for c in record["blocking"]],
            "conditions": [unmet_of(c) for c in record["conditions"]],
            "window": [as_date(d) for d in record["window"]], "line": record["line"],
            "profile": record["profile"], "as_of": as_date(record["as_of"]),
            "inputs_hash": record["inputs_hash"], "indicators": dict(record["indicators"]),
            "chapters": {k: AreaScore(**v) for k, v in (record.get("chapters") or {}).items()},
            "superseded": bool(record.get("superseded")),
            "superseded_by": record.get("superseded_by")}


def assessment_of(record: dict[str, Any], snapshot: int | None) -> Assessment:
    """The typed assessment from `evaluate`'s record (with line, profile, as-of and hash)."""
    return Assessment(**_outcome(record), snapshot=snapshot)


def line_assessment_of(record: dict[str, Any], snapshot: int | None) -> LineAssessment:
    """The same, as one line of a network assessment."""
    return LineAssessment(**_outcome(record), snapshot=snapshot)


@dataclass(slots=True)
class LatestFindings:
    """A line's newest snapshot with every criterion it records (`criteria`), those that block
    it (`blocking`) and those it is ready on condition of (`conditions`, each with its owners
    and due dates), as stored, and the line's snapshots oldest first (`trend`), for a line's
    overview."""

    line: str
    latest: HistoryEntry | None
    criteria: list[dict[str, Any]]
    blocking: list[dict[str, Any]]
    conditions: list[dict[str, Any]]
    trend: list[HistoryEntry]
