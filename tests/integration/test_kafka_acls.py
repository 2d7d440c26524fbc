"""Each system reads only its own staff (contracts §15), against a real Apache Kafka with
SASL/SCRAM and the standard authoriser on: the ACLs `ipasn-worker topics acls --apply` creates
let a regional principal read its agency's topics and write the input topic, and nothing else;
the worker runs under its own principal with exactly those ACLs."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import (
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ResourcePatternFilter,
    ResourceType,
)
from kafka.errors import (
    GroupAuthorizationFailedError,
    KafkaError,
    NoError,
    TopicAuthorizationFailedError,
)
from prometheus_client import CollectorRegistry

from consumers.reader import read_topic
from tests.conftest import Topics, missing
from tests.integration.helpers import cli, run, settings_for
from tests.integration.stream import A, B, D, event, phase_one, profile
from tests.integration.tls import Certificates, make_certificates
from worker.config.agencies import acls, read_agencies
from worker.config.settings import Settings
from worker.dev.brokers import DevBrokerError
from worker.dev.brokers.apache_kafka import ApacheKafka, java_missing
from worker.dev.brokers.secured import SCRAM, BrokerSecurity

pytestmark = pytest.mark.kafka

ADMIN = "admin"
WORKER = "ipasn-worker"
USERS = (ADMIN, WORKER, "simpeg-7317", "simpeg-7371", "simpeg-3201", "siasn", "mallory")
AGENCIES = ("7317", "7371", "3201")  # the stream's employees are of 3201 and 7317


@dataclass(frozen=True)
class Guarded:
    broker: ApacheKafka
    certs: Certificates
    passwords: dict[str, str]
    topics: Topics
    agencies_file: Path


def as_user(guarded: Guarded, user: str) -> dict[str, Any]:
    """kafka-python's options to connect as `user` (SASL_SSL, SCRAM-SHA-512)."""
    return {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": SCRAM,
        "sasl_plain_username": user,
        "sasl_plain_password": guarded.passwords[user],
        "ssl_cafile": str(guarded.certs.ca),
    }


