"""A crash at any point loses nothing and double-counts nothing."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from consumers.kafka_source import KafkaSource
from producers import outbox
from tests.conftest import Topics
from tests.integration.helpers import data_by_nip, publish, published, run, settings_for
from tests.integration.stream import A, B, D, phase_one
from worker.bootstrap.worker import kafka_source
from worker.dev.brokers import LocalBroker
from worker.pipeline.ports import Message

pytestmark = pytest.mark.kafka


class Crash(Exception):
    """Stands for the process dying at that line."""


def revisions_by_nip(broker: LocalBroker, topics: Topics) -> dict[str, list[int]]:
    return {
        nip: [d["revision"] for d in data]
        for nip, data in data_by_nip(published(broker, topics.output)).items()
    }


def test_a_crash_after_the_database_commit_and_before_the_offset_commit_double_counts_nothing(
    broker: LocalBroker, topics: Topics, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(broker.bootstrap, topics.input, phase_one())
    settings = settings_for(broker, topics, database_url)

    def crashing(source: KafkaSource) -> KafkaSource:
        def commit(messages: Sequence[Message]) -> None:
            raise Crash

        source.commit = commit  # type: ignore[method-assign]
        return source

    with pytest.raises(Crash):
        run(settings, source_factory=lambda s: crashing(kafka_source(s)))
    assert published(broker, topics.output) == []  # the crash came before the relay

    totals = run(settings)  # the restarted worker reads the same messages again

    assert totals.stored == 0
    assert totals.duplicates == 33
    assert revisions_by_nip(broker, topics) == {A: [1], B: [1], D: [1]}


def test_a_crash_between_the_database_commit_and_the_send_loses_no_recalculation(
    broker: LocalBroker, topics: Topics, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(broker.bootstrap, topics.input, phase_one())
    settings = settings_for(broker, topics, database_url)

    def crash(self: outbox.OutboxRelay, events: object) -> dict[str, int]:
        raise Crash  # before anything is sent, from memory or read back

    with monkeypatch.context() as patch:
        patch.setattr(outbox.OutboxRelay, "send", crash)
        with pytest.raises(Crash):
            run(settings)

    totals = run(settings)  # nothing new to read, but the outbox still holds the events

    assert totals.messages == 0
    assert totals.published == 3
    assert revisions_by_nip(broker, topics) == {A: [1], B: [1], D: [1]}


def test_a_crash_after_the_send_and_before_the_delete_repeats_the_same_event(
    broker: LocalBroker, topics: Topics, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(broker.bootstrap, topics.input, phase_one())
    settings = settings_for(broker, topics, database_url)

    real_send = outbox.OutboxRelay.send

    def send_then_crash(self: outbox.OutboxRelay, events: object) -> dict[str, int]:
        if real_send(self, events):  # type: ignore[arg-type]
            raise Crash  # sent and acknowledged; the rows not deleted
        return {}

    with monkeypatch.context() as patch:
        patch.setattr(outbox.OutboxRelay, "send", send_then_crash)
        with pytest.raises(Crash):
            run(settings)
    run(settings)

    events = published(broker, topics.output)
    assert len(events) == 6  # each sent twice: at least once, never lost
    by_id: dict[str, list[dict[str, object]]] = {}
    for e in events:
        by_id.setdefault(str(e["id"]), []).append(e)
    assert sorted(by_id) == sorted(f"{nip}:2025:bkn-8-2019:1" for nip in (A, B, D))
    for copies in by_id.values():
        assert copies[0] == copies[1]  # same id, same payload: consumers de-duplicate on id
