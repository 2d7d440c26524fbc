"""read_topic(): everything on a topic, start to current end, without a consumer group.

For the demo's report and for tests that check what the worker published.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition

from worker.kafka.clients import PLAINTEXT, KafkaOptions


@dataclass(frozen=True, slots=True)
class Read:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


def read_topic(
    bootstrap: str, topic: str, timeout_s: float = 30.0, *, security: KafkaOptions = PLAINTEXT
) -> list[Read]:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, **security
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        found: list[Read] = []
        # Gives up only after `timeout_s` without a record: a long topic takes as long as it
        # takes (a count of polls once cut one of 15,000 records short).
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and any(consumer.position(tp) < ends[tp] for tp in tps):
            for records in consumer.poll(timeout_ms=1000).values():
                deadline = time.monotonic() + timeout_s
                found.extend(
                    Read(r.partition, r.offset, r.key, r.value, dict(r.headers or []))
                    for r in records
                )
        return sorted(found, key=lambda r: (r.partition, r.offset))
    finally:
        consumer.close()
