"""`ipasn-worker plan [--agency CODE] [--year T] [--json]`: what raises the indexes (contracts §12).

Read-only, from the reconciled records the worker keeps (the `records` table), never from
Kafka: the employees with a profile (of one agency, or of every one) a page at a time in NIP
order, each page's records in one query, as recompute reads them; only the counts are kept, so
a million employees pass through in bounded memory.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from schemas.rules import load_rules
from worker.bootstrap import bootstrap
from worker.bootstrap.worker import tune_gc
from worker.commands import CommandError
from worker.commands.arguments import agency, database_flags, year
from worker.commands.progress import employees_progress
from worker.commands.shutdown import Shutdown
from worker.config.settings import Settings
from worker.db.engine import Engine
from worker.db.views.employees import count_with_profile, json_numbers, reconciled_pages
from worker.domain.agencies import BANDS
from worker.domain.improvement import EFFORT, improvement
from worker.domain.plan import Plan, as_data
from worker.domain.rules import RuleSet

PAGE = 2000  # employees a query
BAR = 14  # characters of the longest bar

DESCRIPTION = """\
What raises the indexes of an agency's employees (--agency) or of every agency's, for a target
year T (--year, default the measurement year + 1), from the reconciled records stored: per
action, the employees it is open to, those it alone lifts at least one band, and its mean gain
over those it is open to; and how many employees fall in each band now (the index projected for
T with no new action) and if every short option were taken. --json prints it as JSON. Reads
only; a progress bar runs on a terminal.

Exit status: 0; 1 a database without the ipasn schema; 2 a bad argument, or an agency no
employee's profile names."""


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--agency", type=agency, help="only the employees of this agency")
    p.add_argument("--year", type=year, help="the target year T (default: measurement year + 1)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    database_flags(p)


def run(args: argparse.Namespace, settings: Settings) -> int:
    Shutdown()  # a signal stops it at once: nothing is written
    rules = load_rules(settings.rules_file)
    target = args.year or settings.measurement_year + 1
    with bootstrap(settings, database="read") as app:
        total = count_with_profile(app.engine, args.agency)
        if args.agency is not None and not total:
            raise CommandError(f"no employee's reconciled profile is of agency {args.agency}")
        tune_gc()
        with employees_progress(lambda: total, sys.stderr.isatty()) as step:
            plan = planned(app.engine, rules, target, args.agency, step)
    if args.json:
        print(json.dumps(json_numbers(as_data(plan)), indent=2, ensure_ascii=False))
    else:
        render(plan, rules.version, Console())
    return 0


def planned(
    engine: Engine,
    rules: RuleSet,
    target: int,
    agency_code: str | None,
    advance: Callable[[int], None] = lambda _: None,
) -> Plan:
    """Every employee's options for the target year, counted a page at a time."""
    plan = Plan(target, agency_code)
    for page in reconciled_pages(engine, agency_code, PAGE):
        for resolution in page:
            found = improvement(resolution, target, rules)
            if found is not None:
                plan.add(found, rules)
        advance(len(page))
    return plan


def render(plan: Plan, rule_version: str, console: Console) -> None:
    scope = f"agency {plan.agency}" if plan.agency else "every agency"
    console.print(
        f"[bold]What raises the indexes in {plan.year}[/]: {scope}, {plan.employees:,} "
        f"employees with an index, rules {rule_version}"
    )
    actions = Table(title=f"Options for {plan.year}")
    actions.add_column("action", no_wrap=True)
    actions.add_column("effort", no_wrap=True)
    actions.add_column("open to", justify="right", no_wrap=True)
    actions.add_column("lifts a band", justify="right", no_wrap=True)
    actions.add_column("mean gain", justify="right", no_wrap=True)
    for action, tally in plan.actions.items():
        mean = tally.mean_gain
        actions.add_row(
            action,
            EFFORT[action],
            f"{tally.open:,}",
            f"{tally.lifts_band:,}",
            "-" if mean is None else f"+{mean}",
        )
    console.print(actions)
    console.print(_bands(plan))


def _bands(plan: Plan) -> Table:
    most = max([*plan.bands_now.values(), *plan.bands_if_short.values(), 1])
    table = Table(title=f"Bands in {plan.year}: now, and if every short option were taken")
    table.add_column("band", no_wrap=True)
    table.add_column("now", no_wrap=True)
    table.add_column("if short", no_wrap=True)
    for band in BANDS:
        table.add_row(
            band, _counted(plan.bands_now[band], most), _counted(plan.bands_if_short[band], most)
        )
    return table


def _counted(n: int, most: int) -> str:
    return f"{n:>9,} {bar(n, most, BAR):<{BAR}}"


def bar(n: int, most: int, width: int) -> str:
    """n of most as a bar of `width` characters at most, in eighths of a character; anything
    above nothing shows at least an eighth."""
    eighths = -(-n * width * 8 // most) if n else 0
    full, part = divmod(eighths, 8)
    return "█" * full + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[part]
