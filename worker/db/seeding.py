"""Databases for the benchmark: fresh ones on a PostgreSQL server, dropped when the process
exits, employees seeded in bulk, server-side, and what a database holds after a run.

Each seeded employee gets ten statements (a profile, a position and eight history rows, with
values of realistic size), ten reconciled records and a current index (worker/dev/bench/
flat_cost.py measures the worker against them).
"""

from __future__ import annotations

import atexit
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from worker.db.engine import make_engine, migrate

# Ten statements per seeded employee: kind and record id (profile and position have none).
SEED_ROWS = [("profile", None), ("position", None)] + [
    (kind, f"{kind}-{n}") for kind in ("education", "training", "performance", "discipline")
    for n in (1, 2)
]  # fmt: skip
VALUES = (
    '{"name": "Pegawai Contoh Bin Fulan", "birth_date": "1980-01-01", "gender": "M", '
    '"employee_type": "PNS", "status": "active", "agency_code": "3201", "unit_code": "U-01", '
    '"level": "S1", "institution": "Universitas Contoh Nusantara", "graduated_on": "2005-06-01"}'
)
# Synthetic NIPs of 18 digits that start with 9: never one of the sample's (19xx, 20xx).
NIP = "'9' || lpad(g::text, 17, '0')"


def seed(url: str, employees: int) -> float:
    """Seed `employees` employees; the seconds it took."""
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    started = time.monotonic()
    rows = " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, " + (f"'{rid}'" if rid else "NULL") + " AS record_id"
        for kind, rid in SEED_ROWS
    )
    seeding = create_engine(url)
    with seeding.begin() as conn:
        conn.execute(
            text(
                f"""INSERT INTO statements (nip, source, event_id, kind, record_id, time,
                    deleted, "values", topic, partition, "offset", received_at)
                SELECT {NIP}, 'siasn', 'seed-' || g || '-' || r.kind || coalesce(r.record_id, ''),
                    r.kind, r.record_id, now(), false, CAST(:v AS json), 'seed', 0, g, now()
                FROM generate_series(1, :n) g, ({rows}) r"""  # noqa: S608 - our own constants
            ),
            {"n": employees, "v": VALUES},
        )
        conn.execute(
            text(f"INSERT INTO employees (nip) SELECT {NIP} FROM generate_series(1, :n) g"),  # noqa: S608
            {"n": employees},
        )
        conn.execute(
            text(
                f"""INSERT INTO records (nip, kind, record_id, "values", source, event_id, time)
                SELECT {NIP}, r.kind, coalesce(r.record_id, ''), CAST(:v AS json), 'siasn',
                    'seed-' || g || '-' || r.kind || coalesce(r.record_id, ''), now()
                FROM generate_series(1, :n) g, ({rows}) r"""  # noqa: S608
            ),
            {"n": employees, "v": VALUES},
        )
        conn.execute(
            text(
                f"""INSERT INTO indexes (nip, measurement_year, rule_version, revision, score,
                    band, qualification, competency, performance, discipline, agency_code,
                    computed_at)
                SELECT {NIP}, 2025, 'bkn-8-2019', 1, 75, 'Sedang', 15, 30, 25, 5, '3201', now()
                FROM generate_series(1, :n) g"""  # noqa: S608
            ),
            {"n": employees},
        )
        conn.execute(text("ANALYZE"))
    seeding.dispose()  # no connection left: the database may serve as a template
    return time.monotonic() - started


# The databases made here and not dropped yet: (server, name).
_CREATED: list[tuple[str, str]] = []


def fresh_postgres(server: str) -> str | None:
    """A new database on the server, dropped by drop_created() (after each part of the
    benchmark) or when the process exits; None where no server answers."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"ipasn_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:  # noqa: BLE001 - no server: the benchmark goes without PostgreSQL
        return None
    finally:
        admin.dispose()
    _CREATED.append((server, name))
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def copy_database(server: str, url: str) -> str:
    """A new database on the server, a copy of the one at `url` (dropped as fresh_postgres's
    are)."""
    name = f"ipasn_bench_{uuid.uuid4().hex[:8]}"
    template = make_url(url).database
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    finally:
        admin.dispose()
    _CREATED.append((server, name))
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_created() -> None:
    """Drop every database fresh_postgres and copy_database made so far: after each part of
    the benchmark (a million employees take about 10 GB; the parts of the reported run made
    seven of up to 11 GB), and when the process exits."""
    while _CREATED:
        _drop(*_CREATED.pop())


atexit.register(drop_created)


def _drop(server: str, name: str) -> None:
    # A seeded database of a million employees takes about 10 GB.
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@dataclass(frozen=True)
class Stored:
    """What a benchmarked database holds: its size, each table's (with its indexes and TOAST),
    and the rows that say whether every event went all the way through."""

    bytes: int  # pg_database_size: the tables and the catalogs, free space within files
    tables: dict[str, int]
    statements: int
    indexes: int  # current indexes of employees
    outbox: int  # rows not published yet


def stored(url: str) -> Stored:
    """Measure a PostgreSQL database once the worker has finished with it."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            tables = conn.execute(
                text(
                    """SELECT relname, pg_total_relation_size(oid) FROM pg_class
                    WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"""
                )
            ).all()
            counts = [
                conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
                for table in ("statements", "indexes", "outbox")
            ]
    finally:
        engine.dispose()
    return Stored(int(size), {name: int(b) for name, b in tables}, *map(int, counts))
