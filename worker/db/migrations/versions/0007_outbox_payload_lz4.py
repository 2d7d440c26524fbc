"""outbox: the payload column compressed with lz4 on PostgreSQL

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:30:00.000000

A reconciled snapshot's payload (2-4 KB) is over PostgreSQL's TOAST threshold, so every outbox
row holding one is compressed as it is written, with pglz by default: the most expensive
statement of a batch was the outbox's COPY. lz4 compresses about as well at a third of the
server's time (14,000 snapshot-sized rows: 266-341 ms with pglz, 110 ms with lz4). Only where
the server was built with lz4 (PostgreSQL 14 or later, as Debian's packages are); elsewhere the
column keeps the default. Rows written before keep their pglz until rewritten, which outbox rows
never are: they are deleted once sent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# PostgreSQL 14 or later lists the methods it was built with; older servers have no setting.
LZ4_BUILT = sa.text(
    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
)


def _lz4_available() -> bool:
    bind = op.get_bind()
    return bind.dialect.name == "postgresql" and bool(bind.execute(LZ4_BUILT).scalar())


def upgrade() -> None:
    if _lz4_available():
        op.execute("ALTER TABLE outbox ALTER COLUMN payload SET COMPRESSION lz4")


def downgrade() -> None:
    if _lz4_available():
        op.execute("ALTER TABLE outbox ALTER COLUMN payload SET COMPRESSION DEFAULT")
