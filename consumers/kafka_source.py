"""KafkaSource: a kafka-python consumer group with manual commits."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.errors import CommitFailedError, RebalanceInProgressError
from kafka.structs import OffsetAndMetadata

from worker.kafka import clients
from worker.kafka.clients import PLAINTEXT, KafkaOptions
from worker.kafka.errors import MissingTopics, translated
from worker.pipeline.ports import Message, TransientError

log = logging.getLogger(__name__)

# The longest an offset commit may take; beyond it the commit fails as transient.
COMMIT_TIMEOUT_S = 15.0
ENDS_EVERY_S = 5.0


class _Positions(ConsumerRebalanceListener):  # type: ignore[misc]
    """What this consumer read and committed of each partition it holds, and whether the group
    has settled (joined and assigned) since the last rebalance began.

    kafka-python keeps a partition's position across a rebalance that gives it back to the same
    member, so what was read and committed is forgotten only for partitions that went elsewhere
    or were lost (the member dropped from the group, whose next owner starts from the commit).
    """

    def __init__(self) -> None:
        self.next_offset: dict[TopicPartition, int] = {}  # past the last message read
        self.handled: dict[TopicPartition, int] = {}  # past the last message handled
        self.committed: dict[TopicPartition, int] = {}  # as the broker acknowledged
        self.assignments = 0  # completed rebalances this consumer took part in
        self.settled = False

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.settled = False

    def on_partitions_lost(self, lost: Any) -> None:
        self.settled = False
        self._forget(set(lost))

    def on_partitions_assigned(self, assigned: Any) -> None:
        held = set(assigned)
        self._forget({tp for tp in [*self.next_offset, *self.handled] if tp not in held})
        self.assignments += 1
        self.settled = True

    def _forget(self, partitions: set[TopicPartition]) -> None:
        for tp in partitions:
            self.next_offset.pop(tp, None)
            self.handled.pop(tp, None)
            self.committed.pop(tp, None)


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
        max_poll_interval_ms: int = 300_000,
        client_id: str = clients.WORKER,
        security: KafkaOptions = PLAINTEXT,
    ) -> None:
        """`security`: kafka-python's security options (worker/kafka/clients.py)."""
        self._consumer: Any = KafkaConsumer(
            bootstrap_servers=bootstrap_servers.split(","),
            group_id=group_id,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=max_poll_records,
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=heartbeat_interval_ms,
            # Set, not left to the client's default: each batch's retries are fitted inside it.
            max_poll_interval_ms=max_poll_interval_ms,
            # Read only committed data of transactional upstream producers.
            isolation_level="read_committed",
            # A misspelt input topic is not created with the broker's default partitions.
            allow_auto_create_topics=False,
            **security,
        )
        self._topics = list(topics)
        self._refuse_missing_topics()
        self._positions = _Positions()
        self._consumer.subscribe(topics=self._topics, listener=self._positions)
        # Partition ends asked of the broker where no fetch has told them (see lag()).
        self._ends: dict[TopicPartition, int] = {}
        self._ends_asked_at = 0.0

    def _refuse_missing_topics(self) -> None:
        # kafka-python 3.0.12 does not pass allow_auto_create_topics on to its metadata
        # requests: subscribing to a misspelt topic would create it, and a run would then read
        # its emptiness and exit 0. Checked with a request for every topic, which creates none.
        with translated():
            missing = sorted(set(self._topics) - set(self._consumer.topics()))
        if missing:
            self._consumer.close(autocommit=False)
            raise MissingTopics(
                f"IPASN_INPUT_TOPICS: the broker has no topic {', '.join(missing)} "
                "(create the topics first; the worker does not)"
            )

    def poll(self, timeout_s: float) -> list[Message]:
        self._commit_handled()
        # kafka-python keeps a group join in flight across polls, so a short timeout does
        # not restart a join that takes longer (checked on Apache Kafka 4.1).
        with translated():
            polled = self._consumer.poll(timeout_ms=int(timeout_s * 1000))
        batch = [
            Message(r.topic, r.partition, r.offset, r.key, r.value, _headers(r.headers))
            for tp in sorted(polled, key=lambda tp: (tp.topic, tp.partition))
            for r in polled[tp]
        ]
        for m in batch:
            self._positions.next_offset[TopicPartition(m.topic, m.partition)] = m.offset + 1
        return batch

    def commit(self, messages: Sequence[Message]) -> None:
        """Commit past the last of these messages in each partition."""
        handled = self._positions.handled
        for m in messages:
            tp = TopicPartition(m.topic, m.partition)
            handled[tp] = max(handled.get(tp, -1), m.offset + 1)
        self._commit({TopicPartition(m.topic, m.partition) for m in messages})

    def _commit_handled(self) -> None:
        """Commit again what a refused commit left behind, once the group has settled and this
        consumer still holds the partition (its position was kept, so nothing re-reads it)."""
        p = self._positions
        behind = {tp for tp, o in p.handled.items() if p.committed.get(tp, -1) < o}
        if not behind or not p.settled:
            return
        try:
            self._commit(behind)
        except TransientError as e:
            log.warning("offset commit failed (%s); tried again at the next poll", e)

    def _commit(self, partitions: set[TopicPartition]) -> None:
        offsets = {tp: self._positions.handled[tp] for tp in partitions}
        if not offsets:
            return
        try:
            with translated():
                self._consumer.commit(
                    {tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()},
                    timeout_ms=int(COMMIT_TIMEOUT_S * 1000),
                )
        except (CommitFailedError, RebalanceInProgressError) as e:
            # The group is rebalancing or has moved on. A partition that went elsewhere is
            # re-read by its next owner from the last commit, and the stored (source, id) of
            # each statement makes that harmless; one kept here is committed again once the
            # group settles (poll).
            log.warning(
                "offset commit refused (%s); retried once the group settles", type(e).__name__
            )
            return
        self._positions.committed.update(offsets)

    def assigned(self) -> bool:
        return self.assigned_count() > 0

    def rebalances(self) -> int:
        """How many times the group assigned partitions to this consumer (once per rebalance)."""
        return self._positions.assignments

    def assigned_count(self) -> int:
        """Partitions held; none while the group rebalances, although kafka-python still lists
        the partitions it is about to give up."""
        return len(self._consumer.assignment()) if self._positions.settled else 0

    def settled(self) -> bool:
        """A member of the group, joined since the last rebalance began (with partitions or
        without: a group may have more members than partitions)."""
        return self._positions.settled

    def uncommitted(self) -> int:
        """Partitions held whose handled messages are not all committed yet."""
        p = self._positions
        held = self._consumer.assignment()
        return sum(1 for tp, o in p.handled.items() if tp in held and p.committed.get(tp, -1) < o)

    def lag(self) -> dict[tuple[str, int], int]:
        """Messages behind the high watermark, for partitions whose end is known yet.

        Computed from what this consumer has seen, without asking the broker: a position
        request in the middle of a rebalance would make the group rebalance again. A held
        partition that no fetch has told the end of (seen after the member was dropped from
        the group and joined again: a partition it had read to the end before) has its end
        asked of the broker, at most every few seconds and only in a settled group.
        """
        result: dict[tuple[str, int], int] = {}
        unknown: list[TopicPartition] = []
        for tp in self._consumer.assignment():
            seen = self._positions.next_offset.get(tp)
            high = self._consumer.highwater(tp)
            if high is None:
                unknown.append(tp)
                high = self._ends.get(tp)
                if high is None:
                    continue
                if seen is None:
                    if not self._positions.settled:
                        continue
                    seen = self._consumer.position(tp)  # the fetch position, the group settled
            # Nothing read yet although the end is known: the fetch found nothing to read.
            result[(tp.topic, tp.partition)] = 0 if seen is None else max(0, high - seen)
        self._ask_ends(unknown)
        return result

    def _ask_ends(self, unknown: list[TopicPartition]) -> None:
        now = time.monotonic()
        if not unknown or not self._positions.settled or now - self._ends_asked_at < ENDS_EVERY_S:
            return
        self._ends_asked_at = now
        try:
            with translated():
                self._ends.update(self._consumer.end_offsets(unknown))
        except TransientError as e:
            log.warning("partition ends not known (%s); asked again later", e)

    def close(self) -> None:
        self._consumer.close(autocommit=False)


def _headers(given: Any) -> tuple[tuple[str, bytes], ...]:
    # kafka-python gives a list of (str, bytes) pairs; a header may have a null value.
    return tuple((name, value or b"") for name, value in given) if given else ()
