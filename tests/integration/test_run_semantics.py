"""Airflow semantics a run must reproduce, through ``headwater dags test``: mapping over an empty list,
setup/teardown and the run's state, LatestOnlyOperator by run type, and BranchDayOfWeekOperator with
``use_task_logical_date``.
"""

from __future__ import annotations

RUN_ID = "manual__2024-01-02T00:00:00+00:00"


class TestMapping:
    def test_mapping_over_an_empty_list_skips_the_mapped_task_and_its_reducer(self, write_dag, dags_test) -> None:
        """Given a task mapped over an upstream's empty list and a reducer of its results, when the DAG runs,
        then the mapped task is one skipped instance, the reducer is skipped, and the run succeeds."""
        path = write_dag(
            """
            from headwater import DAG, task

            with DAG("mapping", schedule=None) as dag:
                @task
                def numbers():
                    return []

                @task
                def double(x):
                    return 2 * x

                @task
                def total(values):
                    return sum(values)

                total(double.expand(x=numbers()))
            """
        )

        run = dags_test(path)

        assert run.exit_code == 0
        assert run.json["dag_run_state"] == "success"
        assert run.json["tasks"] == {
            "double": {"state": "skipped", "try_number": 0, "reason": "mapped over an empty list: nothing to run"},
            "numbers": {"state": "success", "try_number": 1, "reason": "ran and succeeded"},
            "total": {"state": "skipped", "try_number": 0, "reason": "all_success: 1/1 upstream skipped"},
        }

    def test_mapping_over_values_makes_one_instance_each(self, write_dag, dags_test) -> None:
        """Given a task mapped over [1, 2, 3], when the DAG runs, then there are three instances and the
        reducer sees their results in order."""
        path = write_dag(
            """
            from headwater import DAG, task

            with DAG("mapping", schedule=None) as dag:
                @task
                def double(x):
                    return 2 * x

                @task
                def total(values):
                    return list(values)

                total(double.expand(x=[1, 2, 3]))
            """
        )

        run = dags_test(path)

        assert run.tasks() == {
            "double[0]": "success",
            "double[1]": "success",
            "double[2]": "success",
            "total": "success",
        }
        assert run.json["xcoms"]["total"] == {"return_value": [2, 4, 6]}


SETUP_TEARDOWN = """
    from headwater import DAG, task, setup, teardown

    with DAG("cluster", schedule=None) as dag:
        @setup
        def create_cluster():
            return "cluster-1"

        @task
        def work():
            WORK

        @teardown(on_failure_fail_dagrun=FAIL_DAGRUN)
        def delete_cluster():
            TEARDOWN

        created = create_cluster()
        deleted = delete_cluster()
        created >> work() >> deleted
        created >> deleted
"""


def setup_teardown(work: str, teardown: str, *, fail_dagrun: bool = False) -> str:
    return SETUP_TEARDOWN.replace("WORK", work).replace("TEARDOWN", teardown).replace("FAIL_DAGRUN", str(fail_dagrun))


class TestSetupTeardown:
    def test_the_teardown_runs_after_a_failing_work_task_and_the_run_fails(
        self, write_dag, dags_test, open_sqlite
    ) -> None:
        """Given setup >> work >> teardown where work fails, when the DAG runs, then the teardown still runs and
        succeeds, and the run fails because of work (the teardown leaf does not make it succeed)."""
        path = write_dag(setup_teardown('raise RuntimeError("work broke")', 'return "deleted"'))

        run = dags_test(path)

        assert run.exit_code == 1
        assert run.tasks() == {"create_cluster": "success", "work": "failed", "delete_cluster": "success"}
        assert run.json["dag_run_state"] == "failed"
        assert run.json["xcoms"]["delete_cluster"] == {"return_value": "deleted"}
        stored = open_sqlite().get_run("cluster", RUN_ID)
        assert stored is not None
        assert stored.reason == "leaf task(s) failed: work=failed"

    def test_a_failing_teardown_does_not_fail_the_run(self, write_dag, dags_test, open_sqlite) -> None:
        """Given work that succeeds and a teardown that fails, when the DAG runs, then the run succeeds: the
        teardown leaf is ignored for the run's state."""
        path = write_dag(setup_teardown("return 1", 'raise RuntimeError("cleanup broke")'))

        run = dags_test(path)

        assert run.exit_code == 0
        assert run.tasks() == {"create_cluster": "success", "work": "success", "delete_cluster": "failed"}
        assert run.json["dag_run_state"] == "success"
        stored = open_sqlite().get_run("cluster", RUN_ID)
        assert stored is not None
        assert stored.reason == "every leaf task succeeded or was skipped"

    def test_a_failing_teardown_with_on_failure_fail_dagrun_fails_the_run(self, write_dag, dags_test) -> None:
        """Given a teardown with on_failure_fail_dagrun=True that fails after work succeeded, when the DAG runs,
        then the run fails, as Airflow's DagRun counts such a teardown as a leaf."""
        path = write_dag(setup_teardown("return 1", 'raise RuntimeError("cleanup broke")', fail_dagrun=True))

        run = dags_test(path)

        assert run.tasks() == {"create_cluster": "success", "work": "success", "delete_cluster": "failed"}
        assert run.json["dag_run_state"] == "failed"
        assert run.exit_code == 1


