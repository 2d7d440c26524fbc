"""What every store must do, checked through the ports alone: on the fake the unit tests use,
on SQLite and on PostgreSQL, so that the fake cannot drift from the real store unseen.

The ports have no read of reconciled records: the service keeps its resolutions in its cache
and never reads them back (`show` and the stewards' commands read the table themselves). So the
contract of write_records here is what the service relies on: every shape it writes is accepted
and commits with the rest of its unit.

One module, longer than most: the whole contract in one place, each test run on every store.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from tests.factories import (
    BKN_8_2019,
    NIP,
    OTHER_NIP,
    YEAR,
    at,
    deletion,
    education_values,
    employee,
    profile_values,
    record,
    resolve_and_score,
    statement,
)
from tests.fakes import FakeStore
from worker.db.engine import make_engine, migrate
from worker.db.store import SqlStore
from worker.domain.agencies import AgencyKey, Figures
from worker.domain.model import (
    Conflict,
    IndexResult,
    IndexRevision,
    Kind,
    Resolution,
    Statement,
    recency,
)
from worker.pipeline.ports import (
    NewRevision,
    NewSnapshot,
    Origin,
    Outbox,
    OutboxEvent,
    RecordChanges,
    Store,
    Unit,
)

NOW = at(60 * 24 * 30)
HERE = Origin("changes", 0, 0)
RULES = BKN_8_2019.version
THIRD_NIP = "197001011995031003"


class Ports(Store, Outbox, Protocol):
    """A store as the loop and the service see it."""


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ports]:
    if request.param == "fake":
        yield FakeStore([])
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/ipasn.db"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    engine = make_engine(url)
    migrate(engine)
    yield SqlStore(engine)
    engine.dispose()


# --- builders ---------------------------------------------------------------------------------


class Boom(Exception):
    pass


def _add(store: Ports, *statements: Statement) -> list[Statement]:
    with store.unit(NOW) as unit:
        return unit.add_statements([(s, HERE) for s in statements])


def _by_event(found: dict[str, list[Statement]]) -> dict[str, list[Statement]]:
    """Statements per NIP in event-id order: a store keeps them in no particular order."""
    return {nip: sorted(every, key=lambda s: s.event_id) for nip, every in found.items()}


def _conflict(
    kind: Kind = "education", record_id: str | None = "E-1", loser: str = "ev-9"
) -> Conflict:
    return Conflict(
        nip=NIP, kind=kind, record_id=record_id,
        winner_source="siasn", winner_event_id="ev-1", winner_values={"level": "S2"},
        loser_source="simpeg:3201", loser_event_id=loser, loser_values=None, rule="precedence",
    )  # fmt: skip


def _open(unit: Unit, nip: str = NIP) -> list[Conflict]:
    return sorted(unit.open_conflicts([nip]).get(nip, []), key=lambda c: repr(c.key))


def _index(nip: str = NIP, agency: str = "3201", level: str | None = None) -> IndexResult:
    """A pelaksana's index: 5 points (no punishment), more with an education level."""
    statements = employee(agency, nip=nip)
    if level:
        graduated = education_values(level, date(2010, 6, 1))
        statements.append(statement("education", graduated, nip=nip))
    return resolve_and_score(statements, nip=nip)[1]


def _revision(
    index: IndexResult, revision: int, previous: IndexResult | None = None
) -> NewRevision:
    return NewRevision(
        current=IndexRevision(index, revision, NOW),
        previous=previous,
        caused_by=[{"source": "siasn", "id": f"ev-{revision}"}],
        event=OutboxEvent(
            f"{index.nip}:{index.measurement_year}:{index.rule_version}:{revision}",
            "recalculated",
            index.nip,
            f"{index.nip} revision {revision}",
        ),
    )


def _snapshot(nip: str, version: int) -> NewSnapshot:
    return NewSnapshot(
        nip,
        version,
        f"digest-{version}",
        OutboxEvent(f"{nip}:reconciled:{version}", "reconciled", nip, f"v{version}"),
    )


