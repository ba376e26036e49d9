"""DAG files in the style of Airflow 2's books and examples run under ``headwater dags test``:
``import airflow`` with attribute access, ``days_ago`` start dates, ``literal``, ``Context`` hints,
``LoggingMixin``, ``TaskInstance`` checks; names headwater does not serve fail saying so."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore:days_ago.. is deprecated:DeprecationWarning")

BOOK_STYLE = """
    import airflow
    from airflow import DAG
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.operators.bash import BashOperator
    from airflow.operators.python import PythonOperator, get_current_context
    from airflow.utils.context import Context
    from airflow.utils.log.logging_mixin import LoggingMixin
    from airflow.utils.template import literal

    class Counter(LoggingMixin):
        def count(self, rows):
            self.log.info("counting %d rows", len(rows))
            return len(rows)

    def _inspect(raw, **context: Context):
        ti = context["ti"]
        return {
            "is_context": isinstance(get_current_context(), Context),
            "is_ti": isinstance(ti, TaskInstance),
            "is_dag_run": isinstance(context["dag_run"], DagRun),
            "count": Counter().count([1, 2, 3]),
            "days_ago_hour": airflow.utils.dates.days_ago(1, hour=6).hour,
            "raw": raw,
        }

    dag = DAG(
        dag_id="book_style",
        start_date=airflow.utils.dates.days_ago(3),
        schedule_interval="@daily",
        catchup=False,
    )
    inspect = PythonOperator(
        task_id="inspect", python_callable=_inspect, op_kwargs={"raw": literal("{{ ds }}")}, dag=dag
    )
    echo = BashOperator(task_id="echo", bash_command="echo $RAW", env={"RAW": literal("{{ ds }}")}, dag=dag)
    inspect >> echo
"""


class TestBookStyle:
    def test_attribute_style_imports_and_helpers_run(self, write_dag, dags_test) -> None:
        """The whole file parses and runs: the callable sees a Context, a TaskInstance and a logger, and
        literal values reach the callable and the shell untouched."""
        run = dags_test(write_dag(BOOK_STYLE), "--now", "2024-01-05T12:00:00+00:00")  # days_ago(3): Jan 2

        assert run.exit_code == 0, run.stderr
        assert run.tasks() == {"inspect": "success", "echo": "success"}
        assert run.json["xcoms"]["inspect"]["return_value"] == {
            "is_context": True,
            "is_ti": True,
            "is_dag_run": True,
            "count": 3,
            "days_ago_hour": 6,
            "raw": "{{ ds }}",
        }
        assert run.json["xcoms"]["echo"]["return_value"] == "{{ ds }}"


class TestNotServed:
    def test_an_unserved_import_fails_the_file_naming_the_line(self, write_dag, dags_test) -> None:
        """A DAG file importing a module headwater lacks is reported with the module, file:line and advice."""
        path = write_dag(
            """
            from airflow import DAG
            from airflow.sensors.filesystem import FileSensor
            """
        )
        run = dags_test(path)

        assert run.exit_code != 0
        assert f"headwater does not provide airflow.sensors.filesystem (yet); imported at {path}:3." in run.stderr

    def test_a_provider_fallback_takes_its_except_branch(self, write_dag, dags_test) -> None:
        """`try: from airflow.providers... except ImportError:` picks the fallback and the DAG runs."""
        path = write_dag(
            """
            import pendulum
            from airflow import DAG
            from airflow.operators.empty import EmptyOperator
            try:
                from airflow.providers.standard.sensors.time import TimeSensor as Start
            except ImportError:
                Start = EmptyOperator

            with DAG("fallback", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                Start(task_id="start")
            """
        )
        run = dags_test(path)

        assert run.exit_code == 0, run.stderr
        assert run.tasks() == {"start": "success"}

    def test_a_variable_in_a_template_says_variables_are_not_served(self, write_dag, dags_test) -> None:
        """`{{ var.value.x }}` fails the task saying Variables are not served yet, not "'dict object' has no
        attribute"; `var.value.get("x", "dev")` gives its fallback."""
        path = write_dag(
            """
            import pendulum
            from airflow import DAG
            from airflow.operators.bash import BashOperator

            with DAG("variables", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                BashOperator(task_id="fallback", bash_command="echo {{ var.value.get('env', 'dev') }}")
                BashOperator(task_id="missing", bash_command="echo {{ var.value.bucket }}")
            """
        )
        run = dags_test(path)

        assert run.tasks() == {"fallback": "success", "missing": "failed"}
        assert run.json["xcoms"]["fallback"]["return_value"] == "dev"
        assert "The template reads var.value.bucket: headwater does not serve Airflow Variables yet" in run.stderr
        assert "dict object" not in run.stderr

    def test_an_unserved_context_name_says_so_and_a_typo_stays_a_typo(self, write_dag, dags_test) -> None:
        """`{{ triggering_dataset_events }}` says headwater lacks it; `{{ dss }}` keeps Jinja's "is undefined"."""
        path = write_dag(
            """
            import pendulum
            from airflow import DAG
            from airflow.operators.bash import BashOperator

            with DAG("events", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                BashOperator(task_id="events", bash_command="echo {{ triggering_dataset_events }}")
                BashOperator(task_id="typo", bash_command="echo {{ dss }}")
            """
        )
        run = dags_test(path)

        assert run.tasks() == {"events": "failed", "typo": "failed"}
        assert (
            "headwater does not provide 'triggering_dataset_events' in the template context (yet): datasets come "
            "with a later headwater release" in run.stderr
        )
        assert "UndefinedError: 'dss' is undefined" in run.stderr
