"""The pure core's vocabulary: statements in, reconciled records and indexes out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from sys import intern
from typing import Any, Literal, get_args

Kind = Literal["profile", "position", "education", "training", "performance", "discipline"]
KINDS: tuple[Kind, ...] = get_args(Kind)
SINGLE_KINDS: frozenset[Kind] = frozenset({"profile", "position"})
HISTORY_KINDS: tuple[Kind, ...] = ("education", "training", "performance", "discipline")

Band = Literal["Sangat Tinggi", "Tinggi", "Sedang", "Rendah", "Sangat Rendah"]
PositionType = Literal["struktural", "fungsional", "pelaksana"]
Dimension = Literal["qualification", "competency", "performance", "discipline"]
DIMENSIONS: tuple[Dimension, ...] = get_args(Dimension)

Values = Mapping[str, Any]


def shared_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values with each key and text interned. The same field names, dates, codes and
    names recur in every employee's statements; interned, a statement the employee cache keeps
    holds a reference to one string instead of a copy of its own (a third of what a statement
    read back from the database cost), and an identical statement is no larger for having been
    read back rather than decoded."""
    return {intern(k): intern(v) if type(v) is str else v for k, v in values.items()}


@dataclass(frozen=True, slots=True)
class Statement:
    """One source's claim about one record of one employee, as it arrived."""

    nip: str
    source: str  # "siasn", "ekinerja", "simpeg:7317"
    kind: Kind
    record_id: str | None  # None for profile and position
    event_id: str
    time: datetime
    sequence: int | None
    values: Values | None  # None: the source deleted it (or, released, ended its pin)
    # A steward's override (source "steward", contracts §7): who decided and why. Released: the
    # steward's pin on the record ends, and the other sources decide again.
    actor: str | None = None
    reason: str | None = None
    released: bool = False

    @property
    def key(self) -> tuple[Kind, str | None]:
        return (self.kind, self.record_id)


def recency(s: Statement) -> tuple[datetime, int, int, str]:
    # A total order, so any arrival order picks the same latest statement: a statement
    # without a sequence ranks below any with one, then the larger id (as a string) wins.
    has_sequence = 0 if s.sequence is None else 1
    return (s.time, has_sequence, s.sequence or 0, s.event_id)


@dataclass(frozen=True, slots=True)
class Record:
    """The reconciled value of one record and the statement it came from."""

    kind: Kind
    record_id: str | None
    values: Values
    source: str
    event_id: str
    time: datetime


@dataclass(frozen=True, slots=True)
class Conflict:
    """A losing statement that disagrees with the winner, for a data steward."""

    nip: str
    kind: Kind
    record_id: str | None
    winner_source: str
    winner_event_id: str
    winner_values: Values | None
    loser_source: str
    loser_event_id: str
    loser_values: Values | None
    rule: str = ""  # how the winner was chosen, for the steward reading it

    @property
    def key(self) -> tuple[str, str | None, str, str, str, str]:
        """What makes it the same conflict: the record and the two statements."""
        return (
            self.kind,
            self.record_id,
            self.winner_source,
            self.winner_event_id,
            self.loser_source,
            self.loser_event_id,
        )


@dataclass(frozen=True, slots=True)
class Resolution:
    nip: str
    profile: Record | None
    position: Record | None
    history: Mapping[Kind, tuple[Record, ...]]  # each sorted by record_id
    conflicts: tuple[Conflict, ...]

    @classmethod
    def nothing(cls, nip: str) -> Resolution:
        """The reconciled state of an employee nobody has said anything about."""
        history: dict[Kind, tuple[Record, ...]] = dict.fromkeys(HISTORY_KINDS, ())
        return cls(nip=nip, profile=None, position=None, history=history, conflicts=())

    @classmethod
    def of_records(cls, nip: str, records: Iterable[Record]) -> Resolution:
        """The reconciled state these stored records make, without its conflicts (the index
        does not depend on them)."""
        single: dict[Kind, Record] = {}
        history: dict[Kind, list[Record]] = {kind: [] for kind in HISTORY_KINDS}
        for r in records:
            if r.kind in SINGLE_KINDS:
                single[r.kind] = r
            else:
                history[r.kind].append(r)
        return cls(
            nip=nip,
            profile=single.get("profile"),
            position=single.get("position"),
            history={k: tuple(sorted(rs, key=record_order)) for k, rs in history.items()},
            conflicts=(),
        )

    def records(self, kind: Kind) -> tuple[Record, ...]:
        if kind == "profile":
            return (self.profile,) if self.profile else ()
        if kind == "position":
            return (self.position,) if self.position else ()
        return self.history.get(kind, ())

    def keyed(self) -> dict[tuple[Kind, str | None], Record]:
        return {(r.kind, r.record_id): r for r in self.every_record()}

    def every_record(self) -> list[Record]:
        """Every record, in keyed()'s order."""
        return [r for kind in KINDS for r in self.records(kind)]

    def get(self, key: tuple[Kind, str | None]) -> Record | None:
        """The record of this kind and record id, if there is one."""
        kind, record_id = key
        return next((r for r in self.records(kind) if r.record_id == record_id), None)

    def changes_since(
        self, before: Resolution, keys: Iterable[tuple[Kind, str | None]] | None = None
    ) -> tuple[list[Record], list[Record]]:
        """The records that are new or changed since `before`, and those no longer there;
        with `keys`, among those records alone (the others are known to be as they were)."""
        if keys is not None:
            changed, gone = [], []
            for key in sorted(keys, key=_key_rank):
                now, was = self.get(key), before.get(key)
                if now is None:
                    if was is not None:
                        gone.append(was)
                elif was is not now and was != now:
                    changed.append(now)
            return changed, gone
        old = before.keyed()
        changed = []
        for r in self.every_record():
            was = old.pop((r.kind, r.record_id), None)
            # The same object most often: a record no new statement touched is carried over.
            if was is not r and was != r:
                changed.append(r)
        return changed, list(old.values())


@dataclass(frozen=True, slots=True)
class Dimensions:
    qualification: Decimal
    competency: Decimal
    performance: Decimal
    discipline: Decimal

    @property
    def total(self) -> Decimal:
        return self.qualification + self.competency + self.performance + self.discipline

    def as_dict(self) -> dict[str, Decimal]:
        return {d: getattr(self, d) for d in DIMENSIONS}


@dataclass(frozen=True, slots=True)
class IndexResult:
    """An employee's index for one measurement year; score None means no index."""

    nip: str
    measurement_year: int
    rule_version: str
    score: Decimal | None
    band: Band | None
    dimensions: Dimensions | None
    agency_code: str | None

    @property
    def has_index(self) -> bool:
        return self.score is not None


@dataclass(frozen=True, slots=True)
class IndexRevision:
    """One revision of an employee's index: the current one in the `indexes` table, and every
    one in `revisions` and on `asn.ipasn.recalculated`. Revisions count 1, 2, … per NIP,
    measurement year and rule version."""

    index: IndexResult
    revision: int
    computed_at: datetime


_KIND_RANK = {kind: i for i, kind in enumerate(KINDS)}


def _key_rank(key: tuple[Kind, str | None]) -> tuple[int, str]:
    """keyed()'s order: by kind as KINDS lists them, then record id."""
    return (_KIND_RANK[key[0]], key[1] or "")


def record_order(r: Record) -> str:
    """A history's order: by record id."""
    return r.record_id or ""
