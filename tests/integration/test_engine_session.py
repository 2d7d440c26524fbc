"""The worker's PostgreSQL sessions: in UTC whatever the server's default time zone, and the
times read back the instants written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from worker.db.bulk import copy_rows
from worker.db.engine import make_engine, migrate
from worker.db.store import RECORD_COLUMNS
from worker.db.store.dialects import PostgresWrites
from worker.db.tables import records

pytestmark = pytest.mark.postgres
NIP = "198703142010121001"
WIB = timezone(timedelta(hours=7))
T = datetime(2025, 1, 20, 23, 30, tzinfo=WIB)  # 16:30 UTC, the 20th in both


@pytest.fixture
def jakarta_url(postgres_url: str, postgres_server: str) -> str:
    """A migrated database whose default time zone is Asia/Jakarta, as a server in Indonesia
    may well be set up, holding one record written at T."""
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        name = make_url(postgres_url).database
        conn.execute(text(f"ALTER DATABASE \"{name}\" SET timezone TO 'Asia/Jakarta'"))
    admin.dispose()
    engine = make_engine(postgres_url)
    migrate(engine)
    row = {
        "nip": NIP, "kind": "profile", "record_id": "", "values": {"agency_code": "3201"},
        "source": "siasn", "event_id": "e-1", "time": T,
    }  # fmt: skip
    with engine.begin() as conn:
        copy_rows(conn, records, RECORD_COLUMNS, [row])
    engine.dispose()
    return postgres_url


def _zone_and_time(engine: Engine) -> tuple[str, datetime]:
    with engine.connect() as conn:
        zone = conn.execute(text("SHOW TimeZone")).scalar_one()
        [(*_, time)] = PostgresWrites(conn).read_records([NIP])
    engine.dispose()
    return zone, time


def test_the_workers_sessions_are_in_utc_whatever_the_servers_default(jakarta_url: str) -> None:
    plain = create_engine(jakarta_url)
    with plain.connect() as conn:
        assert conn.execute(text("SHOW TimeZone")).scalar_one() == "Asia/Jakarta"
    plain.dispose()

    zone, time = _zone_and_time(make_engine(jakarta_url))

    assert zone == "UTC"
    assert time == T
    assert time.tzinfo is UTC  # psycopg's own UTC, the cheap one to read and convert


def test_a_urls_own_options_are_kept_and_times_still_read_back_in_utc(jakarta_url: str) -> None:
    options = quote("-c statement_timeout=1234")
    engine = make_engine(f"{jakarta_url}?options={options}")
    with engine.connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "1234ms"

    zone, time = _zone_and_time(engine)

    assert zone == "Asia/Jakarta"
    assert time == T
    assert time.utcoffset() == timedelta(0)
