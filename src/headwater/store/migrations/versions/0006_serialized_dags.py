"""Each DAG's structure as its parser stored it, and a record of every try that ended.

The API reads DAGs from ``serialized_dag`` instead of importing users' DAG files; ``task_instance_history``
keeps each try (try number, state, dates, host) after a retry or a clear has replaced it.

Revision ID: 0006_serialized_dags
Revises: 0005_jobs
"""

import sqlalchemy as sa
from alembic import op

from headwater.store.tables import UtcDateTime

revision = "0006_serialized_dags"
down_revision = "0005_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "serialized_dag",
        sa.Column("dag_id", sa.String(250), primary_key=True),
        sa.Column("fileloc", sa.String(2000), nullable=False),
        sa.Column("file_digest", sa.String(64)),
        sa.Column("dag_hash", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("lint", sa.JSON, nullable=False),
        sa.Column("last_updated", UtcDateTime, nullable=False),
    )
    op.create_table(
        "task_instance_history",
        sa.Column("dag_id", sa.String(250), primary_key=True),
        sa.Column("run_id", sa.String(250), primary_key=True),
        sa.Column("task_id", sa.String(250), primary_key=True),
        sa.Column("map_index", sa.Integer, primary_key=True),
        sa.Column("try_number", sa.Integer, primary_key=True),
        sa.Column("state", sa.String(20)),
        sa.Column("start_date", UtcDateTime),
        sa.Column("end_date", UtcDateTime),
        sa.Column("duration", sa.Float),
        sa.Column("max_tries", sa.Integer),
        sa.Column("operator", sa.String(1000)),
        sa.Column("pool", sa.String(256)),
        sa.Column("pool_slots", sa.Integer),
        sa.Column("queue", sa.String(256)),
        sa.Column("priority_weight", sa.Integer),
        sa.Column("queued_at", UtcDateTime),
        sa.Column("queued_by", sa.String(64)),
        sa.Column("hostname", sa.String(1000)),
        sa.Column("pid", sa.Integer),
        sa.Column("executor", sa.String(1000)),
        sa.Column("reason", sa.Text),
        sa.Column("decision", sa.JSON(none_as_null=True)),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("task_instance_history")
    op.drop_table("serialized_dag")
