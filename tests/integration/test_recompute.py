"""`ipasn-worker recompute` (contracts §9) on SQLite and PostgreSQL.

The demo sample is stored by the worker's own service under bkn-8-2019, then recomputed from
the statements stored: under the example rule change (a rule version computed the first time),
and under a corrected bkn-8-2019 (the example's tables under the version already stored), in
chunks small enough to page many times. Each employee is scored here from their statements too,
and exactly the indexes that differ must get a revision and an event; the agencies' figures must
equal a full recount; a second run and a dry run write nothing.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update

from consumers.changes import decode
from consumers.reader import read_topic
from producers.outbox import OutboxRelay
from schemas.rules import load_rules
from tests.conftest import Topics
from tests.factories import BKN_8_2019
from tests.fakes import FakePublisher
from tests.integration.test_agency_aggregates import _kept, _recounted
from tests.integration.test_cli import cli, service_env
from worker.commands.recompute.pages import recompute_all
from worker.commands.recompute.report import Report
from worker.db.engine import make_engine, migrate
from worker.db.store import SqlStore, statement_of
from worker.db.tables import (
    agency_aggregates,
    conflicts,
    employees,
    indexes,
    outbox,
    reconciled,
    records,
    revisions,
    statements,
)
from worker.db.views.employees import count_nips, nip_pages
from worker.dev.brokers import LocalBroker
from worker.dev.demo.sample import sample_events
from worker.domain.index import score
from worker.domain.model import IndexResult, Statement
from worker.domain.reconcile import resolve
from worker.domain.rules import RuleSet
from worker.pipeline.cache import EmployeeCache
from worker.pipeline.ports import Origin
from worker.pipeline.service import IndexService

NOW = datetime(2026, 1, 5, tzinfo=UTC)
EXAMPLE_FILE = str(files("worker").joinpath("rules/example-2026.toml"))
EXAMPLE = load_rules(EXAMPLE_FILE)
CORRECTED = replace(EXAMPLE, version="bkn-8-2019")  # new tables, the version already stored
OUTPUT, AGENCIES = "recalculated", "agencies"
EMPLOYEES = 80
CHUNK = 7


def _seeded(url: str) -> Engine:
    """The demo sample stored by the worker's service, in arrival order, a batch at a time."""
    engine = make_engine(url)
    migrate(engine)
    service = IndexService(
        SqlStore(engine), BKN_8_2019, 2025, OUTPUT, EmployeeCache(50), agency_topic=AGENCIES
    )
    stream = []
    for offset, m in enumerate(sample_events(EMPLOYEES)):
        decoded = decode(m.key, m.value, BKN_8_2019)
        if isinstance(decoded, Statement):
            stream.append((decoded, Origin("changes", 0, offset)))
    for start in range(0, len(stream), 300):
        service.apply(stream[start : start + 300], NOW)
    with engine.begin() as conn:  # as the worker's relay would have: published
        conn.execute(update(outbox).values(sent_at=NOW))
    return engine


def _scored_here(engine: Engine, rules: RuleSet) -> dict[str, IndexResult]:
    """Every employee's index under `rules`, from their statements, computed by the test."""
    every: dict[str, list[Statement]] = {}
    with engine.connect() as conn:
        for row in conn.execute(select(statements)):
            every.setdefault(row.nip, []).append(statement_of(row))
    return {nip: score(resolve(nip, said, rules), 2025, rules) for nip, said in every.items()}


