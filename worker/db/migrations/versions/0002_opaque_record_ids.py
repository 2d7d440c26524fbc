"""record ids are opaque upstream identifiers of up to 200 characters

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 10:00:00.000000

Regional systems use record ids such as ``simpeg:7318-pend-2802-0`` (contracts §1,
"Identifiers are opaque"). PostgreSQL widens a VARCHAR in place; SQLite does not enforce
lengths, and batch mode (a table copy there) keeps the declared type equal to the models'.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# (table, nullable): the record_id columns of worker.db.tables.
RECORD_ID_COLUMNS = (("statements", True), ("records", False), ("conflicts", False))


def upgrade() -> None:
    for table, nullable in RECORD_ID_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "record_id",
                existing_type=sa.String(length=40),
                type_=sa.String(length=200),
                existing_nullable=nullable,
            )


def downgrade() -> None:
    # Fails on PostgreSQL while a stored record id is longer than 40 characters, as it should.
    for table, nullable in RECORD_ID_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "record_id",
                existing_type=sa.String(length=200),
                type_=sa.String(length=40),
                existing_nullable=nullable,
            )
