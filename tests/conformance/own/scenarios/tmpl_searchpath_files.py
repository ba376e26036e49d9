"""template_searchpath pointing at a folder next to the DAG file: a custom operator whose template_ext
loads a .sql file (with an {% include %}), PythonOperator's templates_exts for templates_dict, and a
string that merely mentions .sql inside a sentence staying a string."""

import os
from datetime import datetime

from airflow import DAG
from airflow.models.baseoperator import BaseOperator
from airflow.operators.python import PythonOperator

HERE = os.path.dirname(os.path.abspath(__file__))


class RenderSqlOperator(BaseOperator):
    template_fields = ("sql",)
    template_ext = (".sql",)
    ui_color = "#ededed"

    def __init__(self, sql, **kwargs):
        super().__init__(**kwargs)
        self.sql = sql

    def execute(self, context):
        lines = [line.strip() for line in self.sql.strip().splitlines()]
        self.log.info("Would run: %s", " ".join(lines))
        return lines


def show(templates_dict, **_):
    return {key: value.strip() for key, value in templates_dict.items()}


with DAG(
    "tmpl_searchpath_files",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    template_searchpath=[os.path.join(HERE, "tmpl_files")],
    params={"schema": "analytics"},
) as dag:
    daily = RenderSqlOperator(task_id="daily_orders", sql="sql/daily_orders.sql")
    cleanup = PythonOperator(
        task_id="cleanup",
        python_callable=show,
        templates_dict={"query": "sql/cleanup.sql", "note": "see cleanup.sql for {{ ds }}"},
        templates_exts=[".sql"],
    )
    inline = RenderSqlOperator(task_id="inline", sql="SELECT '{{ ds }}' AS day")
    daily >> cleanup >> inline
