"""ShortCircuitOperator with ignore_downstream_trigger_rules=False (only direct downstream tasks are
skipped; later tasks follow their own trigger rules) beside `@task.short_circuit` whose truthy return
value is the XCom and whose falsy one skips everything downstream."""

from datetime import datetime

from airflow.decorators import dag, task
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import ShortCircuitOperator
from airflow.utils.trigger_rule import TriggerRule


@dag(start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
def branch_short_circuit_rules():
    gate = ShortCircuitOperator(
        task_id="has_new_data",
        python_callable=lambda: [],
        ignore_downstream_trigger_rules=False,
    )
    transform = EmptyOperator(task_id="transform")
    publish = EmptyOperator(task_id="publish")
    cleanup = EmptyOperator(task_id="cleanup", trigger_rule=TriggerRule.ALL_DONE)
    notify = EmptyOperator(task_id="notify", trigger_rule=TriggerRule.NONE_FAILED)
    gate >> transform >> publish >> cleanup
    [gate, publish] >> notify

    @task.short_circuit
    def row_count():
        return {"rows": 12}

    @task.short_circuit(ignore_downstream_trigger_rules=True)
    def is_weekend(**context):
        return context["logical_date"].weekday() >= 5

    @task
    def load(info):
        return info["rows"] * 2

    weekend_report = EmptyOperator(task_id="weekend_report")
    weekend_done = EmptyOperator(task_id="weekend_done", trigger_rule=TriggerRule.ALL_DONE)
    load(row_count())
    is_weekend() >> weekend_report >> weekend_done


branch_short_circuit_rules()
