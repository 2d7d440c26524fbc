"""Agency aggregates through the service and the database (contracts §10): after every batch
of a shuffled stream with withdrawals and agency transfers, the kept figures equal a full
recomputation from the current indexes, and each agency's last event says what the table says."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.factories import BKN_8_2019, T0, education_values, position_values, profile_values
from worker.db.engine import make_engine, migrate
from worker.db.store import SqlStore
from worker.db.tables import BAND_COLUMNS, agency_aggregates, indexes, outbox
from worker.domain.agencies import BANDS, recount
from worker.domain.model import IndexResult, Statement
from worker.pipeline.cache import EmployeeCache
from worker.pipeline.ports import Origin
from worker.pipeline.service import IndexService

NOW = datetime(2026, 1, 5, tzinfo=UTC)
AGENCIES = ("3201", "7317", "1371")
NIPS = [f"1987031420101210{i:02d}" for i in range(30)]
TOPIC = "agencies"


def _stream(seed: int) -> list[Statement]:
    """Employees who get an index, some moved to another agency (a new profile from SIASN) and
    some withdrawn (their position deleted) or restored later."""
    rng = random.Random(seed)
    out: list[Statement] = []
    n = 0

    def said(nip: str, kind: Any, values: Any, minutes: int, record_id: str | None = None) -> None:
        nonlocal n
        n += 1
        out.append(
            Statement(nip, "siasn", kind, record_id, f"ev-{n}", T0 + timedelta(minutes=minutes),
                      None, values)
        )  # fmt: skip

    for nip in NIPS:
        said(nip, "profile", profile_values(rng.choice(AGENCIES)), 0)
        said(nip, "position", position_values(rng.choice(("pelaksana", "fungsional"))), 0)
        level = rng.choice(("S1", "S2", "SMA"))
        said(nip, "education", education_values(level, T0.date().replace(year=2010)), 0, "E-1")
        if rng.random() < 0.4:  # transferred
            said(nip, "profile", profile_values(rng.choice(AGENCIES)), rng.randint(1, 50))
        if rng.random() < 0.3:  # withdrawn, and sometimes back
            said(nip, "position", None, rng.randint(1, 50))
            if rng.random() < 0.5:
                said(nip, "position", position_values("pelaksana"), rng.randint(51, 99))
    rng.shuffle(out)
    return out


def _kept(engine: Engine) -> dict[tuple[str, int, str], tuple[int, Decimal, tuple[int, ...]]]:
    with engine.connect() as conn:
        rows = conn.execute(select(agency_aggregates).where(agency_aggregates.c.employees > 0))
        return {
            (r.agency_code, r.measurement_year, r.rule_version): (
                r.employees, r.score_sum, tuple(getattr(r, c) for c in BAND_COLUMNS)
            )
            for r in rows
        }  # fmt: skip


def _recounted(engine: Engine) -> dict[tuple[str, int, str], tuple[int, Decimal, tuple[int, ...]]]:
    with engine.connect() as conn:
        current = [
            IndexResult(i.nip, i.measurement_year, i.rule_version, i.score, i.band, None,
                        i.agency_code)
            for i in conn.execute(select(indexes))
        ]  # fmt: skip
    return {
        key: (f.employees, f.score_sum, tuple(f.bands[b] for b in BANDS))
        for key, f in recount(current).items()
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_the_figures_equal_a_full_recount_after_every_batch(database_url: str, seed: int) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    service = IndexService(
        SqlStore(engine), BKN_8_2019, 2025, "recalculated", EmployeeCache(10), agency_topic=TOPIC
    )
    stream, rng = _stream(seed), random.Random(seed)
    start = 0
    while start < len(stream):
        end = min(len(stream), start + rng.randint(1, 25))
        batch = [(s, Origin("changes", 0, i)) for i, s in enumerate(stream[start:end], start)]
        service.apply(batch, NOW)
        assert _kept(engine) == _recounted(engine)
        start = end

    with engine.connect() as conn:
        events = [
            json.loads(r.payload)
            for r in conn.execute(
                select(outbox).where(outbox.c.topic == TOPIC).order_by(outbox.c.id)
            )
        ]
    engine.dispose()
    last = {e["subject"]: e["data"] for e in events}
    recounted = _recounted(make_engine(database_url))
    assert len(recounted) > 1
    for (agency, _, _), (employees, total, bands) in recounted.items():
        data = last[agency]
        assert (data["employees"], list(data["bands"].values())) == (employees, list(bands))
        mean = (total / employees).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert Decimal(str(data["mean_score"])) == mean
    versions: dict[str, list[int]] = {}
    for e in events:
        versions.setdefault(e["subject"], []).append(e["data"]["version"])
    assert all(v == list(range(1, len(v) + 1)) for v in versions.values())


def test_the_agencies_command_prints_the_figures_as_json_and_as_a_table(tmp_path: Any) -> None:
    from tests.integration.test_cli import cli

    url = f"sqlite:///{tmp_path}/agencies.db"
    engine = make_engine(url)
    migrate(engine)
    service = IndexService(SqlStore(engine), BKN_8_2019, 2025, "recalculated", agency_topic=TOPIC)
    service.apply([(s, Origin("changes", 0, i)) for i, s in enumerate(_stream(3))], NOW)
    recounted = _recounted(engine)
    engine.dispose()
    env = {"IPASN_DATABASE_URL": url, "IPASN_MEASUREMENT_YEAR": "2025", "COLUMNS": "150"}

    as_json = cli("agencies", "--json", env=env)
    table = cli("agencies", env=env)

    assert as_json.returncode == 0, as_json.stderr
    shown = {d["agency_code"]: d for d in json.loads(as_json.stdout)}
    assert {a: (d["employees"], tuple(d["bands"].values())) for a, d in shown.items()} == {
        a: (employees, bands) for (a, _, _), (employees, _, bands) in recounted.items()
    }
    assert all(d["version"] == 1 for d in shown.values())  # one batch: one version each
    assert table.returncode == 0
    assert "Agencies, measurement year 2025" in table.stdout
    assert all(agency in table.stdout for agency in shown)
    empty = cli("agencies", "--year", "2019", env=env)
    assert "no agency has an employee with an index for 2019" in empty.stdout
