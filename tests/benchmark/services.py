"""The broker and the PostgreSQL database a benchmark runs on."""

from __future__ import annotations

import argparse
import atexit
import uuid

from sqlalchemy import create_engine, text

from worker.devbroker import LocalBroker
from worker.devbroker.apache_kafka import ApacheKafka, java_missing
from worker.devbroker.tansu import TansuBroker

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def add_broker_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--broker",
        choices=["apache-kafka", "local"],
        default="local" if java_missing() else "apache-kafka",
        help="Apache Kafka (one KRaft node, needs Java) or the in-memory stand-in",
    )


def broker_for(args: argparse.Namespace) -> LocalBroker:
    return ApacheKafka(0) if args.broker == "apache-kafka" else TansuBroker(0)


def fresh_postgres() -> str | None:
    """A new database on the local server, dropped when the benchmark exits; None where no
    server answers."""
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"ipasn_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:  # noqa: BLE001 - no server: the benchmark skips PostgreSQL
        return None
    finally:
        admin.dispose()
    atexit.register(_drop, name)
    return POSTGRES.rsplit("/", 1)[0] + f"/{name}"


def _drop(name: str) -> None:
    # A seeded database of a million employees takes about 10 GB.
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
