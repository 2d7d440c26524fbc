"""OutboxRelay: publishes recalculated events in outbox order and marks them sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from worker.pipeline.ports import Outbox, Publisher


class OutboxRelay:
    def __init__(
        self,
        store: Outbox,
        publisher: Publisher,
        clock: Callable[[], datetime],
        batch_size: int = 1000,
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.clock = clock
        self.batch_size = batch_size

    def drain(self) -> dict[str, int]:
        """Publish every unsent row; return how many were sent, by topic.

        A crash after the send and before the mark sends the rows again, with the same ids:
        consumers de-duplicate on the CloudEvents id. A short batch was the last one: rows
        another worker adds meanwhile go out on the next drain.
        """
        sent: dict[str, int] = {}
        while True:
            with self.store.unsent(self.batch_size) as batch:
                if not batch.rows:
                    return sent
                for row in batch.rows:
                    sent[row.topic] = sent.get(row.topic, 0) + 1
                    self.publisher.send(
                        row.topic,
                        row.key.encode(),
                        row.payload.encode(),
                        [("content-type", b"application/cloudevents+json")],
                    )
                self.publisher.flush()
                batch.mark_sent(self.clock())
            if len(batch.rows) < self.batch_size:
                return sent

    def pending(self) -> int:
        """Outbox rows not yet sent (by any relay)."""
        return self.store.pending_count()
