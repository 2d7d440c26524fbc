"""A request's body as the CloudEvents HTTP binding sends it (contracts §13), split into the
events it carries, each as the exact bytes the sender wrote: pure functions, no I/O.

Structured mode only: `application/cloudevents+json` is one event, the body itself;
`application/cloudevents-batch+json` is a JSON array of events, each element kept as the text
it had in the array, so that what reaches Kafka is what was sent (the worker's decoder judges
those bytes, and a source's signature, §8, is over them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final, Literal

SINGLE: Final = "application/cloudevents+json"
BATCH: Final = "application/cloudevents-batch+json"
MAX_BODY_BYTES: Final = 1_048_576  # 1 MiB, a single event or a batch
MAX_EVENTS: Final = 1_000

Mode = Literal["single", "batch"]
_WHITESPACE = " \t\n\r"  # JSON's (RFC 8259 §2), and nothing else


class Refused(Exception):
    """The request as a whole is refused: its HTTP status and one line saying why (never a
    value from the body)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Sent:
    """One event of a request: its bytes as sent, and as parsed (for its id, subject and
    source; the decoder validates the bytes)."""

    value: bytes
    parsed: object


def mode_of(content_type: str | None) -> Mode:
    """Which of the binding's two structured forms the Content-Type names; Refused(415) for
    any other, or for a charset other than UTF-8."""
    media, *parameters = (content_type or "").split(";")
    modes: dict[str, Mode] = {SINGLE: "single", BATCH: "batch"}
    mode = modes.get(media.strip().lower())
    if mode is None:
        raise Refused(415, f"Content-Type must be {SINGLE} (one event) or {BATCH} (a JSON array)")
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            raise Refused(415, "the only charset accepted is utf-8")
    return mode


def check_encoding(content_encoding: str | None) -> None:
    """Refused(415) for a compressed body: the signature and the decoder read the bytes sent."""
    if (content_encoding or "identity").strip().lower() != "identity":
        raise Refused(415, "Content-Encoding is not supported: send the body uncompressed")


def declared_length(header: str | None) -> int | None:
    """The Content-Length, checked before the body is read: Refused(413) over the limit,
    Refused(400) where it is no length."""
    if header is None:
        return None
    if not header.strip().isdigit():
        raise Refused(400, "Content-Length is not a number")
    length = int(header)
    if length > MAX_BODY_BYTES:
        raise Refused(413, too_large())
    return length


def too_large() -> str:
    return f"the body is larger than {MAX_BODY_BYTES:,} bytes (1 MiB)"


def events_of(body: bytes, mode: Mode) -> list[Sent]:
    """The events of a body; Refused(400) where it is not UTF-8 JSON (or a batch no array),
    Refused(413) for a batch of more than MAX_EVENTS."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8") from None
    if mode == "single":
        return [Sent(body, _parsed_whole(text))]
    return [Sent(t.encode("utf-8"), parsed) for t, parsed in _elements(text)]


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _decoded(text: str, at: int) -> tuple[object, int]:
    """The JSON value at `at` and where it ends; Refused(400) where there is none."""
    try:
        return _DECODER.raw_decode(text, at)
    except json.JSONDecodeError as e:
        # json's messages name the fault and its position, never the input.
        detail = f"{e.msg} (line {e.lineno}, column {e.colno})"
    except ValueError as e:  # NaN, Infinity
        detail = str(e)
    except RecursionError:
        detail = "nested too deeply"
    raise Refused(400, f"the body is not JSON: {detail}")


def _parsed_whole(text: str) -> object:
    value, end = _decoded(text, _skip(text, 0))
    if _skip(text, end) != len(text):
        raise Refused(400, "the body is not JSON: extra data after the value")
    return value


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _WHITESPACE:
        at += 1
    return at


def _elements(text: str) -> list[tuple[str, object]]:
    """Each element of the JSON array `text` as its own text and its value."""
    at = _skip(text, 0)
    if not text.startswith("[", at):
        _parsed_whole(text)  # not JSON at all: say so, as for a single event
        raise Refused(400, f"a {BATCH} body is a JSON array of events")
    found: list[tuple[str, object]] = []
    at = _skip(text, at + 1)
    closed = text.startswith("]", at)
    at += closed
    while not closed:
        if len(found) == MAX_EVENTS:
            raise Refused(413, f"a batch holds at most {MAX_EVENTS:,} events")
        value, end = _decoded(text, at)
        found.append((text[at:end], value))
        at = _skip(text, end)
        if not text.startswith((",", "]"), at):
            raise Refused(400, f"the body is not JSON: ',' or ']' expected at character {at}")
        closed = text[at] == "]"
        at = _skip(text, at + 1)
    if _skip(text, at) != len(text):
        raise Refused(400, "the body is not JSON: extra data after the array")
    return found
