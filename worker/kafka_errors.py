"""kafka-python's errors as the project's own (worker.ports), for the Kafka adapters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kafka.errors import KafkaError

from worker.ports import TransientError


@contextmanager
def translated() -> Iterator[None]:
    """A retriable Kafka error (a timeout, a leader moving) becomes a TransientError."""
    try:
        yield
    except KafkaError as e:
        if getattr(e, "retriable", False):
            raise TransientError(f"Kafka: {type(e).__name__}") from e
        raise
