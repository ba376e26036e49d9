"""What the scheduler needs: DAGs and their pause flag, pools, task-instance leases and admission fields.

Revision ID: 0002_scheduler
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

from headwater.store.tables import UtcDateTime

revision = "0002_scheduler"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

_TI_COLUMNS = (
    sa.Column("pool", sa.String(256), nullable=False, server_default="default_pool"),
    sa.Column("pool_slots", sa.Integer, nullable=False, server_default="1"),
    sa.Column("priority_weight", sa.Integer, nullable=False, server_default="1"),
    sa.Column("queue", sa.String(256), nullable=False, server_default="default"),
    sa.Column("queued_at", UtcDateTime),
    sa.Column("queued_by", sa.String(64)),
    sa.Column("hostname", sa.String(1000)),
    sa.Column("pid", sa.Integer),
    sa.Column("heartbeat_at", UtcDateTime),
    sa.Column("next_retry_at", UtcDateTime),
)


def upgrade() -> None:
    with op.batch_alter_table("task_instance") as batch:
        for column in _TI_COLUMNS:
            batch.add_column(column)
    with op.batch_alter_table("dag_run") as batch:
        batch.add_column(sa.Column("backfill_id", sa.String(64)))
        batch.add_column(sa.Column("backfill_max_active_runs", sa.Integer))
        batch.add_column(sa.Column("start_order", sa.Integer))
    op.create_index("ix_task_instance_state", "task_instance", ["state"])
    op.create_index("ix_dag_run_state", "dag_run", ["state"])
    op.create_table(
        "dag",
        sa.Column("dag_id", sa.String(250), primary_key=True),
        sa.Column("fileloc", sa.String(2000)),
        sa.Column("is_paused", sa.Boolean, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("schedule", sa.String(1000)),
        sa.Column("last_parsed", UtcDateTime),
    )
    op.create_table(
        "slot_pool",
        sa.Column("pool", sa.String(256), primary_key=True),
        sa.Column("slots", sa.Integer, nullable=False),
        sa.Column("description", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("slot_pool")
    op.drop_table("dag")
    op.drop_index("ix_dag_run_state", "dag_run")
    op.drop_index("ix_task_instance_state", "task_instance")
    with op.batch_alter_table("dag_run") as batch:
        batch.drop_column("start_order")
        batch.drop_column("backfill_max_active_runs")
        batch.drop_column("backfill_id")
    with op.batch_alter_table("task_instance") as batch:
        for column in reversed(_TI_COLUMNS):
            batch.drop_column(column.name)
