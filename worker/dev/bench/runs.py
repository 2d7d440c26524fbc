"""What the benchmark runs, each in its own process, and what it measures of each.

Every contender reads the same messages of the same topic as a consumer group of its own. A
contender runs as a child process (`python -m worker.dev.bench.runs worker|quix`) that prints one
JSON line: messages processed, the `time.monotonic()` of the first message received and of the
last one done (system-wide on Linux, so children's spans compare and combine), and why it ended
with work left, if it did. The parent samples each child's resident memory (VmRSS) while it
runs: their sum, and each one's peak.
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
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer

from worker.config.agencies import agency_topics
from worker.config.settings import Settings, as_environment, load_settings
from worker.config.topics import worker_topics
from worker.db.engine import make_engine, migrate
from worker.db.seeding import fresh_postgres
from worker.dev.bench.machine import Meter, Window, within
from worker.kafka import clients
from worker.kafka.admin import create_topics

OUTPUT_PARTITIONS = 6  # as the benchmark's input topics
SESSION = {"kafka_session_timeout_ms": 6000, "kafka_heartbeat_interval_ms": 1000}
MIN_METERED_S = 2.0  # the shortest busy span whose CPU the bench reports (sampled every 0.5 s)


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
    # Why a child ended with work left (its --until-idle verdict), or None: all of it done.
    unfinished: str | None = None
    # The CPU the workers, their database's backends and the machine spent in the busy span
    # (first message received to last one done), where it was sampled: the worker runs.
    cpu: Window | None = None

    @property
    def cpu_per_event(self) -> tuple[float, float, float] | None:
        """Microseconds of CPU an event in the busy span: the workers', the database's
        backends', and the rest of the machine's (the broker, this benchmark, anything else)."""
        if self.cpu is None or not self.messages or not self.seconds:
            return None
        # The samples cover most of the span; its events in proportion.
        events = self.messages * min(1.0, self.cpu.seconds / self.seconds)
        workers, database = self.cpu.processes_s, self.cpu.database_s
        rest = max(0.0, self.cpu.busy_s - workers - database)
        return workers * 1e6 / events, database * 1e6 / events, rest * 1e6 / events

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def peak_rss_mib(self) -> float:
        return max((mib for _, mib in self.rss), default=0.0)


def repeated(runs: Iterable[Run]) -> str:
    """A table's caption line for the runs `workers` had to repeat, or nothing."""
    notes = [f"{r.name} ({r.note})" for r in runs if r.note.startswith("repeated")]
    return f"Repeated after ending with work left: {'; '.join(notes)}." if notes else ""


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


def bench_settings(bootstrap: str, topic: str, database_url: str, **extra: Any) -> Settings:
    """A benchmarked command's settings: the broker, the database, `topic` as its input, and
    output topics, a consumer group and a metrics port of its own (`extra` overrides any)."""
    tag = uuid.uuid4().hex[:8]
    given: dict[str, Any] = {
        "kafka_bootstrap_servers": bootstrap,
        "database_url": database_url,
        "measurement_year": 2025,
        "input_topics": topic,
        "output_topic": f"bench-out-{tag}",
        "dlq_topic": f"bench-dlq-{tag}",
        "reconciled_topic": f"bench-reconciled-{tag}",
        "agency_topic": f"bench-agencies-{tag}",
        "consumer_group": f"bench-{tag}",
        "metrics_port": 0,
        "log_level": "ERROR",
    }
    return load_settings(**{**given, **SESSION, **extra})


def worker_env(
    bootstrap: str,
    topic: str,
    database_url: str,
    agencies: Sequence[str] = (),
    **extra: Any,
) -> dict[str, str]:
    """A benchmarked worker's settings as its environment; its output topics (names of its own
    unless `extra` names them) are created here, as the worker refuses to start without them,
    and, where `extra` turns `agency_outputs` on, the own topics of each of `agencies` (those
    the stream's profiles name: services.sample_agencies), as it refuses to publish without
    them."""
    settings = bench_settings(bootstrap, topic, database_url, **extra)
    outputs = [t for t in worker_topics(settings, OUTPUT_PARTITIONS) if not t.reads]
    if settings.agency_outputs:
        outputs += agency_topics(settings, agencies)
    topics = {t.name: t.partitions for t in outputs}
    create_topics(bootstrap, topics, 1, client_id=clients.BENCH_UPSTREAM)
    return {**os.environ, **as_environment(settings)}


