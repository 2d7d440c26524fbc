"""Competency (max 40), by position type: leadership, functional, technical and seminar."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.factories import BKN_8_2019, YEAR, position_values, records, training_values
from worker.domain.index import competency_points

CUTOFF = date(YEAR, 12, 31)
DAY_AFTER = date(YEAR + 1, 1, 1)
STRUKTURAL_III = position_values("struktural", "III")
FUNGSIONAL = position_values("fungsional")
PELAKSANA = position_values("pelaksana")

# Copied from contracts.md §3: the points of each indicator per position type.
POINTS: dict[str, dict[str, str]] = {
    "struktural": {"leadership": "15", "functional": "0", "technical": "15", "seminar": "10"},
    "fungsional": {"leadership": "0", "functional": "15", "technical": "15", "seminar": "10"},
    "pelaksana": {"leadership": "0", "functional": "0", "technical": "22.5", "seminar": "17.5"},
}
# Copied from contracts.md §3: the leadership tiers matching each echelon.
TIERS = {
    "I": ("PIM_I", "PKN_I"),
    "II": ("PIM_II", "PKN_II"),
    "III": ("PIM_III", "PKA"),
    "IV": ("PIM_IV", "PKP"),
}
ALL_TIERS = [tier for tiers in TIERS.values() for tier in tiers]


def _position(position_type: str) -> dict[str, Any]:
    return position_values(position_type, "III" if position_type == "struktural" else None)


def _indicator(indicator: str) -> dict[str, Any]:
    """One training that completes the indicator for the measurement year on its own."""
    if indicator == "leadership":
        return training_values("leadership", date(YEAR - 1, 5, 1), 40, leadership_tier="PKA")
    if indicator == "functional":
        return training_values("functional", date(YEAR - 3, 5, 1), 40)
    if indicator == "technical":
        return training_values("technical", date(YEAR, 5, 1), 20)
    return training_values("seminar", date(YEAR, 5, 1), 2)


def _points(position: dict[str, Any], *trainings: dict[str, Any]) -> Decimal:
    return competency_points(position, records("training", *trainings), YEAR, BKN_8_2019)


@pytest.mark.parametrize(
    ("position_type", "indicator", "points"),
    [(t, i, p) for t, row in POINTS.items() for i, p in row.items()],
)
def test_each_indicator_earns_the_points_of_the_position_type(
    position_type: str, indicator: str, points: str
) -> None:
    assert _points(_position(position_type), _indicator(indicator)) == Decimal(points)


@pytest.mark.parametrize("position_type", POINTS)
def test_every_indicator_together_earns_exactly_40(position_type: str) -> None:
    trainings = [_indicator(i) for i in ("leadership", "functional", "technical", "seminar")]
    total = _points(_position(position_type), *trainings)
    assert total == Decimal(40)
    assert isinstance(total, Decimal)


@pytest.mark.parametrize("position_type", POINTS)
def test_no_training_earns_nothing(position_type: str) -> None:
    assert _points(_position(position_type)) == Decimal(0)


@pytest.mark.parametrize(
    ("echelon", "tier", "points"),
    [
        (echelon, tier, 15 if tier in TIERS[echelon.split(".")[0]] else 0)
        for echelon in ("I", "II", "III", "IV", "II.a", "II.b", "III.a", "IV.b")
        for tier in ALL_TIERS
    ],
)
def test_leadership_training_counts_only_when_its_tier_matches_the_echelon(
    echelon: str, tier: str, points: int
) -> None:
    training = training_values("leadership", date(2015, 6, 1), 100, leadership_tier=tier)
    assert _points(position_values("struktural", echelon), training) == Decimal(points)


@pytest.mark.parametrize(
    ("category", "end_date", "points"),
    [
        ("leadership", CUTOFF, 15),
        ("leadership", DAY_AFTER, 0),
        ("functional", CUTOFF, 15),
        ("functional", DAY_AFTER, 0),
    ],
)
def test_leadership_and_functional_training_count_when_ended_by_the_cutoff(
    category: str, end_date: date, points: int
) -> None:
    tier = "PKA" if category == "leadership" else None
    training = training_values(
        category, end_date, 40, leadership_tier=tier, start_date=date(YEAR, 10, 1)
    )
    position = STRUKTURAL_III if category == "leadership" else FUNGSIONAL
    assert _points(position, training) == Decimal(points)


@pytest.mark.parametrize(
    ("end_date", "counts"),
    [
        (date(YEAR - 1, 12, 31), False),
        (date(YEAR, 1, 1), True),
        (date(YEAR, 12, 31), True),
        (DAY_AFTER, False),
    ],
)
def test_technical_training_counts_only_when_it_ended_in_the_measurement_year(
    end_date: date, counts: bool
) -> None:
    training = training_values("technical", end_date, 20, start_date=date(YEAR - 1, 12, 1))
    assert _points(PELAKSANA, training) == (Decimal("22.5") if counts else Decimal(0))


@pytest.mark.parametrize(
    ("hours", "counts"),
    [
        (["19"], False),
        (["20"], True),
        (["8", "11"], False),
        (["8", "12"], True),
        (["10", "5", "4"], False),
        (["10", "5", "5"], True),
        (["19.5", "0.5"], True),
        (["19.5", "0.4"], False),
    ],
)
def test_technical_hours_of_several_trainings_add_up_to_at_least_20_jp(
    hours: list[str], counts: bool
) -> None:
    trainings = [training_values("technical", date(YEAR, 2, 1), h) for h in hours]
    assert _points(FUNGSIONAL, *trainings) == (Decimal(15) if counts else Decimal(0))


def test_technical_hours_outside_the_measurement_year_do_not_add_up() -> None:
    trainings = [
        training_values("technical", date(YEAR, 2, 1), 12),
        training_values("technical", date(YEAR - 1, 12, 31), 8),
    ]
    assert _points(FUNGSIONAL, *trainings) == Decimal(0)


@pytest.mark.parametrize(
    ("end_date", "counts"),
    [
        (date(YEAR - 2, 12, 31), False),  # N-2
        (date(YEAR - 1, 1, 1), True),  # N-1
        (date(YEAR - 1, 11, 20), True),
        (date(YEAR, 12, 31), True),  # N
        (DAY_AFTER, False),
    ],
)
def test_one_seminar_ending_in_year_n_minus_1_or_n_counts(end_date: date, counts: bool) -> None:
    seminar = training_values("seminar", end_date, 2, start_date=date(YEAR - 2, 12, 1))
    assert _points(PELAKSANA, seminar) == (Decimal("17.5") if counts else Decimal(0))


def test_several_leadership_trainings_count_once() -> None:
    trainings = [
        training_values("leadership", date(2015, 1, 1), 100, leadership_tier="PIM_III"),
        training_values("leadership", date(2024, 1, 1), 100, leadership_tier="PKA"),
    ]
    assert _points(STRUKTURAL_III, *trainings) == Decimal(15)


def test_a_leadership_training_of_a_lower_tier_earns_nothing() -> None:
    # The first worked example: PIM_IV for an echelon III post earns nothing.
    training = training_values("leadership", date(2015, 1, 1), 100, leadership_tier="PIM_IV")
    assert _points(STRUKTURAL_III, training) == Decimal(0)
