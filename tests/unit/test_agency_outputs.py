"""Each agency's own outputs (contracts §15, IPASN_AGENCY_OUTPUTS): which outbox rows a batch
writes, on the project's fake store.

Every revision and snapshot is copied, byte for byte, to `<topic>.<agency_code>` under an
outbox id of its own; an employee who moves leaves the old agency one `left_agency` snapshot
with nothing personal, and brings the new one the current snapshot and the latest revision;
with the option off nothing of it is written or read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.reconciled import PersonnelReconciled, Records, Snapshot, left_payload
from tests.factories import (
    BKN_8_2019,
    NIP,
    OTHER_NIP,
    position_values,
    profile_values,
    statement,
    training_values,
)
from tests.fakes import FakeStore, FakeUnit
from worker.domain.model import Statement
from worker.pipeline.ports import Origin, OutboxRow
from worker.pipeline.service import IndexService

HERE = Origin("changes", 0, 0)
OUT, RECONCILED, AGENCY = "recalculated", "reconciled", "agencies"  # AGENCY: figures (§10)


def at(day: int) -> datetime:
    return datetime(2025, 6, day, 8, 0, tzinfo=UTC)


def service(store: FakeStore, *, on: bool = True) -> IndexService:
    return IndexService(store, BKN_8_2019, 2025, OUT, None, RECONCILED, AGENCY, agency_outputs=on)


def apply(svc: IndexService, day: int, *statements: Statement) -> None:
    svc.apply([(s, HERE) for s in statements], at(day))


def hired(agency: str, nip: str = NIP) -> list[Statement]:
    return [
        statement("profile", profile_values(agency), nip=nip, time=at(1)),
        statement("position", position_values(), nip=nip, time=at(1)),
    ]


def moved(agency: str, day: int, nip: str = NIP) -> Statement:
    return statement("profile", profile_values(agency), nip=nip, time=at(day))


def trained(day: int, record_id: str = "T-1") -> Statement:
    values = training_values("technical", date(2025, 3, day), 20)
    return statement("training", values, record_id=record_id, time=at(day))


def rows(store: FakeStore) -> list[tuple[str, str, OutboxRow]]:
    """(outbox id, CloudEvents id, row) of every row but the agencies' figures, in outbox
    order."""
    return [
        (store.state.event_ids[r.id], orjson.loads(r.payload)["id"], r)
        for r in store.state.outbox
        if r.topic != AGENCY
    ]


def on_topic(store: FakeStore, topic: str) -> list[dict[str, Any]]:
    return [orjson.loads(r.payload) for _, _, r in rows(store) if r.topic == topic]


def test_every_revision_and_snapshot_is_copied_to_its_agency_byte_for_byte() -> None:
    store = FakeStore([])
    apply(service(store), 1, *hired("3201"), *hired("7317", OTHER_NIP))

    written = rows(store)
    national = {cloud_id: r for outbox_id, cloud_id, r in written if outbox_id == cloud_id}
    copies = [(o, c, r) for o, c, r in written if o != c]
    assert {r.topic for r in national.values()} == {OUT, RECONCILED}
    # One copy of each national event, on its agency's topic, the same key and bytes.
    assert sorted(c for _, c, _ in copies) == sorted(national)
    for outbox_id, cloud_id, r in copies:
        agency = orjson.loads(r.payload)["data"]["agency_code"]
        assert outbox_id == f"{cloud_id}@{agency}"
        assert r.topic == f"{national[cloud_id].topic}.{agency}"
        assert (r.key, r.payload) == (national[cloud_id].key, national[cloud_id].payload)
    assert {r.topic for _, _, r in copies} == {
        "recalculated.3201",
        "reconciled.3201",
        "recalculated.7317",
        "reconciled.7317",
    }


def test_a_copy_follows_its_national_event_in_the_outbox_order() -> None:
    store = FakeStore([])
    svc = service(store)
    apply(svc, 1, *hired("3201"))
    apply(svc, 2, trained(2))
    apply(svc, 3, trained(3, "T-2"))

    def ids(topic: str) -> list[str]:
        return [e["id"] for e in on_topic(store, topic)]

    assert ids("reconciled.3201") == ids(RECONCILED) == [f"{NIP}:reconciled:{v}" for v in (1, 2, 3)]
    assert ids("recalculated.3201") == ids(OUT)
    assert len(ids(OUT)) >= 2


def test_with_the_option_off_nothing_is_copied_and_nothing_more_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(*args: object) -> None:
        raise AssertionError("read with IPASN_AGENCY_OUTPUTS off")

    monkeypatch.setattr(FakeUnit, "snapshot_agencies", refused)
    monkeypatch.setattr(FakeUnit, "latest_revisions", refused)
    store = FakeStore([])
    svc = service(store, on=False)
    apply(svc, 1, *hired("3201"))
    apply(svc, 2, moved("7317", 2))
    apply(svc, 3, trained(3))

    assert {r.topic for r in store.state.outbox} == {OUT, RECONCILED, AGENCY}
    assert all(outbox_id == cloud_id for outbox_id, cloud_id, _ in rows(store))
    same = FakeStore([])
    reference = IndexService(same, BKN_8_2019, 2025, OUT, None, RECONCILED, AGENCY)
    for day, batch in ((1, hired("3201")), (2, [moved("7317", 2)]), (3, [trained(3)])):
        reference.apply([(s, HERE) for s in batch], at(day))
    assert [r.topic for r in same.state.outbox] == [r.topic for r in store.state.outbox]


def test_a_transfer_leaves_the_old_agency_one_snapshot_and_brings_the_new_one_up_to_date() -> None:
    store = FakeStore([])
    svc = service(store)
    apply(svc, 1, *hired("3201"))
    [latest] = [r for _, _, r in rows(store) if r.topic == OUT]
    before = len(store.state.outbox)

    apply(svc, 2, moved("7317", 2))  # the agency alone: no new revision
    assert [r.topic for r in store.state.outbox[before:] if r.topic == OUT] == []

    left = on_topic(store, "reconciled.3201")[-1]
    assert left["id"] == f"{NIP}:reconciled:2:left"
    assert left["data"] == {
        "nip": NIP,
        "version": 2,
        "agency_code": "7317",
        "records": {
            "profile": None,
            "position": None,
            "education": [],
            "training": [],
            "performance": [],
            "discipline": [],
        },
        "conflicts": [],
        "caused_by": [],
        "left_agency": True,
    }
    assert [e["id"] for e in on_topic(store, "reconciled.7317")] == [f"{NIP}:reconciled:2"]
    assert on_topic(store, "reconciled.7317")[0] == on_topic(store, RECONCILED)[-1]
    # The latest revision as it was on the national topic: the same bytes, rebuilt.
    [brought] = [r for _, _, r in rows(store) if r.topic == "recalculated.7317"]
    assert (brought.key, brought.payload) == (latest.key, latest.payload)
    assert f"{orjson.loads(latest.payload)['id']}@7317" in store.state.event_ids.values()

    apply(svc, 3, trained(3))  # nothing more for the old agency
    assert len(on_topic(store, "reconciled.3201")) == 2
    assert len(on_topic(store, "reconciled.7317")) == 2
    assert on_topic(store, "recalculated.3201") == on_topic(store, OUT)[:1]
    assert on_topic(store, "recalculated.7317") == on_topic(store, OUT)


def test_a_transfer_with_a_new_revision_brings_that_one_alone() -> None:
    store = FakeStore([])
    svc = service(store)
    apply(svc, 1, *hired("3201"))
    apply(svc, 2, moved("7317", 2), trained(2))  # the index changes as the employee moves

    national = on_topic(store, OUT)
    assert len(national) == 2
    assert on_topic(store, "recalculated.7317") == national[1:]
    assert on_topic(store, "recalculated.3201") == national[:1]


def test_an_employee_without_an_agency_gets_no_copy_and_losing_it_tells_the_old_agency() -> None:
    store = FakeStore([])
    svc = service(store)
    apply(svc, 1, statement("position", position_values(), time=at(1)))  # no profile
    assert {r.topic for r in store.state.outbox} <= {OUT, RECONCILED, AGENCY}

    apply(svc, 2, moved("3201", 2))
    apply(svc, 3, statement("profile", None, time=at(3)))  # the profile deleted

    [_, left] = on_topic(store, "reconciled.3201")
    assert (left["id"], left["data"]["agency_code"]) == (f"{NIP}:reconciled:3:left", None)
    assert all(not r.topic.endswith(".None") for r in store.state.outbox)


def test_recompute_copies_its_revisions_to_their_agencies() -> None:
    store = FakeStore([])
    apply(service(store), 1, *hired("3201"), *hired("7317", OTHER_NIP))
    before = len(store.state.outbox)
    next_year = IndexService(store, BKN_8_2019, 2026, OUT, None, agency_outputs=True)

    scored = next_year.recompute([NIP, OTHER_NIP], at(4))

    new = store.state.outbox[before:]
    national = [r for r in new if r.topic == OUT]
    assert len(national) == len(scored.revisions) == 2
    copied = {r.topic: r.payload for r in new if r.topic.startswith(f"{OUT}.")}
    by_agency = {orjson.loads(r.payload)["data"]["agency_code"]: r.payload for r in national}
    assert copied == {f"{OUT}.{a}": p for a, p in by_agency.items()}
    written = [store.state.event_ids[r.id] for r in new if r.topic.startswith(f"{OUT}.")]
    assert sorted(written) == sorted(f"{orjson.loads(p)['id']}@{a}" for a, p in by_agency.items())


def test_the_left_snapshot_json_is_what_its_schema_model_serializes() -> None:
    now = datetime(2025, 6, 5, 8, 0, 0, 123456, tzinfo=UTC)
    event_id, payload = left_payload(NIP, 4, "7317", now)
    empty = Records(
        profile=None, position=None, education=[], training=[], performance=[], discipline=[]
    )
    data = Snapshot(
        nip=NIP,
        version=4,
        agency_code="7317",
        records=empty,
        conflicts=[],
        caused_by=[],
        left_agency=True,
    )
    model = PersonnelReconciled(id=f"{NIP}:reconciled:4:left", subject=NIP, time=now, data=data)
    assert (event_id, payload) == (model.id, model.model_dump_json())


AGENCIES = st.sampled_from(["3201", "7317", "1101"])


@settings(max_examples=40, deadline=None)
@given(moves=st.lists(AGENCIES, min_size=1, max_size=6))
def test_each_agency_sees_the_employee_only_while_there_and_a_left_snapshot_last(
    moves: list[str],
) -> None:
    """However the employee moves: each stay at an agency puts the national snapshots of that
    stay on its topic, in order, ending with one `left` snapshot where the employee moved on;
    and no agency's topic holds a record after the employee left it."""
    store = FakeStore([])
    svc = service(store)
    apply(svc, 1, *hired(moves[0]))
    for day, agency in enumerate(moves[1:], start=2):
        apply(svc, day, moved(agency, day), trained(day, f"T-{day}"))

    national = on_topic(store, RECONCILED)
    expected: dict[str, list[str]] = {}
    for i, event in enumerate(national):
        agency = event["data"]["agency_code"]
        if i and national[i - 1]["data"]["agency_code"] != agency:
            expected[national[i - 1]["data"]["agency_code"]].append(f"{event['id']}:left")
        expected.setdefault(agency, []).append(event["id"])
    for agency, ids in expected.items():
        seen = on_topic(store, f"{RECONCILED}.{agency}")
        assert [e["id"] for e in seen] == ids
        for event in seen:
            if event["data"]["left_agency"]:
                assert event["data"]["records"]["profile"] is None
                assert event["data"]["agency_code"] != agency
