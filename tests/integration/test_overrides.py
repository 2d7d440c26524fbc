"""Stewards' overrides and source signatures end to end (contracts §7, §8): `ipasn-worker
override` and `publish --sign` through Kafka to a worker, and what it refuses to the DLQ."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from consumers.reader import read_topic
from schemas.signature import SIGNATURE_HEADER, sign
from tests.conftest import Topics
from tests.integration.helpers import publish, published, run, settings_for
from tests.integration.stream import A, C, Msg, phase_one
from tests.integration.test_cli import cli, service_env
from worker.dev.brokers import LocalBroker

pytestmark = pytest.mark.kafka

STEWARD_SECRET = "steward-integration-secret"  # noqa: S105 - a test secret
PERFORMANCE = ("performance", "perf-a-2024")  # A's: siasn score 92, ekinerja BAIK wins (25)


def secrets_file(tmp_path: Path, **more: str) -> Path:
    path = tmp_path / "secrets.toml"
    lines = [
        f'"{source}" = "{secret}"' for source, secret in {"steward": STEWARD_SECRET, **more}.items()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def steward_value(event_id: str, kind: str, nip: str, data: dict[str, Any], op: str) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": event_id,
            "source": "steward",
            "type": f"asn.{kind}.{op}",
            "subject": nip,
            "time": "2025-04-01T10:00:00+07:00",
            "actor": "Rina Wulandari",
            "data": {**data, "reason": "checked against the decree"},
        }
    ).encode()


def send_raw(
    bootstrap: str, topic: str, sends: list[tuple[bytes, bytes, list[tuple[str, bytes]]]]
) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for key, value, headers in sends:
        producer.send(topic, key=key, value=value, headers=headers)
    producer.flush()
    producer.close()


def shown(env: dict[str, str], nip: str) -> dict[str, Any]:
    result = cli("show", nip, "--json", env=env)
    assert result.returncode == 0, result.stderr
    view: dict[str, Any] = json.loads(result.stdout)
    return view


def record(view: dict[str, Any], kind: str, record_id: str | None) -> dict[str, Any] | None:
    # A single kind's record_id: null or "", as the store keeps it.
    found = [r for r in view["records"] if (r["kind"], r["record_id"] or None) == (kind, record_id)]
    return found[0] if found else None


def scores(broker: LocalBroker, topics: Topics, nip: str) -> list[float | None]:
    return [e["data"]["score"] for e in published(broker, topics.output) if e["subject"] == nip]


def override(env: dict[str, str], *args: str) -> str:
    result = cli("override", *args, "--reason", "Ijazah diverifikasi", "--actor", "Rina", env=env)
    assert result.returncode == 0, result.stderr
    event_id = result.stdout.strip()
    assert str(uuid.UUID(event_id)) == event_id
    return event_id


def test_an_override_pins_the_stewards_values_and_its_release_restores_the_rules_choice(
    broker: LocalBroker, topics: Topics, database_url: str, tmp_path: Path
) -> None:
    secrets = secrets_file(tmp_path)
    settings = settings_for(broker, topics, database_url, source_secrets_file=secrets)
    env = {**service_env(broker, topics, database_url), "IPASN_SOURCE_SECRETS_FILE": str(secrets)}
    publish(broker.bootstrap, topics.input, phase_one())
    run(settings)
    assert scores(broker, topics, A) == [73]

    pinned = override(
        env, A, "performance", "--record-id", "perf-a-2024",
        "--values", '{"year": 2024, "predicate": "SANGAT_BAIK"}',
    )  # fmt: skip
    run(settings)
    performance = record(shown(env, A), *PERFORMANCE)
    assert performance is not None
    assert (performance["source"], performance["event_id"]) == ("steward", pinned)
    assert performance["values"]["predicate"] == "SANGAT_BAIK"
    assert "reason" not in performance["values"]
    assert scores(broker, topics, A) == [73, 78]  # performance 25 → 30

    override(env, A, "performance", "--record-id", "perf-a-2024", "--release")
    run(settings)
    performance = record(shown(env, A), *PERFORMANCE)
    assert performance is not None
    assert (performance["source"], performance["values"]["predicate"]) == ("ekinerja", "BAIK")
    assert scores(broker, topics, A) == [73, 78, 73]

    override(env, A, "discipline", "--record-id", "dis-a-1", "--delete")
    run(settings)
    assert record(shown(env, A), "discipline", "dis-a-1") is None
    assert scores(broker, topics, A) == [73, 78, 73, 75]  # light punishment 3 → none 5

    steward_letters = [
        d for d in read_topic(broker.bootstrap, topics.dlq) if b'"steward"' in (d.value or b"")
    ]
    assert steward_letters == []


def test_unsigned_forged_and_unauthorised_steward_events_are_dead_lettered(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path}/ipasn.db"
    settings = settings_for(
        broker, topics, database_url, source_secrets_file=secrets_file(tmp_path)
    )
    pin = steward_value("st-unsigned", "profile", C, {}, "deleted")
    forged = steward_value("st-forged", "profile", C, {}, "deleted")
    release = json.loads(steward_value("s-release", "profile", C, {}, "released"))
    release = json.dumps({**release, "source": "siasn"}).encode()
    forgery = sign(b"a guess at the secret", forged).encode()
    send_raw(
        broker.bootstrap,
        topics.input,
        [
            (C.encode(), pin, []),
            (C.encode(), forged, [(SIGNATURE_HEADER, forgery), ("traceparent", b"00-ab-cd-01")]),
            (C.encode(), release, []),
        ],
    )

    assert run(settings).dead_lettered == 3

    letters = {
        json.loads(d.value or b"")["id"]: d for d in read_topic(broker.bootstrap, topics.dlq)
    }
    assert {i: d.headers["ipasn-dlq-reason"] for i, d in letters.items()} == {
        "st-unsigned": b"bad_signature",
        "st-forged": b"bad_signature",
        "s-release": b"not_authorised",
    }
    assert letters["st-unsigned"].headers["ipasn-dlq-detail"] == b"no ipasn-signature header"
    # The dead letter keeps the original's own headers, so that a replay still verifies.
    assert letters["st-forged"].headers[SIGNATURE_HEADER] == forgery
    assert letters["st-forged"].headers["traceparent"] == b"00-ab-cd-01"
    for d in letters.values():
        assert STEWARD_SECRET.encode() not in b"".join(d.headers.values())


def test_a_signed_steward_event_refused_for_want_of_a_secret_is_taken_after_a_dlq_replay(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path}/ipasn.db"
    publish(broker.bootstrap, topics.input, [m for m in phase_one() if m.id == "s-c1"])
    value = steward_value("st-1", "profile", C, {}, "deleted")
    signature = sign(STEWARD_SECRET.encode(), value).encode()
    send_raw(broker.bootstrap, topics.input, [(C.encode(), value, [(SIGNATURE_HEADER, signature)])])

    assert run(settings_for(broker, topics, database_url)).dead_lettered == 1
    (letter,) = read_topic(broker.bootstrap, topics.dlq)
    assert letter.headers["ipasn-dlq-reason"] == b"not_authorised"
    env = service_env(broker, topics, database_url)
    assert record(shown(env, C), "profile", None) is not None

    replayed = cli("dlq", "replay", "--json", env=env)
    assert replayed.returncode == 0, replayed.stderr
    secrets = secrets_file(tmp_path)
    totals = run(settings_for(broker, topics, database_url, source_secrets_file=secrets))

    assert (totals.stored, totals.dead_lettered) == (1, 0)
    assert record(shown(env, C), "profile", None) is None  # the steward pinned its absence


def test_publish_sign_signs_each_line_with_its_sources_secret(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path}/ipasn.db"
    systems = {"siasn": "s3cret-1", "ekinerja": "s3cret-2", "simpeg:3201": "s3cret-3"}
    secrets = secrets_file(tmp_path, **systems)
    env = {
        **service_env(broker, topics, database_url),
        "IPASN_SOURCE_SECRETS_FILE": str(secrets),
        "IPASN_REQUIRE_SIGNATURES": "true",
    }
    a_events = [m for m in phase_one() if m.key == A.encode() and m.source in systems]
    lines = tmp_path / "a.jsonl"
    lines.write_bytes(b"\n".join(m.value for m in a_events) + b"\n")

    signed = cli("publish", str(lines), "--sign", env=env)
    unsigned = cli("publish", str(lines), env=env)
    ran = cli("run", "--until-idle", "1.5", env=env)

    assert signed.returncode == 0, signed.stderr
    assert unsigned.returncode == 0, unsigned.stderr
    assert ran.returncode == 0, ran.stderr
    assert scores(broker, topics, A) == [73]
    letters = read_topic(broker.bootstrap, topics.dlq)
    assert len(letters) == len(a_events)  # the unsigned copies: signatures are required
    assert {d.headers["ipasn-dlq-reason"] for d in letters} == {b"bad_signature"}
    assert sum(
        SIGNATURE_HEADER in r.headers for r in read_topic(broker.bootstrap, topics.input)
    ) == len(a_events)


def test_publish_sign_publishes_nothing_when_a_line_has_no_secret(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    env = {
        **service_env(broker, topics, "sqlite://"),
        "IPASN_SOURCE_SECRETS_FILE": str(secrets_file(tmp_path, siasn="s3cret-1")),
    }
    regional: Msg = next(m for m in phase_one() if m.source == "simpeg:3201")
    national: Msg = next(m for m in phase_one() if m.source == "siasn")
    lines = tmp_path / "mixed.jsonl"
    lines.write_bytes(national.value + b"\n\n" + regional.value + b"\n")

    result = cli("publish", str(lines), "--sign", env=env)

    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "line 3: no secret for source 'simpeg:3201'" in result.stderr
    assert "s3cret" not in result.stderr
    assert read_topic(broker.bootstrap, topics.input) == []
