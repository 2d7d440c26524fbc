"""What raises the indexes of many employees (contracts §12, `ipasn-worker plan`): per action,
the employees it is open to, those it alone lifts at least one band and its mean gain; the band
counts of the projected indexes, and those if every `short` option were taken.

Added up one employee's Improvement at a time, so that a million employees pass through in pages
and nothing but these counts is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from worker.domain.agencies import BANDS, CENT
from worker.domain.improvement import ACTIONS, Action, Improvement
from worker.domain.index import band_of
from worker.domain.model import Band
from worker.domain.rules import RuleSet


@dataclass(slots=True)
class ActionTally:
    open: int = 0  # employees for whom the option exists
    lifts_band: int = 0  # of those, employees it alone lifts at least one band
    gain_sum: Decimal = Decimal(0)

    @property
    def mean_gain(self) -> Decimal | None:
        """The mean gain over the employees it is open to (two decimals, half up)."""
        if not self.open:
            return None
        return (self.gain_sum / self.open).quantize(CENT, rounding=ROUND_HALF_UP)


def _bands() -> dict[Band, int]:
    return dict.fromkeys(BANDS, 0)


@dataclass(slots=True)
class Plan:
    year: int
    agency: str | None
    employees: int = 0  # with a projected index
    actions: dict[Action, ActionTally] = field(
        default_factory=lambda: {a: ActionTally() for a in ACTIONS}
    )
    bands_now: dict[Band, int] = field(default_factory=_bands)
    bands_if_short: dict[Band, int] = field(default_factory=_bands)

    def add(self, found: Improvement, rules: RuleSet) -> None:
        """One employee's projected index and options counted."""
        projected = found.projected
        if projected.band is None:
            return
        self.employees += 1
        self.bands_now[projected.band] += 1
        self.bands_if_short[band_of(found.score + found.short_gain, rules)] += 1
        for option in found.options:
            tally = self.actions[option.action]
            tally.open += 1
            tally.gain_sum += option.gain
            tally.lifts_band += found.lifts_band(option.gain)


def as_data(plan: Plan) -> dict[str, Any]:
    """contracts §12's JSON (numbers as Decimals; the command writes them as JSON numbers)."""
    return {
        "year": plan.year,
        "agency": plan.agency,
        "employees": plan.employees,
        "actions": [
            {
                "action": action,
                "open": tally.open,
                "lifts_band": tally.lifts_band,
                "mean_gain": tally.mean_gain,
            }
            for action, tally in plan.actions.items()
        ],
        "bands_now": dict(plan.bands_now),
        "bands_if_short": dict(plan.bands_if_short),
    }