def _current(engine: Engine, rule_version: str) -> dict[str, tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(select(indexes).where(indexes.c.rule_version == rule_version))
        return {
            r.nip: (r.revision, r.score, r.band, r.qualification, r.competency, r.performance,
                    r.discipline, r.agency_code)
            for r in rows
        }  # fmt: skip


def _as_row(i: IndexResult) -> tuple[Any, ...]:
    dims = i.dimensions
    points = (None,) * 4 if dims is None else tuple(dims.as_dict().values())
    return (i.score, i.band, *points, i.agency_code)


def _differs(before: tuple[Any, ...] | None, after: IndexResult) -> bool:
    """The contract's test, written again here: a changed score, band or dimension, or an
    index that appears or goes; an agency alone is no change."""
    if before is None or before[1] is None:
        return after.has_index
    return before[1:7] != _as_row(after)[:6]


def _recompute(
    engine: Engine, rules: RuleSet, *, dry_run: bool = False, agency: str | None = None
) -> tuple[Report, FakePublisher]:
    store, publisher = SqlStore(engine), FakePublisher([])
    service = IndexService(store, rules, 2025, OUTPUT, agency_topic=AGENCIES)
    relay = None if dry_run else OutboxRelay(store, publisher)
    report = Report(2025, rules.version, dry_run, agency)
    recompute_all(service, engine, relay, report, CHUNK, lambda _: None)
    return report, publisher


def _published(publisher: FakePublisher, topic: str) -> list[dict[str, Any]]:
    return [json.loads(v or b"") for t, _, v in publisher.published if t == topic]


def _tables(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (indexes, revisions, outbox, agency_aggregates, employees)
        }


def test_a_new_rule_version_gives_each_employee_with_an_index_revision_1(
    database_url: str,
) -> None:
    engine = _seeded(database_url)
    expected = {nip: i for nip, i in _scored_here(engine, EXAMPLE).items() if i.has_index}
    stored = _current(engine, "bkn-8-2019")

    report, publisher = _recompute(engine, EXAMPLE)

    current = _current(engine, "example-2026")
    assert {nip: row[1:] for nip, row in current.items()} == {
        nip: _as_row(i) for nip, i in expected.items()
    }
    assert {row[0] for row in current.values()} == {1}
    events = _published(publisher, OUTPUT)
    assert sorted(e["subject"] for e in events) == sorted(expected)
    assert {e["id"].split(":", 1)[1] for e in events} == {"2025:example-2026:1"}
    assert all(e["data"]["caused_by"] == [] for e in events)
    assert (report.employees, report.new, report.changed) == (EMPLOYEES, len(expected), 0)
    assert _current(engine, "bkn-8-2019") == stored  # the rules in use are left alone
    assert _kept(engine) == _recounted(engine)
    figures = {e["subject"]: e["data"] for e in _published(publisher, AGENCIES)}
    assert {a for a, _, r in _recounted(engine) if r == "example-2026"} == set(figures)
    engine.dispose()


def test_changed_tables_under_the_stored_version_revise_exactly_the_indexes_that_differ(
    database_url: str,
) -> None:
    engine = _seeded(database_url)
    before = _current(engine, "bkn-8-2019")
    scored = _scored_here(engine, CORRECTED)
    differ = {nip for nip, i in scored.items() if _differs(before.get(nip), i)}
    assert 0 < len(differ) < len([i for i in scored.values() if i.has_index])

    report, publisher = _recompute(engine, CORRECTED)

    after = _current(engine, "bkn-8-2019")
    for nip, i in scored.items():
        was = before.get(nip)
        if nip in differ:
            assert after[nip] == ((was[0] if was else 0) + 1, *_as_row(i)), nip
        else:
            assert after.get(nip) == was, nip
    events = _published(publisher, OUTPUT)
    assert sorted(e["subject"] for e in events) == sorted(differ)
    for e in events:
        was = before.get(e["subject"])
        assert e["data"]["previous_band"] == (was[2] if was else None)
    assert report.indexes_changed == len(differ)
    assert sum(s.changed for s in report.shifts.values()) == len(differ)
    assert _kept(engine) == _recounted(engine)
    engine.dispose()


def test_the_pages_are_every_employee_with_a_statement_in_nip_order(database_url: str) -> None:
    # Walked through `employees`, which the worker fills as it stores statements, on both
    # databases (migration 0010 filled in those stored before it did).
    engine = _seeded(database_url)
    with engine.connect() as conn:
        stated = sorted(conn.execute(select(statements.c.nip).distinct()).scalars())

    pages = list(nip_pages(engine, None, CHUNK))

    assert [nip for page in pages for nip in page] == stated
    assert {len(page) for page in pages[:-1]} == {CHUNK}
    assert count_nips(engine, None) == len(stated) == EMPLOYEES
    engine.dispose()


def test_a_second_run_writes_and_publishes_nothing(database_url: str) -> None:
    engine = _seeded(database_url)
    _recompute(engine, EXAMPLE)
    _recompute(engine, CORRECTED)
    tables, kept = _tables(engine), _kept(engine)

    again, publisher = _recompute(engine, EXAMPLE)
    corrected_again, corrected_publisher = _recompute(engine, CORRECTED)

    assert (again.indexes_changed, corrected_again.indexes_changed) == (0, 0)
    assert publisher.published == corrected_publisher.published == []
    assert again.employees == EMPLOYEES
    assert (_tables(engine), _kept(engine)) == (tables, kept)
    engine.dispose()


def test_nothing_is_kept_of_an_employee_before_a_statement_about_them(database_url: str) -> None:
    """What lets a batch read nothing back for an employee seen for the first time
    (IndexService.apply): no record, index, revision, snapshot version, conflict, lock row or
    outbox row keyed by a NIP without a statement about them, after the stream and recomputes
    under a new rule version and under changed tables."""
    engine = _seeded(database_url)
    _recompute(engine, EXAMPLE)
    _recompute(engine, CORRECTED)

    with engine.connect() as conn:
        stated = set(conn.execute(select(statements.c.nip).distinct()).scalars())
        kept = {
            t.name: set(conn.execute(select(t.c.nip).distinct()).scalars())
            for t in (records, indexes, revisions, reconciled, conflicts, employees)
        }
        keyed = select(outbox.c.key).where(outbox.c.topic != AGENCIES).distinct()
        kept["outbox"] = set(conn.execute(keyed).scalars())
    assert len(stated) == EMPLOYEES
    assert {name: nips - stated for name, nips in kept.items()} == {name: set() for name in kept}
    # Every table had rows to check; SQLite locks no employee rows (it has one writer).
    assert {name for name, nips in kept.items() if nips} >= set(kept) - {"employees"}
    engine.dispose()


def test_agency_limits_it_to_the_employees_whose_reconciled_profile_is_of_that_agency(
    database_url: str,
) -> None:
    engine = _seeded(database_url)
    with engine.connect() as conn:
        profiles = conn.execute(select(records).where(records.c.kind == "profile")).all()
    of_agency = Counter(r.values["agency_code"] for r in profiles)
    agency = of_agency.most_common(1)[0][0]
    theirs = {r.nip for r in profiles if r.values["agency_code"] == agency}
    assert 0 < len(theirs) < EMPLOYEES

    report, _ = _recompute(engine, EXAMPLE, agency=agency)

    scored = _scored_here(engine, EXAMPLE)
    assert report.employees == len(theirs)
    assert set(_current(engine, "example-2026")) == {n for n in theirs if scored[n].has_index}
    assert _kept(engine) == _recounted(engine)
    engine.dispose()


def test_a_dry_run_writes_nothing_and_prints_what_would_change(database_url: str) -> None:
    engine = _seeded(database_url)
    in_use, scored = _scored_here(engine, BKN_8_2019), _scored_here(engine, EXAMPLE)
    expected = [i for i in scored.values() if i.has_index]
    tables, kept = _tables(engine), _kept(engine)
    env = {"IPASN_DATABASE_URL": database_url, "COLUMNS": "150"}
    args = ["recompute", "--year", "2025", "--rules", EXAMPLE_FILE, "--dry-run", "--chunk", "9"]

    shown = cli(*args, env=env)
    as_json = cli(*args, "--json", env=env)

    assert shown.returncode == 0, shown.stderr
    assert "Band transitions" in shown.stdout
    assert "no index" in shown.stdout
    assert "Agencies most affected" in shown.stdout
    assert (
        f"revisions that would be written under example-2026: {len(expected)} ({len(expected)} new"
    ) in shown.stdout
    assert "nothing written or published (dry run)" in shown.stderr.splitlines()[-1]
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert (data["employees"], data["indexes"]["new"]) == (EMPLOYEES, len(expected))
    # "From" is the index under the rules in use (bkn-8-2019, stored by the worker).
    moves = Counter((in_use[n].band or "no index", i.band or "no index") for n, i in scored.items())
    assert {(t["from"], t["to"]): t["employees"] for t in data["transitions"]} == moves
    assert any(was != now for was, now in moves)  # the example moves somebody across a band
    assert (_tables(engine), _kept(engine)) == (tables, kept)
    engine.dispose()


@pytest.mark.postgres
def test_it_waits_for_a_worker_transaction_that_holds_one_of_its_employees(
    postgres_url: str,
) -> None:
    engine = _seeded(postgres_url)
    with engine.connect() as conn:
        held = conn.execute(select(func.min(statements.c.nip))).scalar_one()  # the 1st chunk
    done = threading.Event()

    def recompute() -> None:
        _recompute(engine, EXAMPLE)
        done.set()

    with SqlStore(engine).unit(NOW) as unit:  # a worker's batch about that employee, open
        unit.lock_employees([held])
        thread = threading.Thread(target=recompute)
        thread.start()
        assert not done.wait(2.0)  # its chunk waits for the lock
        assert _current(engine, "example-2026") == {}
    thread.join(timeout=60)

    assert done.is_set()
    assert held in _current(engine, "example-2026")
    engine.dispose()


@pytest.mark.kafka
def test_through_the_command_it_publishes_to_the_broker_once(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/recompute.db"
    engine = _seeded(url)
    expected = {nip for nip, i in _scored_here(engine, EXAMPLE).items() if i.has_index}
    engine.dispose()
    agency_topic = f"agencies-{topics.group}"
    broker.create_topics({agency_topic: 1})
    env = {**service_env(broker, topics, url), "IPASN_AGENCY_TOPIC": agency_topic}
    args = ["recompute", "--year", "2025", "--rules", EXAMPLE_FILE, "--json"]

    first = cli(*args, env=env)
    second = cli(*args, env=env)

    assert first.returncode == 0, first.stderr
    events = [json.loads(r.value or b"") for r in read_topic(broker.bootstrap, topics.output)]
    assert sorted(e["subject"] for e in events) == sorted(expected)
    assert {e["data"]["revision"] for e in events} == {1}
    agency_events = read_topic(broker.bootstrap, agency_topic)
    assert agency_events
    assert json.loads(first.stdout)["published"] == {
        topics.output: len(expected), agency_topic: len(agency_events)
    }  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["indexes"] == {"new": 0, "changed": 0, "withdrawn": 0}
    assert "0 events published" in second.stderr.splitlines()[-1]
    assert len(read_topic(broker.bootstrap, topics.output)) == len(events)
    assert len(read_topic(broker.bootstrap, agency_topic)) == len(agency_events)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "the following arguments are required: --year"),
        (["--year", "1900"], "not a measurement year"),
        (["--year", "2025", "--agency", "32 01"], "not an agency code"),
        (["--year", "2025", "--chunk", "0"], "must be 1 to 20000"),
        (["--year", "2025", "--rules", "/nonexistent/rules.toml"], "cannot read rules file"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_2(
    args: list[str], expected: str, tmp_path: Path
) -> None:
    result = cli("recompute", *args, env={"IPASN_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_a_database_without_the_schema_is_one_line_and_exit_1(tmp_path: Path) -> None:
    env = {"IPASN_DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"}

    result = cli("recompute", "--year", "2025", "--dry-run", env=env)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"ipasn-worker: sqlite:///{tmp_path}/empty.db has no ipasn schema yet "
        "(ipasn-worker migrate, or run the worker)"
    ]
