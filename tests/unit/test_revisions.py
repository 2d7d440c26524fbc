"""The revisions the service writes and the events it publishes, pinned byte for byte.

One employee's index is computed, changed, left alone when only the agency changes, withdrawn
and computed again; another employee never gets one. The payloads are the exact bytes the relay
publishes on ``asn.ipasn.recalculated`` (contracts §4), so any change to them shows here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from schemas.recalculated import CausedBy, recalculated_event, recalculated_payload, recalculation
from tests.factories import (
    BKN_8_2019,
    NIP,
    OTHER_NIP,
    education_values,
    performance_values,
    position_values,
    profile_values,
    statement,
    training_values,
)
from tests.fakes import FakeStore
from worker.domain.model import Dimensions, IndexResult, IndexRevision, Statement
from worker.pipeline.ports import Origin
from worker.pipeline.service import IndexService

HERE = Origin("changes", 0, 0)


def at(day: int) -> datetime:
    return datetime(2025, 6, day, 8, 0, tzinfo=UTC)


def _batch(day: int, *statements: Statement) -> tuple[datetime, list[tuple[Statement, Origin]]]:
    return at(day), [(s, HERE) for s in statements]


def batches() -> list[tuple[datetime, list[tuple[Statement, Origin]]]]:
    """(now, statements) per batch: each batch's revisions are computed at its `now`."""
    return [
        _batch(
            1,
            statement("profile", profile_values("3201"), event_id="p-1", time=at(1)),
            statement("position", position_values(), event_id="pos-1", time=at(1)),
            statement(
                "education", education_values("S2", date(2020, 8, 1)), event_id="e-1", time=at(1)
            ),
            statement(
                "training",
                training_values("technical", date(2025, 3, 1), 20),
                event_id="t-1",
                time=at(1),
            ),
            statement("profile", profile_values("7317"), nip=OTHER_NIP, event_id="o-1"),
        ),
        _batch(
            2,
            statement("performance", performance_values(2024, "BAIK"), event_id="k-1", time=at(2)),
        ),
        # Only the agency changes: the score, band and dimensions do not, so nothing is published.
        _batch(3, statement("profile", profile_values("7317"), event_id="p-2", time=at(3))),
        _batch(4, statement("position", None, event_id="pos-2", time=at(4))),
        _batch(
            5,
            statement("position", position_values("fungsional"), event_id="pos-3", time=at(5)),
        ),
    ]


# What the relay publishes, one event per revision: 1 computed, 2 changed, 3 withdrawn, 4
# computed again (previous null: there was no index before it).
PAYLOADS = [
    (
        '{"specversion":"1.0","id":"198703142010121001:2025:bkn-8-2019:1",'
        '"source":"ipasn-worker","type":"asn.ipasn.recalculated",'
        '"subject":"198703142010121001","time":"2025-06-01T08:00:00Z",'
        '"datacontenttype":"application/json","data":{"nip":"198703142010121001",'
        '"measurement_year":2025,"rule_version":"bkn-8-2019","revision":1,"score":47.5,'
        '"band":"Sangat Rendah","dimensions":{"qualification":20,"competency":22.5,'
        '"performance":0,"discipline":5},"previous_score":null,"previous_band":null,'
        '"agency_code":"3201","caused_by":[{"source":"siasn","id":"p-1"},{"source":"siasn",'
        '"id":"pos-1"},{"source":"siasn","id":"e-1"},{"source":"siasn","id":"t-1"}]}}'
    ),
    (
        '{"specversion":"1.0","id":"198703142010121001:2025:bkn-8-2019:2",'
        '"source":"ipasn-worker","type":"asn.ipasn.recalculated",'
        '"subject":"198703142010121001","time":"2025-06-02T08:00:00Z",'
        '"datacontenttype":"application/json","data":{"nip":"198703142010121001",'
        '"measurement_year":2025,"rule_version":"bkn-8-2019","revision":2,"score":72.5,'
        '"band":"Sedang","dimensions":{"qualification":20,"competency":22.5,"performance":25,'
        '"discipline":5},"previous_score":47.5,"previous_band":"Sangat Rendah",'
        '"agency_code":"3201","caused_by":[{"source":"siasn","id":"k-1"}]}}'
    ),
    (
        '{"specversion":"1.0","id":"198703142010121001:2025:bkn-8-2019:3",'
        '"source":"ipasn-worker","type":"asn.ipasn.recalculated",'
        '"subject":"198703142010121001","time":"2025-06-04T08:00:00Z",'
        '"datacontenttype":"application/json","data":{"nip":"198703142010121001",'
        '"measurement_year":2025,"rule_version":"bkn-8-2019","revision":3,"score":null,'
        '"band":null,"dimensions":null,"previous_score":72.5,"previous_band":"Sedang",'
        '"agency_code":"7317","caused_by":[{"source":"siasn","id":"pos-2"}]}}'
    ),
    (
        '{"specversion":"1.0","id":"198703142010121001:2025:bkn-8-2019:4",'
        '"source":"ipasn-worker","type":"asn.ipasn.recalculated",'
        '"subject":"198703142010121001","time":"2025-06-05T08:00:00Z",'
        '"datacontenttype":"application/json","data":{"nip":"198703142010121001",'
        '"measurement_year":2025,"rule_version":"bkn-8-2019","revision":4,"score":65,'
        '"band":"Rendah","dimensions":{"qualification":20,"competency":15,"performance":25,'
        '"discipline":5},"previous_score":null,"previous_band":null,"agency_code":"7317",'
        '"caused_by":[{"source":"siasn","id":"pos-3"}]}}'
    ),
]


def test_each_change_of_the_index_publishes_exactly_these_bytes() -> None:
    store = FakeStore([])
    service = IndexService(store, BKN_8_2019, 2025, "recalculated")
    for now, incoming in batches():
        service.apply(incoming, now)

    rows = [r for r in store.state.outbox if r.topic == "recalculated"]  # not the snapshots
    assert {r.key for r in rows} == {NIP}
    assert [r.payload for r in rows] == PAYLOADS


@pytest.mark.parametrize("revision", [1, 2, 3])
def test_the_recalculated_json_is_what_its_schema_model_serializes(revision: int) -> None:
    dims = Dimensions(Decimal(15), Decimal("22.5"), Decimal(25), Decimal(0))
    now = datetime(2025, 6, 5, 8, 0, 0, 123456, tzinfo=UTC)
    index = IndexResult(NIP, 2025, "bkn-8-2019", Decimal("62.5"), "Rendah", dims, "3201")
    withdrawn = IndexResult(NIP, 2025, "bkn-8-2019", None, None, None, "3201")
    before = IndexResult(NIP, 2025, "bkn-8-2019", Decimal("73.00"), "Sedang", dims, None)
    current = IndexRevision(withdrawn if revision == 3 else index, revision, now)
    previous = None if revision == 1 else before
    causes = [("siasn", "ev-1"), ("simpeg:3201", "ev 2")]

    event_id, payload = recalculated_payload(current, previous, causes, now)

    models = [CausedBy(source=s, id=i) for s, i in causes]
    model = recalculated_event(recalculation(current, previous, models), now)
    assert (event_id, payload) == (model.id, model.model_dump_json())
