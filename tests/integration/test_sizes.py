"""Message size: the longest values the contract allows are stored; longer ones, up to hundreds
of KB, are dead-lettered with their bytes; what the database refuses is dead-lettered too.

Kafka caps a message at about 1 MB by default (README, "Event contract in brief").
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer
from sqlalchemy import create_engine, select

from consumers import changes
from consumers.reader import read_topic
from schemas.events import ChangeEvent
from tests.conftest import Topics
from tests.factories import NIP, cloud_event
from tests.integration.helpers import run, settings_for
from worker.db.tables import statements
from worker.dev.brokers import LocalBroker
from worker.domain.model import Kind, Statement

pytestmark = pytest.mark.kafka

LONGEST = "\U0001f600" * 200  # 200 characters, 800 bytes in UTF-8, 2,400 as JSON escapes
AGENCY = "A" * 40
HALF_MB = 500_000


def _longest_profile(event_id: str = LONGEST, name: str = LONGEST) -> dict[str, Any]:
    data = {
        "name": name, "birth_date": "1987-03-14", "gender": "F", "employee_type": "PNS",
        "status": "active", "agency_code": AGENCY, "unit_code": LONGEST,
    }  # fmt: skip
    event = cloud_event(
        "profile", data, source=f"simpeg:{AGENCY}", event_id=event_id, sequence=2**63 - 1
    )
    event["x-attachment"] = "x" * HALF_MB  # ignored: not stored
    return event


def _education(event_id: str, record_id: str) -> dict[str, Any]:
    data = {
        "record_id": record_id,
        "level": "S2",
        "institution": LONGEST,
        "graduated_on": "2020-03-01",
    }
    return cloud_event("education", data, event_id=event_id)


def _publish(bootstrap: str, topic: str, events: list[dict[str, Any]]) -> list[bytes]:
    values = [json.dumps(e).encode() for e in events]
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for value in values:
        producer.send(topic, key=NIP.encode(), value=value).get(timeout=30)
    producer.close()
    return values


def _stored(database_url: str) -> dict[str, Any]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = {r.event_id: r for r in conn.execute(select(statements))}
    engine.dispose()
    return rows


def test_the_longest_values_are_stored_and_longer_ones_dead_lettered_with_their_bytes(
    broker: LocalBroker, topics: Topics, database_url: str
) -> None:
    values = _publish(
        broker.bootstrap,
        topics.input,
        [
            _longest_profile(),
            _longest_profile("201-characters", name=LONGEST + "!"),
            _longest_profile("big-name", name="x" * HALF_MB),
            _education("big-record-id", "r" * HALF_MB),
            _education("after", "E-1"),  # the worker moved on
        ],
    )
    assert 500_000 < len(values[2]) < 1_048_576

    totals = run(settings_for(broker, topics, database_url))

    dead = read_topic(broker.bootstrap, topics.dlq)
    assert [(d.value, d.headers["ipasn-dlq-reason"]) for d in dead] == [
        (v, b"invalid_event") for v in values[1:4]
    ]
    assert all(b"at most 200 characters" in d.headers["ipasn-dlq-detail"] for d in dead)
    stored = _stored(database_url)
    assert sorted(stored) == sorted([LONGEST, "after"])
    longest = stored[LONGEST]
    assert (longest.source, longest.sequence) == (f"simpeg:{AGENCY}", 2**63 - 1)
    assert longest.values["name"] == longest.values["unit_code"] == LONGEST
    assert "x-attachment" not in json.dumps(longest.values)
    assert (totals.stored, totals.dead_lettered) == (2, 3)


@pytest.mark.postgres
def test_a_value_too_long_for_its_column_is_dead_lettered_not_a_crash(
    broker: LocalBroker, topics: Topics, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # decode() lets no text over 200 characters through, so none reaches a column; should one
    # (a schema changed on one side only), PostgreSQL refuses it and that message alone is
    # dead-lettered. SQLite does not enforce VARCHAR lengths: there it would be stored.
    real = changes.to_statement

    def longer(event: ChangeEvent, kind: Kind) -> Statement:
        s = real(event, kind)
        return replace(s, record_id=f"{s.record_id}-" * 2) if s.event_id == "too-long" else s

    monkeypatch.setattr(changes, "to_statement", longer)
    record_id = "r" * 150  # 150 characters: twice that is over the column's 200
    values = _publish(
        broker.bootstrap,
        topics.input,
        [
            _education("before", "E-1"),
            _education("too-long", record_id),
            _education("after", "E-2"),
        ],
    )

    totals = run(settings_for(broker, topics, postgres_url))

    dead = read_topic(broker.bootstrap, topics.dlq)
    assert [(d.value, d.headers["ipasn-dlq-reason"]) for d in dead] == [
        (values[1], b"invalid_event")
    ]
    assert dead[0].headers["ipasn-dlq-detail"] == (
        b"the database refused a value (StringDataRightTruncation)"
    )
    assert sorted(_stored(postgres_url)) == ["after", "before"]
    assert (totals.stored, totals.dead_lettered) == (2, 1)


def test_an_invalid_message_at_the_size_limit_is_dead_lettered_without_its_value(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    event = _education("at-the-limit", "E-1")
    event["data"]["institution"] = ""
    room = 1_048_400 - len(json.dumps(event).encode())  # what a 1 MB producer still sends
    event["data"]["institution"] = "x" * room  # over 200 characters: invalid
    values = _publish(broker.bootstrap, topics.input, [event, _education("after", "E-2")])

    run(settings_for(broker, topics, f"sqlite:///{tmp_path}/ipasn.db"))

    # Its copy with headers would be over 1 MB: the value is left out, and its size said.
    (dead,) = read_topic(broker.bootstrap, topics.dlq)
    assert dead.value is None
    assert dead.headers["ipasn-dlq-value-omitted"] == str(len(values[0])).encode()
    assert dead.headers["ipasn-dlq-reason"] == b"invalid_event"
    assert dead.headers["ipasn-dlq-offset"] == b"0"
