"""What data stewards and operators read (contracts §6, §7): the conflicts queue, data quality
per source, its gauges, and the overrides `show` lists; on SQLite and on PostgreSQL.

The tables are seeded directly where the figures must be known exactly (detection times, event
ages), and through the real service where what matters is what the worker writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine, insert

from tests.factories import BKN_8_2019, education_values, employee, statement
from tests.integration.test_cli import cli
from worker.cli import build_parser, run_command
from worker.config.settings import load_settings
from worker.db.engine import make_engine, migrate
from worker.db.store import SqlStore
from worker.db.tables import conflicts, records, statements
from worker.db.views.quality import measure
from worker.domain.model import Statement
from worker.observability.quality import QualityCensus
from worker.pipeline.ports import Origin
from worker.pipeline.service import IndexService

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2025, 12, 1, tzinfo=UTC)
A, B, C = "198703142010121001", "199406302019032002", "197801012005011003"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def command(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    """A command of the console script, in this process: exit status, stdout, stderr."""
    args = build_parser(argv).parse_args(argv)
    code = run_command(args, load_settings(database_url=url))
    out, err = capsys.readouterr()
    return code, out, err


def as_list(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> list[dict[str, Any]]:
    code, out, err = command(capsys, url, "conflicts", "--json", *argv)
    assert code == 0, err
    found: list[dict[str, Any]] = json.loads(out)
    return found


# --- the conflicts queue ---------------------------------------------------------------------


def _conflict(
    n: int,
    nip: str,
    kind: str,
    winner: tuple[str, dict[str, Any] | None],
    loser: tuple[str, dict[str, Any] | None],
    *,
    detected: int,
    closed: str | None = None,
) -> dict[str, Any]:
    return {
        "id": n,
        "nip": nip,
        "kind": kind,
        "record_id": "" if kind == "profile" else f"{kind}-{n}",
        "winner_source": winner[0],
        "winner_event_id": f"w-{n}",
        "winner_values": winner[1],
        "loser_source": loser[0],
        "loser_event_id": f"l-{n}",
        "loser_values": loser[1],
        "detected_at": T0 + timedelta(minutes=detected),
        "rule": f"rule {n}",
        "closed_at": None if closed is None else T0 + timedelta(days=1),
        "closed_reason": closed,
    }


def _profile(nip: str, agency: str) -> dict[str, Any]:
    values = {"name": "Pegawai", "agency_code": agency}
    return {
        "nip": nip,
        "kind": "profile",
        "record_id": "",
        "values": values,
        "source": "siasn",
        "event_id": f"p-{nip}",
        "time": T0,
    }


S1 = {"level": "S1", "institution": "Universitas Hasanuddin", "graduated_on": "2010-08-01"}
S2 = {**S1, "level": "S2"}
# Ids in insertion order; detected: minutes after T0. C has no reconciled profile.
QUEUE = [
    _conflict(1, A, "education", ("siasn", S1), ("simpeg:3201", S2), detected=2),
    _conflict(2, B, "performance", ("ekinerja", {"predicate": "BAIK"}), ("siasn", {}), detected=1),
    _conflict(3, A, "profile", ("siasn", {"x": 1}), ("simpeg:3201", {"x": 2}), detected=0,
              closed="superseded"),
    _conflict(4, C, "training", ("simpeg:7317", {"hours": "8"}), ("simpeg:7318", None), detected=3),
    _conflict(5, B, "education", ("steward", S2), ("siasn", S1), detected=1, closed="steward"),
]  # fmt: skip


@pytest.fixture
def queue(engine: Engine, database_url: str) -> str:
    with engine.begin() as conn:
        conn.execute(insert(conflicts), QUEUE)
        conn.execute(insert(records), [_profile(A, "3201"), _profile(B, "7317")])
    return database_url


def ids(found: list[dict[str, Any]]) -> list[int]:
    return [c["id"] for c in found]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], [2, 1, 4]),  # open ones, oldest first; ties by id
        (["--open"], [2, 1, 4]),
        (["--all"], [3, 2, 5, 1, 4]),
        (["--agency", "3201"], [1]),
        (["--agency", "3201", "--all"], [3, 1]),
        (["--agency", "9999", "--all"], []),
        (["--kind", "education", "--all"], [5, 1]),
        (["--kind", "discipline"], []),
        (["--source", "simpeg"], [1, 4]),
        (["--source", "simpeg:3201", "--all"], [3, 1]),
        (["--source", "simpeg:7318"], [4]),
        (["--source", "ekinerja"], [2]),
        (["--source", "steward", "--all"], [5]),
        (["--source", "siasn", "--agency", "7317", "--all"], [2, 5]),
        (["--all", "--limit", "2"], [3, 2]),
    ],
)
def test_the_queue_filters_by_agency_kind_source_and_status_oldest_first(
    queue: str, capsys: pytest.CaptureFixture[str], argv: list[str], expected: list[int]
) -> None:
    assert ids(as_list(capsys, queue, *argv)) == expected


def test_the_json_carries_every_field_and_the_values_in_full(
    queue: str, capsys: pytest.CaptureFixture[str]
) -> None:
    found = {c["id"]: c for c in as_list(capsys, queue, "--all")}

    assert found[1] == {
        "id": 1,
        "detected_at": "2025-03-01T08:02:00+00:00",
        "nip": A,
        "agency_code": "3201",
        "kind": "education",
        "record_id": "education-1",
        "winner": {"source": "siasn", "event_id": "w-1", "values": S1},
        "loser": {"source": "simpeg:3201", "event_id": "l-1", "values": S2},
        "rule": "rule 1",
        "status": "open",
        "closed_at": None,
        "closed_reason": None,
    }
    assert (found[3]["record_id"], found[3]["status"], found[3]["closed_reason"]) == (
        None,
        "closed",
        "superseded",
    )
    assert found[3]["closed_at"] == "2025-03-02T08:00:00+00:00"
    assert found[4]["agency_code"] is None  # no reconciled profile
    assert found[4]["loser"]["values"] is None  # the loser deleted it


def test_the_table_shows_full_nips_and_only_the_fields_that_differ(
    queue: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = command(capsys, queue, "conflicts")

    assert code == 0
    assert all(nip in out for nip in (A, B, C))  # stewards need the NIP: not masked here
    assert "siasn: level=S1" in out
    assert "simpeg:3201: level=S2" in out
    assert "Universitas" not in out  # the same on both sides
    assert "simpeg:7318: deleted" in out
    assert out.index(B) < out.index(A) < out.index(C)  # oldest first
    assert "more; --limit" not in out
    assert all(len(line) <= 80 for line in out.splitlines())  # whole at 80 columns
    assert "…" not in out


def test_a_long_queue_says_how_many_more_there_are(
    queue: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = command(capsys, queue, "conflicts", "--all", "--limit", "2")
    assert code == 0
    assert out.rstrip().endswith("3 more; --limit to see them")
    assert "superseded, 2025-03-02" in out  # closed: why and when

    code, out, err = command(capsys, queue, "conflicts", "--json", "--limit", "1")
    assert code == 0
    assert len(json.loads(out)) == 1  # stdout stays JSON
    assert err.strip() == "2 more; --limit to see them"


def test_an_empty_queue_says_so(
    engine: Engine, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert command(capsys, database_url, "conflicts") == (0, "no open conflicts\n", "")
    assert as_list(capsys, database_url, "--all") == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["conflicts", "--kind", "salary"], "argument --kind: invalid choice: 'salary'"),
        (["conflicts", "--source", "bkd"], "argument --source: 'bkd' is not siasn"),
        (["conflicts", "--agency", "32-01"], "argument --agency: '32-01' is not an agency code"),
        (["conflicts", "--limit", "0"], "argument --limit: must be 1 or more"),
        (["conflicts", "--open", "--all"], "not allowed with argument"),
    ],
)
def test_a_bad_filter_is_one_line_and_exit_2(argv: list[str], expected: str) -> None:
    result = cli(*argv)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


# --- data quality per source -----------------------------------------------------------------


def _said(n: int, nip: str, source: str, kind: str, age_s: float, deleted: bool) -> dict[str, Any]:
    return {
        "nip": nip,
        "source": source,
        "event_id": f"q-{n}",
        "kind": kind,
        "record_id": None if kind == "profile" else f"{kind}-{n}",
        "time": T0,
        "sequence": None,
        "deleted": deleted,
        "values": None if deleted else {"x": n},
        "topic": "changes",
        "partition": 0,
        "offset": n,
        "received_at": T0 + timedelta(seconds=age_s),
    }


N1, N2, N3, N4, N5, N6 = (f"19870314201012100{n}" for n in range(1, 7))
# Who said what, how long after the event it arrived (seconds), and whether it was a delete.
SAID = [
    _said(n, *said)
    for n, said in enumerate(
        [
            (N1, "siasn", "profile", 10.4, False),
            (N1, "siasn", "education", 20, False),
            (N2, "siasn", "profile", 30, False),
            (N2, "siasn", "education", 90, True),  # only a delete: not complete
            (N3, "siasn", "profile", 7200, False),
            (N4, "siasn", "profile", 3 * 86_400, True),
            (N1, "ekinerja", "performance", 60, False),
            (N2, "ekinerja", "performance", 60, False),
            (N1, "simpeg:3201", "profile", 5, False),
            (N5, "simpeg:3201", "education", 45, False),
            (N5, "simpeg:7317", "profile", -30, False),  # a source clock ahead: age 0
            (N6, "simpeg:7317", "profile", 400 * 86_400, True),
            (N1, "steward", "education", 3600, False),
        ]
    )
]

WON_LOST = [
    _conflict(1, N1, "education", ("siasn", S1), ("simpeg:3201", S2), detected=0),
    _conflict(2, N1, "profile", ("siasn", {}), ("simpeg:3201", {"x": 1}), detected=0,
              closed="agrees"),
    _conflict(3, N1, "performance", ("ekinerja", {}), ("siasn", {"x": 1}), detected=0),
    _conflict(4, N2, "education", ("steward", S1), ("siasn", S2), detected=0, closed="steward"),
    _conflict(5, N5, "training", ("simpeg:3201", {}), ("simpeg:7317", {"x": 1}), detected=0),
]  # fmt: skip


@pytest.fixture
def sources(engine: Engine, database_url: str) -> str:
    with engine.begin() as conn:
        conn.execute(insert(statements), SAID)
        conn.execute(insert(conflicts), WON_LOST)
    return database_url


def _by_source(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {q["source"]: q for q in view["systems"] + view["agencies"]}


def test_quality_counts_employees_completeness_ages_and_conflicts_per_source(
    sources: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = command(capsys, sources, "quality", "--json")
    assert code == 0, err
    view = json.loads(out)
    q = _by_source(view)

    assert [s["source"] for s in view["systems"]] == ["siasn", "ekinerja", "simpeg", "steward"]
    assert [(a["agency_code"], a["source"]) for a in view["agencies"]] == [
        ("3201", "simpeg:3201"),
        ("7317", "simpeg:7317"),
    ]
    employees = {s: q[s]["employees"] for s in q}
    assert employees == {
        "siasn": 4, "ekinerja": 2, "simpeg": 3, "steward": 1, "simpeg:3201": 2, "simpeg:7317": 2,
    }  # fmt: skip
    assert q["siasn"]["completeness"] == {
        "profile": 0.75, "position": 0.0, "education": 0.25, "training": 0.0,
        "performance": 0.0, "discipline": 0.0,
    }  # fmt: skip
    assert q["siasn"]["kinds_sent"] == ["profile", "education"]
    assert q["ekinerja"]["completeness"]["performance"] == 1.0
    assert q["simpeg:3201"]["completeness"]["profile"] == 0.5
    assert q["simpeg:7317"]["completeness"]["profile"] == 0.5
    # All regional systems together: N1, N5 and N6; profiles upserted of N1 and N5.
    assert q["simpeg"]["completeness"]["profile"] == pytest.approx(2 / 3)
    assert q["simpeg"]["completeness"]["education"] == pytest.approx(1 / 3)
    assert q["simpeg"]["employees_with_upsert"]["profile"] == 2

    ages = {s: q[s]["event_age_seconds"] for s in q}
    # siasn: 10.4 → 10, 20, 30, 90 → 60, 2 h, 3 d; nearest rank: the 3rd and the 6th.
    assert ages["siasn"] == {"statements": 6, "median": 30, "p95": 3 * 86_400}
    assert ages["simpeg:3201"] == {"statements": 2, "median": 5, "p95": 45}
    # 0 (stamped after arrival) and 400 days, rounded down to 390 (30-day steps beyond a year).
    assert ages["simpeg:7317"] == {"statements": 2, "median": 0, "p95": 390 * 86_400}
    assert ages["simpeg"] == {"statements": 4, "median": 5, "p95": 390 * 86_400}
    assert ages["steward"] == {"statements": 1, "median": 3600, "p95": 3600}

    sides = {s: q[s]["conflicts"] for s in q}
    assert sides["siasn"] == {"won": {"open": 1, "all": 2}, "lost": {"open": 1, "all": 2}}
    assert sides["ekinerja"] == {"won": {"open": 1, "all": 1}, "lost": {"open": 0, "all": 0}}
    assert sides["steward"] == {"won": {"open": 0, "all": 1}, "lost": {"open": 0, "all": 0}}
    assert sides["simpeg:3201"] == {"won": {"open": 1, "all": 1}, "lost": {"open": 1, "all": 2}}
    assert sides["simpeg:7317"] == {"won": {"open": 0, "all": 0}, "lost": {"open": 1, "all": 1}}
    assert sides["simpeg"] == {"won": {"open": 1, "all": 1}, "lost": {"open": 2, "all": 3}}


def test_the_quality_tables_have_a_row_per_system_then_per_agency(
    sources: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = command(capsys, sources, "quality")

    assert code == 0
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)  # whole at 80 columns
    assert "…" not in out
    # At 80 columns, each in two tables: completeness, then event age and conflicts.
    siasn = [line for line in lines if line.startswith("│ siasn")]
    assert all(figure in siasn[0] for figure in ("75.0%", "25.0%"))
    assert all(figure in siasn[1] for figure in ("30 s", "3.0 d", " 1/2 "))  # won: open/all
    row = next(line for line in lines if line.startswith("│ 3201"))
    assert "50.0%" in row
    assert out.index("│ steward") < out.index("│ 3201") < out.index("│ 7317")


def test_the_census_gives_the_gauges_per_system(sources: str, engine: Engine) -> None:
    census = QualityCensus(partial(measure, engine, timeliness=False), every_s=0)
    census.measure()
    registry = CollectorRegistry()
    registry.register(census)

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert value("ipasn_source_employees", system="simpeg") == 3
    assert value("ipasn_source_employees", system="siasn") == 4
    assert value("ipasn_source_completeness_ratio", system="siasn", kind="profile") == 0.75
    assert value(
        "ipasn_source_completeness_ratio", system="simpeg", kind="profile"
    ) == pytest.approx(2 / 3)
    assert value("ipasn_source_completeness_ratio", system="ekinerja", kind="position") == 0
    assert value("ipasn_source_conflicts", system="simpeg", side="lost") == 3
    assert value("ipasn_source_conflicts", system="siasn", side="won") == 2
    assert value("ipasn_source_conflicts", system="steward", side="lost") == 0
    series = {s.labels.get("system") for m in registry.collect() for s in m.samples}
    assert series == {"siasn", "ekinerja", "simpeg", "steward"}  # never an agency


def test_the_census_thread_measures_and_stops(sources: str, engine: Engine) -> None:
    census = QualityCensus(partial(measure, engine, timeliness=False), every_s=0.05)
    census.start()
    try:
        registry = CollectorRegistry()
        registry.register(census)
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while registry.get_sample_value("ipasn_source_employees", {"system": "siasn"}) is None:
            assert datetime.now(UTC) < deadline
    finally:
        census.stop()
    assert registry.get_sample_value("ipasn_source_employees", {"system": "siasn"}) == 4


# --- overrides and conflicts in `show`, written by the worker ---------------------------------


def _values(institution: str) -> dict[str, Any]:
    return {**education_values("S1", date(2010, 8, 1)), "institution": institution}


def _education(source: str, institution: str, at: int) -> Statement:
    return statement(
        "education",
        _values(institution),
        source=source,
        record_id="E-1",
        time=T0 + timedelta(minutes=at),
    )


def _steward(values: dict[str, Any] | None, at: int, *, released: bool = False) -> Statement:
    s = statement(
        "education", values, source="steward", record_id="E-1", time=T0 + timedelta(minutes=at)
    )
    return replace(s, actor="Rina Wulandari", reason="checked the diploma", released=released)


def test_show_lists_overrides_and_conflicts_with_status_and_rule(
    engine: Engine,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = IndexService(SqlStore(engine), BKN_8_2019, 2025, "out")
    batches = [
        [*employee(), _education("siasn", "Kampus A", 0), _education("simpeg:3201", "Kampus B", 1)],
        [_steward(_values("Kampus B"), 10)],
        [_steward(None, 20, released=True)],
    ]
    for n, batch in enumerate(batches):
        service.apply([(s, Origin("changes", n, i)) for i, s in enumerate(batch)], NOW)

    code, out, err = command(capsys, database_url, "show", "198703142010121001", "--json")
    assert code == 0, err
    view = json.loads(out)
    assert [(o["operation"], o["actor"], o["reason"]) for o in view["overrides"]] == [
        ("upsert", "Rina Wulandari", "checked the diploma"),
        ("release", "Rina Wulandari", "checked the diploma"),
    ]
    assert view["overrides"][0]["values"]["institution"] == "Kampus B"
    assert view["overrides"][1]["values"] is None
    assert view["overrides"][0]["time"] == "2025-03-01T08:10:00+00:00"
    assert (view["overrides"][0]["kind"], view["overrides"][0]["record_id"]) == ("education", "E-1")
    # Settled by the steward, then open again once the pin was released.
    [conflict] = view["conflicts"]
    assert (conflict["status"], conflict["closed_reason"]) == ("open", None)
    assert conflict["rule"] == "precedence for education: siasn over simpeg:*"

    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: no value folded
    code, table, _ = command(capsys, database_url, "show", "198703142010121001")
    assert code == 0
    assert "Overrides by data stewards" in table
    for shown in ("Rina Wulandari", "checked the diploma", "release", "precedence for education"):
        assert shown in table


def test_the_queue_shows_a_conflict_a_steward_settled_as_closed(
    engine: Engine, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    service = IndexService(SqlStore(engine), BKN_8_2019, 2025, "out")
    first = [
        *employee(),
        _education("siasn", "Kampus A", 0),
        _education("simpeg:3201", "Kampus B", 1),
    ]
    service.apply([(s, Origin("changes", 0, i)) for i, s in enumerate(first)], NOW)
    assert [c["status"] for c in as_list(capsys, database_url)] == ["open"]

    pinned = _steward(_values("Kampus B"), 10)
    service.apply([(pinned, Origin("changes", 1, 0))], NOW + timedelta(hours=1))

    assert as_list(capsys, database_url) == []
    [closed] = as_list(capsys, database_url, "--all", "--agency", "3201", "--source", "simpeg")
    assert (closed["status"], closed["closed_reason"]) == ("closed", "steward")
    assert closed["closed_at"].startswith("2025-12-01T01:00:00")
    assert closed["winner"]["values"]["institution"] == "Kampus A"
    assert closed["loser"]["values"]["institution"] == "Kampus B"


def test_the_commands_run_from_the_console_script(sources: str) -> None:
    env = {"IPASN_DATABASE_URL": sources}
    quality = cli("quality", "--json", env=env)
    queue = cli("conflicts", "--all", env=env)

    assert quality.returncode == 0, quality.stderr
    assert json.loads(quality.stdout)["systems"][0]["employees"] == 4
    assert queue.returncode == 0, queue.stderr
    assert N5 in queue.stdout