LATEST_ONLY = """
    import pendulum
    from headwater import DAG, EmptyOperator, LatestOnlyOperator

    with DAG("latest", schedule="@daily", start_date=pendulum.datetime(2024, 1, 1, tz="UTC")) as dag:
        LatestOnlyOperator(task_id="latest_only") >> EmptyOperator(task_id="deploy")
"""


class TestLatestOnly:
    def test_a_manual_run_never_skips(self, write_dag, dags_test) -> None:
        """Given LatestOnlyOperator >> deploy, when run with --run-type manual long after its interval, then
        deploy runs (a triggered run is always the latest)."""
        run = dags_test(write_dag(LATEST_ONLY), "--run-type", "manual", "--now", "2024-06-01T00:00:00+00:00")

        assert run.json["external_trigger"] is True
        assert run.tasks() == {"latest_only": "success", "deploy": "success"}

    def test_an_old_scheduled_run_skips_its_downstream(self, write_dag, dags_test) -> None:
        """Given the same DAG, when a scheduled run for Jan 2 runs in June, then deploy is skipped by the branch."""
        run = dags_test(write_dag(LATEST_ONLY), "--run-type", "scheduled", "--now", "2024-06-01T00:00:00+00:00")

        assert run.exit_code == 0
        assert run.json["tasks"]["deploy"] == {
            "state": "skipped",
            "try_number": 0,
            "reason": "latest-only 'latest_only': the run is not the latest: now 2024-06-01T00:00:00+00:00 is outside "
            "the next interval (2024-01-03T00:00:00+00:00, 2024-01-04T00:00:00+00:00]",
        }

    def test_the_latest_scheduled_run_proceeds(self, write_dag, dags_test) -> None:
        """Given the same DAG, when the scheduled run for Jan 2 runs during the next interval (Jan 3, noon),
        then deploy runs."""
        run = dags_test(write_dag(LATEST_ONLY), "--run-type", "scheduled", "--now", "2024-01-03T12:00:00+00:00")

        assert run.tasks() == {"latest_only": "success", "deploy": "success"}


WEEKDAY = """
    from headwater import DAG, BranchDayOfWeekOperator, EmptyOperator

    with DAG("weekday", schedule="@daily") as dag:
        branch = BranchDayOfWeekOperator(
            task_id="branch",
            week_day="MONDAY",
            use_task_logical_date=USE_LOGICAL,
            follow_task_ids_if_true="monday",
            follow_task_ids_if_false="other_day",
        )
        branch >> [EmptyOperator(task_id="monday"), EmptyOperator(task_id="other_day")]
"""


class TestBranchDayOfWeek:
    def test_use_task_logical_date_decides_by_the_logical_date(self, write_dag, dags_test) -> None:
        """Given use_task_logical_date=True, a Monday logical date and a Wednesday clock, when the DAG runs,
        then the Monday branch is followed."""
        path = write_dag(WEEKDAY.replace("USE_LOGICAL", "True"))

        run = dags_test(path, "--now", "2024-01-03T12:00:00+00:00", logical_date="2024-01-01T00:00:00+00:00")

        assert run.tasks() == {"branch": "success", "monday": "success", "other_day": "skipped"}
        assert run.json["tasks"]["other_day"]["reason"] == "branch 'branch' followed ['monday']"

    def test_without_it_the_wall_clock_decides(self, write_dag, dags_test) -> None:
        """Given use_task_logical_date=False, the same dates, when the DAG runs, then the clock's Wednesday wins."""
        path = write_dag(WEEKDAY.replace("USE_LOGICAL", "False"))

        run = dags_test(path, "--now", "2024-01-03T12:00:00+00:00", logical_date="2024-01-01T00:00:00+00:00")

        assert run.tasks() == {"branch": "success", "monday": "skipped", "other_day": "success"}

    def test_an_unknown_week_day_is_refused_when_the_dag_is_built(self, write_dag, dags_test) -> None:
        """Given week_day='MONDAYS', when the file is imported, then the error lists the valid days."""
        path = write_dag(WEEKDAY.replace("USE_LOGICAL", "True").replace('"MONDAY"', '"MONDAYS"'))

        run = dags_test(path)

        assert run.exit_code == 2
        assert run.stderr.endswith(
            "ValueError: Task 'branch': unknown week day(s) ['MONDAYS']; use MONDAY, TUESDAY, WEDNESDAY, THURSDAY, "
            "FRIDAY, SATURDAY, SUNDAY.\n"
        )
