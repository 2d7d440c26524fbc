"""A generated message and what decode() must make of it; valid messages made unusual."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace

from hypothesis import strategies as st

from schemas.dead_letter import Reason
from tests.fuzz.draft import ENVELOPE, FIELDS, Draft, encode
from tests.fuzz.events import DRAFTS
from tests.fuzz.extras import JSON_VALUES, big_string
from tests.fuzz.scalars import pick
from worker.domain.model import HISTORY_KINDS, Statement

OPAQUE_FIELDS = frozenset(
    {"id", "record_id", "name", "unit_code", "institution", "position_name", "decree_number"}
)
DATE_FIELDS = frozenset({"birth_date", "tmt", "graduated_on", "start_date", "end_date"})
SHAPES = {
    "specversion": "specversion",
    "source": "source",
    "time": "time",
    "sequence": "sequence",
    "agency_code": "agency",
    "echelon": "echelon",
    "hours": "hours",
    "score": "score",
    "year": "year",
}
Path = tuple[str, ...]
BIG = st.integers(100_000, 600_000)  # characters: under Kafka's 1 MB default, with the rest


@dataclass(frozen=True, slots=True)
class Case:
    """A message, and the Statement it states or the reason it is dead-lettered."""

    shape: str
    key: bytes | None
    value: bytes | None
    expected: Statement | Reason
    nip: str = ""  # the subject as written, which a rejection's detail must never repeat


def case(draw: st.DrawFn, shape: str, draft: Draft, expected: Statement | Reason) -> Case:
    return Case(shape, draft.key, encode(draw, draft), expected, draft.nip)


def shape_of(name: str) -> str:
    """What kind of value a field holds: "opaque", "date", "year", …, else "enumeration"."""
    if name in OPAQUE_FIELDS:
        return "opaque"
    if name in DATE_FIELDS:
        return "date"
    return SHAPES.get(name, "enumeration")


def value_fields(draft: Draft) -> list[Path]:
    """The attributes and data fields whose value can be wrong (type and subject aside)."""
    paths: list[Path] = [(name,) for name in ENVELOPE if name not in ("type", "subject", "data")]
    if draft.data is not None:
        if draft.event["type"].endswith(".upserted"):
            paths += [("data", name) for name in FIELDS[draft.kind]]
        elif draft.kind in HISTORY_KINDS:
            paths.append(("data", "record_id"))
    return paths


def opaque_fields(draft: Draft) -> list[Path]:
    return [path for path in value_fields(draft) if path[-1] in OPAQUE_FIELDS]


def put(draft: Draft, path: Path, value: object) -> None:
    target = draft.event if len(path) == 1 else draft.event["data"]
    target[path[-1]] = value


def put_anywhere(draw: st.DrawFn, draft: Draft, raw: bytes) -> None:
    """Raw JSON text in any place: a new attribute or data field, or instead of any value."""
    places: list[Path] = [("x-ext",), *value_fields(draft), ("type",), ("subject",), ("data",)]
    if draft.data is not None:
        places.append(("data", "x-field"))
    put(draft, pick(draw, places), draft.raw_json(raw))


Serials = Iterator[int] | None


def _drafted(draw: st.DrawFn, serials: Serials) -> Draft:
    """A valid draft; with serials, its id unlike any other of the stream, and still unusual.

    Hypothesis repeats values on purpose (a few hundred distinct ids in thousands of events),
    which a stream meant to store thousands of statements cannot use: (source, id) is stored once.
    """
    draft = draw(DRAFTS)
    if serials is not None:
        event_id = f"{next(serials)}:{draft.statement.event_id}"[:200]
        draft.event["id"] = event_id
        draft.statement = replace(draft.statement, event_id=event_id)
    return draft


@st.composite
def valid(draw: st.DrawFn, serials: Serials = None) -> Case:
    draft = _drafted(draw, serials)
    return case(draw, "valid", draft, draft.statement)


@st.composite
def valid_with_a_big_ignored_value(draw: st.DrawFn, serials: Serials = None) -> Case:
    """Hundreds of KB in an unknown attribute or data field: ignored, the event is kept."""
    draft = _drafted(draw, serials)
    target = draft.data if draft.data is not None and draw(st.booleans()) else draft.event
    target["x-attachment"] = draft.raw_json(big_string(draw(BIG)))
    return case(draw, "valid_big_ignored_value", draft, draft.statement)


@st.composite
def valid_with_a_repeated_attribute(draw: st.DrawFn, serials: Serials = None) -> Case:
    """An attribute written twice, any JSON first: the last counts (as in Python's json)."""
    draft = _drafted(draw, serials)
    name = pick(draw, [name for name in ENVELOPE if name in draft.event])
    earlier = json.dumps({name: draw(JSON_VALUES)})[1:-1].encode() + b", "
    value = encode(draw, draft)
    brace = value.index(b"{") + 1
    value = value[:brace] + earlier + value[brace:]
    return Case("valid_repeated_attribute", draft.key, value, draft.statement, draft.nip)
