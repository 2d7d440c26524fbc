"""`ipasn-worker recompute --year N [--rules FILE] [--agency CODE] [--dry-run]` (contracts §9).

Every employee's index (or one agency's employees') computed again from the statements stored,
never from Kafka, under that measurement year and rule set: a revision and an outbox row for
each index that changed (revision 1 for a year or rule version computed the first time), the
agencies' figures kept in step, and the outbox published as the worker publishes it.

The employees are read in NIP order, a chunk at a time (keyset pages on `employees`, a row
each; their statements or records in one query), one transaction a chunk that locks the chunk's
employees first, as the worker's transactions do: a worker running at the same time never
computes one employee at once with it, and whatever either commits, the other reads. Running it
again publishes nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial

from rich.console import Console

from schemas.rules import load_rules
from worker.bootstrap import Database, bootstrap
from worker.bootstrap.topics import require_topics
from worker.bootstrap.worker import tune_gc
from worker.commands.arguments import agency, database_url_flag, kafka_flags, positive
from worker.commands.progress import employees_progress
from worker.commands.recompute.pages import drain_left, recompute_all
from worker.commands.recompute.processes import Job, in_processes
from worker.commands.recompute.report import Report, dumps, render
from worker.commands.shutdown import Shutdown
from worker.config.settings import Settings
from worker.db.views.employees import count_nips, nip_pages
from worker.kafka import clients

CHUNK = 2000  # employees a transaction

DESCRIPTION = """\
Compute every employee's index again from the statements stored (never from Kafka) under a
measurement year and a rule set (--rules, default IPASN_RULES_FILE or the packaged
bkn-8-2019), or only the employees whose reconciled profile is of one agency (--agency). Each
index whose score, band or a dimension changed gets a revision (revision 1 for a year or rule
version computed the first time) and an asn.ipasn.recalculated event, the agencies' figures
follow, and the events are published as the worker publishes them. Reconciled records,
conflicts and snapshots are left as the worker keeps them. A second run publishes nothing.

--dry-run writes and publishes nothing (no broker needed) and shows what would change. Both
print the employees computed; the revisions written (or that would be) under the rules computed
(new, changed, withdrawn); and against the rules in use (IPASN_RULES_FILE: the current indexes
of the same year under that rule set, which a rule change is measured against) the indexes
changed, unchanged, new and withdrawn, a band-transition table (rows: the band under the rules
in use, or "no index"; columns: under the rules computed) and the ten agencies whose mean score
moves most (employees with an index under either, indexes changed, employees changing band,
mean score before, after and the change). A progress bar runs on a terminal, and a summary line
ends the run on stderr.

--json prints the same as one object: measurement_year, rule_version, agency, dry_run,
computed_from, employees, indexes {new, changed, withdrawn} (the revisions, as above),
compared_with {rule_version, changed, unchanged, new, withdrawn, none} (against the rules in
use; none: no index under either), transitions [{from, to, employees}] (from: under the rules
in use), agencies [{agency_code, employees, indexes_changed, band_changes, mean_score_before,
mean_score_after, mean_score_change}] (before: under the rules in use; null without an index
there), published {topic: events} and seconds.

Exit status: 0; 1 a database without the ipasn schema, or a failure (the chunks committed
stay, and their events are published by the next run or the worker); 2 a bad argument, or
an output topic missing (without --dry-run: it writes them as the worker does)."""


def _year(text: str) -> int:
    value = int(text)
    if not 2000 <= value <= 2100:
        raise argparse.ArgumentTypeError(f"{value} is not a measurement year (2000 to 2100)")
    return value


def _chunk(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 20_000:
        raise argparse.ArgumentTypeError(f"must be 1 to 20000, not {value}")
    return value


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=_year, required=True, help="the measurement year N")
    p.add_argument("--rules", help="a rules file (default IPASN_RULES_FILE, else bkn-8-2019)")
    p.add_argument("--agency", type=agency, help="only the employees of this agency")
    p.add_argument("--dry-run", action="store_true", help="write and publish nothing")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--chunk", type=_chunk, default=CHUNK, help="employees a transaction")
    p.add_argument(
        "--processes",
        type=positive,
        metavar="N",
        help="processes computing chunks side by side (default: a core each on PostgreSQL, "
        "up to 4; 1 on SQLite)",
    )
    database_url_flag(p)
    kafka_flags(p)


def run(args: argparse.Namespace, settings: Settings) -> int:
    Shutdown()  # a signal stops it at once: the chunk in hand is rolled back, the rest stays
    return run_recompute(args, settings, Console())


def run_recompute(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    rules_file = args.rules or settings.rules_file
    rules = load_rules(rules_file)
    # The worker's reconciled records were made under the rules in use: where the new rules
    # pick the same winners (the same precedence), the records are rescored as they are.
    in_use = load_rules(settings.rules_file)
    reconciled = rules.precedence == in_use.precedence
    # Without --dry-run the schema is brought up to date, as `run` does: the agencies' table
    # may be newer than the data.
    database: Database = "read" if args.dry_run else "upgrade"
    processes = args.processes or default_processes(settings)
    producer = None if args.dry_run else clients.WORKER
    if not args.dry_run:
        require_topics(settings, reads=False)  # the outputs its events and the outbox go to
    started = time.monotonic()
    with bootstrap(settings, database=database, producer=producer) as app:
        report = Report(
            args.year, rules.version, args.dry_run, args.agency, reconciled, in_use.version
        )
        total = partial(count_nips, app.engine, args.agency)
        with employees_progress(total, sys.stderr.isatty()) as step:
            if processes > 1:
                job = Job(
                    settings,
                    rules_file,
                    args.year,
                    args.dry_run,
                    args.agency,
                    reconciled,
                    in_use.version,
                )
                pages = nip_pages(app.engine, args.agency, args.chunk)
                in_processes(job, pages, processes, report, step)
                drain_left(None if args.dry_run else app.relay(), report)
            else:
                service = app.index_service(rules, args.year)
                tune_gc()
                relay = None if args.dry_run else app.relay()
                recompute_all(
                    service, app.engine, relay, report, args.chunk, step, reconciled=reconciled
                )
    report.seconds = time.monotonic() - started
    if args.json:
        print(dumps(report))
    else:
        render(report, console)
    print(report.summary(), file=sys.stderr)
    return 0


def default_processes(settings: Settings) -> int:
    """A process a core on PostgreSQL (up to four); one on SQLite, which has one writer."""
    if settings.database_url.get_secret_value().startswith("sqlite"):
        return 1
    return max(1, min(4, os.cpu_count() or 1))
