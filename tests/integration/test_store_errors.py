"""The store speaks the project's errors: a refused value, a database that does not answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from worker.db.engine import make_engine, migrate
from worker.db.store import SqlStore
from worker.dev.brokers import free_port
from worker.domain.model import Statement
from worker.pipeline.ports import Origin, RefusedValue, TransientError

T = datetime(2025, 1, 20, 9, 0, tzinfo=UTC)


def _statement(nip: str) -> Statement:
    return Statement(
        nip=nip, source="siasn", kind="education", record_id="E-1", event_id="e-1", time=T,
        sequence=None, values={"level": "S2", "institution": "UI", "graduated_on": "2020-03-01"},
    )  # fmt: skip


@pytest.mark.postgres
def test_a_value_postgresql_refuses_is_a_refused_value_naming_the_drivers_error(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url)
    migrate(engine)
    store = SqlStore(engine)

    with pytest.raises(RefusedValue, match="StringDataRightTruncation"), store.unit(T) as unit:
        unit.add_statements([(_statement("1" * 19), Origin("t", 0, 0))])
    engine.dispose()


def test_a_database_that_does_not_answer_is_transient() -> None:
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    store = SqlStore(engine)

    with pytest.raises(TransientError, match="database unavailable"), store.unit(T):
        pass
    with pytest.raises(TransientError, match="database unavailable"):
        store.pending_count()
    engine.dispose()
