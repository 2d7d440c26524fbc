"""The dead-letter topic's contract (contracts §1): why a message was refused, and the headers
that say so.

A dead letter keeps the original key and value bytes; its headers start with `ipasn-dlq-` and
are followed by the original message's own headers, so that a replay sends those back with it
(an `ipasn-signature` still verifies). `ipasn-dlq-*` headers are never a sender's to set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, get_args

Reason = Literal[
    "not_json",
    "invalid_event",
    "unknown_type",
    "bad_nip",
    "key_mismatch",
    "not_authorised",
    "bad_signature",
]
REASONS: Final[tuple[str, ...]] = get_args(Reason)
# What each reason means, for the people reading dead letters (schemas/asyncapi.yaml, README).
MEANINGS: Final[Mapping[Reason, str]] = {
    "not_json": "the value is empty, not UTF-8 JSON, or holds NaN or Infinity",
    "invalid_event": (
        "JSON, but not a valid event: not an object, a required attribute or data field missing"
        " or of the wrong type or form, a value out of range; or a value the database refused"
    ),
    "unknown_type": "type is not a known change event type",
    "bad_nip": "subject is not a valid NIP",
    "key_mismatch": "the message key is absent or is not the event's subject",
    "not_authorised": (
        "the source may not send this kind, a regional profile names another agency, a release"
        " does not come from the steward, or a steward event arrives with no steward secret"
        " configured"
    ),
    "bad_signature": (
        "ipasn-signature missing, repeated or wrong for a source with a secret, or a source"
        " without one while signatures are required"
    ),
}

PREFIX: Final = "ipasn-dlq-"
REASON: Final = f"{PREFIX}reason"  # one of REASONS
DETAIL: Final = f"{PREFIX}detail"  # one human-readable line, no personal data
TOPIC: Final = f"{PREFIX}topic"  # where the original came from
PARTITION: Final = f"{PREFIX}partition"
OFFSET: Final = f"{PREFIX}offset"
# The original was too large to copy whole: its value (or its own headers) left out, with the
# size it had; the original stays on its input topic at the partition and offset named.
VALUE_OMITTED: Final = f"{PREFIX}value-omitted"
HEADERS_OMITTED: Final = f"{PREFIX}headers-omitted"
# Set by `ipasn-worker dlq replay` on each message it sends back: <dlq topic>:<partition>:<offset>.
REPLAYED_FROM: Final = "ipasn-replayed-from"


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a message goes to the dead-letter topic."""

    reason: Reason
    detail: str  # one line, no personal data
    source: str | None = None  # a well-formed source name, else None
    kind: str | None = None


def is_dead_letter_header(name: str) -> bool:
    return name.startswith(PREFIX)