def _figures(*scores: str) -> Figures:
    """One employee with an index per score, each in the band Sedang (a negative score: one
    taken out)."""
    figures = Figures()
    for s in scores:
        sign = -1 if s.startswith("-") else 1
        figures.add(abs(Decimal(s)), "Sedang", sign)
    return figures


def _event(n: int) -> OutboxEvent:
    return OutboxEvent(f"agency:{n}", "agencies", "3201", f"event {n}")


def _unsent(store: Ports, limit: int = 100) -> list[tuple[str, str, str]]:
    with store.unsent(limit) as batch:
        return [(r.topic, r.key, r.payload) for r in batch.rows]


def _write_everything(unit: Unit) -> None:
    unit.add_statements([(s, HERE) for s in employee()])
    unit.write_records(RecordChanges(rewritten=[resolve_and_score(employee())[0]]))
    unit.add_conflicts([_conflict()])
    unit.save_revisions([_revision(_index(), 1)])
    unit.save_snapshots([_snapshot(NIP, 1)])
    unit.add_to_agencies({("3201", YEAR, RULES): _figures("62.5")})
    unit.add_to_outbox([_event(1)])


def _nothing_written(store: Ports) -> None:
    with store.unit(NOW) as unit:
        assert unit.latest_statements_of([NIP]) == {}
        assert unit.versions([NIP]) == {}
        assert unit.open_conflicts([NIP]) == {}
        assert unit.current_indexes([NIP], YEAR, RULES) == {}
        assert unit.snapshot_versions([NIP]) == {}
        again = unit.add_to_agencies({("3201", YEAR, RULES): _figures("62.5")})
        assert again == [(("3201", YEAR, RULES), _figures("62.5"), 1)]
    assert (store.pending_count(), _unsent(store)) == (0, [])


# --- statements -------------------------------------------------------------------------------


def test_statements_not_seen_before_are_returned_in_the_order_given(store: Ports) -> None:
    first, second, third = employee()[1], employee()[0], statement("profile", None, nip=OTHER_NIP)

    assert _add(store, first, second, third) == [first, second, third]


def test_a_statement_given_twice_or_stored_before_is_left_out(store: Ports) -> None:
    stored, new = employee()
    _add(store, stored)
    # The same (source, id) with other content is still the same statement.
    repeated = replace(new, values={"name": "someone else"})

    assert _add(store, new, stored, repeated) == [new]
    with store.unit(NOW) as unit:
        found = _by_event(unit.latest_statements_of([NIP]))
        assert (found, unit.versions([NIP])) == (_by_event({NIP: [stored, new]}), {NIP: 2})


def test_one_event_id_from_two_sources_is_two_statements(store: Ports) -> None:
    national = statement("education", None, record_id="E-1", event_id="ev-same")
    regional = replace(national, source="simpeg:3201")

    assert _add(store, national, regional) == [national, regional]


def test_the_statements_read_back_are_each_nips_latest_with_all_they_say(store: Ports) -> None:
    mine = [
        *employee(),
        statement("education", education_values("S2", date(2020, 3, 1)), record_id="E-1",
                  time=at(5), sequence=7),
        replace(deletion("education", source="steward", record_id="E-1", time=at(9)),
                actor="dewi", reason="ijazah checked", released=True),
    ]  # fmt: skip
    theirs = employee("7317", nip=OTHER_NIP)
    _add(store, *mine, *theirs)

    with store.unit(NOW) as unit:
        found = _by_event(unit.latest_statements_of([NIP, OTHER_NIP, THIRD_NIP]))
        versions = unit.versions([NIP, OTHER_NIP, THIRD_NIP])

    assert found == _by_event({NIP: mine, OTHER_NIP: theirs})
    assert versions == {NIP: 1, OTHER_NIP: 1}  # one unit added them


