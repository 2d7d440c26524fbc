"""employees: a version that every transaction adding statements about the employee moves

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 23:40:00.000000

A worker used to check each cached employee against the database by counting the employee's
statements after adding a batch's (a GROUP BY over all of them, however often they were
corrected: 9.6 ms of the server's time a batch of 2,000 events on the benchmark's stream of
10,000 employees). The lock it takes on
the employee's row anyway now moves the row's version and returns it, in the same statement.
Employees with statements start at 1, the others at 0 (none added yet).

Workers of an older version add statements without moving the version, so a newer worker could
trust a cached employee they changed: stop the old replicas before the new ones start (README,
"Upgrading").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "employees", sa.Column("version", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.execute(
        "UPDATE employees SET version = 1"
        " WHERE EXISTS (SELECT 1 FROM statements s WHERE s.nip = employees.nip)"
    )


def downgrade() -> None:
    with op.batch_alter_table("employees") as batch:
        batch.drop_column("version")
