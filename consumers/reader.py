"""read_topic(): everything on a topic, start to current end, without a consumer group.

For the demo's report and for tests that check what the worker published.
"""

from __future__ import annotations

from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition


@dataclass(frozen=True, slots=True)
class Read:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


def read_topic(bootstrap: str, topic: str, timeout_s: float = 30.0) -> list[Read]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        found: list[Read] = []
        polls = int(timeout_s)
        while polls and any(consumer.position(tp) < ends[tp] for tp in tps):
            polls -= 1
            for records in consumer.poll(timeout_ms=1000).values():
                found.extend(
                    Read(r.partition, r.offset, r.key, r.value, dict(r.headers or []))
                    for r in records
                )
        return sorted(found, key=lambda r: (r.partition, r.offset))
    finally:
        consumer.close()
