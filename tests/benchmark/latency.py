"""Latency benchmark: `python -m tests.benchmark.latency [--rate 2000] [--employees 6000]`.

Starts Apache Kafka (one KRaft node; `--broker local` for the stand-in) and the worker as its
own process (`ipasn-worker run`, PostgreSQL where it answers, else SQLite), offers the demo
sample at a steady rate, and measures for every change event that led to a recalculation the
time from its publication to the receipt of the first `asn.ipasn.recalculated` event naming it
in `caused_by`. Prints the percentiles as a table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from kafka import KafkaConsumer
from rich.console import Console
from rich.table import Table

from producers.kafka_sink import KafkaPublisher
from tests.benchmark.services import add_broker_option, broker_for, fresh_postgres
from worker.demo.sample import sample_events


def offer(bootstrap: str, topic: str, employees: int, rate: float) -> dict[str, float]:
    """Publish at `rate` events/s; the time each (source, id) was handed to the producer."""
    publisher = KafkaPublisher(bootstrap, client_id="latency-upstream")
    sent: dict[str, float] = {}
    started = time.monotonic()
    for n, m in enumerate(sample_events(employees, measurement_year=2025)):
        due = started + n / rate
        if (wait := due - time.monotonic()) > 0:
            time.sleep(wait)
        try:
            event = json.loads(m.value)
            sent[f"{event['source']}/{event['id']}"] = time.monotonic()
        except (ValueError, KeyError, TypeError):
            pass  # a malformed sample message: dead-lettered, no recalculation
        publisher.send(topic, m.key, m.value)
        if n % 200 == 0:
            publisher.flush()
    publisher.flush()
    publisher.close()
    return sent


def receive(bootstrap: str, topic: str, until: threading.Event, seen: dict[str, float]) -> None:
    """Into `seen`: the first time each cause appears in a recalculated event's caused_by."""
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    while not until.is_set():
        for records in consumer.poll(timeout_ms=100).values():
            now = time.monotonic()
            for r in records:
                for cause in json.loads(r.value)["data"]["caused_by"]:
                    seen.setdefault(f"{cause['source']}/{cause['id']}", now)
    consumer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=2000.0, help="events offered per second")
    parser.add_argument("--employees", type=int, default=6000)
    add_broker_option(parser)
    args = parser.parse_args()
    console = Console()
    chosen = broker_for(args)
    tag = uuid.uuid4().hex[:8]
    changes, output = f"changes-{tag}", f"recalculated-{tag}"
    with chosen as broker, tempfile.TemporaryDirectory() as tmp:
        broker.create_topics({changes: 6, output: 6, f"dlq-{tag}": 1})
        database = fresh_postgres() or f"sqlite:///{tmp}/latency.db"
        env = {
            **os.environ,
            "IPASN_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
            "IPASN_DATABASE_URL": database,
            "IPASN_MEASUREMENT_YEAR": "2025",
            "IPASN_INPUT_TOPICS": changes,
            "IPASN_OUTPUT_TOPIC": output,
            "IPASN_DLQ_TOPIC": f"dlq-{tag}",
            "IPASN_CONSUMER_GROUP": f"latency-{tag}",
            "IPASN_METRICS_PORT": "0",
            "IPASN_LOG_LEVEL": "WARNING",
        }
        worker = subprocess.Popen([sys.executable, "-m", "worker.cli", "run"], env=env)
        time.sleep(8)  # the worker joins its group before the clock starts
        done = threading.Event()
        seen: dict[str, float] = {}
        reader = threading.Thread(target=receive, args=(broker.bootstrap, output, done, seen))
        reader.start()
        with console.status(f"offering {args.employees} employees' events at {args.rate:.0f}/s"):
            sent = offer(broker.bootstrap, changes, args.employees, args.rate)
            quiet_until = time.monotonic() + 5
            while time.monotonic() < quiet_until:  # until no recalculation for 5 s
                count = len(seen)
                time.sleep(0.5)
                if len(seen) != count:
                    quiet_until = time.monotonic() + 5
        worker.terminate()
        worker.wait(timeout=60)
        done.set()
        reader.join()
    latencies = sorted(seen[k] - sent[k] for k in seen if k in sent)
    backend = database.split(":")[0]
    table = Table(title=f"Latency at {args.rate:,.0f} events/s offered, {chosen.name}, {backend}")
    for column in ("events offered", "events recalculated", "p50", "p95", "p99", "max"):
        table.add_column(column, justify="right")
    cuts = statistics.quantiles(latencies, n=100)
    table.add_row(
        f"{len(sent):,}",
        f"{len(latencies):,}",
        *(f"{v * 1000:,.0f} ms" for v in (cuts[49], cuts[94], cuts[98], latencies[-1])),
    )
    console.print(table)


if __name__ == "__main__":
    main()
