"""The Alembic migrations create exactly the schema the code expects, on both backends."""

from __future__ import annotations

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
