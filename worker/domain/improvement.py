"""What raises an index (contracts §12): for a target year T, the index the records give with no
new action, every option one action can still take, and the fewest options to the next band.

Every gain is read from the rule set, never written here: an option's gain is the points of the
one criterion it meets (competency) or the difference between two levels' points
(qualification). The criteria are independent of one another (competency is the sum of its
indicators' points, qualification a separate dimension), so a set of options adds the sum of
their gains; tests/property/test_improvement.py applies them to the records and scores again.
Performance (the appraisal of T-1) and discipline are fixed for T: no action in T changes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations
from typing import Any, Literal, cast, get_args

from worker.domain.index import (
    competency_indicators,
    cutoff,
    echelon_of,
    matching_tiers,
    score,
)
from worker.domain.model import Dimension, IndexResult, PositionType, Record, Resolution
from worker.domain.rules import RuleSet, YearWindow

Action = Literal[
    "technical_training", "seminar", "leadership_training", "functional_training", "education"
]
ACTIONS: tuple[Action, ...] = get_args(Action)  # the order options are listed in
Effort = Literal["short", "long"]
# Training takes days; a degree takes years.
EFFORT: Mapping[Action, Effort] = {
    "technical_training": "short",
    "seminar": "short",
    "leadership_training": "short",
    "functional_training": "short",
    "education": "long",
}
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Option:
    """One action that meets one criterion the records do not meet for the target year."""

    action: Action
    dimension: Dimension
    gain: Decimal  # the points it adds on its own
    effort: Effort
    detail: str  # one line a person understands


@dataclass(frozen=True, slots=True)
class Improvement:
    """An employee's projected index for `year`, the options and the set to the next band."""

    year: int
    projected: IndexResult  # with a score: an employee without an index has no Improvement
    options: tuple[Option, ...]
    to_next_band: tuple[Action, ...] | None  # None: at the top band, or no set reaches it
    # The score must be strictly above this to reach the next band; None at the top band.
    next_above: Decimal | None

    @property
    def score(self) -> Decimal:
        return self.projected.score or ZERO

    def lifts_band(self, gain: Decimal) -> bool:
        """Whether this many more points reach at least the next band."""
        return self.next_above is not None and self.score + gain > self.next_above

    @property
    def short_gain(self) -> Decimal:
        """The points every `short` option together adds."""
        return sum((o.gain for o in self.options if o.effort == "short"), ZERO)


def improvement(resolution: Resolution, year: int, rules: RuleSet) -> Improvement | None:
    """The projected index for `year` under the rules, its options and the set to the next
    band; None for an employee without an index (no profile or no position)."""
    projected = score(resolution, year, rules)
    if projected.score is None or resolution.position is None:
        return None
    position, dimensions = resolution.position.values, projected.dimensions
    now = dimensions.qualification if dimensions else ZERO
    options = (
        *competency_options(position, resolution.records("training"), year, rules),
        *education_options(resolution.records("education"), now, year, rules),
    )
    above = next_band_above(projected.score, rules)
    return Improvement(
        year, projected, options, to_next_band(options, projected.score, above), above
    )


def next_band_above(score: Decimal, rules: RuleSet) -> Decimal | None:
    """The threshold a score must exceed to reach the band above its own; None at the top."""
    return min((threshold for threshold, _ in rules.bands if threshold >= score), default=None)


def to_next_band(
    options: Sequence[Option], score: Decimal, above: Decimal | None
) -> tuple[Action, ...] | None:
    """The fewest options whose gains lift `score` above `above`; among sets of one size,
    the one with fewer `long` options, then the larger total gain, then the first listed."""
    if above is None:
        return None
    for size in range(1, len(options) + 1):
        reaching = [c for c in combinations(options, size) if score + _gain(c) > above]
        if reaching:
            chosen = min(reaching, key=lambda c: (_longs(c), -_gain(c)))
            return tuple(o.action for o in chosen)
    return None