def env_for(guarded: Guarded, user: str, tmp_path: Path) -> dict[str, str]:
    t = guarded.topics
    return {
        "IPASN_KAFKA_BOOTSTRAP_SERVERS": guarded.broker.bootstrap,
        "IPASN_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "IPASN_KAFKA_SASL_MECHANISM": SCRAM,
        "IPASN_KAFKA_SASL_USERNAME": user,
        "IPASN_KAFKA_SASL_PASSWORD": guarded.passwords[user],
        "IPASN_KAFKA_SSL_CAFILE": str(guarded.certs.ca),
        "IPASN_DATABASE_URL": f"sqlite:///{tmp_path}/ipasn.db",
        "IPASN_INPUT_TOPICS": t.input,
        "IPASN_OUTPUT_TOPIC": t.output,
        "IPASN_DLQ_TOPIC": t.dlq,
        "IPASN_RECONCILED_TOPIC": t.reconciled,
        "IPASN_AGENCY_TOPIC": t.agency,
        "IPASN_CONSUMER_GROUP": t.group,
    }


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarded]:
    """A broker that denies what no ACL allows, its topics made and its ACLs applied by the
    commands, as the admin (the broker's super user)."""
    why = java_missing()
    if why:
        missing(why)
    folder = tmp_path_factory.mktemp("acls")
    certs = make_certificates(folder)
    passwords = {user: f"pw-{secrets.token_urlsafe(12)}" for user in USERS}
    broker = ApacheKafka(
        0,
        log_dir=tmp_path_factory.mktemp("guarded-kafka-logs"),
        security=BrokerSecurity(certs.ca, certs.broker, passwords, authorizer=True),
    )
    try:
        broker.start(timeout_s=90)
    except DevBrokerError as e:
        missing(f"{broker.name} with an authoriser unavailable: {e}")
        raise
    agencies_file = folder / "agencies.txt"
    agencies_file.write_text("# the regencies of this test\n" + "\n".join(AGENCIES) + "\n")
    guarded = Guarded(broker, certs, passwords, Topics.fresh(), agencies_file)
    admin = env_for(guarded, ADMIN, folder)
    created = cli(
        "topics", "create", "--partitions", "2", "--agencies", str(agencies_file), env=admin
    )
    applied = cli(
        "topics", "acls", "--agencies", str(agencies_file), "--worker-principal", WORKER,
        "--apply", env=admin,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert applied.returncode == 0, applied.stderr
    yield guarded
    broker.stop()


def produce(
    guarded: Guarded, user: str, topic: str, value: bytes = b"{}", key: bytes | None = b"k"
) -> None:
    """One message, acknowledged; the broker's refusal raised."""
    producer = KafkaProducer(
        bootstrap_servers=guarded.broker.bootstrap, max_block_ms=15_000, **as_user(guarded, user)
    )
    try:
        producer.send(topic, key=key, value=value).get(timeout=15)
    finally:
        producer.close()


def consume(
    guarded: Guarded, user: str, topic: str, group: str, within_s: float = 20
) -> list[bytes]:
    """What a consumer group of `user` reads of the topic from its start (once it reads
    anything, or after `within_s`); the broker's refusal raised."""
    consumer = KafkaConsumer(
        bootstrap_servers=guarded.broker.bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        **as_user(guarded, user),
    )
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + within_s
        read: list[bytes] = []
        while not read and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                read += [r.value for r in records]
        return read
    finally:
        consumer.close()


def refused(action: Any, *args: Any) -> bool:
    """Whether the broker refused the action (a send's refusal shows through its future)."""
    try:
        action(*args)
    except (TopicAuthorizationFailedError, GroupAuthorizationFailedError):
        return True
    except KafkaError as e:
        if isinstance(e.__cause__, TopicAuthorizationFailedError):
            return True
        raise
    return False


def kept_from(guarded: Guarded, user: str, topic: str, group: str) -> bool:
    """Whether `user` cannot read a message the topic holds: the broker refuses its group, or
    leaves the topic out of what it tells the consumer (kafka-python then reads nothing and
    logs that the topic is not authorised)."""
    produce(guarded, ADMIN, topic, b'{"held": true}')
    read: list[bytes] = []
    # A group joins in about 3 s here and a granted read follows at once: 10 s is ample.
    if refused(lambda: read.extend(consume(guarded, user, topic, group, within_s=10))):
        return True
    return read == []


def test_a_regional_system_reads_its_own_agencys_topics_and_writes_the_input(
    guarded: Guarded,
) -> None:
    t = guarded.topics
    for topic in (f"{t.output}.7317", f"{t.reconciled}.7317"):
        produce(guarded, ADMIN, topic, b'{"agency": "7317"}')

    for topic in (f"{t.output}.7317", f"{t.reconciled}.7317"):
        assert consume(guarded, "simpeg-7317", topic, "simpeg-7317-sync") == [b'{"agency": "7317"}']
    produce(guarded, "simpeg-7317", t.input)  # raises if refused


@pytest.mark.parametrize(
    "topic",
    ["{t.output}.7371", "{t.reconciled}.7371", "{t.output}", "{t.reconciled}", "{t.agency}"],
)
def test_a_regional_system_is_denied_another_agencys_and_the_national_topics(
    guarded: Guarded, topic: str
) -> None:
    name = topic.format(t=guarded.topics)

    assert kept_from(guarded, "simpeg-7317", name, "simpeg-7317-sync")
    assert consume(guarded, ADMIN, name, "admin-check")  # it holds what was kept


def test_a_regional_system_writes_nothing_but_the_input(guarded: Guarded) -> None:
    t = guarded.topics
    for topic in (f"{t.output}.7317", t.output, t.reconciled, t.dlq):
        assert refused(produce, guarded, "simpeg-7317", topic), topic


def test_a_regional_group_outside_its_prefix_is_denied(guarded: Guarded) -> None:
    topic = f"{guarded.topics.output}.7317"

    assert refused(consume, guarded, "simpeg-7317", topic, "someone-else")


def test_a_principal_without_acls_reads_and_writes_nothing(guarded: Guarded) -> None:
    t = guarded.topics
    assert kept_from(guarded, "mallory", t.input, "mallory")
    assert refused(produce, guarded, "mallory", t.input)


def test_national_systems_write_the_input_and_read_nothing(guarded: Guarded) -> None:
    t = guarded.topics
    produce(guarded, "siasn", t.input)

    assert kept_from(guarded, "siasn", t.output, "siasn")


def worker_settings(guarded: Guarded, tmp_path: Path) -> Settings:
    return settings_for(
        guarded.broker,
        guarded.topics,
        f"sqlite:///{tmp_path}/ipasn.db",
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism=SCRAM,
        kafka_sasl_username=WORKER,
        kafka_sasl_password=guarded.passwords[WORKER],
        kafka_ssl_cafile=str(guarded.certs.ca),
        agency_outputs=True,
    )


def acls_on_the_broker(guarded: Guarded, principal: str) -> set[tuple[str, str, str, str]]:
    """(operation, resource type, pattern type, name) of the ACLs that allow `principal`."""
    admin = KafkaAdminClient(bootstrap_servers=guarded.broker.bootstrap, **as_user(guarded, ADMIN))
    try:
        found, error = admin.describe_acls(
            ACLFilter(
                principal=f"User:{principal}",
                host="*",
                operation=ACLOperation.ANY,
                permission_type=ACLPermissionType.ANY,
                resource_pattern=ResourcePatternFilter(
                    ResourceType.ANY, None, ACLResourcePatternType.ANY
                ),
            )
        )
    finally:
        admin.close()
    assert error is NoError or error is None or getattr(error, "errno", 0) == 0
    return {
        (a.operation.name, a.resource_pattern.resource_type.name,
         a.resource_pattern.pattern_type.name, a.resource_pattern.resource_name)
        for a in found
        if a.permission_type == ACLPermissionType.ALLOW
    }  # fmt: skip


def test_the_worker_runs_under_its_own_principal_with_exactly_the_printed_acls(
    guarded: Guarded, tmp_path: Path
) -> None:
    settings = worker_settings(guarded, tmp_path)
    for m in phase_one():
        produce(guarded, "siasn", guarded.topics.input, m.value, m.key)

    totals = run(settings, CollectorRegistry())

    planned = acls(settings, read_agencies(guarded.agencies_file), WORKER)
    assert acls_on_the_broker(guarded, WORKER) == {
        (g.operation, g.resource, g.pattern, g.name)
        for g in planned
        if g.principal == f"User:{WORKER}"
    }
    assert totals.stored > 0
    assert totals.dead_lettered > 0  # the dead letters are the worker's to write too
    outputs = read_topic(
        guarded.broker.bootstrap, guarded.topics.output, 10, security=as_user(guarded, ADMIN)
    )
    # (Other tests put a message of their own on the topic.)
    assert {A, B, D} <= {json.loads(r.value or b"").get("subject") for r in outputs}
    # Kab. Luwu's system reads its own employee's copies, and nobody else's.
    t = guarded.topics
    for topic in (f"{t.output}.7317", f"{t.reconciled}.7317"):
        own = read_topic(
            guarded.broker.bootstrap, topic, 10, security=as_user(guarded, "simpeg-7317")
        )
        subjects = {json.loads(r.value or b"").get("subject") for r in own} - {None}
        assert subjects == {B}, topic


def test_a_transfer_tells_the_old_agency_it_left_and_the_new_one_reads_the_employee(
    guarded: Guarded, tmp_path: Path
) -> None:
    """Under the same ACLs: B moves from Kab. Luwu (7317) to 3201; 7317's system reads one last
    snapshot that says so and holds nothing personal, 3201's reads B's snapshot and index."""
    settings = worker_settings(guarded, tmp_path)
    t = guarded.topics
    for m in phase_one():
        produce(guarded, "siasn", t.input, m.value, m.key)
    run(settings, CollectorRegistry())
    move = event(
        "siasn", "move-b-3201", "profile", B, profile("3201", "Siti Aminah", "1994-06-30", "F"),
        time="2025-03-01T08:00:00+07:00",
    )  # fmt: skip
    produce(guarded, "siasn", t.input, move.value, move.key)

    run(settings, CollectorRegistry())

    def of_b(user: str, topic: str) -> list[dict[str, Any]]:
        found = read_topic(guarded.broker.bootstrap, topic, 10, security=as_user(guarded, user))
        return [e for r in found if (e := json.loads(r.value or b"")).get("subject") == B]

    old = of_b("simpeg-7317", f"{t.reconciled}.7317")
    left = [e for e in old if e["data"]["left_agency"]]
    assert len(left) == 1
    assert old[-1] == left[0]  # nothing after it
    assert left[0]["data"]["agency_code"] == "3201"
    assert left[0]["data"]["conflicts"] == []
    assert not any(left[0]["data"]["records"].get(k) for k in left[0]["data"]["records"])
    new = of_b("simpeg-3201", f"{t.reconciled}.3201")
    assert new[-1]["data"]["agency_code"] == "3201"
    assert new[-1]["data"]["records"]["profile"] is not None
    assert of_b("simpeg-3201", f"{t.output}.3201")  # the latest recalculated event of B
    assert kept_from(guarded, "simpeg-3201", f"{t.reconciled}.7317", "simpeg-3201-sync")
