"""In-memory adapters of the ports in worker/pipeline/ports.py, for unit tests of the loop and
service.

Fakes, not mocks: they keep state (what is stored, committed, dead-lettered, published) and the
tests check that state. `journal` records the order of the effects that must not be reordered:
database commits, dead-letter flushes, offset commits, publications.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

from schemas.dead_letter import Rejection
from worker.domain.agencies import AgencyKey, Figures
from worker.domain.model import (
    Conflict,
    IndexResult,
    IndexRevision,
    Kind,
    Record,
    Resolution,
    Statement,
)
from worker.domain.reconcile import latest_per_source
from worker.pipeline.ports import (
    Message,
    NewRevision,
    NewSnapshot,
    Origin,
    OutboxEvent,
    OutboxRow,
    Outgoing,
    PastRevision,
    RecordChanges,
    RefusedValue,
    TransientError,
)


@dataclass
class _State:
    statements: dict[tuple[str, str], Statement] = field(default_factory=dict)
    # By NIP, then by (kind, record id): as the records table holds them.
    records: dict[str, dict[tuple[Kind, str | None], Record]] = field(default_factory=dict)
    conflicts: dict[tuple[str, str, str | None, str, str, str, str], Conflict] = field(
        default_factory=dict
    )
    indexes: dict[tuple[str, int, str], IndexRevision] = field(default_factory=dict)
    closed: dict[tuple[str, str, str | None, str, str, str, str], str] = field(default_factory=dict)
    snapshots: dict[str, tuple[int, str]] = field(default_factory=dict)
    snapshot_agencies: dict[str, str | None] = field(default_factory=dict)
    # The latest revision of each index, as saved (the revisions table's).
    revisions: dict[tuple[str, int, str], PastRevision] = field(default_factory=dict)
    agencies: dict[AgencyKey, tuple[Figures, int]] = field(default_factory=dict)
    outbox: list[OutboxRow] = field(default_factory=list)
    event_ids: dict[int, str] = field(default_factory=dict)  # of each outbox row, by its id
    locked: set[str] = field(default_factory=set)  # employees ever locked by lock_employees
    versions: dict[str, int] = field(default_factory=dict)  # moved by add_statements


class FakeUnit:
    def __init__(self, state: _State, refuse: set[str], sent: set[int]) -> None:
        self.state = state
        self.refuse = refuse
        self.sent = sent  # the store's outbox rows deleted (sent), read-only here

    def add_statements(self, incoming: Sequence[tuple[Statement, Origin]]) -> list[Statement]:
        for nip in {s.nip for s, _ in incoming}:
            self.state.versions[nip] = self.state.versions.get(nip, 0) + 1
        new: list[Statement] = []
        for s, _ in incoming:
            if s.event_id in self.refuse:
                raise RefusedValue("FakeRefusal")
            key = (s.source, s.event_id)
            if key not in self.state.statements:
                self.state.statements[key] = s
                new.append(s)
        return new

    def lock_employees(self, nips: Iterable[str]) -> None:
        self.state.locked.update(nips)

    def _every_statement_of(self, nips: Iterable[str]) -> dict[str, list[Statement]]:
        wanted = set(nips)
        found: dict[str, list[Statement]] = {}
        for s in self.state.statements.values():
            if s.nip in wanted:
                found.setdefault(s.nip, []).append(s)
        return found

    def latest_statements_of(self, nips: Iterable[str]) -> dict[str, list[Statement]]:
        return {
            nip: [s for by_source in latest_per_source(every).values() for s in by_source]
            for nip, every in self._every_statement_of(nips).items()
        }

    def versions(self, nips: Iterable[str]) -> dict[str, int]:
        return {nip: self.state.versions[nip] for nip in nips if nip in self.state.versions}

    def current_indexes(
        self, nips: Iterable[str], year: int, rule_version: str
    ) -> dict[str, IndexRevision]:
        return {
            nip: self.state.indexes[(nip, year, rule_version)]
            for nip in nips
            if (nip, year, rule_version) in self.state.indexes
        }

    def write_records(self, changes: RecordChanges) -> None:
        for resolution in changes.rewritten:
            self.state.records[resolution.nip] = resolution.keyed()
        for resolution in changes.added:  # inserted only: the database refuses a duplicate
            assert not self.state.records.get(resolution.nip), "records of an added employee"
            self.state.records[resolution.nip] = resolution.keyed()
        for nip, r in changes.gone:  # one not stored is no error, as in the database
            self.state.records.get(nip, {}).pop((r.kind, r.record_id), None)
        for nip, r in changes.changed:
            self.state.records.setdefault(nip, {})[(r.kind, r.record_id)] = r

    def reconciled(self, nips: Sequence[str]) -> dict[str, Resolution]:
        return {
            nip: Resolution.of_records(nip, self.state.records[nip].values())
            for nip in nips
            if self.state.records.get(nip)
        }

    def add_conflicts(self, found: Sequence[Conflict]) -> dict[str, int]:
        new = {(c.nip, *c.key): c for c in found if (c.nip, *c.key) not in self.state.conflicts}
        self.state.conflicts.update(new)
        for c in found:
            self.state.closed.pop((c.nip, *c.key), None)
        return dict(Counter(c.kind for c in new.values()))

    def open_conflicts(self, nips: Iterable[str]) -> dict[str, list[Conflict]]:
        wanted = set(nips)
        found: dict[str, list[Conflict]] = {}
        for key, c in self.state.conflicts.items():
            if c.nip in wanted and key not in self.state.closed:
                found.setdefault(c.nip, []).append(c)
        return found

    def close_conflicts(self, closing: Sequence[tuple[Conflict, str]]) -> None:
        for c, reason in closing:
            self.state.closed.setdefault((c.nip, *c.key), reason)

    def snapshot_versions(self, nips: Iterable[str]) -> dict[str, tuple[int, str]]:
        return {nip: self.state.snapshots[nip] for nip in nips if nip in self.state.snapshots}

    def save_snapshots(self, new: Sequence[NewSnapshot]) -> None:
        for n in new:
            self.state.snapshots[n.nip] = (n.version, n.digest)
            self.state.snapshot_agencies[n.nip] = n.agency_code
        self.add_to_outbox([n.event for n in new])

    def snapshot_agencies(self, nips: Iterable[str]) -> dict[str, str | None]:
        found = self.state.snapshot_agencies
        return {nip: found[nip] for nip in nips if nip in found}

    def latest_revisions(
        self, nips: Iterable[str], year: int, rule_version: str
    ) -> dict[str, PastRevision]:
        held = self.state.revisions
        return {
            nip: held[(nip, year, rule_version)]
            for nip in nips
            if (nip, year, rule_version) in held
        }

    def move_indexes(self, moved: Sequence[IndexResult]) -> None:
        for i in moved:
            key = (i.nip, i.measurement_year, i.rule_version)
            held = self.state.indexes.get(key)
            if held is None:  # no current index to move: nothing changes, as in the database
                continue
            self.state.indexes[key] = replace(
                held, index=replace(held.index, agency_code=i.agency_code)
            )

    def add_to_agencies(
        self, changes: Mapping[AgencyKey, Figures]
    ) -> list[tuple[AgencyKey, Figures, int]]:
        result = []
        for key in sorted(changes):
            figures, version = self.state.agencies.get(key, (Figures(), 0))
            total = figures.plus(changes[key])
            self.state.agencies[key] = (total, version + 1)
            result.append((key, total, version + 1))
        return result

    def add_to_outbox(self, events: Sequence[OutboxEvent]) -> None:
        for e in events:
            row = OutboxRow(len(self.state.outbox) + 1, e.topic, e.key, e.payload)
            self.state.outbox.append(row)
            self.state.event_ids[row.id] = e.event_id

    def keys_waiting(
        self, events: Sequence[OutboxEvent], sending: Set[str] = frozenset()
    ) -> set[str]:
        mine = {e.event_id for e in events} | sending
        keys = {e.key for e in events}
        return {
            r.key
            for r in self.state.outbox
            if r.key in keys and r.id not in self.sent and self.state.event_ids[r.id] not in mine
        }

    def save_revisions(self, new: Sequence[NewRevision]) -> None:
        for n in new:
            i = n.current.index
            self.state.indexes[(i.nip, i.measurement_year, i.rule_version)] = n.current
            causes = [(c["source"], c["id"]) for c in n.caused_by]
            self.state.revisions[(i.nip, i.measurement_year, i.rule_version)] = PastRevision(
                n.current, n.previous, causes
            )
        self.add_to_outbox([n.event for n in new])


class FakeStore:
    """The Store and Outbox ports. `failures` transient faults come first; event ids in
    `refuse` are refused as a database refuses a value."""

    def __init__(self, journal: list[str]) -> None:
        self.state = _State()
        # Outbox rows sent, and so deleted: the relay's own transactions, kept apart from the
        # state a unit copies, so that a unit begun before a relay deleted rows does not bring
        # them back when it commits (in the database they are other rows, other transactions).
        self.sent: set[int] = set()
        self.journal = journal
        self.failures = 0
        self.refuse: set[str] = set()
        self.unsent_queries = 0

    def _maybe_fail(self) -> None:
        if self.failures:
            self.failures -= 1
            raise TransientError("database unavailable (fake)")

    @contextmanager
    def unit(self, now: datetime, *, commit: bool = True) -> Iterator[FakeUnit]:
        self._maybe_fail()
        unit = FakeUnit(copy.deepcopy(self.state), self.refuse, self.sent)
        yield unit
        if commit:
            self.state = unit.state
            self.journal.append("database commit")

    @contextmanager
    def unsent(self, limit: int) -> Iterator[FakeBatch]:
        self._maybe_fail()
        self.unsent_queries += 1
        rows = [r for r in self.state.outbox if r.id not in self.sent][:limit]
        batch = FakeBatch(rows)
        yield batch
        # The deletes take effect as the block's transaction commits: not if the block raises.
        self.sent |= batch.deleted

    @contextmanager
    def claim(self, event_ids: Sequence[str]) -> Iterator[set[str]]:
        self._maybe_fail()
        wanted = set(event_ids)
        rows = [
            r.id
            for r in self.state.outbox
            if r.id not in self.sent and self.state.event_ids[r.id] in wanted
        ]
        yield {self.state.event_ids[i] for i in rows}
        self.sent.update(rows)  # deleted as the block's transaction commits

    def pending_count(self) -> int:
        return sum(1 for r in self.state.outbox if r.id not in self.sent)


@dataclass
class FakeBatch:
    rows: list[OutboxRow]
    deleted: set[int] = field(default_factory=set)  # gone once the block ends without error

    def delete(self) -> None:
        self.deleted.update(r.id for r in self.rows)


class FakePublisher:
    def __init__(self, journal: list[str]) -> None:
        self.journal = journal
        self.queued: list[tuple[str, bytes | None, bytes | None]] = []
        self.published: list[tuple[str, bytes | None, bytes | None]] = []
        self.headers: list[list[tuple[str, bytes]]] = []  # of each message sent, in order

    def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        self.queued.append((topic, key, value))
        self.headers.append(list(headers))

    def flush(self) -> None:
        if self.queued:
            self.journal.append(f"published {len(self.queued)}")
        self.published += self.queued
        self.queued = []

    def deliver(self, topic: str, messages: Sequence[Outgoing], timeout_s: float) -> None:
        for key, value, headers in messages:
            self.published.append((topic, key, value))
            self.headers.append(list(headers))
        self.journal.append(f"delivered {len(messages)}")

    def close(self) -> None:
        pass


class FakeDeadLetters:
    def __init__(self, journal: list[str]) -> None:
        self.journal = journal
        self.sent: list[tuple[Message, Rejection]] = []
        self.flushed = 0

    def send(self, message: Message, rejection: Rejection) -> None:
        self.sent.append((message, rejection))

    def flush(self) -> None:
        self.flushed = len(self.sent)
        self.journal.append("dead letters flushed")


class FakeSource:
    """Hands out the given batches, then nothing; all of one partition, its end known."""

    def __init__(self, journal: list[str], batches: Sequence[Sequence[Message]]) -> None:
        self.journal = journal
        self.batches = [list(b) for b in batches]
        self.committed: dict[tuple[str, int], int] = {}
        self.read_up_to = 0
        self.closed = False

    def poll(self, timeout_s: float) -> list[Message]:
        if not self.batches:
            return []
        batch = self.batches.pop(0)
        self.read_up_to = max(m.offset + 1 for m in batch)
        return batch

    def commit(self, messages: Sequence[Message]) -> None:
        for m in messages:
            key = (m.topic, m.partition)
            self.committed[key] = max(self.committed.get(key, 0), m.offset + 1)
        self.journal.append(f"offsets committed to {max(self.committed.values())}")

    def assigned(self) -> bool:
        return True

    def assigned_count(self) -> int:
        return 1

    def settled(self) -> bool:
        return True

    def rebalances(self) -> int:
        return 1

    def uncommitted(self) -> int:
        return int(self.committed.get(("changes", 0), 0) < self.read_up_to)

    def lag(self) -> dict[tuple[str, int], int]:
        pending = sum(len(b) for b in self.batches)
        return {("changes", 0): pending}

    def close(self) -> None:
        self.closed = True
