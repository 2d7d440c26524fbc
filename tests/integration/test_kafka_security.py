"""Kafka's own security against a real Apache Kafka (contracts §8): the worker and every command
over SASL_SSL (SCRAM-SHA-512 and PLAIN) and mutual TLS, with certificates made for the module,
and the password in none of what they show."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from consumers.reader import Read, read_topic
from producers.kafka_sink import KafkaPublisher
from tests.conftest import Topics, missing
from tests.integration.helpers import cli, http_get, run, running_worker, settings_for
from tests.integration.stream import A, B, D, Msg, phase_one
from tests.integration.tls import Certificates, make_certificates
from worker.config.kafka import kafka_options
from worker.config.settings import Settings
from worker.dev.brokers import DevBrokerError, free_port
from worker.dev.brokers.apache_kafka import ApacheKafka, java_missing
from worker.dev.brokers.secured import BrokerSecurity
from worker.kafka.clients import KafkaOptions

pytestmark = pytest.mark.kafka

USER = "ipasn"
STEWARD_SECRET = "steward-signing-secret-for-the-test"  # noqa: S105 - a test secret


@dataclass(frozen=True)
class Secured:
    broker: ApacheKafka
    certs: Certificates
    password: str  # new each run, so that finding it anywhere can only mean a leak


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    why = java_missing()
    if why:
        missing(why)
    certs = make_certificates(tmp_path_factory.mktemp("tls"))
    password = f"pw-{secrets.token_urlsafe(18)}"
    broker = ApacheKafka(
        0,
        log_dir=tmp_path_factory.mktemp("secured-kafka-logs"),
        security=BrokerSecurity(certs.ca, certs.broker, {USER: password}),
    )
    try:
        broker.start(timeout_s=90)
    except DevBrokerError as e:
        missing(f"{broker.name} with SASL_SSL unavailable: {e}")
        raise
    yield Secured(broker, certs, password)
    broker.stop()


@pytest.fixture
def topics(secured: Secured) -> Topics:
    return Topics.fresh().create(secured.broker)


def scram_env(secured: Secured, topics: Topics, tmp_path: Path) -> dict[str, str]:
    return {
        "IPASN_KAFKA_BOOTSTRAP_SERVERS": secured.broker.bootstrap,
        "IPASN_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "IPASN_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "IPASN_KAFKA_SASL_USERNAME": USER,
        "IPASN_KAFKA_SASL_PASSWORD": secured.password,
        "IPASN_KAFKA_SSL_CAFILE": str(secured.certs.ca),
        "IPASN_DATABASE_URL": f"sqlite:///{tmp_path}/ipasn.db",
        "IPASN_MEASUREMENT_YEAR": "2025",
        "IPASN_INPUT_TOPICS": topics.input,
        "IPASN_OUTPUT_TOPIC": topics.output,
        "IPASN_DLQ_TOPIC": topics.dlq,
        "IPASN_RECONCILED_TOPIC": topics.reconciled,
        "IPASN_AGENCY_TOPIC": topics.agency,
        "IPASN_CONSUMER_GROUP": topics.group,
        "IPASN_METRICS_PORT": "0",
        "IPASN_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "IPASN_LOG_LEVEL": "DEBUG",  # the most a worker ever says
    }


def send(bootstrap: str, topic: str, msgs: list[Msg], security: KafkaOptions) -> None:
    publisher = KafkaPublisher(bootstrap, client_id="test-upstream", security=security)
    try:
        for m in msgs:
            publisher.send(topic, m.key, m.value)
        publisher.flush()
    finally:
        publisher.close()


def subjects(reads: list[Read]) -> set[str]:
    return {json.loads(r.value or b"")["subject"] for r in reads}


def read(secured: Secured, topic: str) -> list[Read]:
    """Everything on the topic, read over SASL_SSL (SCRAM) as the broker's first user."""
    return read_topic(secured.broker.bootstrap, topic, 10, security=secured.broker.client_options)


