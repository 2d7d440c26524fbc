"""The Alembic migrations create exactly the schema the code expects, on both backends."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from worker.db.engine import SCHEMA_HEAD, alembic_config, make_engine, migrate
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


def test_the_schema_head_the_worker_knows_is_the_migrations_head() -> None:
    # A new migration without SCHEMA_HEAD moved along would leave every worker finding its
    # schema "older" after the migration ran.
    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [SCHEMA_HEAD]


# Started on a current schema, a worker finds it so without Alembic's modules (10 MiB of its
# memory), and imports them where there is migrating to do.
STARTS = """
import sys
from worker.config.settings import Settings
from worker.bootstrap import bootstrap
with bootstrap(Settings(), database=sys.argv[1]):
    pass
print("alembic" in sys.modules)
"""


def test_a_worker_on_a_current_schema_never_imports_alembic(database_url: str) -> None:
    env = {**os.environ, "IPASN_DATABASE_URL": database_url}

    def started(database: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", STARTS, database], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert started("create") == "True"  # an empty database: migrated
    assert started("create") == "False"
    assert started("upgrade") == "False"
    assert started("read") == "False"
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()


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


def test_the_snapshots_agency_is_added_empty_to_the_rows_there_and_removed_again(
    database_url: str,
) -> None:
    # 0008 (contracts §15): snapshots published before it have no agency known (NULL).
    engine = make_engine(database_url)
    config = alembic_config(engine)
    command.upgrade(config, "0007")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO reconciled (nip, version, digest, changed_at)"
                " VALUES ('198703142010121001', 3, 'abc', '2025-06-01 08:00:00')"
            )
        )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT version, agency_code FROM reconciled")).one()
    assert tuple(row) == (3, None)

    command.downgrade(config, "0007")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("reconciled")}
        kept = conn.execute(text("SELECT version FROM reconciled")).scalar_one()
    engine.dispose()
    assert "agency_code" not in columns
    assert kept == 3


def test_the_outbox_loses_its_partial_index_of_unsent_ids_and_gets_it_back(
    database_url: str,
) -> None:
    # 0009: since 0006 deletes sent rows, the primary key serves the relay's read in id order.
    engine = make_engine(database_url)
    config = alembic_config(engine)
    command.upgrade(config, "0008")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outbox (event_id, topic, key, payload, created_at)"
                " VALUES ('e-1', 'recalculated', '198703142010121001', '{}', '2025-06-01')"
            )
        )

    def outbox_indexes() -> set[str]:
        with engine.connect() as conn:
            return {i["name"] for i in inspect(conn).get_indexes("outbox") if i["name"]}

    assert "ix_outbox_unsent" in outbox_indexes()
    command.upgrade(config, "head")
    assert "ix_outbox_unsent" not in outbox_indexes()
    assert "ix_outbox_unsent_key" in outbox_indexes()
    command.downgrade(config, "0008")
    assert "ix_outbox_unsent" in outbox_indexes()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT event_id FROM outbox")).scalar_one() == "e-1"
    engine.dispose()


# A profile statement of a NIP, as the schemas 0003 to 0011 hold it.
_A_STATEMENT = text(
    'INSERT INTO statements (nip, source, event_id, kind, time, deleted, "values", topic,'
    " partition, \"offset\", received_at) VALUES (:nip, 'siasn', :id, 'profile', '2025-06-01',"
    " false, '{}', 't', 0, :n, '2025-06-01')"
)


def test_every_nip_with_a_statement_gets_an_employees_row(database_url: str) -> None:
    # 0010: a database with statements from before 0003 lacks rows for the employees not heard
    # of since; recompute pages through `employees`.
    engine = make_engine(database_url)
    config = alembic_config(engine)
    command.upgrade(config, "0009")
    with engine.begin() as conn:
        for n, nip in enumerate(("198703142010121001", "198703142010121001", "199001012015032002")):
            conn.execute(_A_STATEMENT, {"nip": nip, "id": f"e-{n}", "n": n})
        conn.execute(text("INSERT INTO employees (nip) VALUES ('198703142010121001')"))

    def employees() -> list[str]:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT nip FROM employees ORDER BY nip")).scalars())

    command.upgrade(config, "head")
    assert employees() == ["198703142010121001", "199001012015032002"]
    command.downgrade(config, "0009")
    assert employees() == ["198703142010121001", "199001012015032002"]
    engine.dispose()


def test_employees_get_a_version_of_1_where_statements_were_added_before(
    database_url: str,
) -> None:
    # 0011: the employee cache checks a cached employee by the version; 1 stands for "some
    # transaction added statements about them", 0 for none (a row only locked).
    engine = make_engine(database_url)
    config = alembic_config(engine)
    command.upgrade(config, "0010")
    with engine.begin() as conn:
        conn.execute(_A_STATEMENT, {"nip": "198703142010121001", "id": "e-1", "n": 0})
        conn.execute(
            text(
                "INSERT INTO employees (nip) VALUES ('198703142010121001'), ('199001012015032002')"
            )
        )

    command.upgrade(config, "head")
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT nip, version FROM employees ORDER BY nip")).all()
    assert [tuple(r) for r in versions] == [("198703142010121001", 1), ("199001012015032002", 0)]
    command.downgrade(config, "0010")
    with engine.connect() as conn:
        columns = list(conn.execute(text("SELECT * FROM employees")).keys())
    assert columns == ["nip"]
    engine.dispose()
