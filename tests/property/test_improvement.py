"""What raises an index (contracts §12), checked against score() itself: over generated records,
each option taken (the records it asks for added) and the employee scored again.

The records an action adds are built here from the contract's words, not from the options:
the technical training with the JP still missing (summed here from the generated trainings)
ending in T, a seminar ending in T, a training of a tier matching the echelon, a functional
training, the lowest level worth more points than the qualification points held.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import combinations
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.rules import load_rules
from tests.factories import (
    BKN_8_2019,
    NIP,
    discipline_values,
    education_values,
    performance_values,
    position_values,
    profile_values,
    record,
    training_values,
)
from worker.domain.agencies import BANDS
from worker.domain.improvement import ACTIONS, Action, Improvement, improvement
from worker.domain.index import score
from worker.domain.model import IndexResult, Kind, Resolution
from worker.domain.rules import RuleSet

T = 2026
RULES = (BKN_8_2019, load_rules(Path("worker/rules/example-2026.toml")))
LEVELS = ("S3", "S2", "S1", "D4", "D3", "D2", "D1", "SMA", "SMP", "SD")
TIERS = ("PIM_I", "PKN_I", "PIM_II", "PKN_II", "PIM_III", "PKA", "PIM_IV", "PKP")
POSITIONS = (
    position_values("pelaksana"),
    position_values("fungsional"),
    *(position_values("struktural", e) for e in ("I", "II", "III", "III.a", "IV", "IV.b")),
)
# Around the edges of the windows of T: T-1 and T count for a seminar, T for technical JP.
END_DATES = tuple(
    date(y, m, d) for y in (T - 5, T - 2, T - 1, T, T + 1) for m, d in ((1, 1), (12, 31))
)
Added = tuple[Kind, dict[str, Any]]


@st.composite
def employees(draw: st.DrawFn) -> Resolution:
    history: list[Added] = []
    for _ in range(draw(st.integers(0, 3))):
        level = draw(st.sampled_from(LEVELS))
        history.append(("education", education_values(level, draw(st.sampled_from(END_DATES)))))
    for _ in range(draw(st.integers(0, 6))):
        category = draw(st.sampled_from(("technical", "seminar", "functional", "leadership")))
        hours = draw(st.sampled_from(("2", "4", "7.5", "8", "12", "16", "20", "40")))
        tier = draw(st.sampled_from(TIERS)) if category == "leadership" else None
        ended = draw(st.sampled_from(END_DATES))
        history.append(("training", training_values(category, ended, hours, leadership_tier=tier)))
    for _ in range(draw(st.integers(0, 2))):
        predicate = draw(st.sampled_from(("SANGAT_BAIK", "BAIK", "CUKUP", "KURANG", "BURUK")))
        year = draw(st.sampled_from((T - 2, T - 1, T)))
        history.append(("performance", performance_values(year, predicate)))
    for _ in range(draw(st.integers(0, 2))):
        level = draw(st.sampled_from(("light", "medium", "heavy")))
        history.append(("discipline", discipline_values(level, draw(st.sampled_from(END_DATES)))))
    found = [
        record("profile", profile_values("3201")),
        record("position", draw(st.sampled_from(POSITIONS))),
        *(record(kind, values, record_id=f"r{i}") for i, (kind, values) in enumerate(history)),
    ]
    return Resolution.of_records(NIP, found)


def _with(resolution: Resolution, added: list[Added]) -> Resolution:
    extra = [record(kind, v, record_id=f"new-{i}") for i, (kind, v) in enumerate(added)]
    return Resolution.of_records(resolution.nip, [*resolution.every_record(), *extra])


def _technical_hours(resolution: Resolution) -> Decimal:
    return sum(
        (
            Decimal(str(r.values["hours"]))
            for r in resolution.records("training")
            if r.values["category"] == "technical" and r.values["end_date"].startswith(f"{T}-")
        ),
        Decimal(0),
    )


def _level_above(points: Decimal, rules: RuleSet) -> str:
    """The lowest level worth more than `points` (the top level where none is)."""
    better = [(worth, level) for level, worth in rules.qualification.items() if worth > points]
    return min(better)[1] if better else max((w, lv) for lv, w in rules.qualification.items())[1]


def _action_records(resolution: Resolution, action: Action, rules: RuleSet) -> list[Added]:
    """What taking the action adds to the records, as the contract says it."""
    last_day = date(T, 12, 31)
    if action == "technical_training":
        missing = rules.technical_min_hours - _technical_hours(resolution)
        return [("training", training_values("technical", last_day, max(missing, Decimal(1))))]
    if action == "seminar":
        return [("training", training_values("seminar", last_day, 2))]
    if action == "leadership_training":
        echelon = str((resolution.position.values if resolution.position else {}).get("echelon"))
        tiers = sorted(rules.leadership_tiers.get(echelon.split(".")[0], {"PIM_I"}))
        return [("training", training_values("leadership", last_day, 40, leadership_tier=tiers[0]))]
    if action == "functional_training":
        return [("training", training_values("functional", last_day, 40))]
    held = score(resolution, T, rules).dimensions
    level = _level_above(held.qualification if held else Decimal(0), rules)
    return [("education", education_values(level, last_day))]


def _taken(
    resolution: Resolution, actions: tuple[Action, ...] | list[Action], rules: RuleSet
) -> IndexResult:
    added = [a for action in actions for a in _action_records(resolution, action, rules)]
    return score(_with(resolution, added), T, rules)


def _rank(band: Any) -> int:
    return len(BANDS) - BANDS.index(band)  # higher is better


def _found(resolution: Resolution, rules: RuleSet) -> Improvement:
    found = improvement(resolution, T, rules)
    assert found is not None  # every generated employee has a profile and a position
    assert found.projected == score(resolution, T, rules)
    return found


@settings(max_examples=300, deadline=None)
@given(resolution=employees(), rules=st.sampled_from(RULES))
def test_each_option_taken_alone_adds_exactly_its_gain_to_its_dimension(
    resolution: Resolution, rules: RuleSet
) -> None:
    found = _found(resolution, rules)
    before = found.projected.dimensions
    assert before is not None
    for option in found.options:
        after = _taken(resolution, [option.action], rules)
        assert after.score == found.score + option.gain
        assert after.dimensions is not None
        changed = {d for d, v in after.dimensions.as_dict().items() if v != before.as_dict()[d]}
        assert changed == {option.dimension}
        assert option.gain > 0


@settings(max_examples=300, deadline=None)
@given(resolution=employees(), rules=st.sampled_from(RULES))
def test_every_action_that_would_add_points_is_an_option(
    resolution: Resolution, rules: RuleSet
) -> None:
    found = _found(resolution, rules)
    offered = {o.action for o in found.options}
    for action in ACTIONS:
        if action not in offered:
            assert _taken(resolution, [action], rules).score == found.score


@settings(max_examples=200, deadline=None)
@given(resolution=employees(), rules=st.sampled_from(RULES))
def test_the_missing_jp_are_exactly_enough(resolution: Resolution, rules: RuleSet) -> None:
    found = _found(resolution, rules)
    if "technical_training" in {o.action for o in found.options}:
        missing = rules.technical_min_hours - _technical_hours(resolution)
        assert f"{missing.normalize():f} " in next(
            o.detail for o in found.options if o.action == "technical_training"
        )
        if missing > Decimal("0.5"):
            short = training_values("technical", date(T, 6, 1), missing - Decimal("0.5"))
            assert score(_with(resolution, [("training", short)]), T, rules).score == found.score


@settings(max_examples=300, deadline=None)
@given(resolution=employees(), rules=st.sampled_from(RULES))
def test_the_set_to_the_next_band_reaches_it_and_no_smaller_or_better_set_does(
    resolution: Resolution, rules: RuleSet
) -> None:
    found = _found(resolution, rules)
    now = _rank(found.projected.band)
    every = tuple(o.action for o in found.options)
    everything = _taken(resolution, every, rules)
    assert everything.score == found.score + sum((o.gain for o in found.options), Decimal(0))
    if found.to_next_band is None:
        # At the top, or not even every option together lifts it.
        assert now == len(BANDS) or _rank(everything.band) == now
        return
    chosen = _taken(resolution, found.to_next_band, rules)
    assert _rank(chosen.band) > now
    effort = {o.action: o.effort for o in found.options}
    size = len(found.to_next_band)
    for smaller in range(1, size):
        for actions in combinations(every, smaller):
            assert _rank(_taken(resolution, actions, rules).band) == now

    def preference(actions: tuple[Action, ...], result: IndexResult) -> tuple[int, Decimal]:
        return (sum(effort[a] == "long" for a in actions), -(result.score or Decimal(0)))

    for actions in combinations(every, size):
        result = _taken(resolution, actions, rules)
        if _rank(result.band) > now:
            assert preference(found.to_next_band, chosen) <= preference(actions, result)
