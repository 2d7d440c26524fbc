"""The Alembic migrations create exactly the schema the code expects, on both backends."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from worker.db.engine import make_engine, migrate
from worker.db.tables import metadata


def test_migrations_create_the_schema_of_the_tables_module(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)  # a second run is a no-op

    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()

    assert differences == []
    assert tables >= {
        "statements",
        "records",
        "conflicts",
        "indexes",
        "revisions",
        "outbox",
        "alembic_version",
    }


@pytest.mark.postgres
def test_workers_starting_together_migrate_one_at_a_time(postgres_url: str) -> None:
    # Separate processes, as separate workers are (Alembic's context is per process).
    env = {**os.environ, "IPASN_DATABASE_URL": postgres_url}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "worker.cli", "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [(w.wait(timeout=120), w.stderr.read() if w.stderr else "") for w in workers]

    assert [code for code, _ in outcomes] == [0, 0, 0], outcomes
    engine = make_engine(postgres_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()
