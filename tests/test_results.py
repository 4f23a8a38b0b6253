"""A typed result shows the keys users and tools rely on, whichever face prints it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from readiness.results import OMIT_NONE, json_bytes, plain


@dataclass(slots=True)
class Step:
    from_: str | None
    to: str
    on: dt.date


@dataclass(slots=True)
class Item:
    id: str
    class_: str
    title_en: str | None = field(default=None, metadata=OMIT_NONE)
    steps: list[Step] = field(default_factory=list)
    _cache: int = 0  # private: never shown


def test_keyword_fields_show_under_the_keyword_and_unset_optional_keys_are_left_out() -> None:
    item = Item("P-0001", "blocking", steps=[Step(None, "PLAN", dt.date(2026, 11, 2))])
    assert json.loads(json_bytes(item)) == {
        "id": "P-0001", "class": "blocking",
        "steps": [{"from": None, "to": "PLAN", "on": "2026-11-02"}]}
    assert list(json.loads(json_bytes([item]))[0]) == ["id", "class", "steps"]
    shown = json.loads(json_bytes(Item("P-0002", "improvement", title_en="Door")))
    assert shown["title_en"] == "Door"


def test_plain_keeps_dates_as_dates_for_templates() -> None:
    item = Item("P-0001", "blocking", steps=[Step("PLAN", "DO", dt.date(2026, 11, 3))])
    assert plain({"items": [item]}) == {"items": [{
        "id": "P-0001", "class": "blocking",
        "steps": [{"from": "PLAN", "to": "DO", "on": dt.date(2026, 11, 3)}]}]}
