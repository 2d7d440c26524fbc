"""The loop with in-memory adapters: what it commits, in which order, and when it stops."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry

from producers.outbox import OutboxRelay
from tests.factories import BKN_8_2019, cloud_event, encoded, profile_data
from tests.fakes import FakeDeadLetters, FakePublisher, FakeSource, FakeStore
from worker.loop import Worker
from worker.metrics import WorkerMetrics
from worker.ports import Message, TransientError
from worker.service import IndexService

NOW = datetime(2025, 6, 1, tzinfo=UTC)
POSITION = {"position_type": "pelaksana", "position_name": "Analis SDM", "tmt": "2021-04-01"}


def _messages(*values: bytes) -> list[Message]:
    key = b"198703142010121001"
    return [Message("changes", 0, offset, key, v) for offset, v in enumerate(values)]


PROFILE = encoded(cloud_event("profile", profile_data(), event_id="ev-1"))
POSITIONED = encoded(cloud_event("position", POSITION, event_id="ev-2"))


class World:
    def __init__(self, *batches: list[Message]) -> None:
        self.journal: list[str] = []
        self.store = FakeStore(self.journal)
        self.publisher = FakePublisher(self.journal)
        self.dead = FakeDeadLetters(self.journal)
        self.source = FakeSource(self.journal, batches)
        self.stopping = threading.Event()
        self.worker = Worker(
            source=self.source,
            service=IndexService(self.store, BKN_8_2019, 2025, "recalculated"),
            dead_letters=self.dead,
            relay=OutboxRelay(self.store, self.publisher, lambda: NOW),
            rules=BKN_8_2019,
            metrics=WorkerMetrics(CollectorRegistry()),
            stopping=self.stopping,
            clock=lambda: NOW,
        )


def test_offsets_are_committed_after_the_database_and_the_dead_letters_then_it_publishes() -> None:
    batch = _messages(PROFILE, POSITIONED, b"not json")
    world = World(batch)

    world.worker.handle(batch)

    assert world.journal == [
        "database commit",
        "dead letters flushed",
        "offsets committed to 3",
        "published 1",
    ]
    assert [r.reason for _, r in world.dead.sent] == ["not_json"]


def test_a_statement_the_database_refuses_is_dead_lettered_and_the_rest_applied() -> None:
    batch = _messages(PROFILE, POSITIONED)
    world = World(batch)
    world.store.refuse = {"ev-2"}

    world.worker.handle(batch)

    assert [(m.offset, r.reason, r.detail) for m, r in world.dead.sent] == [
        (1, "invalid_event", "the database refused a value (FakeRefusal)")
    ]
    assert list(world.store.state.statements) == [("siasn", "ev-1")]
    assert world.journal == ["database commit", "dead letters flushed", "offsets committed to 2"]


def test_a_stop_request_ends_the_retries_at_once_and_commits_nothing() -> None:
    batch = _messages(PROFILE)
    world = World(batch)
    world.store.failures = 1_000
    threading.Timer(1.5, world.stopping.set).start()
    started = time.monotonic()

    with pytest.raises(TransientError):
        world.worker.handle(batch)

    # Inside the second or third wait between attempts (0.5 s, 1 s, 2 s, ... plus jitter).
    assert time.monotonic() - started < 2.0
    assert world.source.committed == {}
    assert world.journal == []


def test_until_idle_returns_once_everything_read_is_committed_and_published() -> None:
    world = World(_messages(PROFILE), [_positioned_at(1)])

    totals = world.worker.run(until_idle=0.3)

    assert (totals.messages, totals.stored, totals.published) == (2, 2, 1)
    assert world.source.committed == {("changes", 0): 2}
    assert world.store.pending_count() == 0


def _positioned_at(offset: int) -> Message:
    return Message("changes", 0, offset, b"198703142010121001", POSITIONED)
