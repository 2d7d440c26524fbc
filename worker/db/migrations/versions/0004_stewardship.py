"""stewardship: steward statements, open and closed conflicts, reconciled snapshot versions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 06:00:00.000000

Steward overrides are statements with who decided and why (contracts §7), and a release ends a
pin. A conflict stays open while the reconciled state still has it and records the rule that
decided it; it closes when the losing statement is superseded or agrees, or a steward decides.
Each employee's reconciled snapshot (contracts §6) has a version and a digest of what it says,
so that only a real change publishes a new one. Existing rows: no actor, reason or rule, not
released, every conflict open; no snapshot published yet.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("released", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rule", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_reason", sa.String(length=16), nullable=True))
    op.create_index("ix_conflicts_detected", "conflicts", ["detected_at", "id"])
    op.create_index(
        "ix_conflicts_open",
        "conflicts",
        ["detected_at"],
        postgresql_where=sa.text("closed_at IS NULL"),
        sqlite_where=sa.text("closed_at IS NULL"),
    )
    op.create_table(
        "reconciled",
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nip", name=op.f("pk_reconciled")),
    )


def downgrade() -> None:
    op.drop_table("reconciled")
    op.drop_index("ix_conflicts_open", table_name="conflicts")
    op.drop_index("ix_conflicts_detected", table_name="conflicts")
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_column("closed_reason")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("rule")
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_column("released")
        batch_op.drop_column("reason")
        batch_op.drop_column("actor")
