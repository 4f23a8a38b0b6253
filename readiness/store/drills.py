"""Store queries for the drill catalogue, plan and runs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from readiness.store.schema import DrillScenario


def scenario_codes(session: Session, line_id: int) -> set[str]:
    """The IDs of the line's drill scenarios (empty until a catalogue is loaded)."""
    return set(session.execute(select(DrillScenario.code).where(
        DrillScenario.line_id == line_id)).scalars())
