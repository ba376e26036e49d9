"""A DAG file that hangs at import while the scheduler runs: the other DAGs keep being scheduled, and
the hanging file is recorded as an import error once its time limit passes."""

from __future__ import annotations

import time

from scheduler_harness import SchedulerHome

GOOD = """
    import datetime as dt
    from headwater import DAG
    from headwater.operators.empty import EmptyOperator

    with DAG("steady", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
"""

HANGING = """
    import time
    from headwater import DAG  # a DAG file
    time.sleep(60)
"""


def test_a_file_hanging_at_import_does_not_hold_up_other_runs(site: SchedulerHome) -> None:
    site.extra_env["HEADWATER__CORE__DAGBAG_IMPORT_TIMEOUT"] = "8"
    site.write_dag(GOOD, "steady.py")
    site.start_scheduler()
    site.wait_for("the scheduler to know the DAG", lambda store: "steady" in store.pause_flags())

    site.write_dag(HANGING, "hanging.py")
    time.sleep(1.0)  # the scheduler notices the new file and starts parsing it
    run_id = site.cli("dags", "trigger", "steady").stdout.strip()
    run = site.wait_for_run("steady", run_id, timeout=30)
    errors_when_done = site.store.import_errors()

    assert run.state.value == "success"
    assert not any("hanging.py" in f for f in errors_when_done), "the run waited for the hanging file"
    errors = site.wait_for("the hanging file's import error", lambda store: store.import_errors(), timeout=60)
    (message,) = [m for f, m in errors.items() if f.endswith("hanging.py")]
    assert "dagbag_import_timeout" in message and "8 s" in message
