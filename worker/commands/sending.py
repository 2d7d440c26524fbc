"""Sending many messages from a command, each counted only once the broker acknowledged it.

`publish` (JSON lines) and `import` (spreadsheets) send through this one loop: a command's
count of what it published is never ahead of what the broker has (acks=all, the project's
idempotent producer, producers/kafka_sink.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from worker.pipeline.ports import Publisher

Outgoing = tuple[bytes | None, bytes, Sequence[tuple[str, bytes]]]  # key, value, headers
FLUSH_EVERY = 5000


def send_acknowledged(
    publisher: Publisher,
    topic: str,
    messages: Iterable[Outgoing],
    acknowledged: Callable[[int], None] = lambda _: None,
    every: int = FLUSH_EVERY,
) -> int:
    """Sends the messages in order; after every `every` of them, and after the last, waits
    until the broker acknowledged all sent so far (flush() raises where it did not) and calls
    `acknowledged` with how many that is. Returns the number sent and acknowledged."""
    sent = 0
    for key, value, headers in messages:
        publisher.send(topic, key, value, headers)
        sent += 1
        if sent % every == 0:
            publisher.flush()
            acknowledged(sent)
    publisher.flush()
    acknowledged(sent)
    return sent
