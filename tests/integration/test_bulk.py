"""COPY into PostgreSQL: the same rows and the same errors as SQLAlchemy's own inserts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.exc import DataError

from worker.db.bulk import copy_rows, insert_new, track_staging, upsert
from worker.db.engine import make_engine, migrate
from worker.db.store import INDEX_COLUMNS, INDEX_KEY, RECORD_COLUMNS, STATEMENT_COLUMNS
from worker.db.tables import indexes, records, statements

pytestmark = pytest.mark.postgres
T = datetime(2025, 1, 20, 9, 0, tzinfo=UTC)


def _statement(event_id: str, nip: str = "198703142010121001") -> dict[str, Any]:
    return {
        "nip": nip, "source": "simpeg:7318", "event_id": event_id, "kind": "education",
        "record_id": "simpeg:7318-pend-2802-0", "time": T, "sequence": None, "deleted": False,
        "values": {"level": "S2", "institution": "Universitas  Terbuka \u2013 Manado"},
        "topic": "t", "partition": 0, "offset": 1, "received_at": T,
        "actor": None, "reason": None, "released": False,
    }  # fmt: skip


def test_only_statements_not_stored_yet_are_inserted_and_returned(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    migrate(engine)
    with engine.begin() as conn:
        first = insert_new(
            conn, statements, STATEMENT_COLUMNS, [_statement("e-1")], ("source", "event_id")
        )
    with engine.begin() as conn:
        again = insert_new(
            conn, statements, STATEMENT_COLUMNS, [_statement("e-1"), _statement("e-2")],
            ("source", "event_id"),
        )  # fmt: skip
        stored = conn.execute(select(statements).order_by(statements.c.event_id)).all()
    engine.dispose()

    assert first == [("simpeg:7318", "e-1")]
    assert again == [("simpeg:7318", "e-2")]
    assert [(r.event_id, r.values, r.time) for r in stored] == [
        ("e-1", _statement("e-1")["values"], T),
        ("e-2", _statement("e-2")["values"], T),
    ]


def test_copied_records_read_back_as_written(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    migrate(engine)
    row = {
        "nip": "198703142010121001", "kind": "profile", "record_id": "",
        "values": {"name": "Dra. Siti", "agency_code": "3201"}, "source": "siasn",
        "event_id": "12/KP/2021", "time": T,
    }  # fmt: skip
    with engine.begin() as conn:
        copy_rows(conn, records, RECORD_COLUMNS, [row])
        back = conn.execute(select(records)).one()
    engine.dispose()

    assert back._asdict() == row


def test_a_value_the_database_refuses_raises_sqlalchemys_data_error(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    migrate(engine)
    with pytest.raises(DataError), engine.begin() as conn:
        insert_new(
            conn, statements, STATEMENT_COLUMNS, [_statement("e-1", nip="1" * 19)],
            ("source", "event_id"),
        )  # fmt: skip
    engine.dispose()


def test_an_upsert_inserts_new_rows_and_updates_existing_ones(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    migrate(engine)
    key = {"nip": "198703142010121001", "measurement_year": 2025, "rule_version": "bkn-8-2019"}
    dims = {"qualification": Decimal(20), "competency": Decimal("22.5"), "performance": Decimal(25)}

    def index(revision: int, score: str) -> dict[str, Any]:
        return {
            **key, "revision": revision, "score": Decimal(score), "band": "Sedang", **dims,
            "discipline": Decimal(3), "agency_code": "3201", "computed_at": T,
        }  # fmt: skip

    other = {**index(1, "60"), "nip": "199406302019032002"}
    with engine.begin() as conn:
        upsert(conn, indexes, INDEX_COLUMNS, [index(1, "70.5")], INDEX_KEY)
    with engine.begin() as conn:
        upsert(conn, indexes, INDEX_COLUMNS, [index(2, "73"), other], INDEX_KEY)
        stored = conn.execute(select(indexes).order_by(indexes.c.nip)).all()
    engine.dispose()

    assert [(r.nip, r.revision, r.score, r.competency) for r in stored] == [
        ("198703142010121001", 2, Decimal(73), Decimal("22.5")),
        ("199406302019032002", 1, Decimal(60), Decimal("22.5")),
    ]


def test_a_rolled_back_transaction_does_not_leave_the_connection_without_its_staging_table(
    postgres_url: str,
) -> None:
    # pool_size=1: every transaction below runs on the same database connection.
    engine = make_engine(postgres_url)
    migrate(engine)
    one = create_engine(engine.url, pool_size=1, max_overflow=0)
    track_staging(one)
    unique = ("source", "event_id")
    with one.connect() as conn, conn.begin() as transaction:
        insert_new(conn, statements, STATEMENT_COLUMNS, [_statement("e-1")], unique)
        transaction.rollback()  # takes the staging table, created in it, away
    with one.begin() as conn:
        stored = insert_new(conn, statements, STATEMENT_COLUMNS, [_statement("e-1")], unique)
    with one.begin() as conn:
        again = insert_new(conn, statements, STATEMENT_COLUMNS, [_statement("e-2")], unique)

    assert (stored, again) == ([("simpeg:7318", "e-1")], [("simpeg:7318", "e-2")])
    one.dispose()
    engine.dispose()
