"""Each batch's events published on a thread of their own while the next batch is applied, on
PostgreSQL (the worker does so on every database but SQLite): order per key, nothing held
back by the rows in flight, nothing lost when the publication fails; the relay on
connections of its own."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from producers.outbox import OutboxRelay
from tests.factories import BKN_8_2019, NIP, cloud_event, encoded, profile_data
from tests.fakes import FakeDeadLetters, FakePublisher, FakeSource
from worker.bootstrap import bootstrap
from worker.config.settings import load_settings
from worker.db.engine import make_engine, migrate
from worker.db.store import SqlStore
from worker.db.tables import outbox
from worker.observability.metrics import WorkerMetrics
from worker.pipeline.loop import Worker
from worker.pipeline.ports import Message, TransientError
from worker.pipeline.retries import Retries
from worker.pipeline.service import IndexService

NOW = datetime(2025, 6, 1, tzinfo=UTC)
RECALCULATED, RECONCILED, AGENCIES = (
    "recalculated",
    "asn.personnel.reconciled",
    "asn.ipasn.agency.recalculated",
)
MADE = [
    (RECALCULATED, NIP), (RECONCILED, NIP), (AGENCIES, "3201"),  # the first batch's
    (RECONCILED, NIP), (AGENCIES, "3201"), (AGENCIES, "3202"),  # the second's
]  # fmt: skip
POSITION = {"position_type": "pelaksana", "position_name": "Analis SDM", "tmt": "2021-04-01"}
# Two batches about one employee: the first makes an index, a snapshot and the agency's
# figures; the second moves the employee to another agency: a snapshot and both agencies'.
FIRST = [
    Message("changes", 0, 0, NIP.encode(), encoded(cloud_event("profile", profile_data(),
                                                                event_id="ev-1"))),
    Message("changes", 0, 1, NIP.encode(), encoded(cloud_event("position", POSITION,
                                                                event_id="ev-2"))),
]  # fmt: skip
SECOND = [
    Message("changes", 0, 2, NIP.encode(), encoded(cloud_event("profile", profile_data("3202"),
                                                                event_id="ev-3"))),
]  # fmt: skip


class HeldPublisher(FakePublisher):
    """Waits, at the first batch's flush, until the loop has committed the second batch's
    offsets: the second batch is applied while the first one's rows are being sent."""

    def __init__(self, journal: list[str], source: FakeSource) -> None:
        super().__init__(journal)
        self.source = source
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        if self.flushes == 1:
            for _ in range(200):
                if self.source.committed.get(("changes", 0), 0) >= 3:
                    break
                threading.Event().wait(0.05)
            self.journal.append("the first batch's flush let go")
        super().flush()


class Refusing(FakePublisher):
    """A broker that acknowledges nothing."""

    def flush(self) -> None:
        raise TransientError("the broker refused it (a test)")


def _worker(engine: Engine, source: FakeSource, publisher: FakePublisher) -> Worker:
    store = SqlStore(engine)
    return Worker(
        source=source,
        service=IndexService(store, BKN_8_2019, 2025, RECALCULATED),
        dead_letters=FakeDeadLetters(source.journal),
        relay=OutboxRelay(store, publisher),
        rules=BKN_8_2019,
        metrics=WorkerMetrics(CollectorRegistry()),
        stopping=threading.Event(),
        clock=lambda: NOW,
        retries=Retries(attempts=1),
        publish_behind=True,
    )


def _unsent(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def _sent(publisher: FakePublisher) -> list[tuple[str, str]]:
    return [(topic, (key or b"").decode()) for topic, key, _ in publisher.published]


def _batches_held_back(caplog: pytest.LogCaptureFixture) -> list[int]:
    return [r.batch["held_back"] for r in caplog.records if hasattr(r, "batch")]


@pytest.mark.postgres
def test_the_next_batch_is_applied_while_one_is_published_and_each_key_keeps_its_order(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(postgres_url)
    migrate(engine)
    journal: list[str] = []
    source = FakeSource(journal, [FIRST, SECOND])
    publisher = HeldPublisher(journal, source)
    caplog.set_level(logging.INFO, logger="worker.pipeline.loop")

    totals = _worker(engine, source, publisher).run(until_idle=0.3)

    assert journal == [
        "offsets committed to 2",
        "offsets committed to 3",  # the second batch, while the first one's are in flight
        "the first batch's flush let go",
        "published 3",
        "published 3",
    ]
    # Published from memory, in the order they were made: the rows in flight, of the same
    # employee and agency, held none of the second batch's back for the relay.
    assert _batches_held_back(caplog) == [0, 0]
    assert _sent(publisher) == MADE
    assert (totals.published, totals.snapshots) == (1, 2)
    assert _unsent(engine) == 0
    engine.dispose()


@pytest.mark.postgres
def test_a_publication_that_fails_behind_stops_the_loop_and_its_rows_go_out_first_after(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url)
    migrate(engine)
    source = FakeSource([], [FIRST, SECOND])

    with pytest.raises(TransientError, match="the broker refused it"):
        _worker(engine, source, Refusing([])).run(until_idle=0.3)

    # The second batch was applied behind the failed publication: its events were not
    # published ahead of the first one's; every row waits in the outbox.
    assert source.committed == {("changes", 0): 3}
    assert _unsent(engine) == 6
    # The next run (a restart) drains them in the order they were written.
    publisher = FakePublisher([])
    _worker(engine, FakeSource([], []), publisher).run(until_idle=0.3)
    assert _sent(publisher) == MADE
    assert _unsent(engine) == 0
    engine.dispose()


def _relay_engine(relay: OutboxRelay) -> Engine:
    assert isinstance(relay.store, SqlStore)
    return relay.store.engine


@pytest.mark.postgres
def test_on_postgresql_the_relay_keeps_to_connections_of_its_own(postgres_url: str) -> None:
    settings = load_settings(database_url=postgres_url)
    with bootstrap(settings, database="create", publisher=FakePublisher([])) as app:
        relays = _relay_engine(app.relay())

        assert relays is not app.engine
        assert relays.pool is not app.engine.pool
        assert str(relays.url) == str(app.engine.url)


def test_on_sqlite_the_relay_shares_the_stores_connections(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ipasn.db"
    settings = load_settings(database_url=url)
    with bootstrap(settings, database="create", publisher=FakePublisher([])) as app:
        assert app.relay().store is app.store
