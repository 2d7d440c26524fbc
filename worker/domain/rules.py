"""RuleSet: every table of the index rules, as data.

The tables themselves live in rules files (``worker/rules/bkn-8-2019.toml``); this module only
says what a rule set is and how a source's precedence is looked up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from worker.domain.model import Band, Kind, PositionType

REGIONAL_PREFIX = "simpeg:"
# A data steward's overrides outrank every source for every kind (contracts §7).
STEWARD = "steward"
# The source systems, every regional one as `simpeg`: what quality figures and metrics group by.
SYSTEMS = ("siasn", "ekinerja", "simpeg", "steward")


@dataclass(frozen=True, slots=True)
class CompetencyPoints:
    """Points of each competency indicator for one position type (0: does not apply)."""

    leadership: Decimal
    functional: Decimal
    technical: Decimal
    seminar: Decimal


@dataclass(frozen=True, slots=True)
class YearWindow:
    """Calendar years relative to the measurement year N, both ends included."""

    first: int
    last: int

    def contains(self, year: int, measurement_year: int) -> bool:
        return measurement_year + self.first <= year <= measurement_year + self.last


@dataclass(frozen=True, slots=True)
class RuleSet:
    version: str
    # Source patterns per kind, highest precedence first; "simpeg:*" stands for every
    # regional system. A source not listed for a kind may not send that kind.
    precedence: Mapping[Kind, tuple[str, ...]]
    qualification: Mapping[str, Decimal]
    competency: Mapping[PositionType, CompetencyPoints]
    leadership_tiers: Mapping[str, frozenset[str]]  # echelon (I..IV) → matching tiers
    technical_min_hours: Decimal
    technical_window: YearWindow
    seminar_window: YearWindow
    performance_year_offset: int
    performance_predicates: Mapping[str, Decimal]
    # (minimum old-scale score, predicate), highest first; below the last: the floor.
    performance_score_predicates: tuple[tuple[Decimal, str], ...]
    performance_score_floor: str
    discipline_points: Mapping[str, Decimal]  # "none", "light", "medium", "heavy"
    discipline_severity: tuple[str, ...]  # most severe first
    discipline_window: YearWindow
    # (threshold, band), highest first: a score strictly above the threshold earns the band.
    bands: tuple[tuple[Decimal, Band], ...]
    lowest_band: Band
    # rank() answers, remembered: reconciliation asks it for every statement it weighs.
    _ranks: dict[tuple[str, Kind], int | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def rank(self, source: str, kind: Kind) -> int | None:
        """Position of the source in the kind's precedence (0 is highest, -1 the steward's,
        above all); None: not allowed."""
        try:
            return self._ranks[(source, kind)]
        except KeyError:
            found = self._ranks[(source, kind)] = self._find_rank(source, kind)
            return found

    def _find_rank(self, source: str, kind: Kind) -> int | None:
        if source == STEWARD:
            return -1
        for position, pattern in enumerate(self.precedence[kind]):
            if pattern == source:
                return position
            if pattern.endswith(":*") and source.startswith(pattern[:-1]):
                return position
        return None

    def may_send(self, source: str, kind: Kind) -> bool:
        return self.rank(source, kind) is not None

    def rule_between(self, winner: str, loser: str, kind: Kind) -> str:
        """Which rule made `winner` win over `loser` (contracts §2 rule 2), in words."""
        won, lost = self.rank(winner, kind), self.rank(loser, kind)
        if won is not None and lost is not None and won < lost:
            order = self.precedence[kind]
            return f"precedence for {kind}: {order[won]} over {order[lost]}"
        return f"equal precedence for {kind}: the latest statement (time, sequence, id)"


def regional_agency(source: str) -> str | None:
    """The agency code of a regional source ("simpeg:3201" → "3201"), else None."""
    return source[len(REGIONAL_PREFIX) :] if source.startswith(REGIONAL_PREFIX) else None


def system_of(source: str) -> str | None:
    """The system a source belongs to ("simpeg:3201" → "simpeg"), None for no known system."""
    if source.startswith(REGIONAL_PREFIX):
        return "simpeg"
    return source if source in ("siasn", "ekinerja", STEWARD) else None
