"""IndexService.recompute on the in-memory fakes (contracts §9): revisions only where the index
changed, revision 1 under a rule version computed the first time, the agencies' figures, the
employees locked, nothing written by a dry run; and the report built from what it returns."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.resources import files

from schemas.rules import load_rules
from tests.factories import (
    BKN_8_2019,
    NIP,
    OTHER_NIP,
    education_values,
    employee,
    profile_values,
    statement,
    training_values,
)
from tests.fakes import FakeStore
from worker.commands.recompute.report import Report
from worker.domain.comparison import NO_INDEX
from worker.domain.model import Statement
from worker.domain.rules import RuleSet
from worker.pipeline.ports import Origin
from worker.pipeline.service import IndexService

EXAMPLE = load_rules(str(files("worker").joinpath("rules/example-2026.toml")))
NOW = datetime(2026, 1, 5, tzinfo=UTC)
THIRD_NIP = "199001012015011003"


def _stored() -> FakeStore:
    """Three employees stored by the worker under bkn-8-2019: a master's degree and 16 JP of
    technical training (more under the example rules), a high-school graduate (the same), and
    one without a position (no index under any rules)."""
    store = FakeStore([])
    said: list[Statement] = [
        *employee("3201", nip=NIP),
        statement("education", education_values("S2", date(2020, 8, 1)), nip=NIP),
        statement("training", training_values("technical", date(2025, 5, 1), 16), nip=NIP),
        *employee("7317", nip=OTHER_NIP),
        statement("education", education_values("SMA", date(2005, 6, 1)), nip=OTHER_NIP),
        statement("profile", profile_values("3201"), nip=THIRD_NIP),
    ]
    _service(store, BKN_8_2019).apply(
        [(s, Origin("changes", 0, i)) for i, s in enumerate(said)], NOW
    )
    return store


def _service(store: FakeStore, rules: RuleSet) -> IndexService:
    return IndexService(store, rules, 2025, "recalculated", agency_topic="agencies")


def test_a_new_rule_version_gives_revision_1_to_each_employee_with_an_index() -> None:
    store = _stored()

    scored = _service(store, EXAMPLE).recompute([NIP, OTHER_NIP, THIRD_NIP], NOW)

    current = store.state.indexes
    assert {n.current.index.nip: n.current.revision for n in scored.revisions} == {
        NIP: 1, OTHER_NIP: 1
    }  # fmt: skip
    # S2 22.5 (was 20), 16 JP of technical training now 22.5 for a pelaksana (was 0), discipline 5
    assert current[(NIP, 2025, "example-2026")].index.score == Decimal("50")
    assert all(n.previous is None and n.caused_by == [] for n in scored.revisions)
    assert len(scored.indexes) == 3  # every employee computed, the third without an index
    assert scored.agencies == 2
    figures = {
        key[0]: f for key, (f, _) in store.state.agencies.items() if key[2] == "example-2026"
    }
    assert {a: f.employees for a, f in figures.items()} == {"3201": 1, "7317": 1}
    assert set(store.state.locked) == {NIP, OTHER_NIP, THIRD_NIP}


def test_recomputing_twice_writes_nothing_the_second_time() -> None:
    store = _stored()
    _service(store, EXAMPLE).recompute([NIP, OTHER_NIP], NOW)
    outbox = list(store.state.outbox)

    again = _service(store, EXAMPLE).recompute([NIP, OTHER_NIP], NOW)

    assert (again.revisions, again.moves, again.agencies) == ([], [], 0)
    assert store.state.outbox == outbox


def test_the_same_rule_version_with_changed_tables_revises_only_the_indexes_that_changed() -> None:
    store = _stored()
    # bkn-8-2019 "corrected": the example's tables under the version already stored.
    corrected = replace(EXAMPLE, version="bkn-8-2019")
    before = store.state.indexes[(OTHER_NIP, 2025, "bkn-8-2019")]

    scored = _service(store, corrected).recompute([NIP, OTHER_NIP], NOW)

    assert [(n.current.index.nip, n.current.revision) for n in scored.revisions] == [(NIP, 2)]
    assert scored.revisions[0].previous is not None
    assert store.state.indexes[(OTHER_NIP, 2025, "bkn-8-2019")] == before  # SMA: same points


def test_a_dry_run_locks_and_writes_nothing_but_says_what_would_change() -> None:
    store = _stored()
    state = store.state

    scored = _service(store, EXAMPLE).recompute([NIP, OTHER_NIP], NOW, dry_run=True)

    assert len(scored.revisions) == 2
    assert store.state is state  # the fake keeps its state when the unit is not committed
    assert not state.locked
    assert (NIP, 2025, "example-2026") not in state.indexes


def test_the_report_counts_transitions_and_the_agencies_affected() -> None:
    store = _stored()
    report = Report(2025, "example-2026", dry_run=True, agency=None)

    report.add(_service(store, EXAMPLE).recompute([NIP, OTHER_NIP, THIRD_NIP], NOW, dry_run=True))

    assert (report.employees, report.new, report.changed, report.withdrawn) == (3, 2, 0, 0)
    assert report.transitions[(NO_INDEX, NO_INDEX)] == 1
    assert sum(n for (was, _), n in report.transitions.items() if was == NO_INDEX) == 3
    # Compared with its own rule version, computed the first time: no mean before.
    assert [(a, s.changed, s.mean_before) for a, s in report.agencies()] == [
        ("3201", 1, None), ("7317", 1, None)
    ]  # fmt: skip
    data = json.loads(json.dumps(report.as_data()))
    assert data["indexes"] == {"new": 2, "changed": 0, "withdrawn": 0}
    assert "that would be written" in report.summary()


def test_compared_with_the_rules_in_use_the_report_counts_against_their_indexes() -> None:
    store = _stored()
    report = Report(2025, "example-2026", dry_run=True, agency=None, compared_with="bkn-8-2019")
    nips = [NIP, OTHER_NIP, THIRD_NIP]

    report.add(_service(store, EXAMPLE).recompute(nips, NOW, dry_run=True, in_use="bkn-8-2019"))

    assert (report.new, report.changed) == (2, 0)  # the revisions: revision 1 each
    # NIP: S2 20 + discipline 5 = 25 → 22.5 + 22.5 (16 JP now count) + 5 = 50; OTHER_NIP: SMA
    # 5 + 5 = 10 under both; THIRD_NIP: no position, no index under either.
    assert dict(report.outcomes) == {"changed": 1, "unchanged": 1, "none": 1}
    assert dict(report.transitions) == {
        ("Sangat Rendah", "Sangat Rendah"): 2, (NO_INDEX, NO_INDEX): 1
    }  # fmt: skip
    [(agency, shift)] = report.agencies()  # 7317's index does not change: not affected
    assert (agency, shift.employees, shift.mean_before, shift.mean_after) == (
        "3201", 1, Decimal("25.00"), Decimal("50.00")
    )  # fmt: skip
    assert report.as_data()["compared_with"]["rule_version"] == "bkn-8-2019"
    assert "against bkn-8-2019: 1 changed, 1 unchanged, 0 new, 0 withdrawn" in report.summary()


def test_compared_pairs_each_new_index_with_the_one_under_the_rules_in_use() -> None:
    store = _stored()

    scored = _service(store, EXAMPLE).recompute([NIP, OTHER_NIP], NOW, in_use="bkn-8-2019")

    in_use = {nip: store.state.indexes[(nip, 2025, "bkn-8-2019")].index for nip in [NIP, OTHER_NIP]}
    assert [(was, now.nip) for was, now in scored.compared] == [
        (in_use[NIP], NIP), (in_use[OTHER_NIP], OTHER_NIP)
    ]  # fmt: skip
    assert [was for was, _ in scored.indexes] == [None, None]  # the revisions' own: none before


def test_rescoring_the_reconciled_records_gives_what_reconciling_the_statements_gives() -> None:
    # The example rules reconcile as bkn-8-2019 does (the same precedence): the worker's
    # reconciled records can be rescored without reading the statements again.
    assert EXAMPLE.precedence == BKN_8_2019.precedence
    nips = [NIP, OTHER_NIP, THIRD_NIP, "199501012020011004"]  # the last: no statement at all

    again = _service(_stored(), EXAMPLE).recompute(nips, NOW, dry_run=True)
    rescored = _service(_stored(), EXAMPLE).recompute(nips, NOW, dry_run=True, reconciled=True)

    indexes = sorted((now.nip, now) for _, now in again.indexes)
    assert sorted((now.nip, now) for _, now in rescored.indexes if now.nip in dict(indexes)) == (
        indexes
    )
    assert [r.current.index for r in rescored.revisions] == [
        r.current.index for r in again.revisions
    ]
