"""The benchmark's worker runs: a run that ended with work left is no measurement."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from worker.dev.bench import recompute, runs, throughput
from worker.dev.bench.runs import Run, repeated, workers

STUCK = "no partition was assigned in 90 s"


def _scripted(
    monkeypatch: pytest.MonkeyPatch, outcomes: list[str | None], *, metered: bool = True
) -> list[str]:
    """Each worker run ends as the next of `outcomes` says; returns the databases they ran on."""
    used: list[str] = []

    def children(
        name: str, commands: list[list[str]], env: dict[str, str], database_url: str | None
    ) -> Run:
        # Its backends' CPU is sampled, unless the caller measures the run its own way.
        assert database_url == (env["IPASN_DATABASE_URL"] if metered else None)
        used.append(env["IPASN_DATABASE_URL"])
        return Run(name, 100, 1.0, unfinished=outcomes[len(used) - 1])

    monkeypatch.setattr(runs, "_children", children)
    monkeypatch.setattr(runs, "create_topics", lambda *args, **kwargs: [])  # no broker here
    return used


def _databases() -> Any:
    n = iter(range(1, 10))
    return lambda: f"sqlite:///db{next(n)}.db"


def test_a_finished_run_is_run_once(monkeypatch: pytest.MonkeyPatch) -> None:
    used = _scripted(monkeypatch, [None])
    run = workers("w", "127.0.0.1:9092", "t", _databases(), processes=2)
    assert used == ["sqlite:///db1.db"]
    assert run.note == ""
    assert repeated([run]) == ""


def test_a_run_measured_by_its_caller_is_not_sampled_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    used = _scripted(monkeypatch, [None], metered=False)
    workers("w", "127.0.0.1:9092", "t", _databases(), metered=False)
    assert used == ["sqlite:///db1.db"]


def test_a_run_with_work_left_is_repeated_on_a_new_database_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    used = _scripted(monkeypatch, [STUCK, None])
    run = workers("w", "127.0.0.1:9092", "t", _databases(), processes=2)
    assert used == ["sqlite:///db1.db", "sqlite:///db2.db"]
    assert run.unfinished is None
    assert run.note == f"repeated: {STUCK}"
    assert repeated([run]) == f"Repeated after ending with work left: w (repeated: {STUCK})."


def test_twice_with_work_left_raises_with_both_reasons(monkeypatch: pytest.MonkeyPatch) -> None:
    _scripted(monkeypatch, [STUCK, "stopped before catching up"])
    with pytest.raises(RuntimeError, match=r"twice: no partition.*; stopped before"):
        workers("w", "127.0.0.1:9092", "t", _databases())


BARE = Run("bare kafka-python consumer", 1000, 0.01)
ONE = Run("ipasn-worker, PostgreSQL, 1 process", 1000, 0.5)


@pytest.mark.parametrize(
    ("contenders", "said"),
    [
        ([BARE, Run("Quix Streams peer (RocksDB state)", 1000, 0.4), ONE], "0.80x (2,000 against"),
        ([BARE, ONE], "the peer not run (--skip quix)"),
        (
            [BARE, Run("Quix Streams peer", 0, 0.0, note="not installed: pip install"), ONE],
            "the peer: not installed: pip install",
        ),
        ([BARE, Run("Quix Streams peer (RocksDB state)", 1000, 0.4)], "one process not run"),
    ],
)
def test_the_ratio_to_the_peer_says_why_it_is_missing(contenders: list[Run], said: str) -> None:
    found = throughput.targets(throughput.Throughput(1000, 100, contenders))
    assert found[1].measured.startswith(said)


@pytest.mark.parametrize(("plan_s", "said", "met"), [
    (0.4, "200 s at the rate of 2,000", True),
    (0.8, "400 s at the rate of 2,000", False),
])  # fmt: skip
def test_plans_time_is_judged_at_a_million_employees(plan_s: float, said: str, met: bool) -> None:
    found = recompute.Recompute(2_000, 1.0, [recompute.RecomputeRun(1, 1.0, "")], plan_s)

    [_, plan] = recompute.targets(found)

    assert plan.measured == said
    assert plan.met is met
    assert plan.target == "within minutes (under 300 s)"


def _modules_after(*imports: str) -> set[str]:
    code = "import sys\n" + "".join(f"import {m}\n" for m in imports) + "print(*sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(found.stdout.split())


def test_a_benchmarked_worker_carries_only_what_ipasn_worker_run_does() -> None:
    # The bench measures the peak memory of its worker processes against a line; what its
    # own modules (rich, the parts) would add is no part of a worker's. `python -m` imports
    # the child's package first.
    run = _modules_after("worker.cli", "worker.commands.run", "worker.bootstrap.worker")
    child = _modules_after("worker.dev.bench.child", "worker.bootstrap.worker")
    assert child - run == {"worker.dev", "worker.dev.bench", "worker.dev.bench.child"}
