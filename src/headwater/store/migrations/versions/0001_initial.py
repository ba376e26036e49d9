"""The first schema: DAG runs, task instances, XComs, import errors.

Revision ID: 0001_initial
Revises:
"""

import sqlalchemy as sa
from alembic import op

from headwater.store.tables import UtcDateTime

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dag_run",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dag_id", sa.String(250), nullable=False),
        sa.Column("run_id", sa.String(250), nullable=False),
        sa.Column("run_type", sa.String(50), nullable=False),
        sa.Column("logical_date", UtcDateTime, nullable=False),
        sa.Column("data_interval_start", UtcDateTime),
        sa.Column("data_interval_end", UtcDateTime),
        sa.Column("external_trigger", sa.Boolean, nullable=False),
        sa.Column("conf", sa.JSON),
        sa.Column("state", sa.String(50), nullable=False),
        sa.Column("start_date", UtcDateTime),
        sa.Column("end_date", UtcDateTime),
        sa.Column("reason", sa.Text),
    )
    op.create_index("ux_dag_run_dag_id_run_id", "dag_run", ["dag_id", "run_id"], unique=True)
    op.create_index("ix_dag_run_dag_id_logical_date", "dag_run", ["dag_id", "logical_date"])
    op.create_table(
        "task_instance",
        sa.Column("dag_id", sa.String(250), primary_key=True),
        sa.Column("run_id", sa.String(250), primary_key=True),
        sa.Column("task_id", sa.String(250), primary_key=True),
        sa.Column("map_index", sa.Integer, primary_key=True),
        sa.Column("state", sa.String(20)),
        sa.Column("try_number", sa.Integer, nullable=False),
        sa.Column("max_tries", sa.Integer, nullable=False),
        sa.Column("operator", sa.String(1000)),
        sa.Column("start_date", UtcDateTime),
        sa.Column("end_date", UtcDateTime),
        sa.Column("duration", sa.Float),
        sa.Column("reason", sa.Text),
        sa.Column("pass_number", sa.Integer),
    )
    op.create_table(
        "xcom",
        sa.Column("dag_id", sa.String(250), primary_key=True),
        sa.Column("run_id", sa.String(250), primary_key=True),
        sa.Column("task_id", sa.String(250), primary_key=True),
        sa.Column("map_index", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(512), primary_key=True),
        sa.Column("value", sa.LargeBinary),
        sa.Column("timestamp", UtcDateTime, nullable=False),
    )
    op.create_table(
        "import_error",
        sa.Column("filename", sa.String(1024), primary_key=True),
        sa.Column("stacktrace", sa.Text, nullable=False),
        sa.Column("timestamp", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("import_error", "xcom", "task_instance", "dag_run"):
        op.drop_table(table)
