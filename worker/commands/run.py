"""`ipasn-worker run`: consume, reconcile, recompute, publish, until stopped (or idle)."""

from __future__ import annotations

import argparse
import logging
import sys

from worker.bootstrap.processes import run_processes
from worker.bootstrap.worker import run_worker
from worker.commands.arguments import database_flags, kafka_flags, positive
from worker.commands.shutdown import Shutdown
from worker.config.settings import Settings

DESCRIPTION = __doc__ or ""
log = logging.getLogger("ipasn_worker")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--until-idle",
        type=float,
        metavar="SECONDS",
        help="exit 0 once no message arrived for this long and all is published",
    )
    p.add_argument("--metrics-port", type=int, help="Prometheus port, 0 disables it")
    p.add_argument(
        "--processes",
        type=positive,
        default=1,
        metavar="N",
        help="worker processes in the consumer group, about one per core (PostgreSQL)",
    )
    p.add_argument("--consumer-group", help="IPASN_CONSUMER_GROUP")
    kafka_flags(p)
    database_flags(p)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.processes > 1:
        return run_processes(settings, args.processes, args.until_idle)
    shutdown = Shutdown()
    totals = run_worker(
        settings,
        args.until_idle,
        shutdown.requested,
        looping=shutdown.loop_started,
        check_topics=True,
    )
    log.info(
        "stopped: %d messages, %d stored, %d duplicate, %d dead-lettered, %d published",
        totals.messages,
        totals.stored,
        totals.duplicates,
        totals.dead_lettered,
        totals.published,
    )
    if totals.unfinished:
        # --until-idle exits 0 only when every partition held is read to its end, committed and
        # published; a stuck consumer group ends any run (a supervisor restarts it).
        print(f"ipasn-worker: {totals.unfinished}", file=sys.stderr)
        return 1
    return 0
