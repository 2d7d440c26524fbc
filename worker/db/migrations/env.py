"""Alembic environment: the engine comes from the caller (worker.db.engine.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, text

from worker.db.tables import metadata

MIGRATION_LOCK = 0x1FA5_0001  # an arbitrary key of this application's advisory lock

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise TypeError("run migrations through `ipasn-worker migrate`")

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        # Workers starting together migrate one at a time; the others then find it done.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
