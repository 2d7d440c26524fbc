"""The `statements` table: every statement ever received, and the employees' locks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from sys import intern
from typing import Any, cast

from worker.db.store.dialects import Writes
from worker.db.tables import statements
from worker.domain.model import Kind, Statement, shared_values
from worker.pipeline.ports import Origin

STATEMENT_COLUMNS = [c.name for c in statements.columns if c.name != "id"]
# (source, event_id) de-duplicates redelivery.
_UNIQUE = ("source", "event_id")


def statement_of(row: Any) -> Statement:
    """The statement of a `statements` row, its repeated texts shared (as decode() shares them)."""
    values = None if row.deleted else row.values
    return _shared(row.nip, row.source, row.kind, row.record_id, row.event_id, row.time,
                   row.sequence, values, row.actor, row.reason, row.released)  # fmt: skip


def _shared(
    nip: str, source: str, kind: str, record_id: str | None, event_id: str, time: datetime,
    sequence: int | None, values: dict[str, Any] | None, actor: str | None, reason: str | None,
    released: bool,
) -> Statement:  # fmt: skip
    return Statement(
        intern(nip), intern(source), cast(Kind, intern(kind)), record_id, event_id, time,
        sequence, None if values is None else shared_values(values), actor, reason, released,
    )  # fmt: skip


def lock_employees(writes: Writes, nips: Iterable[str]) -> None:
    """Hold these employees until the transaction ends (see Writes.lock_employees)."""
    every = sorted(set(nips))
    if every:
        writes.lock_employees(every)


def add(
    writes: Writes, incoming: Sequence[tuple[Statement, Origin]], now: datetime
) -> tuple[list[Statement], dict[str, int]]:
    """Store statements not seen before; return those, in the order given, and the versions
    of their employees, who are locked first (Writes.lock_employees_adding)."""
    every = sorted({s.nip for s, _ in incoming})
    versions = writes.lock_employees_adding(every) if every else {}
    unique: dict[tuple[str, str], tuple[Statement, Origin]] = {}
    for s, origin in incoming:
        unique.setdefault((s.source, s.event_id), (s, origin))
    rows = [_statement_row(s, o, now) for s, o in unique.values()]
    stored = writes.insert_new(statements, STATEMENT_COLUMNS, rows, _UNIQUE) if rows else set()
    return [s for key, (s, _) in unique.items() if key in stored], versions


def read_latest(writes: Writes, nips: Iterable[str]) -> dict[str, list[Statement]]:
    """Each source's latest statement about each record of these employees, by recency()'s
    order (worker/domain/model.py; Writes.read_statements). Only these count (rule 1), and
    reading only these keeps what an employee costs to read bounded by their records, however
    often they were corrected. Repeated texts shared, as decode() shares them."""
    found: dict[str, list[Statement]] = defaultdict(list)
    for row in writes.read_statements(nips):
        found[row[0]].append(_shared(*row))
    return found


def _statement_row(s: Statement, origin: Origin, now: datetime) -> dict[str, Any]:
    return {
        "nip": s.nip,
        "source": s.source,
        "event_id": s.event_id,
        "kind": s.kind,
        "record_id": s.record_id,
        "time": s.time,
        "sequence": s.sequence,
        "deleted": s.values is None,
        "values": None if s.values is None else dict(s.values),
        "topic": origin.topic,
        "partition": origin.partition,
        "offset": origin.offset,
        "received_at": now,
        "actor": s.actor,
        "reason": s.reason,
        "released": s.released,
    }
