"""`ipasn-worker quality`: data quality per source system, then per regional agency.

The figures: worker/domain/quality.py; how each is counted: worker/db/views/quality.py.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from worker.bootstrap import bootstrap
from worker.commands.arguments import database_url_flag
from worker.commands.screen import fits
from worker.config.settings import Settings
from worker.db.views.quality import measure
from worker.domain.model import KINDS
from worker.domain.quality import Quality, SourceQuality
from worker.domain.rules import REGIONAL_PREFIX

DESCRIPTION = """\
Data quality per source system (siasn, ekinerja, simpeg: all regional systems together,
steward), then per regional agency (simpeg:<agency>): the employees each spoke of; completeness
per kind, the share of those employees of whom it sent at least one upsert of the kind ("-": it
sent nothing of that kind); the event age on arrival (received - event time), median and 95th
percentile; and the conflicts it won and lost (open ones, and all). --json prints all of it.

Exit status: 0; 1 a database without the ipasn schema."""

SHORT = {
    "profile": "profile",
    "position": "position",
    "education": "educ.",
    "training": "training",
    "performance": "perf.",
    "discipline": "discip.",
}


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON")
    database_url_flag(p)


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86_400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} d"


def percent(q: SourceQuality, kind: str) -> str:
    ratio = q.completeness(kind)
    if ratio is None or kind not in q.kinds_sent:
        return "-"
    return f"{ratio:.1%}"


def _table(title: str, first: str, rows: Iterable[tuple[str, SourceQuality]]) -> Table:
    """Every figure in a column of its own: where the terminal has the room."""
    table = Table(title=title, title_justify="left")
    table.add_column(first, overflow="fold")
    table.add_column("employees", justify="right", no_wrap=True)
    for kind in KINDS:
        table.add_column(SHORT[kind], justify="right", no_wrap=True)
    for column in ("age p50", "age p95", "won open/all", "lost open/all"):
        table.add_column(column, justify="right", no_wrap=True)
    for name, q in rows:
        table.add_row(name, f"{q.employees:,}", *_completeness(q), *_ages_and_conflicts(q))
    return table


def _completeness(q: SourceQuality) -> list[str]:
    return [percent(q, k) for k in KINDS]


def _ages_and_conflicts(q: SourceQuality) -> list[str]:
    return [
        duration(q.age(0.5)),
        duration(q.age(0.95)),
        f"{q.won_open:,}/{q.won:,}",
        f"{q.lost_open:,}/{q.lost:,}",
    ]


def _split(title: str, first: str, rows: list[tuple[str, SourceQuality]]) -> list[Table]:
    """The same figures in two tables, each whole at 80 columns: completeness, then the
    employees, event ages and conflicts."""
    completeness = Table(title=f"{title}: completeness", title_justify="left")
    completeness.add_column(first, overflow="fold")
    for kind in KINDS:
        completeness.add_column(SHORT[kind], justify="right", no_wrap=True)
    rest = Table(title=f"{title}: event age, conflicts", title_justify="left")
    rest.add_column(first, overflow="fold")
    for column in ("employees", "age p50", "age p95", "won open/all", "lost open/all"):
        rest.add_column(column, justify="right", no_wrap=True)
    for name, q in rows:
        completeness.add_row(name, *_completeness(q))
        rest.add_row(name, f"{q.employees:,}", *_ages_and_conflicts(q))
    return [completeness, rest]


def tables(title: str, first: str, rows: Iterable[tuple[str, SourceQuality]], console: Console
           ) -> list[Table]:  # fmt: skip
    """One table where the terminal has the room for it, else two."""
    rows = list(rows)
    whole = _table(title, first, rows)
    return [whole] if fits(whole, console) else _split(title, first, rows)


def render(quality: Quality, console: Console) -> None:
    systems = quality.systems.items()
    found = tables("Data quality by source system", "system", systems, console)
    agencies = [(code.removeprefix(REGIONAL_PREFIX), q) for code, q in quality.agencies.items()]
    if agencies:
        found += tables("Regional systems (simpeg:<agency>)", "agency", agencies, console)
    for table in found:
        console.print(table)
    console.print(
        "completeness (%): employees of whom the source sent at least one upsert of the kind; "
        "age: event time to arrival",
        highlight=False,
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    with bootstrap(settings, database="read") as app:
        quality = measure(app.engine)
    if args.json:
        print(json.dumps(as_json(quality), indent=2, ensure_ascii=False))
        return 0
    render(quality, Console())
    return 0


def source_json(q: SourceQuality) -> dict[str, Any]:
    return {
        "source": q.source,
        "employees": q.employees,
        "completeness": {k: q.completeness(k) for k in KINDS},
        "employees_with_upsert": {k: q.upserted.get(k, 0) for k in KINDS},
        "kinds_sent": [k for k in KINDS if k in q.kinds_sent],
        "event_age_seconds": {
            "statements": sum(q.ages.values()),
            "median": q.age(0.5),
            "p95": q.age(0.95),
        },
        "conflicts": {
            "won": {"open": q.won_open, "all": q.won},
            "lost": {"open": q.lost_open, "all": q.lost},
        },
    }


def as_json(quality: Quality) -> dict[str, Any]:
    return {
        "systems": [source_json(q) for q in quality.systems.values()],
        "agencies": [
            {"agency_code": code.removeprefix(REGIONAL_PREFIX), **source_json(q)}
            for code, q in quality.agencies.items()
        ],
    }
