"""`recompute --processes N`: the chunks shared among N processes, one core each.

The parent pages through the employees (worker/db/views/employees.py) and hands each page to a
process of a pool; each process has its own database connection, store and producer
(bootstrap()), computes its pages as one process would (a transaction a page, its events
published once it commits) and returns what it did as a partial report, which the parent adds
up. The employees' locks keep two processes (or a running worker) from computing one employee
at once; the agencies' rows are locked in agency order, so two transactions never wait for each
other; the relay sends in outbox order whoever drains.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from schemas.rules import load_rules
from worker.bootstrap import Adapters, bootstrap
from worker.bootstrap.worker import tune_gc
from worker.commands.recompute.pages import compute_page
from worker.commands.recompute.report import Report
from worker.config.settings import Settings
from worker.domain.rules import RuleSet
from worker.kafka import clients


@dataclass(frozen=True)
class Job:
    """What every process computes under: the same for all pages."""

    settings: Settings
    rules_file: str | Path | None
    year: int
    dry_run: bool
    agency: str | None
    reconciled: bool  # rescore the reconciled records (else reconcile the statements again)
    in_use: str  # the rule version in use, whose current indexes the report compares with


@dataclass
class _Process:
    """A pool process's own: its job and adapters, kept until the process ends."""

    job: Job
    app: Adapters
    rules: RuleSet
    resources: ExitStack


_this: list[_Process] = []  # the one of this process, once _start ran


def _start(job: Job) -> None:
    """In each process of the pool, once. The parent brought the schema up to date."""
    resources = ExitStack()
    producer = None if job.dry_run else clients.WORKER
    app = resources.enter_context(bootstrap(job.settings, database="read", producer=producer))
    _this.append(_Process(job, app, load_rules(job.rules_file), resources))
    tune_gc()


def _compute(nips: list[str]) -> tuple[int, Report]:
    """One page, in this process: computed, committed, published; its size and report."""
    this = _this[0]
    service = this.app.index_service(this.rules, this.job.year)
    job = this.job
    part = Report(job.year, this.rules.version, job.dry_run, job.agency, compared_with=job.in_use)
    relay = None if this.job.dry_run else this.app.relay()
    compute_page(service, relay, part, nips, reconciled=this.job.reconciled)
    return len(nips), part


def in_processes(
    job: Job,
    pages: Iterable[list[str]],
    processes: int,
    report: Report,
    advance: Callable[[int], None],
) -> None:
    """Every page computed by one of `processes` processes; their reports added to `report`.
    At most two pages a process wait their turn, so that paging keeps only a few ahead."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, context, initializer=_start, initargs=(job,)) as pool:
        pending: set[Future[tuple[int, Report]]] = set()
        for nips in pages:
            pending.add(pool.submit(_compute, nips))
            if len(pending) >= 2 * processes:
                pending = _collect(pending, report, advance, FIRST_COMPLETED)
        _collect(pending, report, advance, None)


def _collect(
    pending: set[Future[tuple[int, Report]]],
    report: Report,
    advance: Callable[[int], None],
    until: str | None,
) -> set[Future[tuple[int, Report]]]:
    done, left = wait(pending, return_when=until or ALL_COMPLETED)
    for future in done:
        size, part = future.result()  # a process's failure ends the command, as in one
        report.merge(part)
        advance(size)
    return left
