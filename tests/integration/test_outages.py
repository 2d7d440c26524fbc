"""Outages mid-stream: the worker rides them out and ends as one clean run would.

Each test runs `ipasn-worker run --until-idle` as its own process over a few thousand events,
takes a service away while batches are in flight, gives it back, and then checks that the
process exited 0 and that the result is exactly that of a clean run: the same reconciled
records and indexes as a worker that saw no fault, and published events that are the same
content under the same id, with every NIP's revisions 1..n without a gap and the last one
being the stored index.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from consumers.reader import read_topic
from tests.conftest import Topics
from tests.integration.helpers import http_answer, run, settings_for
from tests.integration.outages import PostgresServer, Proxy
from tests.integration.test_cli import service_env
from tests.integration.test_faults import _tables as faults_tables
from worker.db.tables import statements
from worker.dev.bench.services import publish_sample
from worker.dev.brokers import LocalBroker, free_port
from worker.dev.brokers.apache_kafka import ApacheKafka, java_missing

pytestmark = [pytest.mark.kafka, pytest.mark.chaos]
EMPLOYEES = 250  # about 2,800 events
Tables = tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]


def _env(broker: LocalBroker, topics: Topics, database_url: str) -> dict[str, str]:
    # Small batches, so that the outage finds many of them still to come.
    env = service_env(broker, topics, database_url)
    return {**os.environ, **env, "IPASN_MAX_POLL_RECORDS": "100"}


def _stored(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(statements)).scalar_one())
    except SQLAlchemyError:
        return -1  # not there yet, or the outage
    finally:
        engine.dispose()


def _through_an_outage(
    env: dict[str, str], database_url: str, outage: Callable[[], None]
) -> subprocess.CompletedProcess[str]:
    """Run the worker; once it has stored a few hundred statements, the outage; its result."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "worker.cli", "run", "--until-idle", "8"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while _stored(database_url) < 300 and worker.poll() is None:
            assert time.monotonic() < deadline, "the worker stored nothing in 90 s"
            time.sleep(0.2)
        assert worker.poll() is None, "the stream was done before the outage"
        outage()
        out, err = worker.communicate(timeout=240)
    finally:
        if worker.poll() is None:
            worker.kill()
    return subprocess.CompletedProcess(worker.args, worker.returncode, out, err)


def _same(actual: Tables, expected: Tables) -> None:
    """The same reconciled records and indexes; on a difference, the rows that differ."""
    for name, a, e in zip(("records", "indexes"), actual, expected, strict=True):
        assert a == e, (name, sorted(a - e)[:5], sorted(e - a)[:5])


def _tables(database_url: str) -> Tables:
    reconciled, current, _ = faults_tables(database_url)  # the statements are not compared here
    return reconciled, current


def _clean_run(broker: LocalBroker, topics: Topics, tmp_path: Path) -> Tables:
    """What a worker that meets no fault makes of the same input."""
    url = f"sqlite:///{tmp_path}/clean.db"
    clean = replace(Topics.fresh(), input=topics.input)  # outputs and group of its own
    run(settings_for(broker, clean.create(broker), url))  # its input exists: left alone
    return _tables(url)


def _check_published(bootstrap: str, topic: str, database_url: str) -> int:
    """Same id, same content; each NIP's revisions 1..n; the last one is the stored index.
    Returns how many events were published."""
    by_id: dict[str, bytes] = {}
    revisions: dict[str, dict[int, dict[str, Any]]] = {}
    for r in read_topic(bootstrap, topic):
        event = json.loads(r.value or b"")
        assert by_id.setdefault(event["id"], r.value or b"") == r.value, event["id"]
        revisions.setdefault(event["data"]["nip"], {})[event["data"]["revision"]] = event["data"]
    _, current = _tables(database_url)
    stored = {row[0]: row[1:3] for row in current}  # absent: withdrawn or never had one
    for nip, seen in revisions.items():
        assert sorted(seen) == list(range(1, len(seen) + 1)), (nip, sorted(seen))
        last = seen[len(seen)]
        score = None if last["score"] is None else float(last["score"])
        index_score, band = stored.get(nip, (None, None))
        assert (score, last["band"]) == (None if index_score is None else float(index_score), band)
    return len(by_id)