def _gain(options: Iterable[Option]) -> Decimal:
    return sum((o.gain for o in options), ZERO)


def _longs(options: Iterable[Option]) -> int:
    return sum(1 for o in options if o.effort == "long")


def _acts_in_target_year(window: YearWindow) -> bool:
    """Whether a training ending in the target year itself counts for it."""
    return window.first <= 0 <= window.last


def competency_options(
    position: Mapping[str, Any], training: Iterable[Record], year: int, rules: RuleSet
) -> list[Option]:
    """The competency criteria of the position type that earn points and are not met."""
    table = rules.competency.get(cast(PositionType, position.get("position_type")))
    if table is None:
        return []
    met = competency_indicators(position, training, year, rules)
    found: list[Option] = []
    missing = rules.technical_min_hours - met.technical_hours
    if table.technical > 0 and missing > 0 and _acts_in_target_year(rules.technical_window):
        more = " more" if met.technical_hours > 0 else ""
        detail = f"{_number(missing)}{more} JP of technical training ending in {year}"
        found.append(_competency("technical_training", table.technical, detail))
    if table.seminar > 0 and not met.seminar and _acts_in_target_year(rules.seminar_window):
        found.append(_competency("seminar", table.seminar, f"a seminar ending in {year}"))
    tiers = matching_tiers(position, rules)
    if table.leadership > 0 and tiers and not met.leadership:
        echelon = echelon_of(position.get("echelon"))
        detail = (
            f"leadership training {' or '.join(sorted(tiers))} (echelon {echelon}) "
            f"ending by {cutoff(year)}"
        )
        found.append(_competency("leadership_training", table.leadership, detail))
    if table.functional > 0 and not met.functional:
        detail = f"a functional training ending by {cutoff(year)}"
        found.append(_competency("functional_training", table.functional, detail))
    return found


def _competency(action: Action, gain: Decimal, detail: str) -> Option:
    return Option(action, "competency", gain, EFFORT[action], detail)


def education_options(
    education: Iterable[Record], now: Decimal, year: int, rules: RuleSet
) -> list[Option]:
    """The lowest level worth more points than `now` (the qualification points for the
    year); of levels worth the same, the one the rules list last (S1 before D4: D3 → D4)."""
    better = [
        (worth, -listed, level)
        for listed, (level, worth) in enumerate(rules.qualification.items())
        if worth > now
    ]
    if not better:
        return []
    worth, _, level = min(better)
    held = _highest_level(education, year, rules) if now > 0 else None
    detail = f"complete {level} by {cutoff(year)} ({f'now {held}' if held else 'none now'})"
    return [Option("education", "qualification", worth - now, EFFORT["education"], detail)]


def _highest_level(education: Iterable[Record], year: int, rules: RuleSet) -> str | None:
    """The level worth the most points of those graduated by the cut-off, for the detail."""
    last_day = cutoff(year).isoformat()
    graduated = [
        str(r.values.get("level"))
        for r in education
        if str(r.values.get("graduated_on") or "9999") <= last_day  # ISO dates sort as text
    ]
    return max(graduated, key=lambda level: rules.qualification.get(level, ZERO), default=None)


def _number(value: Decimal) -> str:
    """12, 7.5: a decimal as a person writes it."""
    return f"{value.normalize():f}"


def as_data(found: Improvement | None) -> dict[str, Any] | None:
    """contracts §12's `improvement` (numbers as Decimals; commands write JSON numbers)."""
    if found is None:
        return None
    projected = found.projected
    return {
        "year": found.year,
        "projected": {
            "score": projected.score,
            "band": projected.band,
            "dimensions": projected.dimensions.as_dict() if projected.dimensions else None,
        },
        "options": [
            {
                "action": o.action,
                "dimension": o.dimension,
                "gain": o.gain,
                "effort": o.effort,
                "detail": o.detail,
            }
            for o in found.options
        ],
        "to_next_band": None if found.to_next_band is None else list(found.to_next_band),
    }
