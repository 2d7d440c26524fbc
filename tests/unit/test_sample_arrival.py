"""The order the demo sample's messages arrive in, and how each source writes them: exact
duplicates after their originals, each source's clock, ids and sequences."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest

from schemas.rules import load_rules
from tests.unit.sample_told import BOGOR, LUWU, Told, told_in
from worker.dev.demo.sample import sample_events
from worker.domain.model import Statement


@pytest.fixture(scope="module")
def told() -> list[Told]:
    return told_in(sample_events(), load_rules())


def test_an_exact_duplicate_arrives_after_its_original_byte_for_byte(told: list[Told]) -> None:
    firsts = {(t.statement.source, t.statement.event_id): t for t in reversed(told)}
    duplicates = [t for t in told if t.note.startswith("exact duplicate of ")]
    assert len(duplicates) == 300 // 20
    for t in duplicates:
        original = firsts[t.statement.source, t.statement.event_id]
        assert t.note.split()[3] == t.statement.event_id
        assert original.arrived < t.arrived
        assert original.message.value == t.message.value
        assert not original.note.startswith("exact duplicate")


def test_each_source_writes_times_on_its_own_clock(told: list[Told]) -> None:
    zones = {"siasn": r"\.\d{3}Z", "ekinerja": r"\+07:00", BOGOR: r"\+07:00", LUWU: r"\+08:00"}
    seen = set()
    for t in told:
        written = json.loads(t.message.value)["time"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d" + zones[t.statement.source], written)
        seen.add(t.statement.source)
    assert seen == set(zones)


def test_ids_follow_event_time_and_sequences_count_each_employees_events(
    told: list[Told],
) -> None:
    by_source: dict[str, dict[str, Statement]] = defaultdict(dict)
    for t in told:
        by_source[t.statement.source][t.statement.event_id] = t.statement
    for source, by_id in by_source.items():
        in_id_order = [by_id[i] for i in sorted(by_id)]
        assert [s.time for s in in_id_order] == sorted(s.time for s in in_id_order)
        sequenced = source in ("ekinerja", BOGOR)
        counted: dict[str, int] = defaultdict(int)
        for s in in_id_order:
            counted[s.nip] += 1
            assert s.sequence == (counted[s.nip] if sequenced else None)
