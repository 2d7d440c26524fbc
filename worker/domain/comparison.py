"""A rule change compared with the rules in use (contracts §9): each employee's index under the
rule set in use beside the index under the new one, counted per outcome, per band transition
and per agency.

Pure: the pairs come from `IndexService.recompute`; `recompute`'s report adds them up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from worker.domain.model import IndexResult

Outcome = Literal["new", "changed", "unchanged", "withdrawn", "none"]
OUTCOMES: tuple[Outcome, ...] = ("changed", "unchanged", "new", "withdrawn", "none")
NO_INDEX = "no index"
NO_AGENCY = "-"
CENT = Decimal("0.01")
Pair = tuple[IndexResult | None, IndexResult]  # the index under the rules in use, the new one


def outcome(was: IndexResult | None, now: IndexResult) -> Outcome:
    """What the new rules do to one employee's index: a changed score, band or dimension is
    `changed` (an agency alone is not); `none` where there is no index under either."""
    if was is None or not was.has_index:
        return "new" if now.has_index else "none"
    if not now.has_index:
        return "withdrawn"
    same = (was.score, was.band, was.dimensions) == (now.score, now.band, now.dimensions)
    return "unchanged" if same else "changed"


def state(index: IndexResult | None) -> str:
    """A row or column of the band-transition table: the band, or `no index`."""
    return index.band if index is not None and index.band is not None else NO_INDEX


def _mean(total: Decimal, count: int) -> Decimal | None:
    """Two decimals, half up, as the agencies' figures give it (contracts §10)."""
    return (total / count).quantize(CENT, rounding=ROUND_HALF_UP) if count else None


@dataclass(frozen=True, slots=True)
class AgencyShift:
    """What the new rules do to one agency's employees: those with an index under either rule
    set, the sums and counts for its mean score under each, the indexes that differ and the
    employees who change band (to or from `no index` included)."""

    employees: int = 0
    before_count: int = 0
    before_sum: Decimal = Decimal(0)
    after_count: int = 0
    after_sum: Decimal = Decimal(0)
    changed: int = 0  # outcome new, changed or withdrawn
    band_changes: int = 0

    def plus(self, other: AgencyShift) -> AgencyShift:
        return AgencyShift(
            self.employees + other.employees,
            self.before_count + other.before_count,
            self.before_sum + other.before_sum,
            self.after_count + other.after_count,
            self.after_sum + other.after_sum,
            self.changed + other.changed,
            self.band_changes + other.band_changes,
        )

    @property
    def mean_before(self) -> Decimal | None:
        return _mean(self.before_sum, self.before_count)

    @property
    def mean_after(self) -> Decimal | None:
        return _mean(self.after_sum, self.after_count)

    @property
    def mean_change(self) -> Decimal | None:
        """The change of the mean as shown (each rounded first, so the figures printed add
        up); None where either side has no index."""
        before, after = self.mean_before, self.mean_after
        return None if before is None or after is None else after - before


def agency_of(was: IndexResult | None, now: IndexResult) -> str:
    """Where an employee counts: the agency of the new index, else of the one in use."""
    return now.agency_code or (was.agency_code if was else None) or NO_AGENCY


def shift(was: IndexResult | None, now: IndexResult) -> AgencyShift:
    """One employee's part of their agency's shift (all zeros without an index either way)."""
    before = was.score if was is not None else None
    after = now.score
    if before is None and after is None:
        return AgencyShift()
    return AgencyShift(
        employees=1,
        before_count=int(before is not None),
        before_sum=before or Decimal(0),
        after_count=int(after is not None),
        after_sum=after or Decimal(0),
        changed=int(outcome(was, now) in ("new", "changed", "withdrawn")),
        band_changes=int(state(was) != state(now)),
    )


def most_affected(shifts: Mapping[str, AgencyShift], top: int) -> list[tuple[str, AgencyShift]]:
    """The `top` agencies whose mean score moves most (either way); then those with the most
    band changes (a mean that cannot be compared counts as no move), then by code."""

    def order(item: tuple[str, AgencyShift]) -> tuple[Decimal, int, str]:
        code, s = item
        change = s.mean_change
        return (-abs(change) if change is not None else Decimal(0), -s.band_changes, code)

    moved = [(code, s) for code, s in shifts.items() if s.changed]
    return sorted(moved, key=order)[:top]
