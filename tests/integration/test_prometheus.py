"""A real Prometheus server scrapes a running worker and answers for its metrics."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Topics, missing
from tests.integration.helpers import RunningWorker, publish, running_worker
from tests.integration.prometheus_server import (
    PrometheusError,
    PrometheusServer,
    prometheus_binary,
)
from tests.integration.stream import phase_one
from tests.integration.test_cli import service_env
from worker.dev.brokers import LocalBroker, free_port

JOB = "ipasn-worker"
WORKER_START_TIMEOUT_S = 90.0
SCRAPED_TIMEOUT_S = 30.0


@pytest.fixture
def metrics_port() -> int:
    return free_port()


@pytest.fixture
def prometheus(tmp_path: Path, metrics_port: int) -> Iterator[PrometheusServer]:
    binary = prometheus_binary()
    if binary is None:
        missing("prometheus is not installed (Debian: apt-get install prometheus)")
    assert binary is not None  # missing() failed or skipped
    server = PrometheusServer(binary, tmp_path / "prometheus", JOB, [f"127.0.0.1:{metrics_port}"])
    try:
        server.start()
    except PrometheusError as e:
        server.stop()
        pytest.fail(f"{e}; its log:\n{server.log()}")
    yield server
    server.stop()


@pytest.fixture
def worker(
    broker: LocalBroker, topics: Topics, tmp_path: Path, metrics_port: int
) -> Iterator[RunningWorker]:
    env = {
        **service_env(broker, topics, f"sqlite:///{tmp_path}/prometheus.db"),
        "IPASN_METRICS_PORT": str(metrics_port),
    }
    with running_worker(env) as running:
        yield running


@pytest.mark.kafka
def test_prometheus_scrapes_the_worker_and_counts_every_event_consumed(
    broker: LocalBroker, topics: Topics, prometheus: PrometheusServer, worker: RunningWorker
) -> None:
    stream = phase_one()  # malformed messages too: dead-lettered ones count as consumed
    assert worker.consuming.wait(WORKER_START_TIMEOUT_S), worker.stderr()
    publish(broker.bootstrap, topics.input, stream)

    consumed_expr = f'sum(ipasn_events_consumed_total{{job="{JOB}"}})'
    up_expr = f'up{{job="{JOB}"}}'
    consumed = up = None
    deadline = time.monotonic() + SCRAPED_TIMEOUT_S
    while time.monotonic() < deadline:
        assert worker.process.poll() is None, f"the worker exited:\n{worker.stderr()}"
        consumed, up = prometheus.query(consumed_expr), prometheus.query(up_expr)
        if consumed == len(stream) and up == 1:
            break
        time.sleep(0.5)

    assert (consumed, up) == (len(stream), 1), (
        f"Prometheus answered {consumed_expr} = {consumed}, {up_expr} = {up} "
        f"after {SCRAPED_TIMEOUT_S:.0f} s (expected {len(stream)} and 1)\n"
        f"targets: {prometheus.targets_health()}\n"
        f"prometheus log:\n{prometheus.log()}\n"
        f"worker stderr:\n{worker.stderr()}"
    )
