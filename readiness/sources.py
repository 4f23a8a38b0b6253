"""The documents the readiness case cites (readiness/data/sources.toml) and the basis of a rule.

A basis is a list of references `{source, article, kind, verified}` written next to a criterion,
checklist item, drill scenario or time standard. `basis()` turns it into what a reader sees and
`--json` gives: `{document, title, title_en, article, kind, verified}`, the document by its number
so that an assessor can look it up. `check_refs()` is how every data file's references are
validated: an unknown key or kind is a data error naming where it was written.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

from readiness import vocab
from readiness.errors import ReadinessError

KINDS = ("regulation", "standard", "operator-policy", "practice", "toolkit-control")
STATUSES = ("in-force", "superseded")


class SourceDataError(ReadinessError):
    """A sources file or a reference to it is inconsistent."""


@lru_cache(maxsize=1)
def documents() -> dict[str, dict[str, Any]]:
    """Every source document by key, checked once."""
    text = resources.files("readiness").joinpath("data/sources.toml").read_text("utf-8")
    docs: dict[str, dict[str, Any]] = tomllib.loads(text)["document"]
    for key, doc in docs.items():
        missing = [f for f in ("number", "title_zh", "title_en", "kind", "status") if not doc.get(f)]
        if missing or doc["kind"] not in KINDS or doc["status"] not in STATUSES:
            raise SourceDataError("sources.invalid", where=key,
                                  reason=f"missing {missing}" if missing else "kind or status")
        if doc["status"] == "superseded" and doc.get("superseded_by") not in docs:
            raise SourceDataError("sources.invalid", where=key, reason="superseded_by")
    return docs


def check_refs(refs: Any, where: str) -> list[dict[str, Any]]:
    """`refs` as written in a data file, checked: a non-empty list of {source, article, kind,
    verified} whose source is a known document and kind one of KINDS. Returns it normalised
    (kind defaulted from the document, verified defaulted to false)."""
    docs = documents()
    if not isinstance(refs, list) or not refs:
        raise SourceDataError("sources.no_basis", where=where)
    out = []
    for ref in refs:
        if not isinstance(ref, dict) or ref.get("source") not in docs:
            raise SourceDataError("sources.unknown_document", where=where,
                                  source=str(ref.get("source") if isinstance(ref, dict) else ref))
        kind = ref.get("kind") or docs[ref["source"]]["kind"]
        if kind not in KINDS:
            raise SourceDataError("sources.invalid", where=where, reason=f"kind {kind}")
        out.append({"source": ref["source"], "article": str(ref.get("article") or ""),
                    "kind": kind, "verified": bool(ref.get("verified", False))})
    return out


def basis(refs: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """What a reader is shown for `refs`: each document by number and title, the article, the
    kind and whether the article was checked against the text."""
    docs = documents()
    out = []
    for ref in refs or []:
        doc = docs[ref["source"]]
        out.append({"document": doc["number"], "title": doc["title_zh"],
                    "title_en": doc["title_en"], "article": ref.get("article") or "",
                    "kind": ref.get("kind") or doc["kind"],
                    "verified": bool(ref.get("verified", False))})
    return out


def cite(entry: dict[str, Any], lang: str = "zh") -> str:
    """One basis entry as a citation: 交办运〔2023〕56号《…》第三条; a kind that is not a
    published document reads as its name."""
    if entry["kind"] in ("operator-policy", "practice", "toolkit-control") \
            and entry["document"] == vocab.label("basis_kind", entry["kind"], "zh"):
        name = vocab.label("basis_kind", entry["kind"], lang)
        return f"{name} {entry['article']}".strip()
    if entry["title"] in entry["document"]:  # a law is looked up by its own name
        text = entry["document"] if lang == "zh" else f"{entry['document']} ({entry['title_en']})"
    elif lang == "zh" or entry["title"] == entry["title_en"]:
        text = f"{entry['document']}《{entry['title']}》"
    else:
        text = f"{entry['document']} {entry['title_en']}"
    return f"{text} {entry['article']}".strip() if lang != "zh" else f"{text}{entry['article']}"


def superseded(key: str) -> str | None:
    """The key of the document that replaced `key`, or None while it is in force."""
    doc = documents()[key]
    return doc.get("superseded_by") if doc["status"] == "superseded" else None


def legend(lang: str = "zh") -> list[tuple[str, str]]:
    """The kinds with their labels, for a report's legend."""
    return [(k, vocab.label("basis_kind", k, lang)) for k in KINDS]
