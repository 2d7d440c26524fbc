"""IntakeMetrics: what `ipasn-worker intake` shows on its own `/metrics` (README, "Sending
events: HTTP"). Labels come from small sets: the HTTP status the intake answers with, and the
source system (never the agency code: 500 regions)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from worker.observability.metrics import system_of

# From a single event acknowledged in milliseconds to the 10 s acknowledgement deadline.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15)


class IntakeMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry = registry or CollectorRegistry()
        self.requests = Counter(
            "ipasn_intake_requests_total",
            "HTTP requests to POST /v1/events, by the status answered and source system.",
            ["status", "system"],
            registry=registry,
        )
        self.events_forwarded = Counter(
            "ipasn_intake_events_forwarded_total",
            "Events the broker acknowledged on the input topic, by source system.",
            ["system"],
            registry=registry,
        )
        self.request_duration = Histogram(
            "ipasn_intake_request_duration_seconds",
            "Time from a request's headers to its answer, body and broker included.",
            buckets=DURATION_BUCKETS,
            registry=registry,
        )

    def answered(self, status: int, source: str | None, seconds: float, forwarded: int) -> None:
        system = system_of(source)
        self.requests.labels(str(status), system).inc()
        if forwarded:
            self.events_forwarded.labels(system).inc(forwarded)
        self.request_duration.observe(seconds)

    def page(self) -> tuple[bytes, str]:
        """The exposition page and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
