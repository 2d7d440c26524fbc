"""`ipasn-worker plan` and `show --year` from the stored reconciled records, on SQLite and on
PostgreSQL, for five employees whose figures are worked out by hand below (bkn-8-2019)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import (
    BKN_8_2019,
    discipline_values,
    education_values,
    performance_values,
    position_values,
    profile_values,
    statement,
    training_values,
)
from worker.cli import main
from worker.db.engine import make_engine, migrate
from worker.db.store import SqlStore
from worker.db.tables import indexes, outbox, records, revisions, statements
from worker.domain.model import Kind, Statement
from worker.pipeline.ports import Origin
from worker.pipeline.service import IndexService

A, B, C, D, E = (f"19800101200501100{n}" for n in range(1, 6))
NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _about(nip: str, agency: str, *history: tuple[Kind, dict[str, Any]]) -> list[Statement]:
    found = [statement("profile", profile_values(agency), nip=nip)]
    found += [
        statement(kind, values, nip=nip, record_id=None if kind == "position" else f"{nip}-{i}")
        for i, (kind, values) in enumerate(history)
    ]
    return found


# For T = 2026 (measurement year 2025): the appraisal of 2025, JP ending in 2026.
EMPLOYEES = [
    # A, 3201, pelaksana: SMA 5 + 0 (8 JP) + SANGAT_BAIK 30 + 5 = 40, Sangat Rendah. Technical
    # +22.5 (62.5: lifts), seminar +17.5 (57.5), SMA → D3 +5. All short: 80, Sedang.
    *_about(
        A, "3201", ("position", position_values("pelaksana")),
        ("education", education_values("SMA", date(2005, 6, 1))),
        ("training", training_values("technical", date(2026, 3, 1), 8)),
        ("performance", performance_values(2025, "SANGAT_BAIK")),
    ),
    # B, 3201, struktural III: S1 15 + seminar 10 (PIM_IV is the wrong tier, 16 JP short) +
    # BAIK 25 + light 3 = 53, Sangat Rendah. Technical +15 (68: lifts), leadership +15 (68:
    # lifts), S1 → S2 +5. All short: 83, Tinggi.
    *_about(
        B, "3201", ("position", position_values("struktural", "III")),
        ("education", education_values("S1", date(2010, 6, 1))),
        ("training", training_values("leadership", date(2015, 5, 1), 40, leadership_tier="PIM_IV")),
        ("training", training_values("technical", date(2026, 2, 1), 10)),
        ("training", training_values("technical", date(2026, 9, 1), 6)),
        ("training", training_values("seminar", date(2025, 11, 1), 2)),
        ("performance", performance_values(2025, "BAIK")),
        ("discipline", discipline_values("light", date(2024, 4, 1))),
    ),
    # C, 7317, fungsional: S2 20 + 40 + 30 + 5 = 95, Sangat Tinggi; only S2 → S3 +5, at the top.
    # For 2027: 20 + (functional 15, seminar of 2026 10) + 0 (no appraisal of 2026) + 5 = 50;
    # technical +15 (65: lifts), S2 → S3 +5; all short: 65, Rendah.
    *_about(
        C, "7317", ("position", position_values("fungsional")),
        ("education", education_values("S2", date(2015, 6, 1))),
        ("training", training_values("functional", date(2020, 5, 1), 40)),
        ("training", training_values("technical", date(2026, 5, 1), 20)),
        ("training", training_values("seminar", date(2026, 5, 1), 2)),
        ("performance", performance_values(2025, "SANGAT_BAIK")),
    ),
    # D, 7317: a profile and no position, no index.
    *_about(D, "7317"),
    # E, 7317, pelaksana, a heavy punishment in 2026: 0 + 0 + 0 + 1 = 1. Technical +22.5,
    # seminar +17.5, none → SD +1: none lifts it; all short: 41, Sangat Rendah.
    *_about(
        E, "7317", ("position", position_values("pelaksana")),
        ("discipline", discipline_values("heavy", date(2026, 2, 1))),
    ),
]  # fmt: skip

NO_BANDS = dict.fromkeys(("Sangat Tinggi", "Tinggi", "Sedang", "Rendah", "Sangat Rendah"), 0)


def _action(name: str, open_: int, lifts: int, mean: float | None) -> dict[str, Any]:
    return {"action": name, "open": open_, "lifts_band": lifts, "mean_gain": mean}


EVERY_AGENCY_2026 = {
    "year": 2026,
    "agency": None,
    "employees": 4,
    "actions": [
        _action("technical_training", 3, 2, 20),  # (22.5 + 15 + 22.5) / 3
        _action("seminar", 2, 0, 17.5),
        _action("leadership_training", 1, 1, 15),
        _action("functional_training", 0, 0, None),
        _action("education", 4, 0, 4),  # (5 + 5 + 5 + 1) / 4
    ],
    "bands_now": NO_BANDS | {"Sangat Tinggi": 1, "Sangat Rendah": 3},
    "bands_if_short": NO_BANDS | {"Sangat Tinggi": 1, "Tinggi": 1, "Sedang": 1, "Sangat Rendah": 1},
}
AGENCY_3201_2026 = {
    "year": 2026,
    "agency": "3201",
    "employees": 2,
    "actions": [
        _action("technical_training", 2, 2, 18.75),
        _action("seminar", 1, 0, 17.5),
        _action("leadership_training", 1, 1, 15),
        _action("functional_training", 0, 0, None),
        _action("education", 2, 0, 5),
    ],
    "bands_now": NO_BANDS | {"Sangat Rendah": 2},
    "bands_if_short": NO_BANDS | {"Tinggi": 1, "Sedang": 1},
}
AGENCY_7317_2027 = {
    "year": 2027,
    "agency": "7317",
    "employees": 2,
    "actions": [
        _action("technical_training", 2, 1, 18.75),  # C +15 (lifts), E +22.5
        _action("seminar", 1, 0, 17.5),
        _action("leadership_training", 0, 0, None),
        _action("functional_training", 0, 0, None),
        _action("education", 2, 0, 3),  # C +5, E +1
    ],
    "bands_now": NO_BANDS | {"Sangat Rendah": 2},
    "bands_if_short": NO_BANDS | {"Rendah": 1, "Sangat Rendah": 1},
}


@pytest.fixture
def stored(database_url: str) -> str:
    """The five employees stored by the worker's own service, measurement year 2025."""
    engine = make_engine(database_url)
    migrate(engine)
    service = IndexService(SqlStore(engine), BKN_8_2019, 2025, "recalculated")
    service.apply([(s, Origin("changes", 0, i)) for i, s in enumerate(EMPLOYEES)], NOW)
    engine.dispose()
    return database_url


