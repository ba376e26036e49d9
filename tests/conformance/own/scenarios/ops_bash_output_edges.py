"""The BashOperator's XCom at the edges: stderr merged into the output (so a last line on stderr is
the value), a trailing empty line, a command printing nothing, `set -e` stopping a script mid-way
with a failure, and a multi-line command where only the last line is pushed."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator

with DAG("ops_bash_output_edges", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    stderr_last = BashOperator(task_id="stderr_last", bash_command="echo to-stdout; echo to-stderr >&2")
    trailing_blank = BashOperator(task_id="trailing_blank", bash_command="echo value; echo")
    silent = BashOperator(task_id="silent", bash_command="true")
    stops = BashOperator(task_id="stops", bash_command="set -e\necho start\nfalse\necho unreachable")
    multi = BashOperator(
        task_id="multi",
        bash_command="""
            for i in 1 2 3; do
                echo "line $i"
            done
            echo "   padded   "
        """,
    )
    finish = EmptyOperator(task_id="finish", trigger_rule="one_failed")
    [stderr_last, trailing_blank, silent, stops, multi] >> finish
