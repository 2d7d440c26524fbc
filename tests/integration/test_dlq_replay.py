"""`ipasn-worker dlq replay`: dead letters back to the input topic after a fix, each once."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer
from rich.console import Console
from sqlalchemy import create_engine, func, select

from consumers.reader import read_topic
from producers.kafka_sink import KafkaPublisher
from tests.conftest import Topics
from tests.integration.helpers import publish, run, settings_for
from tests.integration.stream import EXPECTED_REASONS, A, C, malformed, phase_one
from tests.integration.test_cli import cli, service_env
from worker.cli import build_parser
from worker.commands.dlq.replay import replay_dead_letters
from worker.db.tables import statements
from worker.dev.brokers import LocalBroker
from worker.pipeline.ports import TransientError

pytestmark = pytest.mark.kafka


def replay(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = cli("dlq", "replay", "--json", *args, env=env)
    assert result.returncode == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def rules_allowing_ekinerja_profiles(tmp_path: Path) -> Path:
    # The fix: a rule set under which ekinerja may send profiles (ranked below the others).
    packaged = files("worker").joinpath("rules/bkn-8-2019.toml").read_text("utf-8")
    fixed = packaged.replace('version = "bkn-8-2019"', 'version = "test-ekinerja-profiles"')
    fixed = fixed.replace(
        'profile = ["siasn", "simpeg:*"]', 'profile = ["siasn", "simpeg:*", "ekinerja"]'
    )
    assert fixed.count("ekinerja") > packaged.count("ekinerja")
    path = tmp_path / "rules.toml"
    path.write_text(fixed, "utf-8")
    return path


def stored(database_url: str, source: str, event_id: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        count = conn.scalar(
            select(func.count())
            .select_from(statements)
            .where(statements.c.source == source, statements.c.event_id == event_id)
        )
    engine.dispose()
    return int(count or 0)


def test_dead_letters_replayed_after_a_fix_are_stored_once_however_often_replayed(
    broker: LocalBroker, topics: Topics, database_url: str, tmp_path: Path
) -> None:
    stream = phase_one()
    publish(broker.bootstrap, topics.input, stream)
    assert run(settings_for(broker, topics, database_url)).dead_lettered == len(EXPECTED_REASONS)
    dead = read_topic(broker.bootstrap, topics.dlq)
    refused = [d for d in dead if d.headers["ipasn-dlq-reason"] == b"not_authorised"]
    assert len(refused) == 1  # m6: an ekinerja profile
    env = service_env(broker, topics, database_url)

    dry = replay(env, "--dry-run")
    assert dry["dry_run"] is True
    assert (dry["read"], dry["selected"], dry["sent"]) == (6, 6, 0)
    assert dry["by_reason"] == dict.fromkeys(sorted(EXPECTED_REASONS), 1)
    assert dry["by_topic"] == {topics.input: 6}
    assert dry["dlq_offsets"] == {"0": {"first": 0, "last": 5}}
    assert len(read_topic(broker.bootstrap, topics.input)) == len(stream)  # nothing sent
    assert replay(env, "--dry-run", "--reason", "not_authorised")["skipped"] == {
        "other_reason": 5,
        "replayed_before": 0,
        "no_reason": 0,
        "value_omitted": 0,
    }

    sent = replay(env, "--reason", "not_authorised")
    assert (sent["selected"], sent["sent"], sent["by_reason"]) == (1, 1, {"not_authorised": 1})
    assert sent["cursors"] == {"not_authorised": {"0": 6}}
    on_input = read_topic(broker.bootstrap, topics.input)
    assert len(on_input) == len(stream) + 1
    resent = [r for r in on_input if "ipasn-replayed-from" in r.headers]
    assert [(r.key, r.value, r.headers) for r in resent] == [
        (
            refused[0].key,
            refused[0].value,
            {"ipasn-replayed-from": f"{topics.dlq}:0:{refused[0].offset}".encode()},
        )
    ]

    fixed = settings_for(
        broker, topics, database_url, rules_file=rules_allowing_ekinerja_profiles(tmp_path)
    )
    assert run(fixed).stored == 1
    assert stored(database_url, "ekinerja", "m6") == 1

    again = replay(env, "--reason", "not_authorised")
    assert (again["selected"], again["sent"], again["skipped"]["replayed_before"]) == (0, 0, 1)
    assert len(read_topic(broker.bootstrap, topics.input)) == len(stream) + 1
    assert run(fixed).stored == 0
    assert stored(database_url, "ekinerja", "m6") == 1


def test_a_dead_letter_still_invalid_comes_back_once_and_is_replayed_once(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    settings = settings_for(broker, topics, f"sqlite:///{tmp_path}/ipasn.db")
    publish(broker.bootstrap, topics.input, malformed())
    run(settings)
    env = service_env(broker, topics, str(settings.database_url.get_secret_value()))

    chosen = [
        d.offset
        for d in read_topic(broker.bootstrap, topics.dlq)
        if d.headers["ipasn-dlq-reason"] in (b"bad_nip", b"not_json")
    ]
    first = replay(env, "--reason", "bad_nip,not_json")
    assert first["sent"] == len(chosen) == 2
    assert first["dlq_offsets"] == {"0": {"first": min(chosen), "last": max(chosen)}}
    assert run(settings).dead_lettered == 2  # nothing was fixed: refused again, as new entries

    second = replay(env, "--reason", "bad_nip", "--reason", "not_json")
    assert (second["sent"], second["dlq_offsets"]) == (2, {"0": {"first": 6, "last": 7}})
    assert second["skipped"]["replayed_before"] == 2
    assert replay(env, "--reason", "bad_nip,not_json")["sent"] == 0
    # Each of the two was sent once per replay: the 6 originals, then 2 + 2 replays.
    assert len(read_topic(broker.bootstrap, topics.input)) == len(malformed()) + 4


def test_the_table_shows_counts_offsets_and_masked_nips_only(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    settings = settings_for(broker, topics, f"sqlite:///{tmp_path}/ipasn.db")
    publish(broker.bootstrap, topics.input, malformed())
    run(settings)
    env = service_env(broker, topics, str(settings.database_url.get_secret_value()))

    result = cli("dlq", "replay", "--dry-run", "--messages", env={**env, "COLUMNS": "200"})

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Dead letters would be replayed (dry run)" in out
    assert "not_authorised" in out
    assert "0:0-5" in out
    assert "dry run: nothing sent, nothing remembered" in out
    assert "1980***********003" in out  # C, masked
    for secret in (A, C, "Citra", "198713142010121001"):
        assert secret not in out
    assert len(read_topic(broker.bootstrap, topics.input)) == len(malformed())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--reason", "typo"], "argument --reason: unknown reason typo; one of not_json"),
        (["--reason", "bad_nip,typo"], "argument --reason: unknown reason typo;"),
        (["--reason", ","], "argument --reason: unknown reason ','"),
        (["--dry-run", "extra"], "unrecognized arguments: extra"),
    ],
)
def test_a_bad_argument_is_one_clear_line(args: list[str], expected: str) -> None:
    result = cli("dlq", "replay", *args)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_a_missing_dead_letter_topic_is_one_clear_line(broker: LocalBroker, topics: Topics) -> None:
    env = {**service_env(broker, topics, "sqlite://"), "IPASN_DLQ_TOPIC": "no-such-dlq"}

    result = cli("dlq", "replay", "--dry-run", env=env)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "ipasn-worker: no topic no-such-dlq on the broker (IPASN_DLQ_TOPIC)"
    ]


def test_a_dead_letter_naming_no_input_topic_goes_to_the_first_and_keeps_its_own_headers(
    broker: LocalBroker, topics: Topics
) -> None:
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    dlq = [("ipasn-dlq-reason", b"bad_nip"), ("ipasn-dlq-detail", b"subject: bad")]
    sends: list[list[tuple[str, bytes]]] = [
        [*dlq, ("ipasn-dlq-topic", b"elsewhere"), ("traceparent", b"00-ab-cd-01")],
        [*dlq, ("ipasn-replayed-from", b"old:0:1")],  # no ipasn-dlq-topic at all
        [("ipasn-dlq-detail", b"no reason header")],
        [*dlq, ("ipasn-dlq-value-omitted", b"1048400")],  # too large to have been kept
    ]
    for i, headers in enumerate(sends):
        producer.send(topics.dlq, key=b"k%d" % i, value=b"v%d" % i, headers=headers)
    producer.flush()
    producer.close()
    env = service_env(broker, topics, "sqlite://")

    summary = replay(env)

    assert (summary["sent"], summary["redirected"]) == (2, 2)
    assert summary["by_topic"] == {topics.input: 2}
    assert summary["skipped"]["no_reason"] == 1
    assert summary["skipped"]["value_omitted"] == 1
    resent = sorted(read_topic(broker.bootstrap, topics.input), key=lambda r: r.key or b"")
    assert [(r.key, r.value, r.headers) for r in resent] == [
        (
            b"k0",
            b"v0",
            {"traceparent": b"00-ab-cd-01", "ipasn-replayed-from": f"{topics.dlq}:0:0".encode()},
        ),
        (b"k1", b"v1", {"ipasn-replayed-from": f"{topics.dlq}:0:1".encode()}),
    ]


def test_a_send_the_broker_does_not_acknowledge_is_a_failure_and_not_remembered(
    broker: LocalBroker,
    topics: Topics,
    capsys: pytest.CaptureFixture[str],
) -> None:
    publish(broker.bootstrap, topics.dlq, malformed()[:1])  # no reason header: not selected
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    producer.send(topics.dlq, key=b"k", value=b"v", headers=[("ipasn-dlq-reason", b"not_json")])
    producer.flush()
    producer.close()

    class Unacknowledged(KafkaPublisher):
        def flush(self) -> None:
            raise TransientError("Kafka: KafkaTimeoutError")

    settings = settings_for(broker, topics, "sqlite://")
    args = build_parser().parse_args(["dlq", "replay"])

    publisher = Unacknowledged(broker.bootstrap)
    try:
        assert replay_dead_letters(args, settings, Console(), publisher) == 1
    finally:
        publisher.close()
    assert capsys.readouterr().err.splitlines() == [
        "ipasn-worker: dlq replay stopped by a broker failure (TransientError: Kafka: "
        "KafkaTimeoutError) after 0 sends were acknowledged; run it again to send the rest "
        "(the cursors never pass an unacknowledged send, and a message that arrives twice is "
        "stored once)"
    ]
    env = service_env(broker, topics, "sqlite://")
    assert replay(env, "--dry-run")["skipped"]["replayed_before"] == 0
