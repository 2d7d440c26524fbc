"""The `outbox` table: events to publish after the transaction, relayed in id order.

Revisions, snapshots and agency figures all write their events through `add`; the relay reads
and marks them here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from worker.db.store.dialects import Writes, writes_for
from worker.db.tables import outbox
from worker.pipeline.ports import OutboxEvent, OutboxRow

OUTBOX_COLUMNS = ("event_id", "topic", "key", "payload", "created_at")


def add(writes: Writes, events: Sequence[OutboxEvent], now: datetime) -> None:
    """The events' rows, in this order: their ids, and so the relay, follow it."""
    rows = [
        {"event_id": e.event_id, "topic": e.topic, "key": e.key, "payload": e.payload,
         "created_at": now}
        for e in events
    ]  # fmt: skip
    if rows:
        writes.insert_rows(outbox, OUTBOX_COLUMNS, rows)


@dataclass(slots=True)
class OutboxBatch:
    """Unsent outbox rows, locked until the block that holds them ends."""

    rows: list[OutboxRow]
    _writes: Writes

    def mark_sent(self, now: datetime) -> None:
        ids = [r.id for r in self.rows]
        for condition, params in self._writes.id_lists(outbox.c.id, ids):
            sent = update(outbox).where(condition).values(sent_at=now)
            self._writes.conn.execute(sent, params)


def unsent(conn: Connection, limit: int) -> OutboxBatch:
    """Unsent outbox rows in id order, locked until the transaction ends (FOR UPDATE).

    Without SKIP LOCKED a second relay waits behind the first instead of sending a
    later revision of the same NIP ahead of an earlier one.
    """
    query = (
        select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.payload)
        .where(outbox.c.sent_at.is_(None))
        .order_by(outbox.c.id)
        .limit(limit)
        .with_for_update()
    )
    return OutboxBatch([OutboxRow(*r) for r in conn.execute(query)], writes_for(conn))


def pending_count(conn: Connection) -> int:
    query = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
    return int(conn.execute(query).scalar_one())
