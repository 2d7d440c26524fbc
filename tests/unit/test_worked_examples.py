"""The two worked examples of contracts.md §3, end to end through resolve() and score()."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import (
    NIP,
    OTHER_NIP,
    at,
    discipline_values,
    education_values,
    performance_values,
    position_values,
    profile_values,
    resolve_and_score,
    statement,
    training_values,
)
from worker.domain.model import Kind, Statement, Values

REGIONAL = "simpeg:3201"


def _struktural_example() -> list[Statement]:
    def s(kind: Kind, values: Values, source: str, record_id: str | None, minute: int) -> Statement:
        return statement(kind, values, source=source, record_id=record_id, time=at(minute), nip=NIP)

    return [
        s("profile", profile_values("3201"), "siasn", None, 0),
        s("position", position_values("struktural", "III"), "siasn", None, 1),
        s("education", education_values("S1", date(2009, 9, 1)), "siasn", "E-1", 2),
        s("education", education_values("S2", date(2020, 3, 1)), REGIONAL, "S3201-E-7", 3),
        s(
            "training",
            training_values("leadership", date(2015, 6, 30), 285, leadership_tier="PIM_IV"),
            "siasn",
            "T-1",
            4,
        ),
        s(
            "training",
            training_values("leadership", date(2024, 9, 30), 600, leadership_tier="PKA"),
            REGIONAL,
            "S3201-T-2",
            5,
        ),
        s("training", training_values("technical", date(2025, 4, 10), 10), "siasn", "T-3", 6),
        s("training", training_values("technical", date(2025, 7, 4), 6), REGIONAL, "S3201-T-4", 7),
        s("training", training_values("seminar", date(2024, 11, 12), 2), "siasn", "T-5", 8),
        s("performance", performance_values(2024, score="92"), "siasn", "P-2024", 9),
        s("performance", performance_values(2024, "BAIK"), "ekinerja", "P-2024", 10),
        s("discipline", discipline_values("light", date(2023, 2, 1)), REGIONAL, "S3201-D-1", 11),
    ]


def _pelaksana_example() -> list[Statement]:
    def s(kind: Kind, values: Values, record_id: str | None, minute: int) -> Statement:
        return statement(kind, values, record_id=record_id, time=at(minute), nip=OTHER_NIP)

    return [
        s("profile", profile_values("7317"), None, 0),
        s("position", position_values("pelaksana"), None, 1),
        s("education", education_values("SMA", date(2012, 6, 1)), "E-1", 2),
        s("training", training_values("technical", date(2025, 3, 5), 8), "T-1", 3),
        s("training", training_values("technical", date(2025, 10, 9), 12), "T-2", 4),
        s("training", training_values("seminar", date(2023, 5, 20), 2), "T-3", 5),
        s("performance", performance_values(2024, "SANGAT_BAIK"), "P-2024", 6),
        s("discipline", discipline_values("heavy", date(2020, 8, 17)), "D-1", 7),
    ]


@pytest.mark.parametrize(
    ("nip", "stream", "dimensions", "total", "band"),
    [
        (NIP, _struktural_example(), ("20", "25", "25", "3"), "73", "Sedang"),
        (OTHER_NIP, _pelaksana_example(), ("5", "22.5", "30", "5"), "62.5", "Rendah"),
    ],
    ids=["struktural-73-sedang", "pelaksana-62.5-rendah"],
)
@pytest.mark.parametrize("order", ["as listed", "reversed"])
def test_the_worked_example_scores_as_the_contract_says(
    nip: str,
    stream: list[Statement],
    dimensions: tuple[str, ...],
    total: str,
    band: str,
    order: str,
) -> None:
    arrivals = stream if order == "as listed" else list(reversed(stream))
    _, result = resolve_and_score(arrivals, nip=nip, year=2025)
    assert result.dimensions is not None
    assert tuple(result.dimensions.as_dict().values()) == tuple(Decimal(d) for d in dimensions)
    assert result.score == Decimal(total)
    assert result.band == band
    assert result.rule_version == "bkn-8-2019"


def test_in_the_struktural_example_ekinerja_wins_the_shared_performance_row() -> None:
    resolution, _ = resolve_and_score(_struktural_example(), year=2025)
    (appraisal,) = resolution.records("performance")
    assert (appraisal.source, appraisal.values["predicate"]) == ("ekinerja", "BAIK")
    (conflict,) = resolution.conflicts
    assert (conflict.kind, conflict.record_id) == ("performance", "P-2024")
    assert (conflict.winner_source, conflict.loser_source) == ("ekinerja", "siasn")


def test_in_the_struktural_example_the_regional_rows_count_beside_the_national_ones() -> None:
    resolution, result = resolve_and_score(_struktural_example(), year=2025)
    assert {r.record_id: r.source for r in resolution.records("education")} == {
        "E-1": "siasn",
        "S3201-E-7": REGIONAL,
    }
    assert len(resolution.records("training")) == 5
    assert result.agency_code == "3201"
