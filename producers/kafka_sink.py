"""KafkaPublisher (an idempotent producer) and KafkaDeadLetters."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError
from kafka.partitioner.default import DefaultPartitioner, murmur2

from schemas import dead_letter
from schemas.dead_letter import Rejection
from worker.kafka import clients
from worker.kafka.admin import missing_topics
from worker.kafka.clients import PLAINTEXT, KafkaOptions
from worker.kafka.errors import MissingTopics, translated
from worker.pipeline.ports import Message, Outgoing, Publisher, TransientError

FLUSH_TIMEOUT_S = 60.0
# The longest a send waits for a topic's metadata (kafka-python's default: 60 s): a topic that
# is not there is found out and named (TopicMissing) within this.
METADATA_WAIT_MS = 10_000
MISSING_CHECK_S = 5.0  # while a flush waits, this often: is every topic it sends to there?


class TopicMissing(TransientError):
    """A topic this producer writes is not on the broker (deleted while the worker runs); the
    message names it. Transient: publishing goes on once it is there again."""


class KeyedPartitioner(DefaultPartitioner):  # type: ignore[misc]
    """kafka-python's default partitioner (murmur2 of the key, as the Java client's), each
    key's hash remembered: the worker publishes two or three events of an employee at a time,
    and murmur2 is pure Python (a tenth of the producer's time in `send`)."""

    def __init__(self, keys: int = 50_000) -> None:
        self._hashes: dict[bytes, int] = {}
        self._keys = keys  # remembered at most; then forgotten all at once
        self._sorted: dict[str, tuple[int, list[int]]] = {}  # topic → (count, partitions)

    def partition(
        self,
        topic: str,
        key: object,
        serialized_key: bytes | None,
        value: object,
        serialized_value: object,
        cluster: Any,
    ) -> int:
        every = cluster.partitions_for_topic(topic)
        if serialized_key is None or not every:  # as the default does it
            return int(super().partition(topic, key, None, value, serialized_value, cluster))
        return self._ordered(topic, every)[self._hash(serialized_key) % len(every)]

    def _hash(self, key: bytes) -> int:
        hashed = self._hashes.get(key)
        if hashed is None:
            if len(self._hashes) >= self._keys:
                self._hashes.clear()
            hashed = self._hashes[key] = murmur2(key) & 0x7FFFFFFF
        return hashed

    def _ordered(self, topic: str, every: set[int]) -> list[int]:
        count, ordered = self._sorted.get(topic, (0, []))
        if count != len(every):
            ordered = sorted(every)
            self._sorted[topic] = (len(every), ordered)
        return ordered


class KafkaPublisher:
    """Sends keep their order per partition (idempotence, acks=all); flush() raises on failure."""

    def __init__(
        self,
        bootstrap_servers: str,
        client_id: str = clients.WORKER,
        *,
        security: KafkaOptions = PLAINTEXT,
        max_block_ms: int = METADATA_WAIT_MS,
        reconnect_backoff_max_ms: int = 30_000,
        linger_ms: int = 5,
        agency_copies_of: Sequence[str] = (),
    ) -> None:
        """`security`: kafka-python's security options (worker/kafka/clients.py);
        `max_block_ms`: how long a send may wait for the topic's metadata or buffer room;
        `reconnect_backoff_max_ms`: the longest pause between two tries to reach a broker;
        `linger_ms`: how long a message waits for others to share its request;
        `agency_copies_of`: the topics whose agencies' copies (`<topic>.<agency_code>`,
        contracts §15) this producer writes: one of those missing is refused (MissingTopics),
        as at start, since no start-up check can know every agency."""
        self._bootstrap, self._client_id, self._security = bootstrap_servers, client_id, security
        self._agency_prefixes = tuple(f"{t}." for t in agency_copies_of)
        self._producer: Any = KafkaProducer(
            bootstrap_servers=bootstrap_servers.split(","),
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=linger_ms,
            # A batch's snapshots (2-4 KB each) fill kafka-python's default 16 KB batches a few
            # at a time; larger batches, compressed, make a few requests where that made many:
            # measured, a quarter of the worker's CPU per event (287 → 233 µs), and a fifth of
            # the bytes for the broker. lz4: about as fast as none here, faster than zstd.
            batch_size=512 * 1024,
            compression_type="lz4",
            partitioner=KeyedPartitioner(),
            max_block_ms=max_block_ms,
            reconnect_backoff_max_ms=reconnect_backoff_max_ms,
            **security,
        )
        # The worker never creates a topic (contracts §14). kafka-python 3.0.12 does not pass
        # allow_auto_create_topics on to its metadata (always True): a broker with
        # auto.create.topics.enable would make a missing or deleted output topic anew, with
        # its default settings (an output meant compacted would not be). Set where it is read.
        self._producer._metadata.config["allow_auto_create_topics"] = False
        self._pending: list[Any] = []
        self._topics: set[str] = set()  # of the sends not flushed yet

    def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        self._topics.add(topic)
        # A plain try, not translated() and _named(): two context managers a message cost
        # 2.3 µs, three times an event (measured with timeit); this, 0.1 µs.
        try:
            future = self._producer.send(topic, key=key, value=value, headers=list(headers))
        except KafkaError as e:
            if not getattr(e, "retriable", False):
                raise
            self._refuse_missing({topic}, e)
            raise TransientError(f"Kafka: {type(e).__name__}") from e
        self._pending.append(future)

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        topics, self._topics = self._topics, set()
        with self._named(topics), translated():
            self._flush(topics)
            for future in pending:
                future.get(timeout=FLUSH_TIMEOUT_S)  # raises the send's error, if any

    def _flush(self, topics: set[str]) -> None:
        """Wait for every send to be acknowledged, at most FLUSH_TIMEOUT_S; every
        MISSING_CHECK_S of it, make sure none of `topics` went missing (the producer would
        wait out its delivery timeout on a deleted topic, saying nothing)."""
        deadline = time.monotonic() + FLUSH_TIMEOUT_S
        while True:
            wait = min(MISSING_CHECK_S, max(0.0, deadline - time.monotonic()))
            try:
                self._producer.flush(timeout=wait)
            except KafkaTimeoutError:
                if time.monotonic() >= deadline:
                    raise
                self._refuse_missing(topics)
            else:
                return

    @contextmanager
    def _named(self, topics: set[str]) -> Iterator[None]:
        """A send or flush that failed because one of `topics` is not on the broker fails as
        TopicMissing naming it: kafka-python says only that metadata or delivery timed out."""
        try:
            yield
        except TopicMissing:
            raise
        except TransientError as e:
            self._refuse_missing(topics, e)
            raise

    def _refuse_missing(self, topics: set[str], cause: BaseException | None = None) -> None:
        """TopicMissing (from `cause`, the failure at hand) if one of `topics` is not on the
        broker; nothing where the broker does not answer (the failure at hand says that)."""
        try:
            with translated():
                missing = missing_topics(
                    self._bootstrap,
                    sorted(topics),
                    client_id=self._client_id,
                    security=self._security,
                )
        except (TransientError, KafkaError):
            return
        agencies = [t for t in missing if t.startswith(self._agency_prefixes)]
        if agencies:
            # An agency's topic nobody made: no wait would bring it. Its outbox rows stay.
            raise MissingTopics(
                f"the broker has no topic {', '.join(agencies)} (an agency's own outputs, "
                "IPASN_AGENCY_OUTPUTS): create it (`ipasn-worker topics create --agencies FILE`)"
                "; its events wait in the outbox"
            ) from cause
        if missing:
            raise TopicMissing(
                f"the broker has no topic {', '.join(missing)} (deleted?): publishing waits until "
                "it is there again (`ipasn-worker topics create` makes it)"
            ) from cause

    def deliver(self, topic: str, messages: Sequence[Outgoing], timeout_s: float) -> None:
        """Send (key, value, headers) messages and return once the broker acknowledged every
        one of them, not others; safe from several threads at once. TransientError where that
        does not happen within `timeout_s` (a send blocked for metadata or room waits at most
        max_block_ms more): then some may be written and the rest may still be, as the
        producer goes on retrying them until its delivery timeout."""
        deadline = time.monotonic() + timeout_s
        with translated():
            futures = [
                self._producer.send(topic, key=key, value=value, headers=list(headers))
                for key, value, headers in messages
            ]
            for future in futures:
                future.get(timeout=max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        self._producer.close(timeout=FLUSH_TIMEOUT_S)


# A dead-letter copy is its original plus a few hundred bytes of headers, so an original near
# Kafka's 1 MiB default (the producer's max.request.size, the broker's message.max.bytes) may
# not fit whole: it would be refused, and the partition would stop on it at every restart.
# Such a copy leaves the value out and says how large it was; the original stays on its input
# topic at the partition and offset the copy names, for as long as that topic keeps it.
DLQ_RECORD_LIMIT = 1_048_576 - 1_024  # bytes of key, value and headers; 1 KiB for framing


def _size(headers: Sequence[tuple[str, bytes]]) -> int:
    return sum(len(n) + len(v) for n, v in headers)


class KafkaDeadLetters:
    """Invalid input with its reason, its original bytes and where it came from."""

    def __init__(self, publisher: Publisher, topic: str) -> None:
        self.publisher = publisher
        self.topic = topic

    def send(self, message: Message, rejection: Rejection) -> None:
        headers = [
            (dead_letter.REASON, rejection.reason.encode()),
            (dead_letter.DETAIL, rejection.detail.encode()),
            (dead_letter.TOPIC, message.topic.encode()),
            (dead_letter.PARTITION, str(message.partition).encode()),
            (dead_letter.OFFSET, str(message.offset).encode()),
        ]
        # The original's own headers follow ours, so that a replay sends them back with it
        # (its `ipasn-signature` still verifies); ipasn-dlq-* ones are never the sender's to set.
        own = [(n, v) for n, v in message.headers if not dead_letter.is_dead_letter_header(n)]
        value = message.value
        size = len(message.key or b"") + len(value or b"") + _size(headers) + _size(own)
        if value is not None and size > DLQ_RECORD_LIMIT:
            headers.append((dead_letter.VALUE_OMITTED, str(len(value)).encode()))
            value = None
        if len(message.key or b"") + _size(headers) + _size(own) > DLQ_RECORD_LIMIT:
            headers.append((dead_letter.HEADERS_OMITTED, str(len(own)).encode()))
            own = []
        self.publisher.send(self.topic, message.key, value, headers + own)

    def flush(self) -> None:
        self.publisher.flush()
