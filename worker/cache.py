"""StatementCache: the statements of recently seen employees, kept between batches.

Re-reading every touched employee's statements each batch was a fifth of the worker's time.
The cache is checked against the database, never trusted: statements are never deleted, so
when the database holds exactly as many statements for a NIP as the cache plus those this
batch added, nobody else added one since (another worker that owned the NIP's partition for a
while, or the NIP arriving on a second input topic), and the cached list is the stored one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence

from worker.domain.model import Statement


class StatementCache:
    """At most `max_employees` employees' statements; the least recently used go first."""

    def __init__(self, max_employees: int) -> None:
        self.max_employees = max_employees
        self._lru: OrderedDict[str, tuple[Statement, ...]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._lru)

    def current(self, nip: str, stored: int, new: Sequence[Statement]) -> list[Statement] | None:
        """Every statement about the NIP, or None when the cache cannot vouch for it.

        `stored` counts the NIP's statements in the database, `new` among them; when they are
        all the new ones (an employee seen for the first time) no cache entry is needed.
        """
        if stored == len(new):
            return list(new)
        cached = self._lru.get(nip)
        if cached is None or len(cached) + len(new) != stored:
            return None
        self._lru.move_to_end(nip)
        return [*cached, *new]

    def remember(self, statements: Mapping[str, Sequence[Statement]]) -> None:
        """What the batch just committed, as the whole list for each NIP."""
        for nip, every in statements.items():
            self._lru[nip] = tuple(every)
            self._lru.move_to_end(nip)
        while len(self._lru) > self.max_employees:
            self._lru.popitem(last=False)
