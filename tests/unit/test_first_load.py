"""The benchmark's first load (worker/dev/bench/first_load/): the stream it publishes, the
projection it makes for the national load, and the tables it prints."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date

import pytest
from rich.console import Console

from consumers.changes import decode
from schemas.rules import load_rules
from worker.db.seeding import Stored
from worker.dev.bench.first_load import FirstLoad, LoadRun, tables
from worker.dev.bench.first_load.projection import (
    Measured,
    Model,
    Target,
    cores,
    database_bytes,
    partitions_for,
    project,
    rate_with,
    split_bytes,
)
from worker.dev.bench.first_load.stream import Wire, agency_codes, first_load
from worker.dev.bench.machine import Spent
from worker.dev.bench.runs import Run
from worker.domain.model import Statement

EMPLOYEES = 3000


@pytest.fixture(scope="module")
def load() -> list[Wire]:
    return list(first_load(EMPLOYEES, seed=7))


@pytest.fixture(scope="module")
def statements(load: list[Wire]) -> list[Statement]:
    rules = load_rules()
    decoded = [decode(w.key, w.value, rules) for w in load]
    assert all(isinstance(s, Statement) for s in decoded), [
        s for s in decoded if not isinstance(s, Statement)
    ][:3]
    return [s for s in decoded if isinstance(s, Statement)]


# --- the stream -------------------------------------------------------------------------------


def test_every_event_of_the_load_decodes_to_a_statement_from_siasn(
    load: list[Wire], statements: list[Statement]
) -> None:
    assert len(statements) == len(load) == 2 * EMPLOYEES
    assert {s.source for s in statements} == {"siasn"}


def test_each_employee_has_a_profile_then_a_position_keyed_by_their_nip(
    load: list[Wire], statements: list[Statement]
) -> None:
    kinds = [(s.nip, s.kind) for s in statements]
    assert kinds[0::2] == [(nip, "profile") for nip, _ in kinds[0::2]]
    assert kinds[1::2] == [(nip, "position") for nip, _ in kinds[0::2]]
    assert all(w.key.decode() == s.nip for w, s in zip(load, statements, strict=True))


def test_nips_are_unique_and_carry_the_birth_date_and_gender_of_the_profile(
    statements: list[Statement],
) -> None:
    profiles = [s for s in statements if s.kind == "profile"]
    assert len({s.nip for s in profiles}) == EMPLOYEES
    for s in profiles:
        assert s.values is not None
        assert date.fromisoformat(s.values["birth_date"]) == date(
            int(s.nip[0:4]), int(s.nip[4:6]), int(s.nip[6:8])
        )
        assert s.nip[14] == {"M": "1", "F": "2"}[s.values["gender"]]


def test_event_ids_are_unique(load: list[Wire]) -> None:
    ids = [json.loads(w.value)["id"] for w in load]
    assert len(set(ids)) == len(ids)


def test_the_same_seed_gives_the_same_load_and_another_seed_another(load: list[Wire]) -> None:
    assert list(first_load(EMPLOYEES, seed=7)) == load
    assert list(first_load(10, seed=8)) != load[:20]


def test_employees_spread_over_hundreds_of_agencies_none_with_a_tenth_of_them(
    statements: list[Statement],
) -> None:
    agencies = Counter(
        s.values["agency_code"] for s in statements if s.values and s.kind == "profile"
    )
    assert len(agencies) >= 250
    assert set(agencies) <= set(agency_codes())
    assert max(agencies.values()) < EMPLOYEES / 10


def test_positions_are_struktural_fungsional_and_pelaksana_each_a_fair_share(
    statements: list[Statement],
) -> None:
    kinds = Counter(
        s.values["position_type"] for s in statements if s.values and s.kind == "position"
    )
    assert set(kinds) == {"struktural", "fungsional", "pelaksana"}
    assert min(kinds.values()) > EMPLOYEES / 20


def test_in_kind_order_every_profile_comes_before_any_position_with_the_same_events(
    load: list[Wire],
) -> None:
    by_kind = list(first_load(EMPLOYEES, seed=7, order="kind"))
    assert sorted(w.value for w in by_kind) == sorted(w.value for w in load)
    assert all(b'"asn.profile.upserted"' in w.value for w in by_kind[:EMPLOYEES])
    assert all(b'"asn.position.upserted"' in w.value for w in by_kind[EMPLOYEES:])


# --- the projection ---------------------------------------------------------------------------

NATIONAL = Target()  # 4,300,000 employees, 50,000,000 events, 1 h


def measured(rate_1: float, rate_2: float) -> Measured:
    return Measured(1000, 2000, rate_1, rate_2, event_bytes=1_600_000, employee_bytes=3_000_000)


def test_the_national_load_needs_13889_events_a_second() -> None:
    assert NATIONAL.rate == pytest.approx(13_888.9, abs=0.1)


def test_efficiency_is_the_rate_of_two_processes_over_twice_that_of_one() -> None:
    assert measured(4000, 7200).efficiency == pytest.approx(0.9)


# Worked by hand: e = 0.9, s = 1/0.9 - 1 = 1/9.
# Efficiency holds: 3,600·N events/s, N = 4 gives 14,400 (3 gives 10,800).
# Amdahl: 4000 / (1/9 + (8/9)/N): N = 5 gives 13,846 (short by 43), N = 6 gives 15,429.
@pytest.mark.parametrize(
    ("rate_1", "rate_2", "model", "processes", "rate"),
    [
        (4000, 7200, "efficiency holds", 4, 14_400),
        (4000, 7200, "conservative", 6, 15_428.6),
        (5000, 9000, "efficiency holds", 4, 18_000),
        (5000, 9000, "conservative", 4, 15_000),
        (8000, 16_000, "efficiency holds", 2, 16_000),  # e = 1: linear either way
        (8000, 16_000, "conservative", 2, 16_000),
        (3000, 9000, "efficiency holds", 5, 15_000),  # e = 1.5 is capped at 1
        (3000, 9000, "conservative", 5, 15_000),
        (14_000, 20_000, "conservative", 1, 14_000),  # one process is enough
    ],
)
def test_the_projection_takes_the_fewest_processes_that_reach_the_rate(
    rate_1: float, rate_2: float, model: Model, processes: int, rate: float
) -> None:
    m = measured(rate_1, rate_2)
    p = project(m, NATIONAL, model)
    assert p.processes == processes
    assert p.rate == pytest.approx(rate, abs=0.1)
    if processes > 1:
        assert rate_with(processes - 1, m, model) < NATIONAL.rate


@pytest.mark.parametrize("model", ["efficiency holds", "conservative"])
@pytest.mark.parametrize(("rate_1", "rate_2"), [(4000, 7200), (5000, 5500), (3000, 6000)])
def test_both_readings_agree_with_what_was_measured_at_one_and_two_processes(
    model: Model, rate_1: float, rate_2: float
) -> None:
    m = measured(rate_1, rate_2)
    assert rate_with(1, m, model) == rate_1
    assert rate_with(2, m, model) == pytest.approx(rate_2)


def test_no_second_process_gain_makes_the_conservative_projection_unreachable() -> None:
    p = project(measured(5000, 5000), NATIONAL, "conservative")  # e = 0.5, s = 1
    assert (p.processes, p.partitions, p.rate, p.ceiling) == (None, None, 0.0, 5000)
    assert p.load_hours(NATIONAL) is None
    assert project(measured(5000, 5000), NATIONAL, "efficiency holds").processes == 6


@pytest.mark.parametrize(("rate_2", "ceiling"), [(5000, 5000), (4000, 5000), (10_000, None)])
def test_a_second_process_that_adds_nothing_or_less_caps_the_conservative_rate_at_one(
    rate_2: float, ceiling: float | None
) -> None:
    m = measured(5000, rate_2)
    assert project(m, NATIONAL, "conservative").ceiling == ceiling
    assert rate_with(8, m, "conservative") == (5000 if ceiling else 40_000)


def test_the_conservative_ceiling_is_the_rate_of_one_over_its_serial_part() -> None:
    assert project(measured(4000, 7200), NATIONAL, "conservative").ceiling == pytest.approx(36_000)
    assert project(measured(4000, 7200), NATIONAL, "efficiency holds").ceiling is None


def test_the_load_time_is_the_events_over_the_projected_rate() -> None:
    p = project(measured(5000, 9000), NATIONAL, "efficiency holds")
    assert p.load_hours(NATIONAL) == pytest.approx(50_000_000 / 18_000 / 3600)


@pytest.mark.parametrize(("processes", "partitions"), [(1, 2), (4, 8), (6, 12), (37, 74)])
def test_recommended_partitions_are_twice_the_processes(processes: int, partitions: int) -> None:
    assert partitions_for(processes) == partitions


def test_the_database_grows_per_event_in_statements_and_records_and_per_employee_elsewhere() -> (
    None
):
    # 800 B per event, 3,000 B per employee: 800·50,000,000 + 3,000·4,300,000.
    assert database_bytes(measured(4000, 7200), NATIONAL) == 40_000_000_000 + 12_900_000_000


def test_cores_are_the_cpu_time_per_event_at_the_national_rate() -> None:
    assert cores(0.000_200, NATIONAL) == pytest.approx(2.78, abs=0.01)  # 200 µs at 13,889 events/s


def test_table_sizes_split_into_those_per_event_and_per_employee_leaving_out_the_outbox() -> None:
    sizes = {"statements": 10, "records": 5, "conflicts": 1, "indexes": 7, "revisions": 3}
    assert split_bytes({**sizes, "outbox": 100, "alembic_version": 1}) == (16, 10)


# --- the tables -------------------------------------------------------------------------------


def load_run(processes: int, rate: float) -> LoadRun:
    run = Run(
        f"first load, {processes}", 2000, 2000 / rate, [(0.5, 100.0)] * 3, peaks=[100.0] * processes
    )
    tables_ = {"statements": 1_000_000, "records": 600_000, "indexes": 3_000_000}
    return LoadRun(
        processes, run, Spent(0.4, 0.1, 0.05, 0.9), Stored(12_000_000, tables_, 2000, 1000, 0)
    )


def printed(result: FirstLoad) -> str:
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    for table in tables(result):
        console.print(table)
    return out.getvalue()


def test_the_tables_show_each_run_beside_the_target_and_the_projection() -> None:
    text = printed(FirstLoad(1000, 2000, 6, 1.0, (load_run(1, 6000), load_run(2, 10_800))))
    assert "≥ 10,000: met" in text
    assert "100 + 100 MiB" in text
    assert text.count(" yes ") == 2  # every event all the way through, in both runs
    assert "0.90" in text  # the efficiency from 1 to 2
    assert "Projection: the database server" in text


def test_the_projection_starts_from_the_costlier_run_per_event() -> None:
    one, two = load_run(1, 6000), load_run(2, 10_800)
    two = LoadRun(2, two.run, Spent(0.8, 0.3, 0.0, 1.0), two.stored)
    measured = FirstLoad(1000, 2000, 6, 1.0, (one, two)).measured()
    assert measured is not None
    assert (measured.rate_1, measured.rate_2) == (6000, 10_800)
    assert measured.worker_cpu_s == pytest.approx(0.8 / 2000)
    assert measured.database_cpu_s == pytest.approx(0.3 / 2000)
    assert (measured.event_bytes, measured.employee_bytes) == (1_600_000, 3_000_000)


def test_without_both_runs_the_projection_says_what_it_needs() -> None:
    text = printed(FirstLoad(1000, 2000, 6, 1.0, (load_run(2, 9000),)))
    assert "≥ 10,000: not met" in text
    assert "a run with 1 process and one with 2" in text
