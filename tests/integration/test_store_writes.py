"""Writing only what changed leaves the database exactly as rewriting everything would.

The service writes an employee's reconciled records whole only where it does not know what is
stored; for employees in its cache it writes the records that changed and the conflicts not
recorded before. These tests run the demo's stream in shuffled batches, on SQLite and on
PostgreSQL, through workers that keep a cache, and compare the tables with what reconciling
every employee's statements from scratch gives.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from consumers.changes import decode
from tests.factories import BKN_8_2019
from worker.db.engine import make_engine, migrate
from worker.db.store import SqlStore
from worker.db.tables import conflicts, indexes, records
from worker.dev.demo.sample import sample_events
from worker.domain.model import KINDS, Statement
from worker.domain.reconcile import resolve
from worker.pipeline.cache import EmployeeCache
from worker.pipeline.ports import Origin
from worker.pipeline.service import IndexService

NOW = datetime(2025, 12, 1, tzinfo=UTC)


def _stream(employees: int, seed: int) -> list[tuple[Statement, Origin]]:
    decoded = []
    for offset, m in enumerate(sample_events(employees)):
        statement = decode(m.key, m.value, BKN_8_2019)
        if isinstance(statement, Statement):
            decoded.append((statement, Origin("changes", 0, offset)))
    random.Random(seed).shuffle(decoded)
    return decoded


def _batches(stream: list[Any], seed: int) -> list[list[Any]]:
    rng, batches, at = random.Random(seed), [], 0
    while at < len(stream):
        size = rng.choice([1, 7, 50, 300])
        batches.append(stream[at : at + size])
        at += size
    return batches


def _tables(engine: Engine) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]], set[Any]]:
    with engine.connect() as conn:
        stored = {
            (r.nip, r.kind, r.record_id, str(sorted(r.values.items())), r.source, r.event_id)
            for r in conn.execute(select(records))
        }
        found = {
            (c.nip, c.kind, c.record_id, c.winner_event_id, c.loser_source, c.loser_event_id)
            for c in conn.execute(select(conflicts))
        }
        scores = {(i.nip, i.score, i.band) for i in conn.execute(select(indexes))}
    return stored, found, scores


def _from_scratch(stream: list[tuple[Statement, Origin]]) -> set[tuple[Any, ...]]:
    every: dict[str, dict[tuple[str, str], Statement]] = defaultdict(dict)
    for s, _ in stream:
        every[s.nip][(s.source, s.event_id)] = s
    stored = set()
    for nip, statements in every.items():
        resolution = resolve(nip, list(statements.values()), BKN_8_2019)
        for kind in KINDS:
            for r in resolution.records(kind):
                values = str(sorted(r.values.items()))
                stored.add((nip, r.kind, r.record_id or "", values, r.source, r.event_id))
    return stored


@pytest.mark.parametrize("seed", [1, 2])
def test_cached_workers_leave_the_tables_that_rewriting_everything_gives(
    database_url: str, tmp_path: Path, seed: int
) -> None:
    stream = _stream(120, seed)
    batches = _batches(stream, seed)
    engine = make_engine(database_url)
    migrate(engine)
    # Two workers on one database, each with its own cache, taking batches in turn: each
    # stores statements behind the other's back, as after a rebalance.
    workers = [
        IndexService(SqlStore(engine), BKN_8_2019, 2025, "out", EmployeeCache(10_000))
        for _ in range(2)
    ]
    rng = random.Random(seed)
    for batch in batches:
        rng.choice(workers).apply(batch, NOW)
    # The whole stream again from a worker without a cache: nothing new, nothing changed.
    IndexService(SqlStore(engine), BKN_8_2019, 2025, "out").apply(stream, NOW)
    # The reference: the same batches through a worker that rewrites every employee whole.
    reference = make_engine(f"sqlite:///{tmp_path}/reference.db")
    migrate(reference)
    for batch in batches:
        IndexService(SqlStore(reference), BKN_8_2019, 2025, "out").apply(batch, NOW)

    stored, found, scores = _tables(engine)
    assert stored == _from_scratch(stream)
    assert (stored, found, scores) == _tables(reference)
    assert len(found) > 10
    assert len(scores) > 100
    engine.dispose()
    reference.dispose()


def test_a_batch_counts_only_the_conflicts_it_recorded_by_kind(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    stream = _stream(120, 3)
    service = IndexService(SqlStore(engine), BKN_8_2019, 2025, "out", EmployeeCache(10_000))

    counted: Counter[str] = Counter()
    for batch in _batches(stream, 3):
        counted.update(service.apply(batch, NOW).conflicts)
    again = IndexService(SqlStore(engine), BKN_8_2019, 2025, "out").apply(stream, NOW)

    stored = Counter(kind for _, kind, *_ in _tables(engine)[1])
    assert counted == stored
    assert len(stored) > 1  # conflicts of more than one kind
    assert again.conflicts == {}
    engine.dispose()
