"""Agency aggregates from index changes (contracts §10): always what a full recount gives."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from worker.domain.agencies import BANDS, Figures, changes, recount
from worker.domain.model import Band, IndexResult

NIPS = [f"19870314201012100{i}" for i in range(6)]
AGENCIES = ("3201", "7317", "1371", None)
SCORES = [Decimal(s) for s in ("47.5", "60", "65", "72.5", "81", "90.5", "95")]


def _band(score: Decimal) -> Band:
    for floor, band in ((90, "Sangat Tinggi"), (80, "Tinggi"), (70, "Sedang"), (60, "Rendah")):
        if score > floor:
            return band  # type: ignore[return-value]
    return "Sangat Rendah"


def _index(nip: str, score: Decimal | None, agency: str | None, year: int = 2025) -> IndexResult:
    band = None if score is None else _band(score)
    return IndexResult(nip, year, "bkn-8-2019", score, band, None, agency)


def _plus(
    into: dict[tuple[str, int, str], Figures], delta: dict[tuple[str, int, str], Figures]
) -> None:
    for key, d in delta.items():
        into[key] = into.get(key, Figures()).plus(d)


def _nonempty(found: dict[tuple[str, int, str], Figures]) -> dict[tuple[str, int, str], Figures]:
    return {k: f for k, f in found.items() if not f.empty}


def test_a_transfer_takes_the_employee_out_of_one_agency_and_into_the_other() -> None:
    before = _index(NIPS[0], Decimal("72.5"), "3201")
    after = _index(NIPS[0], Decimal("72.5"), "7317")

    found = changes([(before, after)])

    assert found[("3201", 2025, "bkn-8-2019")].employees == -1
    assert found[("3201", 2025, "bkn-8-2019")].bands["Sedang"] == -1
    assert found[("7317", 2025, "bkn-8-2019")].score_sum == Decimal("72.5")


def test_figures_plus_a_change_adds_employees_score_sums_and_every_band() -> None:
    figures = Figures(3, Decimal("210.5"), {**dict.fromkeys(BANDS, 0), "Sedang": 2, "Tinggi": 1})
    change = Figures(-1, Decimal("-72.5"), {**dict.fromkeys(BANDS, 0), "Sedang": -1})

    total = figures.plus(change)

    assert (total.employees, total.score_sum) == (2, Decimal("138.0"))
    assert total.bands == {**dict.fromkeys(BANDS, 0), "Sedang": 1, "Tinggi": 1}
    assert figures.employees == 3  # neither one is changed
    assert change.bands["Sedang"] == -1


def test_a_withdrawal_and_a_change_within_the_band_and_nothing_at_all() -> None:
    key = ("3201", 2025, "bkn-8-2019")
    withdrawn = changes([(_index(NIPS[0], Decimal(65), "3201"), _index(NIPS[0], None, "3201"))])
    assert (withdrawn[key].employees, withdrawn[key].bands["Rendah"]) == (-1, -1)
    moved = changes([(_index(NIPS[1], Decimal(81), "3201"), _index(NIPS[1], Decimal(85), "3201"))])
    assert (moved[key].employees, moved[key].score_sum) == (0, Decimal(4))
    same = _index(NIPS[2], Decimal(81), "3201")
    assert changes([(same, same)]) == {}
    assert changes([(None, _index(NIPS[3], Decimal(81), None))]) == {}  # no agency to count in


def test_the_mean_is_rounded_half_up_to_two_decimals() -> None:
    figures = recount(
        [_index(NIPS[0], Decimal("72.5"), "3201"), _index(NIPS[1], Decimal(60), "3201"),
         _index(NIPS[2], Decimal(60), "3201")]
    )[("3201", 2025, "bkn-8-2019")]  # fmt: skip
    assert figures.mean_score == Decimal("64.17")  # 192.5 / 3 = 64.1666…
    assert recount([_index(NIPS[0], Decimal("60.125"), "7317")])[
        ("7317", 2025, "bkn-8-2019")
    ].mean_score == Decimal("60.13")


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(NIPS),
            st.none() | st.sampled_from(SCORES),
            st.sampled_from(AGENCIES),
            st.sampled_from((2024, 2025)),
        ),
        max_size=40,
    ),
    cuts=st.lists(st.integers(0, 40), max_size=6),
)
def test_applying_each_batchs_changes_always_equals_a_full_recount(
    steps: list[tuple[str, Decimal | None, str | None, int]], cuts: list[int]
) -> None:
    current: dict[tuple[str, int], IndexResult] = {}
    kept: dict[tuple[str, int, str], Figures] = {}
    bounds = sorted({0, len(steps), *(c for c in cuts if c <= len(steps))})
    for start, end in pairwise(bounds):
        moves = []
        before_batch = dict(current)
        for nip, score, agency, year in steps[start:end]:
            current[(nip, year)] = _index(nip, score, agency, year)
        for key in {(nip, year) for nip, _, _, year in steps[start:end]}:
            moves.append((before_batch.get(key), current[key]))
        _plus(kept, changes(moves))  # once per batch, as the service does

        assert _nonempty(kept) == recount(current.values())


def test_the_agency_event_is_what_its_schema_model_serializes() -> None:
    from datetime import UTC, datetime

    from schemas.agency import AgencyRecalculated, agency_payload

    key = ("3201", 2025, "bkn-8-2019")
    figures = recount(
        [_index(NIPS[0], Decimal("72.5"), "3201"), _index(NIPS[1], Decimal(60), "3201")]
    )[key]
    event_id, payload = agency_payload(key, figures, 4, datetime(2026, 1, 5, tzinfo=UTC))

    model = AgencyRecalculated.model_validate_json(payload)
    assert event_id == model.id == "3201:2025:bkn-8-2019:4"
    assert payload == model.model_dump_json(by_alias=True)
    assert model.data.mean_score == Decimal("66.25")
    assert model.data.bands.sedang == 1
