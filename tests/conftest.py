"""Fixtures for the real services: a Kafka broker and PostgreSQL.

The broker, in this order of preference:
- IPASN_TEST_KAFKA_BOOTSTRAP_SERVERS: a broker you started (`.ci/run` starts Apache Kafka);
- Apache Kafka, started by the tests, where Java and Maven are installed;
- else the local Kafka-compatible broker (Tansu), with the reason printed. IPASN_TEST_BROKER=local
  picks it on purpose.
Where a service is missing the tests that need it skip with the reason, except when
IPASN_TEST_REQUIRE_SERVICES=1 (set by .ci/run) or CI=true: there they fail, and the tests never
fall back from Apache Kafka to the local broker.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from worker.db.engine import make_engine, migrate
from worker.dev.brokers import DevBrokerError, GivenBroker, LocalBroker
from worker.dev.brokers.apache_kafka import ApacheKafka, java_missing
from worker.dev.brokers.tansu import TansuBroker

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


def choose_broker() -> tuple[LocalBroker, str]:
    """The broker the tests use, and why that one when it is not Apache Kafka."""
    given = os.environ.get("IPASN_TEST_KAFKA_BOOTSTRAP_SERVERS", "").strip()
    if given:
        name = f"the broker at {given} (IPASN_TEST_KAFKA_BOOTSTRAP_SERVERS)"
        return GivenBroker(given, name), ""
    if os.environ.get("IPASN_TEST_BROKER", "").strip().lower() == "local":
        return TansuBroker(0), "IPASN_TEST_BROKER=local"
    why = java_missing()
    if why and not services_required():
        return TansuBroker(0), f"{why}; the tests fall back to the local broker"
    return ApacheKafka(0), ""


CHOSEN = choose_broker()


def pytest_report_header() -> str:
    chosen, why = CHOSEN
    return f"kafka broker: {chosen.name}" + (f" ({why})" if why else "")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    chosen, why = CHOSEN
    if why:
        terminalreporter.write_line(f"broker-facing tests ran on {chosen.name}: {why}")


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    chosen, _ = CHOSEN
    if isinstance(chosen, ApacheKafka):
        chosen.log_dir = tmp_path_factory.mktemp("apache-kafka-logs")
    try:
        chosen.start()
    except DevBrokerError as e:
        missing(f"{chosen.name} unavailable: {e}")
        raise
    yield chosen
    chosen.stop()


@dataclass(frozen=True)
class Topics:
    input: str
    output: str
    dlq: str
    group: str
    reconciled: str = "asn.personnel.reconciled"
    agency: str = "asn.ipasn.agency.recalculated"

    @classmethod
    def fresh(cls) -> Topics:
        """Topics and a consumer group no other test uses."""
        tag = uuid.uuid4().hex[:8]
        names = ("changes", "recalculated", "dlq", "ipasn", "reconciled", "agencies")
        return cls(*(f"{name}-{tag}" for name in names))

    def create(self, broker: LocalBroker, partitions: int = 3) -> Topics:
        """Every topic `run` needs (it refuses to start without one), on `broker`."""
        keyed = dict.fromkeys((self.input, self.output, self.reconciled), partitions)
        broker.create_topics({**keyed, self.dlq: 1, self.agency: 1})
        return self


@pytest.fixture
def topics(broker: LocalBroker) -> Topics:
    """Fresh topics and a consumer group of its own for one test."""
    return Topics.fresh().create(broker)


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


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    """A database of its own for one test, migrated, as an engine."""
    engine = make_engine(postgres_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """Each test that takes this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/ipasn.db"
    return str(request.getfixturevalue("postgres_url"))
