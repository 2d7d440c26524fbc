"""Agency aggregates (contracts §10): per agency, measurement year and rule version, the
employees with an index, their mean score and how many fall in each band.

Kept up to date from index changes, never by scanning every employee: each change of an
employee's current index takes its old figures out of the agency it counted under and puts the
new ones into the agency it counts under now (an agency transfer changes both). Sums of exact
decimals, so the result always equals a full recomputation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import get_args

from worker.domain.model import Band, IndexResult

BANDS: tuple[Band, ...] = get_args(Band)  # best first
AgencyKey = tuple[str, int, str]  # agency code, measurement year, rule version
CENT = Decimal("0.01")


@dataclass(slots=True)
class Figures:
    """An agency's employees with an index, the sum of their scores and the count per band
    (or, as a change, what to add to them)."""

    employees: int = 0
    score_sum: Decimal = Decimal(0)
    bands: dict[Band, int] = field(default_factory=lambda: dict.fromkeys(BANDS, 0))

    def add(self, score: Decimal, band: Band, sign: int) -> None:
        self.employees += sign
        self.score_sum += sign * score
        self.bands[band] += sign

    def plus(self, other: Figures) -> Figures:
        """These figures with another's added (an agency's figures and a change, say)."""
        return Figures(
            employees=self.employees + other.employees,
            score_sum=self.score_sum + other.score_sum,
            bands={b: self.bands[b] + other.bands[b] for b in BANDS},
        )

    @property
    def empty(self) -> bool:
        """A change that changes nothing (an employee who left and came back in one batch)."""
        return not self.employees and not self.score_sum and not any(self.bands.values())

    @property
    def mean_score(self) -> Decimal | None:
        """Two decimals, half up; None without employees."""
        if self.employees <= 0:
            return None
        return (self.score_sum / self.employees).quantize(CENT, rounding=ROUND_HALF_UP)


Counted = tuple[AgencyKey, Decimal, Band]


def _counted(index: IndexResult | None) -> Counted | None:
    """Where an index counts and what: None without an index or an agency to count it in."""
    if index is None or index.score is None or index.band is None or not index.agency_code:
        return None
    key = (index.agency_code, index.measurement_year, index.rule_version)
    return key, index.score, index.band


Move = tuple[IndexResult | None, IndexResult | None]  # an employee's index before and after


def changes(moves: Iterable[Move]) -> dict[AgencyKey, Figures]:
    """What to add to each agency's figures for these changes of employees' current indexes;
    agencies left unchanged are left out."""
    found: dict[AgencyKey, Figures] = {}
    for before, after in moves:
        for counted, sign in ((_counted(before), -1), (_counted(after), +1)):
            if counted is not None:
                key, score, band = counted
                found.setdefault(key, Figures()).add(score, band, sign)
    return {key: f for key, f in found.items() if not f.empty}


def recount(indexes: Iterable[IndexResult]) -> dict[AgencyKey, Figures]:
    """Every agency's figures from the current indexes: the full recomputation the
    incremental figures always equal."""
    return changes((None, index) for index in indexes)


def as_data(key: AgencyKey, figures: Figures, version: int) -> Mapping[str, object]:
    """The `data` of an asn.ipasn.agency.recalculated event."""
    agency, year, rule_version = key
    mean = figures.mean_score
    return {
        "agency_code": agency,
        "measurement_year": year,
        "rule_version": rule_version,
        "version": version,
        "employees": figures.employees,
        "mean_score": None if mean is None else mean,
        "bands": dict(figures.bands),
    }
