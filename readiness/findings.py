"""Findings: what every check in the toolkit returns instead of raising on the first problem."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from readiness.i18n import t
from readiness.vocab import shown


@dataclass(frozen=True)
class Finding:
    code: str  # stable, e.g. "hazard.weak-controls"
    subject: str  # what it is about, e.g. a hazard ID
    # A (code set, code) pair, or (code set, [codes]), is shown as labels in the reader's language.
    params: dict[str, object] = field(default_factory=dict)
    evidence: Sequence[str] = ()  # IDs of the rows that decided it

    def message(self, lang: str | None = None) -> str:
        params = {k: shown(v, lang) for k, v in self.params.items()}
        return t("finding." + self.code, lang, subject=self.subject, **params)

    def as_dict(self, lang: str | None = None) -> dict[str, object]:
        return {"code": self.code, "subject": self.subject, "message": self.message(lang),
                "evidence": list(self.evidence)}

