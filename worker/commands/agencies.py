"""`ipasn-worker agencies [--year N] [--json]`: each agency's figures (contracts §10).

Read from `agency_aggregates`, which the worker keeps from index changes: the employees with an
index, the mean score (two decimals, half up) and the count per band, for the measurement year
and the rule set in use.
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal

from rich import box
from rich.console import Console
from rich.table import Table

from schemas.rules import load_rules
from worker.bootstrap import bootstrap
from worker.commands.arguments import database_url_flag
from worker.config.settings import Settings
from worker.db.views.agencies import figures
from worker.domain.agencies import BANDS, AgencyKey, Figures, as_data

DESCRIPTION = """\
Print each agency's figures for a measurement year (default IPASN_MEASUREMENT_YEAR) under the
rule set in use (IPASN_RULES_FILE): employees with an index, mean score, and how many in each
band, with the version last published on the agency topic. --json prints a list of the
agency events' data.

Exit status: 0; 1 a database without the ipasn schema; 2 a bad argument."""


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, help="measurement year (IPASN_MEASUREMENT_YEAR)")
    p.add_argument("--json", action="store_true", help="a JSON list")
    database_url_flag(p)


def render(found: list[tuple[AgencyKey, Figures, int]], year: int, console: Console) -> None:
    # No vertical rules: nine columns of figures read whole at 80 columns; a long agency code
    # folds over lines, a figure never does.
    table = Table(
        title=f"Agencies, measurement year {year}",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),  # two spaces between columns: the rule's and this one
    )
    table.add_column("agency", overflow="fold")
    for column in ("employees", "mean", *(b.replace(" ", "\n") for b in BANDS), "version"):
        table.add_column(column, justify="right", no_wrap=True)
    for (agency, _, _), f, version in found:
        mean = f.mean_score
        table.add_row(
            agency,
            f"{f.employees:,}",
            "-" if mean is None else f"{mean}",
            *(f"{f.bands[b]:,}" for b in BANDS),
            str(version),
        )
    console.print(table)


def _json(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(type(value).__name__)


def run(args: argparse.Namespace, settings: Settings) -> int:
    year = args.year or settings.measurement_year
    rule_version = load_rules(settings.rules_file).version
    with bootstrap(settings, database="read") as app:
        found = figures(app.engine, year, rule_version)
    if args.json:
        data = [as_data(key, f, version) for key, f, version in found]
        print(json.dumps(data, default=_json, ensure_ascii=False, indent=2))
    elif found:
        render(found, year, Console())
    else:
        print(f"no agency has an employee with an index for {year}")
    return 0
