"""`ipasn-worker dev-broker`: a local broker with the worker's topics, until Ctrl-C."""

from __future__ import annotations

import argparse
import threading

from worker.commands.shutdown import Shutdown, Stopped
from worker.config.settings import Settings
from worker.config.topics import worker_topics
from worker.dev.brokers import LocalBroker
from worker.dev.brokers.apache_kafka import ApacheKafka
from worker.dev.brokers.tansu import TansuBroker

DESCRIPTION = "start a local broker: Tansu (in memory), or Apache Kafka"


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--apache-kafka",
        action="store_true",
        help="Apache Kafka (KRaft) from Maven Central, needs Java 17 and Maven",
    )
    p.add_argument(
        "--nodes", type=int, default=1, help="Apache Kafka nodes (3: replication factor 3)"
    )
    p.add_argument("--port", type=int, default=9092, help="of the first node; 0: a free one")
    p.add_argument("--partitions", type=int, default=3, help="for the input and output topics")


def run(args: argparse.Namespace, settings: Settings) -> int:
    Shutdown()  # no loop here: a signal stops the broker at once, cleanly
    broker: LocalBroker = (
        ApacheKafka(args.port, nodes=args.nodes) if args.apache_kafka else TansuBroker(args.port)
    )
    if args.apache_kafka:
        print(f"starting {broker.name}; the first start fetches it with Maven", flush=True)
    topics = {t.name: t.partitions for t in worker_topics(settings, args.partitions)}
    try:
        with broker:
            broker.create_topics(topics)
            logs = f"; logs in {broker.log_dir}" if isinstance(broker, ApacheKafka) else ""
            print(
                f"{broker.name} on {broker.bootstrap}{logs}; topics: {', '.join(topics)}; "
                "Ctrl-C stops it",
                flush=True,
            )
            threading.Event().wait()
    except Stopped:
        pass
    return 0
