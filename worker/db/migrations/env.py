"""Alembic environment: the engine comes from the caller (worker.db.engine.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from worker.db.tables import metadata

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise TypeError("run migrations through `ipasn-worker migrate`")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
