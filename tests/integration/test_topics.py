"""The worker's topics on a real broker (contracts §14): `topics create` makes them with their
settings and leaves existing ones alone; `run` refuses to start without one, naming it; a topic
deleted while the worker runs is named in its log, and /readyz says publishing is blocked."""

from __future__ import annotations

import io
import json
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from tests.conftest import Topics
from tests.integration.helpers import http_answer, publish, published, running_worker
from tests.integration.stream import phase_one, phase_two
from tests.integration.test_cli import service_env
from worker.cli import main
from worker.config.topics import DAY_MS, DEAD_LETTERS_KEPT_DAYS
from worker.dev.brokers import LocalBroker, free_port
from worker.kafka.admin import existing_topics, topic_configs


def _cli(argv: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """The command's exit status and what it printed (stdout and stderr together)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        status = main(argv)
    return status, out.getvalue()


def _partitions(bootstrap: str, names: list[str]) -> dict[str, int]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return {t["name"]: len(t["partitions"]) for t in admin.describe_topics(names)}
    finally:
        admin.close()


@pytest.mark.kafka
def test_topics_create_makes_each_with_its_settings_then_leaves_them_alone(
    broker: LocalBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    topics = Topics.fresh()  # names only: none of them exists yet
    env = service_env(broker, topics, "sqlite://")
    monkeypatch.setenv("COLUMNS", "80")

    status, said = _cli(["topics", "create", "--partitions", "4"], env, monkeypatch)

    assert status == 0, said
    names = [topics.input, topics.output, topics.reconciled, topics.agency, topics.dlq]
    assert set(names) <= existing_topics(broker.bootstrap, client_id="test")
    assert said.count("created") == 5
    assert all(name in said for name in names)  # whole, at 80 columns
    assert _partitions(broker.bootstrap, names) == {
        topics.input: 4,
        topics.output: 4,
        topics.reconciled: 4,
        topics.agency: 3,
        topics.dlq: 3,
    }
    configs = topic_configs(broker.bootstrap, names, client_id="test")
    assert configs[topics.reconciled]["cleanup.policy"] == "compact"
    assert configs[topics.agency]["cleanup.policy"] == "compact"
    assert configs[topics.dlq]["retention.ms"] == str(DEAD_LETTERS_KEPT_DAYS * DAY_MS)
    assert "cleanup.policy" not in configs[topics.output]  # the broker's default: delete

    again, said = _cli(["topics", "create", "--partitions", "8"], env, monkeypatch)

    assert again == 0, said
    assert "created" not in said
    assert sum("exists" in row for row in said.splitlines() if row.startswith("│")) == 5
    assert _partitions(broker.bootstrap, [topics.input]) == {topics.input: 4}  # left alone


@pytest.mark.kafka
def test_topics_create_with_agencies_makes_each_agencys_own_outputs(
    broker: LocalBroker, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    topics = Topics.fresh()
    env = service_env(broker, topics, "sqlite://")
    agencies = tmp_path / "agencies.txt"
    agencies.write_text("# two regencies\n7317\n7371\n", encoding="utf-8")

    status, said = _cli(["topics", "create", "--agencies", str(agencies)], env, monkeypatch)

    assert status == 0, said
    own = [f"{t}.{code}" for code in ("7317", "7371") for t in (topics.output, topics.reconciled)]
    assert set(own) <= existing_topics(broker.bootstrap, client_id="test")
    assert said.count("created") == 5 + 4
    assert set(_partitions(broker.bootstrap, own).values()) == {3}
    configs = topic_configs(broker.bootstrap, own, client_id="test")
    assert configs[f"{topics.reconciled}.7317"]["cleanup.policy"] == "compact"
    assert "cleanup.policy" not in configs[f"{topics.output}.7317"]


@pytest.mark.kafka
def test_run_refuses_to_start_without_a_topic_in_one_line_naming_it(
    broker: LocalBroker, topics: Topics, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = f"{topics.reconciled}-never-created"
    env = {**service_env(broker, topics, "sqlite://"), "IPASN_RECONCILED_TOPIC": missing}

    status, said = _cli(["run", "--until-idle", "1"], env, monkeypatch)

    assert status == 2
    line = said.strip()
    assert "\n" not in line
    assert f"the broker has no topic {missing} (IPASN_RECONCILED_TOPIC)" in line
    assert "ipasn-worker topics create" in line
    # Asking did not create it, whatever the broker's auto.create.topics.enable.
    assert missing not in existing_topics(broker.bootstrap, client_id="test")


@pytest.mark.kafka
def test_a_topic_deleted_while_running_is_named_and_readyz_says_publishing_is_blocked(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **service_env(broker, topics, f"sqlite:///{tmp_path}/ipasn.db"),
        "IPASN_METRICS_PORT": str(port),
    }
    with running_worker(env) as worker:
        assert http_answer(port, "/readyz", 200, within_s=90)[0] == 200, worker.stderr()
        publish(broker.bootstrap, topics.input, phase_one())
        deadline = time.monotonic() + 90
        while not published(broker, topics.reconciled):
            assert time.monotonic() < deadline, worker.stderr()
            time.sleep(0.5)

        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
        admin.delete_topics([topics.reconciled])
        admin.close()
        publish(broker.bootstrap, topics.input, phase_two())  # more snapshots to publish

        # Found out within a flush's check (5 s) or a send's wait for metadata (10 s), long
        # before the loop's own liveness (60 s) would turn /readyz.
        status, body = http_answer(port, "/readyz", 503, within_s=45)
        assert status == 503, worker.stderr()
        checks = json.loads(body)["checks"]
        assert checks["publishing"]["ok"] is False, (checks, worker.stderr())
        assert checks["consumer_group"]["ok"] is True, checks
        deadline = time.monotonic() + 30
        named = f"the broker has no topic {topics.reconciled}"
        while named not in "".join(worker.lines):
            assert time.monotonic() < deadline, worker.stderr()
            time.sleep(0.5)
        # Never made anew by the worker's producer, whatever auto.create.topics.enable says.
        assert topics.reconciled not in existing_topics(broker.bootstrap, client_id="test")


@pytest.mark.kafka
def test_recompute_refuses_to_start_without_an_output_topic_unless_it_is_a_dry_run(
    broker: LocalBroker, topics: Topics, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = f"{topics.agency}-never-created"
    url = f"sqlite:///{tmp_path}/ipasn.db"
    env = {**service_env(broker, topics, url), "IPASN_AGENCY_TOPIC": missing}
    assert _cli(["migrate"], env, monkeypatch)[0] == 0

    status, said = _cli(["recompute", "--year", "2025"], env, monkeypatch)
    dry, dry_said = _cli(["recompute", "--year", "2025", "--dry-run"], env, monkeypatch)

    assert status == 2, said
    assert f"the broker has no topic {missing} (IPASN_AGENCY_TOPIC)" in said
    assert dry == 0, dry_said


@pytest.mark.kafka
def test_publish_and_import_refuse_a_missing_input_topic_in_one_line(
    broker: LocalBroker, topics: Topics, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = f"{topics.input}-never-created"
    env = {**service_env(broker, topics, "sqlite://"), "IPASN_INPUT_TOPICS": missing}
    sheet = tmp_path / "profiles.csv"
    made, said = _cli(["import", "--template", "profile", "--out", str(sheet)], env, monkeypatch)
    assert made == 0, said
    lines = tmp_path / "events.jsonl"
    lines.write_text('{"specversion": "1.0"}\n')

    imported, import_said = _cli(
        ["import", str(sheet), "--source", "siasn", "--kind", "profile"], env, monkeypatch
    )
    published, publish_said = _cli(["publish", str(lines)], env, monkeypatch)

    for status, text in ((imported, import_said), (published, publish_said)):
        assert status == 2, text
        assert f"ipasn-worker: the broker has no topic {missing} (IPASN_INPUT_TOPICS)" in text
    assert missing not in existing_topics(broker.bootstrap, client_id="test")
