"""Source identity (contracts §8): the secrets file, `ipasn-signature`, and decode() refusing
what is unsigned, forged or tampered with, without ever showing a secret."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.changes import decode
from producers.kafka_sink import KafkaDeadLetters
from schemas.dead_letter import Rejection
from schemas.signature import SIGNATURE_HEADER, SourceSecrets, sign, verify
from tests.factories import BKN_8_2019, NIP, cloud_event, encoded, profile_data, training_data
from tests.fakes import FakePublisher
from worker.config.secrets import load_source_secrets
from worker.config.settings import SettingsError
from worker.domain.model import Statement
from worker.pipeline.ports import Message

KEY = NIP.encode()
SIASN_SECRET = b"s1asn-very-secret-key"
STEWARD_SECRET = b"st3ward-very-secret-key"
SECRETS = SourceSecrets({"siasn": SIASN_SECRET, "steward": STEWARD_SECRET})
VALUE = encoded(cloud_event("profile", profile_data("3201")))  # from siasn
REGIONAL = encoded(cloud_event("profile", profile_data("3201"), source="simpeg:3201"))


def header(signature: str | bytes) -> list[tuple[str, bytes]]:
    given = signature.encode() if isinstance(signature, str) else signature
    return [(SIGNATURE_HEADER, given)]


def decoded(
    value: bytes, headers: Sequence[tuple[str, bytes]], secrets: SourceSecrets | None = SECRETS
) -> Statement | Rejection:
    return decode(KEY, value, BKN_8_2019, headers, secrets)


# --- sign and verify -------------------------------------------------------------------------


def test_the_signature_is_sha256_and_the_lowercase_hex_hmac_of_the_value() -> None:
    expected = hmac.new(SIASN_SECRET, VALUE, hashlib.sha256).hexdigest()

    assert sign(SIASN_SECRET, VALUE) == f"sha256={expected}"
    assert expected == expected.lower()
    assert verify(SIASN_SECRET, VALUE, f"sha256={expected}".encode())


@pytest.mark.parametrize(
    "signature",
    [
        sign(SIASN_SECRET, VALUE).upper(),
        "sha256=" + sign(SIASN_SECRET, VALUE).removeprefix("sha256=").upper(),
        sign(SIASN_SECRET, VALUE).removeprefix("sha256="),
        sign(SIASN_SECRET, VALUE) + " ",
        "sha1=" + hmac.new(SIASN_SECRET, VALUE, hashlib.sha1).hexdigest(),
        sign(STEWARD_SECRET, VALUE),
        "",
    ],
    ids=["upper", "upper-hex", "no-prefix", "trailing-space", "sha1", "other-secret", "empty"],
)
def test_anything_but_the_exact_signature_fails(signature: str) -> None:
    assert not verify(SIASN_SECRET, VALUE, signature.encode())


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_tampering_of_the_value_bytes_fails_verification(data: st.DataObject) -> None:
    value = data.draw(st.binary(min_size=1, max_size=300), label="value")
    signature = sign(SIASN_SECRET, value).encode()
    at = data.draw(st.integers(0, len(value) - 1), label="at")
    tampered = data.draw(
        st.sampled_from(
            [
                value[:at] + bytes([value[at] ^ data.draw(st.integers(1, 255))]) + value[at + 1 :],
                value[:at] + value[at + 1 :],
                value[:at] + data.draw(st.binary(min_size=1, max_size=4)) + value[at:],
                value + b" ",
            ]
        ),
        label="tampered",
    )

    assert verify(SIASN_SECRET, value, signature)
    assert not verify(SIASN_SECRET, tampered, signature)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_signed_event_tampered_with_never_decodes_to_a_statement(data: st.DataObject) -> None:
    signature = header(sign(SIASN_SECRET, VALUE))
    at = data.draw(st.integers(0, len(VALUE) - 1))
    replacement = data.draw(
        st.binary(min_size=1, max_size=3).filter(lambda b: b != VALUE[at : at + 1])
    )
    tampered = VALUE[:at] + replacement + VALUE[at + 1 :]
    # Required: a tampered source naming one without a secret is refused too.
    result = decoded(tampered, signature, SourceSecrets(SECRETS.by_source, required=True))

    assert isinstance(result, Rejection)


# --- decode() --------------------------------------------------------------------------------


def test_a_correctly_signed_message_passes() -> None:
    result = decoded(VALUE, header(sign(SIASN_SECRET, VALUE)))

    assert isinstance(result, Statement)
    assert result.source == "siasn"


def test_the_same_event_serialised_differently_is_not_the_signed_bytes() -> None:
    respaced = json.dumps(json.loads(VALUE), indent=1).encode()

    result = decoded(respaced, header(sign(SIASN_SECRET, VALUE)))

    assert isinstance(result, Rejection)
    assert result.reason == "bad_signature"


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ([], "no ipasn-signature header"),
        ([("traceparent", b"00-ab-cd-01")], "no ipasn-signature header"),
        ([("Ipasn-Signature", sign(SIASN_SECRET, VALUE).encode())], "no ipasn-signature header"),
        (
            header(sign(STEWARD_SECRET, VALUE)),
            "the ipasn-signature header does not match the value",
        ),
        (
            header(sign(SIASN_SECRET, VALUE).upper()),
            "the ipasn-signature header does not match the value",
        ),
        (header(b"\xff\xfe"), "the ipasn-signature header does not match the value"),
        (
            header(sign(SIASN_SECRET, VALUE)) * 2,
            "more than one ipasn-signature header",
        ),
    ],
    ids=["none", "other-headers", "name-case", "forged", "upper-case", "not-ascii", "twice"],
)
def test_a_source_with_a_secret_needs_its_exact_signature(
    headers: list[tuple[str, bytes]], detail: str
) -> None:
    assert decoded(VALUE, headers) == Rejection("bad_signature", detail, "siasn", "profile")


def test_a_source_without_a_secret_needs_no_signature_unless_signatures_are_required() -> None:
    assert isinstance(decoded(REGIONAL, []), Statement)
    assert isinstance(decoded(REGIONAL, header("sha256=whatever")), Statement)

    required = SourceSecrets(SECRETS.by_source, required=True)
    assert decoded(REGIONAL, [], required) == Rejection(
        "bad_signature",
        "source simpeg:3201 has no secret and signatures are required",
        "simpeg:3201",
        "profile",
    )
    assert isinstance(decoded(VALUE, header(sign(SIASN_SECRET, VALUE)), required), Statement)


def test_without_secrets_decode_behaves_as_before() -> None:
    assert isinstance(decode(KEY, VALUE, BKN_8_2019), Statement)
    assert isinstance(decoded(VALUE, [], None), Statement)


def test_the_signature_is_checked_after_validation() -> None:
    invalid = encoded(cloud_event("profile", {**profile_data("3201"), "gender": "X"}))

    result = decoded(invalid, [])

    assert isinstance(result, Rejection)
    assert result.reason == "invalid_event"


def test_no_rejection_or_repr_shows_a_secret_or_a_signature() -> None:
    good = sign(SIASN_SECRET, VALUE)
    steward = encoded(
        cloud_event("profile", {"reason": "r"}, op="released", source="steward", actor="a")
    )
    cases: list[tuple[bytes, list[tuple[str, bytes]], SourceSecrets]] = [
        (VALUE, [], SECRETS),
        (VALUE, header(sign(STEWARD_SECRET, VALUE)), SECRETS),
        (VALUE + b" ", header(good), SECRETS),
        (REGIONAL, header(good), SourceSecrets(SECRETS.by_source, required=True)),
        (steward, header(sign(SIASN_SECRET, steward)), SECRETS),
        (steward, [], SourceSecrets({"siasn": SIASN_SECRET})),
    ]
    shown = []
    for value, headers, secrets in cases:
        result = decoded(value, headers, secrets)
        assert isinstance(result, Rejection), result
        shown.append(repr(result))
    shown.append(repr(SECRETS))

    for text in shown:
        for secret in (SIASN_SECRET, STEWARD_SECRET):
            assert secret.decode() not in text
        assert good.removeprefix("sha256=")[:16] not in text


# --- the secrets file ------------------------------------------------------------------------


def test_the_secrets_file_names_sources_and_their_secrets(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text('"siasn" = "a"\n"simpeg:7317" = "b"\nsteward = "c é"\n', encoding="utf-8")

    secrets = load_source_secrets(path, required=True)

    assert dict(secrets.by_source) == {
        "siasn": b"a",
        "simpeg:7317": b"b",
        "steward": "c é".encode(),
    }
    assert secrets.required
    assert load_source_secrets(None) == SourceSecrets()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "IPASN_SOURCE_SECRETS_FILE: cannot read"),
        (b'siasn = "hunter2-unterminated\n', "is not valid TOML (at line 1, column"),
        (b"siasn = hunter2\n", "is not valid TOML (at line 1, column"),
        (b'siasn = "\xff hunter2"\n', "is not UTF-8"),
        (b"siasn = 12345\n", "the secret of 'siasn' in"),
        (b'[siasn]\nkey = "hunter2"\n', "the secret of 'siasn' in"),
        (b'siasn = ""\n', "the secret of 'siasn' in"),
        (b'hris = "hunter2"\n', "'hris' in"),
        (b'"simpeg:" = "hunter2"\n', "'simpeg:' in"),
    ],
    ids=["missing", "unterminated", "bare", "not-utf8", "number", "table", "empty", "hris", "bad"],
)
def test_a_bad_secrets_file_is_one_line_without_its_secrets(
    tmp_path: Path, content: bytes | None, expected: str
) -> None:
    path = tmp_path / "secrets.toml"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(SettingsError) as raised:
        load_source_secrets(path)

    message = str(raised.value)
    assert expected in message
    assert "\n" not in message
    assert "hunter2" not in message
    assert "12345" not in message


# --- dead letters keep the original headers --------------------------------------------------


def test_a_dead_letter_keeps_the_original_headers_after_its_own_but_no_forged_dlq_ones() -> None:
    signature = (SIGNATURE_HEADER, sign(SIASN_SECRET, VALUE).encode())
    forged = ("ipasn-dlq-reason", b"not_json")
    message = Message("changes", 2, 41, KEY, VALUE, (forged, signature, ("traceparent", b"00")))
    recorder = FakePublisher([])

    KafkaDeadLetters(recorder, "dlq").send(message, Rejection("bad_signature", "no header"))

    ((topic, key, value),), (headers,) = recorder.queued, recorder.headers
    assert (topic, key, value) == ("dlq", KEY, VALUE)
    assert headers == [
        ("ipasn-dlq-reason", b"bad_signature"),
        ("ipasn-dlq-detail", b"no header"),
        ("ipasn-dlq-topic", b"changes"),
        ("ipasn-dlq-partition", b"2"),
        ("ipasn-dlq-offset", b"41"),
        signature,
        ("traceparent", b"00"),
    ]


def test_original_headers_count_towards_the_dead_letters_size_limit() -> None:
    big = ("x-big", b"h" * 600_000)
    message = Message("changes", 0, 1, KEY, b"v" * 600_000, (big,))
    recorder = FakePublisher([])

    KafkaDeadLetters(recorder, "dlq").send(message, Rejection("invalid_event", "too big"))

    ((_, _, value),), (headers,) = recorder.queued, recorder.headers
    assert value is None
    assert ("ipasn-dlq-value-omitted", b"600000") in headers
    assert big in headers


def test_a_signed_regional_source_still_cannot_change_another_agencys_employee() -> None:
    """A signature proves who sent an event, not that the sender may say it (contracts §2
    rule 3): simpeg:7317, signing with its own secret, neither claims an employee of 3201 nor
    changes one."""
    from worker.domain.reconcile import resolve

    luwu = b"simpeg-7317-secret"
    secrets = SourceSecrets({"siasn": SIASN_SECRET, "simpeg:7317": luwu})
    claim = encoded(cloud_event("profile", profile_data("3201"), source="simpeg:7317"))
    training = encoded(
        cloud_event("training", training_data("T-9", hours=40), source="simpeg:7317")
    )
    profile = decoded(VALUE, header(sign(SIASN_SECRET, VALUE)), secrets)  # 3201 by SIASN

    refused = decoded(claim, header(sign(luwu, claim)), secrets)
    accepted = decoded(training, header(sign(luwu, training)), secrets)

    assert isinstance(refused, Rejection)
    assert refused.reason == "not_authorised"
    assert isinstance(profile, Statement)
    assert isinstance(accepted, Statement)  # signed and well formed: stored, kept…
    found = resolve(NIP, [profile, accepted], BKN_8_2019)
    assert found.records("training") == ()  # …and without effect on 3201's employee
