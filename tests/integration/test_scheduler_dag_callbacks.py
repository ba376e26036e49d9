"""DAG callbacks under a real scheduler: called once per finished run, away from the scheduling loop (one
scheduler process for two runs, about 5 s: what dags test cannot show is the callback thread)."""

from __future__ import annotations

import json
from pathlib import Path

from scheduler_harness import SchedulerHome

FAILING = """
    import datetime as dt, json, time
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    def broken(context):
        raise RuntimeError("the DAG callback is broken")

    def slow_note(context):
        time.sleep(0.5)  # the scheduler does not wait for it
        with open({log!r}, "a") as fh:
            fh.write(json.dumps({{"reason": context["reason"], "task": context["ti"].task_id,
                                  "run_id": context["run_id"], "dag_run_state": context["dag_run"].state}}) + "\\n")

    def fail():
        raise ValueError("no")

    with DAG("cb", start_date=dt.datetime(2024, 1, 1), schedule=None,
             on_failure_callback=[broken, slow_note]) as dag:
        PythonOperator(task_id="fails", python_callable=fail)
"""


def test_a_failed_runs_callbacks_are_called_once_each_and_a_raising_one_does_not_stop_the_scheduler(
    site: SchedulerHome, tmp_path: Path
) -> None:
    """Given a DAG whose on_failure_callback list starts with a callback that raises, when two runs fail one
    after the other, then each run calls the next callback once with reason 'task_failure', the error is
    in the scheduler's log with its traceback, and the scheduler goes on."""
    log = tmp_path / "dag_callbacks.jsonl"
    site.write_dag(FAILING.format(log=str(log)))
    site.start_scheduler()
    site.wait_for_dags("cb")
    first = site.trigger("cb")
    assert site.wait_for_run("cb", first, timeout=20).state.value == "failed"
    second = site.trigger("cb", "--run-id", "again")
    assert site.wait_for_run("cb", second, timeout=20).state.value == "failed"

    def both_noted(_store):  # type: ignore[no-untyped-def]
        return log.exists() and len(log.read_text().splitlines()) == 2

    site.wait_for("both runs' callbacks", both_noted, timeout=20)
    noted = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(n["run_id"] for n in noted) == sorted([first, second])
    assert {(n["reason"], n["task"], n["dag_run_state"]) for n in noted} == {("task_failure", "fails", "failed")}
    scheduler_log = site.scheduler_log()
    assert scheduler_log.count("RuntimeError: the DAG callback is broken") == 2, scheduler_log
    assert f"The DAG callback broken of DAG 'cb', run '{first}' raised; the run's state is unchanged." in scheduler_log


KILLED = """
    import datetime as dt, json, os, signal
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    def note(context):
        with open({log!r}, "a") as fh:
            fh.write(json.dumps({{"state": context["ti"].state, "try": context["ti"].try_number,
                                  "exception": context["exception"]}}) + "\\n")

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    with DAG("killed", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        PythonOperator(task_id="dies", python_callable=die, on_failure_callback=note)
"""


def test_a_try_whose_process_dies_calls_its_failure_callback_from_the_scheduler(
    site: SchedulerHome, tmp_path: Path
) -> None:
    """Given a task whose process is killed mid-try (Airflow's zombie), when the scheduler declares the try
    lost, then the task's on_failure_callback is called once, with the reason as context['exception']."""
    log = tmp_path / "task_callbacks.jsonl"
    site.write_dag(KILLED.format(log=str(log)))
    site.start_scheduler()
    site.wait_for_dags("killed")
    run_id = site.trigger("killed")
    assert site.wait_for_run("killed", run_id, timeout=30).state.value == "failed"
    site.wait_for("the failure callback", lambda _: log.exists() and log.read_text().strip(), timeout=20)

    [noted] = [json.loads(line) for line in log.read_text().splitlines()]
    assert (noted["state"], noted["try"]) == ("failed", 1)
    reason = site.instances("killed", run_id)["dies"].reason
    assert noted["exception"] == reason and reason.startswith("lost: "), reason
