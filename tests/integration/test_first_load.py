"""The benchmark's first-load part, end to end at a tiny size: published to the real broker, run
with one and two worker processes, each on a fresh PostgreSQL database."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from worker.dev.bench.first_load import measure, tables
from worker.dev.brokers import LocalBroker

EMPLOYEES = 300


@pytest.mark.kafka
@pytest.mark.postgres
def test_the_first_load_goes_all_the_way_through_with_one_and_two_processes(
    broker: LocalBroker, postgres_server: str
) -> None:
    steps: list[str] = []
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)

    result = measure(broker.bootstrap, postgres_server, EMPLOYEES, steps.append, console=console)

    assert result.events == 2 * EMPLOYEES
    assert [r.processes for r in result.runs] == [1, 2]
    for r in result.runs:
        assert r.run.messages == 2 * EMPLOYEES
        assert result.through(r), r.stored  # a statement each, an index each, outbox empty
        assert r.run.seconds > 0
        assert len(r.run.peaks) == r.processes
        assert all(mib > 20 for mib in r.run.peaks)  # a Python process with the worker loaded
        assert r.spent.children_cpu_s > 0
        assert r.stored.bytes > sum(r.stored.tables.values()) > 0
    measured = result.measured()
    assert measured is not None
    assert measured.event_bytes > 0
    assert measured.employee_bytes > 0
    for table in tables(result):
        console.print(table)
    assert "Projection: the national first load" in out.getvalue()
    assert any("2 processes" in step for step in steps)
