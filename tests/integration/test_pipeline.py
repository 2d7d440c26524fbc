"""End to end over the real broker, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from kafka import KafkaProducer
from prometheus_client import CollectorRegistry

from tests.conftest import Topics
from tests.integration.stream import (
    A,
    B,
    C,
    D,
    EXPECTED_REASONS,
    Msg,
    causes,
    malformed,
    phase_one,
    phase_two,
)
from worker.cli import run_worker
from consumers.reader import read_topic
from worker.devbroker import DevBroker
from worker.settings import Settings, load_settings

pytestmark = pytest.mark.kafka

IDLE_S = 1.5


def publish(bootstrap: str, topic: str, msgs: list[Msg]) -> None:
    # A plain kafka-python producer, as an upstream team would use.
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for m in msgs:
        producer.send(topic, key=m.key, value=m.value)
    producer.flush()
    producer.close()


def settings_for(broker: DevBroker, topics: Topics, database_url: str,
                 group: str = "ipasn-test") -> Settings:
    return load_settings(
        kafka_bootstrap_servers=broker.bootstrap, database_url=database_url,
        measurement_year=2025, input_topics=topics.input, output_topic=topics.output,
        dlq_topic=topics.dlq, consumer_group=group, metrics_port=0,
        kafka_session_timeout_ms=6000,
    )


def run(settings: Settings) -> Any:
    return run_worker(settings, IDLE_S, threading.Event(), CollectorRegistry())


def published(broker: DevBroker, topic: str) -> list[dict[str, Any]]:
    events = []
    for r in read_topic(broker.bootstrap, topic):
        event = json.loads(r.value or b"")
        assert r.key == event["subject"].encode()
        events.append(event)
    return events


def data_by_nip(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        found.setdefault(e["data"]["nip"], []).append(e["data"])
    return found


def expected(nip: str, revision: int, score: float | None, band: str | None,
             dims: tuple[float, float, float, float] | None, previous: tuple[Any, Any],
             agency: str, caused_by: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "nip": nip, "measurement_year": 2025, "rule_version": "bkn-8-2019",
        "revision": revision, "score": score, "band": band,
        "dimensions": None if dims is None else dict(zip(
            ("qualification", "competency", "performance", "discipline"), dims, strict=True)),
        "previous_score": previous[0], "previous_band": previous[1],
        "agency_code": agency, "caused_by": caused_by,
    }


def test_a_multi_source_stream_produces_exactly_the_expected_recalculations(
    broker: DevBroker, topics: Topics, database_url: str
) -> None:
    first = phase_one()
    publish(broker.bootstrap, topics.input, first)
    settings = settings_for(broker, topics, database_url)

    totals = run(settings)

    events = published(broker, topics.output)
    assert data_by_nip(events) == {
        A: [expected(A, 1, 73, "Sedang", (20, 25, 25, 3), (None, None), "3201",
                     causes(first, A))],
        B: [expected(B, 1, 62.5, "Rendah", (5, 22.5, 30, 5), (None, None), "7317",
                     causes(first, B))],
        D: [expected(D, 1, 90, "Tinggi", (20, 40, 25, 5), (None, None), "3201",
                     causes(first, D))],
    }
    for e in events:
        n = e["data"]
        assert e["id"] == f"{n['nip']}:2025:bkn-8-2019:{n['revision']}"
        assert (e["type"], e["source"], e["subject"]) == (
            "asn.ipasn.recalculated", "ipasn-worker", n["nip"])
    assert totals.duplicates == 2
    assert totals.dead_lettered == len(EXPECTED_REASONS)

    dead = read_topic(broker.bootstrap, topics.dlq)
    # Dead letters keep the original bytes; their order follows the input partitions.
    got = sorted((d.key or b"", d.value or b"", d.headers["ipasn-dlq-reason"].decode())
                 for d in dead)
    assert got == sorted((m.key or b"", m.value, reason)
                         for m, reason in zip(malformed(), EXPECTED_REASONS, strict=True))
    for d in dead:
        assert d.headers["ipasn-dlq-topic"].decode() == topics.input
        assert int(d.headers["ipasn-dlq-offset"]) >= 0
        detail = d.headers["ipasn-dlq-detail"].decode()
        assert detail
        assert C not in detail
        assert "Citra" not in detail

    second = phase_two()
    publish(broker.bootstrap, topics.input, second)
    run(settings)

    seen = {e["id"] for e in events}
    new = data_by_nip([e for e in published(broker, topics.output) if e["id"] not in seen])
    assert new == {
        A: [expected(A, 2, None, None, None, (73, "Sedang"), "3201", causes(second, A))],
        C: [expected(C, 1, 5, "Sangat Rendah", (0, 0, 0, 5), (None, None), "3201",
                     causes(second, C))],
        D: [expected(D, 2, 95, "Sangat Tinggi", (20, 40, 30, 5), (90, "Tinggi"), "3201",
                     causes(second, D))],
    }


def test_a_second_run_over_the_same_topic_publishes_nothing_new(
    broker: DevBroker, topics: Topics, database_url: str
) -> None:
    publish(broker.bootstrap, topics.input, phase_one())
    settings = settings_for(broker, topics, database_url)
    run(settings)
    before = len(published(broker, topics.output))
    dead_before = len(read_topic(broker.bootstrap, topics.dlq))

    again = run(settings)  # same group: nothing left to read
    assert again.messages == 0
    # A new group reads the whole topic again: every statement is a known duplicate.
    rerun = run(settings_for(broker, topics, database_url, group="ipasn-test-replay"))

    assert rerun.messages == len(phase_one())
    assert rerun.stored == 0
    assert rerun.published == 0
    assert len(published(broker, topics.output)) == before
    # Dead letters are re-sent on replay: at least once, never dropped.
    assert len(read_topic(broker.bootstrap, topics.dlq)) == 2 * dead_before
