"""WorkerMetrics: Prometheus metrics on an injected registry. Labels come from small sets."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from worker.domain.model import KINDS

OUTCOMES = ("processed", "duplicate", "dead_lettered")


def system_of(source: str | None) -> str:
    """The metric label of a source: never the agency code (500 regions) nor anything unknown."""
    if source in ("siasn", "ekinerja"):
        return source
    if source and source.startswith("simpeg:"):
        return "simpeg"
    return "unknown"


def kind_label(kind: str | None) -> str:
    return kind if kind in KINDS else "unknown"


class WorkerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.events_consumed = Counter(
            "ipasn_events_consumed_total",
            "Change events consumed, by outcome.",
            ["system", "kind", "outcome"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "ipasn_dead_letters_total",
            "Messages sent to the dead-letter topic, by reason.",
            ["reason"],
            registry=registry,
        )
        self.batch_duration = Histogram(
            "ipasn_batch_duration_seconds",
            "Time to handle one poll batch: decode, database transaction, offset commit.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )
        self.batch_size = Histogram(
            "ipasn_batch_size_messages",
            "Messages per poll batch.",
            buckets=(1, 10, 50, 100, 250, 500, 1000, 2000, 5000),
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "ipasn_consumer_lag_messages",
            "Messages behind the partition's high watermark.",
            ["topic", "partition"],
            registry=registry,
        )
        self.recalculations = Counter(
            "ipasn_recalculations_total",
            "Indexes computed again, by whether they changed.",
            ["result"],
            registry=registry,
        )
        self.published = Counter(
            "ipasn_recalculations_published_total",
            "asn.ipasn.recalculated events published (acknowledged by the broker).",
            registry=registry,
        )
        self.outbox_pending = Gauge(
            "ipasn_outbox_pending_events",
            "Recalculated events stored but not yet published.",
            registry=registry,
        )
        self.conflicts = Counter(
            "ipasn_conflicts_detected_total",
            "Source disagreements found while reconciling (a record's conflicts recount when "
            "it is reconciled again).",
            registry=registry,
        )

    def set_lag(self, lag: dict[tuple[str, int], int]) -> None:
        for (topic, partition), behind in lag.items():
            self.consumer_lag.labels(topic=topic, partition=str(partition)).set(behind)


def serve(registry: CollectorRegistry, port: int) -> None:
    """Expose /metrics on the port; 0 disables it."""
    if port:
        start_http_server(port, registry=registry)
