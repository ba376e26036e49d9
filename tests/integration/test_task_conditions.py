"""``@task.run_if`` / ``@task.skip_if`` and the ``pre_execute`` / ``post_execute`` hooks every operator
takes, through ``headwater dags test``: what is skipped, with which reason, and what still runs."""

from __future__ import annotations


class TestRunIfSkipIf:
    def test_conditions_skip_before_the_callable_runs_and_say_why(self, write_dag, dags_test) -> None:
        """Given tasks guarded by run_if/skip_if on the run's conf, when the run has full_refresh on, then
        the guarded tasks run or are skipped with the default or the condition's own message."""
        path = write_dag(
            """
            from headwater import DAG, task

            with DAG("guarded", schedule=None) as dag:
                @task.run_if(lambda context: context["dag_run"].conf.get("full_refresh"))
                @task
                def refresh():
                    return "refreshed"

                @task.skip_if(lambda context: context["dag_run"].conf.get("full_refresh"))
                @task
                def incremental():
                    raise RuntimeError("the callable must not run")

                @task.run_if(lambda context: (False, "not on a {{ ds }}"), skip_message="unused")
                @task.bash
                def monthly():
                    return "echo monthly"

                @task.skip_if(lambda context: False)
                @task.run_if(lambda context: True)
                @task
                def both():
                    return "both passed"

                refresh(); incremental(); monthly(); both()
            """
        )
        run = dags_test(path, "--conf", '{"full_refresh": true}')
        tasks = run.json["tasks"]
        assert {k: v["state"] for k, v in tasks.items()} == {
            "refresh": "success",
            "incremental": "skipped",
            "monthly": "skipped",
            "both": "success",
        }
        assert tasks["incremental"]["reason"].endswith(": Task was skipped due to condition.")
        assert tasks["monthly"]["reason"].endswith(": not on a {{ ds }}")
        assert run.json["xcoms"] == {"refresh": {"return_value": "refreshed"}, "both": {"return_value": "both passed"}}

    def test_run_if_on_a_plain_function_says_to_put_it_above_task(self, write_dag, dags_test) -> None:
        """Given @task.run_if on a function not decorated with @task, when the file is parsed, then it fails
        saying where the decorator belongs."""
        path = write_dag(
            """
            from headwater import DAG, task

            with DAG("misplaced", schedule=None) as dag:
                @task.run_if(lambda context: True)
                def plain():
                    return 1
            """
        )
        run = dags_test(path)
        assert run.exit_code != 0
        assert "@task.run_if applies to a function already decorated with @task" in run.stderr


class TestExecuteHooks:
    def test_pre_and_post_execute_hooks_and_overrides_are_called_around_execute(self, write_dag, dags_test) -> None:
        """Given an operator with pre_execute/post_execute hooks and one overriding pre_execute, when they run,
        then the hooks see the rendered task and the result, and a failing post_execute fails the try."""
        path = write_dag(
            """
            from headwater import DAG, PythonOperator
            from headwater.model.baseoperator import BaseOperator

            seen = []

            class Checked(BaseOperator):
                template_fields = ("table",)

                def __init__(self, table, **kwargs):
                    super().__init__(**kwargs)
                    self.table = table

                def pre_execute(self, context):
                    seen.append(f"pre:{self.table}")
                    super().pre_execute(context)

                def execute(self, context):
                    return seen + [f"execute:{self.table}"]

            def after(context, result):
                raise ValueError(f"post saw {result}")

            with DAG("hooks", schedule=None) as dag:
                Checked(
                    task_id="checked",
                    table="t_{{ ds_nodash }}",
                    pre_execute=lambda context: seen.append("hook:" + context["task"].task_id),
                )
                PythonOperator(task_id="post_fails", python_callable=lambda: 7, post_execute=after)
            """
        )
        run = dags_test(path, logical_date="2024-01-01T00:00:00+00:00")
        ds = "20240101"
        assert run.json["xcoms"]["checked"] == {"return_value": [f"pre:t_{ds}", "hook:checked", f"execute:t_{ds}"]}
        assert run.json["tasks"]["post_fails"]["state"] == "failed"
        assert run.json["tasks"]["post_fails"]["reason"] == "failed: ValueError: post saw 7"
