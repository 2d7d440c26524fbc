"""OutboxRelay: publishes recalculated events in outbox order and marks them sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from worker.db.store import SqlStore
from worker.ports import Publisher


class OutboxRelay:
    def __init__(
        self,
        store: SqlStore,
        publisher: Publisher,
        clock: Callable[[], datetime],
        batch_size: int = 1000,
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.clock = clock
        self.batch_size = batch_size

    def drain(self) -> int:
        """Publish every unsent row; return how many were sent.

        A crash after the send and before the mark sends the rows again, with the same ids:
        consumers de-duplicate on the CloudEvents id.
        """
        sent = 0
        while True:
            with self.store.unsent(self.batch_size) as (rows, conn):
                if not rows:
                    return sent
                for row in rows:
                    self.publisher.send(
                        row.topic,
                        row.key.encode(),
                        row.payload.encode(),
                        [("content-type", b"application/cloudevents+json")],
                    )
                self.publisher.flush()
                self.store.mark_sent(conn, [r.id for r in rows], self.clock())
            sent += len(rows)
