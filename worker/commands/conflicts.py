"""`ipasn-worker conflicts`: the data stewards' queue of disagreements between sources.

Oldest first (`detected_at`, then `id`); open ones by default, closed ones too with `--all`.
The queries: worker/db/views/conflicts.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from worker.bootstrap import Adapters, bootstrap
from worker.commands.arguments import agency, database_url_flag, positive, source
from worker.config.settings import Settings
from worker.db.views.conflicts import Filters, conflict_rows, left_over
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
TITLE = "Conflicts for data stewards, oldest first"
WIDE = 150  # from this many columns, a column each: rows not squeezed


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--agency", type=agency, metavar="CODE", help="employees of this agency (their profile)"
    )
    p.add_argument("--kind", choices=KINDS, metavar="KIND", help=f"one of {', '.join(KINDS)}")
    p.add_argument(
        "--source",
        type=source,
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
        type=positive,
        metavar="N",
        help=f"at most N (default {TABLE_LIMIT} on the table, all with --json)",
    )
    database_url_flag(p)


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


def _row(c: Mapping[str, Any]) -> dict[str, str]:
    winner, loser = differing(c["winner"]["values"], c["loser"]["values"])
    return {
        "detected": c["detected_at"][:16].replace("T", " "),
        "nip": c["nip"],
        "agency": c["agency_code"] or "-",
        "kind": c["kind"],
        "record": c["record_id"] or "-",
        "winner": f"{c['winner']['source']}: {winner}",
        "loser": f"{c['loser']['source']}: {loser}",
        "rule": c["rule"] or "-",
        "status": status(c),
    }


def _wide(rows: list[dict[str, str]]) -> Table:
    """A column each: where the terminal has the room."""
    table = Table(title=TITLE, title_justify="left")
    for column in ("detected (UTC)", "NIP", "agency", "kind", "record", "winner", "loser",
                   "rule", "status"):  # fmt: skip
        # Folded where long: an agency code of 40, a record id, the values; never cut.
        folds = column not in ("detected (UTC)", "NIP", "kind", "status")
        table.add_column(column, overflow="fold", no_wrap=not folds)
    for r in rows:
        table.add_row(*(Text(r[k]) for k in ("detected", "nip", "agency", "kind", "record",
                                             "winner", "loser", "rule", "status")))  # fmt: skip
    return table


def _stacked(rows: list[dict[str, str]]) -> Table:
    """Three columns, the figures of each stacked: whole at 80 columns."""
    table = Table(title=TITLE, title_justify="left", show_lines=True)
    table.add_column("detected (UTC)\nNIP\nagency\nstatus", overflow="fold", min_width=18)
    table.add_column("kind\nrecord", overflow="fold", max_width=18)
    table.add_column("winner\nloser\nrule", overflow="fold")
    for r in rows:
        table.add_row(
            Text("\n".join((r["detected"], r["nip"], r["agency"], r["status"]))),
            Text(f"{r['kind']}\n{r['record']}"),
            Text.assemble(f"{r['winner']}\n{r['loser']}\n", ("rule: ", "dim"), r["rule"]),
        )
    return table


def render(found: list[dict[str, Any]], console: Console) -> None:
    """A column each on a terminal of WIDE columns or more, else stacked; values whole."""
    rows = [_row(c) for c in found]
    console.print(_wide(rows) if console.width >= WIDE else _stacked(rows))


def run(args: argparse.Namespace, settings: Settings) -> int:
    f = Filters(args.agency, args.kind, args.source, args.closed)
    limit = args.limit if args.limit or args.json else TABLE_LIMIT
    with bootstrap(settings, database="read") as app:
        shown = _print_json(app, f, limit) if args.json else _print_table(app, f, limit)
        more = left_over(app.engine, f, shown, limit)
    if more:
        print(f"{more:,} more; --limit to see them", file=sys.stderr if args.json else sys.stdout)
    return 0


def _print_json(app: Adapters, f: Filters, limit: int | None) -> int:
    """One object a line inside the list: valid JSON, streamed however many there are."""
    shown = 0
    print("[", end="")
    for shown, c in enumerate(conflict_rows(app.engine, f, limit), 1):
        print(("\n" if shown == 1 else ",\n") + json.dumps(c, ensure_ascii=False), end="")
    print("\n]" if shown else "]")
    return shown


def _print_table(app: Adapters, f: Filters, limit: int | None) -> int:
    found = list(conflict_rows(app.engine, f, limit))
    console = Console()
    if found:
        render(found, console)
    else:
        none = "no conflicts" if f.closed else "no open conflicts"
        filtered = f.agency or f.kind or f.source
        console.print(none + (" match these filters" if filtered else ""))
    return len(found)
