"""Faults on Apache Kafka and PostgreSQL: the database, not luck, keeps the result one clean run's.

Two services writing about one employee at once, in one process; then real `ipasn-worker run`
processes: killed (SIGKILL) again and again mid-stream; three in one group, one of them killed
and stopped (SIGSTOP, a zombie holding its transaction while the group hands its partitions on)
in turn; killed between the database commit and the publication; and `run --until-idle` runs
that must not exit 0 with work left. Each ends with the database and the published events of a
clean run: every revision published under its id with one content, each NIP's revisions 1..n,
the last one the stored index, and the records and indexes those of a worker that met no fault.

`python -m tests.integration.test_faults run ...` is the worker with kafka-python's rebalance
lines logged and, with IPASN_TEST_CRASH_AT set, killing itself (SIGKILL) at that point.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from sqlalchemy import Engine, create_engine, select, text

from consumers.reader import read_topic
from tests.conftest import Topics
from tests.factories import BKN_8_2019, education_values, employee, statement
from tests.integration.helpers import publish, run, settings_for
from tests.integration.stream import phase_one
from tests.integration.test_cli import service_env
from worker.db.store import SqlStore, SqlUnit
from worker.db.tables import indexes, outbox, reconciled, records, revisions, statements
from worker.dev.bench.services import publish_sample
from worker.dev.brokers import LocalBroker
from worker.dev.demo.sample import sample_events
from worker.pipeline.cache import EmployeeCache
from worker.pipeline.ports import NewRevision, Origin, OutboxEvent, OutboxRow
from worker.pipeline.service import IndexService

NOW = datetime(2025, 12, 1, tzinfo=UTC)
CRASH_POINTS = ("before-offset-commit", "before-publish", "before-delete")
Rows = set[tuple[Any, ...]]


# --- two transactions about one employee ------------------------------------------------------


@pytest.fixture
def engine(postgres_engine: Engine) -> Engine:
    return postgres_engine


def _service(engine: Engine) -> IndexService:
    return IndexService(SqlStore(engine), BKN_8_2019, 2025, "recalculated", EmployeeCache(100))


@pytest.mark.postgres
def test_a_second_workers_transaction_about_the_same_nip_waits_for_the_first(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first worker (a zombie, say, that lost its partition) is inside its transaction with a
    # profile and a position; the second stores an S2 degree of the same employee, read from
    # another partition. Without a lock the second computed the employee without the first's
    # statements (no profile: no index), and the first then committed revision 1 without the
    # degree (qualification 0), which nothing would ever correct.
    inside, go_on = threading.Event(), threading.Event()
    save = SqlUnit.save_revisions

    def held(unit: SqlUnit, new: Sequence[NewRevision]) -> None:
        if threading.current_thread().name == "first":
            inside.set()
            go_on.wait(10)
        save(unit, new)

    monkeypatch.setattr(SqlUnit, "save_revisions", held)
    first = threading.Thread(
        target=_service(engine).apply,
        args=([(s, Origin("changes", 0, i)) for i, s in enumerate(employee())], NOW),
        name="first",
    )
    degree = statement("education", education_values("S2", date(2020, 8, 1)), record_id="e1")
    second = threading.Thread(
        target=_service(engine).apply, args=([(degree, Origin("changes", 1, 0))], NOW)
    )
    first.start()
    assert inside.wait(10)
    second.start()
    second.join(1.0)
    waited = second.is_alive()
    go_on.set()
    first.join(10)
    second.join(10)

    assert waited  # behind the first transaction's lock on the employee
    with engine.connect() as conn:
        numbers = [r.revision for r in conn.execute(select(revisions.c.revision))]
        current = conn.execute(select(indexes.c.revision, indexes.c.qualification)).all()
    assert sorted(numbers) == [1, 2]
    assert [(r.revision, int(r.qualification)) for r in current] == [(2, 20)]


# --- worker processes --------------------------------------------------------------------------


@dataclass
class Proc:
    """An `ipasn-worker run` process, its output in a file."""

    process: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.text()))

    def wait_for(self, pattern: str, times: int = 1, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while self.count(pattern) < times:
            assert self.process.poll() is None, self.text()[-3000:]
            assert time.monotonic() < deadline, f"no {pattern!r} in {timeout_s} s"
            time.sleep(0.02)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        self.process.send_signal(sig)
        if sig == signal.SIGKILL:
            self.process.wait(10)

    def exit_status(self, timeout_s: float = 120) -> int:
        return self.process.wait(timeout_s)


def _start(env: dict[str, str], log: Path, *args: str) -> Proc:
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.test_faults", "run", *args],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Proc(process, log)


def _env(broker: LocalBroker, topics: Topics, url: str, **extra: str) -> dict[str, str]:
    return {**service_env(broker, topics, url), "IPASN_MAX_POLL_RECORDS": "500", **extra}


def _stored(logs: Sequence[Proc]) -> tuple[int, int]:
    """Statements stored and duplicates met, as the batches' log lines count them."""
    found = [re.findall(r"batch of \d+: (\d+) stored, (\d+) duplicate", p.text()) for p in logs]
    pairs = [(int(a), int(b)) for lines in found for a, b in lines]
    return sum(a for a, _ in pairs), sum(b for _, b in pairs)


