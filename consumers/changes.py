"""bytes → schema → Statement, or the reason it goes to the dead-letter topic."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, cast

from pydantic import ValidationError

from schemas.events import EVENT_TYPES, ChangeEvent, ProfileUpserted, change_event
from worker.domain.model import Kind, Statement
from worker.domain.nip import InvalidNip, validate_nip
from worker.domain.rules import RuleSet, regional_agency

Reason = Literal[
    "not_json",
    "invalid_event",
    "unknown_type",
    "bad_nip",
    "key_mismatch",
    "not_authorised",
    "bad_signature",
]


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: Reason
    detail: str  # one line, no personal data
    source: str | None = None
    kind: str | None = None


def _validation_detail(error: ValidationError) -> str:
    # Locations and messages only: pydantic's own str() would echo the input values.
    parts = []
    for e in error.errors()[:3]:
        where = ".".join(str(p) for p in e["loc"] if not str(p).startswith("asn.")) or "event"
        parts.append(f"{where}: {e['msg']}")
    more = error.error_count() - len(parts)
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def _kind_of(event_type: str) -> Kind:
    return cast(Kind, event_type.split(".")[1])


def decode(key: bytes | None, value: bytes | None, rules: RuleSet) -> Statement | Rejection:
    try:
        raw = json.loads(value or b"")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return Rejection("not_json", "the message value is not UTF-8 JSON")
    if value is not None and b"\\u0000" in value:
        # A NUL character cannot be stored in a PostgreSQL text column.
        return Rejection("invalid_event", "the event contains a NUL character (\\u0000)")
    if not isinstance(raw, dict):
        return Rejection("invalid_event", "the message value is not a JSON object")
    source = raw.get("source") if isinstance(raw.get("source"), str) else None
    event_type, subject = raw.get("type"), raw.get("subject")
    if not isinstance(event_type, str) or not isinstance(subject, str):
        return Rejection("invalid_event", "type and subject are required strings", source)
    if event_type not in EVENT_TYPES:
        return Rejection("unknown_type", "type is not a known change event type", source)
    kind = _kind_of(event_type)
    try:
        validate_nip(subject)
    except InvalidNip as e:
        return Rejection("bad_nip", f"subject: {e}", source, kind)
    try:
        event = change_event.validate_python(raw)
    except ValidationError as e:
        return Rejection("invalid_event", _validation_detail(e), source, kind)
    if key is None or key.decode("utf-8", "replace") != event.subject:
        return Rejection(
            "key_mismatch", "the message key is not the event subject", event.source, kind
        )
    refusal = _authority(event, kind, rules)
    if refusal:
        return Rejection("not_authorised", refusal, event.source, kind)
    return to_statement(event, kind)


def _authority(event: ChangeEvent, kind: Kind, rules: RuleSet) -> str | None:
    if not rules.may_send(event.source, kind):
        return f"source {event.source} may not send {kind} events"
    agency = regional_agency(event.source)
    if isinstance(event, ProfileUpserted) and agency not in (None, event.data.agency_code):
        return f"a {event.source} profile must carry agency_code {agency}"
    return None


def to_statement(event: ChangeEvent, kind: Kind) -> Statement:
    deleted = event.type.endswith(".deleted")
    data = event.data
    record_id: str | None = None
    values: dict[str, Any] | None = None
    if data is not None and not isinstance(data, dict):
        dumped = data.model_dump(mode="json")
        record_id = dumped.pop("record_id", None)
        values = None if deleted else dumped
    return Statement(
        nip=event.subject,
        source=event.source,
        kind=kind,
        record_id=record_id,
        event_id=event.id,
        time=event.time,
        sequence=event.sequence,
        values=values,
    )
