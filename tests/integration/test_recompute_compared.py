"""`ipasn-worker recompute` compares a rule change with the rules in use (contracts §9), on
SQLite and PostgreSQL.

Six employees are stored by the worker's own service under bkn-8-2019 (the rules in use: no
IPASN_RULES_FILE), then the example rule change is dry-run against them. Their scores are
worked out by hand below, from the two rules files' tables, so the transition table and the
agencies' figures are checked against numbers nobody computed with the code under test.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from schemas.rules import load_rules
from tests.factories import (
    BKN_8_2019,
    education_values,
    employee,
    performance_values,
    profile_values,
    statement,
    training_values,
)
from tests.integration.test_cli import cli
from tests.integration.test_recompute import EXAMPLE_FILE
from worker.commands.recompute.pages import recompute_all
from worker.commands.recompute.report import Report
from worker.db.engine import make_engine, migrate
from worker.db.store import SqlStore
from worker.db.tables import indexes, outbox, revisions
from worker.domain.model import Statement
from worker.pipeline.ports import Origin
from worker.pipeline.service import IndexService

NOW = datetime(2026, 1, 5, tzinfo=UTC)
EXAMPLE = load_rules(EXAMPLE_FILE)
A, B, C, D, E, F = (f"19900101201501100{i}" for i in range(1, 7))


def _training(nip: str, record_id: str, category: str, hours: int) -> Statement:
    values = {**training_values(category, date(2025, 5, 1), hours), "record_id": record_id}
    return statement("training", values, nip=nip, record_id=record_id)


def _pelaksana(
    nip: str, agency: str, level: str, *, jp: int = 0, seminar: bool, predicate: str
) -> list[Statement]:
    """A pelaksana without punishment (discipline 5) appraised `predicate` for 2024."""
    said = [
        *employee(agency, nip=nip),
        statement("education", education_values(level, date(2010, 8, 1)), nip=nip),
        statement("performance", performance_values(2024, predicate), nip=nip),
    ]
    if jp:
        said.append(_training(nip, "t1", "technical", jp))
    if seminar:
        said.append(_training(nip, "t2", "seminar", 2))
    return said


# Points, bkn-8-2019 → example-2026 (pelaksana: technical 22.5 from 20 JP, from 16 JP under
# the example; seminar 17.5; BAIK 25, SANGAT_BAIK 30; no punishment 5; S1 15 → 17.5, S2 20 →
# 22.5). A band is earned strictly above 90, 80, 70, 60.
STAFF = [
    # A: 15 + 22.5 + 17.5 + 25 + 5 = 85 Tinggi → 87.5 Tinggi (changed, same band)
    *_pelaksana(A, "3201", "S1", jp=20, seminar=True, predicate="BAIK"),
    # B: 20 + 22.5 + 17.5 + 25 + 5 = 90 Tinggi → 92.5 Sangat Tinggi
    *_pelaksana(B, "3201", "S2", jp=20, seminar=True, predicate="BAIK"),
    # C: 5 + 0 + 17.5 + 30 + 5 = 57.5 Sangat Rendah → 16 JP count: 80 Sedang (not above 80)
    *_pelaksana(C, "3201", "SMA", jp=16, seminar=True, predicate="SANGAT_BAIK"),
    # D: 10 + 0 + 17.5 + 25 + 5 = 57.5 Sangat Rendah, unchanged
    *_pelaksana(D, "7317", "D3", seminar=True, predicate="BAIK"),
    # E: 15 + 0 + 0 + 25 + 5 = 45 Sangat Rendah → 17.5 + 22.5 + 25 + 5 = 70 Rendah
    *_pelaksana(E, "7317", "S1", jp=16, seminar=False, predicate="BAIK"),
    # F: a profile, no position: no index under either
    statement("profile", profile_values("7317"), nip=F),
]
TRANSITIONS = [
    {"from": "Sangat Tinggi", "to": "Sangat Tinggi", "employees": 0},  # dropped below
    {"from": "Tinggi", "to": "Sangat Tinggi", "employees": 1},  # B
    {"from": "Tinggi", "to": "Tinggi", "employees": 1},  # A
    {"from": "Sangat Rendah", "to": "Sedang", "employees": 1},  # C
    {"from": "Sangat Rendah", "to": "Rendah", "employees": 1},  # E
    {"from": "Sangat Rendah", "to": "Sangat Rendah", "employees": 1},  # D
    {"from": "no index", "to": "no index", "employees": 1},  # F
]
AGENCIES = [
    {  # D 57.5 → 57.5, E 45 → 70: means 51.25 → 63.75
        "agency_code": "7317",
        "employees": 2,
        "indexes_changed": 1,
        "band_changes": 1,
        "mean_score_before": 51.25,
        "mean_score_after": 63.75,
        "mean_score_change": 12.5,
    },
    {  # (85 + 90 + 57.5) / 3 = 77.50 → (87.5 + 92.5 + 80) / 3 = 86.666… = 86.67
        "agency_code": "3201",
        "employees": 3,
        "indexes_changed": 3,
        "band_changes": 2,
        "mean_score_before": 77.5,
        "mean_score_after": 86.67,
        "mean_score_change": 9.17,
    },
]


def _stored(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    service = IndexService(SqlStore(engine), BKN_8_2019, 2025, "recalculated")
    service.apply([(s, Origin("changes", 0, i)) for i, s in enumerate(STAFF)], NOW)
    return engine


def _rows(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (indexes, revisions, outbox)
        )


def _ordered(transitions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((t for t in transitions if t["employees"]), key=lambda t: (t["from"], t["to"]))


def test_a_dry_run_compares_the_rule_change_with_the_indexes_under_the_rules_in_use(
    database_url: str,
) -> None:
    engine = _stored(database_url)
    written = _rows(engine)
    env = {"IPASN_DATABASE_URL": database_url, "COLUMNS": "80"}
    args = ["recompute", "--year", "2025", "--rules", EXAMPLE_FILE, "--dry-run"]

    data = json.loads(cli(*args, "--json", env=env).stdout)
    shown = cli(*args, env=env)

    assert data["indexes"] == {"new": 5, "changed": 0, "withdrawn": 0}  # revisions, as before
    assert data["compared_with"] == {
        "rule_version": "bkn-8-2019",
        "changed": 4,
        "unchanged": 1,
        "new": 0,
        "withdrawn": 0,
        "none": 1,
    }
    assert _ordered(data["transitions"]) == _ordered(TRANSITIONS)
    assert data["agencies"] == AGENCIES
    assert shown.returncode == 0, shown.stderr
    assert "against bkn-8-2019 (the rules in use), indexes: 4 changed, 1 unchanged" in (
        shown.stdout
    )
    rows = [line.split() for line in shown.stdout.splitlines()]
    assert ["7317", "2", "1", "1", "51.25", "63.75", "+12.50"] in rows
    assert ["3201", "3", "3", "2", "77.50", "86.67", "+9.17"] in rows
    assert ["Tinggi", "1", "1", "·", "·", "·", "·"] in rows  # B up a band, A stays
    assert all(len(line) <= 80 for line in shown.stdout.splitlines())
    assert _rows(engine) == written
    engine.dispose()


def test_a_run_that_writes_reports_against_the_rules_in_use_and_writes_as_before(
    database_url: str,
) -> None:
    engine = _stored(database_url)
    store = SqlStore(engine)
    service = IndexService(store, EXAMPLE, 2025, "recalculated")
    report = Report(2025, EXAMPLE.version, False, None, compared_with="bkn-8-2019")

    recompute_all(service, engine, None, report, 4, lambda _: None)
    again = Report(2025, EXAMPLE.version, False, None, compared_with="bkn-8-2019")
    recompute_all(service, engine, None, again, 4, lambda _: None)

    data = report.as_data()
    assert data["indexes"] == {"new": 5, "changed": 0, "withdrawn": 0}  # revision 1 each
    with engine.connect() as conn:
        written = conn.execute(
            select(indexes.c.nip, indexes.c.revision, indexes.c.score).where(
                indexes.c.rule_version == "example-2026"
            )
        ).all()
    assert sorted((nip, r, float(s)) for nip, r, s in written) == [
        (A, 1, 87.5), (B, 1, 92.5), (C, 1, 80.0), (D, 1, 57.5), (E, 1, 70.0)
    ]  # fmt: skip
    assert _ordered(data["transitions"]) == _ordered(TRANSITIONS)
    assert data["agencies"] == AGENCIES
    # The second run writes nothing, and still says what the rule change does.
    assert again.as_data()["indexes"] == {"new": 0, "changed": 0, "withdrawn": 0}
    assert _ordered(again.as_data()["transitions"]) == _ordered(TRANSITIONS)
    engine.dispose()


@pytest.mark.postgres
def test_processes_side_by_side_compare_with_the_rules_in_use_as_one_does(
    postgres_url: str,
) -> None:
    engine = _stored(postgres_url)
    env = {"IPASN_DATABASE_URL": postgres_url}
    args = ["recompute", "--year", "2025", "--rules", EXAMPLE_FILE, "--dry-run", "--json"]

    shared = cli(*args, "--processes", "2", "--chunk", "2", env=env)

    assert shared.returncode == 0, shared.stderr
    data = json.loads(shared.stdout)
    assert data["compared_with"]["changed"] == 4
    assert _ordered(data["transitions"]) == _ordered(TRANSITIONS)
    assert data["agencies"] == AGENCIES
    engine.dispose()
