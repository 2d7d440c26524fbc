"""The employee cache saves reading and rewriting, and is never used where it could be stale."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.factories import BKN_8_2019, NIP, T0, education_values, profile_values, statement
from tests.fakes import FakeStore
from worker.domain.model import Resolution, Statement
from worker.domain.reconcile import latest_per_source, resolve
from worker.pipeline.cache import EmployeeCache, Known
from worker.pipeline.ports import Origin
from worker.pipeline.service import IndexService

NOW = datetime(2025, 6, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def remembered(cache: EmployeeCache, *statements: Statement) -> Resolution:
    """Put the employee of these statements in the cache, as a committed batch does."""
    nip = statements[0].nip
    known = cache.current(nip, 1, statements)  # the first unit to add about them
    assert known is not None
    resolution = resolve(nip, statements, BKN_8_2019)
    cache.remember({nip: (known, resolution)})
    return resolution


HERE = Origin("changes", 0, 0)


def test_an_employee_seen_for_the_first_time_needs_no_cache_entry() -> None:
    new = [statement("profile", profile_values()), statement("position", None)]

    known = EmployeeCache(10).current(NIP, 1, new)

    first = Known(latest_per_source(new), 1, {s.key for s in new}, Resolution.nothing(NIP), True)
    assert known == first


def test_a_remembered_employee_is_its_state_plus_the_new_statements() -> None:
    cache = EmployeeCache(10)
    old, new = statement("profile", profile_values()), statement("position", None)
    resolution = remembered(cache, old)

    known = cache.current(NIP, 2, [new])

    assert known == Known(latest_per_source([old, new]), 2, {new.key}, resolution)


def test_what_a_batch_adds_leaves_the_cached_state_as_it_was() -> None:
    # The batch may yet be rolled back: only remember() changes the cache.
    cache = EmployeeCache(10)
    old = statement("education", education_values("S1", date(2010, 1, 1)))
    newer = statement("education", education_values("S2", date(2020, 1, 1)), time=T0 + HOUR)
    remembered(cache, old)

    cache.current(NIP, 2, [newer])
    again = cache.current(NIP, 2, [newer])

    assert again is not None
    assert again.touched == {old.key}
    assert again.latest[old.key] == (newer,)


def test_a_statement_stored_by_someone_else_makes_the_entry_useless() -> None:
    cache = EmployeeCache(10)
    old, new = statement("profile", profile_values()), statement("position", None)
    remembered(cache, old)

    # Another unit added statements about them: the version moved twice since the entry.
    assert cache.current(NIP, 3, [new]) is None


def test_the_least_recently_used_employees_are_dropped_beyond_the_bound() -> None:
    cache = EmployeeCache(2)
    first, second, third = (statement("profile", profile_values(), nip=n) for n in "abc")
    remembered(cache, first)
    remembered(cache, second)
    cache.current("a", 2, [])  # a is used again, so b is the oldest
    remembered(cache, third)

    assert (len(cache), cache.current("b", 2, [])) == (2, None)
    assert cache.current("a", 2, []) is not None


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
    with store.unit(NOW) as theirs:
        theirs.add_statements([(s2, HERE)])

    service.apply([(statement("position", None), HERE)], NOW)

    stored = store.state.records[s1.nip].values()
    levels = {r.values["level"] for r in stored if r.kind == "education"}
    assert levels == {"S1", "S2"}


def test_a_batch_that_is_not_committed_leaves_the_cache_as_it_was() -> None:
    cache = EmployeeCache(100)
    service = IndexService(FakeStore([]), BKN_8_2019, 2025, "out", cache)

    service.apply([(statement("profile", profile_values()), HERE)], NOW, commit=False)

    assert len(cache) == 0
