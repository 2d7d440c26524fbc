"""The intake's reading of a request body (worker/commands/intake/body.py): content types,
sizes, JSON, and each batch element kept as the exact bytes the sender wrote."""

from __future__ import annotations

import json

import pytest

from tests.factories import cloud_event, encoded, profile_data
from worker.commands.intake.body import (
    BATCH,
    MAX_BODY_BYTES,
    MAX_EVENTS,
    SINGLE,
    Refused,
    check_encoding,
    declared_length,
    events_of,
    mode_of,
)

EVENT = cloud_event("profile", profile_data())


def _refused(status: int, call: object, *args: object) -> str:
    with pytest.raises(Refused) as caught:
        call(*args)  # type: ignore[operator]
    assert caught.value.status == status
    return caught.value.detail


@pytest.mark.parametrize(
    ("content_type", "mode"),
    [
        (SINGLE, "single"),
        (BATCH, "batch"),
        ("Application/CloudEvents+JSON; charset=UTF-8", "single"),
        ('application/cloudevents-batch+json;charset="utf-8"', "batch"),
    ],
)
def test_the_two_structured_content_types_are_read_in_any_case(
    content_type: str, mode: str
) -> None:
    assert mode_of(content_type) == mode


@pytest.mark.parametrize(
    "content_type",
    [None, "", "application/json", "text/plain", "application/cloudevents+json; charset=latin-1"],
)
def test_any_other_content_type_or_charset_is_415(content_type: str | None) -> None:
    _refused(415, mode_of, content_type)


def test_a_compressed_body_is_415() -> None:
    check_encoding(None)
    check_encoding("identity")
    assert "uncompressed" in _refused(415, check_encoding, "gzip")


def test_a_content_length_over_one_mib_is_413_before_the_body_is_read() -> None:
    assert declared_length(str(MAX_BODY_BYTES)) == MAX_BODY_BYTES
    assert declared_length(None) is None
    _refused(413, declared_length, str(MAX_BODY_BYTES + 1))
    _refused(400, declared_length, "12abc")


def test_a_single_event_is_the_body_itself_byte_for_byte() -> None:
    body = b'  {"a": 1,   "b": "\\u00e9"}\n'
    [event] = events_of(body, "single")
    assert event.value == body
    assert event.parsed == {"a": 1, "b": "é"}


def test_each_batch_element_keeps_the_text_the_sender_wrote() -> None:
    first = '{"id":  "x", "name": "Dédé \\ud83d\\ude00"}'
    second = '{ "id" : "y" ,"n":[1, 2 ]}'
    body = f" [\n {first} ,\t{second}\n] ".encode()
    events = events_of(body, "batch")
    assert [e.value for e in events] == [first.encode(), second.encode()]
    assert [e.parsed["id"] for e in events] == ["x", "y"]  # type: ignore[index]


def test_an_empty_batch_has_no_events() -> None:
    assert events_of(b" [ ] ", "batch") == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b'{"a": 1',
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": 1} {"b": 2}',
        b"\xff\xfe{}",
        b"[" * 100_000,
    ],
)
def test_what_is_not_utf8_json_is_400(body: bytes) -> None:
    _refused(400, events_of, body, "single")


@pytest.mark.parametrize(
    "body",
    [b"[", b"[{}", b"[{},]", b"[{} {}]", b"[{}] x", b'{"a": 1}', b"[NaN]", b"[1,,2]"],
)
def test_a_batch_that_is_no_json_array_is_400(body: bytes) -> None:
    _refused(400, events_of, body, "batch")


def test_a_batch_of_more_than_a_thousand_events_is_413() -> None:
    assert len(events_of(json.dumps([{}] * MAX_EVENTS).encode(), "batch")) == MAX_EVENTS
    detail = _refused(413, events_of, json.dumps([{}] * (MAX_EVENTS + 1)).encode(), "batch")
    assert "1,000" in detail


def test_details_never_repeat_the_body() -> None:
    body = encoded(EVENT)[:-1]  # cut short: not JSON
    detail = _refused(400, events_of, body, "single")
    assert EVENT["subject"] not in detail
    assert "Siti" not in detail