# --- what a clean run makes, and checking against it ------------------------------------------


def _tables(url: str) -> tuple[Rows, Rows, Rows]:
    engine = create_engine(url)
    with engine.connect() as conn:
        reconciled = {
            (r.nip, r.kind, r.record_id, json.dumps(r.values, sort_keys=True), r.event_id)
            for r in conn.execute(select(records))
        }
        # A withdrawn index counts as none: whether an employee ever had one depends on how
        # their statements fell into batches.
        current = {
            (i.nip, i.score, i.band, i.qualification, i.competency, i.performance, i.discipline)
            for i in conn.execute(select(indexes).where(indexes.c.score.is_not(None)))
        }
        kept = {(s.source, s.event_id, s.nip) for s in conn.execute(select(statements))}
    engine.dispose()
    return reconciled, current, kept


def _clean_run(broker: LocalBroker, topics: Topics, tmp_path: Path) -> tuple[Rows, Rows, Rows]:
    """What one worker that meets no fault makes of the same input (SQLite, in process)."""
    clean = replace(Topics.fresh(), input=topics.input)  # outputs and group of its own
    clean.create(broker)  # its input exists: left alone
    url = f"sqlite:///{tmp_path}/clean.db"
    run(settings_for(broker, clean, url))
    return _tables(url)


def _same_as_clean(url: str, clean: tuple[Rows, Rows, Rows]) -> None:
    for name, a, e in zip(("records", "indexes", "statements"), _tables(url), clean, strict=True):
        assert a == e, (name, len(a), len(e), sorted(a - e)[:3], sorted(e - a)[:3])


def _in_order(events: list[dict[str, Any]], number: str) -> None:
    """Per key (a NIP), the numbers (revisions, versions) as published never go back: a repeat
    of the last one is harmless, an older one after a newer one is not (a compacted topic would
    keep it)."""
    last: dict[str, int] = {}
    for e in events:
        nip, n = e["data"]["nip"], e["data"][number]
        assert n >= last.get(nip, 0), f"{nip}: {number} {n} after {last[nip]}"
        last[nip] = n


def _by_id(broker: LocalBroker, topic: str) -> tuple[dict[str, bytes], list[dict[str, Any]]]:
    """Each event id published on the topic with its one content, and the events in order."""
    by_id: dict[str, bytes] = {}
    events = []
    for r in read_topic(broker.bootstrap, topic):
        event = json.loads(r.value or b"")
        assert by_id.setdefault(event["id"], r.value or b"") == r.value, (
            f"{event['id']}: two contents"
        )
        events.append(event)
    return by_id, events


