"""The outbox relay publishes unsent rows in order, in batches, and deletes them once sent."""

from __future__ import annotations

from datetime import UTC, datetime

from producers.outbox import OutboxRelay
from tests.fakes import FakePublisher, FakeStore
from worker.pipeline.ports import OutboxRow

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _store_with(rows: int) -> FakeStore:
    store = FakeStore([])
    store.state.outbox = [
        OutboxRow(i, "recalculated", f"nip-{i}", f"payload-{i}") for i in range(1, rows + 1)
    ]
    return store


def test_every_unsent_row_is_published_in_order_across_full_batches() -> None:
    store, publisher = _store_with(5), FakePublisher([])

    sent = OutboxRelay(store, publisher, batch_size=2).drain()

    assert sent == {"recalculated": 5}
    assert [value for _, _, value in publisher.published] == [
        f"payload-{i}".encode() for i in range(1, 6)
    ]
    assert (store.pending_count(), store.unsent_queries) == (0, 3)


def test_a_short_batch_ends_the_drain_without_asking_again() -> None:
    store = _store_with(3)

    OutboxRelay(store, FakePublisher([]), batch_size=10).drain()

    assert store.unsent_queries == 1
