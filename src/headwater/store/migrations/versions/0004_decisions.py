"""Task instances keep the structured decision that put them in their state (for ``tasks why``).

Revision ID: 0004_decisions
Revises: 0003_xcom_value_last
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_decisions"
down_revision = "0003_xcom_value_last"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task_instance") as batch:
        batch.add_column(sa.Column("decision", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("task_instance") as batch:
        batch.drop_column("decision")
