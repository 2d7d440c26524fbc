"""EmployeeCache: recently seen employees' latest statements and reconciled state.

Re-reading every touched employee's statements each batch was a fifth of the worker's time,
rewriting all of their reconciled records another fifth, and resolving all of their records
again the largest part of what remained. For an employee in the cache the worker knows each
source's latest statement about each record (all that reconciliation looks at) and the
resolution the database holds, so it picks only the records new statements touch and writes
only what changed.

The cache is checked against the database, never trusted: statements are never deleted, and
the reconciled records and conflicts are written only in the transaction that stores
statements. So when the database holds exactly as many statements for a NIP as the cache
counted plus those this batch added, nobody else added one since (another worker that owned
the NIP's partition for a while, or the NIP arriving on a second input topic): the cached
state is the stored one.
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
    statements: int  # how many the database holds, duplicates aside
    touched: set[RecordKey]  # the records whose latest statements the batch changed
    stored: Resolution | None  # what the database's records say; None: not known
    first: bool = False  # no statement about the employee was stored before this batch

    @classmethod
    def read(cls, latest: Sequence[Statement], statements: int) -> Known:
        """From each source's latest statements about each record, read from the database
        that holds `statements` in all: resolved and written whole."""
        state = latest_per_source(latest)
        return cls(state, statements, set(state), None)


@dataclass(frozen=True, slots=True)
class _Entry:
    latest: Latest
    statements: int
    resolution: Resolution


class EmployeeCache:
    """At most `max_employees` employees; the least recently used go first."""

    def __init__(self, max_employees: int) -> None:
        self.max_employees = max_employees
        self._lru: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._lru)

    def current(self, nip: str, stored: int, new: Sequence[Statement]) -> Known | None:
        """What is known of the NIP, or None when the cache cannot vouch for it.

        `stored` counts the NIP's statements in the database, `new` among them; when they are
        all the new ones (an employee seen for the first time) no cache entry is needed.
        """
        if stored == len(new):
            latest, touched = Latest().plus(new)
            return Known(latest, stored, touched, Resolution.nothing(nip), first=True)
        cached = self._lru.get(nip)
        if cached is None or cached.statements + len(new) != stored:
            return None
        self._lru.move_to_end(nip)
        latest, touched = cached.latest.plus(new)  # the cached entry stays as it is
        return Known(latest, stored, touched, cached.resolution)

    def remember(self, committed: Mapping[str, tuple[Known, Resolution]]) -> None:
        """What a batch just committed: each NIP's state and its resolution."""
        for nip, (known, resolution) in committed.items():
            self._lru[nip] = _Entry(known.latest, known.statements, resolution)
            self._lru.move_to_end(nip)
        while len(self._lru) > self.max_employees:
            self._lru.popitem(last=False)
