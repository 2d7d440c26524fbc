"""What operations sees of a running worker: /healthz, /readyz, and every documented metric
scraped from its page, in agreement with what the database holds."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, func, select

from tests.conftest import Topics
from tests.integration.helpers import http_answer, http_get, publish, running_worker
from tests.integration.stream import A, phase_one
from tests.integration.test_cli import service_env
from worker.db.tables import conflicts, indexes, revisions
from worker.dev.brokers import LocalBroker, free_port
from worker.observability.metrics import package_version

README = Path(__file__).resolve().parents[2] / "README.md"
Samples = dict[str, list[tuple[dict[str, str], float]]]


def documented() -> set[str]:
    """The metric names of README.md's metrics table."""
    section = README.read_text().split("### Metrics", 1)[1].split("\n### ", 1)[0]
    return set(re.findall(r"^\| `(ipasn_[a-z_]+)`", section, flags=re.MULTILINE))


def scrape(port: int) -> tuple[set[str], Samples]:
    """The metric names on the page (counters with `_total`) and each sample's values."""
    _, text = http_get(port, "/metrics")
    names: set[str] = set()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        names.add(f"{family.name}_total" if family.type == "counter" else family.name)
        for s in family.samples:
            samples.setdefault(s.name, []).append((s.labels, s.value))
    return names, samples


def total(samples: Samples, name: str, **labels: str) -> float:
    return sum(
        v for found, v in samples.get(name, []) if all(found[k] == w for k, w in labels.items())
    )


def by(samples: Samples, name: str, label: str) -> dict[str, float]:
    found: Counter[str] = Counter()
    for labels, v in samples.get(name, []):
        if v:
            found[labels[label]] += int(v)
    return dict(found)


def wait_for(condition: Any, what: str, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {timeout_s:.0f} s"
        time.sleep(0.3)


def database_counts(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    with engine.connect() as conn:
        kinds: dict[str, int] = dict(
            conn.execute(select(conflicts.c.kind, func.count()).group_by(conflicts.c.kind)).all()
        )
        scored = conn.execute(
            select(func.count()).select_from(indexes).where(indexes.c.score.is_not(None))
        ).scalar_one()
        revised = conn.execute(select(func.count()).select_from(revisions)).scalar_one()
    engine.dispose()
    return {"conflicts": kinds, "scored": scored, "revisions": revised}


@pytest.mark.kafka
def test_a_running_worker_answers_its_probes_and_serves_every_documented_metric(
    broker: LocalBroker, topics: Topics, database_url: str
) -> None:
    port = free_port()
    env = {
        **service_env(broker, topics, database_url),
        "IPASN_METRICS_PORT": str(port),
        "IPASN_BAND_METRICS_INTERVAL_S": "0.5",
        "IPASN_LOG_FORMAT": "json",
    }
    stream = phase_one()
    with running_worker(env) as worker:
        assert http_answer(port, "/readyz", 200, within_s=90)[0] == 200, worker.stderr()
        status, body = http_get(port, "/healthz")
        assert status == 200
        assert json.loads(body)["checks"]["loop"]["ok"] is True
        publish(broker.bootstrap, topics.input, stream)

        def caught_up() -> bool:
            _, samples = scrape(port)
            stored = database_counts(database_url)["scored"]
            return (
                total(samples, "ipasn_events_consumed_total") == len(stream)
                and total(samples, "ipasn_band_employees") == stored > 0
                # measured before each drain: 0 once a drain found nothing left
                and total(samples, "ipasn_outbox_pending_events") == 0
            )

        wait_for(caught_up, "catching up")
        names, samples = scrape(port)
        status, text = http_get(port, "/metrics")
        ready = json.loads(http_get(port, "/readyz")[1])
        missing_path = http_get(port, "/nothing-here")
        stored = database_counts(database_url)
        assert worker.process.poll() is None, worker.stderr()

    assert names & {n for n in names if n.startswith("ipasn_")} == documented(), (
        "the page and README.md's metrics table name different metrics"
    )
    assert ready == {
        "status": "ok",
        "checks": {
            "consumer_group": {"ok": True},
            "database": {"ok": True},
            "publishing": {"ok": True},
        },
    }
    assert missing_path == (404, '{"error":"not found"}')
    assert A not in text  # no NIP on the page

    dead = total(samples, "ipasn_events_consumed_total", outcome="dead_lettered")
    assert dead == total(samples, "ipasn_dead_letters_total") > 0
    accepted = len(stream) - dead
    assert total(samples, "ipasn_event_age_seconds_count") == accepted
    assert total(samples, "ipasn_event_processing_seconds_count") == total(
        samples, "ipasn_batch_duration_seconds_count"
    )
    # Counted once each, as stored: the metric and the table agree, kind by kind.
    assert by(samples, "ipasn_conflicts_detected_total", "kind") == stored["conflicts"]
    assert stored["conflicts"]
    changed = total(samples, "ipasn_recalculations_total", result="changed")
    assert changed == stored["revisions"] == total(samples, "ipasn_recalculations_published_total")
    assert total(samples, "ipasn_consumer_lag_messages") == 0
    assert total(samples, "ipasn_band_employees") == stored["scored"]
    assert total(samples, "ipasn_ready") == 1
    assert total(samples, "ipasn_consumer_group_joined") == 1
    assert total(samples, "ipasn_rebalances_total") >= 1
    assert time.time() - total(samples, "ipasn_last_commit_timestamp_seconds") < 120
    assert time.time() - total(samples, "ipasn_loop_iteration_timestamp_seconds") < 60
    [(info, one)] = samples["ipasn_build_info"]
    assert (info, one) == ({"version": package_version(), "rule_version": "bkn-8-2019"}, 1)
    # The worker stopped: nothing answers on its port.
    assert http_get(port, "/healthz")[0] == 0

    # Its logs: one JSON object a line, one summary line per batch, no NIP.
    logs = [json.loads(line) for line in worker.lines]
    batches = [line["batch"] for line in logs if "batch" in line]
    assert len(batches) == total(samples, "ipasn_batch_duration_seconds_count")
    assert sum(b["messages"] for b in batches) == len(stream)
    assert sum(b["conflicts"] for b in batches) == sum(stored["conflicts"].values())
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in logs)
    assert not any(A in line for line in worker.lines)
