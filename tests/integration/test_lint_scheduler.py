"""The scheduler runs the lint's checks when it parses a DAG file, and says what it found in its log."""

from __future__ import annotations

import time


def test_the_scheduler_logs_lint_findings_when_it_parses_a_dag(site) -> None:
    """Given a DAG with a join after a branch left on all_success, when the scheduler parses it, then its log
    names the code, the DAG, the task and the fix, once."""
    site.write_dag(
        """
        from headwater import DAG
        from headwater.operators.empty import EmptyOperator
        from headwater.operators.python import BranchPythonOperator

        with DAG("trap", schedule=None) as dag:
            pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "left")
            left, right = EmptyOperator(task_id="left"), EmptyOperator(task_id="right")
            pick >> [left, right] >> EmptyOperator(task_id="join")
        """
    )
    site.start_scheduler()
    site.wait_for_dags("trap")
    deadline = time.monotonic() + 30
    while "Lint HW001" not in site.scheduler_log() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # a few more passes: the finding must not be logged again

    log = site.scheduler_log()
    assert log.count("Lint HW001 in DAG 'trap' (join):") == 1, log
    assert "Fix: Set trigger_rule='none_failed_min_one_success' on 'join'" in log
