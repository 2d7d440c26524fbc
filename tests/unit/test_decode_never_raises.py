"""Property: decode() is total. Any bytes, and any mutation of a valid event, give a Statement
or a Rejection; an accepted statement holds only text the database can store, and a rejection's
detail is one UTF-8 line (it becomes a Kafka header).

A few hundred examples each, to run with the unit tests; a longer fuzz run can raise them.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consumers.changes import decode
from schemas.dead_letter import Rejection
from tests.factories import BKN_8_2019, NIP, cloud_event, profile_data, training_data
from worker.domain.model import Statement

KEY = NIP.encode()
EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

EVENTS: list[dict[str, Any]] = [
    cloud_event("profile", profile_data("3201"), sequence=3),
    cloud_event("training", training_data("T-1", 10.5)),
    cloud_event("performance", {"record_id": "P", "year": 2024, "score": 92}, source="ekinerja"),
    cloud_event("discipline", {"record_id": "12/KP/2021"}, op="deleted"),
    cloud_event("position", None, op="deleted", source="simpeg:3201"),
]

# Text with what breaks parsers and databases: lone surrogates, control characters, NUL.
CHARACTERS = st.one_of(
    st.characters(exclude_categories=()),
    st.integers(0xD800, 0xDFFF).map(chr),
    st.integers(0x00, 0x9F).map(chr),
)
TEXT = st.text(CHARACTERS, max_size=30)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    st.sampled_from(["2025-03-01T08:00:00Z", "2025-02-30", "1735689600", NIP, "asn.x.upserted"]),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)
# JSON text Python's json module will not write: deep nesting, huge numbers, bare surrogates.
RAW_JSON = st.one_of(
    st.integers(150, 30_000).map(lambda n: "[" * n + "]" * n),
    st.integers(4250, 4350).map(lambda n: "7" * n),
    st.sampled_from(["NaN", "-Infinity", "1e400", '"\\ud800"', '"\\udc00x"', "-0", "1E-400"]),
)
PLACEHOLDER = "__raw_json__"


def _check(decoded: Statement | Rejection) -> None:
    if isinstance(decoded, Rejection):
        decoded.detail.encode("utf-8")
        assert "\n" not in decoded.detail
        return
    texts = [decoded.event_id, decoded.source, decoded.record_id or ""]
    texts += [v for v in (decoded.values or {}).values() if isinstance(v, str)]
    for text in texts:
        text.encode("utf-8")
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)


@EXAMPLES
@given(st.one_of(st.none(), st.binary(max_size=2000)), st.one_of(st.none(), st.binary()))
def test_any_bytes_decode_to_a_statement_or_a_rejection(value: bytes | None, key: bytes) -> None:
    _check(decode(key, value, BKN_8_2019))


@st.composite
def _edited_events(draw: st.DrawFn) -> bytes:
    """A valid event with one attribute or data field replaced, added or removed."""
    event = json.loads(json.dumps(draw(st.sampled_from(EVENTS))))
    target = event["data"] if "data" in event and draw(st.booleans()) else event
    field = draw(st.one_of(st.sampled_from(sorted(target)), TEXT))
    edit = draw(st.sampled_from(["remove", "value", "raw"]))
    if edit == "remove":
        target.pop(field, None)
    else:
        target[field] = draw(JSON_VALUES) if edit == "value" else PLACEHOLDER
    # ensure_ascii writes lone surrogates as \ud800 escapes; allow_nan writes NaN and Infinity.
    text = json.dumps(event, ensure_ascii=draw(st.booleans()), allow_nan=True)
    text = text.replace(f'"{PLACEHOLDER}"', draw(RAW_JSON))
    return text.encode("utf-8", "surrogatepass")


@EXAMPLES
@given(_edited_events())
def test_an_event_with_an_edited_field_decodes_to_a_statement_or_a_rejection(
    value: bytes,
) -> None:
    _check(decode(KEY, value, BKN_8_2019))


@st.composite
def _corrupted_events(draw: st.DrawFn) -> bytes:
    """A valid event's bytes with a few bytes replaced, inserted or deleted."""
    value = bytearray(json.dumps(draw(st.sampled_from(EVENTS))).encode())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(value)))
        junk = draw(st.one_of(st.binary(max_size=4), st.sampled_from([b"\\ud800", b"NaN", b"["])))
        cut = draw(st.integers(0, 3))
        value[at : at + cut] = junk
    return bytes(value)


@EXAMPLES
@given(_corrupted_events())
def test_an_event_with_corrupted_bytes_decodes_to_a_statement_or_a_rejection(
    value: bytes,
) -> None:
    _check(decode(KEY, value, BKN_8_2019))


def test_every_unedited_event_of_the_property_tests_is_accepted() -> None:
    # Otherwise the properties above would only ever see rejections.
    for event in EVENTS:
        decoded = decode(KEY, json.dumps(event).encode(), BKN_8_2019)
        assert isinstance(decoded, Statement), decoded
