"""Latency: `ipasn-worker run` (one process, or `--processes N`), the demo sample offered at a
steady rate; the one-process case once more with IPASN_AGENCY_OUTPUTS=true (contracts §15),
for what that costs.

For every change event that led to a recalculation: the time from handing it to the producer to
the receipt of the first `asn.ipasn.recalculated` event naming it in `caused_by` (on the national
topic, as before: its agency's copy comes from the same outbox batch).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from kafka import KafkaConsumer

from producers.kafka_sink import KafkaPublisher
from worker.commands.screen import Fitted, split_figures
from worker.dev.bench.runs import worker_env
from worker.dev.bench.services import sample_agencies
from worker.dev.bench.targets import Target
from worker.dev.brokers import LocalBroker
from worker.dev.demo.sample import sample_events
from worker.kafka import clients


def offer(bootstrap: str, topic: str, employees: int, rate: float) -> dict[str, float]:
    """Publish at `rate` events/s; the time each (source, id) was handed to the producer."""
    publisher = KafkaPublisher(bootstrap, client_id=clients.LATENCY_UPSTREAM)
    sent: dict[str, float] = {}
    # Made before the clock starts: 6,000 employees' events take seconds to make, and a clock
    # started first had them all due at once, a burst of that many seconds' events.
    messages = sample_events(employees, measurement_year=2025)
    started = time.monotonic()
    for n, m in enumerate(messages):
        due = started + n / rate
        if (wait := due - time.monotonic()) > 0:
            time.sleep(wait)
        try:
            event = json.loads(m.value)
            sent[f"{event['source']}/{event['id']}"] = time.monotonic()
        except (ValueError, KeyError, TypeError):
            pass  # a malformed sample message: dead-lettered, no recalculation
        publisher.send(topic, m.key, m.value)
        if n % 200 == 0:
            publisher.flush()
    publisher.flush()
    publisher.close()
    return sent


def receive(bootstrap: str, topic: str, until: threading.Event, seen: dict[str, float]) -> None:
    """Into `seen`: the first time each cause appears in a recalculated event's caused_by."""
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    while not until.is_set():
        for records in consumer.poll(timeout_ms=100).values():
            now = time.monotonic()
            for r in records:
                for cause in json.loads(r.value)["data"]["caused_by"]:
                    seen.setdefault(f"{cause['source']}/{cause['id']}", now)
    consumer.close()


@dataclass
class Latency:
    offered: int
    recalculated: int
    rate: float
    seconds: list[float]  # sorted
    processes: int = 1
    agency_outputs: bool = False  # IPASN_AGENCY_OUTPUTS=true

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.seconds, n=100)[p - 1] if len(self.seconds) > 1 else 0.0


def measure(
    broker: LocalBroker,
    database_url: str,
    employees: int,
    rate: float,
    partitions: int,
    processes: int = 1,
    agency_outputs: bool = False,
) -> Latency:
    """Run the worker, offer the sample at `rate`, and time each recalculation. With
    `agency_outputs`, the worker also publishes each agency's copies, to the topics of the
    agencies the sample names."""
    tag = uuid.uuid4().hex[:8]
    changes, output = f"latency-changes-{tag}", f"latency-out-{tag}"
    broker.create_topics({changes: partitions})
    bootstrap = broker.bootstrap
    agencies = (
        sample_agencies(sample_events(employees, measurement_year=2025)) if agency_outputs else ()
    )
    extra = {"output_topic": output, "agency_outputs": agency_outputs}
    env = worker_env(bootstrap, changes, database_url, agencies, **extra)
    command = [sys.executable, "-m", "worker.cli", "run", "--processes", str(processes)]
    worker = subprocess.Popen(command, env=env)  # noqa: S603
    try:
        time.sleep(8)  # the worker joins its group before the clock starts
        done = threading.Event()
        seen: dict[str, float] = {}
        reader = threading.Thread(target=receive, args=(bootstrap, output, done, seen))
        reader.start()
        sent = offer(bootstrap, changes, employees, rate)
        quiet_until = time.monotonic() + 5
        while time.monotonic() < quiet_until:  # until no recalculation for 5 s
            count = len(seen)
            time.sleep(0.5)
            if len(seen) != count:
                quiet_until = time.monotonic() + 5
        done.set()
        reader.join()
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    latencies = sorted(seen[k] - sent[k] for k in seen if k in sent)
    return Latency(len(sent), len(latencies), rate, latencies, processes, agency_outputs)


