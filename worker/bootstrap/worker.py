"""`run`'s worker: the loop wired to Kafka, the database and the metrics port, from the
settings (the adapters come from bootstrap())."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

from prometheus_client import CollectorRegistry

from consumers.kafka_source import COMMIT_TIMEOUT_S, KafkaSource
from producers.kafka_sink import FLUSH_TIMEOUT_S, KafkaDeadLetters
from schemas.rules import load_rules
from worker.bootstrap import bootstrap, now
from worker.bootstrap.topics import require_topics
from worker.config.kafka import kafka_options
from worker.config.secrets import load_source_secrets
from worker.config.settings import Settings
from worker.db.engine import Engine, ping
from worker.db.store import LOCK_TIMEOUT_S
from worker.db.views.bands import band_counts
from worker.db.views.quality import measure
from worker.kafka import clients
from worker.observability.bands import BandCensus
from worker.observability.health import (
    AnswerCheck,
    Health,
    LoopState,
    ReadyCollector,
    gauge_value,
    serving,
)
from worker.observability.metrics import WorkerMetrics
from worker.observability.quality import QualityCensus
from worker.pipeline.cache import EmployeeCache
from worker.pipeline.loop import Totals, Worker
from worker.pipeline.ports import MessageSource
from worker.pipeline.retries import Retries

log = logging.getLogger("ipasn_worker")
SourceFactory = Callable[[Settings], MessageSource]


def kafka_source(settings: Settings) -> KafkaSource:
    return KafkaSource(
        settings.kafka_bootstrap_servers,
        settings.input_topics,
        settings.consumer_group,
        max_poll_records=settings.max_poll_records,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        max_poll_interval_ms=settings.kafka_max_poll_interval_ms,
        security=kafka_options(settings),
    )


# The longest a single attempt of each step of a batch can take: the database transaction
# (a lock wait ends at LOCK_TIMEOUT_S, a server that stops answering within about 30 s: the
# engine's TCP timeouts), the dead letters' flush, the offset commit and the publication's flush.
# Retries start no attempt after the batch's deadline, but one begun just before it runs on.
ATTEMPT_LIMITS_S = (3 * LOCK_TIMEOUT_S, FLUSH_TIMEOUT_S, COMMIT_TIMEOUT_S, FLUSH_TIMEOUT_S)
POLL_MARGIN_S = 20.0  # the poll itself, decoding, computing


def retries(settings: Settings) -> Retries:
    """The batch's retries end in time for the consumer to poll again within
    max_poll_interval_ms (300 s: 115 s of retries), so the group never hands its partitions on
    while it waits; should they run out, the worker exits without committing."""
    budget = settings.kafka_max_poll_interval_ms / 1000 - sum(ATTEMPT_LIMITS_S) - POLL_MARGIN_S
    return Retries(attempts=8, within_s=budget)


def rejoin_limit_s(settings: Settings) -> float:
    """Longer than any rebalance can take: the broker waits up to max_poll_interval_ms for the
    members to rejoin, then a session timeout for the dead ones."""
    return 2 * (settings.kafka_max_poll_interval_ms + settings.kafka_session_timeout_ms) / 1000


# The cyclic garbage collector's default (700 allocations between young collections) ran it
# thousands of times a second here, each full pass walking every cached employee: a quarter of
# the worker's CPU (187 → 130 µs an event, measured on the benchmark's stream). The worker makes
# little cyclic garbage, so collecting rarely costs next to no memory (peak RSS unchanged).
# The same holds for the commands that read employees a page at a time (recompute, plan): with
# the defaults, 200,000 employees took 26.5-27.0 s to recompute on two processes and 25.4-26.1 s
# to plan; with these, 22.7-23.3 s and 21.5-21.6 s.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Once what start-up makes is made: it is frozen out of every later collection."""
    gc.collect()
    gc.freeze()  # what start-up made (modules, rules, settings) is never collected again
    gc.set_threshold(*GC_THRESHOLDS)


@contextmanager
def metrics_port(
    settings: Settings,
    registry: CollectorRegistry,
    engine: Engine,
    rule_version: str,
    loop: Callable[[], LoopState],
) -> Iterator[Health]:
    """/metrics, /healthz and /readyz on the metrics port, with `ipasn_ready` and the band
    counts added to the page, while the block runs."""
    health = Health(
        loop, AnswerCheck(partial(ping, engine)), live_within_s=settings.health_loop_timeout_s
    )
    if not settings.metrics_port:  # a process of `run --processes N`: its parent serves
        yield health
        return
    census = BandCensus(
        partial(band_counts, engine, settings.measurement_year, rule_version),
        every_s=settings.band_metrics_interval_s,
        max_agencies=settings.band_metrics_max_agencies,
    )
    quality = QualityCensus(
        partial(measure, engine, timeliness=False),
        every_s=settings.quality_metrics_interval_s,
    )
    registry.register(ReadyCollector(health))
    if settings.band_metrics_interval_s:
        registry.register(census)
    if settings.quality_metrics_interval_s:
        registry.register(quality)
    census.start()
    quality.start()
    try:
        with serving(registry, health, settings.metrics_port):
            yield health
    finally:
        census.stop()
        quality.stop()


def run_worker(
    settings: Settings,
    until_idle: float | None,
    stopping: threading.Event,
    registry: CollectorRegistry | None = None,
    *,
    looping: Callable[[], object] = lambda: None,
    source_factory: SourceFactory = kafka_source,
    check_topics: bool = False,
) -> Totals:
    """Build the worker from the settings, run it, and close what it opened.

    `looping` is called as the loop starts (the CLI's signal handling changes then);
    `source_factory` lets tests put a source of their own in Kafka's place; `check_topics`:
    refuse to start without a topic it reads or writes (`run` does; a test or the benchmark
    that made its own topics need not ask the broker again).
    """
    rules = load_rules(settings.rules_file)
    secrets = load_source_secrets(
        settings.source_secrets_file, required=settings.require_signatures
    )
    if check_topics:
        require_topics(settings)
    registry = registry or CollectorRegistry()
    metrics = WorkerMetrics(registry)
    with bootstrap(settings, database="create", producer=clients.WORKER) as app:
        source = source_factory(settings)
        cache = EmployeeCache(settings.statement_cache_employees)
        worker = Worker(
            source=source,
            service=app.index_service(rules, settings.measurement_year, cache),
            dead_letters=KafkaDeadLetters(app.publisher, settings.dlq_topic),
            relay=app.relay(),
            rules=rules,
            metrics=metrics,
            stopping=stopping,
            clock=now,
            retries=retries(settings),
            rejoin_limit_s=rejoin_limit_s(settings),
            secrets=secrets,
            # Where the relay has connections of its own (bootstrap(): not on SQLite).
            publish_behind=app.outbox_or_none is not None,
        )
        log.info(
            "consuming %s as group %s; measurement year %d, rules %s",
            ",".join(settings.input_topics),
            settings.consumer_group,
            settings.measurement_year,
            rules.version,
        )

        def loop() -> LoopState:
            joined = bool(gauge_value(metrics.group_joined))
            blocked = bool(gauge_value(metrics.publishing_blocked))
            return LoopState(gauge_value(metrics.loop_iteration), joined, blocked)

        try:
            with metrics_port(settings, registry, app.engine, rules.version, loop):
                looping()
                tune_gc()
                return worker.run(until_idle)
        finally:
            # Leave the group first so that partitions move on at once; bootstrap() then
            # flushes and closes the producer and the database.
            source.close()
