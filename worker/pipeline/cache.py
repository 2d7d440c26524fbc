"""EmployeeCache: recently seen employees' latest statements and reconciled state.

Re-reading every touched employee's statements each batch was a fifth of the worker's time,
rewriting all of their reconciled records another fifth, and resolving all of their records
again the largest part of what remained. For an employee in the cache the worker knows each
source's latest statement about each record (all that reconciliation looks at) and the
resolution the database holds, so it picks only the records new statements touch and writes
only what changed.

The cache is checked against the database, never trusted: statements are never deleted, and
the reconciled records and conflicts are written only in the transaction that stores
statements, which moves the employee's version by one as it locks them (Unit.versions). So
when the version this batch moved the NIP to is one past the version the cache's entry was
committed at, nobody else added statements about them since (another worker that owned the
NIP's partition for a while, or the NIP arriving on a second input topic): the cached state is
the stored one. Version 1: no transaction before this one added any, and nothing is stored.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from worker.domain.model import Resolution, Statement
from worker.domain.reconcile import Latest, RecordKey, latest_per_source


@dataclass(frozen=True, slots=True)
class Known:
    """What is known of an employee once this batch's new statements are in."""

    latest: Latest  # each source's latest statement about each record
    version: int  # the employee's, as this batch moved it (Unit.versions)
    touched: set[RecordKey]  # the records whose latest statements the batch changed
    stored: Resolution | None  # what the database's records say; None: not known
    first: bool = False  # no statement about the employee was stored before this batch

    @classmethod
    def read(cls, latest: Sequence[Statement], version: int) -> Known:
        """From each source's latest statements about each record, read from the database
        at this version of the employee: resolved and written whole."""
        state = latest_per_source(latest)
        return cls(state, version, set(state), None)


@dataclass(frozen=True, slots=True)
class _Entry:
    latest: Latest
    version: int
    resolution: Resolution


class EmployeeCache:
    """At most `max_employees` employees; the least recently used go first."""

    def __init__(self, max_employees: int) -> None:
        self.max_employees = max_employees
        self._lru: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._lru)

    def current(self, nip: str, version: int, new: Sequence[Statement]) -> Known | None:
        """What is known of the NIP, or None when the cache cannot vouch for it.

        `version`: the NIP's, as this batch moved it in adding `new`, its new statements;
        at 1 no statement about the NIP was stored before, and no cache entry is needed.
        """
        if version == 1:
            latest, touched = Latest().plus(new)
            return Known(latest, version, touched, Resolution.nothing(nip), first=True)
        cached = self._lru.get(nip)
        if cached is None or cached.version + 1 != version:
            return None
        self._lru.move_to_end(nip)
        latest, touched = cached.latest.plus(new)  # the cached entry stays as it is
        return Known(latest, version, touched, cached.resolution)

    def remember(self, committed: Mapping[str, tuple[Known, Resolution]]) -> None:
        """What a batch just committed: each NIP's state and its resolution."""
        for nip, (known, resolution) in committed.items():
            self._lru[nip] = _Entry(known.latest, known.version, resolution)
            self._lru.move_to_end(nip)
        while len(self._lru) > self.max_employees:
            self._lru.popitem(last=False)