def cases(
    offered: Sequence[tuple[float, int]], agency_outputs: bool = True
) -> list[tuple[float, int, bool]]:
    """The cases to run, (events/s, processes, agency outputs): each of `offered` as it is and,
    right after the first one of a single process, that one with agency outputs on."""
    found = []
    for rate, processes in offered:
        found.append((rate, processes, False))
        if agency_outputs and processes == 1 and not any(on for *_, on in found):
            found.append((rate, processes, True))
    return found


def table(results: list[Latency], backend: str) -> Fitted:
    """Whole where it fits, else the counts and the latencies in two tables."""
    columns = ("offered", "processes", "agency\noutputs", "events", "recalculated",
               "p50", "p95", "p99", "max")  # fmt: skip
    rows = []
    for r in results:
        worst = r.seconds[-1] if r.seconds else 0.0
        rows.append((
            f"{r.rate:,.0f}/s",
            str(r.processes),
            "on" if r.agency_outputs else "off",
            f"{r.offered:,}",
            f"{r.recalculated:,}",
            *(f"{v * 1000:,.0f} ms" for v in (*map(r.percentile, (50, 95, 99)), worst)),
        ))  # fmt: skip
    title = f"Latency, published → recalculated received, {backend}"
    return split_figures(title, columns, rows, [(3, 4), (5, 6, 7, 8)], keys=3)


# p99 targets: (events/s offered, processes) → seconds.
P99_TARGETS = {(2000.0, 1): 0.5, (5000.0, 2): 1.0}


def _case(results: list[Latency], rate: float, processes: int, on: bool) -> Latency | None:
    wanted = (rate, processes, on)
    return next((r for r in results if (r.rate, r.processes, r.agency_outputs) == wanted), None)


def targets(results: list[Latency]) -> list[Target]:
    found = []
    for (rate, processes), limit in P99_TARGETS.items():
        r = _case(results, rate, processes, False)
        found.append(
            Target(
                f"latency p99 at {rate:,.0f} events/s offered to {processes} process"
                + ("es" if processes > 1 else ""),
                f"under {limit * 1000:,.0f} ms",
                f"{r.percentile(99) * 1000:,.0f} ms" if r and r.seconds else "not run",
                r.percentile(99) < limit if r and r.seconds else None,
            )
        )
    return [*found, agency_outputs_cost(results)]


def agency_outputs_cost(results: list[Latency]) -> Target:
    """What IPASN_AGENCY_OUTPUTS=true costs in latency: the p99 of the one-process case with it
    on beside the same case without. A figure for the issue to read, no target: met is None."""
    on = next((r for r in results if r.agency_outputs), None)
    off = _case(results, on.rate, on.processes, False) if on else None
    rate = f"{on.rate:,.0f} events/s" if on else "the one-process case"
    if on is None:
        measured = "not run"
    elif off is None:
        measured = "the same case without not run"
    elif on.seconds and off.seconds:
        p99s = [r.percentile(99) * 1000 for r in (on, off)]
        measured = f"{p99s[0]:,.0f} ms on against {p99s[1]:,.0f} ms off"
    else:
        measured = "nothing recalculated"
    return Target(
        f"latency p99 at {rate} offered to 1 process, IPASN_AGENCY_OUTPUTS=true against "
        "without, same run",
        "none: the option's cost",
        measured,
        None,
    )
