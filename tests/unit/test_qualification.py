"""Qualification (max 25): the highest education level graduated on or before the cut-off."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import BKN_8_2019, YEAR, education_values, records
from worker.domain.index import qualification_points

CUTOFF = date(YEAR, 12, 31)
DAY_AFTER = date(YEAR + 1, 1, 1)

# Copied from contracts.md §3, not from the rules file, so a typo in either one shows.
LEVELS = [
    ("S3", 25),
    ("S2", 20),
    ("S1", 15),
    ("D4", 15),
    ("D3", 10),
    ("D2", 5),
    ("D1", 5),
    ("SMA", 5),
    ("SMP", 1),
    ("SD", 1),
]


@pytest.mark.parametrize(("level", "points"), LEVELS)
def test_highest_level_graduated_by_the_cutoff_earns_its_points(level: str, points: int) -> None:
    history = records(
        "education",
        education_values("SD", graduated_on=date(1990, 6, 1)),
        education_values(level, graduated_on=CUTOFF),
    )
    assert qualification_points(history, YEAR, BKN_8_2019) == Decimal(points)


@pytest.mark.parametrize("level", [level for level, _ in LEVELS])
def test_a_level_graduated_the_day_after_the_cutoff_does_not_count(level: str) -> None:
    history = records("education", education_values(level, graduated_on=DAY_AFTER))
    assert qualification_points(history, YEAR, BKN_8_2019) == Decimal(0)


def test_a_degree_graduated_after_the_cutoff_leaves_the_earlier_one_counting() -> None:
    history = records(
        "education",
        education_values("S1", graduated_on=date(2012, 8, 30)),
        education_values("S2", graduated_on=DAY_AFTER),
    )
    assert qualification_points(history, YEAR, BKN_8_2019) == Decimal(15)


def test_no_education_earns_nothing() -> None:
    assert qualification_points([], YEAR, BKN_8_2019) == Decimal(0)


def test_the_highest_level_counts_whatever_order_the_records_come_in() -> None:
    history = records(
        "education",
        education_values("S2", graduated_on=date(2020, 1, 10)),
        education_values("S1", graduated_on=date(2012, 8, 30)),
        education_values("SMA", graduated_on=date(2005, 5, 1)),
    )
    assert qualification_points(history, YEAR, BKN_8_2019) == Decimal(20)
    assert qualification_points(reversed(history), YEAR, BKN_8_2019) == Decimal(20)
