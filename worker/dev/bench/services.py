"""The broker and the PostgreSQL databases a benchmark runs on, and the stream it offers."""

from __future__ import annotations

from producers.kafka_sink import KafkaPublisher
from worker.dev.brokers import LocalBroker
from worker.dev.brokers.apache_kafka import ApacheKafka
from worker.dev.brokers.tansu import TansuBroker
from worker.dev.demo.sample import sample_events
from worker.kafka import clients

# The local server the tests use (deploy/dev/postgres.sh sets it up).
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def broker_named(name: str) -> LocalBroker:
    """A broker of our own: Apache Kafka (one KRaft node; Java) or the in-memory stand-in."""
    return ApacheKafka(0) if name == "apache-kafka" else TansuBroker(0)


def publish_sample(bootstrap: str, topic: str, employees: int, year: int = 2025) -> int:
    """The demo's sample stream for `employees` employees, published; how many messages."""
    messages = sample_events(employees, measurement_year=year)
    publisher = KafkaPublisher(bootstrap, client_id=clients.BENCH_UPSTREAM)
    for m in messages:
        publisher.send(topic, m.key, m.value)
    publisher.flush()
    publisher.close()
    return len(messages)
