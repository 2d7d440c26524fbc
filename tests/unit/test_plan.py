"""`ipasn-worker plan`'s counts (worker/domain/plan.py) and its tables at 80 columns."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rich.console import Console

from tests.factories import BKN_8_2019
from tests.unit.test_improvement import PELAKSANA, STRUKTURAL, T
from worker.commands.plan import BAR, bar, render
from worker.domain.improvement import improvement
from worker.domain.model import Resolution
from worker.domain.plan import ActionTally, Plan, as_data

D = Decimal


def _plan(*employees: Resolution) -> Plan:
    plan = Plan(T, "3201")
    for resolution in employees:
        found = improvement(resolution, T, BKN_8_2019)
        assert found is not None
        plan.add(found, BKN_8_2019)
    return plan


def test_each_employee_counts_where_an_option_is_open_lifts_a_band_and_what_it_gains() -> None:
    # PELAKSANA 40: technical +22.5 (lifts), seminar +17.5, education +5; all short 80, Sedang.
    # STRUKTURAL 53: technical +15 (lifts), leadership +15 (lifts), education +5; 83, Tinggi.
    data = as_data(_plan(PELAKSANA, STRUKTURAL))

    assert data == {
        "year": 2026,
        "agency": "3201",
        "employees": 2,
        "actions": [
            {"action": "technical_training", "open": 2, "lifts_band": 2, "mean_gain": D("18.75")},
            {"action": "seminar", "open": 1, "lifts_band": 0, "mean_gain": D("17.50")},
            {"action": "leadership_training", "open": 1, "lifts_band": 1, "mean_gain": D("15.00")},
            {"action": "functional_training", "open": 0, "lifts_band": 0, "mean_gain": None},
            {"action": "education", "open": 2, "lifts_band": 0, "mean_gain": D("5.00")},
        ],
        "bands_now": {"Sangat Tinggi": 0, "Tinggi": 0, "Sedang": 0, "Rendah": 0,
                      "Sangat Rendah": 2},
        "bands_if_short": {"Sangat Tinggi": 0, "Tinggi": 1, "Sedang": 1, "Rendah": 0,
                           "Sangat Rendah": 0},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("gain_sum", "open_", "mean"), [("10", 3, "3.33"), ("20", 3, "6.67"), ("0.125", 1, "0.13")]
)
def test_the_mean_gain_has_two_decimals_rounded_half_up(
    gain_sum: str, open_: int, mean: str
) -> None:
    assert ActionTally(open_, 0, D(gain_sum)).mean_gain == D(mean)


def test_bars_are_in_eighths_of_a_character_and_show_any_count_above_none() -> None:
    assert bar(0, 1_000_000, BAR) == ""
    assert bar(1, 1_000_000, BAR) == "▏"
    assert bar(1_000_000, 1_000_000, BAR) == "█" * BAR
    assert bar(500_000, 1_000_000, 14) == "█" * 7
    assert bar(3, 16, 2) == "▍"  # 3/16 of 2 characters: three eighths


def _million() -> Plan:
    plan = Plan(T, None)
    plan.employees = 1_000_000
    for n, tally in enumerate(plan.actions.values()):
        tally.open, tally.lifts_band, tally.gain_sum = 999_999, 123_456 * n, D("17499982.5")
    plan.bands_now.update(
        dict(zip(plan.bands_now, (2, 80_000, 300_000, 400_000, 219_998), strict=True))
    )
    plan.bands_if_short.update(dict(zip(plan.bands_now, (1_000_000, 0, 0, 0, 0), strict=True)))
    return plan


def test_the_tables_read_whole_at_80_columns_for_a_million_employees() -> None:
    console = Console(width=80, record=True, color_system=None)

    render(_million(), "bkn-8-2019", console)
    text = console.export_text()

    assert all(len(line) <= 80 for line in text.splitlines())
    for header in ("action", "effort", "open to", "lifts a band", "mean gain", "now", "if short"):
        assert header in text
    assert "every agency, 1,000,000 employees with an index" in " ".join(text.split())
    rows = [line.split("│") for line in text.splitlines() if line.startswith("│")]
    actions = {r[1].strip(): [c.strip() for c in r[2:6]] for r in rows[:5]}
    assert actions["education"] == ["long", "999,999", "493,824", "+17.50"]
    assert actions["technical_training"] == ["short", "999,999", "0", "+17.50"]
    bands = {r[1].strip(): (r[2].strip(), r[3].strip()) for r in rows[5:]}
    assert bands["Sangat Tinggi"] == ("2 ▏", "1,000,000 " + "█" * BAR)
    assert bands["Rendah"] == ("400,000 " + "█" * 5 + "▋", "0")  # 44.8 eighths, rounded up
