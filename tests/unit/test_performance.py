"""Performance (max 30): the appraisal for year N-1, by predicate or old-scale score."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.factories import (
    BKN_8_2019,
    T0,
    YEAR,
    at,
    employee,
    performance_values,
    record,
    records,
    resolve_and_score,
    statement,
)
from worker.domain.index import performance_points

APPRAISED = YEAR - 1

# Copied from contracts.md §3.
PREDICATES = [
    ("SANGAT_BAIK", 30),
    ("BAIK", 25),
    ("CUKUP", 15),
    ("BUTUH_PERBAIKAN", 15),
    ("KURANG", 5),
    ("BURUK", 1),
    ("SANGAT_KURANG", 1),
]


@pytest.mark.parametrize(("predicate", "points"), PREDICATES)
def test_the_predicate_of_year_n_minus_1_earns_its_points(predicate: str, points: int) -> None:
    history = records("performance", performance_values(APPRAISED, predicate))
    assert performance_points(history, YEAR, BKN_8_2019) == Decimal(points)


# ≥ 91 SANGAT_BAIK 30, ≥ 76 BAIK 25, ≥ 61 CUKUP 15, ≥ 51 KURANG 5, below BURUK 1.
@pytest.mark.parametrize(
    ("score", "points"),
    [
        ("100", 30),
        ("91", 30),
        ("90.5", 25),
        ("90", 25),
        ("76", 25),
        ("75.9", 15),
        ("75", 15),
        ("61", 15),
        ("60", 5),
        ("51", 5),
        ("50", 1),
        ("0", 1),
    ],
)
def test_a_bare_old_scale_score_maps_to_a_predicate(score: str, points: int) -> None:
    history = records("performance", performance_values(APPRAISED, score=score))
    assert performance_points(history, YEAR, BKN_8_2019) == Decimal(points)


@pytest.mark.parametrize(
    ("predicate", "score", "points"),
    [("KURANG", "95", 5), ("SANGAT_BAIK", "10", 30), ("BAIK", "92", 25)],
)
def test_a_predicate_wins_over_a_score(predicate: str, score: str, points: int) -> None:
    history = records("performance", performance_values(APPRAISED, predicate, score))
    assert performance_points(history, YEAR, BKN_8_2019) == Decimal(points)


@pytest.mark.parametrize(("year", "counts"), [(YEAR - 2, False), (YEAR - 1, True), (YEAR, False)])
def test_only_the_appraisal_of_year_n_minus_1_counts(year: int, counts: bool) -> None:
    history = records("performance", performance_values(year, "SANGAT_BAIK"))
    assert performance_points(history, YEAR, BKN_8_2019) == Decimal(30 if counts else 0)


def test_no_appraisal_earns_nothing() -> None:
    assert performance_points([], YEAR, BKN_8_2019) == Decimal(0)


def test_of_several_records_for_the_year_the_latest_winning_statement_counts() -> None:
    history = [
        record("performance", performance_values(APPRAISED, "BAIK"), record_id="p2", time=T0),
        record(
            "performance",
            performance_values(APPRAISED, "KURANG"),
            record_id="p1",
            time=T0 + timedelta(days=1),
        ),
        record(
            "performance",
            performance_values(YEAR, "BURUK"),
            record_id="p3",
            time=T0 + timedelta(days=2),
        ),
    ]
    assert performance_points(history, YEAR, BKN_8_2019) == Decimal(5)
    assert performance_points(reversed(history), YEAR, BKN_8_2019) == Decimal(5)


def test_of_several_records_for_the_year_at_the_same_time_the_larger_record_id_counts() -> None:
    history = [
        record("performance", performance_values(APPRAISED, "SANGAT_BAIK"), record_id="p2"),
        record("performance", performance_values(APPRAISED, "CUKUP"), record_id="p1"),
    ]
    assert performance_points(history, YEAR, BKN_8_2019) == Decimal(30)
    assert performance_points(reversed(history), YEAR, BKN_8_2019) == Decimal(30)


def test_the_time_that_counts_is_that_of_the_statement_that_won_the_record() -> None:
    # Row p1: siasn said BAIK late, but ekinerja (higher precedence) said CUKUP early, so p1's
    # time is ekinerja's; row p2 (SANGAT_KURANG, siasn only) is newer and counts.
    stream = [
        *employee(),
        statement(
            "performance",
            performance_values(APPRAISED, "CUKUP"),
            source="ekinerja",
            record_id="p1",
            time=at(0),
        ),
        statement(
            "performance", performance_values(APPRAISED, "BAIK"), record_id="p1", time=at(60)
        ),
        statement(
            "performance",
            performance_values(APPRAISED, "SANGAT_KURANG"),
            record_id="p2",
            time=at(30),
        ),
    ]
    _, result = resolve_and_score(stream)
    assert result.dimensions is not None
    assert result.dimensions.performance == Decimal(1)
