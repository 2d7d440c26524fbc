"""Topics and brokers, through Kafka's admin API: create topics, find missing ones, count a
cluster's brokers."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from worker.kafka.clients import PLAINTEXT, KafkaOptions


def create_topics(
    bootstrap: str,
    topics: Mapping[str, int],
    replication_factor: int,
    *,
    client_id: str,
    security: KafkaOptions = PLAINTEXT,
    timeout_s: float = 30.0,
) -> None:
    """Create topics with the given partition counts; existing ones are left alone.

    Returns once the broker's metadata lists them all, so that a client can use them at once;
    TimeoutError where it does not within `timeout_s`. A replication factor of -1 is the
    broker's default.replication.factor.
    """
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id, **security)
    try:
        for name, partitions in topics.items():
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics([NewTopic(name, partitions, replication_factor)])
        deadline = time.monotonic() + timeout_s
        while not set(topics) <= set(admin.list_topics()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"topics not visible after {timeout_s:.0f} s")
            time.sleep(0.1)
    finally:
        admin.close()


def registered_brokers(
    bootstrap: str, *, client_id: str, security: KafkaOptions = PLAINTEXT
) -> int:
    """How many brokers the cluster at `bootstrap` has registered; 0 while none answers."""
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id, **security)
    except KafkaError:
        return 0
    try:
        return len(admin.describe_cluster()["brokers"])
    except KafkaError:
        return 0
    finally:
        admin.close()


def missing_topics(
    bootstrap: str,
    topics: Sequence[str],
    *,
    client_id: str,
    security: KafkaOptions = PLAINTEXT,
    timeout_ms: int = 30_000,
) -> list[str]:
    """Those of `topics` the cluster does not have; a KafkaError where no broker answers
    within `timeout_ms`."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        bootstrap_timeout_ms=timeout_ms,
        request_timeout_ms=timeout_ms,
        **security,
    )
    try:
        listed = set(admin.list_topics())
    finally:
        admin.close()
    return [t for t in topics if t not in listed]
