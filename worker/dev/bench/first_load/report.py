"""The first load's tables: each run beside the target, what it cost, memory over the run, and
the projection for the national load."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table

from worker.commands.screen import Fitted, split_figures
from worker.dev.bench.first_load.projection import (
    MODELS,
    Measured,
    Projection,
    Target,
    cores,
    database_bytes,
    partitions_for,
    projections,
    serial_part,
)
from worker.dev.bench.first_load.result import FirstLoad, LoadRun
from worker.dev.bench.runs import repeated

TARGET_RATE = 10_000  # events/s with `run --processes 2` (the performance issue)


def tables(result: FirstLoad) -> list[RenderableType]:
    """The tables to print, in order; each reads whole at 80 columns."""
    found: list[RenderableType] = [_throughput(result), _cost(result)]
    if any(len(r.run.rss) > 1 for r in result.runs):
        found.append(_memory(result.runs))
    found.append(_projection(result.measured(), result.target))
    if measured := result.measured():
        found.append(_database(measured, result.target))
    return found


def _name(run: LoadRun) -> str:
    return f"{run.processes} process{'es' if run.processes > 1 else ''}"


def _throughput(result: FirstLoad) -> Fitted:
    title = (
        f"First load: {result.events:,} events of {result.employees:,} employees (a profile "
        f"and a position each, siasn) on an empty PostgreSQL, {result.partitions} partitions; "
        f"published in {result.published_s:,.0f} s"
    )
    caption = (
        "database: pg_database_size once the run is done, with the space of the outbox's "
        "deleted rows that vacuum has not reclaimed yet; per employee: that over the employees. "
        + repeated(r.run for r in result.runs)
    )
    columns = ("worker", "events", "seconds", "events/s", "target", "peak RSS\nper process",
               "database", "per\nemployee")  # fmt: skip
    rows = []
    for r in result.runs:
        target = "-"
        if r.processes == 2:
            met = "met" if r.run.rate >= TARGET_RATE else "not met"
            target = f"≥ {TARGET_RATE:,}: {met}"
        rows.append((
            _name(r),
            f"{r.run.messages:,}",
            f"{r.run.seconds:,.1f}",
            f"{r.run.rate:,.0f}",
            target,
            " + ".join(f"{mib:,.0f}" for mib in r.run.peaks) + " MiB",
            _size(r.stored.bytes),
            f"{r.stored.bytes / result.employees:,.0f} B",
        ))  # fmt: skip
    return split_figures(title, columns, rows, [(1, 2, 3, 4), (5, 6, 7)], caption=caption)


def _cost(result: FirstLoad) -> Fitted:
    caption = (
        "CPU per event: of the worker processes (start-up included) and of the PostgreSQL "
        "backends serving their database. CPU busy: the share of the machine's CPU time not idle "
        "during the run (the workers, the database, the broker and anything else); stolen: the "
        "share the hypervisor took."
    )
    columns = ("worker", "worker\nCPU/event", "database\nCPU/event", "CPU busy", "stolen",
               "statements", "indexes", "outbox\nunsent", "all\nthrough")  # fmt: skip
    rows = []
    for r in result.runs:
        events = max(r.run.messages, 1)
        rows.append((
            _name(r),
            f"{r.spent.children_cpu_s / events * 1e6:,.0f} µs",
            f"{r.spent.database_cpu_s / events * 1e6:,.0f} µs",
            f"{r.spent.busy:.0%}",
            f"{r.spent.steal:.1%}",
            f"{r.stored.statements:,}",
            f"{r.stored.indexes:,}",
            f"{r.stored.outbox:,}",
            "yes" if result.through(r) else "NO",
        ))  # fmt: skip
    title = "What each run cost, and whether every event went all the way through"
    return split_figures(title, columns, rows, [(1, 2, 3, 4), (5, 6, 7, 8)], caption=caption)


def _memory(runs: tuple[LoadRun, ...]) -> Table:
    table = Table(title="Resident memory of the worker processes over the run (all summed)")
    table.add_column("share of the run", justify="right", overflow="fold")
    sampled = [r for r in runs if r.run.rss]
    for r in sampled:
        table.add_column(_name(r), justify="right", no_wrap=True)
    for step in range(9):
        row = [f"{step / 8:.0%}"]
        for r in sampled:
            rss = r.run.rss
            row.append(f"{rss[min(len(rss) - 1, step * (len(rss) - 1) // 8)][1]:,.0f} MiB")
        table.add_row(*row)
    return table


def _projection(measured: Measured | None, target: Target) -> Table:
    table = Table(
        title=f"Projection: the national first load, {target.employees:,} employees and "
        f"{target.events:,} events within {target.seconds / 3600:g} h "
        f"({target.rate:,.0f} events/s)",
        caption=_assumptions(target),
        caption_justify="left",
    )
    table.add_column("", overflow="fold")
    if measured is None:
        table.add_column("", overflow="fold")
        table.add_row("needs", "a run with 1 process and one with 2")
        return table
    found = projections(measured, target)
    for model in MODELS:
        table.add_column(model, justify="right", overflow="fold")
    rows = _projection_rows(measured, target, found)
    for label, *cells in rows:
        table.add_row(label, *cells)
    return table


def _projection_rows(
    measured: Measured, target: Target, found: list[Projection]
) -> list[tuple[str, ...]]:
    measured_rows = (
        ("one process, measured", f"{measured.rate_1:,.0f} events/s"),
        ("two processes, measured", f"{measured.rate_2:,.0f} events/s"),
        ("efficiency 1 → 2, r2 / (2·r1)", f"{measured.efficiency:.2f}"),
    )
    return [
        *((label, value, value) for label, value in measured_rows),
        ("rate of N processes", "N·e·r1", f"r1 / (s + (1 - s)/N), s = {serial_part(measured):.2f}"),
        ("processes, a core each", *(_processes(p) for p in found)),
        ("partitions (recommended)", *(_partitions(p) for p in found)),
        ("projected rate", *(f"{p.rate:,.0f} events/s" if p.rate else "-" for p in found)),
        ("load time", *(_duration(p.load_hours(target)) for p in found)),
        (
            f"for comparison: cores the workers' CPU time needs "
            f"({measured.worker_cpu_s * 1e6:,.0f} µs/event)",
            *[f"{cores(measured.worker_cpu_s, target):,.1f}"] * 2,
        ),
    ]


def _database(measured: Measured, target: Target) -> Table:
    table = Table(
        title=f"Projection: the database server for the national first load "
        f"({target.employees:,} employees, {target.events:,} events in "
        f"{target.seconds / 3600:g} h)",
        caption="Statements and records (and conflicts) grow per event, the other tables per "
        "employee but the outbox (a queue, empty at the end); history events are assumed to take "
        "as many bytes and as much CPU as profiles and positions. Backends' CPU: the larger of "
        "the two runs' per event; the server's background processes (WAL writer, checkpointer) "
        "are not in it.",
        caption_justify="left",
    )
    table.add_column("", overflow="fold")
    table.add_column("measured here", justify="right", no_wrap=True)
    table.add_column("national", justify="right", overflow="fold")
    per_event = measured.event_bytes / measured.events
    per_employee = measured.employee_bytes / measured.employees
    whole = (measured.event_bytes + measured.employee_bytes) / measured.employees
    table.add_row(
        "statements, records: per event", f"{per_event:,.0f} B", _size(per_event * target.events)
    )
    table.add_row(
        "the other tables: per employee",
        f"{per_employee:,.0f} B",
        _size(per_employee * target.employees),
    )
    table.add_row("database size", "", _size(database_bytes(measured, target)))
    table.add_row(
        "for comparison: those tables per employee (2 events each here)",
        f"{whole:,.0f} B",
        _size(whole * target.employees),
    )
    table.add_row(
        "its backends' CPU: per event, and cores at the national rate",
        f"{measured.database_cpu_s * 1e6:,.0f} µs",
        f"{cores(measured.database_cpu_s, target):,.1f} cores",
    )
    return table


def _processes(p: Projection) -> str:
    if p.processes is not None:
        return f"{p.processes:,}"
    ceiling = f" (ceiling {p.ceiling:,.0f} events/s)" if p.ceiling else ""
    return "not reachable" + ceiling


def _partitions(p: Projection) -> str:
    if p.processes is None:
        return "-"
    return f"{partitions_for(p.processes):,} (at least {p.processes:,})"


def _assumptions(target: Target) -> str:
    return "\n".join(
        (
            "Assumptions: each worker process has a core of its own; the database and the broker "
            "run on machines of their own and keep up (here all share 2 cores);",
            "one process loads at the rate measured here; the 1 → 2 efficiency e holds for more "
            "processes (efficiency holds), or what it lost is a serial part s = 1/e - 1 "
            "(conservative, Amdahl);",
            "partitions: twice the processes, a multiple so each gets an even share (the busiest "
            "decides the finish) and room to double the group without re-partitioning;",
            f"the national load's history events (~{target.events / target.employees - 2:.1f} "
            "per employee besides a profile and a position) cost what those two cost here.",
        )
    )


def _duration(hours: float | None) -> str:
    if hours is None:
        return "-"
    return f"{hours * 60:,.0f} min" if hours < 2 else f"{hours:,.1f} h"


def _size(n: int | float) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n / 2**10:,.0f} KiB"
