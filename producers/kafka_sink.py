"""KafkaPublisher (an idempotent producer) and KafkaDeadLetters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kafka import KafkaProducer

from worker.kafka_errors import translated
from worker.ports import Message, Publisher, Rejection

FLUSH_TIMEOUT_S = 60.0


class KafkaPublisher:
    """Sends keep their order per partition (idempotence, acks=all); flush() raises on failure."""

    def __init__(self, bootstrap_servers: str, client_id: str = "ipasn-worker") -> None:
        self._producer: Any = KafkaProducer(
            bootstrap_servers=bootstrap_servers.split(","),
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=5,
        )
        self._pending: list[Any] = []

    def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        with translated():
            self._pending.append(
                self._producer.send(topic, key=key, value=value, headers=list(headers))
            )

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        with translated():
            self._producer.flush(timeout=FLUSH_TIMEOUT_S)
            for future in pending:
                future.get(timeout=FLUSH_TIMEOUT_S)  # raises the send's error, if any

    def close(self) -> None:
        self._producer.close(timeout=FLUSH_TIMEOUT_S)


class KafkaDeadLetters:
    """Invalid input with its reason, its original bytes and where it came from."""

    def __init__(self, publisher: Publisher, topic: str) -> None:
        self.publisher = publisher
        self.topic = topic

    def send(self, message: Message, rejection: Rejection) -> None:
        headers = [
            ("ipasn-dlq-reason", rejection.reason.encode()),
            ("ipasn-dlq-detail", rejection.detail.encode()),
            ("ipasn-dlq-topic", message.topic.encode()),
            ("ipasn-dlq-partition", str(message.partition).encode()),
            ("ipasn-dlq-offset", str(message.offset).encode()),
        ]
        self.publisher.send(self.topic, message.key, message.value, headers)

    def flush(self) -> None:
        self.publisher.flush()
