"""SqlUnit (one transaction's work, by table family) and SqlStore, the Store and Outbox ports."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, Engine

from worker.db.bulk import track_staging
from worker.db.errors import translated
from worker.db.store import agencies, conflicts, indexes, outbox, records, snapshots, statements
from worker.db.store.dialects import employee_versions, writes_for
from worker.db.store.outbox import OutboxBatch
from worker.db.store.vacuum import AFTER_ROWS, OutboxVacuum
from worker.domain.agencies import AgencyKey, Figures
from worker.domain.model import Conflict, IndexResult, IndexRevision, Resolution, Statement
from worker.pipeline.ports import (
    NewRevision,
    NewSnapshot,
    Origin,
    OutboxEvent,
    PastRevision,
    RecordChanges,
)


class SqlUnit:
    """One database transaction's worth of work; the service drives it.

    The dialect's writes are chosen once, here; each table family's module does its part.
    """

    def __init__(self, conn: Connection, now: datetime) -> None:
        self.conn = conn
        self.now = now
        self.writes = writes_for(conn)
        self._versions: dict[str, int] = {}  # as add_statements moved them

    def add_statements(self, incoming: Sequence[tuple[Statement, Origin]]) -> list[Statement]:
        new, versions = statements.add(self.writes, incoming, self.now)
        self._versions.update(versions)
        return new

    def lock_employees(self, nips: Iterable[str]) -> None:
        statements.lock_employees(self.writes, nips)

    def latest_statements_of(self, nips: Iterable[str]) -> dict[str, list[Statement]]:
        return statements.read_latest(self.writes, nips)

    def versions(self, nips: Iterable[str]) -> dict[str, int]:
        asked = set(nips)
        found = {nip: self._versions[nip] for nip in asked & self._versions.keys()}
        return found | employee_versions(self.writes, asked - found.keys())

    def current_indexes(
        self, nips: Iterable[str], year: int, rule_version: str
    ) -> dict[str, IndexRevision]:
        return indexes.current(self.writes, nips, year, rule_version)

    def write_records(self, changes: RecordChanges) -> None:
        records.write(self.writes, changes)

    def reconciled(self, nips: Sequence[str]) -> dict[str, Resolution]:
        return records.read(self.writes, nips)

    def add_conflicts(self, found: Sequence[Conflict]) -> dict[str, int]:
        return conflicts.add(self.writes, found, self.now)

    def open_conflicts(self, nips: Iterable[str]) -> dict[str, list[Conflict]]:
        return conflicts.read_open(self.writes, nips)

    def close_conflicts(self, closing: Sequence[tuple[Conflict, str]]) -> None:
        conflicts.close(self.writes, closing, self.now)

    def snapshot_versions(self, nips: Iterable[str]) -> dict[str, tuple[int, str]]:
        return snapshots.versions(self.writes, nips)

    def save_snapshots(self, new: Sequence[NewSnapshot]) -> None:
        snapshots.save(self.writes, new, self.now)

    def snapshot_agencies(self, nips: Iterable[str]) -> dict[str, str | None]:
        return snapshots.agencies(self.writes, nips)

    def latest_revisions(
        self, nips: Iterable[str], year: int, rule_version: str
    ) -> dict[str, PastRevision]:
        return indexes.latest(self.writes, nips, year, rule_version)

    def move_indexes(self, moved: Sequence[IndexResult]) -> None:
        indexes.move(self.writes, moved)

    def add_to_agencies(
        self, changes: Mapping[AgencyKey, Figures]
    ) -> list[tuple[AgencyKey, Figures, int]]:
        return agencies.add(self.writes, changes, self.now)

    def add_to_outbox(self, events: Sequence[OutboxEvent]) -> None:
        outbox.add(self.writes, events, self.now)

    def keys_waiting(
        self, events: Sequence[OutboxEvent], sending: Set[str] = frozenset()
    ) -> set[str]:
        return outbox.keys_waiting(self.writes, events, sending)

    def save_revisions(self, new: Sequence[NewRevision]) -> None:
        indexes.save_revisions(self.writes, new, self.now)


class SqlStore:
    """The Store port on SQLAlchemy; its errors leave it as TransientError or RefusedValue."""

    def __init__(self, engine: Engine, *, vacuum_after_rows: int = AFTER_ROWS) -> None:
        """`vacuum_after_rows`: outbox rows deleted between two VACUUMs of it (OutboxVacuum)."""
        self.engine = engine
        self.vacuum = OutboxVacuum(engine, vacuum_after_rows)
        track_staging(engine)

    @contextmanager
    def unit(self, now: datetime, *, commit: bool = True) -> Iterator[SqlUnit]:
        """One transaction; with commit=False it is rolled back (a trial run)."""
        with translated(), self.engine.connect() as conn, conn.begin() as transaction:
            yield SqlUnit(conn, now)
            if not commit:
                transaction.rollback()

    @contextmanager
    def unsent(self, limit: int) -> Iterator[OutboxBatch]:
        """Unsent outbox rows in id order, locked until the block ends (outbox.unsent)."""
        with translated(), self.engine.begin() as conn:
            batch = outbox.unsent(conn, limit)
            yield batch
        self.vacuum.deleted(batch.deleted)

    @contextmanager
    def claim(self, event_ids: Sequence[str]) -> Iterator[set[str]]:
        """Of these events' rows, those still unsent, held and deleted (outbox.claimed)."""
        with translated(), self.engine.begin() as conn, outbox.claimed(conn, event_ids) as found:
            yield found
        self.vacuum.deleted(len(found))

    def pending_count(self) -> int:
        with translated(), self.engine.connect() as conn:
            return outbox.pending_count(conn)
