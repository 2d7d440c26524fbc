"""KafkaSource: a kafka-python consumer group with manual commits."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.errors import CommitFailedError
from kafka.structs import OffsetAndMetadata

from worker.kafka_errors import translated
from worker.ports import Message

log = logging.getLogger(__name__)


class _Positions(ConsumerRebalanceListener):  # type: ignore[misc]
    """The next offset of each partition as far as this consumer has read it."""

    def __init__(self) -> None:
        self.next_offset: dict[TopicPartition, int] = {}
        self.assignments = 0  # completed rebalances this consumer took part in

    def on_partitions_revoked(self, revoked: Any) -> None:
        for tp in revoked:
            self.next_offset.pop(tp, None)

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.assignments += 1


class KafkaSource:
    def __init__(
        self,
        bootstrap_servers: str,
        topics: Sequence[str],
        group_id: str,
        *,
        max_poll_records: int = 2000,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 1_000,
        client_id: str = "ipasn-worker",
    ) -> None:
        self._consumer: Any = KafkaConsumer(
            bootstrap_servers=bootstrap_servers.split(","),
            group_id=group_id,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=max_poll_records,
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=heartbeat_interval_ms,
            # Read only committed data of transactional upstream producers.
            isolation_level="read_committed",
        )
        self._topics = list(topics)
        self._positions = _Positions()
        self._consumer.subscribe(topics=self._topics, listener=self._positions)

    def poll(self, timeout_s: float) -> list[Message]:
        # kafka-python keeps a group join in flight across polls, so a short timeout does
        # not restart a join that takes longer (checked on Apache Kafka 4.1).
        with translated():
            polled = self._consumer.poll(timeout_ms=int(timeout_s * 1000))
        batch = [
            Message(r.topic, r.partition, r.offset, r.key, r.value)
            for tp in sorted(polled, key=lambda tp: (tp.topic, tp.partition))
            for r in polled[tp]
        ]
        for m in batch:
            self._positions.next_offset[TopicPartition(m.topic, m.partition)] = m.offset + 1
        return batch

    def commit(self, messages: Sequence[Message]) -> None:
        """Commit past the last of these messages in each partition."""
        upto: dict[TopicPartition, int] = {}
        for m in messages:
            tp = TopicPartition(m.topic, m.partition)
            upto[tp] = max(upto.get(tp, -1), m.offset + 1)
        if not upto:
            return
        try:
            with translated():
                self._consumer.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in upto.items()})
        except CommitFailedError:
            # The group rebalanced: the partitions' new owner re-reads from the last commit,
            # and the stored (source, id) of each statement makes that harmless.
            log.warning("offset commit refused after a rebalance; the batch will be re-read")

    def assigned(self) -> bool:
        return bool(self._consumer.assignment())

    def rebalances(self) -> int:
        """How many times the group assigned partitions to this consumer (once per rebalance)."""
        return self._positions.assignments

    def assigned_count(self) -> int:
        return len(self._consumer.assignment())

    def lag(self) -> dict[tuple[str, int], int]:
        """Messages behind the high watermark, for partitions whose end is known yet.

        Computed from what this consumer has seen, without asking the broker: a position
        request in the middle of a rebalance would make the group rebalance again.
        """
        result: dict[tuple[str, int], int] = {}
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)
            if high is None:
                continue
            seen = self._positions.next_offset.get(tp)
            # Nothing read yet although the end is known: the fetch found nothing to read.
            result[(tp.topic, tp.partition)] = 0 if seen is None else max(0, high - seen)
        return result

    def close(self) -> None:
        self._consumer.close(autocommit=False)
