"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 17:30:35.076692
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Exact points: NUMERIC on PostgreSQL, text on SQLite (worker.db.tables.Points).
POINTS = sa.Numeric(6, 2).with_variant(sa.String(12), "sqlite")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conflicts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=False),
        sa.Column("winner_source", sa.String(length=64), nullable=False),
        sa.Column("winner_event_id", sa.String(length=200), nullable=False),
        sa.Column("winner_values", sa.JSON(), nullable=True),
        sa.Column("loser_source", sa.String(length=64), nullable=False),
        sa.Column("loser_event_id", sa.String(length=200), nullable=False),
        sa.Column("loser_values", sa.JSON(), nullable=True),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
        sa.UniqueConstraint(
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
    op.create_table(
        "indexes",
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("measurement_year", sa.Integer(), nullable=False),
        sa.Column("rule_version", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("score", POINTS, nullable=True),
        sa.Column("band", sa.String(length=16), nullable=True),
        sa.Column("qualification", POINTS, nullable=True),
        sa.Column("competency", POINTS, nullable=True),
        sa.Column("performance", POINTS, nullable=True),
        sa.Column("discipline", POINTS, nullable=True),
        sa.Column("agency_code", sa.String(length=40), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nip", "measurement_year", "rule_version", name=op.f("pk_indexes")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=120), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=18), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_unsent",
            ["id"],
            unique=False,
            postgresql_where=sa.text("sent_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL"),
        )

    op.create_table(
        "records",
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nip", "kind", "record_id", name=op.f("pk_records")),
    )
    op.create_table(
        "revisions",
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("measurement_year", sa.Integer(), nullable=False),
        sa.Column("rule_version", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("score", POINTS, nullable=True),
        sa.Column("band", sa.String(length=16), nullable=True),
        sa.Column("qualification", POINTS, nullable=True),
        sa.Column("competency", POINTS, nullable=True),
        sa.Column("performance", POINTS, nullable=True),
        sa.Column("discipline", POINTS, nullable=True),
        sa.Column("agency_code", sa.String(length=40), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous_score", POINTS, nullable=True),
        sa.Column("previous_band", sa.String(length=16), nullable=True),
        sa.Column("caused_by", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint(
            "nip", "measurement_year", "rule_version", "revision", name=op.f("pk_revisions")
        ),
    )
    op.create_table(
        "statements",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=True),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=True),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint("source", "event_id", name=op.f("uq_statements_source_event_id")),
    )
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statements_nip"), ["nip"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statements_nip"))

    op.drop_table("statements")
    op.drop_table("revisions")
    op.drop_table("records")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_unsent",
            postgresql_where=sa.text("sent_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL"),
        )

    op.drop_table("outbox")
    op.drop_table("indexes")
    op.drop_table("conflicts")
