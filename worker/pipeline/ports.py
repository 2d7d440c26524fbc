"""What the loop and the service exchange with their adapters, and the errors adapters raise.

The loop and the service see only these types: kafka-python and SQLAlchemy stay in the adapters
(`consumers/`, `producers/`, `worker/db/`), which translate their errors into TransientError
(retry) or RefusedValue (the database refused a value; dead-letter it). Why a message is
dead-lettered is part of the dead-letter topic's contract: schemas/dead_letter.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from schemas.dead_letter import Rejection
from worker.domain.agencies import AgencyKey, Figures
from worker.domain.model import (
    Conflict,
    IndexResult,
    IndexRevision,
    Record,
    Resolution,
    Statement,
)


class TransientError(Exception):
    """A fault that may pass (a lost connection, a broker not answering): retry."""


class RefusedValue(Exception):
    """The database refused a value; the argument names the driver's error class."""


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()  # as sent: `ipasn-signature`, `traceparent`, …

    @property
    def origin(self) -> Origin:
        return Origin(self.topic, self.partition, self.offset)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a statement was read from."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """An event to publish after the transaction; `key` is its Kafka key (a NIP, or an agency
    code)."""

    event_id: str
    topic: str
    key: str
    payload: str


@dataclass(frozen=True, slots=True)
class NewRevision:
    """A revision to save: the new current index, the index it follows (None on revision 1),
    the change events that caused it ({"source", "id"} each), and its outbox event."""

    current: IndexRevision
    previous: IndexResult | None
    caused_by: list[dict[str, str]]
    event: OutboxEvent  # keyed by the NIP


@dataclass(frozen=True, slots=True)
class NewSnapshot:
    """A new version of an employee's reconciled snapshot, and its outbox event."""

    nip: str
    version: int
    digest: str
    event: OutboxEvent  # keyed by the NIP
    agency_code: str | None = None  # the snapshot's (contracts §15: where it is copied)


@dataclass(frozen=True, slots=True)
class PastRevision:
    """A revision saved before: the index, the index it followed (None on revision 1; its
    score and band), and the change events that caused it, in order: what its event was made
    from."""

    current: IndexRevision
    previous: IndexResult | None
    caused_by: list[tuple[str, str]]  # (source, id) each


class MessageSource(Protocol):
    def poll(self, timeout_s: float) -> list[Message]: ...

    def commit(self, messages: Sequence[Message]) -> None: ...

    def assigned(self) -> bool: ...

    def assigned_count(self) -> int:
        """Partitions held; none while the group rebalances."""

    def settled(self) -> bool:
        """Joined the group since its last rebalance began (with or without partitions)."""

    def rebalances(self) -> int:
        """How many rebalances have assigned partitions to this consumer."""

    def uncommitted(self) -> int:
        """Partitions held whose handled messages are not all committed yet."""

    def lag(self) -> dict[tuple[str, int], int]: ...

    def close(self) -> None: ...


# A message to send as it is: key, value, headers.
Outgoing = tuple[bytes, bytes, Sequence[tuple[str, bytes]]]


class Publisher(Protocol):
    def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        """Queue a message; flush() waits for every queued one and raises on failure."""

    def flush(self) -> None: ...

    def deliver(self, topic: str, messages: Sequence[Outgoing], timeout_s: float) -> None:
        """Send these (key, value, headers) messages and wait for them alone, from any thread;
        TransientError where the broker did not acknowledge every one within `timeout_s`."""

    def close(self) -> None: ...


class DeadLetters(Protocol):
    def send(self, message: Message, rejection: Rejection) -> None: ...

    def flush(self) -> None:
        """Wait until the broker has acknowledged every dead letter sent."""


@dataclass(slots=True)
class RecordChanges:
    """The reconciled records to write: employees whose stored records are not known are
    rewritten whole; of the others, only the records that changed."""

    rewritten: list[Resolution] = field(default_factory=list)
    # Employees no statement was stored about before: every record new, none to delete.
    added: list[Resolution] = field(default_factory=list)
    changed: list[tuple[str, Record]] = field(default_factory=list)  # new or changed, by NIP
    gone: list[tuple[str, Record]] = field(default_factory=list)  # no longer there, by NIP

    def __len__(self) -> int:
        return len(self.rewritten) + len(self.added) + len(self.changed) + len(self.gone)


