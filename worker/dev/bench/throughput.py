"""Throughput: every contender reads the same messages, as a consumer group of its own.

A bare kafka-python consumer (the ceiling the client library sets), the same job written with
Quix Streams (the `bench` extra), the worker on SQLite and on PostgreSQL with one and more
processes, once more with one process and IPASN_AGENCY_OUTPUTS=true (contracts §15: every
snapshot and recalculated event also on its agency's own topic; what that costs), and once more
with a cache of a fifth of the employees (memory levels off once the cache is full). Each
contender runs in a process of its own, whose resident memory is sampled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from worker.db.seeding import fresh_postgres
from worker.dev.bench.runs import (
    Run,
    bare_consumer,
    fresh_database,
    quix,
    repeated,
    workers,
)
from worker.dev.bench.targets import Target

TWO_PROCESSES_TARGET = 12_000  # events/s, run --processes 2
ONE_PROCESS = "ipasn-worker, PostgreSQL, 1 process"
AGENCY_OUTPUTS = f"{ONE_PROCESS}, agency outputs"


@dataclass
class Throughput:
    events: int
    employees: int
    runs: list[Run]

    def named(self, start: str) -> Run | None:
        return next((r for r in self.runs if r.name.startswith(start) and r.messages), None)

    def called(self, name: str) -> Run | None:
        """The run of that very name, if it processed something."""
        return next((r for r in self.runs if r.name == name and r.messages), None)


def measure(
    bootstrap: str,
    topic: str,
    counts: tuple[int, int],
    postgres: str,
    processes: Sequence[int],
    skip: frozenset[str],
    sqlite_url: Callable[[], str],
    progress: Callable[[str], None],
    agencies: Sequence[str] = (),
) -> Throughput:
    """`counts`: the events on the topic and the employees they are about; `sqlite_url()`: a new
    SQLite database's URL; `agencies`: the agency codes the stream names, whose own topics the
    contender with agency outputs publishes to (services.sample_agencies)."""
    total, employees = counts
    progress("bare kafka-python consumer")
    runs = [bare_consumer(bootstrap, topic, total)]
    if "quix" not in skip:
        progress("Quix Streams peer")
        runs.append(quix(bootstrap, topic, total))
    if "sqlite" not in skip:
        progress("the worker on SQLite")
        runs.append(workers("ipasn-worker, SQLite", bootstrap, topic, sqlite_url))
    if fresh_postgres(postgres) is None:
        name = "ipasn-worker, PostgreSQL"
        runs.append(Run(name, 0, 0.0, note=f"PostgreSQL does not answer at {postgres}"))
        return Throughput(total, employees, runs)
    database = fresh_database(postgres)
    for n in processes:
        name = f"ipasn-worker, PostgreSQL, {n} process{'es' if n > 1 else ''}"
        progress(f"the worker on PostgreSQL, {n} process(es)")
        runs.append(workers(name, bootstrap, topic, database, processes=n))
        if n == 1 and "agency-outputs" not in skip:  # beside the one it is the cost against
            progress("the worker on PostgreSQL, 1 process, agency outputs")
            on = {"agency_outputs": True}  # IPASN_AGENCY_OUTPUTS, to each of `agencies`
            runs.append(workers(AGENCY_OUTPUTS, bootstrap, topic, database, 1, agencies, **on))
    if "memory" not in skip:
        small = max(1, employees // 5)
        progress(f"the worker on PostgreSQL, a cache of {small:,} employees")
        name = f"ipasn-worker, PostgreSQL, 1 process, cache of {small:,} employees"
        runs.append(workers(name, bootstrap, topic, database, statement_cache_employees=small))
    return Throughput(total, employees, runs)


def tables(result: Throughput, partitions: int, broker: str) -> list[Table]:
    found = [_throughput_table(result, partitions, broker)]
    metered = [r for r in result.runs if r.cpu_per_event is not None]
    if metered:
        found.append(_cpu_table(metered))
    sampled = [r for r in result.runs if len(r.rss) > 1 and "1 process" in r.name]
    if sampled:
        found.append(_memory_table(sampled))
    return found


def _cpu_table(runs: list[Run]) -> Table:
    """Where the CPU went while each worker run was busy: whether it was bound by the cores
    (the machine busy, the cores' ceiling near its rate) or by something that waits."""
    table = Table(
        title="Where the CPU went while each worker run was busy (CPU time an event)",
        caption="machine busy: all cores, whatever ran; the rest: the broker, this benchmark "
        "and anything else; the cores allow: the events/s at this cost with every core busy",
        caption_justify="left",
    )
    table.add_column("contender", overflow="fold")
    for column in ("workers", "PostgreSQL", "the rest", "machine busy", "the cores allow"):
        table.add_column(column, justify="right", overflow="fold")
    for r in runs:
        per_event, window = r.cpu_per_event, r.cpu
        if per_event is None or window is None:
            continue  # not sampled (tables() passes only those that were)
        cores = window.cores_s / window.seconds if window.seconds else 0.0
        spent = sum(per_event)
        table.add_row(
            r.name.removeprefix("ipasn-worker, "),
            *(f"{us:,.0f} µs" for us in per_event),
            f"{window.busy:.0%}",
            f"{cores * 1e6 / spent:,.0f}/s" if spent else "-",
        )
    return table


def targets(result: Throughput) -> list[Target]:
    one = result.called(ONE_PROCESS)
    two = result.named("ipasn-worker, PostgreSQL, 2 processes")
    peer, bare = result.named("Quix"), result.runs[0]
    found = [
        Target(
            "throughput, run --processes 2, events/s (bare kafka-python in the same run: "
            f"{bare.rate:,.0f})",
            f"at least {TWO_PROCESSES_TARGET:,} (on the issue's machine)",
            f"{two.rate:,.0f}" if two else "not run",
            two.rate >= TWO_PROCESSES_TARGET if two else None,
        )
    ]
    ratio = one.rate / peer.rate if one and peer else None
    found.append(
        Target(
            "throughput, one process against the Quix Streams peer, same run",
            "at least 1.0x (aim 1.5x)",
            f"{ratio:.2f}x ({one.rate:,.0f} against {peer.rate:,.0f} events/s)"
            if one and peer and ratio is not None
            else _why_no_ratio(result, one),
            ratio >= 1.0 if ratio is not None else None,
        )
    )
    return [*found, agency_outputs_cost(result)]


def agency_outputs_cost(result: Throughput) -> Target:
    """What IPASN_AGENCY_OUTPUTS=true costs one process: its events/s as a share of the same
    contender's without. A figure for the issue to read, no target: met is None."""
    off, on = result.called(ONE_PROCESS), result.called(AGENCY_OUTPUTS)
    tried = [r for r in result.runs if r.name in (ONE_PROCESS, AGENCY_OUTPUTS)]
    if off and on:
        measured = f"{on.rate / off.rate:.0%} ({on.rate:,.0f} against {off.rate:,.0f} events/s)"
    elif not any(r.name == AGENCY_OUTPUTS for r in tried):
        measured = "not run (--skip agency-outputs, or no 1-process contender)"
    else:
        failed = next(r for r in tried if not r.messages)
        name = failed.name.removeprefix("ipasn-worker, ")
        measured = f"{name}: {failed.note or 'processed nothing'}"
    return Target(
        "throughput, 1 process, IPASN_AGENCY_OUTPUTS=true: events/s as a share of the same "
        "contender's without, same run",
        "none: the option's cost",
        measured,
        None,
    )


def _why_no_ratio(result: Throughput, one: Run | None) -> str:
    if one is None:
        return "one process not run"
    tried = next((r for r in result.runs if r.name.startswith("Quix")), None)
    if tried is None:
        return "the peer not run (--skip quix)"
    return f"the peer: {tried.note or 'processed nothing'}"


def _throughput_table(result: Throughput, partitions: int, broker: str) -> Table:
    table = Table(
        title=f"Throughput: {result.events:,} change events of {result.employees:,} employees, "
        f"{partitions} partitions, {broker}",
        caption=repeated(result.runs) or None,
        caption_justify="left",
    )
    table.add_column("contender", overflow="fold")
    for column in ("events", "seconds", "events/s", "vs bare"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("peak RSS each", justify="right", overflow="fold")
    bare = result.runs[0].rate
    for r in result.runs:
        if not r.messages:  # the note, why not, under the name: plain text, never markup
            table.add_row(Text.assemble(r.name, "\n", (r.note, "dim")), "-", "-", "-", "-", "-")
            continue
        table.add_row(
            r.name,
            f"{r.messages:,}",
            f"{r.seconds:.2f}",
            f"{r.rate:,.0f}",
            f"{r.rate / bare:.3f}x" if bare else "-",
            _peak(r),
        )
    return table


def _peak(r: Run) -> str:
    """Each process's peak (two processes: one figure each), or where it was not sampled."""
    if not r.rss:
        return "(this process)"
    if len(r.peaks) > 1:
        return " + ".join(f"{mib:,.0f}" for mib in r.peaks) + " MiB"
    return f"{r.peak_rss_mib:,.0f} MiB"


def _memory_table(runs: list[Run]) -> Table:
    table = Table(title="Resident memory of the worker process over its run (sampled every 0.25 s)")
    table.add_column("share of the run", justify="right", overflow="fold")
    for r in runs:
        table.add_column(r.name.removeprefix("ipasn-worker, "), justify="right", overflow="fold")
    for step in range(9):
        row = [f"{step / 8:.0%}"]
        for r in runs:
            _, mib = r.rss[min(len(r.rss) - 1, step * (len(r.rss) - 1) // 8)]
            row.append(f"{mib:,.0f} MiB")
        table.add_row(*row)
    return table
