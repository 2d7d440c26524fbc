"""bytes → schema → Statement, or the reason it goes to the dead-letter topic.

decode() is total: whatever the key and value bytes, it returns a Statement or a Rejection and
never raises, so one poisonous message cannot stop the worker (and stop it again on every
restart). The value is parsed and validated in one step by pydantic-core (its JSON parser,
jiter, refuses nesting deeper than about 200 levels, integers over 4300 digits, invalid UTF-8
and lone UTF-16 surrogates with a validation error, not an exception); only a refused message is
parsed again, to find its dead-letter reason and, for metrics, its source and kind.

A steward's override (contracts §7) validates against `schemas.steward`, tried only once the
upstream systems' models refused the value and it names the source `steward`. A source with a
secret signs its messages (§8): checked once the event validated (its source is known then),
over the exact value bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from sys import intern
from typing import Any, cast

from pydantic import ValidationError
from pydantic_core import from_json

from schemas.dead_letter import Reason, Rejection
from schemas.events import EVENT_TYPES, ChangeEvent, ProfileUpserted, change_event
from schemas.signature import SIGNATURE_HEADER, SourceSecrets, verify
from schemas.steward import (
    RELEASE_TYPES,
    STEWARD_EVENT_TYPES,
    StewardEnvelope,
    StewardEvent,
    steward_event,
)
from schemas.wire import SOURCE
from worker.domain.model import Kind, Statement, shared_values
from worker.domain.nip import InvalidNip, validate_nip
from worker.domain.rules import STEWARD, RuleSet, regional_agency

Event = ChangeEvent | StewardEvent

# A \uD800-\uDFFF escape. Replacing each with \uFFFD keeps valid JSON valid, so a value that
# then parses was JSON whose only fault is a lone surrogate: an invalid event, not "not JSON".
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SOURCE = re.compile(SOURCE)
NO_SECRETS = SourceSecrets()


def decode(
    key: bytes | None,
    value: bytes | None,
    rules: RuleSet,
    headers: Sequence[tuple[str, bytes]] = (),
    secrets: SourceSecrets | None = None,
) -> Statement | Rejection:
    """The statement of a message, or why it goes to the dead-letter topic. `headers` are the
    message's Kafka headers; `secrets` the sources' signing secrets (None: no source has one)."""
    if not value:
        return Rejection("not_json", "the message value is empty")
    event = _validated(value)
    if isinstance(event, Rejection):
        return event
    kind = _kind_of(event.type)
    if (b"NaN" in value or b"Infinity" in value) and not _is_json(value):
        # jiter reads NaN and Infinity; in an ignored field they would pass unseen.
        return Rejection("not_json", "NaN and Infinity are not JSON", event.source, kind)
    unsigned = _unsigned(event.source, value, headers, secrets or NO_SECRETS)
    if unsigned:
        return Rejection(*unsigned, event.source, kind)
    if key is None or key.decode("utf-8", "replace") != event.subject:
        return Rejection(
            "key_mismatch", "the message key is not the event subject", event.source, kind
        )
    refusal = _authority(event, kind, rules)
    if refusal:
        return Rejection("not_authorised", refusal, event.source, kind)
    return to_statement(event, kind)


def _is_json(value: bytes) -> bool:
    try:
        from_json(value, allow_inf_nan=False)
    except ValueError:
        return False
    return True


def _validated(value: bytes) -> Event | Rejection:
    """The event, or the dead-letter reason of a value the schemas refused, in the order of
    precedence."""
    try:
        return change_event.validate_json(value, strict=True)
    except ValidationError as e:
        error = e
    try:
        raw = from_json(value, allow_inf_nan=False)
    except ValueError as e:
        return _unparsable(value, e)
    if isinstance(raw, dict) and raw.get("source") == STEWARD:
        try:
            return steward_event.validate_json(value, strict=True)
        except ValidationError as e:
            error = e
    return _classified(raw, _validation_detail(error))


def _unsigned(
    source: str, value: bytes, headers: Sequence[tuple[str, bytes]], secrets: SourceSecrets
) -> tuple[Reason, str] | None:
    """Why the message's signature (contracts §8) is refused, or None where it passes. The
    details name the header and the source, never a secret or a signature."""
    secret = secrets.secret(source)
    if secret is None:
        if source == STEWARD:
            return (
                "not_authorised",
                "steward events need a steward secret (IPASN_SOURCE_SECRETS_FILE)",
            )
        if secrets.required:
            return "bad_signature", f"source {source} has no secret and signatures are required"
        return None
    given = [v for n, v in headers if n == SIGNATURE_HEADER]
    if not given:
        return "bad_signature", f"no {SIGNATURE_HEADER} header"
    if len(given) > 1:
        return "bad_signature", f"more than one {SIGNATURE_HEADER} header"
    if not verify(secret, value, given[0]):
        return "bad_signature", f"the {SIGNATURE_HEADER} header does not match the value"
    return None


def _unparsable(value: bytes, error: ValueError) -> Rejection:
    try:
        raw = from_json(_SURROGATE_ESCAPE.sub(rb"\\ufffd", value), allow_inf_nan=False)
    except ValueError:
        # jiter's messages name the fault and its position, never the input.
        return Rejection("not_json", f"the message value is not UTF-8 JSON: {error}")
    return _classified(raw, "a string holds a lone UTF-16 surrogate, which UTF-8 cannot encode")


def _classified(raw: object, detail: str) -> Rejection:
    if not isinstance(raw, dict):
        return Rejection("invalid_event", "the message value is not a JSON object")
    source = raw.get("source")
    source = source if isinstance(source, str) and _SOURCE.fullmatch(source) else None
    event_type, subject = raw.get("type"), raw.get("subject")
    if not isinstance(event_type, str) or not isinstance(subject, str):
        return Rejection("invalid_event", "type and subject are required strings", source)
    steward = source == STEWARD
    if event_type in RELEASE_TYPES and not steward:
        kind = _kind_of(event_type)
        return Rejection("not_authorised", "only the steward may release a record", source, kind)
    if event_type not in (STEWARD_EVENT_TYPES if steward else EVENT_TYPES):
        return Rejection("unknown_type", "type is not a known change event type", source)
    kind = _kind_of(event_type)
    try:
        validate_nip(subject)
    except InvalidNip as e:
        return Rejection("bad_nip", f"subject: {e}", source, kind)
    return Rejection("invalid_event", detail, source, kind)


def _validation_detail(error: ValidationError) -> str:
    # Locations and messages only: pydantic's own str() would echo the input values.
    parts = []
    for e in error.errors()[:3]:
        where = ".".join(str(p) for p in e["loc"] if not str(p).startswith("asn.")) or "event"
        parts.append(f"{where}: {e['msg']}")
    more = error.error_count() - len(parts)
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def _kind_of(event_type: str) -> Kind:
    return cast(Kind, intern(event_type.split(".")[1]))  # the one "education", not a copy


def _authority(event: Event, kind: Kind, rules: RuleSet) -> str | None:
    if not rules.may_send(event.source, kind):
        return f"source {event.source} may not send {kind} events"
    agency = regional_agency(event.source)
    if isinstance(event, ProfileUpserted) and agency not in (None, event.data.agency_code):
        return f"a {event.source} profile must carry agency_code {agency}"
    return None


def to_statement(event: Event, kind: Kind) -> Statement:
    released = event.type.endswith(".released")
    deleted = released or event.type.endswith(".deleted")
    actor = event.actor if isinstance(event, StewardEnvelope) else None
    data = event.data
    record_id: str | None = None
    values: dict[str, Any] | None = None
    reason: str | None = None
    if data is not None and not isinstance(data, dict):
        dumped = data.model_dump(mode="json")
        record_id = dumped.pop("record_id", None)
        if actor is not None:  # the steward's why is no value of the record
            reason = dumped.pop("reason")
        values = None if deleted else shared_values(dumped)
    return Statement(
        nip=intern(event.subject),
        source=intern(event.source),
        kind=kind,
        record_id=record_id,
        event_id=event.id,
        time=event.time,
        sequence=event.sequence,
        values=values,
        actor=actor,
        reason=reason,
        released=released,
    )
