"""End to end over the real broker, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from consumers.reader import read_topic
from tests.conftest import Topics
from tests.integration.helpers import data_by_nip, publish, published, run, settings_for
from tests.integration.stream import (
    EXPECTED_REASONS,
    A,
    B,
    C,
    D,
    causes,
    malformed,
    phase_one,
    phase_two,
)
from worker.dev.brokers import LocalBroker

pytestmark = pytest.mark.kafka


def expected(
    nip: str,
    revision: int,
    score: float | None,
    band: str | None,
    dims: tuple[float, float, float, float] | None,
    previous: tuple[Any, Any],
    agency: str,
    caused_by: list[dict[str, str]],
) -> dict[str, Any]:
    return {
        "nip": nip,
        "measurement_year": 2025,
        "rule_version": "bkn-8-2019",
        "revision": revision,
        "score": score,
        "band": band,
        "dimensions": None
        if dims is None
        else dict(
            zip(("qualification", "competency", "performance", "discipline"), dims, strict=True)
        ),
        "previous_score": previous[0],
        "previous_band": previous[1],
        "agency_code": agency,
        "caused_by": caused_by,
    }


def test_a_multi_source_stream_produces_exactly_the_expected_recalculations(
    broker: LocalBroker, topics: Topics, database_url: str
) -> None:
    first = phase_one()
    publish(broker.bootstrap, topics.input, first)
    settings = settings_for(broker, topics, database_url)

    totals = run(settings)

    events = published(broker, topics.output)
    assert data_by_nip(events) == {
        A: [expected(A, 1, 73, "Sedang", (20, 25, 25, 3), (None, None), "3201", causes(first, A))],
        B: [
            expected(B, 1, 62.5, "Rendah", (5, 22.5, 30, 5), (None, None), "7317", causes(first, B))
        ],
        D: [expected(D, 1, 90, "Tinggi", (20, 40, 25, 5), (None, None), "3201", causes(first, D))],
    }
    for e in events:
        n = e["data"]
        assert e["id"] == f"{n['nip']}:2025:bkn-8-2019:{n['revision']}"
        assert (e["type"], e["source"], e["subject"]) == (
            "asn.ipasn.recalculated",
            "ipasn-worker",
            n["nip"],
        )
    assert totals.duplicates == 2
    assert totals.dead_lettered == len(EXPECTED_REASONS)

    dead = read_topic(broker.bootstrap, topics.dlq)
    # Dead letters keep the original bytes; their order follows the input partitions.
    got = sorted(
        (d.key or b"", d.value or b"", d.headers["ipasn-dlq-reason"].decode()) for d in dead
    )
    assert got == sorted(
        (m.key or b"", m.value, reason)
        for m, reason in zip(malformed(), EXPECTED_REASONS, strict=True)
    )
    for d in dead:
        assert d.headers["ipasn-dlq-topic"].decode() == topics.input
        assert int(d.headers["ipasn-dlq-offset"]) >= 0
        detail = d.headers["ipasn-dlq-detail"].decode()
        assert detail
        assert C not in detail
        assert "Citra" not in detail

    second = phase_two()
    publish(broker.bootstrap, topics.input, second)
    run(settings)

    seen = {e["id"] for e in events}
    new = data_by_nip([e for e in published(broker, topics.output) if e["id"] not in seen])
    assert new == {
        A: [expected(A, 2, None, None, None, (73, "Sedang"), "3201", causes(second, A))],
        C: [
            expected(
                C, 1, 5, "Sangat Rendah", (0, 0, 0, 5), (None, None), "3201", causes(second, C)
            )
        ],
        D: [
            expected(
                D,
                2,
                95,
                "Sangat Tinggi",
                (20, 40, 30, 5),
                (90, "Tinggi"),
                "3201",
                causes(second, D),
            )
        ],
    }


def test_a_second_run_over_the_same_topic_publishes_nothing_new(
    broker: LocalBroker, topics: Topics, database_url: str
) -> None:
    publish(broker.bootstrap, topics.input, phase_one())
    settings = settings_for(broker, topics, database_url)
    run(settings)
    before = len(published(broker, topics.output))
    dead_before = len(read_topic(broker.bootstrap, topics.dlq))

    again = run(settings)  # same group: nothing left to read
    assert again.messages == 0
    # A new group reads the whole topic again: every statement is a known duplicate.
    rerun = run(settings_for(broker, topics, database_url, group=f"{topics.group}-replay"))

    assert rerun.messages == len(phase_one())
    assert rerun.stored == 0
    assert rerun.published == 0
    assert len(published(broker, topics.output)) == before
    # Dead letters are re-sent on replay: at least once, never dropped.
    assert len(read_topic(broker.bootstrap, topics.dlq)) == 2 * dead_before
