"""OutboxRelay: publishes the outbox's events in order and deletes their rows once sent.

Two ways out, one order. A worker publishes the events of the transaction it has just
committed from memory (`publish`): it claims their rows first, so that no other relay sends them
meanwhile, and they are deleted when the broker has acknowledged them. What a worker finds
unsent otherwise (its own events held back behind older rows of the same key, another worker's
left by a crash, the rest of a failed publication) goes out by `drain`, read back in id order.
Either way a crash between the send and the delete sends the events again, with the same ids:
consumers de-duplicate on the CloudEvents id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from worker.pipeline.ports import Outbox, OutboxEvent, OutboxRow, Publisher

HEADERS = [("content-type", b"application/cloudevents+json")]


class OutboxRelay:
    def __init__(self, store: Outbox, publisher: Publisher, batch_size: int = 1000) -> None:
        self.store = store
        self.publisher = publisher
        self.batch_size = batch_size

    def publish(self, events: Sequence[OutboxEvent]) -> dict[str, int]:
        """Publish a committed transaction's events from memory, in order; their rows are
        deleted once the broker acknowledged them. Rows another relay took first are its to
        send (it sent them in order, or is sending them)."""
        if not events:
            return {}
        with self.store.claim([e.event_id for e in events]) as claimed:
            return self.send(e for e in events if e.event_id in claimed)

    def drain(self) -> dict[str, int]:
        """Publish every unsent row, read back in id order; return how many were sent, by
        topic. A short batch was the last one: rows another worker adds meanwhile go out on
        the next drain."""
        sent: dict[str, int] = {}
        while True:
            with self.store.unsent(self.batch_size) as batch:
                if not batch.rows:
                    return sent
                for topic, n in self.send(batch.rows).items():
                    sent[topic] = sent.get(topic, 0) + n
                batch.delete()
            if len(batch.rows) < self.batch_size:
                return sent

    def send(self, events: Iterable[OutboxEvent | OutboxRow]) -> dict[str, int]:
        """Send, in this order, and wait until the broker has acknowledged every one."""
        sent: dict[str, int] = {}
        for e in events:
            sent[e.topic] = sent.get(e.topic, 0) + 1
            self.publisher.send(e.topic, e.key.encode(), e.payload.encode(), HEADERS)
        self.publisher.flush()
        return sent

    def pending(self) -> int:
        """Outbox rows not yet sent (by any relay)."""
        return self.store.pending_count()
