"""Fixtures for the real services: the local broker and PostgreSQL.

Where a service is missing the tests that need it skip with the reason, except when
IPASN_TEST_REQUIRE_SERVICES=1 (set by .ci/run) or CI=true: there they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from worker.devbroker import DevBroker, DevBrokerError

POSTGRES_URL = os.environ.get(
    "IPASN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def services_required() -> bool:
    return (
        os.environ.get("IPASN_TEST_REQUIRE_SERVICES") == "1"
        or os.environ.get("CI", "").lower() == "true"
    )


def missing(reason: str) -> None:
    if services_required():
        pytest.fail(f"{reason} (services are required here)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def broker() -> Iterator[DevBroker]:
    try:
        running = DevBroker(0).start()
    except DevBrokerError as e:
        missing(f"local broker unavailable: {e}")
        raise
    yield running
    running.stop()


@dataclass(frozen=True)
class Topics:
    input: str
    output: str
    dlq: str
    group: str


@pytest.fixture
def topics(broker: DevBroker) -> Topics:
    """Fresh topics and a consumer group of its own for one test.

    Reusing a group name across tests with other topics makes the local broker's group
    coordinator loop on rebalances.
    """
    tag = uuid.uuid4().hex[:8]
    t = Topics(f"changes-{tag}", f"recalculated-{tag}", f"dlq-{tag}", f"ipasn-{tag}")
    broker.create_topics({t.input: 3, t.output: 3, t.dlq: 1})
    return t


@pytest.fixture(scope="session")
def postgres_server() -> str:
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as e:  # noqa: BLE001 - any failure to connect means "not there"
        missing(f"PostgreSQL unavailable at {make_url(POSTGRES_URL).host}: {type(e).__name__}")
    finally:
        engine.dispose()
    return POSTGRES_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A database of its own for one test, dropped afterwards."""
    name = f"ipasn_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """Each test that takes this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/ipasn.db"
    return str(request.getfixturevalue("postgres_url"))
