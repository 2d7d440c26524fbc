"""From the first load measured here to the national one: how many worker processes, how many
partitions and how large a database, to load it within the hour.

Pure arithmetic over what was measured, so its assumptions are the whole story:
- each worker process has a core of its own, and the database and the broker run on machines of
  their own that keep up (here all of them share two cores);
- one process loads at the rate measured here (r1);
- going from 1 to 2 processes kept an efficiency e = r2 / (2·r1) (capped at 1: a second process
  cannot do more than its share). Two readings of how that carries on:
  "efficiency holds": every process adds e·r1, rate(N) = N·e·r1 for N ≥ 2;
  "conservative" (Amdahl): what was lost from 1 to 2 is a part that does not run in parallel,
  s = 1/e - 1, and rate(N) = r1 / (s + (1 - s)/N), which never passes r1/s;
- CPU time per event stays what it was here: the workers' gives the fewest cores they could
  do with (were they never waiting for the database or the broker), the backends' the cores the
  database server needs for them;
- the database grows per event in the tables of statements and records (and conflicts), and per
  employee in the rest (indexes, revisions, snapshots' digests, agency figures), each at the
  bytes measured here (the outbox, a queue empty at the end, is left out); the national load
  has about 11.6 events per employee, the measured one 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Model = Literal["efficiency holds", "conservative"]
MODELS: tuple[Model, ...] = ("efficiency holds", "conservative")
MAX_PROCESSES = 1024  # beyond it a projection says "not reachable"
PER_EVENT_TABLES = frozenset({"statements", "records", "conflicts"})
# Not projected: the outbox is a queue, empty once the load is published (its file keeps the
# deleted rows' space until vacuum reuses it), and the migrations' version is one row.
TRANSIENT_TABLES = frozenset({"outbox", "alembic_version"})


@dataclass(frozen=True)
class Target:
    """The national first load: every employee, every event, within `seconds`."""

    employees: int = 4_300_000
    events: int = 50_000_000
    seconds: float = 3600.0

    @property
    def rate(self) -> float:
        return self.events / self.seconds


@dataclass(frozen=True)
class Measured:
    """What one first load measured here: its size, the rates with 1 and 2 processes, the
    database's bytes that grow with the events and those that grow with the employees, and the
    CPU seconds per event of the worker processes and of the database's backends."""

    employees: int
    events: int
    rate_1: float
    rate_2: float
    event_bytes: int
    employee_bytes: int
    worker_cpu_s: float = 0.0  # per event
    database_cpu_s: float = 0.0  # per event

    @property
    def efficiency(self) -> float:
        return self.rate_2 / (2 * self.rate_1) if self.rate_1 else 0.0


@dataclass(frozen=True)
class Projection:
    model: Model
    processes: int | None  # None: not reachable within MAX_PROCESSES
    partitions: int | None
    rate: float  # events/s with that many processes (0 where not reachable)
    ceiling: float | None  # events/s no number of processes passes; None: none
    database_bytes: int

    def load_hours(self, target: Target) -> float | None:
        return target.events / self.rate / 3600 if self.rate else None


def split_bytes(tables: dict[str, int]) -> tuple[int, int]:
    """A database's table sizes as (bytes that grow per event, bytes that grow per employee)."""
    per_event = sum(b for name, b in tables.items() if name in PER_EVENT_TABLES)
    rest = sum(b for name, b in tables.items() if name not in TRANSIENT_TABLES)
    return per_event, rest - per_event


def rate_with(processes: int, measured: Measured, model: Model) -> float:
    """Events/s of `processes` worker processes under one reading of the 1 → 2 efficiency."""
    r1, e = measured.rate_1, min(1.0, measured.efficiency)
    if processes == 1 or e <= 0:
        return r1 if processes == 1 else 0.0
    if model == "efficiency holds":
        return processes * e * r1
    s = serial_part(measured)
    return r1 / (s + (1 - s) / processes)


def serial_part(measured: Measured) -> float:
    """Amdahl's serial part s = 1/e - 1, between 0 (e = 1) and 1 (a second process added
    nothing, or less than nothing: e ≤ 0.5)."""
    e = measured.efficiency
    return 1.0 if e <= 0.5 else max(0.0, 1 / e - 1)


def ceiling(measured: Measured, model: Model) -> float | None:
    """The rate no number of processes passes: r1/s for the conservative reading."""
    e = min(1.0, measured.efficiency)
    if model == "efficiency holds" or e >= 1:
        return None
    return measured.rate_1 / serial_part(measured)


def partitions_for(processes: int) -> int:
    """Twice the processes: a multiple of them, so every process gets the same share of the
    NIPs (the busiest one decides when the load ends), and room for the group to double later
    without adding partitions, which would move NIPs to other partitions mid-stream."""
    return 2 * processes


def cores(cpu_s_per_event: float, target: Target) -> float:
    """The cores that CPU time per event keeps busy at the target's rate: the fewest the workers
    (were they never waiting) or the database's backends need."""
    return cpu_s_per_event * target.rate


def database_bytes(measured: Measured, target: Target) -> int:
    per_event = measured.event_bytes / measured.events
    per_employee = measured.employee_bytes / measured.employees
    return round(per_event * target.events + per_employee * target.employees)


def project(measured: Measured, target: Target, model: Model) -> Projection:
    """The fewest processes that load the target within its time, under `model`."""
    needed = next(
        (n for n in range(1, MAX_PROCESSES + 1) if rate_with(n, measured, model) >= target.rate),
        None,
    )
    return Projection(
        model,
        needed,
        None if needed is None else partitions_for(needed),
        0.0 if needed is None else rate_with(needed, measured, model),
        ceiling(measured, model),
        database_bytes(measured, target),
    )


def projections(measured: Measured, target: Target) -> list[Projection]:
    return [project(measured, target, model) for model in MODELS]
