"""`ipasn-worker quality`: data quality per source system, then per regional agency.

The figures and how each is counted: worker/db/views/quality.py.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from worker.commands.conflicts import add_database_url, reader_engine
from worker.config.settings import Settings
from worker.db.views.quality import REGIONAL, SourceQuality, as_json, measure
from worker.domain.model import KINDS

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


def add_quality_parser(commands: Any) -> None:
    p = commands.add_parser(
        "quality",
        help="data quality per source system and regional agency",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    add_database_url(p)


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
    table = Table(title=title, title_justify="left")
    table.add_column(first)
    table.add_column("employees", justify="right")
    for kind in KINDS:
        table.add_column(SHORT[kind], justify="right")
    for column in ("age p50", "age p95"):
        table.add_column(column, justify="right")
    for column in ("won open/all", "lost open/all"):
        table.add_column(column, justify="right", no_wrap=True)
    for name, q in rows:
        table.add_row(
            name,
            f"{q.employees:,}",
            *(percent(q, k) for k in KINDS),
            duration(q.age(0.5)),
            duration(q.age(0.95)),
            f"{q.won_open:,}/{q.won:,}",
            f"{q.lost_open:,}/{q.lost:,}",
        )
    return table


def show_quality(args: argparse.Namespace, settings: Settings) -> int:
    engine = reader_engine(settings)
    if engine is None:
        return 1
    try:
        quality = measure(engine)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(as_json(quality), indent=2, ensure_ascii=False))
        return 0
    console = Console(width=max(Console().width, 150))  # tables not wrapped
    systems = quality.systems.items()
    console.print(_table("Data quality by source system (completeness %)", "system", systems))
    agencies = [(code.removeprefix(REGIONAL), q) for code, q in quality.agencies.items()]
    if agencies:
        console.print(_table("Regional systems (simpeg:<agency>)", "agency", agencies))
    console.print(
        "completeness: employees of whom the source sent at least one upsert of the kind; "
        "age: event time to arrival",
        highlight=False,
    )
    return 0
