"""Bands: a score strictly above 90, 80, 70, 60; and scores are exact Decimals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import (
    BKN_8_2019,
    YEAR,
    discipline_values,
    education_values,
    employee,
    performance_values,
    position_values,
    resolve_and_score,
    statement,
    training_values,
)
from worker.domain.index import band_of
from worker.domain.model import Statement


# Copied from contracts.md §3: > 90 Sangat Tinggi, > 80 Tinggi, > 70 Sedang, > 60 Rendah.
@pytest.mark.parametrize(
    ("score", "band"),
    [
        ("100", "Sangat Tinggi"),
        ("90.5", "Sangat Tinggi"),
        ("90.01", "Sangat Tinggi"),
        ("90", "Tinggi"),
        ("90.0", "Tinggi"),
        ("80.5", "Tinggi"),
        ("80", "Sedang"),
        ("70.5", "Sedang"),
        ("70", "Rendah"),
        ("60.5", "Rendah"),
        ("60", "Sangat Rendah"),
        ("59.5", "Sangat Rendah"),
        ("0", "Sangat Rendah"),
    ],
)
def test_a_score_earns_the_band_whose_threshold_it_strictly_exceeds(score: str, band: str) -> None:
    assert band_of(Decimal(score), BKN_8_2019) == band


def _pelaksana(education: str, performance: str, discipline: str | None) -> list[Statement]:
    stream = [
        *employee(position=position_values("pelaksana")),
        statement("education", education_values(education, date(2010, 1, 1))),
        statement("training", training_values("technical", date(YEAR, 3, 1), 20), record_id="t1"),
        statement("training", training_values("seminar", date(YEAR, 4, 1), 4), record_id="t2"),
        statement("performance", performance_values(YEAR - 1, performance)),
    ]
    if discipline:
        stream.append(statement("discipline", discipline_values(discipline, date(YEAR, 1, 2))))
    return stream


def test_pelaksana_competency_of_22_5_plus_17_5_is_exactly_40() -> None:
    _, result = resolve_and_score(_pelaksana("S2", "BAIK", None))
    assert result.dimensions is not None
    assert result.dimensions.competency == Decimal(40)
    assert isinstance(result.dimensions.competency, Decimal)


def test_a_total_of_exactly_90_built_from_fractions_is_tinggi_not_sangat_tinggi() -> None:
    # 20 + (22.5 + 17.5) + 25 + 5: floats summed in another order could exceed 90.
    _, result = resolve_and_score(_pelaksana("S2", "BAIK", None))
    assert result.score == Decimal(90)
    assert isinstance(result.score, Decimal)
    assert result.band == "Tinggi"


def test_a_total_just_above_90_is_sangat_tinggi() -> None:
    # 25 + 40 + 25 + 5 = 95
    _, result = resolve_and_score(_pelaksana("S3", "BAIK", None))
    assert (result.score, result.band) == (Decimal(95), "Sangat Tinggi")


def test_a_fractional_total_is_exact() -> None:
    # 5 (SMA) + 22.5 (technical only) + 30 + 3 = 60.5, just above 60.
    stream = [s for s in _pelaksana("SMA", "SANGAT_BAIK", "light") if s.record_id != "t2"]
    _, result = resolve_and_score(stream)
    assert result.score == Decimal("60.5")
    assert str(result.score) == "60.5"
    assert result.band == "Rendah"
