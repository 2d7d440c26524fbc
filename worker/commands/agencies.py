"""`ipasn-worker agencies [--year N] [--json]`: each agency's figures (contracts §10).

Read from `agency_aggregates`, which the worker keeps from index changes: the employees with an
index, the mean score (two decimals, half up) and the count per band, for the measurement year
and the rule set in use.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, inspect, select

from schemas.rules import load_rules
from worker.config.settings import Settings
from worker.db.store.agencies import figures_of
from worker.db.tables import agency_aggregates
from worker.domain.agencies import BANDS, AgencyKey, Figures, as_data

DESCRIPTION = """\
Print each agency's figures for a measurement year (default IPASN_MEASUREMENT_YEAR) under the
rule set in use (IPASN_RULES_FILE): employees with an index, mean score, and how many in each
band, with the version last published on the agency topic. --json prints a list of the
agency events' data.

Exit status: 0; 1 a database without the ipasn schema; 2 a bad argument."""


def add_agencies_parser(commands: Any) -> None:
    p = commands.add_parser(
        "agencies",
        help="each agency's employees, mean score and bands",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--year", type=int, help="measurement year (IPASN_MEASUREMENT_YEAR)")
    p.add_argument("--json", action="store_true", help="a JSON list")
    p.add_argument("--database-url", help="SQLAlchemy URL (IPASN_DATABASE_URL)")


def figures(engine: Engine, year: int, rule_version: str) -> list[tuple[AgencyKey, Figures, int]]:
    """The agencies' figures of a year and rule version, in agency order; agencies left with
    no employee with an index are left out."""
    query = (
        select(agency_aggregates)
        .where(
            agency_aggregates.c.measurement_year == year,
            agency_aggregates.c.rule_version == rule_version,
            agency_aggregates.c.employees > 0,
        )
        .order_by(agency_aggregates.c.agency_code)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        ((r.agency_code, r.measurement_year, r.rule_version), figures_of(r), r.version)
        for r in rows
    ]


def render(found: list[tuple[AgencyKey, Figures, int]], year: int, console: Console) -> None:
    table = Table(title=f"Agencies, measurement year {year}")
    table.add_column("agency")
    table.add_column("employees", justify="right")
    table.add_column("mean", justify="right")
    for band in BANDS:
        table.add_column(band, justify="right")
    table.add_column("version", justify="right")
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


def show_agencies(args: argparse.Namespace, settings: Settings) -> int:
    from worker.db.engine import make_engine

    engine = make_engine(settings.database_url.get_secret_value())
    try:
        if not inspect(engine).has_table(agency_aggregates.name):
            print("ipasn-worker: no agency figures in this database yet "
                  "(ipasn-worker migrate, or run the worker)", file=sys.stderr)  # fmt: skip
            return 1
        year = args.year or settings.measurement_year
        found = figures(engine, year, load_rules(settings.rules_file).version)
    finally:
        engine.dispose()
    if args.json:
        data = [as_data(key, f, version) for key, f, version in found]
        print(json.dumps(data, default=_json, ensure_ascii=False, indent=2))
    elif found:
        render(found, year, Console())
    else:
        print(f"no agency has an employee with an index for {year}")
    return 0
