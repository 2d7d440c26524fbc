"""Running the worker and reading what it published, for the integration tests."""

from __future__ import annotations

import json
import threading
from typing import Any

from kafka import KafkaProducer
from prometheus_client import CollectorRegistry

from consumers.reader import read_topic
from tests.conftest import Topics
from tests.integration.stream import Msg
from worker.compose import SourceFactory, kafka_source, run_worker
from worker.devbroker import LocalBroker
from worker.loop import Totals
from worker.settings import Settings, load_settings

IDLE_S = 1.5


def publish(bootstrap: str, topic: str, msgs: list[Msg]) -> None:
    # A plain kafka-python producer, as an upstream team would use.
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for m in msgs:
        producer.send(topic, key=m.key, value=m.value)
    producer.flush()
    producer.close()


def settings_for(
    broker: LocalBroker, topics: Topics, database_url: str, group: str | None = None, **extra: Any
) -> Settings:
    given: dict[str, Any] = {
        "kafka_bootstrap_servers": broker.bootstrap,
        "database_url": database_url,
        "measurement_year": 2025,
        "input_topics": topics.input,
        "output_topic": topics.output,
        "dlq_topic": topics.dlq,
        "consumer_group": group or topics.group,
        "metrics_port": 0,
        # Apache Kafka's shortest by default (group.min.session.timeout.ms), so that a stopped
        # worker's partitions move on quickly in these tests.
        "kafka_session_timeout_ms": 6000,
        "kafka_heartbeat_interval_ms": 1000,
    }
    return load_settings(**{**given, **extra})


def run(
    settings: Settings,
    registry: CollectorRegistry | None = None,
    source_factory: SourceFactory = kafka_source,
) -> Totals:
    return run_worker(
        settings,
        IDLE_S,
        threading.Event(),
        registry or CollectorRegistry(),
        source_factory=source_factory,
    )


def published(broker: LocalBroker, topic: str) -> list[dict[str, Any]]:
    events = []
    for r in read_topic(broker.bootstrap, topic):
        event = json.loads(r.value or b"")
        assert r.key == event["subject"].encode()
        events.append(event)
    return events


def data_by_nip(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        found.setdefault(e["data"]["nip"], []).append(e["data"])
    return found
