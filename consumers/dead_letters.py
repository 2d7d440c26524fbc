"""The dead-letter topic as `ipasn-worker dlq replay` sees it: a bounded read, and replay cursors.

A read covers each partition from its beginning up to the end offset it had when the replay
started, never further: a dead letter written meanwhile (a replayed message refused again) waits
for the next replay instead of being replayed in a loop.

A replay cursor is the DLQ offset up to which the dead letters of one reason have been replayed.
Cursors are committed offsets of one consumer group per reason, `<group>.dlq-replay.<reason>`:
standard Kafka state, shown by `kafka-consumer-groups.sh --describe` and moved by its
`--reset-offsets`. No consumer ever joins these groups; offsets are committed without a
membership, as that tool does.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from worker.kafka import clients
from worker.kafka.clients import PLAINTEXT, KafkaOptions
from worker.kafka.errors import translated
from worker.pipeline.ports import TransientError

# No record and no progress for this long while short of the end offsets: give up.
STALL_S = 30.0


@dataclass(frozen=True, slots=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str | None:
        """The first header of that name as text, or None."""
        for n, v in self.headers:
            if n == name:
                return v.decode("utf-8", "replace")
        return None


class DeadLetterTopic:
    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        cursor_prefix: str,
        *,
        security: KafkaOptions = PLAINTEXT,
    ) -> None:
        self.topic = topic
        self.cursor_prefix = cursor_prefix
        self._bootstrap = bootstrap_servers.split(",")
        self._security = security
        self._consumer: Any = KafkaConsumer(
            bootstrap_servers=self._bootstrap,
            client_id=clients.DLQ_REPLAY,
            group_id=None,
            enable_auto_commit=False,
            allow_auto_create_topics=False,
            **security,
        )
        self._groups: dict[str, Any] = {}  # cursor group → a consumer committing as that group

    def existing_topics(self) -> set[str]:
        with translated():
            return set(self._consumer.topics())

    def end_offsets(self) -> dict[int, int]:
        """Each partition's end offset now: where this replay stops reading."""
        with translated():
            partitions = sorted(self._consumer.partitions_for_topic(self.topic) or ())
            ends = self._consumer.end_offsets([TopicPartition(self.topic, p) for p in partitions])
        return {tp.partition: offset for tp, offset in ends.items()}

    def read(self, ends: Mapping[int, int]) -> Iterator[DeadLetter]:
        """Every dead letter below `ends`, in offset order within each partition."""
        tps = {TopicPartition(self.topic, p): end for p, end in ends.items() if end > 0}
        if not tps:
            return
        with translated():
            self._consumer.assign(list(tps))
            self._consumer.seek_to_beginning(*tps)
        remaining = set(tps)
        progress_at = time.monotonic()
        while remaining:
            with translated():
                polled = self._consumer.poll(timeout_ms=1000)
                done = {tp for tp in remaining if self._consumer.position(tp) >= tps[tp]}
            if done:
                self._consumer.pause(*done)  # nothing past the end offsets is fetched
                remaining -= done
            if polled or done:
                progress_at = time.monotonic()
            elif time.monotonic() - progress_at > STALL_S:
                raise TransientError(
                    f"reading {self.topic} made no progress for {STALL_S:.0f} s "
                    "short of its end offsets"
                )
            for tp in sorted(polled, key=lambda tp: tp.partition):
                for r in polled[tp]:
                    if r.offset < tps[tp]:
                        headers = tuple((n, v or b"") for n, v in r.headers or ())
                        yield DeadLetter(r.partition, r.offset, r.key, r.value, headers)

    def cursor_group(self, reason: str) -> str:
        return f"{self.cursor_prefix}.{reason}"

    def cursors(
        self, reasons: Iterable[str], partitions: Iterable[int]
    ) -> dict[str, dict[int, int]]:
        """Per reason, per partition: the offset its replays have reached (absent: none yet)."""
        found: dict[str, dict[int, int]] = {}
        for reason in reasons:
            group = self._group(reason)
            found[reason] = {}
            for p in partitions:
                with translated():
                    offset = group.committed(TopicPartition(self.topic, p))
                if offset is not None and offset >= 0:
                    found[reason][p] = offset
        return found

    def advance(self, reason: str, upto: Mapping[int, int], note: str) -> None:
        """Remember that the dead letters of this reason below `upto` have been replayed."""
        offsets = {
            TopicPartition(self.topic, p): OffsetAndMetadata(o, note, -1) for p, o in upto.items()
        }
        with translated():
            self._group(reason).commit(offsets)

    def _group(self, reason: str) -> Any:
        group = self.cursor_group(reason)
        if group not in self._groups:
            self._groups[group] = KafkaConsumer(
                bootstrap_servers=self._bootstrap,
                client_id=clients.DLQ_REPLAY,
                group_id=group,
                enable_auto_commit=False,
                allow_auto_create_topics=False,
                **self._security,
            )
        return self._groups[group]

    def close(self) -> None:
        for consumer in [self._consumer, *self._groups.values()]:
            consumer.close(autocommit=False)
