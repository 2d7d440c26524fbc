"""The soak's figures from the memory it sampled: pure arithmetic, so its claims can be checked."""

from __future__ import annotations

import pytest

from worker.dev.bench.soak import Sample, Soak, slope, sparkline, targets


def _soak(curve: list[float], first_pass: int = 1_000) -> Soak:
    """A 4-minute soak at 100 events/s whose memory followed `curve`, one sample a second."""
    result = Soak(4, 100, 100.0, 60.0, first_pass)
    result.samples = [Sample(float(t), 100 * t, mib) for t, mib in enumerate(curve)]
    result.offered = 100 * len(curve)
    return result


def test_the_slope_of_a_line_is_its_gradient() -> None:
    assert slope([(0, 5.0), (10, 25.0), (20, 45.0)]) == pytest.approx(2.0)
    assert slope([(3, 1.0), (3, 2.0)]) is None  # one x: no line


def test_memory_that_levels_off_keeps_nothing_in_the_last_quarter() -> None:
    # Rising for two minutes (the cache filling), flat after.
    result = _soak([100 + min(t, 120) / 4 for t in range(240)])

    assert result.quarter_peaks() == [114.75, 129.75, 130.0, 130.0]
    assert result.bytes_per_event == pytest.approx(0.0)
    half = result.kept_per_event(0.5)
    assert half == pytest.approx(0.0)
    kept, peaks = targets(result)
    assert (kept.met, peaks.met) == (True, True)


def test_memory_that_keeps_growing_is_found_out() -> None:
    # 680 bytes an event, as the issue measured, all along.
    result = _soak([100 + 680 * 100 * t / 2**20 for t in range(240)])

    assert result.bytes_per_event == pytest.approx(680, rel=1e-6)
    kept, _ = targets(result)
    assert kept.met is False


def test_nothing_is_judged_before_every_employee_was_offered() -> None:
    result = _soak([100.0] * 240, first_pass=10**9)

    assert result.settled() == []
    assert result.bytes_per_event is None
    assert targets(result)[0].met is None


def test_the_sparkline_spans_its_lowest_to_its_highest_block() -> None:
    line = sparkline([1.0, 2.0, 3.0, 4.0], width=4)

    assert line == "▁▃▆█"
    assert sparkline([]) == ""
