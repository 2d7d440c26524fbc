"""Flat cost: the cost per event against employees already stored.

For each size, a fresh PostgreSQL database is seeded in bulk, server-side, with that many
employees already stored (worker/db/seeding.py). The worker then processes the same stream (the
demo sample, other employees) on each database: the cost per event should not grow with what
is stored, nor should the worker's resident memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from worker.db.seeding import fresh_postgres, seed
from worker.dev.bench.runs import Run, workers


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
    url = fresh_postgres(server)
    if url is None:
        raise RuntimeError(f"PostgreSQL does not answer at {server}")
    progress(f"seeding {stored:,} stored employees")
    seeded = seed(url, stored)
    progress(f"the worker against {stored:,} stored employees")
    return FlatCost(stored, seeded, workers(f"{stored:,} stored", bootstrap, topic, url))
