"""What the intake decides about a request's events (worker/commands/intake/checks.py): the
worker's decoder at the door, one source per request, its signature over the body, and each
message signed again so that the worker verifies it as usual."""

from __future__ import annotations

import json
from typing import Any

import pytest

from consumers.changes import decode
from schemas.rules import load_rules
from schemas.signature import SIGNATURE_HEADER, SourceSecrets, sign
from tests.factories import NIP, OTHER_NIP, cloud_event, profile_data, training_data
from worker.commands.intake.body import events_of
from worker.commands.intake.checks import (
    Accepted,
    EventError,
    Invalid,
    Unauthorised,
    judged,
)
from worker.domain.model import Statement

RULES = load_rules(None)
SECRET = b"simpeg-3201-secret"
SECRETS = SourceSecrets({"simpeg:3201": SECRET})
REGIONAL = "simpeg:3201"


def _batch(*events: dict[str, Any]) -> bytes:
    return json.dumps(list(events)).encode()


def _judge(
    body: bytes,
    signatures: list[bytes] | None = None,
    secrets: SourceSecrets = SECRETS,
    mode: str = "batch",
) -> Accepted | Invalid | Unauthorised:
    return judged(events_of(body, mode), body, signatures or [], RULES, secrets)  # type: ignore[arg-type]


def _training(i: int, source: str = "siasn", nip: str = NIP) -> dict[str, Any]:
    return cloud_event(
        "training", training_data(f"T-{i}"), source=source, subject=nip, event_id=f"e{i}"
    )


def test_a_valid_batch_becomes_one_message_per_event_keyed_by_nip() -> None:
    body = _batch(_training(1), _training(2, nip=OTHER_NIP))
    outcome = _judge(body)
    assert isinstance(outcome, Accepted)
    assert outcome.source == "siasn"
    assert [m.key for m in outcome.messages] == [NIP.encode(), OTHER_NIP.encode()]
    assert [json.loads(m.value)["id"] for m in outcome.messages] == ["e1", "e2"]
    assert all(m.headers == [] for m in outcome.messages)  # siasn has no secret here


def test_one_bad_event_refuses_the_request_with_its_index_id_reason_and_detail() -> None:
    bad_nip = _training(2, nip="12345")
    unknown = {**_training(3), "type": "asn.salary.upserted"}
    outcome = _judge(_batch(_training(1), bad_nip, unknown, "not an object"))  # type: ignore[arg-type]
    assert isinstance(outcome, Invalid)
    assert [(e.index, e.id, e.reason) for e in outcome.errors] == [
        (1, "e2", "bad_nip"),
        (2, "e3", "unknown_type"),
        (3, None, "invalid_event"),
    ]
    shape = outcome.as_json()
    assert list(shape) == ["errors"]
    assert shape["errors"][0] == {  # type: ignore[index]
        "index": 1,
        "id": "e2",
        "reason": "bad_nip",
        "detail": "subject: a NIP is 18 digits",
    }


def test_the_reasons_are_the_dead_letter_topics_reasons() -> None:
    # A regional system may not send for another region's profile: not_authorised, as decode()
    # would dead-letter it.
    foreign = cloud_event("profile", profile_data("3202"), source=REGIONAL, event_id="p")
    body = json.dumps(foreign).encode()
    outcome = _judge(body, [sign(SECRET, body).encode()], mode="single")
    assert isinstance(outcome, Invalid)
    [error] = outcome.errors
    assert error == EventError(0, "p", "not_authorised", error.detail)
    rejection = decode(NIP.encode(), body, RULES)
    assert (rejection.reason, rejection.detail) == (error.reason, error.detail)  # type: ignore[union-attr]


def test_events_of_several_sources_in_one_request_are_refused() -> None:
    outcome = _judge(_batch(_training(1), _training(2, source=REGIONAL), _training(3)))
    assert isinstance(outcome, Invalid)
    assert [(e.index, e.reason) for e in outcome.errors] == [(1, "invalid_event")]
    assert "same source" in outcome.errors[0].detail


def test_a_source_with_a_secret_signs_the_body_and_each_message_is_signed_again() -> None:
    body = _batch(_training(1, REGIONAL), _training(2, REGIONAL))
    outcome = _judge(body, [sign(SECRET, body).encode()])
    assert isinstance(outcome, Accepted)
    for m in outcome.messages:
        assert m.headers == [(SIGNATURE_HEADER, sign(SECRET, m.value).encode())]
        # The worker, with the same secrets, verifies and accepts the forwarded message.
        assert isinstance(decode(m.key, m.value, RULES, m.headers, SECRETS), Statement)


def test_a_single_events_message_carries_the_requests_own_signature() -> None:
    body = json.dumps(_training(1, REGIONAL)).encode()
    signature = sign(SECRET, body).encode()
    outcome = _judge(body, [signature], mode="single")
    assert isinstance(outcome, Accepted)
    assert outcome.messages[0].headers == [(SIGNATURE_HEADER, signature)]


@pytest.mark.parametrize(
    ("signatures", "said"),
    [
        ([], "no ipasn-signature header"),
        ([b"sha256=" + b"0" * 64], "does not match the body"),
        ([sign(b"another secret", b"x").encode()], "does not match the body"),
        ([b"a", b"b"], "more than one"),
    ],
    ids=["missing", "zeros", "wrong", "two"],
)
def test_a_missing_or_wrong_signature_is_unauthorised(signatures: list[bytes], said: str) -> None:
    body = _batch(_training(1, REGIONAL))
    outcome = _judge(body, signatures)
    assert isinstance(outcome, Unauthorised)
    assert said in outcome.detail
    assert outcome.source == REGIONAL
    assert SECRET.decode() not in outcome.detail


def test_a_signature_over_other_bytes_than_the_body_is_unauthorised() -> None:
    body = _batch(_training(1, REGIONAL))
    reformatted = json.dumps(json.loads(body), indent=1).encode()
    assert isinstance(_judge(body, [sign(SECRET, reformatted).encode()]), Unauthorised)


def test_signatures_required_refuse_a_source_without_a_secret() -> None:
    required = SourceSecrets({"simpeg:3201": SECRET}, required=True)
    outcome = _judge(_batch(_training(1)), secrets=required)
    assert isinstance(outcome, Unauthorised)
    assert outcome.detail == "source siasn has no secret and signatures are required"


def test_an_empty_batch_is_accepted_with_nothing_to_forward() -> None:
    assert _judge(b"[]") == Accepted(None, [])