class Unit(Protocol):
    """One database transaction's worth of work."""

    def add_statements(self, incoming: Sequence[tuple[Statement, Origin]]) -> list[Statement]:
        """Store the statements not seen before; return those, in the order given. Their
        employees are locked first (as lock_employees does), and each one's version moves by
        one (versions())."""

    def lock_employees(self, nips: Iterable[str]) -> None:
        """Hold these employees until the transaction ends, so that no other transaction
        computes one of them meanwhile (add_statements does this for its own)."""

    def latest_statements_of(self, nips: Iterable[str]) -> dict[str, list[Statement]]:
        """Each source's latest statement (recency()) about each record of each NIP: all
        that reconciliation looks at (rule 1), however many statements the database holds."""

    def versions(self, nips: Iterable[str]) -> dict[str, int]:
        """Each employee's version, as this transaction's add_statements left it. It moves by
        one in every transaction that adds statements about the employee, even those that
        turn out seen before; 0, or absent: no transaction ever did. So a version one past the
        one a batch committed means that nobody else added statements about them since."""

    def current_indexes(
        self, nips: Iterable[str], year: int, rule_version: str
    ) -> dict[str, IndexRevision]:
        """The current revision of each NIP's index that has one."""

    def write_records(self, changes: RecordChanges) -> None: ...

    def reconciled(self, nips: Sequence[str]) -> dict[str, Resolution]:
        """The stored reconciled records of each NIP that has any, as a resolution without its
        conflicts: what the index is computed from."""

    def add_conflicts(self, found: Sequence[Conflict]) -> dict[str, int]:
        """Open these conflicts: record those not recorded before, open again those closed;
        return how many were recorded now, by kind."""

    def open_conflicts(self, nips: Iterable[str]) -> dict[str, list[Conflict]]:
        """The open conflicts of each NIP that has any."""

    def close_conflicts(self, closing: Sequence[tuple[Conflict, str]]) -> None:
        """Close each conflict, with why: "superseded", "agrees" or "steward"."""

    def snapshot_versions(self, nips: Iterable[str]) -> dict[str, tuple[int, str]]:
        """The version and digest of the reconciled snapshot last published of each NIP."""

    def save_snapshots(self, new: Sequence[NewSnapshot]) -> None:
        """Each NIP's new snapshot version and its outbox row."""

    def snapshot_agencies(self, nips: Iterable[str]) -> dict[str, str | None]:
        """The agency of the snapshot last published of each NIP that has one (None: none, or
        not known: published before the agency was kept)."""

    def latest_revisions(
        self, nips: Iterable[str], year: int, rule_version: str
    ) -> dict[str, PastRevision]:
        """Each NIP's latest revision of its index, as saved (that of its current index)."""

    def move_indexes(self, moved: Sequence[IndexResult]) -> None:
        """Current indexes whose agency alone changed: the agency, not a new revision."""

    def add_to_agencies(
        self, changes: Mapping[AgencyKey, Figures]
    ) -> list[tuple[AgencyKey, Figures, int]]:
        """Add the changes to the agencies' figures (in agency order, each row locked until
        the transaction ends); return each one's new figures and version."""

    def add_to_outbox(self, events: Sequence[OutboxEvent]) -> None:
        """Events to publish after the transaction, in this order."""

    def keys_waiting(
        self, events: Sequence[OutboxEvent], sending: Set[str] = frozenset()
    ) -> set[str]:
        """Of these events' keys (NIPs, agency codes), those with other outbox rows still
        unsent: rows an earlier transaction wrote, which must be published first. The
        transaction holds the keys' locks (employees, agencies), so no later row can exist.
        Rows of the events in `sending` (ids) do not count: the caller is publishing them,
        and publishes them before these."""

    def save_revisions(self, new: Sequence[NewRevision]) -> None:
        """The new current index, its revision and its outbox row, for each."""


class Store(Protocol):
    def unit(self, now: datetime, *, commit: bool = True) -> AbstractContextManager[Unit]:
        """One transaction; with commit=False it is rolled back (a trial run)."""


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    topic: str
    key: str
    payload: str


class UnsentBatch(Protocol):
    rows: list[OutboxRow]

    def delete(self) -> None:
        """These rows are sent: they leave the outbox when the block ends."""


class Outbox(Protocol):
    def unsent(self, limit: int) -> AbstractContextManager[UnsentBatch]:
        """Unsent rows in id order, held by this relay until the block ends."""

    def claim(self, event_ids: Sequence[str]) -> AbstractContextManager[set[str]]:
        """Of these events' rows, the ids of those still unsent, held in id order until the
        block ends, and deleted then (they were sent), or kept should the block raise. A relay
        reading unsent rows waits for them, and finds them gone."""

    def pending_count(self) -> int: ...


class Relay(Protocol):
    def publish(self, events: Sequence[OutboxEvent]) -> dict[str, int]:
        """Publish a committed transaction's events from memory, in order, and delete their
        rows once the broker acknowledged them; return how many were sent, by topic."""

    def drain(self) -> dict[str, int]:
        """Publish every unsent outbox row, read back in id order; return how many were sent,
        by topic."""

    def pending(self) -> int: ...
