"""Hostile input end to end: 10,000 generated messages, every invalid one dead-lettered with its
reason and its original bytes, every valid one stored, and the worker still running.

The stream is the unit fuzz test's (tests/fuzz), drawn by hypothesis with derandomize=True: the
same messages on every run and on both databases. About half are valid events made unusual, each
with an id of its own; the rest are invalid, of every shape, with every reason decode() gives.
"""

from __future__ import annotations

import functools
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from kafka import KafkaProducer
from sqlalchemy import create_engine, select

from consumers.reader import Read, read_topic
from tests.conftest import Topics
from tests.fuzz import Case, messages
from tests.integration.helpers import run, settings_for
from worker.db.tables import statements
from worker.dev.brokers import LocalBroker
from worker.domain.model import Statement

pytestmark = pytest.mark.kafka

MESSAGES = 10_000
PER_EXAMPLE = 10


@functools.cache
def stream() -> tuple[Case, ...]:
    """The same generated messages on every run (derandomize: hypothesis's seed is fixed)."""
    cases: list[Case] = []

    @settings(
        derandomize=True,
        database=None,
        max_examples=MESSAGES // PER_EXAMPLE,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(messages(unique_ids=True), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE))
    def collect(batch: list[Case]) -> None:
        cases.extend(batch)

    collect()
    assert len(cases) == MESSAGES
    return tuple(cases)


def publish(bootstrap: str, topic: str, cases: tuple[Case, ...]) -> list[tuple[int, int]]:
    """Each message's (partition, offset)."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, acks="all")
    sent = [producer.send(topic, key=c.key, value=c.value) for c in cases]
    producer.flush()
    where = [(m.partition, m.offset) for m in (f.get(timeout=60) for f in sent)]
    producer.close()
    return where


def stored_statements(database_url: str) -> dict[tuple[str, str], Any]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(statements)).all()
    engine.dispose()
    return {(r.source, r.event_id): r for r in rows}


def matches(row: Any, s: Statement) -> bool:
    return (row.nip, row.kind, row.record_id, row.time, row.sequence, row.deleted, row.values) == (
        s.nip,
        s.kind,
        s.record_id,
        s.time,
        s.sequence,
        s.values is None,
        None if s.values is None else dict(s.values),
    )


def test_every_invalid_message_is_dead_lettered_and_every_valid_one_stored(
    broker: LocalBroker, topics: Topics, database_url: str
) -> None:
    cases = stream()
    where = publish(broker.bootstrap, topics.input, cases)
    valid = [c.expected for c in cases if isinstance(c.expected, Statement)]
    invalid = {w: c for w, c in zip(where, cases, strict=True) if isinstance(c.expected, str)}
    assert 3_000 < len(valid) < 7_000  # a mix, about half of each
    assert len(valid) + len(invalid) == MESSAGES

    totals = run(settings_for(broker, topics, database_url))  # raises if the worker crashed

    # Each invalid message once in the DLQ, with its reason, its key and its bytes.
    dead: dict[tuple[int, int], Read] = {}
    for d in read_topic(broker.bootstrap, topics.dlq, timeout_s=120):
        origin = (int(d.headers["ipasn-dlq-partition"]), int(d.headers["ipasn-dlq-offset"]))
        assert d.headers["ipasn-dlq-topic"] == topics.input.encode()
        assert origin not in dead
        dead[origin] = d
    assert dead.keys() == invalid.keys()
    for origin, case in invalid.items():
        letter = dead[origin]
        assert letter.headers["ipasn-dlq-reason"] == str(case.expected).encode(), case.shape
        assert (letter.key, letter.value) == (case.key, case.value), case.shape

    # Each valid event's statement stored as decode() made it (no two share a (source, id)).
    meant = {(s.source, s.event_id): s for s in valid}
    assert len(meant) == len(valid)
    rows = stored_statements(database_url)
    assert rows.keys() == meant.keys()
    for key, row in rows.items():
        assert matches(row, meant[key]), key

    assert totals.messages == MESSAGES
    assert totals.dead_lettered == len(invalid)
    assert (totals.stored, totals.duplicates) == (len(valid), 0)
    reasons = Counter(str(c.expected) for c in invalid.values())
    assert set(reasons) == {
        "not_json", "invalid_event", "unknown_type", "bad_nip", "key_mismatch", "not_authorised",
    }  # fmt: skip
