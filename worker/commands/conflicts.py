"""`ipasn-worker conflicts`: the data stewards' queue of disagreements between sources.

Oldest first (`detected_at`, then `id`); open ones by default, closed ones too with `--all`.
The database filters, orders and limits: open conflicts come off the partial index
`ix_conflicts_open` in order, and an employee's reconciled profile (for the agency) is joined
row by row on its primary key, so a page costs about its own size whatever the table holds.
Only `--agency` makes the count of what is left over join the profiles too.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, Select, and_, func, inspect, or_, select
from sqlalchemy.engine import make_url

from worker.config.settings import Settings
from worker.db.tables import conflicts, records
from worker.domain.model import KINDS

DESCRIPTION = """\
List the conflicts between sources for data stewards, oldest first: when detected, the full
NIP, the employee's agency (of the reconciled profile), the record, the winning and the losing
source with the fields where they differ, the rule that decided and the status. Open ones by
default; --all adds the closed ones, with when and why they closed (superseded: a newer
statement replaced one side; agrees: the sources now agree; steward: an override decides).
--json prints every field, values in full.

Exit status: 0, also when none match; 1 a database without the ipasn schema; 2 a bad
argument."""

TABLE_LIMIT = 50
SOURCE = re.compile(r"^(siasn|ekinerja|steward|simpeg|simpeg:[A-Za-z0-9]{1,40})$")
AGENCY = re.compile(r"^[A-Za-z0-9]{1,40}$")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _source(text: str) -> str:
    if not SOURCE.match(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not siasn, ekinerja, steward, simpeg or simpeg:<agency_code>"
        )
    return text


def _agency(text: str) -> str:
    if not AGENCY.match(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an agency code (1 to 40 letters, digits)"
        )
    return text


def add_database_url(p: argparse.ArgumentParser) -> None:
    p.add_argument("--database-url", help="SQLAlchemy URL (IPASN_DATABASE_URL)")


def add_conflicts_parser(commands: Any) -> None:
    p = commands.add_parser(
        "conflicts",
        help="the data stewards' queue: conflicts between sources, oldest first",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--agency", type=_agency, metavar="CODE", help="employees of this agency (their profile)"
    )
    p.add_argument("--kind", choices=KINDS, metavar="KIND", help=f"one of {', '.join(KINDS)}")
    p.add_argument(
        "--source",
        type=_source,
        metavar="S",
        help="on either side: siasn, ekinerja, steward, simpeg:<agency>, or simpeg (any)",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--open", dest="closed", action="store_false", help="only open ones (the default)"
    )
    which.add_argument("--all", dest="closed", action="store_true", help="closed ones too")
    p.set_defaults(closed=False)
    p.add_argument("--json", action="store_true", help="print JSON: every field, values in full")
    p.add_argument(
        "--limit",
        type=_positive,
        metavar="N",
        help=f"at most N (default {TABLE_LIMIT} on the table, all with --json)",
    )
    add_database_url(p)


def reader_engine(settings: Settings) -> Engine | None:
    """The configured database, or None after one line on stderr saying why not."""
    from worker.db.engine import make_engine

    url = settings.database_url.get_secret_value()
    engine = make_engine(url)
    schema = inspect(engine)
    columns = schema.get_columns("conflicts") if schema.has_table("conflicts") else []
    if any(c["name"] == "closed_at" for c in columns):
        return engine
    engine.dispose()
    name = make_url(url).render_as_string(hide_password=True)
    why = "an older ipasn schema" if columns else "no ipasn schema yet"
    print(
        f"ipasn-worker: {name} has {why} (ipasn-worker migrate, or run the worker)", file=sys.stderr
    )
    return None


@dataclass(frozen=True)
class Filters:
    agency: str | None = None
    kind: str | None = None
    source: str | None = None  # an exact source, or "simpeg": any regional one
    closed: bool = False  # closed conflicts too


# The employee's reconciled profile, for the agency.
profile = records.alias("profile")


def _where(f: Filters) -> list[Any]:
    where: list[Any] = []
    if not f.closed:
        where.append(conflicts.c.closed_at.is_(None))
    if f.kind:
        where.append(conflicts.c.kind == f.kind)
    if f.source == "simpeg":
        sides = [
            conflicts.c.winner_source.like("simpeg:%"),
            conflicts.c.loser_source.like("simpeg:%"),
        ]
        where.append(or_(*sides))
    elif f.source:
        where.append(
            or_(conflicts.c.winner_source == f.source, conflicts.c.loser_source == f.source)
        )
    if f.agency:
        where.append(profile.c["values"]["agency_code"].as_string() == f.agency)
    return where


def _joined(query: Select[Any], *, outer: bool) -> Select[Any]:
    on = and_(
        profile.c.nip == conflicts.c.nip, profile.c.kind == "profile", profile.c.record_id == ""
    )
    return query.select_from(conflicts.join(profile, on, isouter=outer))


def page_query(f: Filters, limit: int | None) -> Select[Any]:
    query = select(conflicts, profile.c["values"].label("profile_values"))
    query = _joined(query, outer=not f.agency).where(*_where(f))
    query = query.order_by(conflicts.c.detected_at, conflicts.c.id)
    return query if limit is None else query.limit(limit)


def count_query(f: Filters) -> Select[Any]:
    query = select(func.count()).where(*_where(f))
    return _joined(query, outer=False) if f.agency else query.select_from(conflicts)


def conflict_json(row: Any) -> dict[str, Any]:
    """One conflict as --json prints it (`record_id` null for profile and position)."""
    agency = (row.profile_values or {}).get("agency_code")
    return {
        "id": row.id,
        "detected_at": _iso(row.detected_at),
        "nip": row.nip,
        "agency_code": agency,
        "kind": row.kind,
        "record_id": row.record_id or None,
        "winner": side(row, "winner"),
        "loser": side(row, "loser"),
        "rule": row.rule,
        "status": "open" if row.closed_at is None else "closed",
        "closed_at": _iso(row.closed_at),
        "closed_reason": row.closed_reason,
    }


def side(row: Any, which: str) -> dict[str, Any]:
    mapping = row._mapping
    return {
        "source": mapping[f"{which}_source"],
        "event_id": mapping[f"{which}_event_id"],
        "values": mapping[f"{which}_values"],
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def differing(winner: Mapping[str, Any] | None, loser: Mapping[str, Any] | None) -> tuple[str, str]:
    """The two sides' values, only the fields where they differ ("deleted" for no values)."""
    if winner is None or loser is None:
        return fields(winner), fields(loser)
    keys = [k for k in dict.fromkeys([*winner, *loser]) if winner.get(k) != loser.get(k)]
    return fields({k: winner.get(k) for k in keys}), fields({k: loser.get(k) for k in keys})


