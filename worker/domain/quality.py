"""Data quality per source, in the spirit of BKN's data-quality index: what each source says,
how soon, how often it wins. The figures are counted by the database
(worker/db/views/quality.py says how); here they are added up and read.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from worker.domain.rules import REGIONAL_PREFIX, SYSTEMS


@dataclass
class SourceQuality:
    source: str  # a system, or simpeg:<agency>
    employees: int = 0
    upserted: dict[str, int] = field(default_factory=dict)  # kind → employees with an upsert
    kinds_sent: set[str] = field(default_factory=set)
    ages: Counter[int] = field(default_factory=Counter)  # rounded age (s) → statements
    won: int = 0
    won_open: int = 0
    lost: int = 0
    lost_open: int = 0

    def completeness(self, kind: str) -> float | None:
        return self.upserted.get(kind, 0) / self.employees if self.employees else None

    def count_conflicts(self, side: str, n: int, n_open: int) -> None:
        """Add n conflicts (n_open of them open) it won (side "won") or lost."""
        if side == "won":
            self.won, self.won_open = self.won + n, self.won_open + n_open
        else:
            self.lost, self.lost_open = self.lost + n, self.lost_open + n_open

    def age(self, q: float) -> int | None:
        """The age (seconds) at quantile q, by nearest rank over the histogram."""
        total = sum(self.ages.values())
        if not total:
            return None
        rank, seen = max(1, math.ceil(q * total)), 0
        for age, n in sorted(self.ages.items()):
            seen += n
            if seen >= rank:
                return age
        raise AssertionError("unreachable: the ranks add up to the total")


@dataclass
class Quality:
    systems: dict[str, SourceQuality]
    agencies: dict[str, SourceQuality]  # simpeg:<agency> → its figures

    def entry(self, source: str) -> SourceQuality:
        """The figures of a source: a system's own row, or a regional agency's."""
        if source.startswith(REGIONAL_PREFIX):
            return self.agencies.setdefault(source, SourceQuality(source))
        return self.systems.setdefault(source, SourceQuality(source))

    def entries(self, source: str) -> Iterable[SourceQuality]:
        """Where a statement or conflict of this source counts: its own row and its system's."""
        yield self.entry(source)
        if source.startswith(REGIONAL_PREFIX):
            yield self.systems["simpeg"]

    @classmethod
    def empty(cls) -> Quality:
        return cls({s: SourceQuality(s) for s in SYSTEMS}, {})
