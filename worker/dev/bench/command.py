"""`ipasn-worker bench`: throughput, latency, flat cost, recompute, first load, the HTTP intake
and memory under a soak, from one run (the full one takes about an hour and a half; --quick:
minutes)."""

from __future__ import annotations

import argparse

from rich.console import Console

from worker.commands.arguments import positive
from worker.commands.shutdown import Shutdown
from worker.config.settings import Settings
from worker.dev.bench.services import POSTGRES
from worker.dev.bench.suite import PARTS, BenchOptions, run_bench

DESCRIPTION = __doc__ or ""


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of minutes: {text!r}") from None
    if not 0 <= value <= 24 * 60:
        raise argparse.ArgumentTypeError(f"must be 0 to 1440 minutes, not {value:g}")
    return value


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--employees", type=positive, default=10_000, help="in the stream")
    p.add_argument(
        "--broker",
        choices=["apache-kafka", "local"],
        default="apache-kafka",
        help="start Apache Kafka (one KRaft node; Java) or the in-memory stand-in",
    )
    p.add_argument("--bootstrap-servers", help="use this running broker instead")
    p.add_argument(
        "--postgres",
        default=POSTGRES,
        help="a PostgreSQL server where the benchmark may create and drop databases",
    )
    p.add_argument("--processes", type=positive, nargs="+", default=[1, 2], help="worker processes")
    p.add_argument(
        "--rate", type=float, default=2000.0, help="events/s offered to one process (latency)"
    )
    p.add_argument(
        "--two-process-rate",
        type=float,
        default=5000.0,
        help="events/s offered to run --processes 2 (latency)",
    )
    p.add_argument("--latency-employees", type=positive, default=6000)
    p.add_argument(
        "--stored",
        type=positive,
        nargs="+",
        default=[10_000, 1_000_000],
        help="employees already stored, for the cost per event (1,000,000 needs ~10 GB)",
    )
    p.add_argument(
        "--recompute",
        type=positive,
        default=100_000,
        metavar="N",
        help="employees stored for the recompute (the reported figures: 1,000,000, ~10 GB)",
    )
    p.add_argument(
        "--first-load",
        type=positive,
        default=100_000,
        metavar="N",
        help="employees in the first load, 2·N events (the reported figures: 1,000,000)",
    )
    p.add_argument(
        "--intake",
        type=positive,
        default=20_000,
        metavar="N",
        help="events sent through the HTTP intake for each batch size (1, 100, 1,000)",
    )
    p.add_argument(
        "--soak",
        type=_minutes,
        default=10.0,
        metavar="MINUTES",
        help="how long the soak offers its steady stream (0: no soak)",
    )
    p.add_argument("--skip", nargs="+", default=[], choices=PARTS, help="parts to leave out")
    p.add_argument(
        "--quick",
        action="store_true",
        help="every part at a small size, in minutes: a smoke test, not a measurement",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    Shutdown()  # no loop here: a signal stops the benchmark at once; its brokers stop cleanly
    options = BenchOptions(
        employees=args.employees,
        broker=args.broker,
        bootstrap_servers=args.bootstrap_servers,
        postgres=args.postgres,
        processes=args.processes,
        latency=((args.rate, 1), (args.two_process_rate, 2)),
        latency_employees=args.latency_employees,
        stored=args.stored,
        recompute_employees=args.recompute,
        first_load_employees=args.first_load,
        intake_events=args.intake,
        soak_minutes=args.soak,
        skip=frozenset(args.skip),
    )
    if args.quick:
        options = options.quick()
    run_bench(options, Console(width=max(Console().width, 110)))  # tables not wrapped
    return 0
