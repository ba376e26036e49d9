"""Tests for headwater.planning.outcomes (mirrors src/headwater/planning/outcomes.py): the run's state from its
leaves, what a failed try becomes, how long to wait before a retry, and how a mapped task expands.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import shape_from_edges

from headwater.model.states import DagRunState, TaskState
from headwater.model.trigger_rule import TriggerRule
from headwater.planning.outcomes import (
    EMPTY_EXPANSION_REASON,
    MAX_RETRY_DELAY,
    expansion_keys,
    retry_delay,
    run_outcome,
    state_after_failure,
    timed_out_run,
)

SUCCESS, FAILED, SKIPPED, UPSTREAM_FAILED = (
    TaskState.SUCCESS,
    TaskState.FAILED,
    TaskState.SKIPPED,
    TaskState.UPSTREAM_FAILED,
)


def _states(**states: TaskState | None) -> dict[tuple[str, int], TaskState | None]:
    return {(tid, -1): state for tid, state in states.items()}


class TestRunOutcome:
    def test_a_failed_inner_task_does_not_fail_the_run_when_the_leaves_succeed(self) -> None:
        """dagrun_state_leaves: work failed, its all_done cleanup succeeded, the other leaf skipped: run succeeds."""
        shape = shape_from_edges(["work >> cleanup"], tasks=["optional_leaf"], rules={"cleanup": TriggerRule.ALL_DONE})
        states = _states(work=FAILED, cleanup=SUCCESS, optional_leaf=SKIPPED)
        assert run_outcome(shape, states) == (DagRunState.SUCCESS, "every leaf task succeeded or was skipped")

    def test_a_failed_or_upstream_failed_leaf_fails_the_run(self) -> None:
        """Any leaf in failed or upstream_failed fails the run, and the reason lists those leaves sorted."""
        shape = shape_from_edges(["a >> b", "a >> c", "a >> d"])
        states = _states(a=SUCCESS, b=UPSTREAM_FAILED, c=FAILED, d=SUCCESS)
        assert run_outcome(shape, states) == (DagRunState.FAILED, "leaf task(s) failed: b=upstream_failed, c=failed")

    def test_the_run_is_undecided_while_a_task_is_unfinished(self) -> None:
        """While any instance is not in a terminal state, the run has no final state yet."""
        shape = shape_from_edges(["a >> b"], tasks=["c"])
        for pending in (None, TaskState.RUNNING, TaskState.UP_FOR_RETRY, TaskState.SCHEDULED):
            states = _states(a=FAILED, b=UPSTREAM_FAILED, c=pending)
            assert run_outcome(shape, states) == (None, "tasks are still unfinished")

    def test_a_teardown_leaf_does_not_decide_the_run(self) -> None:
        """A failed teardown at the end does not fail the run: the task before it is the leaf that counts."""
        shape = shape_from_edges(["setup >> work >> teardown", "setup >> teardown"], teardowns=["teardown"])
        states = _states(setup=SUCCESS, work=SUCCESS, teardown=FAILED)
        assert run_outcome(shape, states)[0] is DagRunState.SUCCESS

    def test_the_work_before_a_teardown_still_fails_the_run(self) -> None:
        """A failed task whose only downstream is a teardown is a leaf, so the run fails even if the teardown ran."""
        shape = shape_from_edges(["setup >> work >> teardown", "setup >> teardown"], teardowns=["teardown"])
        states = _states(setup=SUCCESS, work=FAILED, teardown=SUCCESS)
        assert run_outcome(shape, states) == (DagRunState.FAILED, "leaf task(s) failed: work=failed")

    def test_a_teardown_that_fails_the_dagrun_is_a_leaf(self) -> None:
        """A teardown with on_failure_fail_dagrun=True counts as a leaf: its failure fails the run."""
        shape = shape_from_edges(
            ["setup >> work >> teardown", "setup >> teardown"], teardowns=["teardown"], fails_run=["teardown"]
        )
        states = _states(setup=SUCCESS, work=SUCCESS, teardown=FAILED)
        assert run_outcome(shape, states) == (DagRunState.FAILED, "leaf task(s) failed: teardown=failed")

    def test_a_task_before_a_teardown_that_fails_the_dagrun_is_no_leaf(self) -> None:
        """Below a teardown with on_failure_fail_dagrun=True, the task before it no longer decides the run."""
        shape = shape_from_edges(
            ["setup >> work >> teardown", "setup >> teardown"], teardowns=["teardown"], fails_run=["teardown"]
        )
        states = _states(setup=SUCCESS, work=FAILED, teardown=SUCCESS)
        assert run_outcome(shape, states)[0] is DagRunState.SUCCESS

    def test_removed_leaf_instances_are_ignored(self) -> None:
        """A removed instance of a leaf neither fails nor blocks the run."""
        shape = shape_from_edges(["a >> b"])
        states = {("a", -1): SUCCESS, ("b", 0): SUCCESS, ("b", 1): TaskState.REMOVED}
        assert run_outcome(shape, states)[0] is DagRunState.SUCCESS


class TestStateAfterFailure:
    @pytest.mark.parametrize(
        ("try_number", "retries", "expected"),
        [
            (1, 0, FAILED),
            (1, 1, TaskState.UP_FOR_RETRY),
            (2, 1, FAILED),
            (1, 2, TaskState.UP_FOR_RETRY),
            (2, 2, TaskState.UP_FOR_RETRY),
            (3, 2, FAILED),
        ],
    )
    def test_a_failed_try_is_retried_while_tries_remain(
        self, try_number: int, retries: int, expected: TaskState
    ) -> None:
        """Try n of a task with r retries goes up_for_retry while n <= r and fails after that (r + 1 tries in all)."""
        assert state_after_failure(try_number=try_number, retries=retries, fail_fast=False) is expected

    @pytest.mark.parametrize("retries", [0, 1, 3])
    def test_failing_fast_fails_at_once_whatever_retries_says(self, retries: int) -> None:
        """AirflowFailException (fail_fast) ends the task failed on the first try, even with retries left."""
        assert state_after_failure(try_number=1, retries=retries, fail_fast=True) is FAILED


class TestRetryDelay:
    def test_without_exponential_backoff_the_base_delay_is_used(self) -> None:
        """retry_exponential_backoff=False waits exactly retry_delay on every try."""
        for try_number in (1, 2, 10):
            assert retry_delay(
                base=timedelta(seconds=300), try_number=try_number, exponential=False, max_delay=None, seed="s"
            ) == timedelta(seconds=300)

    @given(
        base=st.integers(min_value=0, max_value=600),
        try_number=st.integers(min_value=1, max_value=12),
        seed=st.text(max_size=20),
    )
    def test_exponential_backoff_doubles_per_try_with_bounded_jitter(
        self, base: int, try_number: int, seed: str
    ) -> None:
        """Try n waits between b * 2**(n-1) and twice that (minus one second), at least one second, at most one day."""
        low = max(1, base * 2 ** (try_number - 1))
        delay = retry_delay(
            base=timedelta(seconds=base), try_number=try_number, exponential=True, max_delay=None, seed=seed
        )
        assert min(low, MAX_RETRY_DELAY.total_seconds()) <= delay.total_seconds()
        assert delay.total_seconds() <= min(2 * low - 1, MAX_RETRY_DELAY.total_seconds())
        assert delay.total_seconds() == int(delay.total_seconds())

    def test_exponential_backoff_is_capped_by_max_retry_delay(self) -> None:
        """max_retry_delay caps the exponential delay once the backoff passes it, and not before."""
        base, cap = timedelta(seconds=300), timedelta(minutes=10)
        first = retry_delay(base=base, try_number=1, exponential=True, max_delay=cap, seed="dag#task#date")
        assert timedelta(seconds=300) <= first <= cap
        for try_number in (3, 4, 10):
            assert retry_delay(base=base, try_number=try_number, exponential=True, max_delay=cap, seed="x") == cap

    def test_exponential_backoff_never_exceeds_one_day(self) -> None:
        """Without max_retry_delay the backoff stops growing at one day."""
        delay = retry_delay(base=timedelta(hours=1), try_number=20, exponential=True, max_delay=None, seed="s")
        assert delay == MAX_RETRY_DELAY == timedelta(days=1)

    def test_a_zero_base_delay_backs_off_by_one_second(self) -> None:
        """A zero retry_delay with exponential backoff still waits one second, as in Airflow."""
        delay = retry_delay(base=timedelta(0), try_number=1, exponential=True, max_delay=None, seed="s")
        assert delay == timedelta(seconds=1)

    def test_the_jitter_is_deterministic_per_seed_and_try(self) -> None:
        """The same seed and try always give the same delay."""
        kwargs = {"base": timedelta(seconds=60), "exponential": True, "max_delay": None, "seed": "d#t#2024"}
        assert retry_delay(try_number=3, **kwargs) == retry_delay(try_number=3, **kwargs)


class TestExpansionKeys:
    def test_a_mapped_task_gets_one_indexed_instance_per_element(self) -> None:
        """Expanding over n elements gives instances 0 .. n-1."""
        assert expansion_keys("double", 3) == [("double", 0), ("double", 1), ("double", 2)]

    def test_an_empty_expansion_keeps_one_unindexed_instance(self) -> None:
        """Expanding over [] keeps a single instance with map index -1, skipped with a fixed reason."""
        assert expansion_keys("double", 0) == [("double", -1)]
        assert EMPTY_EXPANSION_REASON == "mapped over an empty list: nothing to run"


class TestTimedOutRun:
    START = datetime(2024, 1, 1, tzinfo=UTC)

    def test_within_its_timeout_a_run_goes_on(self) -> None:
        states = {("a", -1): TaskState.RUNNING}
        assert timed_out_run(states, started=self.START, timeout=timedelta(hours=1), now=self.START) is None
        assert timed_out_run(states, started=self.START, timeout=None, now=self.START + timedelta(days=9)) is None

    def test_past_it_every_unfinished_instance_is_skipped_running_ones_too(self) -> None:
        states = {
            ("done", -1): TaskState.SUCCESS,
            ("running", -1): TaskState.RUNNING,
            ("waiting", -1): None,
            ("retrying", -1): TaskState.UP_FOR_RETRY,
            ("failed", -1): TaskState.FAILED,
        }
        decided = timed_out_run(
            states, started=self.START, timeout=timedelta(minutes=5), now=self.START + timedelta(minutes=6)
        )
        assert decided is not None
        skipped, reason = decided
        assert sorted(skipped) == [("retrying", -1), ("running", -1), ("waiting", -1)]
        assert reason == "dagrun_timeout of 0:05:00 exceeded"
