"""/healthz, /readyz and the metrics page's other parts, without a running worker."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from worker.db.engine import make_engine, migrate, ping
from worker.dev.brokers import free_port
from worker.observability.bands import OTHER, capped
from worker.observability.health import AnswerCheck, Health, LoopState, ReadyCollector, serving
from worker.observability.metrics import WorkerMetrics

NOW = 1_800_000_000.0


def _health(state: LoopState, database: str | None = None) -> Health:
    return Health(lambda: state, lambda: database, live_within_s=60, clock=lambda: NOW)


def test_alive_while_the_loop_completed_an_iteration_within_the_limit() -> None:
    ok, body = _health(LoopState(NOW - 5, joined=True)).live()
    assert ok
    assert body == {"status": "ok", "checks": {"loop": {"ok": True, "seconds_since": 5.0}}}


@pytest.mark.parametrize(
    ("iterated_at", "detail"),
    [
        (NOW - 61, "no loop iteration completed in 60 s"),
        (0.0, "the processing loop has not started"),
    ],
)
def test_not_alive_when_the_loop_is_stuck_or_never_ran(iterated_at: float, detail: str) -> None:
    ok, body = _health(LoopState(iterated_at, joined=True)).live()
    assert not ok
    assert body["status"] == "unavailable"
    assert body["checks"]["loop"]["detail"] == detail


def test_ready_when_joined_the_database_answers_and_publishing_flows() -> None:
    ok, body = _health(LoopState(NOW - 1, joined=True)).ready()
    assert ok
    assert body["checks"] == {
        "consumer_group": {"ok": True},
        "database": {"ok": True},
        "publishing": {"ok": True},
    }


@pytest.mark.parametrize(
    ("state", "database", "failed"),
    [
        (LoopState(NOW - 1, joined=False), None, {"consumer_group"}),
        (LoopState(NOW - 1, joined=True), "no answer (OperationalError)", {"database"}),
        (LoopState(NOW - 1, joined=True, publishing_blocked=True), None, {"publishing"}),
        # A stuck loop's last word on the group no longer counts.
        (LoopState(NOW - 120, joined=True), None, {"consumer_group"}),
        (
            LoopState(0.0, joined=False),
            "no answer (OperationalError)",
            {"consumer_group", "database"},
        ),
    ],
)
def test_not_ready_names_each_failed_check(
    state: LoopState, database: str | None, failed: set[str]
) -> None:
    ok, body = _health(state, database).ready()
    assert not ok
    assert {name for name, check in body["checks"].items() if not check["ok"]} == failed
    assert all("detail" in body["checks"][name] for name in failed)


def test_the_database_check_says_why_without_the_url_and_asks_again_only_after_a_while(
    tmp_path: Path,
) -> None:
    clock = [0.0]
    dead = make_engine("postgresql+psycopg://ipasn:secret@127.0.0.1:1/none?connect_timeout=2")
    alive = make_engine(f"sqlite:///{tmp_path}/x.db")
    engine = [dead]
    check = AnswerCheck(lambda: ping(engine[0]), clock=lambda: clock[0])
    assert check() == "no answer (OperationalError)"

    engine[0] = alive
    assert check() == "no answer (OperationalError)"  # the answer stands a few seconds
    clock[0] += 10
    assert check() is None


def _get(port: int, path: str, method: str = "GET") -> tuple[int, str, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read().decode()


def test_the_port_serves_metrics_health_and_readiness_and_404_elsewhere() -> None:
    registry = CollectorRegistry()
    metrics = WorkerMetrics(registry)
    metrics.started("bkn-8-2019")
    state = [LoopState(NOW - 1, joined=True)]
    health = Health(lambda: state[0], lambda: None, clock=lambda: NOW)
    registry.register(ReadyCollector(health))

    with serving(registry, health, free_port()) as port:
        status, kind, text = _get(port, "/metrics")
        assert status == 200
        assert kind.startswith("text/plain")
        families = {f.name: f for f in text_string_to_metric_families(text)}
        assert families["ipasn_ready"].samples[0].value == 1
        info = families["ipasn_build_info"].samples[0].labels
        assert info["rule_version"] == "bkn-8-2019"
        assert info["version"]

        for path in ("/healthz", "/readyz"):
            status, kind, text = _get(port, path)
            assert (status, kind, json.loads(text)["status"]) == (200, "application/json", "ok")

        state[0] = LoopState(NOW - 1, joined=False)
        status, _, text = _get(port, "/readyz")
        assert status == 503
        assert json.loads(text)["checks"]["consumer_group"]["ok"] is False
        assert _get(port, "/healthz")[0] == 200
        _, _, text = _get(port, "/metrics")
        assert "ipasn_ready 0.0" in text

        for path in ("/", "/health", "/metrics/x", "/readyz/"):
            status, kind, text = _get(port, path)
            assert (status, kind, json.loads(text)) == (
                404,
                "application/json",
                {"error": "not found"},
            )
        assert _get(port, "/healthz", "POST")[0] == 405


def test_the_lag_of_partitions_given_up_leaves_the_page() -> None:
    metrics = WorkerMetrics(CollectorRegistry())
    metrics.set_lag({("changes", 0): 5, ("changes", 1): 7})
    metrics.set_lag({("changes", 1): 2})

    samples = {
        (s.labels["topic"], s.labels["partition"]): s.value
        for family in metrics.consumer_lag.collect()
        for s in family.samples
    }
    assert samples == {("changes", "1"): 2}


def test_rebalances_count_each_new_assignment_once() -> None:
    metrics = WorkerMetrics(CollectorRegistry())
    for seen in (0, 1, 1, 1, 3):
        metrics.iterated(joined=True, rebalances=seen)
    assert metrics.registry.get_sample_value("ipasn_rebalances_total") == 3


def test_band_counts_keep_the_largest_agencies_and_sum_the_rest_as_other() -> None:
    counts = {
        ("A", "Tinggi"): 10,
        ("A", "Sedang"): 5,
        ("B", "Tinggi"): 12,
        ("C", "Rendah"): 3,
        ("D", "Tinggi"): 1,
        ("D", "Rendah"): 1,
    }
    assert capped(counts, 2) == {
        ("A", "Tinggi"): 10,
        ("A", "Sedang"): 5,
        ("B", "Tinggi"): 12,
        (OTHER, "Rendah"): 4,
        (OTHER, "Tinggi"): 1,
    }
    assert capped(counts, 10) == counts
    assert sum(capped(counts, 0).values()) == sum(counts.values())


def test_the_band_census_counts_current_indexes_of_the_year_and_rules(tmp_path: Path) -> None:
    from sqlalchemy import insert

    from worker.db.tables import indexes
    from worker.db.views.bands import band_counts
    from worker.observability.bands import BandCensus

    engine = make_engine(f"sqlite:///{tmp_path}/x.db")
    migrate(engine)
    rows: list[dict[str, Any]] = []
    for n, (agency, band, year, score) in enumerate(
        [
            ("3201", "Tinggi", 2025, 85),
            ("3201", "Tinggi", 2025, 84),
            ("7317", "Rendah", 2025, 55),
            (None, "Sedang", 2025, 70),
            ("7317", None, 2025, None),  # withdrawn
            ("3201", "Tinggi", 2024, 85),  # another year
        ]
    ):
        rows.append(
            {
                "nip": f"{198703142010121000 + n}",
                "measurement_year": year,
                "rule_version": "bkn-8-2019",
                "revision": 1,
                "score": score,
                "band": band,
                "agency_code": agency,
                "computed_at": datetime(2025, 6, 1, tzinfo=UTC),
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(indexes), rows)

    census = BandCensus(lambda: band_counts(engine, 2025, "bkn-8-2019"), every_s=0)
    assert census.count() == {
        ("3201", "Tinggi"): 2,
        ("7317", "Rendah"): 1,
        ("unknown", "Sedang"): 1,
    }
    registry = CollectorRegistry()
    registry.register(census)
    assert (
        registry.get_sample_value("ipasn_band_employees", {"agency": "3201", "band": "Tinggi"}) == 2
    )
