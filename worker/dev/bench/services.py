"""The broker and the PostgreSQL databases a benchmark runs on, and the stream it offers."""

from __future__ import annotations

import atexit
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from producers.kafka_sink import KafkaPublisher
from worker.dev.brokers import LocalBroker
from worker.dev.brokers.apache_kafka import ApacheKafka
from worker.dev.brokers.tansu import TansuBroker
from worker.dev.demo.sample import sample_events

# The local server the tests use (deploy/dev/postgres.sh sets it up).
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def broker_named(name: str) -> LocalBroker:
    """A broker of our own: Apache Kafka (one KRaft node; Java) or the in-memory stand-in."""
    return ApacheKafka(0) if name == "apache-kafka" else TansuBroker(0)


def publish_sample(bootstrap: str, topic: str, employees: int, year: int = 2025) -> int:
    """The demo's sample stream for `employees` employees, published; how many messages."""
    messages = sample_events(employees, measurement_year=year)
    publisher = KafkaPublisher(bootstrap, client_id="bench-upstream")
    for m in messages:
        publisher.send(topic, m.key, m.value)
    publisher.flush()
    publisher.close()
    return len(messages)


def fresh_postgres(server: str = POSTGRES) -> str | None:
    """A new database on the server, dropped when the benchmark exits; None where no server
    answers."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"ipasn_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:  # noqa: BLE001 - no server: the benchmark goes without PostgreSQL
        return None
    finally:
        admin.dispose()
    atexit.register(_drop, server, name)
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _drop(server: str, name: str) -> None:
    # A seeded database of a million employees takes about 10 GB.
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
