"""An argument Airflow accepts that headwater does not act on is announced once per DAG file, in the output
of the commands that parse it."""

from __future__ import annotations

from scheduler_harness import SchedulerHome

IGNORING = """
    import pendulum
    from datetime import timedelta
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator

    with DAG(
        "ignoring",
        start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
        schedule=None,
        sla_miss_callback=print,
        default_args={"sla": timedelta(hours=1)},
    ):
        for n in range(3):
            EmptyOperator(task_id=f"t{n}", executor_config={"KubernetesExecutor": {}}, email_on_failure=False)
"""


def _announced(stderr: str) -> list[str]:
    return [line.split("headwater accepts ")[1].split("=")[0] for line in stderr.splitlines() if "accepts" in line]


def test_dags_test_and_dags_list_announce_each_ignored_argument_once(site: SchedulerHome) -> None:
    """Given a DAG file whose three tasks all carry sla and executor_config and whose DAG has a
    sla_miss_callback, when `dags test` and `dags list` parse it, then each says once per argument that
    headwater ignores it (email_on_failure=False changes nothing and is not announced), naming the DAG, the
    file and the line."""
    path = site.write_dag(IGNORING, "ignoring.py")

    tested = site.cli("dags", "test", str(path))
    listed = site.cli("dags", "list")

    for output in (tested.stderr, listed.stderr):
        assert sorted(_announced(output)) == ["executor_config", "sla", "sla_miss_callback"], output
        assert f"{path}:15: IgnoredArgumentWarning: DAG 'ignoring', task 't0': headwater accepts sla=" in output
    assert "ignoring" in listed.stdout


def test_the_scheduler_announces_them_once_and_the_tries_logs_do_not_repeat_them(site: SchedulerHome) -> None:
    """Given the same file run by the scheduler on worker processes, then the scheduler's output says it
    once per argument, and no task's log repeats it (the workers parse the file again)."""
    site.write_dag(IGNORING, "ignoring.py")
    site.start_scheduler()
    site.wait_for_dags("ignoring")
    run_id = site.trigger("ignoring")

    assert site.wait_for_run("ignoring", run_id, timeout=60).state.value == "success", site.scheduler_log()

    assert sorted(_announced(site.scheduler_log())) == ["executor_config", "sla", "sla_miss_callback"]
    for task_id in ("t0", "t1", "t2"):
        assert "IgnoredArgumentWarning" not in site.cli("tasks", "logs", "ignoring", run_id, task_id).stdout
