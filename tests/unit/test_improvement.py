"""What raises an index (contracts §12): the projected index for T, the options, the set to the
next band. Expected numbers are worked out by hand from the contract's tables (§3)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

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
from worker.domain.improvement import (
    Improvement,
    Option,
    as_data,
    improvement,
    next_band_above,
    to_next_band,
)
from worker.domain.model import Kind, Resolution
from worker.domain.rules import CompetencyPoints

T = 2026  # the target year: measurement year 2025 + 1
EXAMPLE_2026 = load_rules(Path("worker/rules/example-2026.toml"))
D = Decimal


def employee(position: dict[str, Any], *history: tuple[Kind, dict[str, Any]]) -> Resolution:
    found = [record("profile", profile_values("3201")), record("position", position)]
    found += [record(kind, values, record_id=f"r{i}") for i, (kind, values) in enumerate(history)]
    return Resolution.of_records(NIP, found)


def _found(resolution: Resolution, rules: Any = BKN_8_2019, year: int = T) -> Improvement:
    found = improvement(resolution, year, rules)
    assert found is not None
    return found


def _options(found: Improvement) -> dict[str, tuple[str, Decimal, str, str]]:
    return {o.action: (o.dimension, o.gain, o.effort, o.detail) for o in found.options}


# Pelaksana, SMA, 8 JP of technical training in T, no seminar, SANGAT_BAIK for T-1, no
# punishment: 5 + 0 + 30 + 5 = 40, Sangat Rendah.
PELAKSANA = employee(
    position_values("pelaksana"),
    ("education", education_values("SMA", date(2005, 6, 1))),
    ("training", training_values("technical", date(T, 3, 1), 8)),
    ("performance", performance_values(T - 1, "SANGAT_BAIK")),
)
# Struktural echelon III: S1; PIM_IV (wrong tier); 16 JP in T; a seminar in T-1 (counts for T);
# BAIK for T-1; a light punishment in T-2: 15 + (0 + 0 + 10) + 25 + 3 = 53, Sangat Rendah.
STRUKTURAL = employee(
    position_values("struktural", "III.a"),
    ("education", education_values("S1", date(2010, 6, 1))),
    ("training", training_values("leadership", date(2015, 5, 1), 40, leadership_tier="PIM_IV")),
    ("training", training_values("technical", date(T, 2, 1), 10)),
    ("training", training_values("technical", date(T, 9, 1), 6)),
    ("training", training_values("seminar", date(T - 1, 11, 1), 2)),
    ("performance", performance_values(T - 1, "BAIK")),
    ("discipline", discipline_values("light", date(T - 2, 4, 1))),
)


def test_a_pelaksana_short_of_jp_gets_the_missing_jp_a_seminar_and_the_next_level() -> None:
    found = _found(PELAKSANA)

    assert (found.projected.score, found.projected.band) == (D(40), "Sangat Rendah")
    assert _options(found) == {
        "technical_training": (
            "competency",
            D("22.5"),
            "short",
            "12 more JP of technical training ending in 2026",
        ),
        "seminar": ("competency", D("17.5"), "short", "a seminar ending in 2026"),
        "education": ("qualification", D(5), "long", "complete D3 by 2026-12-31 (now SMA)"),
    }
    # Over 60 needs more than 20 points: the technical training alone (62.5).
    assert found.to_next_band == ("technical_training",)


def test_a_struktural_employee_gets_the_tiers_of_the_echelon_and_the_missing_jp() -> None:
    found = _found(STRUKTURAL)

    assert (found.projected.score, found.projected.band) == (D(53), "Sangat Rendah")
    assert _options(found) == {
        "technical_training": (
            "competency", D(15), "short", "4 more JP of technical training ending in 2026"
        ),
        "leadership_training": (
            "competency", D(15), "short",
            "leadership training PIM_III or PKA (echelon III) ending by 2026-12-31",
        ),
        "education": ("qualification", D(5), "long", "complete S2 by 2026-12-31 (now S1)"),
    }  # fmt: skip
    # Technical and leadership each reach 68; of equal effort and gain, the first listed.
    assert found.to_next_band == ("technical_training",)


def test_with_the_example_2026_rules_the_gains_and_thresholds_follow_that_file() -> None:
    found = _found(STRUKTURAL, EXAMPLE_2026)

    # example-2026: S1 17.5, S2 22.5, technical from 16 JP (met by 10 + 6).
    assert (found.projected.score, found.projected.band) == (D("70.5"), "Sedang")
    assert _options(found) == {
        "leadership_training": (
            "competency", D(15), "short",
            "leadership training PIM_III or PKA (echelon III) ending by 2026-12-31",
        ),
        "education": ("qualification", D(5), "long", "complete S2 by 2026-12-31 (now S1)"),
    }  # fmt: skip
    assert found.to_next_band == ("leadership_training",)  # 85.5 > 80
    d3 = employee(
        position_values("pelaksana"), ("education", education_values("D3", date(2010, 1, 1)))
    )
    # D3 → the lowest level worth more: S1 and D4 (17.5 in example-2026, 15 in bkn-8-2019).
    assert _options(_found(d3, EXAMPLE_2026))["education"][1:3] == (D("7.5"), "long")
    assert _options(_found(d3))["education"][1:3] == (D(5), "long")


def test_a_changed_rule_table_changes_the_options() -> None:
    richer = dataclasses.replace(
        BKN_8_2019,
        competency={
            **BKN_8_2019.competency,
            "pelaksana": CompetencyPoints(D(0), D(0), D(30), D(10)),
        },
        technical_min_hours=D(24),
    )

    found = _options(_found(PELAKSANA, richer))

    assert found["technical_training"][1] == D(30)
    assert found["technical_training"][3] == "16 more JP of technical training ending in 2026"
    assert found["seminar"][1] == D(10)


def test_a_functional_training_is_an_option_for_a_fungsional_position_only() -> None:
    fungsional = employee(position_values("fungsional"))
    pelaksana = employee(position_values("pelaksana"))

    assert _options(_found(fungsional))["functional_training"] == (
        "competency", D(15), "short", "a functional training ending by 2026-12-31"
    )  # fmt: skip
    assert "functional_training" not in _options(_found(pelaksana))
    assert "leadership_training" not in _options(_found(fungsional))


def test_with_no_training_at_all_the_whole_threshold_is_missing() -> None:
    detail = _options(_found(employee(position_values("fungsional"))))["technical_training"][3]

    assert detail == "20 JP of technical training ending in 2026"


def test_trainings_and_degrees_after_the_target_year_do_not_count_and_stay_options() -> None:
    later = employee(
        position_values("fungsional"),
        ("training", training_values("functional", date(T + 1, 1, 1), 40)),
        ("education", education_values("S2", date(T + 1, 1, 1))),
        ("education", education_values("S1", date(T, 12, 31))),
    )

    found = _options(_found(later))

    assert "functional_training" in found
    assert found["education"][1:] == (D(5), "long", "complete S2 by 2026-12-31 (now S1)")


def test_an_echelon_the_rules_give_no_tiers_has_no_leadership_option() -> None:
    no_tiers = dataclasses.replace(BKN_8_2019, leadership_tiers={"I": frozenset({"PIM_I"})})

    assert "leadership_training" not in _options(_found(STRUKTURAL, no_tiers))


def test_met_criteria_are_no_options_and_the_top_level_has_no_education_option() -> None:
    done = employee(
        position_values("struktural", "II"),
        ("education", education_values("S3", date(2015, 1, 1))),
        ("training", training_values("leadership", date(2020, 1, 1), 40, leadership_tier="PKN_II")),
        ("training", training_values("technical", date(T, 1, 1), 20)),
        ("training", training_values("seminar", date(T, 1, 1), 2)),
        ("performance", performance_values(T - 1, "SANGAT_BAIK")),
    )

    found = _found(done)

    assert (found.projected.score, found.projected.band) == (D(100), "Sangat Tinggi")
    assert found.options == ()
    assert found.to_next_band is None
    assert found.next_above is None


def test_at_the_top_band_there_is_no_next_band_even_with_options() -> None:
    # S3, the matching tier, 20 JP, no seminar: 25 + (15 + 15) + 30 + 5 = 90 is Tinggi, not
    # above 90; the seminar (100) lifts it. With a heavy punishment and the seminar: 96, the top.
    top = employee(
        position_values("struktural", "II"),
        ("education", education_values("S3", date(2015, 1, 1))),
        ("training", training_values("leadership", date(2020, 1, 1), 40, leadership_tier="PKN_II")),
        ("training", training_values("technical", date(T, 1, 1), 20)),
        ("performance", performance_values(T - 1, "SANGAT_BAIK")),
    )

    found = _found(top)

    assert (found.projected.score, found.projected.band) == (D(90), "Tinggi")  # not > 90
    assert found.to_next_band == ("seminar",)
    higher = employee(
        position_values("struktural", "II"),
        ("education", education_values("S3", date(2015, 1, 1))),
        ("training", training_values("leadership", date(2020, 1, 1), 40, leadership_tier="PKN_II")),
        ("training", training_values("technical", date(T, 1, 1), 20)),
        ("performance", performance_values(T - 1, "SANGAT_BAIK")),
        ("discipline", discipline_values("heavy", date(T - 1, 1, 1))),
        ("training", training_values("seminar", date(T, 1, 1), 2)),
    )
    assert _found(higher).projected.band == "Sangat Tinggi"  # 96: no next band
    assert _found(higher).to_next_band is None


def test_where_no_set_reaches_the_next_band_there_is_none() -> None:
    # No education, no appraisal, a heavy punishment: 0 + 0 + 0 + 1 = 1. All options: technical
    # 22.5, seminar 17.5, SD (1 point): 42, still Sangat Rendah.
    low = employee(
        position_values("pelaksana"),
        ("discipline", discipline_values("heavy", date(T, 1, 1))),
    )

    found = _found(low)

    assert found.projected.score == D(1)
    assert _options(found)["education"] == (
        "qualification", D(1), "long", "complete SD by 2026-12-31 (none now)"
    )  # fmt: skip
    assert found.to_next_band is None


def test_performance_and_discipline_are_fixed_for_the_target_year() -> None:
    found = _found(STRUKTURAL)

    assert found.projected.dimensions is not None
    assert (found.projected.dimensions.performance, found.projected.dimensions.discipline) == (
        D(25), D(3)
    )  # fmt: skip
    assert {o.dimension for o in found.options} <= {"competency", "qualification"}


def test_an_employee_without_an_index_has_no_improvement() -> None:
    no_position = Resolution.of_records(NIP, [record("profile", profile_values())])

    assert improvement(no_position, T, BKN_8_2019) is None
    assert as_data(None) is None


def _option(action: Any, gain: str, effort: Any = "short") -> Option:
    return Option(action, "competency", D(gain), effort, "")


@pytest.mark.parametrize(
    ("options", "score", "expected"),
    [
        # Fewest options first: one long option over two short ones.
        ([_option("seminar", "5"), _option("technical_training", "5"),
          _option("education", "10", "long")], "55", ("education",)),
        # Of one size: short before long, even where the long one gains more.
        ([_option("seminar", "10"), _option("education", "20", "long")], "55", ("seminar",)),
        # Of one size and effort: the larger total gain.
        ([_option("seminar", "6"), _option("technical_training", "10")], "55",
         ("technical_training",)),
        # Two needed: of the pairs, the all-short one.
        ([_option("seminar", "3"), _option("technical_training", "3"),
          _option("education", "5", "long")], "55", ("seminar", "technical_training")),
        # Exactly on the threshold is not above it.
        ([_option("seminar", "5")], "55", None),
        ([], "55", None),
    ],
)  # fmt: skip
def test_the_set_to_the_next_band_is_the_fewest_then_short_then_the_largest_gain(
    options: list[Option], score: str, expected: tuple[str, ...] | None
) -> None:
    assert to_next_band(options, D(score), next_band_above(D(score), BKN_8_2019)) == expected


@pytest.mark.parametrize(
    ("score", "above"), [("0", "60"), ("60", "60"), ("60.5", "70"), ("90", "90"), ("90.5", None)]
)
def test_the_next_band_is_above_the_lowest_threshold_not_yet_passed(
    score: str, above: str | None
) -> None:
    assert next_band_above(D(score), BKN_8_2019) == (None if above is None else D(above))


def test_the_json_is_the_contracts_shape() -> None:
    data = as_data(_found(PELAKSANA))

    assert data == {
        "year": 2026,
        "projected": {
            "score": D(40),
            "band": "Sangat Rendah",
            "dimensions": {
                "qualification": D(5), "competency": D(0), "performance": D(30),
                "discipline": D(5),
            },
        },
        "options": [
            {"action": "technical_training", "dimension": "competency", "gain": D("22.5"),
             "effort": "short", "detail": "12 more JP of technical training ending in 2026"},
            {"action": "seminar", "dimension": "competency", "gain": D("17.5"),
             "effort": "short", "detail": "a seminar ending in 2026"},
            {"action": "education", "dimension": "qualification", "gain": D(5),
             "effort": "long", "detail": "complete D3 by 2026-12-31 (now SMA)"},
        ],
        "to_next_band": ["technical_training"],
    }  # fmt: skip
