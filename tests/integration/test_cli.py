"""The console script as an operator uses it: publish, run --until-idle, show, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.conftest import Topics
from tests.integration.helpers import http_answer, http_get, start_worker
from tests.integration.stream import A, B, D, phase_one
from tests.processes import run_whole
from worker.dev.brokers import LocalBroker, free_port


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "worker.cli", *args]
    return run_whole(command, {**os.environ, **(env or {})}, timeout)


def service_env(broker: LocalBroker, topics: Topics, database_url: str) -> dict[str, str]:
    return {
        "IPASN_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "IPASN_DATABASE_URL": database_url,
        "IPASN_MEASUREMENT_YEAR": "2025",
        "IPASN_INPUT_TOPICS": topics.input,
        "IPASN_OUTPUT_TOPIC": topics.output,
        "IPASN_DLQ_TOPIC": topics.dlq,
        "IPASN_RECONCILED_TOPIC": topics.reconciled,
        "IPASN_AGENCY_TOPIC": topics.agency,
        "IPASN_CONSUMER_GROUP": topics.group,
        "IPASN_METRICS_PORT": "0",
        "IPASN_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "IPASN_KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
    }


@pytest.mark.kafka
def test_publish_then_run_until_idle_then_show_gives_the_worked_example(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    events = tmp_path / "events.jsonl"
    # Every line of the stream, malformed ones too; publish keys each by its subject.
    events.write_bytes(b"\n".join(m.value for m in phase_one()) + b"\n")
    env = service_env(broker, topics, f"sqlite:///{tmp_path}/cli.db")

    published = cli("publish", str(events), env=env)
    ran = cli("run", "--until-idle", "1.5", env=env)
    shown = cli("show", A, "--json", env=env)
    table = cli("show", A, env=env)

    assert published.returncode == 0, published.stderr
    assert "published" in published.stderr
    assert ran.returncode == 0, ran.stderr
    assert shown.returncode == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert (view["index"]["score"], view["index"]["band"]) == ("73", "Sedang")
    assert {r["kind"] for r in view["records"]} >= {"profile", "position", "education"}
    assert any(c["kind"] == "performance" for c in view["conflicts"])
    assert "IP ASN 73 (Sedang)" in table.stdout
    assert A not in ran.stderr  # logs carry no NIP


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["run", "--until-idle", "soon"], {}, "invalid float value"),
        (["frobnicate"], {}, "invalid choice"),
        (["run", "--processes", "0"], {}, "must be 1 or more"),
        (["run"], {"IPASN_LOG_LEVEL": "loud"}, "IPASN_LOG_LEVEL"),
        (["--log-level", "loud", "show", A], {}, "IPASN_LOG_LEVEL"),
        (["run"], {"IPASN_METRICS_PORT": "lots"}, "IPASN_METRICS_PORT"),
        (["show", A], {"IPASN_MEASUREMENT_YEAR": "1900"}, "IPASN_MEASUREMENT_YEAR"),
        (["show", A, "--year", "1900"], {}, "1900 is not a year from 2000 to 2100"),
        (["show", A, "--year", "next"], {}, "invalid year value: 'next'"),
        (["plan", "--agency", "32.01"], {}, "'32.01' is not an agency code"),
        (["plan", "--year", "3000"], {}, "3000 is not a year from 2000 to 2100"),
        (["run"], {"IPASN_RULES_FILE": "/nonexistent/rules.toml"}, "rules file"),
    ],
)
def test_a_bad_argument_or_setting_is_one_clear_line(
    args: list[str], env: dict[str, str], expected: str
) -> None:
    result = cli(*args, env=env)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_an_unreachable_broker_is_one_clear_line(tmp_path: Path) -> None:
    result = cli(
        "run",
        env={
            "IPASN_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
            "IPASN_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "IPASN_METRICS_PORT": "0",
        },
    )

    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "ipasn-worker: no Kafka broker answers at IPASN_KAFKA_BOOTSTRAP_SERVERS"
    )


@pytest.mark.kafka
def test_sigterm_finishes_the_work_in_hand_and_exits_cleanly(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    from consumers.reader import read_topic
    from tests.integration.helpers import publish

    env = service_env(broker, topics, f"sqlite:///{tmp_path}/term.db")
    worker = start_worker(env)
    publish(broker.bootstrap, topics.input, phase_one())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(read_topic(broker.bootstrap, topics.output)) < 3:
        time.sleep(0.5)

    worker.send_signal(signal.SIGTERM)
    _, stderr = worker.communicate(timeout=30)

    assert worker.returncode == 0, stderr
    assert "stopped: 39 messages" in stderr
    assert len(read_topic(broker.bootstrap, topics.output)) == 3


@pytest.mark.kafka
def test_the_demo_shows_results_dead_letters_and_metrics(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "worker.cli",
            "demo",
            "--employees",
            "40",
            "--database",
            str(tmp_path / "demo.db"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "COLUMNS": "80"},
    )

    assert result.returncode == 0, result.stderr
    out = result.stdout
    for heading in (
        "IP ASN bands",
        "A sample of recalculated indexes",
        "Dead-letter topic",
        "ipasn_events_consumed_total (as served on /metrics)",
        "ipasn_recalculations_published_total",  # a metric's name whole, as served
        "ipasn-worker show",
    ):
        assert heading in out
    # What a person sees reads whole at 80 columns: nothing cut with "…" but the records of
    # other kinds left out of the snapshots shown, on purpose.
    assert all(cell_len(line) <= 80 for line in out.splitlines())
    assert out.count("…") == out.count('"…": "the other kinds, in full"') == 2
    for reason in ("not_json", "unknown_type", "bad_nip", "key_mismatch", "not_authorised"):
        assert reason in out
    assert "0 dead-lettered" not in out
    # One regional system sends over HTTP: its events accepted, a mistake refused with its reason.
    assert "through the HTTP intake" in out
    assert "422" in out
    assert "bad_nip" in out
    # One regional office sends its trainings as a spreadsheet, every row checked and published.
    sheet = out[out.index("ipasn-worker import") :]
    assert "published 5 events to asn.personnel.changes, each acknowledged" in sheet
    # The second act: a steward's override settles a conflict, its release reopens it, and each
    # time the reconciled snapshot goes out.
    act = out[out.index("Stewardship") :]
    said = " ".join(act.split())  # the lines as wrapped at 80 columns, joined
    assert "the record now comes from steward" in said
    assert "the conflict is closed (steward)" in said
    assert "the record now comes from siasn" in said
    assert "the conflict is open" in said
    reason = "--reason 'checked against the scanned diploma, ticket ANOM-2025-0412'"
    assert reason in said  # the override as run, whole
    assert act.count('"type": "asn.personnel.reconciled"') == 2
    assert "Agencies, measurement year 2025" in out  # the figures agencies are judged by
    # The example rule change, against the indexes the worker just computed under bkn-8-2019.
    assert "Band transitions (rows: bkn-8-2019, columns: example-2026)" in out
    assert "against bkn-8-2019 (the rules in use), indexes: 0 changed" not in out
    # It ends with what raises the index: one employee's options, one regency's plan.
    ending = out[out.index("What raises the index") :]
    assert "Options for 2025" in ending
    assert "To the next band: " in ending
    assert "ipasn-worker plan --agency 7317 --year 2025" in ending
    assert "Bands in 2025: now, and if every short option were taken" in ending


def test_show_on_a_database_without_the_schema_says_so_in_one_line(tmp_path: Path) -> None:
    result = cli("show", A, env={"IPASN_DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"})

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"ipasn-worker: sqlite:///{tmp_path}/empty.db has no ipasn schema yet "
        "(ipasn-worker migrate, or run the worker)"
    ]


def _stop_within(worker: subprocess.Popen[str], wait_s: float) -> tuple[float, str]:
    """SIGTERM after the worker ran `wait_s` seconds; the seconds it took to exit, its stderr."""
    time.sleep(wait_s)
    signalled = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    _, stderr = worker.communicate(timeout=60)
    return time.monotonic() - signalled, stderr


@pytest.mark.kafka
def test_sigterm_stops_a_worker_waiting_for_messages_within_two_seconds(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    env = service_env(broker, topics, f"sqlite:///{tmp_path}/idle.db")
    worker = start_worker(env)
    assert worker.stderr is not None
    while "consuming" not in worker.stderr.readline():  # the loop is about to start
        assert worker.poll() is None

    took, stderr = _stop_within(worker, 3.0)

    assert worker.returncode == 0, stderr
    assert took < 2.0, f"took {took:.1f} s"


def test_sigterm_stops_a_worker_still_connecting_within_two_seconds(tmp_path: Path) -> None:
    worker = start_worker(
        {
            "IPASN_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
            "IPASN_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "IPASN_METRICS_PORT": "0",
        }
    )

    took, stderr = _stop_within(worker, 4.0)  # past start-up, trying the broker

    assert worker.returncode == 1, stderr
    assert "ipasn-worker: stopped by SIGTERM" in stderr.splitlines()
    assert took < 2.0, f"took {took:.1f} s"


def _consumed(port: int) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
            text = response.read().decode()
    except OSError:
        return 0.0
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        if family.name == "ipasn_events_consumed"
        for s in family.samples
        if s.name == "ipasn_events_consumed_total"
    )


@pytest.mark.kafka
@pytest.mark.postgres
def test_several_processes_share_the_stream_serve_one_metrics_page_and_stop_together(
    broker: LocalBroker, topics: Topics, postgres_url: str
) -> None:
    from tests.integration.helpers import data_by_nip, publish, published

    stream = phase_one()
    publish(broker.bootstrap, topics.input, stream)
    port = free_port()
    env = {**service_env(broker, topics, postgres_url), "IPASN_METRICS_PORT": str(port)}
    parent = start_worker(env, "--processes", "2")
    deadline = time.monotonic() + 90
    while _consumed(port) < len(stream) and time.monotonic() < deadline:
        assert parent.poll() is None
        time.sleep(0.5)
    counted = _consumed(port)
    # Both processes alive and in the group (the second may still be joining when the first
    # has read everything).
    http_answer(port, "/readyz", 200, within_s=30)
    answers = {path: http_get(port, path)[0] for path in ("/healthz", "/readyz", "/nothing")}
    parent.send_signal(signal.SIGTERM)
    _, stderr = parent.communicate(timeout=60)

    assert counted == len(stream)  # every process's counts on the one page
    assert answers == {"/healthz": 200, "/readyz": 200, "/nothing": 404}  # for both processes
    assert parent.returncode == 0, stderr
    assert stderr.count("stopped:") == 2  # both workers finished cleanly
    final = {
        nip: data[-1]["score"]
        for nip, data in data_by_nip(published(broker, topics.output)).items()
    }
    assert final == {A: 73, B: 62.5, D: 90}


@pytest.mark.kafka
@pytest.mark.postgres
def test_bench_prints_the_contenders_side_by_side(
    broker: LocalBroker, postgres_server: str
) -> None:
    result = cli(
        "bench", "--bootstrap-servers", broker.bootstrap, "--postgres", postgres_server,
        "--employees", "20", "--processes", "1",
        "--skip", "quix", "latency", "flat-cost", "recompute", "first-load", "soak", "intake",
        env={"COLUMNS": "160"}, timeout=240,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    throughput = result.stdout.split("└", 1)[0]  # the first table: the contenders
    rows = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in throughput.splitlines()
        if line.count("│") > 5
    }
    # Every contender read every message: the sample for 20 employees.
    assert set(rows) == {
        "bare kafka-python consumer",
        "ipasn-worker, SQLite",
        "ipasn-worker, PostgreSQL, 1 process",
        "ipasn-worker, PostgreSQL, 1 process, cache of 4 employees",
        "ipasn-worker, PostgreSQL, 1 process, agency outputs",
    }, result.stdout
    assert len(set(rows.values())) == 1
    assert int(next(iter(rows.values())).replace(",", "")) > 200
    assert "Resident memory of the worker process" in result.stdout


def test_bench_refuses_an_unknown_part_in_one_line() -> None:
    result = cli("bench", "--skip", "everything")

    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "everything" in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "field", "allowed"),
    [
        (["show", A], {"IPASN_LOG_LEVEL": "loud"}, "IPASN_LOG_LEVEL", ["'DEBUG'", "'CRITICAL'"]),
        (["--log-level", "loud", "migrate"], {}, "IPASN_LOG_LEVEL", ["'DEBUG'", "'CRITICAL'"]),
        (["migrate"], {"IPASN_LOG_FORMAT": "yaml"}, "IPASN_LOG_FORMAT", ["'json'", "'text'"]),
        (["--log-format", "yaml", "show", A], {}, "IPASN_LOG_FORMAT", ["'json'", "'text'"]),
    ],
)
def test_a_bad_log_level_or_format_is_one_line_naming_the_choices(
    args: list[str], env: dict[str, str], field: str, allowed: list[str], tmp_path: Path
) -> None:
    result = cli(*args, env={"IPASN_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", **env})

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"ipasn-worker: bad configuration: {field}: ")
    assert all(value in line for value in allowed), line


def test_json_logs_are_one_object_a_line_from_every_logger(tmp_path: Path) -> None:
    worker = start_worker(
        {
            "IPASN_LOG_FORMAT": "json",
            "IPASN_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
            "IPASN_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "IPASN_METRICS_PORT": "0",
        }
    )
    assert worker.stderr is not None
    # kafka-python complains of the missing broker at once. Killed rather than stopped: only
    # the lines matter here, and SIGTERM is tested above.
    logs = [worker.stderr.readline() for _ in range(3)]
    worker.kill()
    worker.communicate(timeout=30)

    records = [json.loads(line) for line in logs]
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records), logs
    assert any(r["logger"].startswith("kafka.") for r in records)
