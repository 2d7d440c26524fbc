"""The composition root: settings in, the adapters an entry point works with out.

Every entry point (run, recompute, dlq replay, override, publish, the read commands) gets its
database, store, producer and outbox relay from `bootstrap()`, the one place that decides what
is real: a test hands in a fake store or publisher and gets the rest real, as the entry point
would. What bootstrap() opened it closes, in order, when the block ends: the producer (after
its last send is acknowledged), then the database's connections.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol, TypeVar

from producers.kafka_sink import KafkaPublisher
from producers.outbox import OutboxRelay
from worker.config.kafka import kafka_options
from worker.config.settings import Settings
from worker.db.engine import Engine, make_engine, migrate, require_schema
from worker.db.store import SqlStore
from worker.domain.rules import RuleSet
from worker.pipeline.cache import EmployeeCache
from worker.pipeline.ports import Outbox, Publisher, Store
from worker.pipeline.service import IndexService

T = TypeVar("T")

# What an entry point does with the database:
#   read     the schema must be there and current (SchemaMissing otherwise: one line, exit 1);
#   upgrade  the schema must be there (SchemaMissing otherwise), and is brought up to date;
#   create   the schema is created or brought up to date.
Database = Literal["read", "upgrade", "create"]


class StoreWithOutbox(Store, Outbox, Protocol):
    """A store whose transactions add outbox rows, and the outbox they go to."""


def now() -> datetime:
    return datetime.now(UTC)


def _given(value: T | None, what: str) -> T:
    if value is None:
        raise RuntimeError(f"bootstrap() was not asked for {what}")
    return value


@dataclass(frozen=True, eq=False)
class Adapters:
    """What an entry point asked bootstrap() for."""

    settings: Settings
    engine_or_none: Engine | None = None
    store_or_none: StoreWithOutbox | None = None
    publisher_or_none: Publisher | None = None
    # The relay's: the store, on connections of its own where the database takes two writers.
    outbox_or_none: Outbox | None = None

    @property
    def engine(self) -> Engine:
        """For the read queries of worker/db/views/."""
        return _given(self.engine_or_none, "a database")

    @property
    def store(self) -> StoreWithOutbox:
        return _given(self.store_or_none, "a database")

    @property
    def publisher(self) -> Publisher:
        return _given(self.publisher_or_none, "a producer")

    def index_service(
        self, rules: RuleSet, measurement_year: int, cache: EmployeeCache | None = None
    ) -> IndexService:
        """The event path's transaction over the store, writing to the settings' topics."""
        return IndexService(
            self.store,
            rules,
            measurement_year,
            self.settings.output_topic,
            cache,
            reconciled_topic=self.settings.reconciled_topic,
            agency_topic=self.settings.agency_topic,
            agency_outputs=self.settings.agency_outputs,
        )

    def relay(self) -> OutboxRelay:
        """Publishes what the store's transactions left in the outbox, in order."""
        return OutboxRelay(self.outbox_or_none or self.store, self.publisher)


def _agency_copies_of(settings: Settings) -> tuple[str, ...]:
    """The topics each agency has its own copy of, where the settings ask for them."""
    if not settings.agency_outputs:
        return ()
    return (settings.output_topic, settings.reconciled_topic)


@contextmanager
def bootstrap(
    settings: Settings,
    *,
    database: Database | None = None,
    producer: str | None = None,
    store: StoreWithOutbox | None = None,
    publisher: Publisher | None = None,
    producer_deadline_s: float | None = None,
) -> Iterator[Adapters]:
    """The adapters asked for: the database (`database`, see Database), a Kafka producer with
    the client id `producer` (worker/kafka/clients.py), each with the settings' security.
    With `producer_deadline_s` (the intake, which answers within a deadline), a send waits at
    most that long for metadata or buffer room, a broker lost is tried again every second
    rather than after a back-off of up to 30 s, so that the first request after the broker
    returns finds it, and a message goes at once rather than lingering 5 ms for others (the
    intake's senders wait for each; measured with one event a request: 540 rather than 330
    events/s). `store` and `publisher` replace the real ones (tests)."""
    url = settings.database_url.get_secret_value()
    engine = make_engine(url) if database else None
    relays: Engine | None = None
    outbox: Outbox | None = None
    made: Publisher | None = None
    try:
        if engine is not None:
            _prepare(engine, database)
            vacuum_after_rows = settings.outbox_vacuum_rows
            if store is None and engine.dialect.name != "sqlite":
                # The relay on a pool of its own: the worker publishes a batch on a thread
                # beside the next batch's transaction (Worker's publish_behind, where this
                # pool is), and each then keeps to one connection, its statements prepared and
                # its staging tables made, where in one pool the two took turns with every
                # connection. Not on SQLite: with one writer, the publication's deletes would
                # wait for the batch.
                relays = make_engine(url)
                outbox = SqlStore(relays, vacuum_after_rows=vacuum_after_rows)
            store = store or SqlStore(engine, vacuum_after_rows=vacuum_after_rows)
        if producer is not None and publisher is None:
            publisher = made = KafkaPublisher(
                settings.kafka_bootstrap_servers,
                client_id=producer,
                security=kafka_options(settings),
                agency_copies_of=_agency_copies_of(settings),
                **_prompt(producer_deadline_s),
            )
        yield Adapters(settings, engine, store, publisher, outbox)
    finally:
        if made is not None:
            made.close()
        for opened in (relays, engine):
            if opened is not None:
                opened.dispose()


def _prompt(deadline_s: float | None) -> dict[str, int]:
    if deadline_s is None:
        return {}
    return {
        "max_block_ms": round(deadline_s * 1000),
        "reconnect_backoff_max_ms": 1000,
        "linger_ms": 0,
    }


def _prepare(engine: Engine, database: Database | None) -> None:
    if database == "create":
        migrate(engine)
        return
    require_schema(engine, current=database == "read")
    if database == "upgrade":
        migrate(engine)
