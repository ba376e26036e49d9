"""Finished upstream task instances reduced to counts: everything a trigger rule may look at."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from headwater.model.states import TaskState


@dataclass(frozen=True)
class UpstreamCounts:
    """How many upstream instances exist (``total``) and how many finished in each state."""

    total: int
    success: int = 0
    skipped: int = 0
    failed: int = 0
    upstream_failed: int = 0
    removed: int = 0
    total_setup: int = 0
    success_setup: int = 0
    skipped_setup: int = 0

    @property
    def done(self) -> int:
        return self.success + self.skipped + self.failed + self.upstream_failed + self.removed

    @property
    def all_done(self) -> bool:
        return self.done >= self.total

    def describe(self) -> str:
        """``2 success, 1 skipped of 4`` — the part of a reason that shows the counts."""
        parts = [
            f"{n} {name}"
            for name, n in (
                ("success", self.success),
                ("skipped", self.skipped),
                ("failed", self.failed),
                ("upstream_failed", self.upstream_failed),
                ("removed", self.removed),
            )
            if n
        ]
        waiting = self.total - self.done
        if waiting:
            parts.append(f"{waiting} not done")
        return f"{', '.join(parts) or 'none finished'} of {self.total} upstream"


def count_states(states: list[tuple[TaskState | None, bool]]) -> UpstreamCounts:
    """Counts over ``(state, is_setup)`` pairs, one per upstream instance."""
    tally = dict.fromkeys(TaskState, 0)
    setup_tally = dict.fromkeys(TaskState, 0)
    total_setup = 0
    for state, is_setup in states:
        if is_setup:
            total_setup += 1
        if state is None:
            continue
        tally[state] += 1
        if is_setup:
            setup_tally[state] += 1
    return UpstreamCounts(
        total=len(states),
        success=tally[TaskState.SUCCESS],
        skipped=tally[TaskState.SKIPPED],
        failed=tally[TaskState.FAILED],
        upstream_failed=tally[TaskState.UPSTREAM_FAILED],
        removed=tally[TaskState.REMOVED],
        total_setup=total_setup,
        success_setup=setup_tally[TaskState.SUCCESS],
        skipped_setup=setup_tally[TaskState.SKIPPED],
    )


def count_tally(tally: Mapping[tuple[TaskState | None, bool], int]) -> UpstreamCounts:
    """Counts from instances already tallied by ``(state, is_setup)``: the same as ``count_states``."""
    total = total_setup = 0
    by_state: dict[TaskState, int] = {}
    by_setup_state: dict[TaskState, int] = {}
    for (state, is_setup), n in tally.items():
        total += n
        if is_setup:
            total_setup += n
        if state is None:
            continue
        by_state[state] = by_state.get(state, 0) + n
        if is_setup:
            by_setup_state[state] = by_setup_state.get(state, 0) + n
    return UpstreamCounts(
        total=total,
        success=by_state.get(TaskState.SUCCESS, 0),
        skipped=by_state.get(TaskState.SKIPPED, 0),
        failed=by_state.get(TaskState.FAILED, 0),
        upstream_failed=by_state.get(TaskState.UPSTREAM_FAILED, 0),
        removed=by_state.get(TaskState.REMOVED, 0),
        total_setup=total_setup,
        success_setup=by_setup_state.get(TaskState.SUCCESS, 0),
        skipped_setup=by_setup_state.get(TaskState.SKIPPED, 0),
    )
