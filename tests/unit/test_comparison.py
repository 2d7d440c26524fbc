"""A rule change compared with the rules in use (worker/domain/comparison.py): each employee's
outcome, their part of the agency's shift, and the agencies most affected."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.domain.comparison import (
    NO_AGENCY,
    AgencyShift,
    Outcome,
    agency_of,
    most_affected,
    outcome,
    shift,
    state,
)
from worker.domain.model import Band, Dimensions, IndexResult

NIP = "198703142010121001"


def _index(
    score: str | None,
    band: Band | None = None,
    *,
    agency: str | None = "3201",
    rules: str = "bkn-8-2019",
    qualification: str = "15",
) -> IndexResult:
    if score is None:
        return IndexResult(NIP, 2025, rules, None, None, None, agency)
    rest = Decimal(score) - Decimal(qualification) - 5
    dims = Dimensions(Decimal(qualification), rest, Decimal(0), Decimal(5))
    return IndexResult(NIP, 2025, rules, Decimal(score), band, dims, agency)


NEW = "example-2026"


@pytest.mark.parametrize(
    ("was", "now", "expected"),
    [
        (None, _index(None, rules=NEW), "none"),
        (_index(None), _index(None, rules=NEW), "none"),
        (None, _index("85", "Tinggi", rules=NEW), "new"),
        (_index(None), _index("85", "Tinggi", rules=NEW), "new"),
        (_index("85", "Tinggi"), _index(None, rules=NEW), "withdrawn"),
        (_index("85", "Tinggi"), _index("85", "Tinggi", rules=NEW), "unchanged"),
        # The same score from other points is a change (a dimension moved).
        (_index("85", "Tinggi"), _index("85", "Tinggi", rules=NEW, qualification="20"), "changed"),
        (_index("85", "Tinggi"), _index("87.5", "Tinggi", rules=NEW), "changed"),
        # Another agency alone is no change, as for the worker's revisions.
        (_index("85", "Tinggi"), _index("85", "Tinggi", rules=NEW, agency="7317"), "unchanged"),
    ],
)
def test_each_employee_has_one_outcome_against_the_rules_in_use(
    was: IndexResult | None, now: IndexResult, expected: Outcome
) -> None:
    assert outcome(was, now) == expected


def test_without_an_index_the_state_is_no_index() -> None:
    assert [state(None), state(_index(None)), state(_index("92.5", "Sangat Tinggi"))] == [
        "no index", "no index", "Sangat Tinggi"
    ]  # fmt: skip


def test_an_employee_counts_in_the_agency_of_the_new_index_else_of_the_old_one() -> None:
    assert agency_of(_index("85", "Tinggi"), _index("85", "Tinggi", agency="7317")) == "7317"
    assert agency_of(_index("85", "Tinggi"), _index(None, agency=None)) == "3201"
    assert agency_of(None, _index("85", "Tinggi", agency=None)) == NO_AGENCY


def test_an_employee_s_shift_counts_both_means_the_change_and_the_band_change() -> None:
    assert shift(_index("90", "Tinggi"), _index("92.5", "Sangat Tinggi")) == AgencyShift(
        1, 1, Decimal("90"), 1, Decimal("92.5"), 1, 1
    )
    assert shift(None, _index("70", "Rendah")) == AgencyShift(
        1, 0, Decimal(0), 1, Decimal(70), 1, 1
    )
    assert shift(_index("57.5", "Sangat Rendah"), _index("57.5", "Sangat Rendah")) == AgencyShift(
        1, 1, Decimal("57.5"), 1, Decimal("57.5"), 0, 0
    )
    assert shift(None, _index(None)) == AgencyShift()  # nobody to count


def test_the_mean_change_is_that_of_the_means_as_shown() -> None:
    # (85 + 90 + 57.5) / 3 = 77.50 → (87.5 + 92.5 + 80) / 3 = 86.666… → 86.67: +9.17.
    pairs = [("85", "87.5"), ("90", "92.5"), ("57.5", "80")]
    total = AgencyShift()
    for before, after in pairs:
        total = total.plus(shift(_index(before), _index(after, rules=NEW)))

    assert (total.mean_before, total.mean_after, total.mean_change) == (
        Decimal("77.50"), Decimal("86.67"), Decimal("9.17")
    )  # fmt: skip
    assert AgencyShift(employees=1, after_count=1, after_sum=Decimal(70)).mean_change is None


def _agency(change: str | None, band_changes: int, *, changed: int = 1) -> AgencyShift:
    if change is None:  # no index before: nothing to compare the mean with
        return AgencyShift(1, 0, Decimal(0), 1, Decimal(60), changed, band_changes)
    return AgencyShift(1, 1, Decimal(60), 1, 60 + Decimal(change), changed, band_changes)


def test_the_largest_moves_of_the_mean_either_way_come_first_then_band_changes() -> None:
    shifts = {
        "1371": _agency("7.5", 1),
        "3201": _agency("-9", 0),
        "3273": _agency("0.5", 3),
        "7317": _agency("0.5", 1),
        "7371": _agency(None, 2),  # a mean that cannot be compared moves no mean
        "7372": _agency("0", 0, changed=0),  # not affected at all: left out
    }

    assert [code for code, _ in most_affected(shifts, 10)] == [
        "3201", "1371", "3273", "7317", "7371"
    ]  # fmt: skip
    assert [code for code, _ in most_affected(shifts, 2)] == ["3201", "1371"]


scores = st.none() | st.sampled_from(["45", "57.5", "70", "80", "85", "90", "92.5"])
agencies = st.sampled_from(["3201", "7317", None])


@given(st.lists(st.tuples(scores, scores, agencies, agencies), max_size=30), st.integers(0, 30))
def test_shifts_add_up_in_any_grouping_to_the_counts_of_the_employees(
    pairs: list[tuple[str | None, str | None, str | None, str | None]], cut: int
) -> None:
    indexed = [
        (_index(a, "Tinggi", agency=x), _index(b, "Sedang", agency=y)) for a, b, x, y in pairs
    ]
    parts = [AgencyShift(), AgencyShift()]
    for i, (was, now) in enumerate(indexed):
        parts[i < cut] = parts[i < cut].plus(shift(was, now))
    total = parts[0].plus(parts[1])

    with_index = [(w, n) for w, n in indexed if w.has_index or n.has_index]
    assert total.employees == len(with_index)
    assert total.before_count == sum(w.has_index for w, _ in indexed)
    assert total.after_sum == sum((n.score for _, n in indexed if n.score is not None), Decimal(0))
    assert total.changed == sum(
        outcome(w, n) in ("new", "changed", "withdrawn") for w, n in indexed
    )
    assert total.band_changes == sum(state(w) != state(n) for w, n in with_index)