@pytest.mark.postgres
def test_postgresql_restarted_mid_stream(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    server = PostgresServer().start()
    try:
        publish_sample(broker.bootstrap, topics.input, EMPLOYEES)

        def restart() -> None:
            server.stop("immediate")  # a crash: connections cut, no checkpoint
            time.sleep(3)
            server.start()

        result = _through_an_outage(_env(broker, topics, server.url), server.url, restart)

        assert result.returncode == 0, result.stderr[-2000:]
        assert "transient failure, retrying" in result.stderr
        _same(_tables(server.url), _clean_run(broker, topics, tmp_path))
        assert _check_published(broker.bootstrap, topics.output, server.url) > 0
    finally:
        server.remove()


@pytest.mark.postgres
def test_postgresql_unreachable_for_a_while(
    broker: LocalBroker, topics: Topics, postgres_url: str, tmp_path: Path
) -> None:
    database = postgres_url.rsplit("@", 1)
    port = int(database[1].split("/")[0].split(":")[1])
    proxy = Proxy(port).start()
    url = f"{database[0]}@127.0.0.1:{proxy.port}/{database[1].split('/', 1)[1]}"
    metrics = free_port()
    readiness: list[tuple[int, str]] = []  # /readyz answers: in the outage, then after it
    try:
        publish_sample(broker.bootstrap, topics.input, EMPLOYEES)

        def partition() -> None:
            proxy.cut()
            readiness.append(http_answer(metrics, "/readyz", 503, within_s=8))
            proxy.mend()
            readiness.append(http_answer(metrics, "/readyz", 200, within_s=30))

        env = {**_env(broker, topics, url), "IPASN_METRICS_PORT": str(metrics)}
        result = _through_an_outage(env, url, partition)

        assert result.returncode == 0, result.stderr[-2000:]
        [(cut, cut_body), (mended, _)] = readiness
        assert (cut, mended) == (503, 200), readiness
        assert json.loads(cut_body)["checks"]["database"] == {
            "ok": False,
            "detail": "no answer (OperationalError)",
        }
        _same(_tables(url), _clean_run(broker, topics, tmp_path))
        assert _check_published(broker.bootstrap, topics.output, url) > 0
    finally:
        proxy.close()


def _own_broker(tmp_path: Path, port: int = 0, **options: Any) -> ApacheKafka:
    if java_missing():
        pytest.skip("restarting a broker needs Apache Kafka (Java 17 and Maven)")
    return ApacheKafka(port, log_dir=tmp_path / "kafka", **options)


@pytest.mark.postgres
def test_the_broker_restarted_mid_stream(tmp_path: Path, postgres_url: str) -> None:
    with _own_broker(tmp_path) as broker:
        topics = Topics.fresh().create(broker, partitions=6)
        publish_sample(broker.bootstrap, topics.input, EMPLOYEES)

        def restart() -> None:
            broker.kill_node(1)
            time.sleep(3)
            broker.start_node(1)

        result = _through_an_outage(_env(broker, topics, postgres_url), postgres_url, restart)

        assert result.returncode == 0, result.stderr[-2000:]
        _same(_tables(postgres_url), _clean_run(broker, topics, tmp_path))
        assert _check_published(broker.bootstrap, topics.output, postgres_url) > 0


@pytest.mark.postgres
def test_the_broker_unreachable_for_a_while(tmp_path: Path, postgres_url: str) -> None:
    # The broker listens on one port and tells clients to use another, where a proxy the test
    # controls forwards to it: cutting the proxy is a network failure between worker and
    # broker, longer than the session timeout (the group drops the worker), while the broker
    # itself runs on.
    listen = free_port()
    proxy = Proxy(listen).start()
    try:
        with _own_broker(tmp_path, port=proxy.port, listen_port=listen) as broker:
            topics = Topics.fresh().create(broker, partitions=6)
            publish_sample(broker.bootstrap, topics.input, EMPLOYEES)

            def partition() -> None:
                proxy.cut()
                time.sleep(8)
                proxy.mend()

            env = _env(broker, topics, postgres_url)
            result = _through_an_outage(env, postgres_url, partition)

            assert result.returncode == 0, result.stderr[-2000:]
            _same(_tables(postgres_url), _clean_run(broker, topics, tmp_path))
            assert _check_published(broker.bootstrap, topics.output, postgres_url) > 0
    finally:
        proxy.close()


@pytest.mark.cluster
@pytest.mark.postgres
def test_a_partition_leader_killed_in_the_three_node_cluster(
    tmp_path: Path, postgres_url: str
) -> None:
    # Every topic replicated three times with min.insync.replicas 2: the worker's producer
    # (acks=all, idempotent) and consumer move to the new leaders.
    with _own_broker(tmp_path, nodes=3) as cluster:
        topics = Topics.fresh().create(cluster, partitions=6)
        publish_sample(cluster.bootstrap, topics.input, EMPLOYEES)
        admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap)
        (described,) = admin.describe_topics([topics.input])
        admin.close()
        leaders = Counter(p["leader_id"] for p in described["partitions"])
        victim = leaders.most_common(1)[0][0]  # the node leading the most input partitions

        def kill_the_leader() -> None:
            cluster.kill_node(victim)

        env = _env(cluster, topics, postgres_url)
        result = _through_an_outage(env, postgres_url, kill_the_leader)

        assert result.returncode == 0, result.stderr[-2000:]
        _same(_tables(postgres_url), _clean_run(cluster, topics, tmp_path))
        assert _check_published(cluster.bootstrap, topics.output, postgres_url) > 0
