"""`ipasn-worker import` as an agency's operator uses it: a small XLSX onto the real broker,
the worker run on it into PostgreSQL, the same file again, and a file with one bad row."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from consumers.reader import read_topic
from tests.conftest import Topics
from tests.integration.test_cli import cli, service_env
from tests.unit.spreadsheets import cell_time, write_xlsx
from worker.db.tables import statements
from worker.dev.brokers import LocalBroker

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

SOURCE = "simpeg:7317"
HEADER = ["nip", "record_id", "category", "leadership_tier", "name", "start_date", "end_date",
          "hours", "deleted"]  # fmt: skip
NIPS = ("198503152010012003", "199001012015031001", "197712312002122002")


def training_rows(level_of_row_3: str = "technical") -> list[list[object]]:
    """Date cells, whole hours as a spreadsheet stores them, an empty optional cell, and a
    deletion of a record never sent (the worker stores it all the same)."""
    return [
        list(HEADER),
        [NIPS[0], "diklat-1", "technical", None, "Pelatihan Talenta", date(2023, 5, 8),
         date(2023, 5, 12), 40, False],
        [NIPS[1], "diklat-2", level_of_row_3, None, "Pelatihan Arsip", cell_time(2024, 2, 5),
         cell_time(2024, 2, 6), 16, None],
        [NIPS[2], "diklat-3", "leadership", "PKA", "Pelatihan Kepemimpinan Administrator",
         date(2022, 3, 1), date(2022, 6, 30), 320, None],
        [NIPS[2], "diklat-old", None, None, None, None, None, None, True],
    ]  # fmt: skip


def stored(database_url: str) -> list[dict[str, Any]]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                statements.c.nip,
                statements.c.source,
                statements.c.event_id,
                statements.c.kind,
                statements.c.record_id,
                statements.c.deleted,
                statements.c["values"],
            ).order_by(statements.c.record_id)
        ).all()
    engine.dispose()
    return [dict(r._mapping) for r in rows]


def test_a_spreadsheet_imported_twice_is_stored_once_and_one_bad_row_publishes_nothing(
    broker: LocalBroker, topics: Topics, postgres_url: str, tmp_path: Path
) -> None:
    env = service_env(broker, topics, postgres_url)
    sheet = write_xlsx(tmp_path / "diklat.xlsx", training_rows())
    args = ("import", str(sheet), "--source", SOURCE, "--kind", "training")

    first = cli(*args, env=env)
    ran = cli("run", "--until-idle", "1.5", env=env)

    assert first.returncode == 0, first.stderr + first.stdout
    assert f"published 4 events to {topics.input}, each acknowledged" in first.stdout
    assert ran.returncode == 0, ran.stderr
    records = stored(postgres_url)
    assert [(r["nip"], r["record_id"], r["deleted"]) for r in records] == [
        (NIPS[0], "diklat-1", False),
        (NIPS[1], "diklat-2", False),
        (NIPS[2], "diklat-3", False),
        (NIPS[2], "diklat-old", True),
    ]
    assert {r["source"] for r in records} == {SOURCE}
    assert all(r["event_id"].startswith("sheet-") for r in records)
    assert records[0]["values"] == {
        "category": "technical", "leadership_tier": None, "name": "Pelatihan Talenta",
        "start_date": "2023-05-08", "end_date": "2023-05-12", "hours": 40,
    }  # fmt: skip
    assert records[2]["values"]["leadership_tier"] == "PKA"

    again = cli(*args, env=env)
    ran_again = cli("run", "--until-idle", "1.5", env=env)

    assert again.returncode == 0, again.stderr + again.stdout
    assert ran_again.returncode == 0, ran_again.stderr
    assert len(read_topic(broker.bootstrap, topics.input)) == 8  # sent twice, stored once
    assert stored(postgres_url) == records

    bad = write_xlsx(tmp_path / "bad.xlsx", training_rows(level_of_row_3="webinar"))
    refused = cli("import", str(bad), "--source", SOURCE, "--kind", "training", env=env)

    assert refused.returncode == 3, refused.stderr + refused.stdout
    assert refused.stdout.splitlines()[0].startswith("row 3, category (C): invalid_event: ")
    assert "nothing published: 1 row invalid" in refused.stdout
    assert len(read_topic(broker.bootstrap, topics.input)) == 8
    for nip in NIPS:
        assert nip not in refused.stdout + refused.stderr + first.stdout + first.stderr


def test_signed_rows_are_stored_by_a_worker_that_checks_signatures(
    broker: LocalBroker, topics: Topics, postgres_url: str, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'"{SOURCE}" = "a-regional-secret"\n', encoding="utf-8")
    env = {**service_env(broker, topics, postgres_url), "IPASN_SOURCE_SECRETS_FILE": str(secrets)}
    sheet = write_xlsx(tmp_path / "diklat.xlsx", training_rows())
    args = ("import", str(sheet), "--source", SOURCE, "--kind", "training")

    unsigned = cli(*args, env=env)
    signed = cli(*args, "--sign", env=env)
    ran = cli("run", "--until-idle", "1.5", env=env)

    assert unsigned.returncode == 2
    assert "give --sign" in unsigned.stderr
    assert signed.returncode == 0, signed.stderr + signed.stdout
    assert "published 4 events (signed)" in signed.stdout
    assert ran.returncode == 0, ran.stderr
    assert len(stored(postgres_url)) == 4
    assert read_topic(broker.bootstrap, topics.dlq) == []
