"""What the benchmark says a worker run spent while it was busy (worker/dev/bench/machine.py):
from CPU ticks sampled over the run, only between the first message and the last one done."""

from __future__ import annotations

import pytest

from worker.dev.bench.machine import TICK_S, Sample, Window, within
from worker.dev.bench.runs import Run

# Ticks at each moment: the machine's (all cores, idle part), two workers', three backends'.
SAMPLES = [
    Sample(0.0, 0, 0, {10: 50}, {}),  # start-up, before the busy span
    Sample(1.0, 200, 100, {10: 80, 11: 70}, {20: 5}),
    Sample(2.0, 400, 120, {10: 160, 11: 150}, {20: 40, 21: 10}),
    Sample(3.0, 600, 150, {10: 240, 11: 220}, {20: 70, 21: 30}),  # 21 exits after this
    Sample(4.0, 800, 170, {10: 320, 11: 300}, {20: 100, 22: 20}),  # 22 starts
    Sample(5.0, 1000, 900, {10: 330, 11: 305}, {20: 101}),  # the idle wait, after it
]


def test_only_the_span_between_the_first_and_the_last_message_counts() -> None:
    window = within(SAMPLES, 0.5, 4.2)
    assert window is not None
    assert window.seconds == pytest.approx(3.0)  # from the sample at 1.0 to the one at 4.0
    assert window.processes_s == pytest.approx((240 + 230) * TICK_S)
    # 20 from 5 to 100; 21 from zero to its last sample (30); 22 from zero (20).
    assert window.database_s == pytest.approx((95 + 30 + 20) * TICK_S)
    assert window.cores_s == pytest.approx(600 * TICK_S)
    assert window.busy_s == pytest.approx((600 - 70) * TICK_S)
    assert window.busy == pytest.approx(530 / 600)


def test_a_span_with_fewer_than_two_samples_says_nothing() -> None:
    assert within(SAMPLES, 1.5, 2.5) is None
    assert within([], 0.0, 10.0) is None


def test_the_cpu_an_event_takes_the_events_of_the_sampled_part_of_the_span() -> None:
    # 3 s sampled of a 4 s span: three quarters of its 4,000 events.
    run = Run("w", 4_000, 4.0, cpu=Window(3.0, 0.6, 0.3, 1.2, 6.0))
    assert run.cpu_per_event == pytest.approx((200.0, 100.0, 100.0))
    assert Run("w", 4_000, 4.0).cpu_per_event is None
    # The rest is never below zero (ticks are sampled a little apart).
    assert Run("w", 3_000, 3.0, cpu=Window(3.0, 0.6, 0.3, 0.8, 6.0)).cpu_per_event == (
        pytest.approx((200.0, 100.0, 0.0))
    )
