"""The bench's contender and latency case with IPASN_AGENCY_OUTPUTS=true: the agencies whose
topics they need, read from the sample; where the case runs; and the cost lines, which judge
nothing (met is None)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.config.agencies import AGENCY_CODE
from worker.dev.bench import latency, throughput
from worker.dev.bench.runs import Run
from worker.dev.bench.services import sample_agencies
from worker.dev.bench.suite import PARTS
from worker.dev.demo.sample import SampleMessage, sample_events


def _message(value: object) -> SampleMessage:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return SampleMessage(b"key", raw, "")


def _profile(code: object) -> dict[str, object]:
    return {"type": "asn.profile.upserted", "data": {"nip": "1", "agency_code": code}}


# The agencies of the sample


def test_the_samples_agencies_are_those_its_profiles_name() -> None:
    messages = sample_events(300)
    named = {
        event["data"]["agency_code"]
        for m in messages
        if m.value.startswith(b"{") and b'"asn.profile.upserted"' in m.value
        for event in [json.loads(m.value)]
    }

    found = sample_agencies(messages)

    assert set(found) == named
    assert {"3201", "7317"} <= set(found)  # the two regional systems' agencies
    assert list(found) == sorted(found)
    assert all(AGENCY_CODE.fullmatch(code) for code in found)


def test_what_names_no_agency_is_passed_over() -> None:
    messages = [
        _message(b"\xff not json"),
        _message(b"[1, 2"),
        _message("a string"),
        _message({"data": "not an object"}),
        _message({"data": {"nip": "1"}}),  # a position: no agency_code
        _message(_profile(7317)),  # not a string: the schema refuses it
        _message(_profile("73 17")),  # no topic name may end with it
        _message(_profile(None)),
        _message([_profile("7371"), "not an event", _profile("3201")]),  # a batch
        _message(_profile("3201")),
    ]

    assert sample_agencies(messages) == ("3201", "7371")


@given(st.lists(st.from_regex(AGENCY_CODE, fullmatch=True), max_size=20))
def test_each_agency_named_once_in_order(codes: list[str]) -> None:
    messages = [_message(_profile(code)) for code in codes]

    assert sample_agencies(messages) == tuple(sorted(set(codes)))


# Where the latency case runs


def test_agency_outputs_is_a_part_to_skip() -> None:
    assert "agency-outputs" in PARTS


def test_the_latency_case_with_agency_outputs_follows_the_one_process_case() -> None:
    offered = [(2000.0, 1), (5000.0, 2)]

    assert latency.cases(offered) == [(2000.0, 1, False), (2000.0, 1, True), (5000.0, 2, False)]
    assert latency.cases(offered, agency_outputs=False) == [(2000.0, 1, False), (5000.0, 2, False)]
    assert latency.cases([(5000.0, 2)]) == [(5000.0, 2, False)]  # no one-process case to mirror


@given(st.lists(st.tuples(st.sampled_from([300.0, 2000.0, 5000.0]), st.integers(1, 3))))
def test_one_case_with_agency_outputs_at_most_beside_its_twin(
    offered: list[tuple[float, int]],
) -> None:
    found = latency.cases(offered)

    assert [(rate, n) for rate, n, on in found if not on] == offered
    on = [i for i, (*_, agency) in enumerate(found) if agency]
    assert len(on) == (1 if any(n == 1 for _, n in offered) else 0)
    for i in on:
        rate, n, _ = found[i]
        assert n == 1
        assert found[i - 1] == (rate, 1, False)
        assert (rate, 1) == next(case for case in offered if case[1] == 1)


# The cost lines

BARE = Run("bare kafka-python consumer", 1000, 0.01)
OFF = Run(throughput.ONE_PROCESS, 10_000, 2.5)  # 4,000 events/s
ON = Run(throughput.AGENCY_OUTPUTS, 10_000, 3.2)  # 3,125 events/s


@pytest.mark.parametrize(
    ("runs", "said"),
    [
        ([BARE, OFF, ON], "78% (3,125 against 4,000 events/s)"),
        ([BARE, OFF], "not run (--skip agency-outputs, or no 1-process contender)"),
        ([BARE], "not run (--skip agency-outputs, or no 1-process contender)"),
        (
            [BARE, OFF, Run(throughput.AGENCY_OUTPUTS, 0, 0.0, note="processed nothing")],
            "PostgreSQL, 1 process, agency outputs: processed nothing",
        ),
        (
            [BARE, Run(throughput.ONE_PROCESS, 0, 0.0), ON],
            "PostgreSQL, 1 process: processed nothing",
        ),
    ],
)
def test_the_throughput_cost_of_agency_outputs(runs: list[Run], said: str) -> None:
    found = throughput.targets(throughput.Throughput(10_000, 1_000, runs))

    cost = found[-1]
    assert cost.measured == said
    assert cost.met is None  # a figure to read, no target
    assert "IPASN_AGENCY_OUTPUTS=true" in cost.what


def test_the_one_process_ratio_is_never_that_with_agency_outputs() -> None:
    peer = Run("Quix Streams peer (RocksDB state)", 10_000, 2.0)
    runs = [BARE, peer, Run(throughput.ONE_PROCESS, 0, 0.0), ON]

    ratio = throughput.targets(throughput.Throughput(10_000, 1_000, runs))[1]

    assert ratio.measured == "one process not run"


def _latency(p99_ms: float, processes: int = 1, *, on: bool = False) -> latency.Latency:
    seconds = sorted([0.001] * 98 + [p99_ms / 1000] * 2)
    return latency.Latency(100, 100, 2000.0 if processes == 1 else 5000.0, seconds, processes, on)


def test_the_latency_cost_of_agency_outputs_beside_the_same_case_without() -> None:
    off, on, two = _latency(400), _latency(700, on=True), _latency(900, processes=2)

    found = latency.targets([off, on, two])

    assert [t.measured for t in found] == [
        "400 ms",
        "900 ms",
        "700 ms on against 400 ms off",
    ]
    assert [t.met for t in found] == [True, True, None]
    assert found[-1].what.startswith("latency p99 at 2,000 events/s offered to 1 process, ")


def test_a_p99_target_is_never_judged_on_the_case_with_agency_outputs() -> None:
    found = latency.targets([_latency(100, on=True)])

    assert found[0].measured == "not run"
    assert found[0].met is None
    assert found[-1].measured == "the same case without not run"


def test_the_latency_cost_of_a_case_that_recalculated_nothing() -> None:
    nothing = latency.Latency(100, 0, 2000.0, [], 1, agency_outputs=True)

    assert latency.targets([_latency(400), nothing])[-1].measured == "nothing recalculated"


def test_the_latency_cost_not_run() -> None:
    cost = latency.targets([_latency(400)])[-1]

    assert cost.measured == "not run"
    assert cost.met is None
