"""The pure helpers behind `conflicts` and `quality`: the fields that differ, quantiles by
nearest rank over an age histogram, and how durations print."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from worker.commands.conflicts import differing
from worker.commands.quality import duration
from worker.domain.quality import SourceQuality


@pytest.mark.parametrize(
    ("winner", "loser", "expected"),
    [
        (
            {"level": "S1", "institution": "UI", "graduated_on": "2010-08-01"},
            {"level": "S2", "institution": "UI", "graduated_on": "2010-08-01"},
            ("level=S1", "level=S2"),
        ),
        ({"echelon": None}, {"echelon": "III"}, ("echelon=-", "echelon=III")),
        ({"level": "S1"}, {"level": "S1", "hours": "8"}, ("hours=-", "hours=8")),
        ({"level": "S1", "hours": "8"}, None, ("level=S1, hours=8", "deleted")),
        (None, {"level": "S1"}, ("deleted", "level=S1")),
        ({"level": "S1"}, {"level": "S1"}, ("(same)", "(same)")),
    ],
)  # fmt: skip
def test_a_conflict_shows_only_the_fields_where_the_sides_differ(
    winner: dict[str, Any] | None, loser: dict[str, Any] | None, expected: tuple[str, str]
) -> None:
    assert differing(winner, loser) == expected


@pytest.mark.parametrize(
    ("ages", "median", "p95"),
    [
        ({}, None, None),
        ({7: 1}, 7, 7),
        ({10: 1, 20: 1}, 10, 20),
        ({1: 50, 100: 50}, 1, 100),
        ({1: 95, 100: 5}, 1, 1),
        ({1: 94, 100: 6}, 1, 100),
    ],
)
def test_ages_are_read_off_the_histogram_by_nearest_rank(
    ages: dict[int, int], median: int | None, p95: int | None
) -> None:
    q = SourceQuality("siasn", ages=Counter(ages))
    assert (q.age(0.5), q.age(0.95)) == (median, p95)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "-"), (0, "0 s"), (59, "59 s"), (60, "1 min"), (3599, "59 min"), (5400, "1.5 h"),
     (86_400, "1.0 d"), (30 * 86_400, "30.0 d")],
)  # fmt: skip
def test_durations_print_in_the_unit_that_reads_best(seconds: int | None, shown: str) -> None:
    assert duration(seconds) == shown


def test_completeness_is_none_without_employees() -> None:
    assert SourceQuality("steward").completeness("profile") is None
    assert (
        SourceQuality("siasn", employees=4, upserted={"profile": 3}).completeness("profile") == 0.75
    )
