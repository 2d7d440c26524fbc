"""What the benchmark runs, each in its own process, and what it measures of each.

Every contender reads the same messages of the same topic as a consumer group of its own. A
contender runs as a child process (`python -m worker.dev.bench.runs worker|quix`) that prints one
JSON line: messages processed and the `time.monotonic()` of the first message received and of
the last one done (system-wide on Linux, so children's spans compare and combine). The parent
samples each child's resident memory (VmRSS) while it runs: their sum, and each one's peak.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer

from worker.config.settings import as_environment, load_settings

SESSION = {"kafka_session_timeout_ms": 6000, "kafka_heartbeat_interval_ms": 1000}


@dataclass
class Run:
    name: str
    messages: int
    seconds: float
    # (seconds since the child started, resident MiB) of every child, sampled.
    rss: list[tuple[float, float]] = field(default_factory=list)
    note: str = ""
    # The peak resident MiB of each child on its own, in the order they were started.
    peaks: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def peak_rss_mib(self) -> float:
        return max((mib for _, mib in self.rss), default=0.0)


def bare_consumer(bootstrap: str, topic: str, total: int) -> Run:
    """The ceiling the client library sets: kafka-python reading the messages, nothing more."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bare-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    seen, started = 0, None
    while seen < total:
        for records in consumer.poll(timeout_ms=1000).values():
            started = started or time.perf_counter()
            seen += len(records)
    consumer.commit()
    elapsed = time.perf_counter() - (started or time.perf_counter())
    consumer.close()
    return Run("bare kafka-python consumer", seen, elapsed)


def worker_env(bootstrap: str, topic: str, database_url: str, **extra: Any) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    given: dict[str, Any] = {
        "kafka_bootstrap_servers": bootstrap,
        "database_url": database_url,
        "measurement_year": 2025,
        "input_topics": topic,
        "output_topic": f"bench-out-{tag}",
        "dlq_topic": f"bench-dlq-{tag}",
        "consumer_group": f"bench-{tag}",
        "metrics_port": 0,
        "log_level": "ERROR",
    }
    settings = load_settings(**{**given, **SESSION, **extra})
    return {**os.environ, **as_environment(settings)}


def workers(
    name: str, bootstrap: str, topic: str, database_url: str, processes: int = 1, **extra: Any
) -> Run:
    """`processes` worker processes in one consumer group, from the first batch any of them
    received to the last one any of them committed and published."""
    env = worker_env(bootstrap, topic, database_url, **extra)
    return _children(
        name, [[sys.executable, "-m", "worker.dev.bench.child", "worker"]] * processes, env
    )


def quix(bootstrap: str, topic: str, total: int) -> Run:
    """The same job written with Quix Streams (worker/dev/bench/quix_job.py), if installed."""
    if importlib.util.find_spec("quixstreams") is None:
        return Run("Quix Streams peer", 0, 0.0, note="not installed: pip install -e '.[bench]'")
    with tempfile.TemporaryDirectory(prefix="ipasn-quix-") as state:
        child = [sys.executable, "-m", "worker.dev.bench.child"]
        command = [*child, "quix", bootstrap, topic, str(total), state]
        # Its dependencies' deprecation notices on import are no result.
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        return _children("Quix Streams peer (RocksDB state)", [command], env)


def _children(name: str, commands: list[list[str]], env: dict[str, str]) -> Run:
    started = time.monotonic()
    children = [
        subprocess.Popen(c, env=env, stdout=subprocess.PIPE, text=True)  # noqa: S603
        for c in commands
    ]
    rss: list[tuple[float, float]] = []
    peaks = [0.0] * len(children)
    sampler = threading.Thread(target=_sample, args=(children, started, rss, peaks), daemon=True)
    sampler.start()
    results = []
    for child in children:
        out, _ = child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"{name}: a benchmarked process exited with {child.returncode}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    sampler.join()
    spans = [r for r in results if r["first"] is not None]
    if not spans:
        return Run(name, 0, 0.0, rss, note="processed nothing", peaks=peaks)
    first, last = min(r["first"] for r in spans), max(r["last"] for r in spans)
    return Run(name, sum(r["messages"] for r in results), last - first, rss, peaks=peaks)


def _sample(
    children: list[subprocess.Popen[str]],
    started: float,
    into: list[tuple[float, float]],
    peaks: list[float],
) -> None:
    while any(c.poll() is None for c in children):
        each = [rss_mib(c.pid) if c.poll() is None else 0.0 for c in children]
        for n, mib in enumerate(each):
            peaks[n] = max(peaks[n], mib)
        if total := sum(each):
            into.append((time.monotonic() - started, total))
        time.sleep(0.25)


def rss_mib(pid: int) -> float:
    """A process's resident memory (VmRSS) in MiB; 0 once it has exited."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass  # it has just exited, or this is not Linux
    return 0.0
