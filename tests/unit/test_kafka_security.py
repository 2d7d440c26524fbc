"""Kafka's own security settings (contracts §8): kafka-python's options, one-line refusals of
what cannot work, and the password kept out of everything shown."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest
from kafka.errors import KafkaConnectionError, SaslAuthenticationFailedError

from tests.integration.tls import Certificates, make_certificates
from worker.cli import main
from worker.config.kafka import kafka_options
from worker.config.settings import SettingsError, as_environment, load_settings
from worker.kafka.errors import refusal, watch_refusals

PASSWORD = "k4fka-Pa55word-never-shown"  # noqa: S105 - a test secret
SASL = {
    "kafka_security_protocol": "SASL_SSL",
    "kafka_sasl_mechanism": "SCRAM-SHA-512",
    "kafka_sasl_username": "ipasn",
    "kafka_sasl_password": PASSWORD,
}


@pytest.fixture(autouse=True)
def no_ipasn_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("IPASN_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


def refused(**given: Any) -> str:
    with pytest.raises(SettingsError) as raised:
        load_settings(**given)
    message = str(raised.value)
    assert "\n" not in message
    assert PASSWORD not in message
    assert raised.value.__cause__ is None  # pydantic's error, which may hold input, is dropped
    return message


def test_plaintext_gives_kafka_python_no_options() -> None:
    assert kafka_options(load_settings()) == {}


def test_sasl_ssl_gives_the_mechanism_the_credentials_and_the_ca(certs: Certificates) -> None:
    settings = load_settings(**SASL, kafka_ssl_cafile=str(certs.ca))

    assert kafka_options(settings) == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "ipasn",
        "sasl_plain_password": PASSWORD,
        "ssl_check_hostname": True,
        "ssl_cafile": str(certs.ca),
    }


def test_mutual_tls_gives_the_client_certificate_and_its_key(certs: Certificates) -> None:
    settings = load_settings(
        kafka_security_protocol="ssl",
        kafka_ssl_cafile=str(certs.ca),
        kafka_ssl_certfile=str(certs.client_cert),
        kafka_ssl_keyfile=str(certs.client_key),
    )

    assert kafka_options(settings) == {
        "security_protocol": "SSL",
        "ssl_check_hostname": True,
        "ssl_cafile": str(certs.ca),
        "ssl_certfile": str(certs.client_cert),
        "ssl_keyfile": str(certs.client_key),
    }


def test_sasl_plaintext_sends_no_tls_options() -> None:
    settings = load_settings(**{**SASL, "kafka_security_protocol": "SASL_PLAINTEXT"})

    assert "ssl_check_hostname" not in kafka_options(settings)
    assert kafka_options(settings)["sasl_plain_password"] == PASSWORD


@pytest.mark.parametrize(
    ("left_out", "variable"),
    [
        ("kafka_sasl_mechanism", "IPASN_KAFKA_SASL_MECHANISM"),
        ("kafka_sasl_username", "IPASN_KAFKA_SASL_USERNAME"),
        ("kafka_sasl_password", "IPASN_KAFKA_SASL_PASSWORD"),
    ],
)
def test_a_sasl_protocol_without_mechanism_username_or_password_is_refused(
    left_out: str, variable: str
) -> None:
    given = {k: v for k, v in SASL.items() if k != left_out}

    assert refused(**given) == (
        f"bad configuration: {variable}: missing; IPASN_KAFKA_SECURITY_PROTOCOL=SASL_SSL needs it"
    )


def test_an_empty_variable_counts_as_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPASN_KAFKA_SASL_MECHANISM", "")
    monkeypatch.setenv("IPASN_KAFKA_SASL_PASSWORD", "")

    assert load_settings().kafka_sasl_mechanism is None
    assert "IPASN_KAFKA_SASL_MECHANISM: missing" in refused(
        **{k: v for k, v in SASL.items() if k != "kafka_sasl_mechanism"}
    )


def test_an_unknown_mechanism_or_protocol_names_the_choices() -> None:
    assert refused(**{**SASL, "kafka_sasl_mechanism": "GSSAPI"}) == (
        "bad configuration: IPASN_KAFKA_SASL_MECHANISM: "
        "Input should be 'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512'"
    )
    assert "'SASL_SSL'" in refused(kafka_security_protocol="TLS")


def test_security_settings_the_protocol_would_ignore_are_refused(certs: Certificates) -> None:
    assert refused(kafka_sasl_password=PASSWORD) == (
        "bad configuration: IPASN_KAFKA_SASL_PASSWORD: set, but IPASN_KAFKA_SECURITY_PROTOCOL is "
        "PLAINTEXT; SASL needs SASL_SSL or SASL_PLAINTEXT"
    )
    assert refused(
        **{**SASL, "kafka_security_protocol": "SASL_PLAINTEXT"}, kafka_ssl_cafile=str(certs.ca)
    ).startswith("bad configuration: IPASN_KAFKA_SSL_CAFILE: set, but")


@pytest.mark.parametrize(
    "variable", ["kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile"]
)
def test_a_missing_or_unreadable_file_is_refused(variable: str, tmp_path: Path) -> None:
    for path in (tmp_path / "nowhere.pem", tmp_path):
        message = refused(kafka_security_protocol="SSL", **{variable: str(path)})

        assert message.startswith(
            f"bad configuration: IPASN_{variable.upper()}: cannot read {path}"
        )


def test_certificate_files_that_do_not_load_are_refused_before_connecting(
    certs: Certificates, tmp_path: Path
) -> None:
    tls = {"kafka_security_protocol": "SSL"}
    assert refused(**tls, kafka_ssl_cafile=str(certs.client_key)) == (
        f"bad configuration: IPASN_KAFKA_SSL_CAFILE: no PEM certificate in {certs.client_key}"
    )
    assert refused(**tls, kafka_ssl_certfile=str(certs.ca), kafka_ssl_keyfile=str(certs.client_key))
    assert "IPASN_KAFKA_SSL_KEYFILE: needs IPASN_KAFKA_SSL_CERTFILE" in refused(
        **tls, kafka_ssl_keyfile=str(certs.client_key)
    )
    assert "a key in a file of its own is IPASN_KAFKA_SSL_KEYFILE" in refused(
        **tls, kafka_ssl_certfile=str(certs.client_cert)
    )


def test_the_password_stays_out_of_the_settings_repr() -> None:
    settings = load_settings(**SASL)

    assert PASSWORD not in repr(settings)
    assert PASSWORD not in str(settings)
    assert PASSWORD not in str(settings.model_dump())


def test_worker_processes_get_the_security_settings_password_included(
    certs: Certificates, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = load_settings(**SASL, kafka_ssl_cafile=str(certs.ca))

    for name, value in as_environment(parent).items():
        monkeypatch.setenv(name, value)
    child = load_settings()

    assert kafka_options(child) == kafka_options(parent)


def test_a_bad_security_setting_stops_a_command_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPASN_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("IPASN_KAFKA_SASL_PASSWORD", PASSWORD)

    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "ipasn-worker: bad configuration: IPASN_KAFKA_SASL_MECHANISM: missing; "
        "IPASN_KAFKA_SECURITY_PROTOCOL=SASL_SSL needs it\n"
    )


def test_a_refusal_by_the_broker_is_told_from_kafka_pythons_log_records() -> None:
    refusals = watch_refusals()
    sasl = SaslAuthenticationFailedError(
        "SaslAuthenticationFailedError: Authentication failed during authentication due to "
        "invalid credentials with SASL mechanism SCRAM-SHA-512"
    )
    tls = KafkaConnectionError(
        "Handshake failed: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
        "self-signed certificate in certificate chain (_ssl.c:1006)"
    )

    logging.getLogger("kafka.net.connection").error("%s: Connection lost: %s", "conn", sasl)
    assert refusals.last == (
        "SaslAuthenticationFailedError: Authentication failed during authentication due to "
        "invalid credentials with SASL mechanism SCRAM-SHA-512"
    )
    assert refusal(tls) == (
        "TLS: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
        "self-signed certificate in certificate chain"
    )
    assert refusal(KafkaConnectionError("socket disconnected")) is None
    assert watch_refusals() is refusals
    assert refusals.last is None
