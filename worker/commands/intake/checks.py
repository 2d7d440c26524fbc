"""What the intake decides about a request's events before anything is forwarded (contracts
§13): one source per request, its signature (§8), then each event through the worker's own
decoder, as the worker will see the message. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from consumers.changes import decode
from schemas.dead_letter import Reason, Rejection
from schemas.signature import SIGNATURE_HEADER, SourceSecrets, sign, verify
from worker.commands.intake.body import Sent
from worker.domain.rules import STEWARD, RuleSet

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class EventError:
    """One refused event of a request: where it is in the request, its id where it has a
    string one, and the dead-letter reason and detail the worker would give it."""

    index: int
    id: str | None
    reason: Reason
    detail: str

    def as_json(self) -> dict[str, object]:
        return {"index": self.index, "id": self.id, "reason": self.reason, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Message:
    """One Kafka message to forward: key (the NIP), value (the event as sent), headers."""

    key: bytes
    value: bytes
    headers: Headers


@dataclass(frozen=True, slots=True)
class Accepted:
    source: str | None  # None only for a request without events
    messages: list[Message]


@dataclass(frozen=True, slots=True)
class Unauthorised:
    source: str | None
    detail: str


@dataclass(frozen=True, slots=True)
class Invalid:
    source: str | None
    errors: list[EventError]

    def as_json(self) -> dict[str, object]:
        return {"errors": [e.as_json() for e in self.errors]}


def _field(parsed: object, name: str) -> str | None:
    value = parsed.get(name) if isinstance(parsed, dict) else None
    return value if isinstance(value, str) else None


def _other_sources(events: Sequence[Sent]) -> tuple[str | None, list[EventError]]:
    """The request's source (its first event's), and an error for each event naming another."""
    sources = [_field(e.parsed, "source") for e in events]
    source = next((s for s in sources if s is not None), None)
    detail = (
        f"source: every event of one request has the same source (the first: {(source or '')[:60]})"
    )
    others = [
        EventError(i, _field(e.parsed, "id"), "invalid_event", detail)
        for i, (e, s) in enumerate(zip(events, sources, strict=True))
        if s is not None and s != source
    ]
    return source, others


def unsigned(
    source: str | None, body: bytes, signatures: Sequence[bytes], secrets: SourceSecrets
) -> str | None:
    """Why the request's signature is refused (401), or None: a source with a secret signs the
    request body; with signatures required, a source without one is refused (as the worker
    would). One line naming the header and the source, never a secret or a signature."""
    secret = secrets.secret(source) if source is not None else None
    if secret is None:
        needed = secrets.required and source not in (None, STEWARD)
        return f"source {source} has no secret and signatures are required" if needed else None
    if not signatures:
        return f"source {source} signs its requests: no {SIGNATURE_HEADER} header"
    if len(signatures) > 1:
        return f"more than one {SIGNATURE_HEADER} header"
    if not verify(secret, body, signatures[0]):
        return f"the {SIGNATURE_HEADER} header does not match the body"
    return None


def judged(
    events: Sequence[Sent],
    body: bytes,
    signatures: Sequence[bytes],
    rules: RuleSet,
    secrets: SourceSecrets,
) -> Accepted | Invalid | Unauthorised:
    """The messages to forward, or why none is: every event refused, or the signature."""
    source, errors = _other_sources(events)
    if errors:
        return Invalid(source, errors)
    refusal = unsigned(source, body, signatures, secrets)
    if refusal:
        return Unauthorised(source, refusal)
    secret = secrets.secret(source) if source is not None else None
    messages: list[Message] = []
    for index, event in enumerate(events):
        subject = _field(event.parsed, "subject")
        key = subject.encode("utf-8", "replace") if subject is not None else b""
        # Each message is signed as a sender signs one (§8): the worker checks it as usual.
        headers = [(SIGNATURE_HEADER, sign(secret, event.value).encode())] if secret else []
        outcome = decode(key, event.value, rules, headers, secrets)
        if isinstance(outcome, Rejection):
            errors.append(
                EventError(index, _field(event.parsed, "id"), outcome.reason, outcome.detail)
            )
        else:
            messages.append(Message(key, event.value, headers))
    return Invalid(source, errors) if errors else Accepted(source, messages)
