"""EmployeeCache: recently seen employees' statements and reconciled state, kept between batches.

Re-reading every touched employee's statements each batch was a fifth of the worker's time,
and rewriting all of their reconciled records another fifth. The cache is checked against the
database, never trusted: statements are never deleted, and the reconciled records and
conflicts are written only in the transaction that stores statements. So when the database
holds exactly as many statements for a NIP as the cache plus those this batch added, nobody
else added one since (another worker that owned the NIP's partition for a while, or the NIP
arriving on a second input topic): the cached statements are the stored ones, and the cached
resolution is what the stored records and conflicts say.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from worker.domain.model import Resolution, Statement


@dataclass(frozen=True, slots=True)
class Known:
    """Every statement about an employee and, where known, their stored reconciled state."""

    statements: list[Statement]
    stored: Resolution | None  # None: not known; rewrite the employee's records whole


class EmployeeCache:
    """At most `max_employees` employees; the least recently used go first."""

    def __init__(self, max_employees: int) -> None:
        self.max_employees = max_employees
        self._lru: OrderedDict[str, tuple[tuple[Statement, ...], Resolution]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._lru)

    def current(self, nip: str, stored: int, new: Sequence[Statement]) -> Known | None:
        """What is known of the NIP, or None when the cache cannot vouch for it.

        `stored` counts the NIP's statements in the database, `new` among them; when they are
        all the new ones (an employee seen for the first time) no cache entry is needed.
        """
        if stored == len(new):
            return Known(list(new), Resolution.nothing(nip))
        cached = self._lru.get(nip)
        if cached is None or len(cached[0]) + len(new) != stored:
            return None
        self._lru.move_to_end(nip)
        statements, resolution = cached
        return Known([*statements, *new], resolution)

    def remember(self, committed: Mapping[str, tuple[Sequence[Statement], Resolution]]) -> None:
        """What a batch just committed: each NIP's whole statement list and its resolution."""
        for nip, (statements, resolution) in committed.items():
            self._lru[nip] = (tuple(statements), resolution)
            self._lru.move_to_end(nip)
        while len(self._lru) > self.max_employees:
            self._lru.popitem(last=False)
