"""`@task.bash`: the callable returns the command (with arguments, context values and Jinja left in
it), its last stdout line is the XCom, exit code 99 skips, `env`/`append_env` pass through, and a
decorated bash task raising AirflowSkipException before any command runs."""

from datetime import datetime

from airflow.decorators import dag, task
from airflow.exceptions import AirflowSkipException
from airflow.operators.empty import EmptyOperator
from airflow.utils.trigger_rule import TriggerRule


@dag(start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
def ops_bash_decorator():
    @task.bash
    def count_files(folder: str, limit: int) -> str:
        return f"echo 'scanning {folder}'; echo $(( {limit} * 2 ))"

    @task.bash
    def stamp(ds_nodash=None) -> str:
        return f'echo "{ds_nodash}-{{{{ ti.try_number }}}}-{{{{ task.task_id }}}}"'

    @task.bash(env={"STAGE": "{{ dag_run.run_type }}"}, append_env=True)
    def staged() -> str:
        return 'echo "stage=$STAGE"'

    @task.bash
    def nothing_new() -> str:
        return "echo 'nothing new'; exit 99"

    @task.bash
    def weekend_only(day: str) -> str:
        if day not in ("saturday", "sunday"):
            raise AirflowSkipException(f"{day} is a weekday")
        return "echo weekend"

    @task
    def total(n: str) -> int:
        return int(n) + 1

    done = EmptyOperator(task_id="done", trigger_rule=TriggerRule.ALL_DONE)
    counted = count_files("/data/in", 21)
    [
        total(counted),
        stamp(),
        staged(),
        nothing_new(),
        weekend_only("{{ logical_date.strftime('%A').lower() }}"),
    ] >> done


ops_bash_decorator()
