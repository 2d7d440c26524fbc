"""`ipasn-worker show NIP`: the reconciled record, the index, where each value came from, the
data stewards' overrides (who, why) and the conflicts (open or closed, and the rule)."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select

from worker.db.tables import conflicts, indexes, records, revisions, statements
from worker.domain.model import DIMENSIONS, HISTORY_KINDS
from worker.domain.rules import STEWARD


def _jsonable(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row._mapping.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif value is not None and type(value).__name__ == "Decimal":
            value = str(value)
        out[key] = value
    return out


def employee_view(engine: Engine, nip: str, year: int, rule_version: str) -> dict[str, Any]:
    with engine.connect() as conn:
        recs = conn.execute(
            select(records)
            .where(records.c.nip == nip)
            .order_by(records.c.kind, records.c.record_id)
        ).all()
        index = conn.execute(
            select(indexes).where(
                indexes.c.nip == nip,
                indexes.c.measurement_year == year,
                indexes.c.rule_version == rule_version,
            )
        ).first()
        history = conn.execute(
            select(revisions)
            .where(
                revisions.c.nip == nip,
                revisions.c.measurement_year == year,
                revisions.c.rule_version == rule_version,
            )
            .order_by(revisions.c.revision)
        ).all()
        found = conn.execute(
            select(conflicts).where(conflicts.c.nip == nip).order_by(conflicts.c.id)
        ).all()
        count = len(conn.execute(select(statements.c.id).where(statements.c.nip == nip)).all())
        steward = conn.execute(
            select(statements)
            .where(statements.c.nip == nip, statements.c.source == STEWARD)
            .order_by(statements.c.time, func.coalesce(statements.c.sequence, -1), statements.c.id)
        ).all()
    return {
        "nip": nip,
        "measurement_year": year,
        "rule_version": rule_version,
        "statements": count,
        "records": [_jsonable(r) for r in recs],
        "index": _jsonable(index) if index else None,
        "revisions": [_jsonable(r) for r in history],
        "conflicts": [_conflict(c) for c in found],
        "overrides": [_override(s) for s in steward],
    }


def _conflict(row: Any) -> dict[str, Any]:
    # Every column, `rule` and `closed_reason` included, and whether it is still open.
    found = _jsonable(row)
    found["status"] = "open" if row.closed_at is None else "closed"
    return found


def _override(row: Any) -> dict[str, Any]:
    """A steward's statement: what it pinned (or released), who decided and why."""
    operation = "release" if row.released else "delete" if row.deleted else "upsert"
    return {
        "time": row.time.isoformat(),
        "kind": row.kind,
        "record_id": row.record_id,
        "operation": operation,
        "values": row.values,
        "actor": row.actor,
        "reason": row.reason,
        "event_id": row.event_id,
    }


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
                str(r["score"]),
                str(r["band"]),
                str(r["previous_score"]),
                causes,
            )
        console.print(hist)


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
