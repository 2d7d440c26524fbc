"""What a first-load measurement found: each run of the worker, and what the projection starts
from."""

from __future__ import annotations

from dataclasses import dataclass, field

from worker.db.seeding import Stored
from worker.dev.bench.first_load.projection import Measured, Target, split_bytes
from worker.dev.bench.machine import Spent
from worker.dev.bench.runs import Run


@dataclass(frozen=True)
class LoadRun:
    """One run of the worker over the whole load."""

    processes: int
    run: Run
    spent: Spent
    stored: Stored


@dataclass(frozen=True)
class FirstLoad:
    employees: int
    events: int
    partitions: int
    published_s: float
    runs: tuple[LoadRun, ...]
    target: Target = field(default_factory=Target)

    def measured(self) -> Measured | None:
        """What the projection starts from: None without a run of 1 and one of 2 processes."""
        by = {r.processes: r for r in self.runs if r.run.rate}
        if 1 not in by or 2 not in by:
            return None
        per_event, per_employee = split_bytes(by[2].stored.tables)
        # CPU per event: the larger of the two runs', as two processes may cost more each.
        cpu = [(r.spent.children_cpu_s / r.run.messages, r.spent.database_cpu_s / r.run.messages)
               for r in (by[1], by[2])]  # fmt: skip
        return Measured(
            self.employees,
            self.events,
            by[1].run.rate,
            by[2].run.rate,
            per_event,
            per_employee,
            worker_cpu_s=max(w for w, _ in cpu),
            database_cpu_s=max(d for _, d in cpu),
        )

    def through(self, run: LoadRun) -> bool:
        """Every event went all the way: a statement each, an index per employee, and no
        outbox row left unpublished."""
        s = run.stored
        return s.statements == self.events and s.indexes == self.employees and s.outbox == 0
