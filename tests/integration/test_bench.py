"""`ipasn-worker bench --quick`: every part of the benchmark runs end to end, on the real broker
and PostgreSQL, with every output of the worker on. A smoke test: speed itself is judged from
the figures a full run prints, never here."""

from __future__ import annotations

import os
import re
import sys

import pytest

from tests.processes import run_whole
from worker.dev.brokers import LocalBroker

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def test_the_quick_bench_runs_every_part_and_prints_the_targets(
    broker: LocalBroker, postgres_server: str
) -> None:
    command = [sys.executable, "-m", "worker.cli", "bench", "--quick"]
    command += ["--bootstrap-servers", broker.bootstrap, "--postgres", postgres_server]
    env = {**os.environ, "COLUMNS": "200"}  # the tables' titles on one line each

    done = run_whole(command, env, 900)

    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for title in (
        "Throughput: ",
        "Resident memory of the worker process",
        "Latency, published → recalculated received",
        "Cost per event against employees already stored",
        "Recompute of 2,000 stored employees",
        "First load: 2,000 events of 1,000 employees",
        "Projection: the national first load",
        "HTTP intake: events/s through POST /v1/events",
        "Soak: ",
        "Resident memory of the surviving worker over the soak",
        "Targets of the performance issue",
    ):
        assert title in out, out[-3000:]
    for contender in ("bare kafka-python consumer", "PostgreSQL, 1 process", "2 processes"):
        assert contender in out
    assert "600/s" in out  # the second latency case: two processes
    # IPASN_AGENCY_OUTPUTS=true: a contender of its own, the one-process latency case again, and
    # what it costs (both ran to the end: its per-agency topics were there).
    assert "ipasn-worker, PostgreSQL, 1 process, agency outputs" in out
    assert re.search(r"300/s\s*│\s*1\s*│\s*on\s*│", out), out[-6000:]
    assert re.search(r"\d+% \([\d,]+ against [\d,]+ events/s\)", out), out[-3000:]
    assert re.search(r"[\d,]+ ms on against [\d,]+ ms off", out), out[-3000:]
    assert "plan (every agency, reads only): " in out  # timed over the recompute's database
    assert "plan of every agency, 1,000,000 stored employees" in out
