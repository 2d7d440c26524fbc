"""`ipasn-worker show NIP`: the reconciled record, the index, where each value came from, the
data stewards' overrides (who, why), the conflicts (open or closed, and the rule), and what
raises the index: the projected index for a target year T (--year, default the measurement year
+ 1), the options and the fewest of them to the next band (contracts §12)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from schemas.rules import load_rules
from worker.bootstrap import bootstrap
from worker.commands.arguments import database_flags, year
from worker.config.settings import Settings
from worker.db.engine import database_name
from worker.db.views.employees import employee_view
from worker.domain.agencies import BANDS
from worker.domain.model import DIMENSIONS, HISTORY_KINDS

DESCRIPTION = __doc__ or ""


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("nip")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--year", type=year, help="the target year T of the options (default: measurement year + 1)"
    )
    database_flags(p)


def run(args: argparse.Namespace, settings: Settings) -> int:
    rules = load_rules(settings.rules_file)
    with bootstrap(settings, database="read") as app:
        view = employee_view(app.engine, args.nip, settings.measurement_year, rules, args.year)
    if not view["records"] and view["index"] is None and not view["statements"]:
        name = database_name(settings.database_url.get_secret_value())
        print(f"ipasn-worker: no statements about that NIP in {name}", file=sys.stderr)
        return 1
    if args.json:
        print(dumps(view))
    else:
        render(view, Console())
    return 0


def _shown(value: object) -> str:
    """A cell as a person reads it: "-" where there is nothing (no previous index, a withdrawn
    one), never Python's None."""
    return "-" if value is None else str(value)


def _fields(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items() if v is not None)


def render(view: dict[str, Any], console: Console) -> None:
    console.print(
        f"[bold]NIP {view['nip']}[/]  measurement year {view['measurement_year']}, "
        f"rules {view['rule_version']}, {view['statements']} statements kept"
    )
    table = Table(title="Reconciled record", show_lines=False)
    table.add_column("kind", no_wrap=True)
    table.add_column("record", overflow="ellipsis", max_width=12, no_wrap=True)
    table.add_column("values", ratio=1, overflow="fold")
    table.add_column("source", no_wrap=True)
    table.add_column("event", overflow="ellipsis", max_width=14, no_wrap=True)
    order = {k: i for i, k in enumerate(("profile", "position", *HISTORY_KINDS))}
    for r in sorted(view["records"], key=lambda r: (order.get(r["kind"], 9), r["record_id"])):
        table.add_row(
            r["kind"], r["record_id"] or "-", _fields(r["values"]), r["source"], r["event_id"]
        )
    console.print(table)
    _render_index(view, console)
    render_improvement(view.get("improvement"), console)
    _render_overrides(view, console)
    _render_conflicts(view, console)


def _render_index(view: dict[str, Any], console: Console) -> None:
    index = view["index"]
    if index is None:
        console.print("No index: the employee needs a profile and a position.")
    elif index["score"] is None:
        console.print(
            f"Index withdrawn at revision {index['revision']} (profile or position deleted)."
        )
    else:
        dims = ", ".join(f"{d} {index[d]}" for d in DIMENSIONS)
        console.print(
            f"[bold]IP ASN {index['score']} ({index['band']})[/]: {dims}; "
            f"revision {index['revision']}, agency {index['agency_code']}"
        )
    if view["revisions"]:
        hist = Table(title="Revisions")
        for column in ("revision", "score", "band", "previous", "caused by"):
            hist.add_column(column, overflow="fold")
        for r in view["revisions"]:
            causes = ", ".join(f"{c['source']}/{c['id']}" for c in r["caused_by"])
            hist.add_row(
                str(r["revision"]),
                _shown(r["score"]),
                _shown(r["band"]),
                _shown(r["previous_score"]),
                causes or "-",
            )
        console.print(hist)


def render_improvement(found: dict[str, Any] | None, console: Console) -> None:
    """The projected index for T, the options and the set to the next band (contracts §12)."""
    if found is None:
        return
    year, projected = found["year"], found["projected"]
    dims = projected["dimensions"]
    console.print(
        f"[bold]Raising the index: {projected['score']} ({projected['band']}) projected for "
        f"{year}[/] with no new action: qualification {dims['qualification']}, competency "
        f"{dims['competency']}; performance {dims['performance']} (the appraisal of "
        f"{year - 1}) and discipline {dims['discipline']} are fixed for {year}."
    )
    options = found["options"]
    if not options:
        console.print(f"No option: every criterion that one action meets is met for {year}.")
        return
    # The dimension goes without a column (--json has it): the detail keeps room to be read.
    table = Table(title=f"Options for {year}")
    table.add_column("action", no_wrap=True)
    table.add_column("gain", justify="right", no_wrap=True)
    table.add_column("effort", no_wrap=True)
    table.add_column("detail", ratio=1, overflow="fold")
    for o in options:
        table.add_row(o["action"], f"+{o['gain']}", o["effort"], o["detail"])
    console.print(table)
    console.print(_next_band_line(found))


def _next_band_line(found: dict[str, Any]) -> str:
    chosen = found["to_next_band"]
    if chosen is None:
        top = found["projected"]["band"] == BANDS[0]
        return "To the next band: none, " + (
            "already the top band." if top else "not even every option together reaches it."
        )
    gains = {o["action"]: o["gain"] for o in found["options"]}
    total = sum(gains[action] for action in chosen)
    reached = found["projected"]["score"] + total
    return f"To the next band: {' + '.join(chosen)} (+{total:g} → {reached:g})."


def _render_overrides(view: dict[str, Any], console: Console) -> None:
    if view["overrides"]:
        table = Table(title="Overrides by data stewards")
        for column in ("time (UTC)", "kind", "record", "override", "actor", "reason"):
            table.add_column(column, overflow="fold")
        for o in view["overrides"]:
            pinned = f": {_fields(o['values'])}" if o["values"] else ""
            table.add_row(
                o["time"][:19].replace("T", " "),
                o["kind"],
                o["record_id"] or "-",
                o["operation"] + pinned,
                o["actor"] or "-",
                o["reason"] or "-",
            )
        console.print(table)


def _render_conflicts(view: dict[str, Any], console: Console) -> None:
    if view["conflicts"]:
        table = Table(title="Conflicts for a data steward")
        for column in ("kind", "record", "winner", "loser", "rule", "status"):
            table.add_column(column, overflow="fold")
        for c in view["conflicts"]:
            closed = f" {str(c['closed_at'])[:10]}: {c['closed_reason']}" if c["closed_at"] else ""
            table.add_row(
                c["kind"],
                c["record_id"] or "-",
                f"{c['winner_source']}: {_fields(c['winner_values'] or {}) or 'deleted'}",
                f"{c['loser_source']}: {_fields(c['loser_values'] or {}) or 'deleted'}",
                c["rule"] or "-",
                c["status"] + closed,
            )
        console.print(table)


def dumps(view: dict[str, Any]) -> str:
    return json.dumps(view, indent=2, ensure_ascii=False)
