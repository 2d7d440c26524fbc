"""Which broker the tests use, and what the Apache Kafka nodes are configured with."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.conftest import choose_broker
from worker.dev.brokers import DevBrokerError, GivenBroker
from worker.dev.brokers.apache_kafka import ApacheKafka, _Node, java_missing, new_cluster_id
from worker.dev.brokers.secured import BrokerSecurity
from worker.dev.brokers.tansu import TansuBroker


@pytest.fixture
def no_java(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.fixture(autouse=True)
def no_choice_made(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("IPASN_TEST_KAFKA_BOOTSTRAP_SERVERS", "IPASN_TEST_BROKER", "CI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IPASN_TEST_REQUIRE_SERVICES", "0")


@pytest.mark.usefixtures("no_java")
def test_without_java_apache_kafka_says_why() -> None:
    assert java_missing() == "Apache Kafka needs Java 17 or newer: no `java` on PATH"


@pytest.mark.usefixtures("no_java")
def test_without_java_the_tests_fall_back_to_the_local_broker_and_say_why() -> None:
    chosen, why = choose_broker()

    assert isinstance(chosen, TansuBroker)
    assert why == (
        "Apache Kafka needs Java 17 or newer: no `java` on PATH; "
        "the tests fall back to the local broker"
    )


@pytest.mark.usefixtures("no_java")
def test_where_services_are_required_the_tests_never_fall_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IPASN_TEST_REQUIRE_SERVICES", "1")

    chosen, _ = choose_broker()

    assert isinstance(chosen, ApacheKafka)


def test_a_broker_named_in_the_environment_is_used_as_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IPASN_TEST_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")

    chosen, why = choose_broker()

    assert isinstance(chosen, GivenBroker)
    assert (chosen.bootstrap, why) == ("kafka-1:9092,kafka-2:9092", "")


def test_the_local_broker_can_be_chosen_on_purpose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPASN_TEST_BROKER", "local")

    chosen, why = choose_broker()

    assert isinstance(chosen, TansuBroker)
    assert why == "IPASN_TEST_BROKER=local"


def _settings(nodes: int) -> dict[str, str]:
    node = _Node(1, 9092, 9093, Path("/data/node-1"), Path("/logs/node-1.log"))
    voters = ",".join(f"{i}@127.0.0.1:{9093 + i}" for i in range(1, nodes + 1))
    text = node.properties(voters, ApacheKafka(0, nodes=nodes).replication_factor)
    return dict(line.split("=", 1) for line in text.splitlines())


def test_one_node_replicates_nothing() -> None:
    settings = _settings(1)

    assert settings["default.replication.factor"] == "1"
    assert settings["min.insync.replicas"] == "1"
    assert settings["offsets.topic.replication.factor"] == "1"


def test_three_nodes_replicate_three_times_with_two_in_sync() -> None:
    settings = _settings(3)

    assert settings["process.roles"] == "broker,controller"
    assert (
        settings["controller.quorum.voters"] == "1@127.0.0.1:9094,2@127.0.0.1:9095,3@127.0.0.1:9096"
    )
    assert settings["default.replication.factor"] == "3"
    assert settings["min.insync.replicas"] == "2"
    assert settings["transaction.state.log.min.isr"] == "2"
    assert settings["unclean.leader.election.enable"] == "false"


@pytest.mark.parametrize("nodes", [0, 6])
def test_a_cluster_size_out_of_range_is_refused(nodes: int) -> None:
    with pytest.raises(DevBrokerError, match="--nodes must be between 1 and 5"):
        ApacheKafka(0, nodes=nodes)


def test_a_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=bytes(16))])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(draws))
    assert new_cluster_id() == "AAAAAAAAAAAAAAAAAAAAAA"


def test_cluster_ids_are_22_url_safe_characters() -> None:
    ids = {new_cluster_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)


def test_a_secured_node_serves_clients_sasl_ssl_and_mutual_tls_and_itself_plaintext() -> None:
    security = BrokerSecurity(Path("/tls/ca.pem"), Path("/tls/broker.pem"), {"ipasn": "pw-1"})
    node = _Node(1, 9092, 9093, Path("/data/node-1"), Path("/logs/node-1.log"))
    node.tls_port, node.internal_port = 9094, 9095
    text = node.properties("1@127.0.0.1:9093", 1, security)
    settings = dict(line.split("=", 1) for line in text.splitlines())

    assert settings["listeners"] == (
        "SASL_SSL://127.0.0.1:9092,SSL://127.0.0.1:9094,INTERNAL://127.0.0.1:9095,"
        "CONTROLLER://127.0.0.1:9093"
    )
    assert settings["inter.broker.listener.name"] == "INTERNAL"
    assert settings["listener.name.sasl_ssl.sasl.enabled.mechanisms"] == "SCRAM-SHA-512,PLAIN"
    assert settings["listener.name.ssl.ssl.client.auth"] == "required"
    assert settings["ssl.keystore.type"] == "PEM"
    assert 'user_ipasn="pw-1"' in settings["listener.name.sasl_ssl.plain.sasl.jaas.config"]
    assert security.format_args() == ["--add-scram", "SCRAM-SHA-512=[name=ipasn,password=pw-1]"]
    assert "pw-1" not in repr(security)


def test_a_password_the_storage_tool_would_misread_is_refused() -> None:
    with pytest.raises(ValueError, match="without"):
        BrokerSecurity(Path("ca.pem"), Path("broker.pem"), {"ipasn": "a,b"})


def test_a_port_already_in_use_is_refused_before_anything_starts() -> None:
    import socket

    from worker.dev.brokers import DevBrokerError
    from worker.dev.brokers.apache_kafka import ApacheKafka

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        with pytest.raises(DevBrokerError, match=f"port {port} is in use"):
            ApacheKafka(port).start()
