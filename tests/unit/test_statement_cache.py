"""The statement cache saves reading the database, and is never used where it could be stale."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.factories import BKN_8_2019, education_values, profile_values, statement
from tests.fakes import FakeStore
from worker.cache import StatementCache
from worker.ports import Origin
from worker.service import IndexService

NOW = datetime(2025, 6, 1, tzinfo=UTC)
HERE = Origin("changes", 0, 0)


def test_an_employee_seen_for_the_first_time_needs_no_cache_entry() -> None:
    new = [statement("profile", profile_values()), statement("position", None)]

    assert StatementCache(10).current("nip", 2, new) == new


def test_a_remembered_employee_is_the_remembered_statements_plus_the_new_ones() -> None:
    cache = StatementCache(10)
    old, new = statement("profile", profile_values()), statement("position", None)
    cache.remember({old.nip: [old]})

    assert cache.current(old.nip, 2, [new]) == [old, new]


def test_a_statement_stored_by_someone_else_makes_the_entry_useless() -> None:
    cache = StatementCache(10)
    old, new = statement("profile", profile_values()), statement("position", None)
    cache.remember({old.nip: [old]})

    assert cache.current(old.nip, 3, [new]) is None


def test_the_least_recently_used_employees_are_dropped_beyond_the_bound() -> None:
    cache = StatementCache(2)
    first, second, third = (statement("profile", profile_values(), nip=n) for n in "abc")
    cache.remember({"a": [first], "b": [second]})
    cache.current("a", 1, [])  # a is used again, so b is the oldest
    cache.remember({"c": [third]})

    assert (len(cache), cache.current("b", 1, []), cache.current("a", 1, [])) == (2, None, [first])


def test_the_service_reads_what_another_worker_stored_behind_its_back() -> None:
    store = FakeStore([])
    service = IndexService(store, BKN_8_2019, 2025, "out", StatementCache(100))
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

    levels = {r.values["level"] for r in store.state.records[s1.nip].records("education")}
    assert levels == {"S1", "S2"}


def test_a_batch_that_is_not_committed_leaves_the_cache_as_it_was() -> None:
    cache = StatementCache(100)
    service = IndexService(FakeStore([]), BKN_8_2019, 2025, "out", cache)

    service.apply([(statement("profile", profile_values()), HERE)], NOW, commit=False)

    assert len(cache) == 0
