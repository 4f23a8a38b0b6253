"""Evidence files: uploaded once, kept in the store by their SHA-256, handed back only if their
content still has that hash.

A file's name is only ever shown and offered back on download; it is never used as a path (a
name that holds a folder is refused, as something a user did not mean to send). Its size and
type are checked against `data/evidence.toml` before anything is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from readiness.actor import Actor
from readiness.errors import InvalidValue, NotFound, ReadinessError
from readiness.store import evidence as evidence_store
from readiness.store.core import Store


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    sha256: str
    name: str
    media_type: str
    size: int
    stored_at: dt.datetime


@cache
def policy() -> dict[str, Any]:
    return tomllib.loads(resources.files("readiness").joinpath("data/evidence.toml")
                         .read_text(encoding="utf-8"))


def check_upload(name: str, content: bytes) -> str:
    """The media type of an upload that may be kept, else InvalidValue naming why (pure)."""
    rules = policy()
    if not name or PurePosixPath(name).name != name or PureWindowsPath(name).name != name \
            or name in (".", ".."):
        raise InvalidValue("evidence.path_in_name", name=name)
    if not content:
        raise InvalidValue("evidence.empty", name=name)
    limit = int(rules["max_mb"]) * 2**20
    if len(content) > limit:
        raise InvalidValue("evidence.too_big", name=name, size_mb=round(len(content) / 2**20, 1),
                           max_mb=rules["max_mb"])
    ending = PurePosixPath(name).suffix.lower()
    if ending not in rules["types"]:
        raise InvalidValue("evidence.bad_type", name=name,
                           allowed=" ".join(sorted(rules["types"])))
    media_type, magic = rules["types"][ending]
    if not content.startswith(bytes.fromhex(magic)) or (not magic and b"\0" in content[:4096]):
        raise InvalidValue("evidence.not_what_it_says", name=name, ending=ending)
    return str(media_type)


def store_evidence(store: Store, name: str, content: bytes, *, actor: Actor) -> EvidenceFile:
    """Keep an uploaded file (checked first); the same content already kept is not stored
    again, and keeps the name it was first uploaded under."""
    check_upload(name, content)
    with store.write(actor, f"evidence {name}") as session:
        return keep(session, name, content)


def keep(session: Any, name: str, content: bytes) -> EvidenceFile:
    """`store_evidence` inside a write that also records what the file is evidence of, so
    that both land or neither does."""
    media_type = check_upload(name, content)
    sha256 = hashlib.sha256(content).hexdigest()
    if evidence_store.find(session, sha256) is None:
        evidence_store.insert(session, {"sha256": sha256, "name": name, "media_type": media_type,
                                        "size": len(content), "stored_at": session.now,
                                        "content": content})
    found = evidence_store.find(session, sha256)
    assert found is not None
    return EvidenceFile(**found)


def reference(file: EvidenceFile) -> str:
    """How a record cites a kept file: its name and hash (`sha256:` is what pages link)."""
    return f"{file.name} (sha256:{file.sha256})"


def cited(text: str | None) -> list[str]:
    """The hashes of kept files a record's evidence text cites."""
    import re

    return re.findall(r"sha256:([0-9a-f]{64})", text or "")


def evidence_file(store: Store, sha256: str) -> tuple[EvidenceFile, bytes]:
    """A kept file and its content, refused if the content no longer has its hash."""
    with store.read_rows() as conn:
        found = evidence_store.content(conn, sha256.lower())
    if found is None:
        raise NotFound("evidence.not_found", sha256=sha256)
    meta, content = found
    if hashlib.sha256(content).hexdigest() != meta["sha256"]:
        raise ReadinessError("evidence.damaged", sha256=meta["sha256"], name=meta["name"])
    return EvidenceFile(**meta), content
