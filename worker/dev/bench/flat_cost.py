"""Flat cost: the cost per event against employees already stored.

For each size, a fresh PostgreSQL database is seeded in bulk, server-side, with that many
employees already stored (worker/db/seeding.py). The worker then processes the same stream (the
demo sample, other employees) on each database: the cost per event should not grow with what
is stored, nor should the worker's resident memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.table import Table

from worker.db.seeding import seed
from worker.dev.bench.runs import Run, fresh_database, workers
from worker.dev.bench.targets import MEMORY_TARGET_MIB, Target


@dataclass
class FlatCost:
    stored: int
    seeded_s: float
    run: Run

    @property
    def us_per_event(self) -> float:
        return 1e6 / self.run.rate if self.run.rate else 0.0


def measure(
    bootstrap: str, topic: str, stored: int, server: str, progress: Callable[[str], None]
) -> FlatCost:
    """Seed a fresh database with `stored` employees, then run one worker over `topic`."""
    fresh, seeded = fresh_database(server), []

    def database() -> str:
        url = fresh()
        progress(f"seeding {stored:,} stored employees")
        seeded.append(seed(url, stored))
        progress(f"the worker against {stored:,} stored employees")
        return url

    run = workers(f"{stored:,} stored", bootstrap, topic, database)
    return FlatCost(stored, seeded[-1], run)


FLAT_TARGET = 1.2  # the cost per event with the most stored, against the fewest


def table(costs: list[FlatCost]) -> Table:
    found = Table(title="Cost per event against employees already stored (PostgreSQL)")
    for column in ("stored", "seeded in", "events", "µs/event", "vs first", "peak RSS"):
        found.add_column(column, justify="right", no_wrap=True)
    first = costs[0].us_per_event
    for c in costs:
        found.add_row(
            f"{c.stored:,}",
            f"{c.seeded_s:.0f} s",
            f"{c.run.messages:,}",
            f"{c.us_per_event:,.0f}",
            f"{c.us_per_event / first:.2f}x" if first else "-",
            f"{c.run.peak_rss_mib:,.0f} MiB",
        )
    return found


def targets(costs: list[FlatCost]) -> list[Target]:
    first, last = costs[0], costs[-1]
    ratio = last.us_per_event / first.us_per_event if first.us_per_event else None
    return [
        Target(
            f"cost per event, {last.stored:,} stored against {first.stored:,}",
            f"within {FLAT_TARGET}x",
            f"{ratio:.2f}x" if ratio is not None else "-",
            ratio <= FLAT_TARGET if ratio is not None and len(costs) > 1 else None,
        ),
        Target(
            f"peak resident memory of a worker process, {last.stored:,} employees stored",
            f"under {MEMORY_TARGET_MIB} MiB (with 1,000,000 stored)",
            f"{last.run.peak_rss_mib:,.0f} MiB",
            last.run.peak_rss_mib < MEMORY_TARGET_MIB,
        ),
    ]
