"""The `outbox` table: events to publish after the transaction, in id order.

Revisions, snapshots and agency figures all write their events through `add`. A row leaves the
table once its event is sent: claimed and deleted by the worker that wrote it (it publishes
them from memory), or read back and deleted by a relay (`unsent`). Rows are never rewritten.
A worker of an older version marks its sent rows (`sent_at`) instead; they count as sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence, Set
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, select

from worker.db.store.dialects import Writes, writes_for
from worker.db.tables import outbox
from worker.pipeline.ports import OutboxEvent, OutboxRow

OUTBOX_COLUMNS = ("event_id", "topic", "key", "payload", "created_at")
UNSENT = outbox.c.sent_at.is_(None)


def add(writes: Writes, events: Sequence[OutboxEvent], now: datetime) -> None:
    """The events' rows, in this order: their ids, and so the relay, follow it."""
    rows = [
        {"event_id": e.event_id, "topic": e.topic, "key": e.key, "payload": e.payload,
         "created_at": now}
        for e in events
    ]  # fmt: skip
    if rows:
        writes.insert_rows(outbox, OUTBOX_COLUMNS, rows)


def keys_waiting(
    writes: Writes, events: Sequence[OutboxEvent], sending: Set[str] = frozenset()
) -> set[str]:
    """Of the events' keys, those with unsent rows other than these events' own and those
    of `sending` (event ids)."""
    mine = {e.event_id for e in events} | sending
    waiting: set[str] = set()
    for condition, params in writes.text_lists(outbox.c.key, {e.key for e in events}):
        query = select(outbox.c.key, outbox.c.event_id).where(condition, UNSENT)
        waiting.update(key for key, event_id in writes.conn.execute(query, params)
                       if event_id not in mine)  # fmt: skip
    return waiting


@contextmanager
def claimed(conn: Connection, event_ids: Sequence[str]) -> Iterator[set[str]]:
    """The event ids of these rows still unsent, deleted in this transaction (kept should it
    roll back). Taken in id order, as a relay locks them (`unsent`), so that the two never
    wait for each other: one statement, which finds the rows by event id and deletes them by
    id (Writes.among). A row a relay holds is waited for, and then gone: the relay sent it."""
    writes = writes_for(conn)
    found: set[str] = set()
    for condition, params in writes.text_lists(outbox.c.event_id, event_ids):
        unsent_ids = select(outbox.c.id).where(condition, UNSENT)
        taken = delete(outbox).where(writes.among(outbox.c.id, unsent_ids))
        found.update(conn.execute(taken.returning(outbox.c.event_id), params).scalars())
    yield found


@dataclass(slots=True)
class OutboxBatch:
    """Unsent outbox rows, locked until the block that holds them ends."""

    rows: list[OutboxRow]
    _writes: Writes
    deleted: int = 0

    def delete(self) -> None:
        ids = [r.id for r in self.rows]
        self.deleted = len(ids)
        for condition, params in self._writes.id_lists(outbox.c.id, ids):
            self._writes.conn.execute(delete(outbox).where(condition), params)


def unsent(conn: Connection, limit: int) -> OutboxBatch:
    """Unsent outbox rows in id order, locked until the transaction ends (FOR UPDATE).

    Without SKIP LOCKED a second relay waits behind the first instead of sending a
    later revision of the same NIP ahead of an earlier one.
    """
    query = (
        select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.payload)
        .where(UNSENT)
        .order_by(outbox.c.id)
        .limit(limit)
        .with_for_update()
    )
    return OutboxBatch([OutboxRow(*r) for r in conn.execute(query)], writes_for(conn))


def pending_count(conn: Connection) -> int:
    query = select(func.count()).select_from(outbox).where(UNSENT)
    return int(conn.execute(query).scalar_one())
