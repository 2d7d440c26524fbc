"""Unknown attributes and data fields: they hold any JSON, and the worker ignores them
(contracts §1), so that upstream systems can add to their events."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.fuzz.draft import ENVELOPE, FIELDS, Draft

EXTENSIONS: dict[str, Any] = {
    "datacontenttype": "application/json",
    "dataschema": "https://siasn.bkn.go.id/schemas/change/v2",
    "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "actor": "operator BKPSDM",
    "partitionkey": "198703142010121001",
}
NESTING_LIMIT = 201  # pydantic-core's JSON parser reads 201 levels and refuses the 202nd

ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)  # controls escaped
NAMES = ANY_TEXT | st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=20)
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    ANY_TEXT,
)
# One level of nesting here; deep nesting comes as raw text (RAW_VALUES).
JSON_VALUES = (
    JSON_SCALARS
    | st.lists(JSON_SCALARS, max_size=3)
    | st.dictionaries(ANY_TEXT, JSON_SCALARS, max_size=3)
)
RAW_VALUES = st.one_of(
    st.integers(1, NESTING_LIMIT - 2).map(lambda depth: nested(depth)),  # inside data, too
    st.integers(1, 4300).map(lambda digits: b"9" * digits),
    st.sampled_from([b"1e400", b"-1e400", b"1E-400", b"-0", b'"\\u0000\\u001f\\u007f\\u0085"']),
    st.sampled_from([b'"\\ud83d\\ude00"', b'{"a": 1, "a": 2}', b'"NaN"', b'"\\\\ud800"']),
)


def nested(depth: int, brackets: bytes = b"[]") -> bytes:
    if brackets == b"{}":
        return b'{"a":' * depth + b"1" + b"}" * depth
    return b"[" * depth + b"]" * depth


def big_string(size: int) -> bytes:
    """A JSON string of size ASCII characters, as a text field might hold by mistake."""
    return b'"' + (b"12/KP/2021 " * (size // 11 + 1))[:size] + b'"'


def ignored_value(draw: st.DrawFn, draft: Draft) -> Any:
    if draw(st.booleans()):
        return draw(JSON_VALUES)
    return draft.raw_json(draw(RAW_VALUES))


EXTENSION_NAMES = st.lists(st.sampled_from(sorted(EXTENSIONS)), max_size=2, unique=True)


def _unknown(known: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(NAMES.filter(lambda name: name not in known), max_size=2)


UNKNOWN_ATTRIBUTES = _unknown(ENVELOPE)
UNKNOWN_FIELDS = {kind: _unknown(known) for kind, known in FIELDS.items()}


def add_unknown(draw: st.DrawFn, draft: Draft) -> None:
    for name in draw(EXTENSION_NAMES):
        draft.event[name] = EXTENSIONS[name]
    for name in draw(UNKNOWN_ATTRIBUTES):
        draft.event[name] = ignored_value(draw, draft)
    if draft.data is not None:
        for name in draw(UNKNOWN_FIELDS[draft.kind]):
            draft.data[name] = ignored_value(draw, draft)
