"""Tests for headwater.planning.past (mirrors src/headwater/planning/past.py): depends_on_past and
wait_for_downstream as Airflow 2.10.5's PrevDagrunDep decides them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from headwater.model.states import TaskState
from headwater.planning.past import past_verdict

SUCCESS, SKIPPED, FAILED = TaskState.SUCCESS, TaskState.SKIPPED, TaskState.FAILED
PREVIOUS = pendulum.datetime(2024, 1, 1, tz="UTC")
MONTH_BEFORE = PREVIOUS.subtract(days=30)
ALL_STATES: list[TaskState | None] = [None, *TaskState]


def verdict(
    *,
    depends_on_past: bool = True,
    wait_for_downstream: bool = False,
    catchup: bool = True,
    previous_logical_date: datetime | None = PREVIOUS,
    task_start_date: datetime | None = MONTH_BEFORE,
    previous_states: Sequence[TaskState | None] = (SUCCESS,),
    has_earlier_instances: bool = True,
    previous_downstream_states: Sequence[TaskState | None] = (),
    ignore_first_depends_on_past: bool = True,
    ignore_depends_on_past: bool = False,
) -> str | None:
    return past_verdict(
        depends_on_past=depends_on_past,
        wait_for_downstream=wait_for_downstream,
        catchup=catchup,
        previous_logical_date=previous_logical_date,
        task_start_date=task_start_date,
        previous_states=previous_states,
        has_earlier_instances=has_earlier_instances,
        previous_downstream_states=previous_downstream_states,
        ignore_first_depends_on_past=ignore_first_depends_on_past,
        ignore_depends_on_past=ignore_depends_on_past,
    )


class TestWhenThePastDoesNotMatter:
    def test_a_task_without_depends_on_past_always_may_run(self) -> None:
        """Without depends_on_past (or wait_for_downstream), the previous run is not looked at."""
        assert verdict(depends_on_past=False, previous_states=(FAILED,)) is None

    def test_the_first_run_is_never_held_back(self) -> None:
        """No previous run to compare with: the first run of the DAG runs."""
        assert verdict(previous_logical_date=None, previous_states=()) is None

    def test_a_waiver_such_as_a_backfill_s_first_date_lets_it_run(self) -> None:
        """ignore_depends_on_past (backfill's first date) passes even after a failure."""
        assert verdict(previous_states=(FAILED,), ignore_depends_on_past=True) is None

    def test_with_catchup_a_previous_run_from_before_the_task_existed_does_not_count(self) -> None:
        """The task's start date is after the previous run: it is the task's first instance."""
        assert verdict(task_start_date=PREVIOUS.add(days=1), previous_states=()) is None

    def test_without_catchup_the_task_start_date_is_not_consulted(self) -> None:
        """Airflow only applies the start-date exemption with catchup; without it the previous run counts."""
        reason = verdict(catchup=False, task_start_date=PREVIOUS.add(days=1), previous_states=(FAILED,))
        assert reason is not None


class TestThePreviousInstance:
    def test_a_successful_or_skipped_previous_instance_lets_it_run(self) -> None:
        """Success and skipped are the two states that count as done."""
        assert verdict(previous_states=(SUCCESS,)) is None
        assert verdict(previous_states=(SKIPPED,)) is None

    def test_any_other_previous_state_holds_it_back_and_says_which(self) -> None:
        """Failed, upstream_failed, running, removed, not yet scheduled...: it waits, naming the state."""
        for state in [s for s in ALL_STATES if s not in (SUCCESS, SKIPPED)]:
            reason = verdict(previous_states=(state,))
            assert reason is not None
            assert "depends_on_past" in reason
            assert PREVIOUS.isoformat() in reason
            assert ("no state" if state is None else str(state)) in reason

    def test_every_mapped_instance_of_the_previous_run_must_be_done(self) -> None:
        """A mapped task's previous run has many instances; one failed one is enough to wait, and counted."""
        reason = verdict(previous_states=(SUCCESS, FAILED, SKIPPED, None))
        assert reason == (
            "depends_on_past: 2 of the task's instance(s) in the previous run (2024-01-01T00:00:00+00:00) "
            "did not succeed or skip (1 failed, 1 no state)"
        )


class TestATaskAbsentFromThePreviousRun:
    def test_a_task_that_never_ran_before_may_run_by_default(self) -> None:
        """Airflow 2.10 defaults ignore_first_depends_on_past to True: a new task is not held back."""
        assert verdict(previous_states=(), has_earlier_instances=False) is None

    def test_a_task_that_ran_earlier_but_not_in_the_previous_run_waits(self) -> None:
        """It ran before, then was missing from the previous run: Airflow waits on a run that never comes."""
        reason = verdict(previous_states=(), has_earlier_instances=True)
        assert reason is not None
        assert "no instance in the previous run" in reason

    def test_without_ignore_first_depends_on_past_a_new_task_waits(self) -> None:
        """With ignore_first_depends_on_past=False, even a brand new task needs a previous instance."""
        reason = verdict(previous_states=(), has_earlier_instances=False, ignore_first_depends_on_past=False)
        assert reason is not None
        assert "ignore_first_depends_on_past" in reason


class TestWaitForDownstream:
    def test_unfinished_direct_downstream_instances_hold_it_back(self) -> None:
        """wait_for_downstream: the previous run's direct downstream instances must all be done."""
        reason = verdict(wait_for_downstream=True, previous_downstream_states=(SUCCESS, TaskState.RUNNING))
        assert reason is not None
        assert reason.startswith("wait_for_downstream: 1 instance(s)")
        assert "1 running" in reason

    def test_done_downstream_lets_it_run(self) -> None:
        """Success or skipped downstream, or no downstream instances at all: it runs."""
        assert verdict(wait_for_downstream=True, previous_downstream_states=(SUCCESS, SKIPPED)) is None
        assert verdict(wait_for_downstream=True, previous_downstream_states=()) is None

    def test_wait_for_downstream_implies_depends_on_past(self) -> None:
        """Airflow's BaseOperator turns depends_on_past on with wait_for_downstream."""
        reason = verdict(depends_on_past=False, wait_for_downstream=True, previous_states=(FAILED,))
        assert reason is not None
        assert reason.startswith("depends_on_past")

    def test_the_task_s_own_previous_state_is_reported_before_its_downstream(self) -> None:
        """Both unfinished: the reason is about the task's own previous instance first."""
        reason = verdict(wait_for_downstream=True, previous_states=(FAILED,), previous_downstream_states=(FAILED,))
        assert reason is not None
        assert reason.startswith("depends_on_past")

    def test_downstream_is_ignored_without_wait_for_downstream(self) -> None:
        """Plain depends_on_past does not look below the task."""
        assert verdict(previous_downstream_states=(FAILED,)) is None


states = st.lists(st.sampled_from(ALL_STATES), max_size=4)


class TestProperties:
    @given(states, states, st.booleans(), st.booleans(), st.booleans())
    def test_it_runs_exactly_when_every_looked_at_instance_is_done(
        self,
        own: list[TaskState | None],
        below: list[TaskState | None],
        wait: bool,
        earlier: bool,
        ignore_first: bool,
    ) -> None:
        """With a previous run to compare with, the verdict is None iff the looked-at instances are all
        success or skipped (an absent task passes only when new and ignore_first_depends_on_past is on)."""
        done = {SUCCESS, SKIPPED}
        reason = verdict(
            wait_for_downstream=wait,
            previous_states=own,
            previous_downstream_states=below,
            has_earlier_instances=earlier,
            ignore_first_depends_on_past=ignore_first,
        )
        if not own:
            expected = ignore_first and not earlier
        else:
            expected = all(s in done for s in own) and (not wait or all(s in done for s in below))
        assert (reason is None) == expected
