"""reconciled: the agency of each NIP's snapshot last published

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 01:20:00.000000

With IPASN_AGENCY_OUTPUTS (contracts §15) every snapshot is also published on its agency's own
topic; an employee whose new snapshot names another agency than the one last published has
moved, and the old agency's topic gets one last snapshot saying so. The agency is kept beside
the version and digest. Rows written before have none (NULL): the agency they were published
for is not known, so no old agency is told (the new one gets its copies as usual).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reconciled", sa.Column("agency_code", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reconciled") as batch:
        batch.drop_column("agency_code")