def fields(values: Mapping[str, Any] | None) -> str:
    if values is None:
        return "deleted"
    return ", ".join(f"{k}={'-' if v is None else v}" for k, v in values.items()) or "(same)"


def status(c: Mapping[str, Any]) -> str:
    if c["status"] == "open":
        return "open"
    return f"{c['closed_reason']}, {str(c['closed_at'])[:10]}"  # closed: why and when


def render(found: list[dict[str, Any]], console: Console) -> None:
    table = Table(title="Conflicts for data stewards, oldest first", title_justify="left")
    for column in ("detected (UTC)", "NIP", "agency", "kind"):
        table.add_column(column, no_wrap=True)
    for column in ("record", "winner", "loser", "rule"):
        table.add_column(column, overflow="fold")
    table.add_column("status", no_wrap=True)
    for c in found:
        winner, loser = differing(c["winner"]["values"], c["loser"]["values"])
        table.add_row(
            c["detected_at"][:16].replace("T", " "),
            c["nip"],
            c["agency_code"] or "-",
            c["kind"],
            c["record_id"] or "-",
            f"{c['winner']['source']}: {winner}",
            f"{c['loser']['source']}: {loser}",
            c["rule"] or "-",
            status(c),
        )
    console.print(table)


def _rows(engine: Engine, f: Filters, limit: int | None) -> Iterator[dict[str, Any]]:
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=1000).execute(page_query(f, limit))
        for row in result:
            yield conflict_json(row)


def _left_over(engine: Engine, f: Filters, shown: int, limit: int | None) -> int:
    if limit is None or shown < limit:
        return 0  # the page was not full: nothing more
    with engine.connect() as conn:
        # At least 0: conflicts may have closed since the page was read.
        return max(0, int(conn.execute(count_query(f)).scalar_one()) - shown)


def list_conflicts(args: argparse.Namespace, settings: Settings) -> int:
    engine = reader_engine(settings)
    if engine is None:
        return 1
    f = Filters(args.agency, args.kind, args.source, args.closed)
    limit = args.limit if args.limit or args.json else TABLE_LIMIT
    shown = 0
    try:
        if args.json:
            # One object a line inside the list: valid JSON, streamed however many there are.
            print("[", end="")
            for shown, c in enumerate(_rows(engine, f, limit), 1):
                print(("\n" if shown == 1 else ",\n") + json.dumps(c, ensure_ascii=False), end="")
            print("\n]" if shown else "]")
        else:
            found = list(_rows(engine, f, limit))
            shown = len(found)
            console = Console(width=max(Console().width, 150))  # rows not squeezed
            if found:
                render(found, console)
            else:
                none = "no conflicts" if f.closed else "no open conflicts"
                filtered = f.agency or f.kind or f.source
                console.print(none + (" match these filters" if filtered else ""))
        more = _left_over(engine, f, shown, limit)
    finally:
        engine.dispose()
    if more:
        print(f"{more:,} more; --limit to see them", file=sys.stderr if args.json else sys.stdout)
    return 0
