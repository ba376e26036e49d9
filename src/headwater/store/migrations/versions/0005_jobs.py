"""Long-running processes record themselves and their heartbeat (``headwater jobs check``).

Revision ID: 0005_jobs
Revises: 0004_decisions
"""

import sqlalchemy as sa
from alembic import op

from headwater.store.tables import UtcDateTime

revision = "0005_jobs"
down_revision = "0004_decisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job_type", sa.String(30), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("hostname", sa.String(1000)),
        sa.Column("pid", sa.Integer),
        sa.Column("executor_class", sa.String(500)),
        sa.Column("start_date", UtcDateTime, nullable=False),
        sa.Column("end_date", UtcDateTime),
        sa.Column("latest_heartbeat", UtcDateTime, nullable=False),
    )
    op.create_index("ix_job_type_heartbeat", "job", ["job_type", "latest_heartbeat"])
    op.create_index("ix_job_state_heartbeat", "job", ["state", "latest_heartbeat"])


def downgrade() -> None:
    op.drop_index("ix_job_state_heartbeat", "job")
    op.drop_index("ix_job_type_heartbeat", "job")
    op.drop_table("job")