def _counts(url: str) -> tuple[int, ...]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (statements, records, indexes, revisions, outbox)
        )
    engine.dispose()
    return found


def _run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--database-url", url, "--measurement-year", "2025"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ((), EVERY_AGENCY_2026),
        (("--agency", "3201"), AGENCY_3201_2026),
        (("--agency", "7317", "--year", "2027"), AGENCY_7317_2027),
    ],
)
def test_plan_counts_what_raises_each_employees_index(
    stored: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], expected: Any
) -> None:
    before = _counts(stored)

    code, out, err = _run(capsys, stored, "plan", "--json", *argv)

    assert code == 0, err
    assert json.loads(out) == expected
    assert _counts(stored) == before  # read-only


def test_plan_prints_the_tables_on_a_terminal(
    stored: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, stored, "plan", "--agency", "3201")

    assert code == 0, err
    assert "What raises the indexes in 2026: agency 3201, 2 employees" in out
    assert "technical_training" in out
    assert "+18.75" in out


def test_an_agency_no_profile_names_is_one_clear_line(
    stored: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, stored, "plan", "--agency", "9999")

    assert code == 2
    assert out == ""
    assert err.splitlines() == ["ipasn-worker: no employee's reconciled profile is of agency 9999"]


def test_show_projects_the_year_asked_for(stored: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, stored, "show", C, "--json", "--year", "2027")

    assert code == 0, err
    found = json.loads(out)["improvement"]
    assert (found["year"], found["projected"]["score"]) == (2027, 50)
    assert [(o["action"], o["gain"]) for o in found["options"]] == [
        ("technical_training", 15),
        ("education", 5),
    ]
    assert found["to_next_band"] == ["technical_training"]
    code, out, err = _run(capsys, stored, "show", D, "--json")
    assert code == 0, err
    assert json.loads(out)["improvement"] is None  # no position, no index
