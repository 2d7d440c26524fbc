"""`ipasn-worker bench`: the performance figures of docs/performance.md, from one run.

On one broker (Apache Kafka by default) it publishes the demo sample scaled to `--employees`
and lets each contender read the same messages as a consumer group of its own: a bare
kafka-python consumer (the ceiling the client library sets), the same job written with Quix
Streams (the `bench` extra), and the worker on SQLite and on PostgreSQL with one and more
processes. Then the latency at a steady offered rate, and the cost per event against 10,000
and 1,000,000 employees already stored. Each contender runs in a process of its own, whose
resident memory is sampled. Absolute figures drift with the machine; the ratios to the bare
consumer, measured in the same run, drift less.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from worker.db.seeding import fresh_postgres
from worker.dev.bench import flat_cost, latency
from worker.dev.bench.runs import Run, bare_consumer, quix, workers
from worker.dev.bench.services import POSTGRES, broker_named, publish_sample
from worker.dev.brokers import GivenBroker, LocalBroker

PARTITIONS = 6
PARTS = ("quix", "sqlite", "memory", "latency", "flat-cost")


@dataclass(frozen=True)
class BenchOptions:
    employees: int = 10_000
    broker: str = "apache-kafka"  # or "local"
    bootstrap_servers: str | None = None  # a running broker instead of one of our own
    postgres: str = POSTGRES
    processes: Sequence[int] = (1, 2)
    rate: float = 2000.0
    latency_employees: int = 6000
    stored: Sequence[int] = (10_000, 1_000_000)
    flat_cost_employees: int = 3000
    skip: frozenset[str] = frozenset()


@contextlib.contextmanager
def _broker(options: BenchOptions) -> Iterator[LocalBroker]:
    if options.bootstrap_servers:
        yield GivenBroker(options.bootstrap_servers)
        return
    with broker_named(options.broker) as broker:
        yield broker


def run_bench(options: BenchOptions, console: Console) -> None:
    # Its own clients' chatter (a topic not known yet, a slow poll) is not a result.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    step = console.status("starting")
    with step, _broker(options) as broker, tempfile.TemporaryDirectory() as tmp:

        def progress(text: str) -> None:
            step.update(f"{text}…")

        tag = uuid.uuid4().hex[:8]
        topic = f"bench-changes-{tag}"
        broker.create_topics({topic: PARTITIONS})
        progress(f"publishing the sample for {options.employees:,} employees")
        total = publish_sample(broker.bootstrap, topic, options.employees)
        runs: list[Run] = []
        progress("bare kafka-python consumer")
        runs.append(bare_consumer(broker.bootstrap, topic, total))
        if "quix" not in options.skip:
            progress("Quix Streams peer")
            runs.append(quix(broker.bootstrap, topic, total))
        if "sqlite" not in options.skip:
            progress("the worker on SQLite")
            sqlite = f"sqlite:///{tmp}/bench.db"
            runs.append(workers("ipasn-worker, SQLite", broker.bootstrap, topic, sqlite))
        for n in options.processes:
            name = f"ipasn-worker, PostgreSQL, {n} process{'es' if n > 1 else ''}"
            url = fresh_postgres(options.postgres)
            if url is None:
                missing = f"PostgreSQL does not answer at {options.postgres}"
                runs.append(Run(name, 0, 0.0, note=missing))
                break
            progress(f"the worker on PostgreSQL, {n} process(es)")
            runs.append(workers(name, broker.bootstrap, topic, url, processes=n))
        if "memory" not in options.skip and (url := fresh_postgres(options.postgres)):
            # The same stream with a cache of a fifth of the employees: memory stops growing
            # once the cache is full, whatever the number of employees.
            small = max(1, options.employees // 5)
            progress(f"the worker on PostgreSQL, a cache of {small:,} employees")
            name = f"ipasn-worker, PostgreSQL, 1 process, cache of {small:,} employees"
            extra = {"statement_cache_employees": small}
            runs.append(workers(name, broker.bootstrap, topic, url, **extra))
        console.print(_throughput_table(runs, total, options, broker.name))
        sampled = [r for r in runs if len(r.rss) > 1 and "1 process" in r.name]
        if sampled:
            console.print(_memory_table(sampled))

        if "latency" not in options.skip:
            url = fresh_postgres(options.postgres) or f"sqlite:///{tmp}/latency.db"
            progress(f"latency at {options.rate:,.0f} events/s offered")
            result = latency.measure(
                broker, url, options.latency_employees, options.rate, PARTITIONS
            )
            console.print(_latency_table(result, url.split(":")[0]))

        if "flat-cost" not in options.skip and options.stored:
            flat_topic = f"bench-flat-{tag}"
            broker.create_topics({flat_topic: PARTITIONS})
            progress("publishing the flat-cost stream")
            publish_sample(broker.bootstrap, flat_topic, options.flat_cost_employees)
            costs = [
                flat_cost.measure(broker.bootstrap, flat_topic, n, options.postgres, progress)
                for n in options.stored
            ]
            console.print(_flat_cost_table(costs))


def _throughput_table(runs: list[Run], total: int, options: BenchOptions, broker: str) -> Table:
    table = Table(
        title=f"Throughput: {total:,} change events of {options.employees:,} employees, "
        f"{PARTITIONS} partitions, {broker}"
    )
    for column in ("contender", "events", "seconds", "events/s", "vs bare", "peak RSS"):
        table.add_column(column, justify="left" if column == "contender" else "right")
    bare = runs[0].rate
    for r in runs:
        if not r.messages:
            table.add_row(r.name, "-", "-", "-", "-", r.note)
            continue
        table.add_row(
            r.name,
            f"{r.messages:,}",
            f"{r.seconds:.2f}",
            f"{r.rate:,.0f}",
            f"{r.rate / bare:.3f}x" if bare else "-",
            f"{r.peak_rss_mib:,.0f} MiB" if r.rss else "(this process)",
        )
    return table


def _memory_table(runs: list[Run]) -> Table:
    table = Table(title="Resident memory of the worker process over its run (sampled every 0.25 s)")
    table.add_column("share of the run", justify="right")
    for r in runs:
        table.add_column(r.name.removeprefix("ipasn-worker, "), justify="right")
    for step in range(9):
        row = [f"{step / 8:.0%}"]
        for r in runs:
            _, mib = r.rss[min(len(r.rss) - 1, step * (len(r.rss) - 1) // 8)]
            row.append(f"{mib:,.0f} MiB")
        table.add_row(*row)
    return table


def _latency_table(result: latency.Latency, backend: str) -> Table:
    table = Table(
        title=f"Latency, published → recalculated received: {result.rate:,.0f} events/s "
        f"offered, one worker process, {backend}"
    )
    for column in ("events offered", "recalculated", "p50", "p95", "p99", "max"):
        table.add_column(column, justify="right")
    worst = result.seconds[-1] if result.seconds else 0.0
    table.add_row(
        f"{result.offered:,}",
        f"{result.recalculated:,}",
        *(f"{v * 1000:,.0f} ms" for v in (*map(result.percentile, (50, 95, 99)), worst)),
    )
    return table


def _flat_cost_table(costs: list[flat_cost.FlatCost]) -> Table:
    table = Table(title="Cost per event against employees already stored (PostgreSQL)")
    for column in ("stored", "seeded in", "events", "µs/event", "vs first", "peak RSS"):
        table.add_column(column, justify="right")
    first = costs[0].us_per_event
    for c in costs:
        table.add_row(
            f"{c.stored:,}",
            f"{c.seeded_s:.0f} s",
            f"{c.run.messages:,}",
            f"{c.us_per_event:,.0f}",
            f"{c.us_per_event / first:.2f}x" if first else "-",
            f"{c.run.peak_rss_mib:,.0f} MiB",
        )
    return table
