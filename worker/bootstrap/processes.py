"""`ipasn-worker run --processes N`: N worker processes in one consumer group, one /metrics.

One Python process keeps about one core busy; the partitions of the input topics are shared
among the processes as among any members of the group, so the order per NIP and every crash
guarantee stay as they are. This parent only supervises: it starts the workers with the
settings it resolved, forwards SIGTERM and SIGINT to them, serves their metrics together
(prometheus-client's multiprocess mode) and exits with the first failure's status, stopping
the others, so that a supervisor restarts the whole set.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from schemas.rules import load_rules
from worker.bootstrap import bootstrap
from worker.bootstrap.topics import require_topics
from worker.bootstrap.worker import metrics_port
from worker.config.settings import Settings, as_environment
from worker.observability.health import LoopState

log = logging.getLogger(__name__)


def run_processes(settings: Settings, count: int, until_idle: float | None) -> int:
    command = [sys.executable, "-m", "worker.cli", "run"]
    if until_idle is not None:
        command += ["--until-idle", str(until_idle)]
    with tempfile.TemporaryDirectory(prefix="ipasn-metrics-") as metrics:
        env = {
            **os.environ,
            **as_environment(settings),
            "IPASN_METRICS_PORT": "0",
            "PROMETHEUS_MULTIPROC_DIR": metrics,
        }
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=metrics)  # type: ignore[no-untyped-call]
        rule_version = load_rules(settings.rules_file).version
        require_topics(settings)  # one line here, not one from each process
        # The schema made here, once, before the processes start (each would otherwise try).
        with bootstrap(settings, database="create") as app:
            children = [subprocess.Popen(command, env=env) for _ in range(count)]  # noqa: S603
            with metrics_port(settings, registry, app.engine, rule_version, _loops(metrics)):
                log.info("started %d worker processes", count)
                return _supervise(children, metrics)


def _loops(metrics: str) -> Callable[[], LoopState]:
    """The state of the processes' loops, from the values they write: the oldest iteration of
    any process, and joined only when every process is (the gauges combine as `livemin`)."""
    reader = CollectorRegistry()
    MultiProcessCollector(reader, path=metrics)  # type: ignore[no-untyped-call]

    def state() -> LoopState:
        iterated = reader.get_sample_value("ipasn_loop_iteration_timestamp_seconds")
        joined = reader.get_sample_value("ipasn_consumer_group_joined")
        blocked = reader.get_sample_value("ipasn_publishing_blocked")
        return LoopState(iterated or 0.0, joined == 1, blocked == 1)

    return state


def _supervise(children: list[subprocess.Popen[bytes]], metrics: str) -> int:
    def forward(signum: int, frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward)
    status = 0
    running = set(children)
    while running:
        for child in list(running):
            code = child.poll()
            if code is None:
                continue
            running.discard(child)
            mark_process_dead(child.pid, metrics)  # type: ignore[no-untyped-call]
            if code != 0 and status == 0:
                log.error("a worker process exited with status %d; stopping the others", code)
                status = code
                forward(signal.SIGTERM, None)
        time.sleep(0.1)
    return status
