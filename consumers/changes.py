"""bytes → schema → Statement, or the reason it goes to the dead-letter topic.

decode() is total: whatever the key and value bytes, it returns a Statement or a Rejection and
never raises, so one poisonous message cannot stop the worker (and stop it again on every
restart). The value is parsed and validated in one step by pydantic-core (its JSON parser,
jiter, refuses nesting deeper than about 200 levels, integers over 4300 digits, invalid UTF-8
and lone UTF-16 surrogates with a validation error, not an exception); only a refused message is
parsed again, to find its dead-letter reason and, for metrics, its source and kind.
"""

from __future__ import annotations

import re
from typing import Any, cast

from pydantic import ValidationError
from pydantic_core import from_json

from schemas.events import EVENT_TYPES, ChangeEvent, ProfileUpserted, change_event
from schemas.wire import SOURCE
from worker.domain.model import Kind, Statement
from worker.domain.nip import InvalidNip, validate_nip
from worker.domain.rules import RuleSet, regional_agency
from worker.ports import Rejection

# A \uD800-\uDFFF escape. Replacing each with \uFFFD keeps valid JSON valid, so a value that
# then parses was JSON whose only fault is a lone surrogate: an invalid event, not "not JSON".
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SOURCE = re.compile(SOURCE)


def decode(key: bytes | None, value: bytes | None, rules: RuleSet) -> Statement | Rejection:
    if not value:
        return Rejection("not_json", "the message value is empty")
    try:
        event = change_event.validate_json(value, strict=True)
    except ValidationError as e:
        return _refusal(value, e)
    kind = _kind_of(event.type)
    if (b"NaN" in value or b"Infinity" in value) and not _is_json(value):
        # jiter reads NaN and Infinity; in an ignored field they would pass unseen.
        return Rejection("not_json", "NaN and Infinity are not JSON", event.source, kind)
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


def _refusal(value: bytes, error: ValidationError) -> Rejection:
    """The dead-letter reason of a value the schema refused, in the order of precedence."""
    try:
        raw = from_json(value, allow_inf_nan=False)
    except ValueError as e:
        return _unparsable(value, e)
    return _classified(raw, _validation_detail(error))


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
    if event_type not in EVENT_TYPES:
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
    return cast(Kind, event_type.split(".")[1])


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
