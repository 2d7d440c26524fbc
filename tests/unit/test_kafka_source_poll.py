"""KafkaSource.poll's second fetch (the fresh poll), on a stand-in for kafka-python's consumer:
what the first poll returned is always handed on, even when a rebalance begins in between."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from kafka import TopicPartition

import consumers.kafka_source as kafka_source
from consumers.kafka_source import KafkaSource, _Positions

P0, P1 = TopicPartition("changes", 0), TopicPartition("changes", 1)


def record(tp: TopicPartition, offset: int) -> Any:
    return SimpleNamespace(
        topic=tp.topic, partition=tp.partition, offset=offset, key=b"k", value=b"v", headers=[]
    )


class Consumer:
    """Answers each poll with the next of `answers`; `during` runs inside the second poll."""

    def __init__(self, answers: list[dict[TopicPartition, list[Any]]], during: Any = None) -> None:
        self.answers = answers
        self.during = during
        self.polls: list[int | None] = []

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[Any, list[Any]]:
        self.polls.append(max_records)
        if len(self.polls) == 2 and self.during:
            self.during()
        return self.answers.pop(0) if self.answers else {}

    def assignment(self) -> set[TopicPartition]:
        return {P0, P1}


def source(consumer: Consumer, max_poll_records: int = 100) -> KafkaSource:
    made = KafkaSource.__new__(KafkaSource)
    made._consumer = consumer
    made._topics = ["changes"]
    made._max_poll_records = max_poll_records
    made._polled_at = 0.0
    made._positions = _Positions()
    made._positions.on_partitions_assigned([P0, P1])
    made._ends, made._ends_asked_at = {}, 0.0
    return made


def offsets(batch: list[Any]) -> list[tuple[int, int]]:
    return [(m.partition, m.offset) for m in batch]


def test_after_a_gap_the_batch_also_holds_what_the_next_fetch_brings_in_order() -> None:
    consumer = Consumer(
        [{P0: [record(P0, 0), record(P0, 1)]}, {P0: [record(P0, 2)], P1: [record(P1, 0)]}]
    )
    batch = source(consumer, max_poll_records=10).poll(0.5)
    assert offsets(batch) == [(0, 0), (0, 1), (0, 2), (1, 0)]
    assert consumer.polls == [None, 8]  # the second poll takes only the room left


def test_a_full_batch_or_one_right_after_the_last_poll_waits_for_no_second_fetch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    full = Consumer([{P0: [record(P0, n) for n in range(3)]}, {P0: [record(P0, 3)]}])
    assert offsets(source(full, max_poll_records=3).poll(0.5)) == [(0, 0), (0, 1), (0, 2)]
    assert full.polls == [None]
    monkeypatch.setattr(kafka_source, "FRESH_AFTER_S", 1e12)  # as if the last poll just returned
    soon = Consumer([{P0: [record(P0, 0)]}, {P0: [record(P0, 1)]}])
    assert offsets(source(soon).poll(0.5)) == [(0, 0)]
    assert soon.polls == [None]


def test_a_rebalance_begun_during_the_second_fetch_loses_nothing_the_first_returned() -> None:
    # kafka-python has moved past what the first poll returned: should the partitions come back
    # to this member, it resumes after them, so leaving any out would lose it.
    made: list[KafkaSource] = []
    consumer = Consumer(
        [{P0: [record(P0, 0)], P1: [record(P1, 0)]}, {}],
        during=lambda: made[0]._positions.on_partitions_revoked([P0, P1]),
    )
    made.append(source(consumer))
    assert offsets(made[0].poll(0.5)) == [(0, 0), (1, 0)]