def workers(
    name: str,
    bootstrap: str,
    topic: str,
    database: Callable[[], str],
    processes: int = 1,
    agencies: Sequence[str] = (),
    metered: bool = True,
    **extra: Any,
) -> Run:
    """`processes` worker processes in one consumer group, from the first batch any of them
    received to the last one any of them committed and published, on the database whose URL
    `database()` returns; `agencies`, `extra`: as `worker_env`'s. `metered`: the CPU of their
    busy span sampled (`Run.cpu`); False where the caller measures the run its own way, so that
    /proc is not scanned twice on the machine being measured.

    A run that ends with work left is no measurement: a member the group never gave a partition
    (kafka-python's group join; seen once in CI, a member unassigned for 90 s while the other
    finished its half) leaves half of the topic unread. It is repeated once, on a new database
    and as a new group, and its note says why; a second such run raises.
    """
    command = [sys.executable, "-m", "worker.dev.bench.child", "worker"]
    reasons: list[str] = []
    for _ in range(2):
        url = database()
        env = worker_env(bootstrap, topic, url, agencies, **extra)
        run = _children(name, [command] * processes, env, url if metered else None)
        if run.unfinished is None:
            return replace(run, note=f"repeated: {reasons[0]}") if reasons else run
        reasons.append(run.unfinished)
    raise RuntimeError(f"{name}: ended with work left twice: {'; '.join(reasons)}")


def fresh_database(server: str) -> Callable[[], str]:
    """A new PostgreSQL database of `server` at each call (worker/db/seeding.fresh_postgres),
    its schema made, as a deployment's first worker makes it: the workers measured start on
    a current schema, and hold no Alembic (worker/db/engine.py's SCHEMA_HEAD)."""

    def database() -> str:
        url = fresh_postgres(server)
        if url is None:
            raise RuntimeError(f"PostgreSQL does not answer at {server}")
        engine = make_engine(url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
        return url

    return database


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


def _children(
    name: str, commands: list[list[str]], env: dict[str, str], database_url: str | None = None
) -> Run:
    """Run the commands as processes, each printing its JSON line; with `database_url`, the CPU
    they and that database's backends spend is sampled too."""
    started = time.monotonic()
    children = [
        subprocess.Popen(c, env=env, stdout=subprocess.PIPE, text=True)  # noqa: S603
        for c in commands
    ]
    rss: list[tuple[float, float]] = []
    peaks = [0.0] * len(children)
    sampler = threading.Thread(target=_sample, args=(children, started, rss, peaks), daemon=True)
    sampler.start()
    meter = Meter([c.pid for c in children], database_url) if database_url else None
    results = []
    with meter or nullcontext():
        for child in children:
            out, _ = child.communicate()
            if child.returncode != 0:
                raise RuntimeError(f"{name}: a benchmarked process exited with {child.returncode}")
            results.append(json.loads(out.strip().splitlines()[-1]))
    sampler.join()
    unfinished = next((r["unfinished"] for r in results if r.get("unfinished")), None)
    spans = [r for r in results if r["first"] is not None]
    if not spans:
        return Run(name, 0, 0.0, rss, "processed nothing", peaks, unfinished)
    first, last = min(r["first"] for r in spans), max(r["last"] for r in spans)
    messages = sum(r["messages"] for r in results)
    cpu = within(meter.samples, first, last) if meter else None
    if cpu is not None and cpu.seconds < MIN_METERED_S:
        cpu = None  # a few samples of a short run say more about the sampling than the run
    return Run(name, messages, last - first, rss, peaks=peaks, unfinished=unfinished, cpu=cpu)


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
