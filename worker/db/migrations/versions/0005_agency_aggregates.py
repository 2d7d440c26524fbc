"""agency_aggregates: per agency, year and rule version, the figures of contracts §10

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 07:00:00.000000

Kept from index changes from now on. Indexes stored before this migration are counted here
once, from the `indexes` table, so that the figures equal a full recomputation from the start
(version 1 each, published with the agency's next change).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BANDS = ("Sangat Tinggi", "Tinggi", "Sedang", "Rendah", "Sangat Rendah")


def _column(band: str) -> str:
    return "band_" + band.lower().replace(" ", "_")


def upgrade() -> None:
    # Agency events are keyed by the agency code (up to 40 characters), not a NIP.
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "key",
            existing_type=sa.String(length=18),
            type_=sa.String(length=40),
            existing_nullable=False,
        )
    op.create_table(
        "agency_aggregates",
        sa.Column("agency_code", sa.String(length=40), nullable=False),
        sa.Column("measurement_year", sa.Integer(), nullable=False),
        sa.Column("rule_version", sa.String(length=40), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=False),
        sa.Column(
            "score_sum", sa.Numeric(16, 2).with_variant(sa.String(22), "sqlite"), nullable=False
        ),
        *(sa.Column(_column(b), sa.Integer(), nullable=False) for b in BANDS),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "agency_code", "measurement_year", "rule_version", name=op.f("pk_agency_aggregates")
        ),
    )
    counts = ", ".join(f"SUM(CASE WHEN band = '{b}' THEN 1 ELSE 0 END)" for b in BANDS)
    columns = ", ".join(_column(b) for b in BANDS)
    total = "CAST(SUM(CAST(score AS NUMERIC(16, 2))) AS TEXT)"
    if op.get_bind().dialect.name == "postgresql":
        total = "SUM(score)"
    # Fixed column names and band labels only: nothing from outside goes into this text.
    fill = (
        "INSERT INTO agency_aggregates (agency_code, measurement_year, rule_version, employees, "  # noqa: S608
        f"score_sum, {columns}, version, changed_at) "
        f"SELECT agency_code, measurement_year, rule_version, COUNT(*), {total}, {counts}, 1, "
        "CURRENT_TIMESTAMP FROM indexes "
        "WHERE score IS NOT NULL AND agency_code IS NOT NULL AND agency_code <> '' "
        "GROUP BY agency_code, measurement_year, rule_version"
    )
    op.execute(fill)


def downgrade() -> None:
    op.drop_table("agency_aggregates")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "key",
            existing_type=sa.String(length=40),
            type_=sa.String(length=18),
            existing_nullable=False,
        )
