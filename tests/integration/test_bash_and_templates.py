"""``BashOperator`` and ``@task.bash`` through ``headwater dags test`` (exit 99 skips, the last stdout line is
pushed, ``env`` / ``append_env``), and templates read from files on the DAG's template search path.
"""

from __future__ import annotations

import json

import pytest


class TestBash:
    @pytest.fixture
    def bash_run(self, write_dag, dags_test, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.setenv("HW_OUTER", "outer")
        path = write_dag(
            """
            from headwater import DAG, BashOperator

            with DAG("shell", schedule=None) as dag:
                BashOperator(task_id="skip", bash_command="echo skipping; exit 99")
                BashOperator(task_id="last_line", bash_command="echo one; echo two")
                BashOperator(task_id="fail", bash_command="echo oops; exit 3")
                BashOperator(task_id="env_only", bash_command='echo "[$FOO][$HW_OUTER]"', env={"FOO": "bar"})
                BashOperator(
                    task_id="env_append", bash_command='echo "[$FOO][$HW_OUTER]"', env={"FOO": "bar"}, append_env=True
                )
                BashOperator(task_id="inherit", bash_command='echo "[$HW_OUTER]"')
                BashOperator(task_id="context", bash_command='echo "$AIRFLOW_CTX_DAG_ID/$AIRFLOW_CTX_TASK_ID"')
                BashOperator(
                    task_id="run_context",
                    bash_command='echo "$AIRFLOW_CTX_DAG_RUN_ID|$AIRFLOW_CTX_EXECUTION_DATE|$AIRFLOW_CTX_TRY_NUMBER|'
                    '$AIRFLOW_CTX_DAG_OWNER|$AIRFLOW_CTX_DAG_EMAIL|${AIRFLOW_CTX_RUN_ID:-unset}"',
                    owner="etl",
                    email=["a@example.com", "b@example.com"],
                )
            """
        )
        return dags_test(path)

    def test_exit_code_99_skips(self, bash_run) -> None:
        """Given a command exiting 99, when it runs, then the task is skipped saying why."""
        task = bash_run.json["tasks"]["skip"]
        assert (task["state"], task["try_number"]) == ("skipped", 1)
        assert task["reason"].endswith(": Bash command returned exit code 99; skipping.")

    def test_the_last_line_of_stdout_is_pushed(self, bash_run) -> None:
        """Given a command printing two lines, when it runs, then the last line is its XCom."""
        assert bash_run.json["xcoms"]["last_line"] == {"return_value": "two"}

    def test_another_non_zero_exit_fails_with_the_code(self, bash_run) -> None:
        """Given a command exiting 3, when it runs, then the task fails naming the code and the task, and the
        run fails."""
        assert bash_run.exit_code == 1
        assert bash_run.json["tasks"]["fail"]["reason"] == (
            "failed: BashCommandFailed: Bash command failed with exit code 3 (task 'fail'). Its output is in the "
            "task log."
        )
        assert "oops\n" in bash_run.stderr

    def test_env_replaces_the_environment(self, bash_run) -> None:
        """Given env={'FOO': 'bar'}, when the command runs, then it sees FOO but not the outer environment."""
        assert bash_run.json["xcoms"]["env_only"] == {"return_value": "[bar][]"}

    def test_append_env_adds_to_the_environment(self, bash_run) -> None:
        """Given env and append_env=True, when the command runs, then it sees both FOO and the outer environment."""
        assert bash_run.json["xcoms"]["env_append"] == {"return_value": "[bar][outer]"}

    def test_without_env_the_environment_is_inherited(self, bash_run) -> None:
        """Given no env, when the command runs, then it sees the outer environment."""
        assert bash_run.json["xcoms"]["inherit"] == {"return_value": "[outer]"}

    def test_airflow_context_variables_are_exported(self, bash_run) -> None:
        """Given a command reading AIRFLOW_CTX_*, when it runs, then it sees the DAG and task ids."""
        assert bash_run.json["xcoms"]["context"] == {"return_value": "shell/context"}

    def test_airflow_context_variables_carry_the_run_and_the_owner_under_airflow_names(self, bash_run) -> None:
        """Given a command reading the run id, date, try, owner and e-mail variables, when it runs, then it sees
        them under Airflow's names (AIRFLOW_CTX_DAG_RUN_ID, e-mails joined by commas)."""
        run_id = bash_run.json["run_id"]
        assert bash_run.json["xcoms"]["run_context"] == {
            "return_value": f"{run_id}|{bash_run.json['logical_date']}|1|etl|a@example.com,b@example.com|unset"
        }

    def test_task_bash_runs_the_returned_command_rendered(self, write_dag, dags_test) -> None:
        """Given @task.bash returning a command with a template, when it runs, then the rendered command's last
        line is pushed."""
        path = write_dag(
            """
            from headwater import DAG, task

            with DAG("shell", schedule=None) as dag:
                @task.bash
                def greet(name):
                    return f"echo hello {name} on {{{{ ds }}}}"
                greet("bob")
            """
        )

        run = dags_test(path)

        assert run.exit_code == 0
        assert run.json["xcoms"] == {"greet": {"return_value": "hello bob on 2024-01-02"}}

    def test_task_bash_returning_nothing_fails_saying_what_to_return(self, write_dag, dags_test) -> None:
        """Given @task.bash returning an empty string, when it runs, then it fails asking for a command string."""
        path = write_dag(
            """
            from headwater import DAG, task

            with DAG("shell", schedule=None) as dag:
                @task.bash
                def nothing():
                    return ""
                nothing()
            """
        )

        run = dags_test(path)

        assert run.json["tasks"]["nothing"]["reason"] == (
            "failed: TaskError: Task 'nothing': a @task.bash function must return a non-empty command string; got ''."
        )


class TestTemplates:
    def test_a_sh_file_is_found_on_template_searchpath_and_rendered(self, write_dag, dags_test, tmp_path) -> None:
        """Given template_searchpath=[folder] holding greet.sh with {{ ds }} and {{ params.who }}, when a
        BashOperator's command is 'greet.sh', then the file is rendered and run."""
        templates = tmp_path / "templates"
        templates.mkdir()
        (templates / "greet.sh").write_text('echo "day={{ ds }} who={{ params.who }}"\n')
        path = write_dag(
            f"""
            from headwater import DAG, BashOperator

            with DAG("tmpl", schedule=None, template_searchpath=[{str(templates)!r}], params={{"who": "ann"}}) as dag:
                BashOperator(task_id="greet", bash_command="greet.sh")
            """
        )

        run = dags_test(path, "--conf", '{"who": "bea"}')

        assert run.exit_code == 0, run.stderr
        assert run.json["xcoms"] == {"greet": {"return_value": "day=2024-01-02 who=bea"}}

    def test_a_sh_file_next_to_the_dag_file_is_found_without_searchpath(
        self, write_dag, dags_test, dags_folder
    ) -> None:
        """Given run.sh in the DAG file's folder, when a BashOperator's command is 'run.sh', then it is rendered."""
        (dags_folder / "run.sh").write_text("echo {{ dag.dag_id }}-{{ ds_nodash }}\n")
        path = write_dag(
            """
            from headwater import DAG, BashOperator

            with DAG("beside", schedule=None) as dag:
                BashOperator(task_id="run", bash_command="run.sh")
            """
        )

        run = dags_test(path)

        assert run.json["xcoms"] == {"run": {"return_value": "beside-20240102"}}


class TestShellQuoting:
    DAG_SOURCE = """
        from headwater import DAG, BashOperator

        with DAG("quoting", schedule=None) as dag:
            BashOperator(task_id="say", bash_command=COMMAND)
    """

    def test_shquote_keeps_a_hostile_conf_value_one_word_and_its_absence_is_flagged(
        self, write_dag, dags_test, cli, tmp_path
    ) -> None:
        """Given --conf {"x": "hello; touch MARKER"}, when the command renders {{ dag_run.conf['x'] | shquote }},
        then it echoes the literal text and MARKER is not created, and the lint is quiet; when the same
        command renders it unquoted, then `dags lint` flags it (HW007) and running it does create MARKER."""
        marker = tmp_path / "MARKER"
        conf = json.dumps({"x": f"hello; touch {marker}"})
        quoted = write_dag(self.DAG_SOURCE.replace("COMMAND", "\"echo {{ dag_run.conf['x'] | shquote }}\""))

        run = dags_test(quoted, "--conf", conf)

        assert run.exit_code == 0, run.stderr
        assert run.json["xcoms"] == {"say": {"return_value": f"hello; touch {marker}"}}
        assert not marker.exists()
        assert cli("dags", "lint", quoted, "--format", "json").json == []

        unquoted = write_dag(self.DAG_SOURCE.replace("COMMAND", "\"echo {{ dag_run.conf['x'] }}\""), "unquoted.py")
        findings = cli("dags", "lint", unquoted, "--format", "json").json
        assert [(f["code"], f["task_ids"]) for f in findings] == [("HW007", ["say"])]
        assert "{{ dag_run.conf['x'] | shquote }}" in findings[0]["fix"]

        dags_test(unquoted, "--conf", conf)
        assert marker.exists()  # what the filter prevents: the value ran as shell code

    def test_shquote_is_available_in_every_template(self, write_dag, dags_test) -> None:
        """Given a PythonOperator template (not a bash command), when it uses | shquote, then the value is
        quoted there too."""
        path = write_dag(
            """
            from headwater import DAG, PythonOperator

            with DAG("quoting_anywhere", schedule=None, params={"who": "o'neil"}) as dag:
                PythonOperator(task_id="show", python_callable=lambda v: v, op_args=["{{ params.who | shquote }}"])
            """
        )

        run = dags_test(path)

        assert run.json["xcoms"] == {"show": {"return_value": "'o'\"'\"'neil'"}}
