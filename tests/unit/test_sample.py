"""The demo sample (worker.dev.demo.sample): valid where it says so, dead-lettered with the reason
its note names, deterministic, and spread over every band through resolve() and score()."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from consumers.changes import decode
from schemas.dead_letter import Rejection
from schemas.rules import load_rules
from worker.dev.demo.sample import SampleMessage, expected_reason, sample_events, write_jsonl
from worker.domain.index import score
from worker.domain.model import IndexResult, Statement
from worker.domain.reconcile import resolve
from worker.domain.rules import RuleSet

YEAR = 2025
BANDS = {"Sangat Tinggi", "Tinggi", "Sedang", "Rendah", "Sangat Rendah"}
Decoded = list[tuple[SampleMessage, Statement | Rejection]]


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


@pytest.fixture(scope="module")
def messages() -> list[SampleMessage]:
    return sample_events()


@pytest.fixture(scope="module")
def decoded(messages: list[SampleMessage], rules: RuleSet) -> Decoded:
    return [(m, decode(m.key, m.value, rules)) for m in messages]


@pytest.fixture(scope="module")
def statements(decoded: Decoded) -> dict[str, list[Statement]]:
    by_nip: dict[str, list[Statement]] = defaultdict(list)
    for _, result in decoded:
        if isinstance(result, Statement):
            by_nip[result.nip].append(result)
    return by_nip


@pytest.fixture(scope="module")
def indexes(statements: dict[str, list[Statement]], rules: RuleSet) -> dict[str, IndexResult]:
    return {
        nip: score(resolve(nip, found, rules), YEAR, rules) for nip, found in statements.items()
    }


def test_every_message_not_marked_malformed_decodes_to_a_statement(decoded: Decoded) -> None:
    wrong = [
        (m.note, r)
        for m, r in decoded
        if expected_reason(m) is None and not isinstance(r, Statement)
    ]
    assert wrong == []


def test_every_malformed_message_is_dead_lettered_with_the_reason_in_its_note(
    decoded: Decoded,
) -> None:
    malformed = [(m, r) for m, r in decoded if expected_reason(m) is not None]
    assert len(malformed) >= 8
    for message, result in malformed:
        assert isinstance(result, Rejection), message.note
        assert result.reason == expected_reason(message), message.note
        assert result.reason in message.note
    reasons = {expected_reason(m) for m, _ in malformed}
    assert reasons == {
        "not_json",
        "invalid_event",
        "unknown_type",
        "bad_nip",
        "key_mismatch",
        "not_authorised",
    }


def test_the_sample_is_deterministic(messages: list[SampleMessage]) -> None:
    assert sample_events() == messages
    assert sample_events(seed=7) != messages
    assert sample_events(40, seed=7) == sample_events(40, seed=7)


# sha256 of sample_events(300): per message its key, value and note joined by NUL bytes, then a
# newline. Editing the generator or worker/dev/demo/data/ so that the stream changes must change
# this digest on purpose.
SAMPLE_300_SHA256 = "b6c60169853d5aabf8b5cb4f366aa54419245c5879367bda314059ba9680de28"


def test_the_default_sample_stays_the_same_byte_for_byte(messages: list[SampleMessage]) -> None:
    digest = hashlib.sha256()
    for m in messages:
        digest.update(b"\0".join((m.key or b"", m.value, m.note.encode())) + b"\n")
    assert digest.hexdigest() == SAMPLE_300_SHA256


def test_it_has_count_employees_with_unique_valid_nips(
    statements: dict[str, list[Statement]],
    rules: RuleSet,
) -> None:
    assert len(statements) == 300
    small = {
        r.nip
        for m in sample_events(40, seed=3)
        if isinstance(r := decode(m.key, m.value, rules), Statement)
    }
    assert len(small) == 40


def test_every_band_is_reached(indexes: dict[str, IndexResult]) -> None:
    bands = Counter(i.band for i in indexes.values() if i.has_index)
    assert set(bands) == BANDS, bands
    assert any(not i.has_index for i in indexes.values())  # some have no position


def test_the_worked_examples_score_as_the_contract_says(
    indexes: dict[str, IndexResult],
) -> None:
    first, second = indexes["198703142010121001"], indexes["199406302019032002"]
    assert (first.score, first.band) == (Decimal(73), "Sedang")
    assert (second.score, second.band) == (Decimal("62.5"), "Rendah")


# Copied from contracts.md §3 (the worked examples) and the anchors' entries in
# worker/dev/demo/data/anchors.toml: qualification, competency, performance, discipline.
ANCHORS = [
    ("198703142010121001", ("20", "25", "25", "3"), "73", "Sedang"),
    ("199406302019032002", ("5", "22.5", "30", "5"), "62.5", "Rendah"),
    ("197511022001121003", ("20", "40", "30", "5"), "95", "Sangat Tinggi"),
    ("198904172014032001", ("15", "40", "25", "5"), "85", "Tinggi"),
    ("198208082009011002", ("10", "17.5", "5", "2"), "34.5", "Sangat Rendah"),
]


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_anchors_score_as_written_in_any_measurement_year(year: int, rules: RuleSet) -> None:
    about: dict[str, list[Statement]] = defaultdict(list)
    for m in sample_events(len(ANCHORS), measurement_year=year):
        if isinstance(s := decode(m.key, m.value, rules), Statement):
            about[s.nip].append(s)
    assert set(about) == {nip for nip, *_ in ANCHORS}
    for nip, dimensions, total, band in ANCHORS:
        index = score(resolve(nip, about[nip], rules), year, rules)
        assert index.dimensions is not None
        assert tuple(index.dimensions.as_dict().values()) == tuple(map(Decimal, dimensions))
        assert (index.score, index.band) == (Decimal(total), band)


def test_the_index_does_not_depend_on_arrival_order(
    statements: dict[str, list[Statement]],
    indexes: dict[str, IndexResult],
    rules: RuleSet,
) -> None:
    for nip, found in statements.items():
        assert score(resolve(nip, reversed(found), rules), YEAR, rules) == indexes[nip]


def test_ids_are_unique_per_source_except_for_exact_duplicates(
    decoded: Decoded,
) -> None:
    seen: dict[tuple[str, str], bytes] = {}
    duplicates = 0
    for message, result in decoded:
        if not isinstance(result, Statement):
            continue
        held = seen.setdefault((result.source, result.event_id), message.value)
        assert held == message.value
        duplicates += held is not message.value
    assert duplicates >= 5


def test_it_holds_the_awkward_cases(
    decoded: Decoded, indexes: dict[str, IndexResult], rules: RuleSet
) -> None:
    valid = [(m, r) for m, r in decoded if isinstance(r, Statement)]
    stream = [s for _, s in valid]
    early_deletes = sum(
        1
        for n, d in enumerate(stream)
        if d.values is None
        and any(
            u.values is not None
            and (u.source, u.nip, u.key) == (d.source, d.nip, d.key)
            and u.time < d.time
            for u in stream[n + 1 :]
        )
    )
    assert early_deletes >= 2
    upserts = Counter((s.source, s.nip, s.key) for s in stream if s.values is not None)
    corrections = [
        k
        for k, n in upserts.items()
        if n > 1 and len({s.event_id for s in stream if (s.source, s.nip, s.key) == k}) > 1
    ]
    assert len(corrections) >= 5

    by_nip: dict[str, list[Statement]] = defaultdict(list)
    for _, s in valid:
        by_nip[s.nip].append(s)
    conflicts = sum(len(resolve(nip, found, rules).conflicts) for nip, found in by_nip.items())
    assert conflicts >= 20
    out_of_scope = [
        s for _, s in valid if s.source == "simpeg:7317" and indexes[s.nip].agency_code == "3201"
    ]
    assert out_of_scope

    times = [json.loads(m.value)["time"] for m, _ in valid]
    assert any(t.endswith("Z") for t in times)
    assert any(t.endswith("+07:00") for t in times)
    assert any(s.sequence is not None for _, s in valid)
    assert any(s.sequence is None for _, s in valid)


def test_write_jsonl_writes_one_value_per_line(
    messages: list[SampleMessage], tmp_path: Path
) -> None:
    path = tmp_path / "sample.jsonl"
    assert write_jsonl(messages, path) == len(messages)
    assert path.read_bytes().splitlines() == [m.value for m in messages]


def test_in_file_form_the_key_mismatch_becomes_a_harmless_duplicate(
    messages: list[SampleMessage],
    indexes: dict[str, IndexResult],
    rules: RuleSet,
) -> None:
    # `ipasn-worker publish FILE` keys each line by its subject.
    def subject_key(value: bytes) -> bytes | None:
        try:
            event = json.loads(value)
        except ValueError:
            return None
        subject = event.get("subject") if isinstance(event, dict) else None
        return subject.encode() if isinstance(subject, str) else None

    results = [decode(subject_key(m.value), m.value, rules) for m in messages]
    assert sum(isinstance(r, Rejection) for r in results) == len(
        [m for m in messages if expected_reason(m) not in (None, "key_mismatch")]
    )
    by_nip: dict[str, list[Statement]] = defaultdict(list)
    for r in results:
        if isinstance(r, Statement):
            by_nip[r.nip].append(r)
    assert {
        nip: score(resolve(nip, found, rules), YEAR, rules) for nip, found in by_nip.items()
    } == indexes