def _edu(record_id: str, **kwargs: Any) -> Statement:
    values = education_values("S1", date(2010, 6, 1))
    return statement("education", values, record_id=record_id, **kwargs)


# Each pair: a statement, and the one of its source about its record that replaces it.
REPLACED = [
    (_edu("E-1", time=at(1)), _edu("E-1", time=at(2))),
    (_edu("E-2", time=at(1), sequence=9), _edu("E-2", time=at(2))),
    (_edu("E-3", time=at(1)), _edu("E-3", time=at(1), sequence=0)),
    (_edu("E-4", time=at(1), sequence=2), _edu("E-4", time=at(1), sequence=10)),
    # The larger event id by code point, whatever the database's collation says.
    (_edu("E-5", time=at(1), event_id="ev-B"), _edu("E-5", time=at(1), event_id="ev-a")),
    (_edu("E-6", time=at(1), event_id="ev-z"), _edu("E-6", time=at(1), event_id="ev-é")),
]  # fmt: skip


def test_a_statement_replaced_by_a_later_one_of_its_source_is_not_read_back(
    store: Ports,
) -> None:
    assert all(recency(new) > recency(old) for old, new in REPLACED)  # the domain's order
    replaced, latest = [old for old, _ in REPLACED], [new for _, new in REPLACED]
    another_source = _edu("E-1", source="simpeg:3201", time=at(0))
    other_nip = statement("profile", profile_values(), nip=OTHER_NIP)
    # The order of arrival does not matter.
    _add(store, *latest[:3], *replaced, *latest[3:], another_source, other_nip)

    with store.unit(NOW) as unit:
        found = _by_event(unit.latest_statements_of([NIP, OTHER_NIP]))

    assert found == _by_event({NIP: [*latest, another_source], OTHER_NIP: [other_nip]})


@pytest.mark.postgres
def test_event_ids_are_ordered_by_code_point_on_a_database_that_orders_by_language(
    postgres_server: str,
) -> None:
    # The server here orders text by byte; a database made for English readers (ICU en-US)
    # puts "ev-B" after "ev-a" and "ev-é" before "ev-z", where Python does the opposite.
    name = f"ipasn_test_icu_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                f'CREATE DATABASE "{name}" TEMPLATE template0 LOCALE_PROVIDER icu '
                "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
            )
        )
    engine = make_engine(make_url(postgres_server).set(database=name).render_as_string(False))
    try:
        migrate(engine)
        store = SqlStore(engine)
        _add(store, *(old for old, _ in REPLACED[4:]), *(new for _, new in REPLACED[4:]))
        with store.unit(NOW) as unit:
            found = _by_event(unit.latest_statements_of([NIP]))
        assert found == _by_event({NIP: [new for _, new in REPLACED[4:]]})
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_unit_reads_the_statements_it_added_before_it_commits(store: Ports) -> None:
    mine = employee()

    with store.unit(NOW) as unit:
        unit.add_statements([(s, HERE) for s in mine])
        # The service asks for its employees' versions after adding, in the same unit.
        versions = unit.versions(nip for nip in [NIP, OTHER_NIP])
        found = _by_event(unit.latest_statements_of(nip for nip in [NIP, OTHER_NIP]))

    assert (versions, found) == ({NIP: 1}, _by_event({NIP: mine}))


def test_each_unit_that_adds_statements_moves_their_employees_versions_by_one(
    store: Ports,
) -> None:
    profile, position = employee()
    _add(store, profile)
    _add(store, profile, statement("profile", None, nip=OTHER_NIP))  # NIP's: seen before
    with store.unit(NOW, commit=False) as unit:
        unit.add_statements([(position, HERE)])  # rolled back
    with store.unit(NOW) as unit:
        unit.lock_employees([NIP, THIRD_NIP])  # locked, nothing added

    with store.unit(NOW) as unit:
        before = unit.versions([NIP, OTHER_NIP, THIRD_NIP])
        unit.add_statements([(position, HERE)])
        after = unit.versions([NIP, OTHER_NIP])

    assert before in ({NIP: 2, OTHER_NIP: 1}, {NIP: 2, OTHER_NIP: 1, THIRD_NIP: 0})
    assert after == {NIP: 3, OTHER_NIP: 1}


