"""Controlling a real scheduler from the command line: pausing and unpausing DAGs, and the trigger
command's answers (the run id on stdout, a warning for a paused DAG, and errors that create nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery_harness import every_executor
from scheduler_harness import SchedulerHome

SIMPLE = """
    import datetime as dt
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    with DAG("{dag_id}", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        PythonOperator(task_id="work", python_callable=lambda: "done")
"""

GATED = """
    import datetime as dt, time
    from pathlib import Path
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    def wait_for_gate():
        Path({started!r}).touch()
        deadline = time.monotonic() + 20
        while not Path({gate!r}).exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    with DAG("gated", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        first = PythonOperator(task_id="first", python_callable=wait_for_gate)
        then = PythonOperator(task_id="then", python_callable=lambda: "ran")
        first >> then
"""

PARAMS = """
    import datetime as dt
    from headwater import DAG, Param
    from headwater.operators.python import PythonOperator

    with DAG("params", start_date=dt.datetime(2024, 1, 1), schedule=None,
             params={"n": Param(3, type="integer", minimum=1)}) as dag:
        PythonOperator(task_id="work", python_callable=lambda params: params["n"])
"""


def _states(runs: list[dict[str, Any]]) -> dict[str, str]:
    return {r["run_id"]: r["state"] for r in runs}


def _sentinel_round(site: SchedulerHome, logical_date: str) -> None:
    """Trigger the unpaused ``sentinel`` DAG and wait for its run: once it is done, the scheduler has
    looked at every run queued before it (it starts queued runs in one sweep)."""
    run_id = site.trigger("sentinel", "-e", logical_date)
    assert site.wait_for_run("sentinel", run_id, timeout=20).state.value == "success"


def test_pause_and_unpause_decide_whether_queued_runs_start(site: SchedulerHome) -> None:
    site.extra_env["HEADWATER__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "true"
    site.write_dag(SIMPLE.format(dag_id="pausable"), "pausable.py")
    site.write_dag(SIMPLE.format(dag_id="sentinel"), "sentinel.py")
    site.start_scheduler()
    site.wait_for_dags("pausable", "sentinel")
    assert site.cli("dags", "unpause", "sentinel").stdout == "DAG sentinel is unpaused.\n"

    triggered = site.cli("dags", "trigger", "pausable", "-e", "2024-03-01T00:00:00+00:00")

    first = "manual__2024-03-01T00:00:00+00:00"
    assert triggered.stdout == f"{first}\n"
    assert "'pausable' is paused" in triggered.stderr
    assert "headwater dags unpause pausable" in triggered.stderr
    _sentinel_round(site, "2024-03-01")
    assert _states(site.list_runs("pausable")) == {first: "queued"}
    assert site.states("pausable", first) == {}

    assert site.cli("dags", "unpause", "pausable").stdout == "DAG pausable is unpaused.\n"
    run = site.wait_for_run("pausable", first, timeout=20)

    assert run.state.value == "success"
    assert site.states("pausable", first) == {"work": "success"}

    assert site.cli("dags", "pause", "pausable").stdout == "DAG pausable is paused.\n"
    again = site.cli("dags", "trigger", "pausable", "-e", "2024-03-02")
    _sentinel_round(site, "2024-03-02")

    assert "'pausable' is paused" in again.stderr
    assert _states(site.list_runs("pausable")) == {first: "success", again.stdout.strip(): "queued"}


@every_executor
def test_pausing_a_dag_mid_run_lets_the_running_task_finish_but_starts_nothing_new(
    site: SchedulerHome, tmp_path: Path
) -> None:
    """Airflow 2.10 (core concepts, DAGs): "When a DAG is paused, any running tasks are allowed to complete
    and all downstream tasks are put in to a state of 'Scheduled'. When the DAG is unpaused, any 'scheduled'
    tasks will begin running according to the DAG logic." """
    started, gate = tmp_path / "started", tmp_path / "gate"
    site.write_dag(GATED.format(started=str(started), gate=str(gate)), "gated.py")
    site.write_dag(SIMPLE.format(dag_id="sentinel"), "sentinel.py")
    site.start_scheduler()
    site.wait_for_dags("gated", "sentinel")
    run_id = site.trigger("gated")
    site.wait_for("the first task to start", lambda _: started.exists(), timeout=20)

    site.cli("dags", "pause", "gated")
    _sentinel_round(site, "2024-03-01")  # the scheduler has read the pause flag
    gate.touch()
    site.wait_for("the running task to finish", lambda _: site.states("gated", run_id)["first"] == "success")
    _sentinel_round(site, "2024-03-02")  # ... and has taken in that it finished

    then = site.instances("gated", run_id)["then"]
    assert then.try_number == 0 and (then.state is None or then.state.value == "scheduled"), (
        f"'then' started while its DAG was paused: {then.state}, try {then.try_number}, {then.reason!r}"
    )
    assert _states(site.list_runs("gated")) == {run_id: "running"}

    site.cli("dags", "unpause", "gated")
    run = site.wait_for_run("gated", run_id, timeout=20)

    assert run.state.value == "success"
    assert site.states("gated", run_id) == {"first": "success", "then": "success"}


REFUSED = {
    "invalid JSON": (["params", "--conf", "{not json"], "--conf is not valid JSON"),
    "conf is a list": (["params", "--conf", "[1, 2]"], "--conf must be a JSON object"),
    "conf breaks the param's minimum": (
        ["params", "--conf", '{"n": 0}'],
        "param 'n' = 0 is invalid: 0 is less than the minimum of 1",
    ),
    "unknown DAG": (["no_such_dag"], "No DAG 'no_such_dag'"),
    "duplicate run id": (["params", "--run-id", "taken", "-e", "2024-05-01"], "already has a run 'taken'"),
    "duplicate logical date": (
        ["params", "-e", "2024-04-01"],
        "already has a run at logical date 2024-04-01T00:00:00+00:00",
    ),
}


def test_a_refused_trigger_exits_non_zero_names_the_problem_and_creates_no_run(site: SchedulerHome) -> None:
    """Every case is tried (one CLI call each) and all mismatches are reported together."""
    site.write_dag(PARAMS, "params.py")
    accepted = site.cli("dags", "trigger", "params", "--run-id", "taken", "-e", "2024-04-01")
    assert accepted.stdout == "taken\n"  # only the run id: scripts capture it
    assert "paused" not in accepted.stderr  # the harness creates DAGs unpaused

    problems = []
    for case, (options, message) in REFUSED.items():
        refused = site.cli("dags", "trigger", *options, check=False)
        if refused.returncode == 0 or message not in refused.stderr or refused.stdout:
            problems.append(
                f"{case}: exit {refused.returncode}, expected {message!r} on stderr\n"
                f"  stdout: {refused.stdout!r}\n  stderr: {refused.stderr!r}"
            )

    assert not problems, "\n".join(problems)
    assert [r["run_id"] for r in site.list_runs("params")] == ["taken"]
    assert site.list_runs("no_such_dag") == []


RENDEZVOUS = """
    import datetime as dt, os, time
    from pathlib import Path
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    # The scheduler and `dags trigger` both parse this file when neither has recorded the DAG yet; wait here
    # until both are importing it, so they record the DAG at the same moment (as happens by chance when a
    # DAG is triggered right after the scheduler starts).
    ARRIVED = Path({arrived!r})
    (ARRIVED / str(os.getpid())).touch()
    deadline = time.monotonic() + 3
    while len(list(ARRIVED.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.0005)

    with DAG("racing", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        PythonOperator(task_id="work", python_callable=lambda: "done")
"""


def test_triggering_a_new_dag_while_the_scheduler_records_it_breaks_neither(
    site: SchedulerHome, tmp_path: Path
) -> None:
    """`dags trigger` records a DAG it does not find recorded, and so does the scheduler when it parses the
    folder: both at once must leave one record, the run, and a scheduler still running. (The other tests
    wait for the scheduler to record their DAGs first, so that they do not depend on this.)"""
    arrived = tmp_path / "arrived"
    arrived.mkdir()
    site.write_dag(RENDEZVOUS.format(arrived=str(arrived)), "racing.py")
    site.start_scheduler()

    triggered = site.cli("dags", "trigger", "racing", "-e", "2024-03-01", check=False)

    assert triggered.returncode == 0, triggered.stderr[-2000:]
    assert triggered.stdout == "manual__2024-03-01T00:00:00+00:00\n"
    run = site.wait_for_run("racing", "manual__2024-03-01T00:00:00+00:00", timeout=20)
    assert run.state.value == "success"
