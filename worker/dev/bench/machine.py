"""What the machine spent on a run besides the wall clock (Linux /proc; zeros elsewhere): the CPU
time of the benchmarked processes, of the PostgreSQL backends serving their database, the share
of CPU time the hypervisor stole (this machine's speed drifts with it) and how busy the machine
was (the benchmark shares it with the broker, the database, and anything else running).

The backends are found by their process title, `postgres: USER DATABASE HOST(PORT) STATE`, and
sampled every half second, since they exit with the worker's connections: at most the last half
second of each is missed, while the worker waits idle before it exits. The server's own
background processes (WAL writer, checkpointer) serve every database and are not counted.

`Watch` counts a whole run; `Meter` samples the same figures over time, so that what was spent
in a part of the run (the throughput contenders' busy span, without start-up, group join and
the idle wait at the end) can be told apart: `within(samples, start, end)`.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

PROC = Path("/proc")
EVERY_S = 0.5
TICK_S = 1 / (os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100)


@dataclass(frozen=True)
class Spent:
    children_cpu_s: float  # the processes this one started and waited for (the workers)
    database_cpu_s: float  # the backends of the database
    steal: float  # share of all CPU time, all cores
    busy: float  # share of all CPU time not idle: ours, the broker's, anyone else's, stolen


class _Sampling:
    """A thread that calls `_take()` every EVERY_S from the start of a `with` block to its end,
    then `_done()`."""

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._thread.join()
        self._done()

    def _sample(self) -> None:
        while True:
            self._take()
            if self._stopping.wait(EVERY_S):
                return

    def _take(self) -> None:
        raise NotImplementedError

    def _done(self) -> None:
        pass


def _title(url: str) -> str:
    """What the process titles of a database's backends hold: ` DATABASE `."""
    return f" {url.rsplit('/', 1)[1].split('?', 1)[0]} "


class Watch(_Sampling):
    """`with Watch() as watch: ... watch.database(url) ...`, then `watch.spent`: what was spent
    from the last `database(url)` (a run repeated on a new database starts the count again)."""

    def __init__(self) -> None:
        super().__init__()
        self.url = ""
        self._title = ""
        self._lock = threading.Lock()
        self._start: dict[int, int] = {}
        self._last: dict[int, int] = {}
        self._children = 0.0
        self._cpu = (0, 0, 0)
        self.spent = Spent(0.0, 0.0, 0.0, 0.0)

    def database(self, url: str) -> str:
        """Count from now, the backends of the database at `url`; returns `url`."""
        with self._lock:
            self.url = url
            self._title = _title(url)
            self._start = _backend_ticks(self._title)
            self._last = {}
            self._children = _children_cpu_s()
            self._cpu = _cpu_ticks()
        return url

    def _done(self) -> None:
        total, idle, stolen = (b - a for a, b in zip(self._cpu, _cpu_ticks(), strict=True))
        backends = sum(t - self._start.get(pid, 0) for pid, t in self._last.items())
        self.spent = Spent(
            _children_cpu_s() - self._children,
            backends * TICK_S,
            stolen / total if total else 0.0,
            (total - idle) / total if total else 0.0,
        )

    def _take(self) -> None:
        with self._lock:
            if self._title:
                self._last |= _backend_ticks(self._title)


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_ticks() -> tuple[int, int, int]:
    """All CPU time, the idle part (iowait included) and the stolen part, in ticks, from
    /proc/stat's "cpu" line: user nice system idle iowait irq softirq steal."""
    try:
        fields = [int(f) for f in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return 0, 0, 0
    return sum(fields), fields[3] + fields[4], fields[7]


def _backend_ticks(title: str) -> dict[int, int]:
    """User and system ticks of each PostgreSQL process whose title names the database."""
    ticks = {}
    for entry in PROC.glob("[0-9]*"):
        try:
            if title not in (entry / "cmdline").read_bytes().decode(errors="replace"):
                continue
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it has just exited, or is not ours to read
        if stat.split(" (", 1)[1].startswith("postgres"):
            ticks[int(entry.name)] = _ticks(stat)
    return ticks


def _ticks(stat: str) -> int:
    """utime + stime of a /proc/PID/stat line (the fields after "pid (comm) ")."""
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


@dataclass(frozen=True)
class Sample:
    """CPU ticks at one moment (time.monotonic()): of the machine (all cores, and the idle part),
    of each watched process and of each backend of the database, by pid."""

    at: float
    total: int
    idle: int
    processes: dict[int, int] = field(default_factory=dict)
    backends: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Window:
    """CPU seconds spent between two samples: by the watched processes, by the database's
    backends, and by the machine (busy, and in all: every core's wall time)."""

    seconds: float  # between the two samples
    processes_s: float
    database_s: float
    busy_s: float
    cores_s: float

    @property
    def busy(self) -> float:
        return self.busy_s / self.cores_s if self.cores_s else 0.0


def within(samples: Sequence[Sample], start: float, end: float) -> Window | None:
    """What was spent from the first sample at or after `start` to the last at or before
    `end`; None where fewer than two fall in between. A process that started in between counts
    from zero; one that exited counts up to its last sample."""
    inside = [s for s in samples if start <= s.at <= end]
    if len(inside) < 2:
        return None
    first, last = inside[0], inside[-1]

    def spent(of: str) -> int:
        before: dict[int, int] = getattr(first, of)
        after: dict[int, int] = {}
        for s in inside:
            after |= getattr(s, of)
        return sum(t - before.get(pid, 0) for pid, t in after.items())

    return Window(
        last.at - first.at,
        spent("processes") * TICK_S,
        spent("backends") * TICK_S,
        ((last.total - first.total) - (last.idle - first.idle)) * TICK_S,
        (last.total - first.total) * TICK_S,
    )


class Meter(_Sampling):
    """`with Meter(pids, database_url) as meter: ...`, then `within(meter.samples, start,
    end)`: a sample every EVERY_S while the block runs."""

    def __init__(self, pids: Sequence[int], url: str) -> None:
        super().__init__()
        self.pids = list(pids)
        self._title = _title(url)
        self.samples: list[Sample] = []

    def _take(self) -> None:
        total, idle, _ = _cpu_ticks()
        processes = {pid: t for pid in self.pids if (t := _process_ticks(pid)) is not None}
        backends = _backend_ticks(self._title)
        self.samples.append(Sample(time.monotonic(), total, idle, processes, backends))


def _process_ticks(pid: int) -> int | None:
    """User and system ticks of a process; None once it has exited."""
    try:
        return _ticks((PROC / str(pid) / "stat").read_text())
    except OSError:
        return None
