"""Throughput benchmark: `python -m tests.benchmark.throughput [--employees N]`.

Publishes the demo sample scaled to N employees to Apache Kafka (one KRaft node; `--broker local`
for the in-memory stand-in where Java is missing), then measures in the
same run: (1) a bare kafka-python consumer reading the same messages (the baseline: the
ceiling set by the client library), and (2) the worker end to end (decode, reconcile,
recompute, database commit, offset commit, publish) on SQLite and, where it answers, on
PostgreSQL. Prints a table; absolute numbers drift with this machine, the ratios less so.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass

from kafka import KafkaConsumer
from prometheus_client import CollectorRegistry
from rich.console import Console
from rich.table import Table

from producers.kafka_sink import KafkaPublisher
from tests.benchmark.services import add_broker_option, broker_for, fresh_postgres
from worker.compose import run_worker
from worker.demo.sample import sample_events
from worker.settings import load_settings

IDLE_S = 1.0


@dataclass
class Result:
    name: str
    messages: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def publish(bootstrap: str, topic: str, employees: int, year: int) -> int:
    messages = sample_events(employees, measurement_year=year)
    publisher = KafkaPublisher(bootstrap, client_id="bench-upstream")
    for m in messages:
        publisher.send(topic, m.key, m.value)
    publisher.flush()
    publisher.close()
    return len(messages)


def baseline(bootstrap: str, topic: str, total: int) -> Result:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"raw-{uuid.uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    seen, started = 0, None
    while seen < total:
        for records in consumer.poll(timeout_ms=1000).values():
            started = started or time.perf_counter()
            seen += len(records)
    consumer.commit()
    elapsed = time.perf_counter() - (started or time.perf_counter())
    consumer.close()
    return Result("bare kafka-python consumer (baseline)", seen, elapsed)


def worker(bootstrap: str, topic: str, database_url: str, name: str) -> Result:
    tag = uuid.uuid4().hex[:8]
    settings = load_settings(
        kafka_bootstrap_servers=bootstrap,
        database_url=database_url,
        measurement_year=2025,
        input_topics=topic,
        output_topic=f"out-{tag}",
        dlq_topic=f"dlq-{tag}",
        consumer_group=f"bench-{tag}",
        metrics_port=0,
        kafka_session_timeout_ms=6000,
        kafka_heartbeat_interval_ms=1000,
    )
    registry = CollectorRegistry()
    totals = run_worker(settings, IDLE_S, threading.Event(), registry)
    # Wall time from the first batch received to the last one committed and published: every
    # poll, decode, transaction, offset commit and publication, without the group join before
    # and the idle wait that --until-idle adds after.
    return Result(name, totals.messages, totals.busy_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--employees", type=int, default=3000)
    add_broker_option(parser)
    args = parser.parse_args()
    console = Console()
    results: list[Result] = []
    chosen = broker_for(args)
    with chosen as broker, tempfile.TemporaryDirectory() as tmp:
        topic = "bench-changes"
        broker.create_topics({topic: 6})
        with console.status("publishing the sample…"):
            total = publish(broker.bootstrap, topic, args.employees, 2025)
        with console.status("baseline: bare consumer…"):
            results.append(baseline(broker.bootstrap, topic, total))
        with console.status("worker on SQLite…"):
            results.append(
                worker(broker.bootstrap, topic, f"sqlite:///{tmp}/bench.db", "ipasn-worker, SQLite")
            )
        url = fresh_postgres()
        if url:
            with console.status("worker on PostgreSQL…"):
                results.append(worker(broker.bootstrap, topic, url, "ipasn-worker, PostgreSQL"))
    table = Table(
        title=f"Throughput: {total} change events, {args.employees} employees, {chosen.name}"
    )
    for column in ("consumer", "messages", "seconds", "messages/s", "vs baseline"):
        table.add_column(column, justify="left" if column == "consumer" else "right")
    for r in results:
        table.add_row(
            r.name,
            str(r.messages),
            f"{r.seconds:.2f}",
            f"{r.rate:,.0f}",
            f"{r.rate / results[0].rate:.2f}x",
        )
    console.print(table)


if __name__ == "__main__":
    main()
