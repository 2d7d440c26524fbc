"""WorkerMetrics: Prometheus metrics on an injected registry. Labels come from small sets.

Each metric is documented in README.md ("Metrics"). With `run --processes N` the processes
write their values to files that the parent serves together (prometheus-client's multiprocess
mode): each gauge says how the processes' values combine.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)

from worker.domain import rules
from worker.domain.model import KINDS

# No `_created` series beside each counter and histogram: half as many series, and Prometheus
# reads counter resets without them.
disable_created_metrics()  # type: ignore[no-untyped-call]

OUTCOMES = ("processed", "duplicate", "dead_lettered")
SYSTEMS = (*rules.SYSTEMS, "unknown")
STEPS = ("database", "dead_letters", "commit", "publish")
OUTPUTS = ("outbox", "dead_letters")
# Seconds from the event's `time` to its processing: from a live stream (under a second) to a
# backlog replayed after a day's outage.
AGE_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400)
PER_EVENT_BUCKETS = (25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 0.01, 0.05, 0.25)


def system_of(source: str | None) -> str:
    """The metric label of a source: never the agency code (500 regions) nor anything unknown."""
    return (rules.system_of(source) if source else None) or "unknown"


def kind_label(kind: str | None) -> str:
    return kind if kind in KINDS else "unknown"


def package_version() -> str:
    try:
        return version("ipasn-worker")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree not installed
        return "unknown"


def multiprocess() -> bool:
    """Whether values go to files for a parent to serve (`run --processes N`)."""
    return "PROMETHEUS_MULTIPROC_DIR" in os.environ


class WorkerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.events_consumed = Counter(
            "ipasn_events_consumed_total",
            "Change events consumed, by source system, kind and outcome.",
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
        self.event_processing = Histogram(
            "ipasn_event_processing_seconds",
            "Processing time per event: each batch's time divided by its messages, observed "
            "once per batch.",
            buckets=PER_EVENT_BUCKETS,
            registry=registry,
        )
        self.event_age = Histogram(
            "ipasn_event_age_seconds",
            "Age of each event when its batch was committed: now minus the event's `time`.",
            ["system"],
            buckets=AGE_BUCKETS,
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "ipasn_consumer_lag_messages",
            "Messages behind the partition's end, for the partitions this worker holds.",
            ["topic", "partition"],
            multiprocess_mode="livesum",  # a partition is held by one process; the others 0
            registry=registry,
        )
        self.last_commit = Gauge(
            "ipasn_last_commit_timestamp_seconds",
            "Unix time of the last offset commit.",
            multiprocess_mode="livemax",
            registry=registry,
        )
        self.loop_iteration = Gauge(
            "ipasn_loop_iteration_timestamp_seconds",
            "Unix time the processing loop last completed an iteration (/healthz).",
            multiprocess_mode="livemin",  # the slowest process
            registry=registry,
        )
        self.group_joined = Gauge(
            "ipasn_consumer_group_joined",
            "1 while the consumer is a member of its settled group, else 0.",
            multiprocess_mode="livemin",
            registry=registry,
        )
        self.rebalances = Counter(
            "ipasn_rebalances_total",
            "Group rebalances that assigned partitions to this worker.",
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
        self.snapshots_published = Counter(
            "ipasn_snapshots_published_total",
            "asn.personnel.reconciled snapshots published (acknowledged by the broker).",
            registry=registry,
        )
        self.agency_events_published = Counter(
            "ipasn_agency_events_published_total",
            "asn.ipasn.agency.recalculated events published (acknowledged by the broker).",
            registry=registry,
        )
        self.outbox_pending = Gauge(
            "ipasn_outbox_pending_events",
            "Events stored but not yet published: the outbox's backlog, counted before each "
            "drain (every few seconds, and whenever the input is idle), or the batch's own "
            "events as the worker publishes them.",
            multiprocess_mode="livemax",
            registry=registry,
        )
        self.publish_failures = Counter(
            "ipasn_publish_failures_total",
            "Failed attempts to publish, by output: the outbox (recalculated events and "
            "reconciled snapshots) or dead letters.",
            ["output"],
            registry=registry,
        )
        self.publishing_blocked = Gauge(
            "ipasn_publishing_blocked",
            "1 while publishing fails and is being retried (a topic missing, the broker not "
            "acknowledging), else 0; /readyz answers 503 meanwhile.",
            multiprocess_mode="livemax",
            registry=registry,
        )
        self.retries = Counter(
            "ipasn_retries_total",
            "Transient failures retried, by the step of the batch that failed.",
            ["step"],
            registry=registry,
        )
        self.conflicts = Counter(
            "ipasn_conflicts_detected_total",
            "Source disagreements newly recorded for the data stewards, by record kind; each "
            "counted once, as stored.",
            ["kind"],
            registry=registry,
        )
        self.conflicts_closed = Counter(
            "ipasn_conflicts_closed_total",
            "Conflicts closed, by why: superseded, agrees or steward.",
            ["reason"],
            registry=registry,
        )
        self.build_info = Gauge(
            "ipasn_build_info",
            "Always 1; the labels name the worker's version and the rule set it computes with.",
            ["version", "rule_version"],
            multiprocess_mode="livemax",
            registry=registry,
        )
        self._held: set[tuple[str, int]] = set()
        self._rebalances_seen = 0
        self._age = {system: self.event_age.labels(system=system) for system in SYSTEMS}
        for step in STEPS:
            self.retries.labels(step=step)
        for output in OUTPUTS:
            self.publish_failures.labels(output=output)
        for result in ("changed", "unchanged"):
            self.recalculations.labels(result=result)
        for reason in ("superseded", "agrees", "steward"):
            self.conflicts_closed.labels(reason=reason)

    def started(self, rule_version: str) -> None:
        self.build_info.labels(version=package_version(), rule_version=rule_version).set(1)
        self.group_joined.set(0)

    def iterated(self, *, joined: bool, rebalances: int) -> None:
        """The loop completed an iteration: the liveness heartbeat and the group's state."""
        self.loop_iteration.set(time.time())
        self.group_joined.set(1 if joined else 0)
        if rebalances > self._rebalances_seen:
            self.rebalances.inc(rebalances - self._rebalances_seen)
            self._rebalances_seen = rebalances

    def set_lag(self, lag: Mapping[tuple[str, int], int]) -> None:
        """The lag of the partitions held now; those given up leave the page (in multiprocess
        mode, where series cannot be removed, they read 0: their new holder reports them)."""
        for (topic, partition), behind in lag.items():
            self.consumer_lag.labels(topic=topic, partition=str(partition)).set(behind)
        for topic, partition in self._held - set(lag):
            if multiprocess():
                self.consumer_lag.labels(topic=topic, partition=str(partition)).set(0)
            else:
                self.consumer_lag.remove(topic, str(partition))
        self._held = set(lag)

    def committed(self) -> None:
        self.last_commit.set(time.time())

    def conflicts_recorded(self, kinds: Mapping[str, int]) -> None:
        for kind, n in kinds.items():
            self.conflicts.labels(kind=kind_label(kind)).inc(n)

    def aged(self, ages: Iterable[tuple[str, float]]) -> None:
        """(system, seconds) of each event of a committed batch."""
        for system, seconds in ages:
            self._age[system].observe(max(0.0, seconds))
