"""The employee cache saves reading and rewriting, and is never used where it could be stale."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.factories import BKN_8_2019, education_values, profile_values, statement
from tests.fakes import FakeStore
from worker.cache import EmployeeCache, Known
from worker.domain.model import Resolution, Statement
from worker.domain.reconcile import resolve
from worker.ports import Origin
from worker.service import IndexService

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def resolved(statements: list[Statement]) -> Resolution:
    return resolve(statements[0].nip, statements, BKN_8_2019)


HERE = Origin("changes", 0, 0)


def test_an_employee_seen_for_the_first_time_needs_no_cache_entry() -> None:
    new = [statement("profile", profile_values()), statement("position", None)]

    assert EmployeeCache(10).current("nip", 2, new) == Known(new, Resolution.nothing("nip"))


def test_a_remembered_employee_is_the_remembered_statements_plus_the_new_ones() -> None:
    cache = EmployeeCache(10)
    old, new = statement("profile", profile_values()), statement("position", None)
    cache.remember({old.nip: ([old], resolved([old]))})

    assert cache.current(old.nip, 2, [new]) == Known([old, new], resolved([old]))


def test_a_statement_stored_by_someone_else_makes_the_entry_useless() -> None:
    cache = EmployeeCache(10)
    old, new = statement("profile", profile_values()), statement("position", None)
    cache.remember({old.nip: ([old], resolved([old]))})

    assert cache.current(old.nip, 3, [new]) is None


def test_the_least_recently_used_employees_are_dropped_beyond_the_bound() -> None:
    cache = EmployeeCache(2)
    first, second, third = (statement("profile", profile_values(), nip=n) for n in "abc")
    cache.remember({"a": ([first], resolved([first])), "b": ([second], resolved([second]))})
    cache.current("a", 1, [])  # a is used again, so b is the oldest
    cache.remember({"c": ([third], resolved([third]))})

    assert (len(cache), cache.current("b", 1, [])) == (2, None)
    assert cache.current("a", 1, []) == Known([first], resolved([first]))


def test_the_service_reads_what_another_worker_stored_behind_its_back() -> None:
    store = FakeStore([])
    service = IndexService(store, BKN_8_2019, 2025, "out", EmployeeCache(100))
    s1 = statement("education", education_values("S1", datetime(2010, 1, 1, tzinfo=UTC).date()))
    service.apply([(statement("profile", profile_values()), HERE), (s1, HERE)], NOW)
    # Another worker, owning the partition for a while, stores an S2 on another record.
    s2 = statement(
        "education",
        education_values("S2", datetime(2020, 1, 1, tzinfo=UTC).date()),
        record_id="r2",
    )
    store.state.statements[(s2.source, s2.event_id)] = s2

    service.apply([(statement("position", None), HERE)], NOW)

    stored = store.state.records[s1.nip].values()
    levels = {r.values["level"] for r in stored if r.kind == "education"}
    assert levels == {"S1", "S2"}


def test_a_batch_that_is_not_committed_leaves_the_cache_as_it_was() -> None:
    cache = EmployeeCache(100)
    service = IndexService(FakeStore([]), BKN_8_2019, 2025, "out", cache)

    service.apply([(statement("profile", profile_values()), HERE)], NOW, commit=False)

    assert len(cache) == 0
