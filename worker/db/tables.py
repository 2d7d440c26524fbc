"""The schema. Alembic migrations in worker/db/migrations must create exactly this."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Dialect,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.types import DateTime, TypeDecorator, TypeEngine

from worker.domain.agencies import BANDS as BAND_NAMES
from worker.domain.model import DIMENSIONS

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Points(TypeDecorator[Decimal]):
    """Exact decimal points: NUMERIC on PostgreSQL, text on SQLite (which has only floats)."""

    impl = Numeric(6, 2)
    cache_ok = True
    digits = 6

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.digits + 6))
        return dialect.type_descriptor(Numeric(self.digits, 2))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        # normalize() so that 15.00 from NUMERIC(6,2) and "15" from text compare and print alike.
        return None if value is None else _plain(Decimal(value))


class PointSums(Points):
    """A sum of points over millions of employees (an agency's): 14 digits before the point."""

    impl = Numeric(16, 2)
    cache_ok = True  # not inherited: SQLAlchemy asks each TypeDecorator class itself
    digits = 16


def _plain(value: Decimal) -> Decimal:
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


NIP = String(18)
# An opaque upstream identifier (contracts §1): up to 200 characters, like event ids.
RECORD_ID = String(200)

# One row per employee ever seen, to be locked: a transaction that adds statements locks the
# rows of its employees first (inserting those not there yet), so that two transactions never
# compute one employee's state at the same time (worker/db/store/dialects.py, _LOCK_EMPLOYEES_*).
# So every NIP with a statement has a row (0010 added those of statements older than 0003), and
# `recompute` pages through this table. The lock also moves the employee's version by one, so
# that a cached employee is known to be as the database holds it when the version is one past
# the one the cache saw: no other transaction added statements about them since (0011; the
# employee cache, worker/pipeline/cache.py). 0: no transaction ever added one.
employees = Table(
    "employees",
    metadata,
    Column("nip", NIP, primary_key=True),
    Column("version", BigInteger, nullable=False, server_default="0"),
)

# Every statement ever received; (source, event_id) de-duplicates redelivery.
statements = Table(
    "statements",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("nip", NIP, nullable=False),
    Column("source", String(64), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("record_id", RECORD_ID),
    Column("time", UtcDateTime(), nullable=False),
    Column("sequence", BigInteger),
    Column("deleted", Boolean, nullable=False),
    Column("values", JSON),
    Column("topic", String(255), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    # A steward's override (contracts §7): who decided and why; `released` ends a pin (with
    # `deleted` true and no values).
    Column("actor", String(200)),
    Column("reason", Text),
    Column("released", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("source", "event_id"),
    Index(None, "nip"),
)

# The reconciled state: one row per record that exists, with where it came from.
records = Table(
    "records",
    metadata,
    Column("nip", NIP, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("record_id", RECORD_ID, nullable=False),  # "" for profile and position
    Column("values", JSON, nullable=False),
    Column("source", String(64), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("time", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("nip", "kind", "record_id"),
)

# Disagreements between sources, for a data steward; each is recorded once, with the rule that
# decided it. Open while the reconciled state has it; `closed_reason`: "superseded" (the losing
# or the winning statement was replaced), "agrees" (the sources now agree) or "steward" (a
# steward's override decides the record). A conflict that comes back is open again.
conflicts = Table(
    "conflicts",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("nip", NIP, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("record_id", RECORD_ID, nullable=False),
    Column("winner_source", String(64), nullable=False),
    Column("winner_event_id", String(200), nullable=False),
    Column("winner_values", JSON),
    Column("loser_source", String(64), nullable=False),
    Column("loser_event_id", String(200), nullable=False),
    Column("loser_values", JSON),
    Column("detected_at", UtcDateTime(), nullable=False),
    Column("rule", Text),
    Column("closed_at", UtcDateTime()),
    Column("closed_reason", String(16)),
    UniqueConstraint(
        "nip",
        "kind",
        "record_id",
        "winner_source",
        "winner_event_id",
        "loser_source",
        "loser_event_id",
        name="uq_conflicts_once",
    ),
)


# The stewards' queue with closed ones too (`conflicts --all`), oldest first.
Index("ix_conflicts_detected", conflicts.c.detected_at, conflicts.c.id)
Index(
    "ix_conflicts_open",
    conflicts.c.detected_at,
    postgresql_where=conflicts.c.closed_at.is_(None),
    sqlite_where=conflicts.c.closed_at.is_(None),
)

# Each employee's reconciled snapshot on asn.personnel.reconciled (contracts §6): the version
# last published and a digest of what it said, so that only a real change publishes again.
reconciled = Table(
    "reconciled",
    metadata,
    Column("nip", NIP, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
    # The snapshot's agency (None: none, or published before the agency was kept): an employee
    # whose new snapshot names another has moved (contracts §15).
    Column("agency_code", String(40)),
)


# Per agency, measurement year and rule version: the employees with a current index, the sum of
# their scores and the count per band (contracts §10), kept from index changes in the
# transaction that makes them; `version` counts the figures published.
BAND_COLUMNS = tuple(f"band_{b.lower().replace(' ', '_')}" for b in BAND_NAMES)
agency_aggregates = Table(
    "agency_aggregates",
    metadata,
    Column("agency_code", String(40), nullable=False),
    Column("measurement_year", Integer, nullable=False),
    Column("rule_version", String(40), nullable=False),
    Column("employees", Integer, nullable=False),
    Column("score_sum", PointSums(), nullable=False),
    *(Column(c, Integer, nullable=False) for c in BAND_COLUMNS),
    Column("version", Integer, nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("agency_code", "measurement_year", "rule_version"),
)


def _index_columns() -> list[Column[Any]]:
    return [
        Column("nip", NIP, nullable=False),
        Column("measurement_year", Integer, nullable=False),
        Column("rule_version", String(40), nullable=False),
        Column("revision", Integer, nullable=False),
        Column("score", Points()),
        Column("band", String(16)),
        *(Column(dimension, Points()) for dimension in DIMENSIONS),
        Column("agency_code", String(40)),
        Column("computed_at", UtcDateTime(), nullable=False),
    ]


# The current index per NIP, year and rule version (score None: withdrawn).
indexes = Table(
    "indexes",
    metadata,
    *_index_columns(),
    PrimaryKeyConstraint("nip", "measurement_year", "rule_version"),
)

# Every revision ever published, with what caused it.
revisions = Table(
    "revisions",
    metadata,
    *_index_columns(),
    Column("previous_score", Points()),
    Column("previous_band", String(16)),
    Column("caused_by", JSON, nullable=False),
    PrimaryKeyConstraint("nip", "measurement_year", "rule_version", "revision"),
)

# Recalculated events waiting to be published, in id order.
outbox = Table(
    "outbox",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", String(120), nullable=False, unique=True),
    Column("topic", String(255), nullable=False),
    Column("key", String(40), nullable=False),  # a NIP, or an agency code (contracts §10)
    Column("payload", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
)
# Sent rows are deleted (migration 0006), so the relay reads the unsent ones in id order by the
# primary key; a partial index of their ids only cost an entry per row (dropped by 0009).
# A transaction asks whether its keys have older rows waiting (worker/db/store/outbox.py).
Index(
    "ix_outbox_unsent_key",
    outbox.c.key,
    postgresql_where=outbox.c.sent_at.is_(None),
    sqlite_where=outbox.c.sent_at.is_(None),
)
