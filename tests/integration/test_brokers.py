"""The brokers the project starts, and the consumer group's behaviour on the real one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType

from consumers.kafka_source import KafkaSource
from tests.conftest import missing
from worker.dev.brokers import LocalBroker, free_port
from worker.dev.brokers.apache_kafka import ApacheKafka, java_missing

DEFAULT_TOPICS = {"asn.personnel.changes", "asn.ipasn.recalculated", "asn.personnel.changes.dlq"}


def _require_java() -> None:
    why = java_missing()
    if why:
        missing(why)


def _start_dev_broker(*args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "worker.cli", "dev-broker", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(2 if "--apache-kafka" in args else 1)]
    return process, "".join(lines)


@pytest.mark.kafka
def test_dev_broker_serves_the_default_topics_until_interrupted() -> None:
    port = free_port()
    broker, said = _start_dev_broker("--port", str(port))
    try:
        admin = KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{port}")
        topics = set(admin.list_topics())
        admin.close()
    finally:
        broker.send_signal(signal.SIGINT)
        broker.communicate(timeout=30)

    assert f"on 127.0.0.1:{port}" in said
    assert topics >= DEFAULT_TOPICS
    assert broker.returncode == 0


@pytest.mark.kafka
def test_dev_broker_apache_kafka_serves_the_default_topics_and_stops_on_sigterm() -> None:
    _require_java()
    port = free_port()
    broker, said = _start_dev_broker("--apache-kafka", "--port", str(port))
    try:
        assert f"Apache Kafka 4.1.1 (KRaft) on 127.0.0.1:{port}" in said, said
        admin = KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{port}")
        topics = set(admin.list_topics())
        admin.close()
    finally:
        broker.send_signal(signal.SIGTERM)
        _, stderr = broker.communicate(timeout=30)

    assert topics >= DEFAULT_TOPICS
    assert broker.returncode == 0, stderr
    with pytest.raises(ConnectionRefusedError):  # the JVM is gone with it
        socket.create_connection(("127.0.0.1", port), timeout=1)


@pytest.mark.cluster
def test_three_nodes_replicate_every_topic_three_times_and_survive_losing_one(
    tmp_path: Path,
) -> None:
    _require_java()
    with ApacheKafka(0, nodes=3, log_dir=tmp_path) as cluster:
        cluster.create_topics({"replicated": 3})
        admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap)
        described = admin.describe_topics(["replicated"])[0]
        config = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, "replicated", ["min.insync.replicas"])],
            config_filter="all",
        )
        admin.close()
        cluster.kill_node(3)
        producer = KafkaProducer(bootstrap_servers=cluster.bootstrap, acks="all", retries=20)
        sent = [producer.send("replicated", key=b"%d" % i, value=b"x") for i in range(30)]
        producer.flush(timeout=60)
        producer.close()

    assert [len(p["replica_nodes"]) for p in described["partitions"]] == [3, 3, 3]
    assert config["topic"]["replicated"]["min.insync.replicas"]["value"] == "2", config
    assert all(f.succeeded() for f in sent)


@pytest.mark.kafka
def test_a_worker_beyond_the_partition_count_waits_without_rebalancing_the_group(
    broker: LocalBroker,
) -> None:
    topic, group = f"one-{uuid.uuid4().hex[:8]}", f"g-{uuid.uuid4().hex[:8]}"
    broker.create_topics({topic: 1})
    sources = [
        KafkaSource(broker.bootstrap, [topic], group, session_timeout_ms=6000) for _ in range(2)
    ]
    try:
        # First the group forms and settles: one member owns the partition, the other none.
        # How many rebalances that takes depends on when each client learns of the new topic
        # (a client that joined before it had the topic's metadata joins again once it has).
        formed: list[int] = []
        settled_at = time.monotonic()
        deadline = settled_at + 60
        while time.monotonic() < deadline and time.monotonic() - settled_at < 6:
            for s in sources:
                s.poll(0.25)
            now = [s.rebalances() for s in sources]
            if now != formed or sorted(s.assigned_count() for s in sources) != [0, 1]:
                formed, settled_at = now, time.monotonic()
        # Then nothing moves for longer than the 20 s after which the worker used to leave and
        # re-join the group.
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline:
            for s in sources:
                s.poll(0.25)
        rebalances = [s.rebalances() for s in sources]
        owners = [s.assigned_count() for s in sources]
    finally:
        for s in sources:
            s.close()

    assert sorted(owners) == [0, 1]
    assert rebalances == formed