# --- transactions -----------------------------------------------------------------------------


def test_a_unit_not_committed_leaves_nothing_behind(store: Ports) -> None:
    with store.unit(NOW, commit=False) as unit:
        _write_everything(unit)

    _nothing_written(store)


def _fail_midway(store: Ports) -> None:
    with store.unit(NOW) as unit:
        _write_everything(unit)
        raise Boom


def test_a_unit_that_raises_leaves_nothing_behind(store: Ports) -> None:
    with pytest.raises(Boom):
        _fail_midway(store)

    _nothing_written(store)


# --- reconciled records -----------------------------------------------------------------------


def test_reads_about_no_one_ask_nothing_of_the_database(store: Ports) -> None:
    asked: list[str] = []
    if isinstance(store, SqlStore):
        event.listen(store.engine, "before_cursor_execute", lambda *a: asked.append(a[2]))
    with store.unit(NOW) as unit:
        found = (
            unit.versions([]),
            unit.latest_statements_of([]),
            unit.current_indexes([], YEAR, RULES),
            unit.snapshot_versions([]),
            unit.open_conflicts([]),
            unit.reconciled([]),
            unit.snapshot_agencies([]),
        )
        waiting = unit.keys_waiting([])

    assert found == ({},) * len(found)
    assert waiting == set()
    assert asked == []


def test_records_rewritten_changed_and_gone_across_units_are_accepted_and_committed(
    store: Ports,
) -> None:
    s1, s2 = education_values("S1", date(2010, 6, 1)), education_values("S2", date(2020, 3, 1))
    resolution, _ = resolve_and_score(
        [*employee(), statement("education", s1, record_id="E-1"),
         statement("education", s2, record_id="E-2")]
    )  # fmt: skip
    e1, e2, e3 = (record("education", s2, record_id=r) for r in ("E-1", "E-2", "E-3"))
    writes = [
        RecordChanges(rewritten=[resolution]),
        RecordChanges(changed=[(NIP, e1), (NIP, e3)], gone=[(NIP, e2)]),  # E-1 replaced
        RecordChanges(changed=[(NIP, e2)], gone=[(NIP, e3)]),  # E-2 back
        RecordChanges(rewritten=[resolution]),  # whole again, over changed records
    ]
    for n, changes in enumerate(writes):
        with store.unit(NOW) as unit:
            unit.add_statements([(statement("profile", None, event_id=f"marker-{n}"), HERE)])
            unit.write_records(changes)

    with store.unit(NOW) as unit:
        assert unit.versions([NIP]) == {NIP: len(writes)}  # every unit committed


def test_the_records_of_employees_added_are_inserted_beside_the_others(store: Ports) -> None:
    mine, _ = resolve_and_score(employee())
    theirs, _ = resolve_and_score(employee("7371", nip=OTHER_NIP), nip=OTHER_NIP)
    with store.unit(NOW) as unit:
        unit.write_records(RecordChanges(rewritten=[mine]))
    with store.unit(NOW) as unit:
        unit.write_records(RecordChanges(added=[theirs]))
    with store.unit(NOW) as unit:
        found = unit.reconciled([NIP, OTHER_NIP])

    assert found == {
        NIP: Resolution.of_records(NIP, mine.keyed().values()),
        OTHER_NIP: Resolution.of_records(OTHER_NIP, theirs.keyed().values()),
    }


def test_the_records_read_back_are_those_written_rewritten_changed_and_gone(
    store: Ports,
) -> None:
    s1, s2 = education_values("S1", date(2010, 6, 1)), education_values("S2", date(2020, 3, 1))
    resolution, _ = resolve_and_score(
        [*employee(), statement("education", s1, record_id="E-1"),
         statement("education", s2, record_id="E-2")]
    )  # fmt: skip
    e1, e3 = (record("education", s2, record_id=r) for r in ("E-1", "E-3"))
    gone = resolution.history["education"][1]  # E-2
    with store.unit(NOW) as unit:
        unit.write_records(RecordChanges(rewritten=[resolution]))
    with store.unit(NOW) as unit:
        first = unit.reconciled([NIP, OTHER_NIP])
        unit.write_records(RecordChanges(changed=[(NIP, e1), (NIP, e3)], gone=[(NIP, gone)]))
    with store.unit(NOW) as unit:
        second = unit.reconciled([NIP])

    assert first == {NIP: Resolution.of_records(NIP, resolution.keyed().values())}
    single = [r for r in (resolution.profile, resolution.position) if r is not None]
    expected = [*single, e1, e3]
    assert second == {NIP: Resolution.of_records(NIP, expected)}
    assert second[NIP].history["education"] == (e1, e3)


def test_a_record_gone_that_is_not_stored_is_no_error(store: Ports) -> None:
    never_stored = record("education", education_values("S1", date(2010, 6, 1)))

    with store.unit(NOW) as unit:
        unit.add_statements([(statement("profile", None, event_id="marker"), HERE)])
        unit.write_records(RecordChanges(gone=[(NIP, never_stored), (OTHER_NIP, never_stored)]))

    with store.unit(NOW) as unit:
        assert unit.versions([NIP]) == {NIP: 1}


# --- conflicts --------------------------------------------------------------------------------


def test_conflicts_recorded_now_are_counted_by_kind_and_open(store: Ports) -> None:
    found = [
        _conflict(), _conflict(record_id="E-2"), _conflict("training", "T-1"),
        _conflict("profile", None),
    ]  # fmt: skip

    with store.unit(NOW) as unit:
        counts = unit.add_conflicts(found)
    with store.unit(NOW) as unit:
        still_open, others = _open(unit), unit.open_conflicts([OTHER_NIP])

    assert counts == {"education": 2, "training": 1, "profile": 1}
    assert still_open == sorted(found, key=lambda c: repr(c.key))
    assert others == {}


def test_a_conflict_recorded_again_is_not_counted_again(store: Ports) -> None:
    with store.unit(NOW) as unit:
        twice = unit.add_conflicts([_conflict(), _conflict()])
    with store.unit(NOW) as unit:
        again = unit.add_conflicts([_conflict()])
        assert _open(unit) == [_conflict()]

    assert (twice, again) == ({"education": 1}, {})


def test_a_closed_conflict_is_no_longer_open(store: Ports) -> None:
    with store.unit(NOW) as unit:
        unit.add_conflicts([_conflict(), _conflict(loser="ev-8")])
    with store.unit(NOW) as unit:
        unit.close_conflicts([(_conflict(), "superseded")])
    with store.unit(NOW) as unit:
        assert _open(unit) == [_conflict(loser="ev-8")]


def test_a_closed_conflict_found_again_is_open_again_and_not_new(store: Ports) -> None:
    with store.unit(NOW) as unit:
        unit.add_conflicts([_conflict()])
    with store.unit(NOW) as unit:
        unit.close_conflicts([(_conflict(), "agrees")])
    with store.unit(NOW) as unit:
        counts = unit.add_conflicts([_conflict()])
    with store.unit(NOW) as unit:
        assert (counts, _open(unit)) == ({}, [_conflict()])


# --- indexes ----------------------------------------------------------------------------------


def test_the_current_index_is_the_last_revision_saved_for_its_year_and_rules(
    store: Ports,
) -> None:
    first, second = _index(), _index(level="S2")
    assert second.score != first.score  # else the revisions could not be told apart
    next_year = replace(first, measurement_year=YEAR + 1)
    with store.unit(NOW) as unit:
        unit.save_revisions([_revision(first, 1), _revision(next_year, 1)])
    with store.unit(NOW) as unit:
        unit.save_revisions([_revision(second, 2, previous=first)])

    with store.unit(NOW) as unit:
        assert unit.current_indexes([NIP, OTHER_NIP], YEAR, RULES) == {
            NIP: IndexRevision(second, 2, NOW)
        }
        assert unit.current_indexes([NIP], YEAR + 1, RULES) == {
            NIP: IndexRevision(next_year, 1, NOW)
        }
        assert unit.current_indexes([NIP], YEAR, "other-rules") == {}


def test_a_withdrawn_index_reads_back_without_score_band_or_dimensions(store: Ports) -> None:
    withdrawn = replace(_index(), score=None, band=None, dimensions=None)
    with store.unit(NOW) as unit:
        unit.save_revisions([_revision(_index(), 1)])
    with store.unit(NOW) as unit:  # one revision of an index per call: as the service saves
        unit.save_revisions([_revision(withdrawn, 2, previous=_index())])

    with store.unit(NOW) as unit:
        assert unit.current_indexes([NIP], YEAR, RULES) == {NIP: IndexRevision(withdrawn, 2, NOW)}


def test_moving_an_index_changes_its_agency_alone(store: Ports) -> None:
    with store.unit(NOW) as unit:
        unit.save_revisions([_revision(_index(), 1)])
    with store.unit(NOW) as unit:
        unit.move_indexes([_index(agency="7317", level="S2")])  # another score: not taken

    with store.unit(NOW) as unit:
        current = unit.current_indexes([NIP], YEAR, RULES)
    assert current == {NIP: IndexRevision(_index(agency="7317"), 1, NOW)}


def test_moving_an_index_that_is_not_stored_stores_none(store: Ports) -> None:
    with store.unit(NOW) as unit:
        unit.move_indexes([_index(nip=OTHER_NIP)])

    with store.unit(NOW) as unit:
        assert unit.current_indexes([OTHER_NIP], YEAR, RULES) == {}


# --- snapshots and agencies -------------------------------------------------------------------


def test_each_nips_snapshot_version_is_the_last_saved(store: Ports) -> None:
    with store.unit(NOW) as unit:
        unit.save_snapshots([_snapshot(NIP, 1)])
    with store.unit(NOW) as unit:
        unit.save_snapshots([_snapshot(NIP, 2), _snapshot(OTHER_NIP, 1)])

    with store.unit(NOW) as unit:
        versions = unit.snapshot_versions([NIP, OTHER_NIP, THIRD_NIP])
    assert versions == {NIP: (2, "digest-2"), OTHER_NIP: (1, "digest-1")}


def test_each_nips_snapshot_agency_is_that_of_the_last_saved(store: Ports) -> None:
    with store.unit(NOW) as unit:
        unit.save_snapshots([replace(_snapshot(NIP, 1), agency_code="3201")])
        unit.save_snapshots([_snapshot(OTHER_NIP, 1)])  # no agency
    with store.unit(NOW) as unit:
        unit.save_snapshots([replace(_snapshot(NIP, 2), agency_code="7317")])

    with store.unit(NOW) as unit:
        agencies = unit.snapshot_agencies([NIP, OTHER_NIP, THIRD_NIP])
    assert agencies == {NIP: "7317", OTHER_NIP: None}


def test_the_latest_revision_is_read_back_as_it_was_saved(store: Ports) -> None:
    first, second = _index(), _index(level="S2")
    moved = replace(second, agency_code="7317")
    with store.unit(NOW) as unit:
        unit.save_revisions([_revision(first, 1), _revision(_index(OTHER_NIP), 1)])
    with store.unit(NOW) as unit:
        unit.save_revisions([_revision(second, 2, previous=first)])
    with store.unit(NOW) as unit:
        unit.move_indexes([moved])  # the agency alone: the revision keeps the one it had

    with store.unit(NOW) as unit:
        latest = unit.latest_revisions([NIP, OTHER_NIP, THIRD_NIP], YEAR, RULES)
        other_year = unit.latest_revisions([NIP], YEAR + 1, RULES)
    assert other_year == {}
    assert set(latest) == {NIP, OTHER_NIP}
    mine = latest[NIP]
    assert (mine.current.index, mine.current.revision) == (second, 2)
    assert mine.current.computed_at == NOW
    assert mine.previous is not None
    assert (mine.previous.score, mine.previous.band) == (first.score, first.band)
    assert mine.caused_by == [("siasn", "ev-2")]
    assert latest[OTHER_NIP].previous is None
    assert latest[OTHER_NIP].caused_by == [("siasn", "ev-1")]


def test_agency_figures_add_up_and_count_versions_per_agency_in_agency_order(
    store: Ports,
) -> None:
    bone: AgencyKey = ("7317", YEAR, RULES)
    bogor: AgencyKey = ("3201", YEAR, RULES)
    bandung: AgencyKey = ("3273", YEAR, RULES)
    with store.unit(NOW) as unit:
        first = unit.add_to_agencies({bone: _figures("62.5"), bogor: _figures("73", "81.25")})
    with store.unit(NOW) as unit:
        second = unit.add_to_agencies({bogor: _figures("-73")})
    with store.unit(NOW) as unit:
        third = unit.add_to_agencies(  # a new agency among those there
            {bone: _figures("70"), bandung: _figures("55"), bogor: _figures("60")}
        )

    assert first == [(bogor, _figures("73", "81.25"), 1), (bone, _figures("62.5"), 1)]
    assert second == [(bogor, _figures("81.25"), 2)]
    assert third == [
        (bogor, _figures("81.25", "60"), 3),
        (bandung, _figures("55"), 1),
        (bone, _figures("62.5", "70"), 2),
    ]


# --- outbox -----------------------------------------------------------------------------------


def test_outbox_rows_come_out_in_the_order_they_were_added_across_units(store: Ports) -> None:
    with store.unit(NOW) as unit:
        unit.save_revisions([_revision(_index(), 1)])
        unit.save_snapshots([_snapshot(OTHER_NIP, 1)])
        unit.add_to_outbox([_event(1), _event(2)])
    with store.unit(NOW) as unit:
        unit.add_to_outbox([_event(3)])
        unit.save_revisions([_revision(_index(nip=OTHER_NIP), 1)])

    with store.unsent(100) as batch:
        rows = batch.rows
    assert [(r.topic, r.key, r.payload) for r in rows] == [
        ("recalculated", NIP, f"{NIP} revision 1"),
        ("reconciled", OTHER_NIP, "v1"),
        ("agencies", "3201", "event 1"),
        ("agencies", "3201", "event 2"),
        ("agencies", "3201", "event 3"),
        ("recalculated", OTHER_NIP, f"{OTHER_NIP} revision 1"),
    ]
    assert [r.id for r in rows] == sorted({r.id for r in rows})  # in id order, each once
    assert store.pending_count() == 6


def test_rows_deleted_as_sent_are_neither_unsent_nor_pending_and_the_limit_holds(
    store: Ports,
) -> None:
    with store.unit(NOW) as unit:
        unit.add_to_outbox([_event(n) for n in range(1, 4)])

    with store.unsent(2) as batch:
        taken = [r.payload for r in batch.rows]
        batch.delete()

    assert taken == ["event 1", "event 2"]
    assert (_unsent(store, 2), store.pending_count()) == ([("agencies", "3201", "event 3")], 1)


def _delete_then_fail(store: Ports) -> None:
    with store.unsent(10) as batch:
        batch.delete()
        raise Boom


def test_rows_deleted_in_a_block_that_raises_stay_unsent(store: Ports) -> None:
    with store.unit(NOW) as unit:
        unit.add_to_outbox([_event(1)])

    with pytest.raises(Boom):
        _delete_then_fail(store)

    assert (_unsent(store), store.pending_count()) == ([("agencies", "3201", "event 1")], 1)


def test_rows_deleted_as_sent_stay_gone_when_a_unit_begun_before_commits(store: Ports) -> None:
    with store.unit(NOW) as unit:
        unit.add_to_outbox([_event(1)])

    with store.unit(NOW) as unit:
        with store.unsent(10) as batch:  # a relay, while the worker's unit is open
            batch.delete()
        unit.add_to_outbox([_event(2)])

    assert (_unsent(store), store.pending_count()) == ([("agencies", "3201", "event 2")], 1)


def _agency_event(n: int, agency: str = "3201") -> OutboxEvent:
    return OutboxEvent(f"{agency}:{YEAR}:{RULES}:{n}", "agencies", agency, f"{agency} event {n}")


def test_a_claim_takes_the_rows_still_unsent_and_they_leave_the_outbox(store: Ports) -> None:
    events = [_agency_event(1), _agency_event(2), _agency_event(1, "7317")]
    with store.unit(NOW) as unit:
        unit.add_to_outbox(events)
    with store.unsent(1) as batch:  # a relay sent the first one
        batch.delete()

    with store.claim([e.event_id for e in events]) as claimed:
        held = set(claimed)

    assert held == {events[1].event_id, events[2].event_id}
    assert (_unsent(store), store.pending_count()) == ([], 0)


def test_rows_claimed_in_a_block_that_raises_stay_unsent(store: Ports) -> None:
    with store.unit(NOW) as unit:
        unit.add_to_outbox([_agency_event(1)])

    with pytest.raises(Boom), store.claim([_agency_event(1).event_id]):
        raise Boom

    assert _unsent(store) == [("agencies", "3201", "3201 event 1")]


@pytest.mark.postgres
def test_a_claim_waits_for_a_relay_holding_its_rows_and_takes_what_the_relay_left(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url)
    migrate(engine)
    store = SqlStore(engine)
    events = [_agency_event(1), _agency_event(2), _agency_event(3)]
    with store.unit(NOW) as unit:
        unit.add_to_outbox(events)
    claimed: list[set[str]] = []

    def claim() -> None:  # a worker publishing the second and third from memory
        with store.claim([events[2].event_id, events[1].event_id]) as found:
            claimed.append(set(found))

    with store.unsent(2) as batch:  # a relay holds the first two
        worker = threading.Thread(target=claim)
        worker.start()
        worker.join(1.0)
        waited = worker.is_alive()
        batch.delete()
    worker.join(10.0)
    engine.dispose()

    assert waited  # for the second row, the relay's
    assert claimed == [{events[2].event_id}]  # the second was the relay's to send
    assert (_unsent(store), store.pending_count()) == ([], 0)


def test_a_claim_of_events_not_in_the_outbox_takes_nothing(store: Ports) -> None:
    with store.claim(["no-such-event"]) as claimed:
        assert claimed == set()


def test_keys_waiting_are_those_with_older_unsent_rows_not_the_events_own(store: Ports) -> None:
    older = [_agency_event(1), _agency_event(1, "7317")]
    with store.unit(NOW) as unit:
        unit.add_to_outbox(older)
    with store.claim([older[1].event_id]):  # 7317's was sent
        pass

    newer = [_agency_event(2), _agency_event(2, "7317"), _agency_event(1, "1371")]
    with store.unit(NOW) as unit:
        unit.add_to_outbox(newer)
        waiting = unit.keys_waiting(newer)

    assert waiting == {"3201"}


def test_no_key_waits_on_its_own_events(store: Ports) -> None:
    events = [_agency_event(1), _agency_event(2)]
    with store.unit(NOW) as unit:
        unit.add_to_outbox(events)
        assert unit.keys_waiting(events) == set()