def _check_published(broker: LocalBroker, topic: str, url: str) -> tuple[int, int]:
    """Every revision stored was published under its id with the stored content, in order per
    NIP, and nothing else; each NIP's revisions are 1..n and the last one is its index; nothing
    is left unsent. Returns the events and the copies published."""
    by_id, events = _by_id(broker, topic)
    engine = create_engine(url)
    with engine.connect() as conn:
        unsent = conn.execute(select(outbox.c.id).where(outbox.c.sent_at.is_(None))).all()
        stored = {
            f"{r.nip}:{r.measurement_year}:{r.rule_version}:{r.revision}": r
            for r in conn.execute(select(revisions))
        }
        current = {i.nip: i for i in conn.execute(select(indexes))}
    engine.dispose()
    assert unsent == []
    assert set(by_id) == set(stored)  # no id missing, none made up
    for event_id, value in by_id.items():
        data, row = json.loads(value)["data"], stored[event_id]
        score = None if row.score is None else float(row.score)
        assert (data["score"], data["band"], data["revision"]) == (score, row.band, row.revision)
    per_nip: dict[str, list[int]] = {}
    for row in stored.values():
        per_nip.setdefault(row.nip, []).append(row.revision)
    for nip, seen in per_nip.items():
        assert sorted(seen) == list(range(1, len(seen) + 1)), (nip, sorted(seen))
        assert current[nip].revision == len(seen)
    _in_order(events, "revision")
    return len(by_id), len(events)


def _check_snapshots(broker: LocalBroker, topic: str, url: str) -> int:
    """Every reconciled snapshot version stored was published under its id, in order per NIP,
    and nothing else; each NIP's versions are 1..n, the last one the stored version. Returns
    how many snapshots there are."""
    by_id, events = _by_id(broker, topic)
    engine = create_engine(url)
    with engine.connect() as conn:
        last = dict(conn.execute(select(reconciled.c.nip, reconciled.c.version)).all())
    engine.dispose()
    assert set(by_id) == {
        f"{nip}:reconciled:{v}" for nip, n in last.items() for v in range(1, n + 1)
    }
    _in_order(events, "version")
    return len(by_id)


# --- 1. one worker killed again and again ------------------------------------------------------

KILLS = 10
EMPLOYEES = 1850  # the demo sample scaled: about 20,300 events


@pytest.mark.kafka
@pytest.mark.postgres
@pytest.mark.chaos
def test_a_worker_killed_ten_times_mid_stream_ends_as_one_clean_run(
    broker: LocalBroker, topics: Topics, postgres_url: str, tmp_path: Path
) -> None:
    events = publish_sample(broker.bootstrap, topics.input, EMPLOYEES)
    env = _env(broker, topics, postgres_url)
    rng = random.Random(2025)
    lives = []
    for life in range(KILLS):
        worker = _start(env, tmp_path / f"life-{life}.log")
        lives.append(worker)
        # Mid-stream: a batch or three done, then anywhere in the next batch or publication.
        worker.wait_for("batch of ", rng.randint(1, 3))
        time.sleep(rng.uniform(0, 0.15))
        worker.kill()
    last = _start(env, tmp_path / "last.log", "--until-idle", "3")
    assert last.exit_status() == 0, last.text()[-3000:]
    before_last, _ = _stored(lives)
    after, _ = _stored([last])
    _, redelivered = _stored([*lives, last])

    _same_as_clean(postgres_url, _clean_run(broker, topics, tmp_path))
    published, copies = _check_published(broker, topics.output, postgres_url)
    assert _check_snapshots(broker, topics.reconciled, postgres_url) > 0
    assert events > 20_000
    assert before_last > 0  # the kills came while there was work left
    assert after > 0
    print(
        f"\n{events} events, {KILLS} kills; {before_last} statements stored before the last "
        f"run, {after} by it, {redelivered} re-read after a kill; {published} events "
        f"published ({copies - published} sent twice), none lost or differing"
    )


# --- 2. three workers, one killed and stopped in turn ------------------------------------------

PARTITIONS = 12
SHARED_EMPLOYEES = 900  # about 10,000 events
EPISODES = 6  # the victim killed each time; every other time stopped inside a transaction first


