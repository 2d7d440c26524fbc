"""The sample's messages as they go on the wire: key, exact value bytes and a note.

A value is a CloudEvents 1.0 event in structured JSON mode, UTF-8; a note says what the
message is for, and for a malformed one starts with ``malformed <reason>:``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from worker.dev.demo.sample.stream import Event

MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class SampleMessage:
    """One Kafka message: key (normally the NIP), the exact value bytes, what it is for."""

    key: bytes | None
    value: bytes
    note: str


def expected_reason(message: SampleMessage) -> str | None:
    """The dead-letter reason a malformed message must get; None for a valid one."""
    if not message.note.startswith(MALFORMED + " "):
        return None
    return message.note.split(" ", 2)[1].rstrip(":")


def write_jsonl(messages: Iterable[SampleMessage], path: str | Path) -> int:
    """Write the values one per line, for ``ipasn-worker publish FILE``; returns the count.

    Keys are not kept: ``publish`` keys each line by its subject, so the key-mismatch sample
    becomes a duplicate of the event it copies, and a line without a subject has no key.
    """
    count = 0
    with Path(path).open("wb") as out:
        for m in messages:
            if b"\n" in m.value or b"\r" in m.value:
                raise ValueError("a sample value spans several lines")
            out.write(m.value + b"\n")
            count += 1
    return count


def message(event: Event, note: str | None = None) -> SampleMessage:
    """The event as its source sends it, keyed by the NIP; with its own note unless given."""
    return SampleMessage(
        event.nip.encode(), encode(envelope(event)), event.note if note is None else note
    )


def envelope(event: Event) -> dict[str, Any]:
    value: dict[str, Any] = {
        "specversion": "1.0",
        "id": event.event_id,
        "source": event.source,
        "type": f"asn.{event.kind}.{'deleted' if event.deleted else 'upserted'}",
        "subject": event.nip,
        "time": rfc3339(event.time),
    }
    if event.sequence is not None:
        value["sequence"] = event.sequence
    value["datacontenttype"] = "application/json"
    if event.data is not None:
        value["data"] = event.data
    return value


def rfc3339(moment: datetime) -> str:
    if moment.utcoffset() == timedelta(0):
        return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return moment.isoformat(timespec="seconds")


def encode(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
