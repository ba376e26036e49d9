"""On SQLite, the XCom value becomes the table's last column.

SQLite writes a large value into its row without holding it in memory (a zero-filled blob, then
streamed) only when it is the row's last column; before this, a 100 MB value cost twice its size in
memory to insert. PostgreSQL stores large values apart from the row whatever the order: no change.

Revision ID: 0003_xcom_value_last
Revises: 0002_scheduler
"""

import sqlalchemy as sa
from alembic import op

from headwater.store.tables import UtcDateTime

revision = "0003_xcom_value_last"
down_revision = "0002_scheduler"
branch_labels = None
depends_on = None

_KEY = ("dag_id", "run_id", "task_id", "map_index", "key")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.create_table(
        "xcom_reordered",
        sa.Column("dag_id", sa.String(250), primary_key=True),
        sa.Column("run_id", sa.String(250), primary_key=True),
        sa.Column("task_id", sa.String(250), primary_key=True),
        sa.Column("map_index", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(512), primary_key=True),
        sa.Column("timestamp", UtcDateTime, nullable=False),
        sa.Column("value", sa.LargeBinary),
    )
    columns = ", ".join(f'"{c}"' for c in (*_KEY, "timestamp", "value"))
    op.execute(f"INSERT INTO xcom_reordered ({columns}) SELECT {columns} FROM xcom")
    op.drop_table("xcom")
    op.rename_table("xcom_reordered", "xcom")


def downgrade() -> None:
    """The order makes no difference to what is stored; nothing to undo."""
