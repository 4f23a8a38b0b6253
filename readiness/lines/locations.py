"""A line's locations: the one resolver every command and importer uses to turn what a user
typed (a location's ID, or its name when unique on the line) into the location."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from readiness import vocab
from readiness.errors import InvalidValue


@dataclass(frozen=True)
class LocationIndex:
    """A line's locations by ID and by name, to resolve what a user typed."""

    line_name: str
    by_code: dict[str, dict[str, Any]]
    by_name: dict[str, list[dict[str, Any]]]  # by normalised name (width, case, spaces folded)

    @classmethod
    def load(cls, session: Any, line: Any) -> LocationIndex:
        from readiness.store.lines import list_locations

        by_code: dict[str, dict[str, Any]] = {}
        by_name: dict[str, list[dict[str, Any]]] = {}
        for loc in list_locations(session, line.id):
            by_code[loc["code"]] = loc
            by_name.setdefault(vocab.normalise(loc["name"]), []).append(loc)
        return cls(line.name, by_code, by_name)

    def find(self, value: Any) -> dict[str, Any]:
        """The location whose ID is `value`, else the only one with that name; InvalidValue
        (location.unknown, or location.ambiguous listing the IDs) otherwise."""
        text = str(value).strip()
        found = self.by_code.get(text)
        if found is not None:
            return found
        folded = vocab.normalise(text)
        named = self.by_name.get(folded) or [loc for code, loc in self.by_code.items()
                                             if vocab.normalise(code) == folded]
        if len(named) == 1:
            return named[0]
        if named:
            raise InvalidValue("location.ambiguous", value=text, line=self.line_name,
                               codes=", ".join(loc["code"] for loc in named))
        raise InvalidValue("location.unknown", value=text, line=self.line_name)

    def resolve(self, value: Any, errors: list[tuple[str, str, dict[str, Any]]],
                field: str = "location") -> dict[str, Any] | None:
        """`find`, for callers that collect (field, message key, params) problems; None when
        `value` is blank or not found."""
        if value in (None, ""):
            return None
        try:
            return self.find(value)
        except InvalidValue as err:
            errors.append((field, err.key, err.params))
            return None
