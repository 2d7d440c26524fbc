"""A valid event under construction, and how senders write it as bytes.

A Draft is a valid event as a JSON object, its message key and the Statement decode() must make
of it, written down from what the generator chose, not from decode()'s own models. Raw JSON text
that Python's json module does not write (1E3, 4300-digit integers, deep nesting, hundreds of
KB) is held apart and put in by encode(), in the place of a placeholder string.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.scalars import picks
from worker.domain.model import Kind, Statement

PLACEHOLDER = "raw-json-5be0f3a1-"
ENVELOPE = ("specversion", "id", "source", "type", "subject", "time", "sequence", "data")
FIELDS: dict[Kind, tuple[str, ...]] = {
    "profile": (
        "name", "birth_date", "gender", "employee_type", "status", "agency_code", "unit_code",
    ),
    "position": ("position_type", "position_name", "echelon", "tmt"),
    "education": ("record_id", "level", "institution", "graduated_on"),
    "training": (
        "record_id", "category", "leadership_tier", "name", "start_date", "end_date", "hours",
    ),
    "performance": ("record_id", "year", "predicate", "score"),
    "discipline": ("record_id", "level", "decree_number", "start_date", "end_date"),
}  # fmt: skip


@dataclass
class Draft:
    """A valid event, its key and its Statement; a fault edits a copy of it."""

    event: dict[str, Any]
    key: bytes | None
    statement: Statement
    # Fields a fault may remove to make the event invalid: ("id",), ("data", "hours"), …
    required: list[tuple[str, ...]]
    raw: list[bytes] = field(default_factory=list)

    @property
    def kind(self) -> Kind:
        return self.statement.kind

    @property
    def nip(self) -> str:
        subject = self.event.get("subject")
        return subject if isinstance(subject, str) else ""

    @property
    def data(self) -> dict[str, Any] | None:
        data = self.event.get("data")
        return data if isinstance(data, dict) else None

    def raw_json(self, text: bytes) -> str:
        """A token that encode() replaces with the raw JSON text."""
        self.raw.append(text)
        return f"{PLACEHOLDER}{len(self.raw) - 1}"


INDENTS = (None, None, 0, 2, "\t")
SEPARATORS = (None, (",", ":"), (" , ", " : "))
SPACE = (b"", b"", b"\n", b" \r\n\t")


def encode(draw: st.DrawFn, draft: Draft) -> bytes:
    """The event as JSON bytes, in one of the forms senders write, tokens replaced."""
    event_order, data_order = picks(draw, ORDERS, ORDERS)
    event = _reordered(draft.event, event_order)
    if draft.data is not None:
        event["data"] = _reordered(draft.data, data_order)
    ascii_only, indent, separators, before, after = picks(
        draw, (True, False), INDENTS, SEPARATORS, SPACE, SPACE
    )
    text = json.dumps(event, ensure_ascii=ascii_only, indent=indent, separators=separators)
    value = text.encode("utf-8")
    for i, raw in enumerate(draft.raw):
        value = value.replace(f'"{PLACEHOLDER}{i}"'.encode(), raw)
    return b"".join((before, value, after))


ORDERS = ("as built", "as built", "reversed", "sorted", "data first")


def _reordered(obj: dict[str, Any], order: str) -> dict[str, Any]:
    """Attributes in any order: nothing may depend on "type" coming before "data"."""
    names = list(obj)
    if order == "reversed":
        names.reverse()
    elif order == "sorted":
        names.sort()
    elif order == "data first":
        names.sort(key=lambda name: name not in ("data", "record_id"))
    return {name: obj[name] for name in names}
