"""The bench's parts run in order, on one broker: `run_bench` (the command's options are
BenchOptions). Apart from the package, so that a benchmarked worker process
(`python -m worker.dev.bench.child`), which imports the package first, carries only what
`ipasn-worker run` does: not this module's imports (rich, the parts)."""

from __future__ import annotations

import contextlib
import logging
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from rich.console import Console, RenderableType

from worker.db.seeding import drop_created, fresh_postgres
from worker.dev.bench import first_load, flat_cost, intake, latency, recompute, soak, throughput
from worker.dev.bench.services import (
    POSTGRES,
    broker_named,
    publish_messages,
    publish_sample,
    sample_agencies,
)
from worker.dev.bench.targets import Target
from worker.dev.bench.targets import table as targets_table
from worker.dev.brokers import GivenBroker, LocalBroker
from worker.dev.demo.sample import sample_events

PARTITIONS = 6
PARTS = (
    "quix",
    "sqlite",
    "memory",
    "agency-outputs",  # the contender and the latency case with IPASN_AGENCY_OUTPUTS=true
    "latency",
    "flat-cost",
    "recompute",
    "first-load",
    "intake",
    "soak",
)


@dataclass(frozen=True)
class BenchOptions:
    employees: int = 10_000
    broker: str = "apache-kafka"  # or "local"
    bootstrap_servers: str | None = None  # a running broker instead of one of our own
    postgres: str = POSTGRES
    processes: Sequence[int] = (1, 2)
    # (events/s offered, processes): the latency targets' two cases
    latency: Sequence[tuple[float, int]] = ((2000.0, 1), (5000.0, 2))
    latency_employees: int = 6000
    stored: Sequence[int] = (10_000, 1_000_000)
    flat_cost_employees: int = 3000
    recompute_employees: int = 100_000
    first_load_employees: int = 100_000
    intake_events: int = 20_000  # for each batch size
    soak_minutes: float = 10.0
    soak_employees: int = soak.EMPLOYEES
    soak_rate: float = soak.RATE
    soak_kill_every_s: float = soak.KILL_EVERY_S
    skip: frozenset[str] = frozenset()

    def quick(self) -> BenchOptions:
        """Every part at a small size, in a few minutes: it works end to end."""
        return replace(
            self,
            employees=600,
            latency=((300.0, 1), (600.0, 2)),
            latency_employees=200,
            stored=(1_000, 3_000),
            flat_cost_employees=200,
            recompute_employees=2_000,
            first_load_employees=1_000,
            intake_events=1_000,
            soak_minutes=0.5,
            soak_employees=100,
            soak_rate=100.0,
            soak_kill_every_s=10.0,
        )


@contextlib.contextmanager
def _broker(options: BenchOptions) -> Iterator[LocalBroker]:
    if options.bootstrap_servers:
        yield GivenBroker(options.bootstrap_servers)
        return
    with broker_named(options.broker) as broker:
        yield broker


@dataclass
class _Run:
    """What a bench run shares with its parts, and what they found."""

    options: BenchOptions
    broker: LocalBroker
    tmp: str
    progress: Callable[[str], None]
    console: Console
    tag: str = ""
    targets: list[Target] | None = None

    def show(self, tables: Sequence[RenderableType], found: list[Target]) -> None:
        for t in tables:
            self.console.print(t)
        self.targets = [*(self.targets or []), *found]


def run_bench(options: BenchOptions, console: Console) -> None:
    # Its own clients' chatter (a topic not known yet, a slow poll) is not a result.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    step = console.status("starting")
    with step, _broker(options) as broker, tempfile.TemporaryDirectory() as tmp:

        def progress(text: str) -> None:
            step.update(f"{text}…")

        run = _Run(options, broker, tmp, progress, console, uuid.uuid4().hex[:8])
        parts = [
            (_throughput, True),
            (_latency, "latency" not in options.skip),
            (_flat_cost, "flat-cost" not in options.skip and options.stored),
            (_recompute, "recompute" not in options.skip and options.recompute_employees),
            (_first_load, "first-load" not in options.skip and options.first_load_employees),
            (_intake, "intake" not in options.skip and options.intake_events),
            (_soak, "soak" not in options.skip and options.soak_minutes),
        ]
        for part, wanted in parts:
            if wanted:
                part(run)
                drop_created()  # a part's databases go with it: a million employees, 10 GB
        console.print(targets_table(run.targets or []))


