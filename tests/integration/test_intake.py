"""`ipasn-worker intake` as senders use it: a real HTTP client against the intake running as its
own process on a real port, the real broker behind it, then the worker run (`--until-idle`, in
process) over what the intake forwarded, so that every 202 is checked where it matters: the
worker stored each event once and dead-lettered none.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from kafka import KafkaAdminClient

from consumers.reader import read_topic
from schemas.signature import SIGNATURE_HEADER, sign
from tests.conftest import Topics
from tests.integration.helpers import run, settings_for
from tests.integration.tls import make_certificates
from tests.processes import run_whole
from worker.dev.bench.intake import send_all, training_events
from worker.dev.brokers import LocalBroker, free_port
from worker.dev.brokers.apache_kafka import ApacheKafka, java_missing
from worker.dev.intake import BATCH, SINGLE, batch_body, running_intake
from worker.pipeline.loop import Totals

pytestmark = pytest.mark.kafka
REGIONAL = "simpeg:3201"
SECRET = "a-regional-secret-of-simpeg-3201"  # noqa: S105 - a test's own


def _env(bootstrap: str, topic: str, **extra: str) -> dict[str, str]:
    return {"IPASN_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "IPASN_INPUT_TOPICS": topic, **extra}


@contextmanager
def intake_client(
    broker: LocalBroker, topics: Topics, *args: str, **env: str
) -> Iterator[httpx.Client]:
    with (
        running_intake(_env(broker.bootstrap, topics.input, **env), *args) as port,
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        yield client


def port_of(client: httpx.Client) -> int:
    port = client.base_url.port
    assert port is not None
    return port


def post_events(
    client: httpx.Client, body: bytes, content_type: str = BATCH, **headers: str
) -> Any:
    return client.post(
        "/v1/events", content=body, headers={"content-type": content_type, **headers}
    )


def _worker(broker: LocalBroker, topics: Topics, tmp_path: Path, **settings: Any) -> Totals:
    url = settings.pop("database_url", f"sqlite:///{tmp_path}/intake.db")
    return run(settings_for(broker, topics, url, **settings))


def forwarded(broker: LocalBroker, topic: str) -> int:
    return len(read_topic(broker.bootstrap, topic, timeout_s=5))


def metric(client: httpx.Client, line_start: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_single_event_is_acknowledged_then_stored_by_the_worker(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    [event] = training_events(1, "single")
    with intake_client(broker, topics) as client:
        answer = post_events(client, event, SINGLE)
        assert (answer.status_code, answer.json()) == (202, {"accepted": 1})
        assert metric(client, 'ipasn_intake_requests_total{status="202",system="siasn"}') == 1
        assert metric(client, 'ipasn_intake_events_forwarded_total{system="siasn"}') == 1
    [message] = read_topic(broker.bootstrap, topics.input)
    assert message.value == event  # the bytes as sent
    assert message.key == json.loads(event)["subject"].encode()

    totals = _worker(broker, topics, tmp_path)
    assert (totals.stored, totals.dead_lettered) == (1, 0)


@pytest.mark.postgres
def test_a_batch_of_a_thousand_events_is_stored_whole(
    broker: LocalBroker, topics: Topics, postgres_url: str, tmp_path: Path
) -> None:
    events = training_events(1000, "thousand")
    with intake_client(broker, topics) as client:
        answer = post_events(client, batch_body(events))
    assert (answer.status_code, answer.json()) == (202, {"accepted": 1000})

    totals = _worker(broker, topics, tmp_path, database_url=postgres_url)
    assert (totals.stored, totals.duplicates, totals.dead_lettered) == (1000, 0, 0)


def test_a_batch_with_one_bad_event_is_refused_whole_with_its_index(
    broker: LocalBroker, topics: Topics
) -> None:
    events = training_events(50, "one-bad")
    bad = json.loads(events[37])
    bad["subject"] = "19870314201012100"  # 17 digits
    events[37] = json.dumps(bad).encode()
    with intake_client(broker, topics) as client:
        answer = post_events(client, batch_body(events))
    assert answer.status_code == 422
    assert answer.json() == {
        "errors": [
            {
                "index": 37,
                "id": "one-bad-37",
                "reason": "bad_nip",
                "detail": "subject: a NIP is 18 digits",
            }
        ]
    }
    assert forwarded(broker, topics.input) == 0


def test_signed_requests_pass_and_the_worker_verifies_each_message(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'"{REGIONAL}" = "{SECRET}"\n')
    body = batch_body(training_events(20, "signed", source=REGIONAL))
    right = sign(SECRET.encode(), body)
    wrong = sign(b"not the secret", body)
    with intake_client(broker, topics, IPASN_SOURCE_SECRETS_FILE=str(secrets)) as client:
        missing = post_events(client, body)
        forged = post_events(client, body, **{SIGNATURE_HEADER: wrong})
        tampered = post_events(
            client, body.replace(b'"hours":10', b'"hours":99'), **{SIGNATURE_HEADER: right}
        )
        signed = post_events(client, body, **{SIGNATURE_HEADER: right})
        assert metric(client, 'ipasn_intake_requests_total{status="401",system="simpeg"}') == 3

    assert [a.status_code for a in (missing, forged, tampered, signed)] == [401, 401, 401, 202]
    assert "no ipasn-signature header" in missing.json()["error"]
    assert SECRET not in forged.text + missing.text
    totals = _worker(broker, topics, tmp_path, source_secrets_file=secrets)
    assert (totals.stored, totals.dead_lettered) == (20, 0)


def test_concurrent_senders_all_get_their_events_stored(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    events = training_events(1600, "concurrent", employees=400)
    with intake_client(broker, topics) as client:
        rate = send_all(port_of(client), events, batch=20, senders=8)
    assert (rate.refused, len(rate.latencies)) == (0, 80)

    totals = _worker(broker, topics, tmp_path)
    assert (totals.stored, totals.duplicates, totals.dead_lettered) == (1600, 0, 0)


def test_tls_served_directly_with_a_certificate(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    certificates = make_certificates(tmp_path)
    chain = str(certificates.broker)  # key and chain in one PEM: 127.0.0.1 and localhost
    env = _env(broker.bootstrap, topics.input)
    trust = ssl.create_default_context(cafile=str(certificates.ca))
    with (
        running_intake(env, "--certfile", chain, "--keyfile", chain) as port,
        httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=trust) as client,
    ):
        answer = post_events(client, training_events(1, "tls")[0], SINGLE)
        assert (answer.status_code, answer.json()) == (202, {"accepted": 1})
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)


@pytest.mark.chaos
def test_a_stopped_broker_is_503_with_retry_after_and_a_retry_after_it_returns_stores_once(
    tmp_path: Path,
) -> None:
    if java_missing():
        pytest.skip("stopping a broker needs Apache Kafka (Java 17 and Maven)")
    topics = Topics("changes", "recalculated", "dlq", "group")
    with ApacheKafka(0, log_dir=tmp_path / "kafka") as broker:
        broker.create_topics({"changes": 3, "recalculated": 3, "dlq": 1, topics.reconciled: 3})
        body = batch_body(training_events(300, "outage"))
        with intake_client(broker, topics) as client:
            assert post_events(client, batch_body(training_events(10, "before"))).status_code == 202
            broker.kill_node(1)
            started = time.monotonic()
            refused = post_events(client, body)
            took = time.monotonic() - started
            assert refused.status_code == 503, refused.text
            assert refused.headers["retry-after"] == "10"
            assert 9 < took < 13
            assert client.get("/readyz").status_code == 503

            broker.start_node(1)
            deadline = time.monotonic() + 60
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "the intake never saw the broker again"
                time.sleep(1)
            retried = post_events(client, body)
            assert (retried.status_code, retried.json()) == (202, {"accepted": 300})

        # The refused request's events may have reached the topic after all (the producer
        # retries them), some or all: the worker stores each event once either way.
        totals = _worker(broker, topics, tmp_path)
        assert (totals.stored, totals.dead_lettered) == (310, 0)
        assert totals.messages == 310 + totals.duplicates


def test_a_missing_input_topic_stops_it_at_start_in_one_line(broker: LocalBroker) -> None:
    env = {**os.environ, **_env(broker.bootstrap, "no-such-topic-for-the-intake")}
    command = [sys.executable, "-m", "worker.cli", "intake", "--port", str(free_port())]
    done = run_whole(command, env, 60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "ipasn-worker: the topic no-such-topic-for-the-intake is not on the broker: create it first"
    )


def test_readyz_turns_503_once_the_input_topic_is_deleted(
    broker: LocalBroker, topics: Topics
) -> None:
    with intake_client(broker, topics) as client:
        assert client.get("/readyz").status_code == 200
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
        try:
            admin.delete_topics([topics.input])
        finally:
            admin.close()
        deadline = time.monotonic() + 30
        while (ready := client.get("/readyz")).status_code != 503:
            assert time.monotonic() < deadline, ready.text
            time.sleep(0.5)
        assert ready.json()["checks"]["broker"]["ok"] is False
        assert client.get("/healthz").status_code == 200
