"""employees: one row per employee, locked by each transaction that changes its state

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 09:00:00.000000

Two transactions adding statements about one employee at once (a worker that lost its partition
mid-batch, the employee's events on two input topics or in two partitions) each computed the
employee's state without the other's statements. On PostgreSQL each transaction now locks its
employees' rows first. Rows are added as employees are first seen; nothing to fill in here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "employees",
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.PrimaryKeyConstraint("nip", name=op.f("pk_employees")),
    )


def downgrade() -> None:
    op.drop_table("employees")