def _throughput(run: _Run) -> None:
    options, broker = run.options, run.broker
    topic = f"bench-changes-{run.tag}"
    broker.create_topics({topic: PARTITIONS})
    run.progress(f"publishing the sample for {options.employees:,} employees")
    messages = sample_events(options.employees, measurement_year=2025)
    total = publish_messages(broker.bootstrap, topic, messages)
    result = throughput.measure(
        broker.bootstrap,
        topic,
        (total, options.employees),
        options.postgres,
        options.processes,
        options.skip,
        lambda: f"sqlite:///{run.tmp}/bench-{uuid.uuid4().hex[:8]}.db",
        run.progress,
        sample_agencies(messages),
    )
    run.show(throughput.tables(result, PARTITIONS, broker.name), throughput.targets(result))


def _latency(run: _Run) -> None:
    options, results = run.options, list[latency.Latency]()
    backend = "PostgreSQL"
    for rate, processes, agency_outputs in latency.cases(
        options.latency, "agency-outputs" not in options.skip
    ):
        url = fresh_postgres(options.postgres)
        if url is None:  # one process on SQLite is still worth a figure
            url, backend = f"sqlite:///{run.tmp}/latency-{len(results)}.db", "SQLite"
            if processes > 1:
                continue
        on = ", agency outputs" if agency_outputs else ""
        run.progress(f"latency at {rate:,.0f} events/s offered to {processes} process(es){on}")
        employees = options.latency_employees
        case = (rate, PARTITIONS, processes, agency_outputs)
        results.append(latency.measure(run.broker, url, employees, *case))
    run.show([latency.table(results, backend)], latency.targets(results))


def _flat_cost(run: _Run) -> None:
    options, broker = run.options, run.broker
    topic = f"bench-flat-{run.tag}"
    broker.create_topics({topic: PARTITIONS})
    run.progress("publishing the flat-cost stream")
    publish_sample(broker.bootstrap, topic, options.flat_cost_employees)
    costs = [
        flat_cost.measure(broker.bootstrap, topic, n, options.postgres, run.progress)
        for n in options.stored
    ]
    run.show([flat_cost.table(costs)], flat_cost.targets(costs))


def _recompute(run: _Run) -> None:
    options = run.options
    result = recompute.measure(
        run.broker.bootstrap,
        options.postgres,
        options.recompute_employees,
        sorted({1, max(options.processes)}),
        run.progress,
    )
    run.show([recompute.table(result)], recompute.targets(result))


def _first_load(run: _Run) -> None:
    options = run.options
    result = first_load.measure(
        run.broker.bootstrap,
        options.postgres,
        options.first_load_employees,
        run.progress,
        console=run.console,
        processes=sorted({1, max(options.processes)}),
    )
    run.show(first_load.tables(result), first_load.targets(result))


def _intake(run: _Run) -> None:
    topic = f"bench-intake-{run.tag}"
    run.broker.create_topics({topic: PARTITIONS})
    run.progress(f"{run.options.intake_events:,} events through the HTTP intake per batch size")
    rates = intake.measure(run.broker.bootstrap, topic, run.options.intake_events, run.tag)
    run.show([intake.table(rates)], [])


def _soak(run: _Run) -> None:
    options = run.options
    result = soak.measure(
        run.broker.bootstrap,
        options.postgres,
        options.soak_minutes,
        options.soak_employees,
        options.soak_rate,
        run.progress,
        kill_every_s=options.soak_kill_every_s,
    )
    run.show(soak.tables(result), soak.targets(result))
