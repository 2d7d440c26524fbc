"""What the machine spent on a run besides the wall clock (Linux /proc; zeros elsewhere): the CPU
time of the benchmarked processes, of the PostgreSQL backends serving their database, the share
of CPU time the hypervisor stole (this machine's speed drifts with it) and how busy the machine
was (the benchmark shares it with the broker, the database, and anything else running).

The backends are found by their process title, `postgres: USER DATABASE HOST(PORT) STATE`, and
sampled every half second, since they exit with the worker's connections: at most the last half
second of each is missed, while the worker waits idle before it exits. The server's own
background processes (WAL writer, checkpointer) serve every database and are not counted.
"""

from __future__ import annotations

import os
import resource
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

PROC = Path("/proc")
EVERY_S = 0.5
TICK_S = 1 / (os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100)


@dataclass(frozen=True)
class Spent:
    children_cpu_s: float  # the processes this one started and waited for (the workers)
    database_cpu_s: float  # the backends of the database
    steal: float  # share of all CPU time, all cores
    busy: float  # share of all CPU time not idle: ours, the broker's, anyone else's, stolen


class Watch:
    """`with Watch() as watch: ... watch.database(url) ...`, then `watch.spent`: what was spent
    from the last `database(url)` (a run repeated on a new database starts the count again)."""

    def __init__(self) -> None:
        self.url = ""
        self._title = ""
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._start: dict[int, int] = {}
        self._last: dict[int, int] = {}
        self._children = 0.0
        self._cpu = (0, 0, 0)
        self.spent = Spent(0.0, 0.0, 0.0, 0.0)

    def database(self, url: str) -> str:
        """Count from now, the backends of the database at `url`; returns `url`."""
        with self._lock:
            self.url = url
            self._title = f" {url.rsplit('/', 1)[1].split('?', 1)[0]} "
            self._start = _backend_ticks(self._title)
            self._last = {}
            self._children = _children_cpu_s()
            self._cpu = _cpu_ticks()
        return url

    def __enter__(self) -> Watch:
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
        total, idle, stolen = (b - a for a, b in zip(self._cpu, _cpu_ticks(), strict=True))
        backends = sum(t - self._start.get(pid, 0) for pid, t in self._last.items())
        self.spent = Spent(
            _children_cpu_s() - self._children,
            backends * TICK_S,
            stolen / total if total else 0.0,
            (total - idle) / total if total else 0.0,
        )

    def _sample(self) -> None:
        while True:
            with self._lock:
                if self._title:
                    self._last |= _backend_ticks(self._title)
            if self._stopping.wait(EVERY_S):
                return


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
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if stat.split(" (", 1)[1].startswith("postgres"):
            ticks[int(entry.name)] = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks
