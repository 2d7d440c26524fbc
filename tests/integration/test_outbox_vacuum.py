"""The outbox's deleted rows are vacuumed away as they pile up (worker/db/store/vacuum.py): by a
worker's claims and a relay's drains, on PostgreSQL, by a role that may."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from worker.db.engine import make_engine, migrate
from worker.db.store import SqlStore
from worker.pipeline.ports import OutboxEvent

T = datetime(2025, 1, 20, 9, 0, tzinfo=UTC)


def _events(first: int, n: int) -> list[OutboxEvent]:
    return [OutboxEvent(f"event-{i}", "recalculated", f"1970{i:014d}", "{}") for i in
            range(first, first + n)]  # fmt: skip


def _write(store: SqlStore, events: list[OutboxEvent]) -> None:
    with store.unit(T) as unit:
        unit.add_to_outbox(events)


def _vacuumed(engine: Engine) -> int:
    """VACUUMs of the outbox that PostgreSQL's statistics have seen (autovacuum's apart)."""
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        query = "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'outbox'"
        return int(conn.execute(text(query)).scalar_one())


@pytest.fixture
def engine(postgres_engine: Engine) -> Engine:
    return postgres_engine


@pytest.mark.postgres
def test_rows_claimed_and_drained_are_vacuumed_once_enough_were_deleted(engine: Engine) -> None:
    store = SqlStore(engine, vacuum_after_rows=50)
    _write(store, _events(0, 60))

    with store.claim([e.event_id for e in _events(0, 30)]) as claimed:
        assert len(claimed) == 30
    store.vacuum.wait()
    assert (store.vacuum.runs, _vacuumed(engine)) == (0, 0)  # 30 deleted: not yet

    with store.unsent(100) as batch:  # a relay's drain deletes the other 30
        batch.delete()
    store.vacuum.wait()
    assert store.vacuum.runs == 1
    assert _vacuumed(engine) == 1
    with engine.connect() as conn:
        query = "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'outbox'"
        assert conn.execute(text(query)).scalar_one() == 0


@pytest.mark.postgres
def test_rows_kept_by_a_claim_that_raises_are_not_counted(engine: Engine) -> None:
    store = SqlStore(engine, vacuum_after_rows=10)
    _write(store, _events(0, 20))

    with pytest.raises(RuntimeError), store.claim([e.event_id for e in _events(0, 20)]):
        raise RuntimeError("the broker did not acknowledge")
    store.vacuum.wait()
    assert store.vacuum.runs == 0


@pytest.mark.postgres
def test_a_role_that_does_not_own_the_outbox_says_so_once_and_leaves_it_to_autovacuum(
    engine: Engine, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    role = f"ipasn_runtime_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON outbox TO "{role}"'))
        conn.execute(text(f'GRANT USAGE ON SEQUENCE outbox_id_seq TO "{role}"'))
        conn.commit()
    runtime = make_engine(make_url(postgres_url).set(username=role).render_as_string(False))
    try:
        store = SqlStore(runtime, vacuum_after_rows=5)
        with caplog.at_level(logging.WARNING, logger="worker.db.store.vacuum"):
            for first in (0, 10):
                _write(store, _events(first, 10))
                with store.claim([e.event_id for e in _events(first, 10)]) as claimed:
                    assert len(claimed) == 10
                store.vacuum.wait()
        assert [r.getMessage() for r in caplog.records] == [
            "this database role does not own the outbox table, so it cannot VACUUM it: its "
            "sent rows are cleared by autovacuum alone, and its lookups slow down as they pile "
            "up (docs/performance.md)"
        ]
        assert (store.vacuum.runs, store.vacuum.after_rows) == (0, 0)
    finally:
        runtime.dispose()
        with engine.connect() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
            conn.commit()


def test_sqlite_deletes_in_place_and_is_never_vacuumed(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/ipasn.db")
    migrate(engine)
    store = SqlStore(engine, vacuum_after_rows=1)
    _write(store, _events(0, 5))
    with store.claim([e.event_id for e in _events(0, 5)]) as claimed:
        assert len(claimed) == 5
    assert (store.vacuum.after_rows, store.vacuum.runs, store.vacuum.running()) == (0, 0, False)
    engine.dispose()


@pytest.mark.postgres
def test_a_store_told_never_leaves_the_outbox_to_autovacuum(engine: Engine) -> None:
    store = SqlStore(engine, vacuum_after_rows=0)
    _write(store, _events(0, 20))
    with store.claim([e.event_id for e in _events(0, 20)]):
        pass
    assert (store.vacuum.runs, store.vacuum.running(), _vacuumed(engine)) == (0, False, 0)
