"""The HTTP intake's rate: events per second through `ipasn-worker intake` into the input
topic, with batches of 1, 100 and 1,000 events a request.

The intake runs as its own process on a free port, as in production; 4, then 16 senders
(threads, each with its keep-alive connection, as an upstream system's HTTP client would) post
the same number of events for each batch size, and each request counts once its 202 is back:
the broker has then acknowledged every event (acks=all). The intake process's CPU time per
event says what the rate would be were it alone on a core. The tests send what
`training_events` makes.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from worker.commands.screen import Fitted, split_figures
from worker.dev.intake import BATCH, SINGLE, batch_body, intake_process, post

SIZES = (1, 100, 1000)
SENDERS = (4, 16)


def nip_of(i: int) -> str:
    """A valid NIP for employee i (i < 1,998): born 1987-03-14, TMT CPNS 2010-12, serial i."""
    return f"19870314201012{1 + i // 999}{1 + i % 999:03d}"


def training_events(
    count: int, tag: str, *, employees: int = 100, source: str = "siasn"
) -> list[bytes]:
    """`count` valid training events of `employees` employees, each with its own id and record
    (`tag` keeps ids apart between runs)."""
    return [
        json.dumps(
            {
                "specversion": "1.0",
                "id": f"{tag}-{i}",
                "source": source,
                "type": "asn.training.upserted",
                "subject": nip_of(i % employees),
                "time": "2025-03-01T08:00:00+07:00",
                "data": {
                    "record_id": f"{tag}-T{i}",
                    "category": "technical",
                    "name": "Pelatihan Teknis SIASN",
                    "start_date": "2025-02-03",
                    "end_date": "2025-02-05",
                    "hours": 10,
                },
            },
            separators=(",", ":"),
        ).encode()
        for i in range(count)
    ]


@dataclass(frozen=True)
class IntakeRate:
    batch: int
    senders: int
    events: int
    seconds: float
    latencies: Sequence[float]  # of each request, sorted
    refused: int  # requests answered anything but 202
    cpu_s: float = 0.0  # the intake process's CPU time over the run

    @property
    def cpu_us_per_event(self) -> float:
        return 1e6 * self.cpu_s / self.events if self.events else 0.0

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def latency(self, quantile: float) -> float:
        if not self.latencies:
            return 0.0
        return self.latencies[min(len(self.latencies) - 1, int(quantile * len(self.latencies)))]


def _send(
    port: int, bodies: Sequence[bytes], content_type: str, found: list[tuple[float, int]]
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for body in bodies:
            started = time.perf_counter()
            status, _ = post(connection, body, content_type)
            found.append((time.perf_counter() - started, status))
    finally:
        connection.close()


def send_all(port: int, events: Sequence[bytes], batch: int, senders: int = 4) -> IntakeRate:
    """Every event posted in requests of `batch` events, by `senders` threads at once."""
    if batch == 1:
        bodies, content_type = list(events), SINGLE
    else:
        bodies = [batch_body(events[i : i + batch]) for i in range(0, len(events), batch)]
        content_type = BATCH
    found: list[tuple[float, int]] = []
    threads = [
        threading.Thread(target=_send, args=(port, bodies[s::senders], content_type, found))
        for s in range(senders)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    refused = sum(status != 202 for _, status in found)
    return IntakeRate(batch, senders, len(events), seconds, sorted(s for s, _ in found), refused)


def _cpu_s(pid: int) -> float:
    """A process's user and system CPU time so far, from /proc (0 where there is none)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(bootstrap: str, topic: str, events: int, tag: str) -> list[IntakeRate]:
    """The rate for each batch size and number of senders, `events` events each, through one
    intake process."""
    env = {"IPASN_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "IPASN_INPUT_TOPICS": topic}
    rates = []
    with intake_process(env) as (port, pid):
        send_all(port, training_events(200, f"{tag}-warm"), 100)  # connections, metadata
        for size in SIZES:
            for senders in SENDERS:
                sent = training_events(events, f"{tag}-{size}-{senders}")
                before = _cpu_s(pid)
                rate = send_all(port, sent, size, senders)
                rates.append(replace(rate, cpu_s=_cpu_s(pid) - before))
    return rates


def table(rates: Sequence[IntakeRate]) -> Fitted:
    """Whole where it fits, else the rates and the costs in two tables."""
    title = ("HTTP intake: events/s through POST /v1/events into Kafka (acks=all), each request "
             "counted at its 202")  # fmt: skip
    columns = ("events a\nrequest", "senders", "events", "seconds", "events/s", "requests/s",
               "p50\nrequest", "p99\nrequest", "intake CPU\nper event", "not 202")  # fmt: skip
    rows = [
        (
            f"{r.batch:,}",
            f"{r.senders}",
            f"{r.events:,}",
            f"{r.seconds:.1f}",
            f"{r.rate:,.0f}",
            f"{len(r.latencies) / r.seconds:,.0f}" if r.seconds else "-",
            f"{r.latency(0.5) * 1000:,.1f} ms",
            f"{r.latency(0.99) * 1000:,.1f} ms",
            f"{r.cpu_us_per_event:,.0f} µs",
            f"{r.refused:,}",
        )
        for r in rates
    ]
    return split_figures(title, columns, rows, [(2, 3, 4, 5), (6, 7, 8, 9)], keys=2)
