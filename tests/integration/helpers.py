"""Running the worker and reading what it published, for the integration tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaProducer
from prometheus_client import CollectorRegistry

from consumers.reader import read_topic
from tests.conftest import Topics
from tests.integration.stream import Msg
from worker.bootstrap.worker import SourceFactory, kafka_source, run_worker
from worker.config.settings import Settings, load_settings
from worker.dev.brokers import LocalBroker
from worker.pipeline.loop import Totals

IDLE_S = 1.5


def publish(bootstrap: str, topic: str, msgs: list[Msg]) -> None:
    # A plain kafka-python producer, as an upstream team would use.
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for m in msgs:
        producer.send(topic, key=m.key, value=m.value)
    producer.flush()
    producer.close()


def settings_for(
    broker: LocalBroker, topics: Topics, database_url: str, group: str | None = None, **extra: Any
) -> Settings:
    given: dict[str, Any] = {
        "kafka_bootstrap_servers": broker.bootstrap,
        "database_url": database_url,
        "measurement_year": 2025,
        "input_topics": topics.input,
        "output_topic": topics.output,
        "dlq_topic": topics.dlq,
        "reconciled_topic": topics.reconciled,
        "agency_topic": topics.agency,
        "consumer_group": group or topics.group,
        "metrics_port": 0,
        # Apache Kafka's shortest by default (group.min.session.timeout.ms), so that a stopped
        # worker's partitions move on quickly in these tests.
        "kafka_session_timeout_ms": 6000,
        "kafka_heartbeat_interval_ms": 1000,
    }
    return load_settings(**{**given, **extra})


def run(
    settings: Settings,
    registry: CollectorRegistry | None = None,
    source_factory: SourceFactory = kafka_source,
) -> Totals:
    return run_worker(
        settings,
        IDLE_S,
        threading.Event(),
        registry or CollectorRegistry(),
        source_factory=source_factory,
    )


def published(broker: LocalBroker, topic: str) -> list[dict[str, Any]]:
    events = []
    for r in read_topic(broker.bootstrap, topic):
        event = json.loads(r.value or b"")
        assert r.key == event["subject"].encode()
        events.append(event)
    return events


def data_by_nip(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        found.setdefault(e["data"]["nip"], []).append(e["data"])
    return found


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`ipasn-worker ARGS` in a process of its own, with only `env`'s IPASN_ settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("IPASN_")}
    return subprocess.run(
        [sys.executable, "-m", "worker.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**clean, **env},
    )


def start_worker(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """`ipasn-worker run ARGS` in the background with these settings; stderr piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "worker.cli", "run", *args],
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
        text=True,
    )


@dataclass
class RunningWorker:
    """`ipasn-worker run` in the background, its stderr read as it comes."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    consuming: threading.Event = field(default_factory=threading.Event)

    def read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            if "consuming" in line:
                self.consuming.set()

    def stderr(self, last: int = 40) -> str:
        return "".join(self.lines[-last:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextmanager
def running_worker(env: dict[str, str], *args: str) -> Iterator[RunningWorker]:
    """`ipasn-worker run ARGS` for the block, its stderr read as it comes; stopped after."""
    worker = RunningWorker(start_worker(env, *args))
    reader = threading.Thread(target=worker.read_stderr, daemon=True)
    reader.start()
    try:
        yield worker
    finally:
        worker.stop()
        reader.join(timeout=10)


def http_get(port: int, path: str) -> tuple[int, str]:
    """GET the path of the worker's metrics port: (status, body); (0, "") when none answers."""
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return 0, ""


def http_answer(port: int, path: str, status: int, within_s: float) -> tuple[int, str]:
    """The first answer of the path with that status, else the last one, within the time."""
    deadline = time.monotonic() + within_s
    while True:
        answer = http_get(port, path)
        if answer[0] == status or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)
