"""Recompute: `ipasn-worker recompute` over employees already stored, as an operator runs it.

A fresh PostgreSQL database is seeded in bulk with the employees (worker/db/seeding.py: ten
statements, ten reconciled records and a current index under bkn-8-2019 each), then the
command computes the indexes under the example rule change (worker/rules/example-2026.toml, a
rule version computed the first time: a revision, an outbox row and a recalculated event for
every employee, the agencies' figures), publishing to the broker, in a process of its own,
once with one process and once with the default (a process a core). Each run gets a database
of its own, copied from the seeded one, so that both start from the same state.

Before them, `ipasn-worker plan --json` over every agency of the seeded database (contracts §12:
it only reads), timed the same way: what an agency planner waits for on the whole country.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import as_file, files

from rich.table import Table

from worker.config.settings import as_environment
from worker.db.seeding import copy_database, fresh_postgres, seed
from worker.dev.bench.runs import bench_settings, worker_env
from worker.dev.bench.targets import Target
from worker.kafka import clients
from worker.kafka.admin import create_topics

YEAR = 2025
TARGET_S = 120.0  # 1,000,000 employees in under two minutes
TARGET_EMPLOYEES = 1_000_000
PLAN_TARGET_S = 300.0  # `plan` of 1,000,000 employees, every agency: within minutes


@dataclass(frozen=True)
class RecomputeRun:
    processes: int
    seconds: float
    summary: str  # the command's last line on stderr

    def rate(self, employees: int) -> float:
        return employees / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Recompute:
    employees: int
    seeded_s: float
    runs: list[RecomputeRun]
    plan_s: float  # `plan`, every agency, one process


def measure(
    bootstrap: str,
    server: str,
    employees: int,
    processes: Sequence[int],
    progress: Callable[[str], None],
) -> Recompute:
    """Seed `employees`, then time the command once for each number of processes."""
    seeded = fresh_postgres(server)
    if seeded is None:
        raise RuntimeError(f"PostgreSQL does not answer at {server}")
    progress(f"seeding {employees:,} stored employees for recompute")
    seeded_s = seed(seeded, employees)
    progress(f"plan of every agency's {employees:,} employees")
    plan_s = _planned(bootstrap, seeded, employees)
    runs = []
    for n in processes:
        url = copy_database(server, seeded)
        progress(f"recompute of {employees:,} employees, {n} process{'es' if n > 1 else ''}")
        runs.append(_timed(bootstrap, url, n))
    return Recompute(employees, seeded_s, runs, plan_s)


def _planned(bootstrap: str, url: str, employees: int) -> float:
    """The seconds `ipasn-worker plan --json` takes over the seeded database, every agency (it
    reads the database only: no topic is made for it)."""
    settings = bench_settings(bootstrap, f"bench-plan-{uuid.uuid4().hex[:8]}", url)
    env = {**os.environ, **as_environment(settings)}
    command = [sys.executable, "-m", "worker.cli", "plan", "--json", "--year", str(YEAR)]
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"plan exited with {done.returncode}: {done.stderr[-500:]}")
    counted = json.loads(done.stdout)["employees"]
    if counted != employees:
        raise RuntimeError(f"plan counted {counted:,} employees of {employees:,}")
    return seconds


def _timed(bootstrap: str, url: str, processes: int) -> RecomputeRun:
    tag = uuid.uuid4().hex[:8]
    env = worker_env(
        bootstrap,
        f"bench-recompute-in-{tag}",
        url,
        output_topic=f"bench-recompute-out-{tag}",
        agency_topic=f"bench-recompute-agencies-{tag}",
    )
    topics = {env["IPASN_OUTPUT_TOPIC"]: 6, env["IPASN_AGENCY_TOPIC"]: 1}
    create_topics(bootstrap, topics, -1, client_id=clients.DEV)  # the broker's replication
    with as_file(files("worker").joinpath("rules/example-2026.toml")) as rules:
        command = [sys.executable, "-m", "worker.cli", "recompute", "--year", str(YEAR)]
        command += ["--rules", str(rules), "--processes", str(processes)]
        started = time.monotonic()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"recompute exited with {done.returncode}: {done.stderr[-500:]}")
    return RecomputeRun(processes, seconds, done.stderr.strip().splitlines()[-1])


def table(result: Recompute) -> Table:
    found = Table(
        title=f"Recompute of {result.employees:,} stored employees under a new rule version "
        f"(seeded in {result.seeded_s:.0f} s)"
    )
    for column in ("processes", "seconds", "employees/s", "1,000,000\nat this rate"):
        found.add_column(column, justify="right", no_wrap=True)
    for r in result.runs:
        rate = r.rate(result.employees)
        found.add_row(
            str(r.processes), f"{r.seconds:.1f}", f"{rate:,.0f}", _duration(TARGET_EMPLOYEES / rate)
        )
    found.caption = (
        f"plan (every agency, reads only): {result.plan_s:.1f} s, "
        f"{result.employees / result.plan_s:,.0f} employees/s"
    )
    found.caption_justify = "left"
    return found


def targets(result: Recompute) -> list[Target]:
    best = min(result.runs, key=lambda r: r.seconds)
    rate = best.rate(result.employees)
    seconds = TARGET_EMPLOYEES / rate if rate else float("inf")
    measured = (
        f"{best.seconds:.0f} s"
        if result.employees == TARGET_EMPLOYEES
        else f"{seconds:.0f} s at the rate of {result.employees:,} ({rate:,.0f}/s)"
    )
    return [
        Target(
            f"recompute of 1,000,000 stored employees ({best.processes} process"
            + ("es)" if best.processes > 1 else ")"),
            f"under {TARGET_S:.0f} s",
            measured,
            seconds < TARGET_S,
        ),
        _plan_target(result),
    ]


def _plan_target(result: Recompute) -> Target:
    seconds = result.plan_s * TARGET_EMPLOYEES / result.employees
    measured = (
        f"{result.plan_s:.0f} s"
        if result.employees == TARGET_EMPLOYEES
        else f"{seconds:.0f} s at the rate of {result.employees:,}"
    )
    return Target(
        "plan of every agency, 1,000,000 stored employees (1 process)",
        f"within minutes (under {PLAN_TARGET_S:.0f} s)",
        measured,
        seconds < PLAN_TARGET_S,
    )


def _duration(seconds: float) -> str:
    return f"{seconds:,.0f} s" if seconds < 600 else f"{seconds / 60:,.1f} min"
