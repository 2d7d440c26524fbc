"""The `conflicts` table: disagreements between sources, each recorded once, open or closed."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, bindparam, select, update

from worker.db.store.dialects import Writes
from worker.db.tables import conflicts
from worker.domain.model import Conflict, Kind

CONFLICT_COLUMNS = [c.name for c in conflicts.columns if c.name != "id"]
CONFLICT_KEY = [
    "nip", "kind", "record_id", "winner_source", "winner_event_id", "loser_source", "loser_event_id"
]  # fmt: skip


def conflict_of(row: Any) -> Conflict:
    return Conflict(
        nip=row.nip,
        kind=cast(Kind, row.kind),
        record_id=row.record_id or None,
        winner_source=row.winner_source,
        winner_event_id=row.winner_event_id,
        winner_values=row.winner_values,
        loser_source=row.loser_source,
        loser_event_id=row.loser_event_id,
        loser_values=row.loser_values,
        rule=row.rule or "",
    )


def add(writes: Writes, found: Sequence[Conflict], now: datetime) -> dict[str, int]:
    """Store the conflicts not stored yet and open again those closed; return how many
    were stored, by record kind."""
    rows = [_conflict_row(c, now) for c in found]
    if not rows:
        return {}
    added = writes.insert_new(conflicts, CONFLICT_COLUMNS, rows, CONFLICT_KEY)
    again = [row for row in rows if tuple(row[k] for k in CONFLICT_KEY) not in added]
    if again:  # recorded before and closed since: open again
        reopen = _by_conflict_key(conflicts.c.closed_at.is_not(None)).values(
            closed_at=None, closed_reason=None
        )
        writes.conn.execute(reopen, [_conflict_key_params(row) for row in again])
    at = CONFLICT_KEY.index("kind")
    return dict(Counter(key[at] for key in added))


def read_open(writes: Writes, nips: Iterable[str]) -> dict[str, list[Conflict]]:
    found: dict[str, list[Conflict]] = defaultdict(list)
    for condition, params in writes.text_lists(conflicts.c.nip, nips):
        query = select(conflicts).where(condition, conflicts.c.closed_at.is_(None))
        for row in writes.conn.execute(query, params):
            found[row.nip].append(conflict_of(row))
    return found


def close(writes: Writes, closing: Sequence[tuple[Conflict, str]], now: datetime) -> None:
    if not closing:
        return
    stmt = _by_conflict_key(conflicts.c.closed_at.is_(None)).values(
        closed_at=bindparam("b_closed_at"), closed_reason=bindparam("b_closed_reason")
    )
    params = [
        {
            **_conflict_key_params(_conflict_key_row(c)),
            "b_closed_at": now,
            "b_closed_reason": reason,
        }
        for c, reason in closing
    ]
    writes.conn.execute(stmt, params)


def _conflict_row(c: Conflict, now: datetime) -> dict[str, Any]:
    return {
        "nip": c.nip,
        "kind": c.kind,
        "record_id": c.record_id or "",
        "winner_source": c.winner_source,
        "winner_event_id": c.winner_event_id,
        "winner_values": _json(c.winner_values),
        "loser_source": c.loser_source,
        "loser_event_id": c.loser_event_id,
        "loser_values": _json(c.loser_values),
        "detected_at": now,
        "rule": c.rule or None,
        "closed_at": None,
        "closed_reason": None,
    }


def _conflict_key_row(c: Conflict) -> dict[str, Any]:
    return {
        "nip": c.nip,
        "kind": c.kind,
        "record_id": c.record_id or "",
        "winner_source": c.winner_source,
        "winner_event_id": c.winner_event_id,
        "loser_source": c.loser_source,
        "loser_event_id": c.loser_event_id,
    }


def _by_conflict_key(condition: ColumnElement[bool]) -> Any:
    """An UPDATE of the conflict whose key is given as parameters b_<column> (executemany)."""
    return update(conflicts).where(
        *(conflicts.c[k] == bindparam(f"b_{k}") for k in CONFLICT_KEY), condition
    )


def _conflict_key_params(row: dict[str, Any]) -> dict[str, Any]:
    return {f"b_{k}": row[k] for k in CONFLICT_KEY}


def _json(values: Any) -> Any:
    return None if values is None else dict(values)