def _scattered(bootstrap: str, topic: str, done: threading.Event) -> int:
    """The sample, each event in a partition of its own choosing (key = NIP still), about 200
    a second until `done` and the rest then: one employee's events reach several workers at once,
    as they would from two input topics or producers that partition otherwise."""
    messages = sample_events(SHARED_EMPLOYEES, measurement_year=2025)
    rng = random.Random(7)
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    for start in range(0, len(messages), 40):
        for m in messages[start : start + 40]:
            producer.send(topic, key=m.key, value=m.value, partition=rng.randrange(PARTITIONS))
        producer.flush()
        done.wait(0.2)
    producer.close()
    return len(messages)


def _in_transaction(engine: Engine, name: str) -> bool:
    """Whether the process connected as `name` is inside a worker transaction that wrote (and
    so holds its employees' locks); not the outbox relay's."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
        "AND backend_xid IS NOT NULL AND query NOT LIKE '%outbox%'"
    )
    with engine.connect() as conn:
        return bool(conn.execute(query, {"name": name}).scalar_one())


def _waiting_for_locks(engine: Engine) -> int:
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database()"
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _all_committed(bootstrap: str, topics: Topics) -> bool:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=topics.group)
    try:
        tps = [TopicPartition(topics.input, p) for p in range(PARTITIONS)]
        ends = consumer.end_offsets(tps)
        return all((consumer.committed(tp) or 0) >= ends[tp] for tp in tps)
    finally:
        consumer.close(autocommit=False)


@dataclass
class Victim:
    """The worker that is killed again and again, sometimes after playing the zombie."""

    env: dict[str, str]
    logs: Path
    lives: list[Proc]
    waiting: list[int]  # others' transactions waiting for its locks while it was stopped

    def start(self, *args: str) -> Proc:
        proc = _start(self.env, self.logs / f"victim-{len(self.lives)}.log", *args)
        self.lives.append(proc)
        return proc

    def kill_mid_batch(self, rng: random.Random) -> None:
        proc = self.lives[-1]
        with contextlib.suppress(AssertionError):  # the stream may be over: kill it anyway
            proc.wait_for("batch of ", proc.count("batch of ") + 1, timeout_s=15)
        time.sleep(rng.uniform(0, 0.1))
        proc.kill()

    def stop_inside_a_transaction(self, engine: Engine) -> None:
        """SIGSTOP inside a transaction, for longer than the session timeout: the group hands
        its partitions on and the others re-read its batch while it holds its locks; SIGCONT
        then lets it finish the batch, a zombie."""
        proc = self.lives[-1]
        deadline = time.monotonic() + 30
        while not _in_transaction(engine, "victim"):
            assert proc.process.poll() is None, proc.text()[-3000:]
            assert time.monotonic() < deadline, "the victim never was inside a transaction"
            time.sleep(0.002)
        proc.kill(signal.SIGSTOP)
        time.sleep(8.5)  # past the 6 s session timeout, short of the others' 10 s lock timeout
        self.waiting.append(_waiting_for_locks(engine))
        proc.kill(signal.SIGCONT)


@pytest.mark.kafka
@pytest.mark.postgres
@pytest.mark.chaos
def test_three_workers_one_killed_or_stopped_in_turn_never_write_conflicting_state(
    broker: LocalBroker, postgres_url: str, tmp_path: Path
) -> None:
    topics = Topics.fresh().create(broker, partitions=PARTITIONS)
    done, sizes = threading.Event(), []
    producer = threading.Thread(
        target=lambda: sizes.append(_scattered(broker.bootstrap, topics.input, done))
    )
    producer.start()
    env = _env(broker, topics, postgres_url, IPASN_MAX_POLL_RECORDS="200")
    survivors = [_start(env, tmp_path / f"survivor-{i}.log") for i in range(2)]
    victim = Victim({**env, "IPASN_DATABASE_URL": f"{postgres_url}?application_name=victim"},
                    tmp_path, [], [])  # fmt: skip
    engine = create_engine(postgres_url)
    rng = random.Random(11)
    try:
        for episode in range(EPISODES):
            victim.start()
            if episode % 2:
                victim.stop_inside_a_transaction(engine)
            victim.kill_mid_batch(rng)
        done.set()
        producer.join(60)
        last = victim.start("--until-idle", "4")
        assert last.exit_status() == 0, last.text()[-3000:]
        deadline = time.monotonic() + 60
        while not _all_committed(broker.bootstrap, topics):
            assert time.monotonic() < deadline, "the survivors did not catch up in 60 s"
            time.sleep(0.5)
        for survivor in survivors:
            survivor.kill(signal.SIGTERM)
        statuses = [s.exit_status(30) for s in survivors]
    finally:
        done.set()
        for proc in [*survivors, *victim.lives]:
            if proc.process.poll() is None:
                proc.kill()
        engine.dispose()

    assert statuses == [0, 0], [s.text()[-2000:] for s in survivors]
    _same_as_clean(postgres_url, _clean_run(broker, topics, tmp_path))
    published, copies = _check_published(broker, topics.output, postgres_url)
    assert _check_snapshots(broker, topics.reconciled, postgres_url) > 0
    everyone = [*survivors, *victim.lives]
    assignments = sum(p.count("Setting newly assigned partitions") for p in everyone)
    refused = sum(p.count("offset commit refused") for p in victim.lives)
    assert max(victim.waiting) > 0  # the database held the others back, not luck
    print(
        f"\n{sizes[0]} events over {PARTITIONS} partitions, 3 workers; the victim killed "
        f"{EPISODES} times, {EPISODES // 2} of them after a stop inside its transaction "
        f"(others' transactions waiting for its locks: {victim.waiting}); {assignments} "
        f"assignments; {refused} offset commits refused; {published} events published "
        f"({copies - published} sent twice), none lost or differing"
    )


# --- 4. run --until-idle exits 0 only with the work done ---------------------------------------


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "worker.cli", *args],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.kafka
def test_run_on_an_input_topic_that_does_not_exist_exits_non_zero_and_creates_nothing(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    missing = f"missing-{topics.input}"
    env = {
        **service_env(broker, topics, f"sqlite:///{tmp_path}/x.db"),
        "IPASN_INPUT_TOPICS": missing,
    }

    result = _cli("run", "--until-idle", "1", env=env)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"ipasn-worker: the broker has no topic {missing} (IPASN_INPUT_TOPICS): create it first "
        "(`ipasn-worker topics create`, or your own topic tooling); the worker does not"
    )
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    assert missing not in admin.list_topics()
    admin.close()


@pytest.mark.kafka
def test_run_until_idle_never_assigned_a_partition_exits_1_and_says_why(
    broker: LocalBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from worker.cli import main

    topics = Topics.fresh().create(broker, partitions=1)
    # Another member holds the one partition: the range assignor gives it to the member whose
    # id sorts first, and member ids begin with the client id.
    holder = KafkaConsumer(topics.input, bootstrap_servers=broker.bootstrap,
                           group_id=topics.group, client_id="a-holder")  # fmt: skip
    while not holder.assignment():
        holder.poll(200)
    polling = threading.Event()
    keep = threading.Thread(target=lambda: [holder.poll(200) for _ in iter(polling.is_set, True)])
    keep.start()
    for name, value in service_env(broker, topics, f"sqlite:///{tmp_path}/x.db").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("worker.pipeline.loop.ASSIGNMENT_GRACE_S", 8.0)  # 90 s otherwise
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        status = main(["run", "--until-idle", "1"])
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        polling.set()
        keep.join(10)
        holder.close()

    assert status == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "ipasn-worker: no partition was assigned in 8 s: do the input topics exist, "
        "and does the group have fewer members than partitions?"
    )


@pytest.mark.kafka
@pytest.mark.postgres
def test_run_until_idle_stopped_with_work_left_exits_1_and_says_why(
    broker: LocalBroker, topics: Topics, postgres_url: str, tmp_path: Path
) -> None:
    publish_sample(broker.bootstrap, topics.input, 600)
    worker = _start(
        _env(broker, topics, postgres_url, IPASN_MAX_POLL_RECORDS="100"),
        tmp_path / "w.log",
        "--until-idle",
        "5",
    )
    worker.wait_for("batch of ")

    worker.kill(signal.SIGTERM)

    assert worker.exit_status(30) == 1
    last = worker.text().strip().splitlines()[-1]
    assert re.fullmatch(
        r"ipasn-worker: stopped before catching up: \d+ messages left to read.*", last
    )


# --- 3. killed between the database commit and the publication ---------------------------------


@pytest.mark.kafka
@pytest.mark.postgres
@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_worker_killed_at_a_crash_point_publishes_everything_once_restarted(
    point: str, broker: LocalBroker, topics: Topics, postgres_url: str, tmp_path: Path
) -> None:
    publish(broker.bootstrap, topics.input, phase_one())
    env = _env(broker, topics, postgres_url)
    crashed = _start({**env, "IPASN_TEST_CRASH_AT": point}, tmp_path / "crashed.log")
    assert crashed.exit_status(60) == -signal.SIGKILL, crashed.text()[-2000:]
    sent_before = len(read_topic(broker.bootstrap, topics.output))

    restarted = _start(env, tmp_path / "restarted.log", "--until-idle", "2")

    assert restarted.exit_status() == 0, restarted.text()[-2000:]
    published, copies = _check_published(broker, topics.output, postgres_url)
    assert published == 3
    assert _check_snapshots(broker, topics.reconciled, postgres_url) > 0
    # Sent before the crash only where it came after the send, and then sent again, the same.
    assert (sent_before, copies) == ((3, 6) if point == "before-delete" else (0, 3))
    stored, duplicates = _stored([restarted])
    assert (stored, duplicates) == ((0, 33) if point == "before-offset-commit" else (0, 0))


def _die(*_: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _die_before_offset_commit() -> None:
    """The database committed the batch."""
    from consumers.kafka_source import KafkaSource

    KafkaSource.commit = _die  # type: ignore[method-assign, assignment]


def _die_before_publish() -> None:
    """The offsets committed too; nothing sent."""
    from producers.outbox import OutboxRelay

    publish, drain = OutboxRelay.publish, OutboxRelay.drain

    def publish_or_die(relay: OutboxRelay, events: Sequence[OutboxEvent]) -> dict[str, int]:
        if events:
            _die()
        return publish(relay, events)

    def drain_or_die(relay: OutboxRelay) -> dict[str, int]:
        if relay.pending():
            _die()
        return drain(relay)

    OutboxRelay.publish = publish_or_die  # type: ignore[method-assign, assignment]
    OutboxRelay.drain = drain_or_die  # type: ignore[method-assign, assignment]


Sent = dict[str, int]


def _die_before_delete() -> None:
    """Sent and acknowledged; the rows not deleted yet."""
    from producers.outbox import OutboxRelay

    send = OutboxRelay.send

    def send_and_die(relay: OutboxRelay, events: Iterable[OutboxEvent | OutboxRow]) -> Sent:
        sent = send(relay, events)
        if sent:
            _die()
        return sent

    OutboxRelay.send = send_and_die  # type: ignore[method-assign, assignment]


def _arm(point: str) -> None:
    """Make this process kill itself (SIGKILL) at `point`."""
    {
        "before-offset-commit": _die_before_offset_commit,
        "before-publish": _die_before_publish,
        "before-delete": _die_before_delete,
    }[point]()


def _main(argv: list[str]) -> int:
    from worker.cli import main

    # kafka-python's "Setting newly assigned partitions" lines, one per rebalance.
    logging.getLogger("kafka.coordinator.consumer").setLevel(logging.INFO)
    if point := os.environ.get("IPASN_TEST_CRASH_AT"):
        _arm(point)
    return main(argv)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
