"""A custom operator as plugin code writes it: `template_fields`, `template_ext` with a `.sql` file
next to the DAG, `ui_color`, `*args, **kwargs` and the deprecated `@apply_defaults`; attributes
rendered before execute, fields not listed left alone, a template field holding a dict and a list."""

import os
from datetime import datetime

from airflow import DAG
from airflow.models import BaseOperator
from airflow.utils.decorators import apply_defaults

HERE = os.path.dirname(os.path.abspath(__file__))


class WarehouseCheckOperator(BaseOperator):
    template_fields = ("sql", "table", "labels", "targets")
    template_ext = (".sql",)
    ui_color = "#e8f7e4"

    @apply_defaults
    def __init__(self, sql, table, labels=None, targets=None, note="{{ ds }}", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sql = sql
        self.table = table
        self.labels = labels or {}
        self.targets = targets or []
        self.note = note

    def execute(self, context):
        return {
            "sql": self.sql.strip(),
            "table": self.table,
            "labels": self.labels,
            "targets": self.targets,
            "note": self.note,
            "ui_color": self.ui_color,
            "retries": self.retries,
        }


with DAG(
    "ops_custom_templated_operator",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    template_searchpath=HERE,
    params={"schema": "analytics"},
    default_args={"retries": 3},
) as dag:
    from_file = WarehouseCheckOperator(
        task_id="from_file",
        sql="ops_custom_templated_operator.sql",
        table="orders_{{ ds_nodash }}",
        labels={"run": "{{ run_id }}", "fixed": 1},
        targets=["{{ params.schema }}", "raw"],
    )
    inline = WarehouseCheckOperator(
        task_id="inline",
        sql="SELECT 1 FROM {{ task.table }}",
        table="{{ task.task_id }}",
        retries=0,
    )
    from_file >> inline
