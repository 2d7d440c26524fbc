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


def run(args: argparse.Namespace, settings: Settings) -> int:
    with bootstrap(settings, database="read") as app:
        quality = measure(app.engine)
    if args.json:
        print(json.dumps(as_json(quality), indent=2, ensure_ascii=False))
        return 0
    console = Console(width=max(Console().width, 150))  # tables not wrapped
    systems = quality.systems.items()
    console.print(_table("Data quality by source system (completeness %)", "system", systems))
    agencies = [(code.removeprefix(REGIONAL_PREFIX), q) for code, q in quality.agencies.items()]
    if agencies:
        console.print(_table("Regional systems (simpeg:<agency>)", "agency", agencies))
    console.print(
        "completeness: employees of whom the source sent at least one upsert of the kind; "
        "age: event time to arrival",
        highlight=False,
    )
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
