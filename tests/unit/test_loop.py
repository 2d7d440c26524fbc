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
from worker.bootstrap.worker import ATTEMPT_LIMITS_S, POLL_MARGIN_S, retries
from worker.config.settings import SettingsError, load_settings
from worker.observability.metrics import WorkerMetrics
from worker.pipeline.loop import Worker
from worker.pipeline.ports import Message, TransientError
from worker.pipeline.retries import Retries
from worker.pipeline.service import IndexService

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
            relay=OutboxRelay(self.store, self.publisher),
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
        "published 3",  # the index revised, the reconciled snapshot, the agency's figures
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
    assert world.journal == [
        "database commit",
        "dead letters flushed",
        "offsets committed to 2",
        "published 1",  # the snapshot of the profile; no index without a position
    ]


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


class Unassigned(FakeSource):
    """A member of a group that never gives it a partition; `settled` False: a group that never
    finishes rebalancing."""

    def __init__(self, journal: list[str], *, settled: bool) -> None:
        super().__init__(journal, [])
        self._settled = settled

    def assigned_count(self) -> int:
        return 0

    def settled(self) -> bool:
        return self._settled

    def lag(self) -> dict[tuple[str, int], int]:
        return {}


def test_until_idle_without_any_partition_ends_unfinished_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("worker.pipeline.loop.ASSIGNMENT_GRACE_S", 0.3)
    world = World()
    world.worker.source = Unassigned(world.journal, settled=True)

    totals = world.worker.run(until_idle=0.1)

    assert totals.unfinished is not None
    assert totals.unfinished.startswith("no partition was assigned in 0 s: do the input topics")


def test_a_group_that_never_settles_ends_even_a_run_without_until_idle() -> None:
    world = World()
    world.worker.source = Unassigned(world.journal, settled=False)
    world.worker.rejoin_limit_s = 0.3

    totals = world.worker.run()

    assert totals.unfinished == (
        "the consumer group has not settled in 0 s; "
        "exiting so that a restart joins it as a new member"
    )


def test_a_stop_request_before_catching_up_is_unfinished_with_until_idle() -> None:
    world = World(_messages(PROFILE), [_positioned_at(1)])
    poll = world.source.poll

    def poll_then_stop(timeout_s: float) -> list[Message]:
        world.stopping.set()  # SIGTERM while the first batch is in hand
        return poll(timeout_s)

    world.source.poll = poll_then_stop  # type: ignore[method-assign]

    totals = world.worker.run(until_idle=5)

    assert totals.messages == 1  # the batch in hand was finished
    assert world.source.committed == {("changes", 0): 1}
    assert totals.unfinished == "stopped before catching up: 1 messages left to read"


def test_retries_end_at_the_batchs_deadline_and_commit_nothing() -> None:
    batch = _messages(PROFILE)
    world = World(batch)
    world.worker.retries = Retries(attempts=100, within_s=1.2)
    world.store.failures = 1_000
    started = time.monotonic()

    with pytest.raises(TransientError):
        world.worker.handle(batch)

    # The first wait is 0.5 to 1.5 s, the second 1 to 2 s: a second attempt at most.
    assert time.monotonic() - started < 1.2
    assert 1_000 - world.store.failures in (1, 2)
    assert world.source.committed == {}
    assert world.journal == []


def test_each_batch_has_its_own_deadline() -> None:
    first, second = _messages(PROFILE), [_positioned_at(1)]
    world = World(first, second)
    world.worker.retries = Retries(attempts=100, within_s=2.0)
    world.store.failures = 1  # one wait of about 0.5 to 1.5 s in each batch
    world.worker.handle(first)
    time.sleep(1.0)  # the first batch's deadline passes
    world.store.failures = 1

    world.worker.handle(second)

    assert world.source.committed == {("changes", 0): 2}


@pytest.mark.parametrize("max_poll_interval_ms", [240_000, 300_000, 600_000])
def test_a_batchs_retries_and_last_attempts_fit_inside_the_max_poll_interval(
    max_poll_interval_ms: int,
) -> None:
    settings = load_settings(kafka_max_poll_interval_ms=max_poll_interval_ms)
    budget = retries(settings)

    # No attempt starts after within_s; one begun before it may take its longest afterwards.
    worst = budget.within_s + sum(ATTEMPT_LIMITS_S) + POLL_MARGIN_S
    assert worst <= max_poll_interval_ms / 1000
    # Eight quick failures fit: seven waits of at most 1.5, 2, 3, 5, 9, 10 and 10 s.
    assert budget.within_s >= 40.5


def test_a_max_poll_interval_too_short_for_any_retry_is_refused() -> None:
    with pytest.raises(SettingsError, match="IPASN_KAFKA_MAX_POLL_INTERVAL_MS"):
        load_settings(kafka_max_poll_interval_ms=60_000)
