"""The benchmark's databases: made on the server, and dropped once their part is done (a
seeded million employees take about 10 GB)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from worker.db.seeding import copy_database, drop_created, fresh_postgres

pytestmark = pytest.mark.postgres


def _databases(server: str) -> set[str]:
    admin = create_engine(server)
    try:
        with admin.connect() as conn:
            return set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
    finally:
        admin.dispose()


def test_the_databases_made_for_a_part_are_dropped_after_it(postgres_server: str) -> None:
    fresh = fresh_postgres(postgres_server)
    assert fresh is not None
    copy = copy_database(postgres_server, fresh)
    made = {make_url(url).database for url in (fresh, copy)}
    assert made <= _databases(postgres_server)

    drop_created()

    assert not made & _databases(postgres_server)
    drop_created()  # nothing left to drop: no error


def test_no_server_means_no_database() -> None:
    assert fresh_postgres("postgresql+psycopg://nobody@127.0.0.1:1/none") is None
