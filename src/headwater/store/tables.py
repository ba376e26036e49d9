"""The metadata schema (SQLAlchemy Core). Migrations in ``store/migrations`` create exactly this."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; attach a timezone")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        moment: dt.datetime = value
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


metadata = MetaData()

dag_run = Table(
    "dag_run",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dag_id", String(250), nullable=False),
    Column("run_id", String(250), nullable=False),
    Column("run_type", String(50), nullable=False),
    Column("logical_date", UtcDateTime, nullable=False),
    Column("data_interval_start", UtcDateTime),
    Column("data_interval_end", UtcDateTime),
    Column("external_trigger", Boolean, nullable=False, default=False),
    Column("conf", JSON),
    Column("state", String(50), nullable=False),
    Column("start_date", UtcDateTime),
    Column("end_date", UtcDateTime),
    Column("reason", Text),
    Column("backfill_id", String(64)),
    Column("backfill_max_active_runs", Integer),
    Column("start_order", Integer),
    Index("ux_dag_run_dag_id_run_id", "dag_id", "run_id", unique=True),
    Index("ix_dag_run_dag_id_logical_date", "dag_id", "logical_date"),
    Index("ix_dag_run_state", "state"),
)

task_instance = Table(
    "task_instance",
    metadata,
    Column("dag_id", String(250), primary_key=True),
    Column("run_id", String(250), primary_key=True),
    Column("task_id", String(250), primary_key=True),
    Column("map_index", Integer, primary_key=True, default=-1),
    Column("state", String(20)),
    Column("try_number", Integer, nullable=False, default=0),
    Column("max_tries", Integer, nullable=False, default=0),
    Column("operator", String(1000)),
    Column("start_date", UtcDateTime),
    Column("end_date", UtcDateTime),
    Column("duration", Float),
    Column("reason", Text),
    Column("pass_number", Integer),
    Column("pool", String(256), nullable=False, default="default_pool"),
    Column("pool_slots", Integer, nullable=False, default=1),
    Column("priority_weight", Integer, nullable=False, default=1),
    Column("queue", String(256), nullable=False, default="default"),
    Column("queued_at", UtcDateTime),
    Column("queued_by", String(64)),
    Column("hostname", String(1000)),
    Column("pid", Integer),
    Column("heartbeat_at", UtcDateTime),
    Column("next_retry_at", UtcDateTime),
    Column("decision", JSON(none_as_null=True)),  # no decision is SQL NULL (and costs no json.dumps)
    Index("ix_task_instance_state", "state"),
)

xcom = Table(
    "xcom",
    metadata,
    Column("dag_id", String(250), primary_key=True),
    Column("run_id", String(250), primary_key=True),
    Column("task_id", String(250), primary_key=True),
    Column("map_index", Integer, primary_key=True, default=-1),
    Column("key", String(512), primary_key=True),
    Column("timestamp", UtcDateTime, nullable=False),
    Column("value", LargeBinary),
    # last: SQLite streams a large value into the row only when it is the last column (0003)
)

import_error = Table(
    "import_error",
    metadata,
    Column("filename", String(1024), primary_key=True),
    Column("stacktrace", Text, nullable=False),
    Column("timestamp", UtcDateTime, nullable=False),
)

dag = Table(
    "dag",
    metadata,
    Column("dag_id", String(250), primary_key=True),
    Column("fileloc", String(2000)),
    Column("is_paused", Boolean, nullable=False, default=True),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("schedule", String(1000)),
    Column("last_parsed", UtcDateTime),
)

pool = Table(
    "slot_pool",
    metadata,
    Column("pool", String(256), primary_key=True),
    Column("slots", Integer, nullable=False),
    Column("description", Text),
)

job = Table(
    "job",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_type", String(30), nullable=False),
    Column("state", String(20), nullable=False),
    Column("hostname", String(1000)),
    Column("pid", Integer),
    Column("executor_class", String(500)),
    Column("start_date", UtcDateTime, nullable=False),
    Column("end_date", UtcDateTime),
    Column("latest_heartbeat", UtcDateTime, nullable=False),
    Index("ix_job_type_heartbeat", "job_type", "latest_heartbeat"),
    Index("ix_job_state_heartbeat", "state", "latest_heartbeat"),
)

serialized_dag = Table(
    "serialized_dag",
    metadata,
    Column("dag_id", String(250), primary_key=True),
    Column("fileloc", String(2000), nullable=False),
    Column("file_digest", String(64)),  # SHA-256 of the DAG file's bytes as parsed
    Column("dag_hash", String(64), nullable=False),  # SHA-256 of the document: an unchanged DAG is not rewritten
    Column("data", JSON, nullable=False),
    Column("lint", JSON, nullable=False),
    Column("last_updated", UtcDateTime, nullable=False),
)

# One row per try that ended (success, failed, up_for_retry, skipped by the task, lost, cleared while
# running), written in the transaction that records the end; clearing keeps it (Airflow 2.10's table).
task_instance_history = Table(
    "task_instance_history",
    metadata,
    Column("dag_id", String(250), primary_key=True),
    Column("run_id", String(250), primary_key=True),
    Column("task_id", String(250), primary_key=True),
    Column("map_index", Integer, primary_key=True),
    Column("try_number", Integer, primary_key=True),
    Column("state", String(20)),
    Column("start_date", UtcDateTime),
    Column("end_date", UtcDateTime),
    Column("duration", Float),
    Column("max_tries", Integer),
    Column("operator", String(1000)),
    Column("pool", String(256)),
    Column("pool_slots", Integer),
    Column("queue", String(256)),
    Column("priority_weight", Integer),
    Column("queued_at", UtcDateTime),
    Column("queued_by", String(64)),
    Column("hostname", String(1000)),
    Column("pid", Integer),
    Column("executor", String(1000)),
    Column("reason", Text),
    Column("decision", JSON(none_as_null=True)),
    Column("recorded_at", UtcDateTime, nullable=False),
)
