"""BashOperator as ETL files use it: `env` replacing the environment or appended to it, `cwd`, the
last stdout line as the XCom, `output_processor`, Airflow's AIRFLOW_CTX_* variables, Jinja in the
command, a custom `skip_on_exit_code`, `do_xcom_push=False`."""

import json
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("ops_bash_env_output", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False) as dag:
    only_env = BashOperator(
        task_id="only_env",
        bash_command='echo "first line"; echo "region=$REGION home=${HOME:-none} day={{ ds_nodash }}"',
        env={"REGION": "{{ dag_run.conf.get('region', 'eu') }}"},
    )
    appended = BashOperator(
        task_id="appended",
        bash_command='echo "$TARGET:${HOME:+has-home}:$AIRFLOW_CTX_DAG_ID:$AIRFLOW_CTX_TASK_ID:'
        '$AIRFLOW_CTX_DAG_RUN_ID"',
        env={"TARGET": "warehouse"},
        append_env=True,
    )
    in_cwd = BashOperator(task_id="in_cwd", bash_command="pwd", cwd="/")
    as_json = BashOperator(
        task_id="as_json",
        bash_command="echo '{\"rows\": 42, \"table\": \"orders_{{ ds_nodash }}\"}'",
        output_processor=json.loads,
    )
    quiet = BashOperator(task_id="quiet", bash_command="echo not-pushed", do_xcom_push=False)
    maybe_skip = BashOperator(
        task_id="maybe_skip",
        bash_command="echo 'no new files'; exit 3",
        skip_on_exit_code=[3, 4],
    )
    no_skip = BashOperator(task_id="no_skip", bash_command="exit 99", skip_on_exit_code=None)
    after_skip = BashOperator(task_id="after_skip", bash_command="echo never")
    only_env >> appended >> in_cwd >> as_json >> quiet
    maybe_skip >> after_skip
