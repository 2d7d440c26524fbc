"""outbox: rows are deleted once sent; an index of the unsent rows' keys

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 12:00:00.000000

From this version a sent row leaves the table instead of being marked (`sent_at`), so the table
holds what is waiting to be sent, and a transaction asks whether its keys have rows waiting.
The rows older versions marked sent are deleted here; `sent_at` stays, so that a worker of the
previous version running during an upgrade still works (its marked rows count as sent).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UNSENT = sa.text("sent_at IS NULL")


def upgrade() -> None:
    op.execute("DELETE FROM outbox WHERE sent_at IS NOT NULL")
    op.create_index(
        "ix_outbox_unsent_key",
        "outbox",
        ["key"],
        unique=False,
        postgresql_where=UNSENT,
        sqlite_where=UNSENT,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_unsent_key", table_name="outbox")
