"""Steward overrides, agreement, open and closed conflicts, and reconciled snapshots
(contracts §2 rule 4, §6, §7), through the service on in-memory adapters."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.recalculated import CausedBy
from schemas.reconciled import reconciled_event, reconciled_payload, snapshot
from tests.factories import (
    BKN_8_2019,
    NIP,
    T0,
    YEAR,
    education_values,
    employee,
    statement,
)
from tests.fakes import FakeStore
from worker.domain.model import Statement
from worker.domain.reconcile import agree, resolve
from worker.pipeline.ports import Origin
from worker.pipeline.service import IndexService

NOW = datetime(2026, 1, 5, tzinfo=UTC)
EDUCATION = education_values("S1", date(2010, 8, 1))


def _steward(values: dict[str, Any] | None, *, released: bool = False, at: int = 10) -> Statement:
    s = statement(
        "education", values, source="steward", record_id="E-1", time=T0 + timedelta(minutes=at)
    )
    return replace(s, actor="budi", reason="checked the diploma", released=released)


def _education(source: str, institution: str, *, at: int = 0) -> Statement:
    values = {**EDUCATION, "institution": institution}
    return statement(
        "education", values, source=source, record_id="E-1", time=T0 + timedelta(minutes=at)
    )


class Service:
    def __init__(self) -> None:
        self.store = FakeStore([])
        self.service = IndexService(
            self.store, BKN_8_2019, YEAR, "recalculated", reconciled_topic="reconciled"
        )
        self.offset = 0

    def apply(self, *statements: Statement) -> None:
        batch = []
        for s in statements:
            batch.append((s, Origin("changes", 0, self.offset)))
            self.offset += 1
        self.service.apply(batch, NOW)

    def open_conflicts(self) -> list[tuple[str, str]]:
        state = self.store.state
        return [
            (c.winner_source, c.loser_source)
            for key, c in state.conflicts.items()
            if key not in state.closed
        ]

    def closed(self) -> list[str]:
        return list(self.store.state.closed.values())

    def snapshots(self) -> list[dict[str, Any]]:
        rows = [r for r in self.store.state.outbox if r.topic == "reconciled"]
        return [json.loads(r.payload)["data"] for r in rows]

    def education(self) -> dict[str, Any] | None:
        found = self.snapshots()[-1]["records"]["education"]
        return found[0] if found else None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("UNIVERSITAS  TERBUKA", "Universitas Terbuka"),
        (" Universitas Terbuka ", "universitas terbuka"),
        ("Universitas\tTerbuka", "Universitas Terbuka"),
        (
            unicodedata.normalize("NFD", "Institut Teknologi Bandung é"),
            "institut teknologi bandung é",
        ),
    ],
)
def test_free_text_that_differs_only_in_case_spaces_or_unicode_form_agrees(a: str, b: str) -> None:
    assert agree({"institution": a, "level": "S1"}, {"institution": b, "level": "S1"})


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"institution": "Universitas Terbuka"}, {"institution": "Universitas Indonesia"}),
        ({"institution": "UT", "level": "S1"}, {"institution": "UT", "level": "S2"}),
        ({"institution": "UT"}, {"institution": "UT", "level": "S1"}),
        ({"institution": "UT"}, None),
    ],
)
def test_other_differences_disagree(a: dict[str, Any], b: dict[str, Any] | None) -> None:
    assert not agree(a, b)
    assert agree(None, None)


@given(text=st.text(min_size=1, max_size=30), spaces=st.sampled_from([" ", "  ", "\t", " \n "]))
def test_a_text_agrees_with_itself_in_another_case_spacing_and_form(text: str, spaces: str) -> None:
    variant = spaces + spaces.join(unicodedata.normalize("NFD", text.upper()).split()) + spaces
    assert agree({"name": text}, {"name": variant}) == (
        " ".join(unicodedata.normalize("NFC", text.upper()).casefold().split())
        == " ".join(unicodedata.normalize("NFC", text).casefold().split())
    )


def test_a_case_only_difference_between_sources_is_no_conflict() -> None:
    found = resolve(
        NIP,
        [
            *employee(),
            _education("siasn", "Universitas Terbuka"),
            _education("simpeg:3201", "UNIVERSITAS  TERBUKA"),
        ],
        BKN_8_2019,
    )
    assert found.conflicts == ()


def test_a_steward_pin_outranks_every_source_settles_the_conflict_and_a_release_restores_it() -> (
    None
):
    world = Service()
    world.apply(*employee(), _education("siasn", "Kampus A"), _education("simpeg:3201", "Kampus B"))
    assert world.open_conflicts() == [("siasn", "simpeg:3201")]
    first = world.store.state.conflicts.copy()
    assert [c.rule for c in first.values()] == ["precedence for education: siasn over simpeg:*"]

    world.apply(_steward({**EDUCATION, "institution": "Kampus B"}))  # the steward sides with B
    pinned = world.education()
    assert pinned is not None
    assert (pinned["source"], pinned["values"]["institution"]) == ("steward", "Kampus B")
    assert "reason" not in pinned["values"]
    assert world.open_conflicts() == []  # the steward decided: no conflict with the pin
    assert world.closed() == ["steward"]

    world.apply(_steward(None, released=True, at=20))  # the pin ends
    restored = world.education()
    assert restored is not None
    assert (restored["source"], restored["values"]["institution"]) == ("siasn", "Kampus A")
    assert world.open_conflicts() == [("siasn", "simpeg:3201")]  # the same conflict, open again
    assert world.store.state.conflicts == first
    assert [s["version"] for s in world.snapshots()] == [1, 2, 3]


def test_a_steward_delete_pins_the_absence() -> None:
    world = Service()
    world.apply(*employee(), _education("siasn", "Kampus A"))
    world.apply(_steward(None))
    assert world.education() is None
    world.apply(_education("siasn", "Kampus A2", at=30))  # later news from SIASN stays pinned out
    assert world.education() is None


def test_a_conflict_closes_as_agreeing_when_the_loser_says_what_the_record_says() -> None:
    world = Service()
    world.apply(*employee(), _education("siasn", "Kampus A"), _education("simpeg:3201", "Kampus B"))
    world.apply(_education("simpeg:3201", "KAMPUS  A", at=5))
    assert (world.open_conflicts(), world.closed()) == ([], ["agrees"])


def test_a_conflict_closes_as_superseded_when_a_new_statement_disagrees_again() -> None:
    world = Service()
    world.apply(*employee(), _education("siasn", "Kampus A"), _education("simpeg:3201", "Kampus B"))
    world.apply(_education("simpeg:3201", "Kampus C", at=5))
    assert world.closed() == ["superseded"]
    assert world.open_conflicts() == [("siasn", "simpeg:3201")]  # the new disagreement


def test_one_snapshot_version_per_real_change_and_none_for_a_repeat() -> None:
    world = Service()
    world.apply(*employee())
    world.apply(_education("siasn", "Kampus A"))
    world.apply(_education("siasn", "Kampus A", at=1))  # the same source repeats itself
    world.apply(_education("simpeg:3201", "Kampus B", at=2))  # a loser: a conflict, no change
    world.apply(_education("siasn", "Kampus Z", at=3))  # new values
    world.apply(statement("education", None, record_id="E-1", time=T0 + timedelta(minutes=4)))

    versions = [(s["version"], len(s["records"]["education"])) for s in world.snapshots()]
    assert versions == [(1, 0), (2, 1), (3, 1), (4, 0)]
    assert [s["caused_by"][0]["source"] for s in world.snapshots()] == [
        "siasn", "siasn", "siasn", "siasn"
    ]  # fmt: skip


def test_the_snapshot_json_is_what_its_schema_model_serializes() -> None:
    resolution = resolve(
        NIP,
        [*employee(), _education("siasn", "Kampus A"), _education("simpeg:3201", "Kampus B")],
        BKN_8_2019,
    )
    caused = [CausedBy(source="siasn", id="ev-1")]
    event_id, payload = reconciled_payload(resolution, 7, [("siasn", "ev-1")], NOW)

    model = reconciled_event(snapshot(resolution, 7, caused), NOW)
    assert event_id == model.id == f"{NIP}:reconciled:7"
    assert payload == model.model_dump_json()
    data = json.loads(payload)["data"]
    assert data["agency_code"] == "3201"
    assert data["conflicts"][0]["loser"]["source"] == "simpeg:3201"
    assert data["records"]["position"]["record_id"] is None
    assert data["records"]["training"] == []
