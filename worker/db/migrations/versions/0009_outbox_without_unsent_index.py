"""outbox: no partial index of the unsent rows' ids

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 14:10:00.000000

Since 0006 a sent row is deleted, so nearly every row of the outbox is unsent and the partial
index `ix_outbox_unsent` (id WHERE sent_at IS NULL) repeats the primary key: the relay's read in
id order walks the primary key as well. Every row written and deleted cost an entry in it, and
every VACUUM a pass over it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UNSENT = sa.text("sent_at IS NULL")


def upgrade() -> None:
    op.drop_index("ix_outbox_unsent", table_name="outbox")


def downgrade() -> None:
    op.create_index(
        "ix_outbox_unsent", "outbox", ["id"], unique=False,
        postgresql_where=UNSENT, sqlite_where=UNSENT,
    )  # fmt: skip
