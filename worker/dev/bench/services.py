"""The broker and the PostgreSQL databases a benchmark runs on, and the stream it offers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from producers.kafka_sink import KafkaPublisher
from worker.config.agencies import AGENCY_CODE
from worker.dev.brokers import LocalBroker
from worker.dev.brokers.apache_kafka import ApacheKafka
from worker.dev.brokers.tansu import TansuBroker
from worker.dev.demo.sample import SampleMessage, sample_events
from worker.kafka import clients

# The local server the tests use (deploy/dev/postgres.sh sets it up).
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def broker_named(name: str) -> LocalBroker:
    """A broker of our own: Apache Kafka (one KRaft node; Java) or the in-memory stand-in."""
    return ApacheKafka(0) if name == "apache-kafka" else TansuBroker(0)


def publish_sample(bootstrap: str, topic: str, employees: int, year: int = 2025) -> int:
    """The demo's sample stream for `employees` employees, published; how many messages."""
    return publish_messages(bootstrap, topic, sample_events(employees, measurement_year=year))


def publish_messages(bootstrap: str, topic: str, messages: Sequence[SampleMessage]) -> int:
    """Sample messages published in their order; how many."""
    publisher = KafkaPublisher(bootstrap, client_id=clients.BENCH_UPSTREAM)
    for m in messages:
        publisher.send(topic, m.key, m.value)
    publisher.flush()
    publisher.close()
    return len(messages)


def sample_agencies(messages: Iterable[SampleMessage]) -> tuple[str, ...]:
    """The agency codes the sample's events name (`data.agency_code`: a profile's agency), each
    once, sorted: every agency whose own topics (contracts §15) a worker with
    IPASN_AGENCY_OUTPUTS=true may publish to on this stream. A message that is no JSON event
    (the sample's malformed ones) names none, nor does a code no topic name may end with."""
    found: set[str] = set()
    for m in messages:
        try:
            value = json.loads(m.value)
        except (ValueError, UnicodeDecodeError):
            continue
        for event in value if isinstance(value, list) else [value]:
            data = event.get("data") if isinstance(event, dict) else None
            code = data.get("agency_code") if isinstance(data, dict) else None
            if isinstance(code, str) and AGENCY_CODE.fullmatch(code):
                found.add(code)
    return tuple(sorted(found))
