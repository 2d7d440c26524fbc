"""Discipline (max 5): the most severe punishment starting in years N-4 to N."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import BKN_8_2019, YEAR, discipline_values, records
from worker.domain.index import discipline_points

# Copied from contracts.md §3.
NONE_POINTS = 5
LEVELS = [("light", 3), ("medium", 2), ("heavy", 1)]


def test_no_punishment_earns_full_points() -> None:
    assert discipline_points([], YEAR, BKN_8_2019) == Decimal(NONE_POINTS)


@pytest.mark.parametrize(("level", "points"), LEVELS)
def test_a_punishment_within_the_window_earns_its_points(level: str, points: int) -> None:
    history = records("discipline", discipline_values(level, date(YEAR - 2, 7, 1)))
    assert discipline_points(history, YEAR, BKN_8_2019) == Decimal(points)


@pytest.mark.parametrize(
    ("levels", "points"),
    [
        (["light", "heavy"], 1),
        (["heavy", "light"], 1),
        (["light", "medium"], 2),
        (["medium", "light", "light"], 2),
        (["light", "medium", "heavy"], 1),
        (["light", "light"], 3),
    ],
)
def test_the_most_severe_punishment_wins(levels: list[str], points: int) -> None:
    history = records(
        "discipline", *(discipline_values(level, date(YEAR - 1, 3, 1)) for level in levels)
    )
    assert discipline_points(history, YEAR, BKN_8_2019) == Decimal(points)


@pytest.mark.parametrize(
    ("start_date", "counts"),
    [
        (date(YEAR - 5, 1, 1), False),
        (date(YEAR - 5, 12, 31), False),  # N-5: just outside
        (date(YEAR - 4, 1, 1), True),  # N-4: just inside
        (date(YEAR, 12, 31), True),  # N
        (date(YEAR + 1, 1, 1), False),  # after the measurement year
    ],
)
def test_only_punishments_starting_in_years_n_minus_4_to_n_count(
    start_date: date, counts: bool
) -> None:
    history = records("discipline", discipline_values("heavy", start_date))
    expected = 1 if counts else NONE_POINTS
    assert discipline_points(history, YEAR, BKN_8_2019) == Decimal(expected)


def test_a_severe_punishment_outside_the_window_does_not_beat_a_light_one_inside() -> None:
    history = records(
        "discipline",
        discipline_values("heavy", date(YEAR - 5, 6, 1)),
        discipline_values("light", date(YEAR - 4, 6, 1)),
    )
    assert discipline_points(history, YEAR, BKN_8_2019) == Decimal(3)