def wait_for_outputs(secured: Secured, topic: str, within_s: float = 60) -> list[Read]:
    deadline = time.monotonic() + within_s
    while True:
        found = read(secured, topic)
        if {A, B, D} <= subjects(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def everything(reads: list[Read]) -> str:
    """Keys, values and headers of the records as text, to search for a secret."""
    return "\n".join(repr((r.key, r.value, sorted(r.headers.items()))) for r in reads)


def test_the_worker_and_its_commands_work_over_sasl_ssl_and_never_show_the_password(
    secured: Secured, topics: Topics, tmp_path: Path
) -> None:
    env = scram_env(secured, topics, tmp_path)
    port = free_port()
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\n".join([*(m.value for m in phase_one()), b"{not json"]) + b"\n")

    published = cli("publish", str(events), env=env)
    with running_worker({**env, "IPASN_METRICS_PORT": str(port)}) as worker:
        outputs = wait_for_outputs(secured, topics.output)
        status, metrics = http_get(port, "/metrics")
        assert worker.consuming.is_set(), worker.stderr()
    shown = cli("show", A, env=env)
    letters = read(secured, topics.dlq)
    replayed = cli("dlq", "replay", "--json", env=env)

    assert published.returncode == 0, published.stderr
    assert {A, B, D} <= subjects(outputs), worker.stderr()
    assert status == 200
    assert "ipasn_events_consumed_total" in metrics
    assert shown.returncode == 0, shown.stderr
    assert "not_json" in {r.headers["ipasn-dlq-reason"].decode() for r in letters}
    assert replayed.returncode == 0, replayed.stderr
    assert json.loads(replayed.stdout)["sent"] == len(letters)
    shown_anywhere = [
        published.stdout + published.stderr,
        worker.stderr(last=100_000),
        metrics,
        shown.stdout + shown.stderr,
        everything(outputs),
        everything(letters),
        replayed.stdout + replayed.stderr,
    ]
    assert not [text for text in shown_anywhere if secured.password in text]


def test_a_stewards_override_is_published_over_sasl_ssl(
    secured: Secured, topics: Topics, tmp_path: Path
) -> None:
    source_secrets = tmp_path / "secrets.toml"
    source_secrets.write_text(f'steward = "{STEWARD_SECRET}"\n', encoding="utf-8")
    env = {**scram_env(secured, topics, tmp_path), "IPASN_SOURCE_SECRETS_FILE": str(source_secrets)}

    result = cli(
        "override", A, "discipline", "--record-id", "dis-a-1", "--delete",
        "--reason", "Putusan dibatalkan", "--actor", "Rina", env=env,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    [sent] = read(secured, topics.input)
    assert json.loads(sent.value or b"")["id"] == result.stdout.strip()
    assert secured.password not in result.stdout + result.stderr


def test_a_wrong_password_is_one_line_naming_the_refusal_and_not_the_password(
    secured: Secured, topics: Topics, tmp_path: Path
) -> None:
    wrong = f"wrong-{secrets.token_urlsafe(12)}"
    env = {**scram_env(secured, topics, tmp_path), "IPASN_KAFKA_SASL_PASSWORD": wrong}

    # kafka-python tries again until its bootstrap times out (30 s).
    result = cli("run", "--until-idle", "1", env=env)

    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        "ipasn-worker: the Kafka broker at IPASN_KAFKA_BOOTSTRAP_SERVERS refused the connection "
        "(SaslAuthenticationFailedError: Authentication failed during authentication due to "
        "invalid credentials with SASL mechanism SCRAM-SHA-512)"
    )
    assert wrong not in result.stderr + result.stdout
    assert secured.password not in result.stderr + result.stdout


def in_process(secured: Secured, topics: Topics, tmp_path: Path, **security: Any) -> Settings:
    return settings_for(secured.broker, topics, f"sqlite:///{tmp_path}/ipasn.db", **security)


def test_the_worker_runs_over_sasl_ssl_with_plain(
    secured: Secured, topics: Topics, tmp_path: Path
) -> None:
    settings = in_process(
        secured,
        topics,
        tmp_path,
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username=USER,
        kafka_sasl_password=secured.password,
        kafka_ssl_cafile=str(secured.certs.ca),
    )
    send(settings.kafka_bootstrap_servers, topics.input, phase_one(), kafka_options(settings))

    totals = run(settings, CollectorRegistry())

    assert totals.stored > 0
    assert {A, B, D} <= subjects(wait_for_outputs(secured, topics.output, within_s=10))


def test_the_worker_runs_over_mutual_tls_with_a_client_certificate(
    secured: Secured, topics: Topics, tmp_path: Path
) -> None:
    settings = in_process(
        secured,
        topics,
        tmp_path,
        kafka_bootstrap_servers=secured.broker.tls_bootstrap,
        kafka_security_protocol="SSL",
        kafka_ssl_cafile=str(secured.certs.ca),
        kafka_ssl_certfile=str(secured.certs.client_cert),
        kafka_ssl_keyfile=str(secured.certs.client_key),
    )
    send(settings.kafka_bootstrap_servers, topics.input, phase_one(), kafka_options(settings))

    totals = run(settings, CollectorRegistry())

    assert totals.stored > 0
    assert totals.dead_lettered > 0
    assert {A, B, D} <= subjects(wait_for_outputs(secured, topics.output, within_s=10))
