"""decode() is total: hostile bytes become a Rejection with the right reason, never an exception.

Each case was a way past the old json.loads handler (RecursionError, the 4300-digit int limit,
lone surrogates the database cannot store) or is one of its neighbours in jiter, the JSON parser
of pydantic-core. One raise here would stop the worker on the same message at every restart.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from consumers.changes import decode
from schemas.dead_letter import Rejection
from tests.factories import BKN_8_2019, NAME, NIP, cloud_event, encoded, profile_data, training_data
from worker.domain.model import Statement

KEY = NIP.encode()
VALID = encoded(cloud_event("profile", profile_data("3201")))
DEEP = 100_000


def _with(field: bytes, literal: bytes, event: bytes = VALID) -> bytes:
    """The valid event with one more top-level attribute, written as raw JSON text."""
    return event[:-1] + b', "' + field + b'": ' + literal + b"}"


def _in_name(escaped: bytes) -> bytes:
    """The valid event with raw JSON text at the start of data.name."""
    return VALID.replace(b'"name": "', b'"name": "' + escaped, 1)


def _training(hours: bytes) -> bytes:
    event = encoded(cloud_event("training", training_data("T-1", 10)))
    return event.replace(b'"hours": 10', b'"hours": ' + hours)


# (case, value bytes, reason); the key is always the right one.
HOSTILE: list[tuple[str, bytes | None, str]] = [
    ("100,000 nested arrays", b"[" * DEEP + b"]" * DEEP, "not_json"),
    ("100,000 nested objects", b'{"a":' * DEEP + b"1" + b"}" * DEEP, "not_json"),
    ("deep nesting in an ignored attribute", _with(b"x", b"[" * DEEP + b"]" * DEEP), "not_json"),
    ("an integer of 4301 digits", _with(b"sequence", b"7" * 4301), "not_json"),
    ("an integer of 100,000 digits ignored", _with(b"x", b"7" * DEEP), "not_json"),
    ("an integer of 4300 digits", _with(b"sequence", b"7" * 4300), "invalid_event"),
    ("a fraction of 5000 digits", _with(b"x", b"1" + b"0" * 5000 + b".5"), "not_json"),
    ("NaN as the sequence", _with(b"sequence", b"NaN"), "not_json"),
    ("NaN in an ignored attribute", _with(b"x", b"NaN"), "not_json"),
    ("Infinity in an ignored attribute", _with(b"x", b"Infinity"), "not_json"),
    ("-Infinity inside a list", _with(b"x", b"[1, -Infinity]"), "not_json"),
    ("NaN as training hours", _training(b"NaN"), "not_json"),
    ("1e400 as training hours", _training(b"1e400"), "invalid_event"),
    ("a lone high surrogate in a name", _in_name(b"\\ud800"), "invalid_event"),
    ("a lone low surrogate in a name", _in_name(b"\\udc00"), "invalid_event"),
    ("two high surrogates in a name", _in_name(b"\\ud800\\ud800"), "invalid_event"),
    ("a lone surrogate in an ignored attribute", _with(b"x", b'"\\udfff"'), "invalid_event"),
    ("a lone surrogate in an attribute name", _with(b"\\ud800", b"1"), "invalid_event"),
    ("a surrogate encoded as UTF-8 bytes", _in_name(b"\xed\xa0\x80"), "not_json"),
    ("invalid UTF-8 in a name", _in_name(b"\xff"), "not_json"),
    ("an overlong UTF-8 encoding", _in_name(b"\xc0\xaf"), "not_json"),
    ("UTF-16 with a byte order mark", json.dumps({"a": 1}).encode("utf-16"), "not_json"),
    ("UTF-8 with a byte order mark", b"\xef\xbb\xbf" + VALID, "not_json"),
    ("a raw control character in a string", _in_name(b"\x01"), "not_json"),
    ("a NUL escape in a name", _in_name(b"\\u0000"), "invalid_event"),
    ("a C1 control character in a name", _in_name(b"\\u0085"), "invalid_event"),
    ("DEL in a name", _in_name(b"\x7f"), "invalid_event"),
    ("no value", None, "not_json"),
    ("an empty value", b"", "not_json"),
    ("only white space", b" \n\t ", "not_json"),
    ("text after the object", VALID + b" {}", "not_json"),
    ("a trailing comma", VALID[:-1] + b",}", "not_json"),
    ("single quotes", b"{'specversion': '1.0'}", "not_json"),
    ("a comment", b"/* event */" + VALID, "not_json"),
    ("a JSON null", b"null", "invalid_event"),
    ("a JSON number", b"1735689600", "invalid_event"),
    ("a JSON true", b"true", "invalid_event"),
    ("a JSON list of events", b"[" + VALID + b"]", "invalid_event"),
    ("a name of eight million characters", _in_name(b"x" * 8_000_000), "invalid_event"),
]


@pytest.mark.parametrize(("case", "value", "reason"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_input_is_rejected_with_its_reason_and_never_raises(
    case: str, value: bytes | None, reason: str
) -> None:
    decoded = decode(KEY, value, BKN_8_2019)
    assert isinstance(decoded, Rejection)
    assert decoded.reason == reason


@pytest.mark.parametrize(("case", "value", "reason"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_rejection_detail_is_one_short_utf8_line_without_the_input(
    case: str, value: bytes | None, reason: str
) -> None:
    decoded = decode(KEY, value, BKN_8_2019)
    assert isinstance(decoded, Rejection)
    decoded.detail.encode("utf-8")  # it becomes a Kafka header
    assert "\n" not in decoded.detail
    assert len(decoded.detail) < 300
    for personal in (NIP, NAME, "7777777", "xxxxxxxx"):
        assert personal not in decoded.detail


@pytest.mark.parametrize(
    ("value", "fault"),
    [
        (b"[" * DEEP + b"]" * DEEP, "recursion limit exceeded"),
        (_with(b"sequence", b"7" * 4301), "number out of range"),
        (_in_name(b"\xff"), "invalid unicode code point"),
    ],
)
def test_a_value_that_is_not_json_names_the_parsers_fault(value: bytes, fault: str) -> None:
    decoded = decode(KEY, value, BKN_8_2019)
    assert isinstance(decoded, Rejection)
    assert fault in decoded.detail


@pytest.mark.parametrize(
    "value",
    [_in_name(b"\\ud800"), _with(b"x", b"NaN"), _training(b"1e400")],
    ids=["surrogate", "NaN", "overflow"],
)
def test_a_rejected_event_that_still_parses_names_its_source_and_kind(value: bytes) -> None:
    decoded = decode(KEY, value, BKN_8_2019)
    assert isinstance(decoded, Rejection)
    assert decoded.source == "siasn"
    assert decoded.kind in ("profile", "training")


def test_a_malformed_source_is_not_passed_on_as_the_rejections_source() -> None:
    event = cloud_event("profile", profile_data("3201"), source="siasn\u0000" + NAME)
    decoded = decode(KEY, encoded(event), BKN_8_2019)
    assert isinstance(decoded, Rejection)
    assert (decoded.reason, decoded.source, decoded.kind) == ("invalid_event", None, "profile")


def test_a_lone_surrogate_before_a_bad_nip_still_reports_the_bad_nip() -> None:
    # A surrogate makes the event invalid; a bad NIP outranks that, as it does any field error.
    value = _in_name(b"\\ud800").replace(NIP.encode(), b"123", 1)
    decoded = decode(KEY, value, BKN_8_2019)
    assert isinstance(decoded, Rejection)
    assert decoded.reason == "bad_nip"


# --- what looks hostile but is a valid event -------------------------------------------------


def _accepted(value: bytes) -> Statement:
    decoded = decode(KEY, value, BKN_8_2019)
    assert isinstance(decoded, Statement), decoded
    return decoded


@pytest.mark.parametrize(
    ("escaped", "name"),
    [
        (b"NaN ", "NaN " + NAME),  # the words NaN and Infinity inside a string are text
        (b"Infinity ", "Infinity " + NAME),
        (b"\\\\ud800 ", "\\ud800 " + NAME),  # an escaped backslash, then the letters ud800
        (b"\\ud83d\\ude00 ", "\U0001f600 " + NAME),  # a surrogate pair is one emoji
        (b"\\u00e9 ", "\u00e9 " + NAME),
    ],
)
def test_text_that_resembles_a_hostile_token_is_kept_as_written(escaped: bytes, name: str) -> None:
    values = _accepted(_in_name(escaped)).values
    assert values is not None
    assert values["name"] == name


@pytest.mark.parametrize(
    "literal",
    [
        b'"\\u0000"',  # never stored: ignored fields are dropped
        b'"\\u0085\\u007f"',
        b"[" * 150 + b"]" * 150,
        b"1e400",  # a JSON number, if not a finite double
        b"7" * 4300,
        b'"' + b"x" * 8_000_000 + b'"',
        b'{"a": 1, "a": 2}',
    ],
    ids=["NUL", "C1 and DEL", "150 levels", "1e400", "4300 digits", "8 MB", "duplicate keys"],
)
def test_an_ignored_attribute_is_ignored_whatever_json_it_holds(literal: bytes) -> None:
    assert _accepted(_with(b"bknextension", literal)) == _accepted(VALID)


def test_the_last_of_duplicate_attributes_counts_as_in_python() -> None:
    # jiter and json.loads agree: the last occurrence wins.
    statement = _accepted(VALID[:-1] + b', "id": "ev-last"}')
    assert statement.event_id == "ev-last"


def _all_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _all_strings(v)]
    return []


def test_an_accepted_event_holds_only_storable_text() -> None:
    statement = _accepted(_in_name(b"\\ud83d\\ude00\\u00e9 "))
    for text in [statement.event_id, statement.source, *_all_strings(statement.values)]:
        text.encode("utf-8")
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)
