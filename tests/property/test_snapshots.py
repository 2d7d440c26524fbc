"""Reconciled snapshots and open conflicts through the service, whatever the arrival order
(contracts §2, §6): the last snapshot of each employee says what resolving every statement
says; the open conflicts are the resolution's; a repeat publishes nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.reconciled import PersonnelReconciled
from tests.factories import BKN_8_2019, YEAR
from tests.fakes import FakeStore
from tests.property.test_convergence import NIPS, streams
from worker.domain.model import Statement
from worker.domain.reconcile import resolve
from worker.pipeline.ports import Origin
from worker.pipeline.service import IndexService

NOW = datetime(2026, 1, 5, tzinfo=UTC)
TOPIC = "reconciled"


def _apply(stream: list[Statement], cuts: list[int]) -> tuple[FakeStore, IndexService]:
    store = FakeStore([])
    service = IndexService(store, BKN_8_2019, YEAR, "recalculated", reconciled_topic=TOPIC)
    for n, (start, end) in enumerate(zip([0, *cuts], [*cuts, len(stream)], strict=True)):
        batch = [(s, Origin("changes", 0, start + i)) for i, s in enumerate(stream[start:end])]
        service.apply(batch, NOW.replace(second=n % 60))
    return store, service


def _snapshots(store: FakeStore) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for row in store.state.outbox:
        if row.topic == TOPIC:
            PersonnelReconciled.model_validate_json(row.payload)  # the schema holds
            found.setdefault(row.key, []).append(json.loads(row.payload)["data"])
    return found


def _said(data: dict[str, Any]) -> dict[str, Any]:
    """What makes a snapshot a new version: its records' values and sources (contracts §6: a
    newer statement from the same source repeating the same values publishes nothing, so the
    event ids, times and open conflicts of the last version may be older than the state's)."""
    said: dict[str, Any] = {"agency_code": data["agency_code"]}
    for kind, found in data["records"].items():
        rows = found if isinstance(found, list) else [found] if found else []
        said[kind] = [(r["record_id"], r["values"], r["source"]) for r in rows]
    return said


def _nothing(data: dict[str, Any]) -> bool:
    return not any(v for k, v in _said(data).items() if k != "agency_code")


@settings(max_examples=150, deadline=None)
@given(stream=streams(), data=st.data())
def test_the_last_snapshot_and_the_open_conflicts_do_not_depend_on_order_or_batches(
    stream: list[Statement], data: st.DataObject
) -> None:
    redelivered = data.draw(st.lists(st.sampled_from(stream), max_size=8)) if stream else []
    arrivals = data.draw(st.permutations(stream + redelivered))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(arrivals)), max_size=5)))
    store, _ = _apply(arrivals, cuts)
    reference, _ = _apply(stream, [])
    published, expected = _snapshots(store), _snapshots(reference)

    for nip in NIPS:
        resolution = resolve(nip, [s for s in stream if s.nip == nip], BKN_8_2019)
        mine, theirs = published.get(nip, []), expected.get(nip, [])
        assert [d["version"] for d in mine] == list(range(1, len(mine) + 1))
        if theirs:
            assert _said(mine[-1]) == _said(theirs[-1])
        else:  # nothing to say in the end: never said anything, or said so last
            assert not mine or _nothing(mine[-1])
        open_now = {
            key for key, c in store.state.conflicts.items()
            if c.nip == nip and key not in store.state.closed
        }  # fmt: skip
        assert open_now == {(nip, *c.key) for c in resolution.conflicts}


@settings(max_examples=100, deadline=None)
@given(stream=streams())
def test_each_snapshot_follows_a_real_change_and_a_repeat_publishes_nothing(
    stream: list[Statement],
) -> None:
    store, service = _apply(stream, list(range(1, len(stream))))  # one statement a batch
    before = len(store.state.outbox)
    again = [
        (
            replace(s, event_id=f"again-{i}"),
            Origin("changes", 1, i),
        )
        for i, s in enumerate(stream)
    ]
    service.apply(again, NOW)  # every statement again, under new ids: nothing new is said

    assert len(store.state.outbox) == before
    for snapshots in _snapshots(store).values():
        said = [_said(d) for d in snapshots]
        assert all(a != b for a, b in pairwise(said))  # each version says something new
