"""A bash_command naming a `.sh` file next to the DAG: Airflow renders the file as a Jinja template
(params, ds, task) and runs it; a trailing space keeps a command ending in `.sh` from being read as a
template file; `template_searchpath` is where the file is looked up."""

import os
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

HERE = os.path.dirname(os.path.abspath(__file__))

with DAG(
    "ops_bash_script_file",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    template_searchpath=[HERE],
    params={"table": "orders"},
) as dag:
    from_file = BashOperator(task_id="from_file", bash_command="ops_bash_script_file.sh")
    override = BashOperator(
        task_id="override_params",
        bash_command="ops_bash_script_file.sh",
        params={"table": "customers"},
    )
    literal = BashOperator(
        task_id="literal_sh",
        bash_command="echo 'would run deploy.sh' # not a file ",
    )
    from_file >> override >> literal
