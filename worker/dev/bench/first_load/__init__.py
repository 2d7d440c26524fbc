"""First load: the first national load (a profile and a position per employee, from SIASN, sent
at once) through the worker on an empty PostgreSQL database, and what the national load of 4.3
million employees and ~50 million events would need to finish within an hour.

How it is measured:
1. The load for N employees (`stream.py`: 2·N events, keyed by NIP, deterministic) is published
   to a topic of its own with 6 partitions, through the worker's own `KafkaPublisher` (large
   lz4 batches), flushed every 20,000 messages.
2. For 1 and for 2 processes (`run --processes N`: `runs.workers`, the same children), a fresh,
   empty database and a consumer group of its own read the whole topic with every output on
   (recalculated events, reconciled snapshots, agency figures; the worker has no switch for
   them). Time runs from the first batch any process received to the last one any finished;
   the group join before and the idle wait after are not in it.
3. Around each run: each process's resident memory, sampled every 0.25 s (its peak; their sum
   over the run), the CPU time of the worker processes and of the database's backends
   (`worker/dev/bench/machine.py`), and the CPU time the hypervisor stole. After it, the database
   (`worker.db.seeding.stored`): its size, each table's, and the rows that show every event went
   all the way through (a statement per event, an index per employee, no outbox row unsent).
4. The projection (`projection.py`) from the rates with 1 and 2 processes and the bytes per
   event and per employee; `report.py` prints it all.

The orchestrator calls `measure()` and prints `tables()`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn

from producers.kafka_sink import KafkaPublisher
from worker.db.seeding import stored
from worker.dev.bench.first_load.projection import projections
from worker.dev.bench.first_load.report import TARGET_RATE, tables
from worker.dev.bench.first_load.result import FirstLoad, LoadRun
from worker.dev.bench.first_load.stream import Order, first_load
from worker.dev.bench.machine import Watch
from worker.dev.bench.runs import fresh_database, workers
from worker.dev.bench.targets import MEMORY_TARGET_MIB, Target
from worker.kafka import clients
from worker.kafka.admin import create_topics

PARTITIONS = 6  # as the benchmark's other topics: 1 and 2 processes share them out evenly
FLUSH_EVERY = 20_000
SEED = 2025
__all__ = ["FirstLoad", "LoadRun", "measure", "publish", "tables", "targets"]


def publish(
    bootstrap: str, topic: str, employees: int, console: Console, order: Order = "employee"
) -> tuple[int, float]:
    """Publish the load for `employees` employees; how many messages, in how many seconds."""
    total = 2 * employees
    publisher = KafkaPublisher(bootstrap, client_id=clients.BENCH_UPSTREAM)
    columns = (*Progress.get_default_columns()[:-1], MofNCompleteColumn(), TimeElapsedColumn())
    started = time.monotonic()
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("publishing the first load", total=total)
        sent = 0
        for wire in first_load(employees, seed=SEED, order=order):
            publisher.send(topic, wire.key, wire.value)
            sent += 1
            if sent % FLUSH_EVERY == 0:
                # The broker has them: the bar counts what is published, not what is queued.
                publisher.flush()
                bar.update(task, completed=sent)
        publisher.flush()
        bar.update(task, completed=sent)
    publisher.close()
    return sent, time.monotonic() - started


def measure(
    bootstrap: str,
    postgres_server: str,
    employees: int,
    progress: Callable[[str], None],
    *,
    console: Console | None = None,
    processes: Sequence[int] = (1, 2),
    order: Order = "employee",
) -> FirstLoad:
    """Publish the first load for `employees` employees and run the worker over it with each
    number of `processes`, each on a fresh database of `postgres_server`. `console`: where the
    publishing progress bar goes (the orchestrator's, under its status); `order`: each
    employee's two events together, or every profile first (stream.first_load)."""
    topic = f"bench-first-load-{uuid.uuid4().hex[:8]}"
    create_topics(bootstrap, {topic: PARTITIONS}, 1, client_id=clients.BENCH_UPSTREAM)
    progress(f"publishing the first load of {employees:,} employees")
    events, published_s = publish(bootstrap, topic, employees, console or Console(), order)
    runs = []
    fresh = fresh_database(postgres_server)
    for n in processes:
        progress(f"the first load, {n} process{'es' if n > 1 else ''}, {events:,} events")
        name = f"first load, {n} process{'es' if n > 1 else ''}"
        with Watch() as watch:  # the whole run's CPU: workers() need not sample its own
            run = workers(
                name, bootstrap, topic, lambda: watch.database(fresh()), processes=n, metered=False
            )
        progress("measuring the database")
        runs.append(LoadRun(n, run, watch.spent, stored(watch.url)))
    return FirstLoad(employees, events, PARTITIONS, published_s, tuple(runs))


def targets(result: FirstLoad) -> list[Target]:
    """The issue's first-load targets beside this run: the rate of two processes, each
    process's peak memory, and the projection for the national load (not a target to meet
    here: what it would take)."""
    size = "" if result.employees == 1_000_000 else f" (here {result.employees:,} employees)"
    found = []
    for r in result.runs:
        if r.processes == 2:
            found.append(
                Target(
                    f"first load, 1,000,000 employees' profiles and positions, 2 processes{size}",
                    f"at least {TARGET_RATE:,} events/s",
                    f"{r.run.rate:,.0f} events/s",
                    r.run.rate >= TARGET_RATE,
                )
            )
    if result.runs:
        peak = max(max(r.run.peaks, default=0.0) for r in result.runs)
        found.append(
            Target(
                f"first load: peak resident memory per process{size}",
                f"bounded (under {MEMORY_TARGET_MIB} MiB)",
                f"{peak:,.0f} MiB",
                peak < MEMORY_TARGET_MIB,
            )
        )
    if measured := result.measured():
        conservative = projections(measured, result.target)[-1]
        needed = (
            "not reachable"
            if conservative.processes is None
            else f"{conservative.processes} processes, {conservative.partitions} partitions"
        )
        found.append(
            Target(
                "national first load (4.3 M employees, 50 M events) within an hour: projection "
                f"({conservative.model}, 1 → 2 efficiency {measured.efficiency:.2f})",
                "what it needs",
                f"{needed}, {conservative.database_bytes / 1e9:,.0f} GB",
                None,
            )
        )
    return found
