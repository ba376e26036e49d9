"""One function per trigger rule: from upstream counts to an action *and* its reason.

The behaviour is Airflow 2.10's (``trigger_rule_dep``), including its eager transitions: a rule
decides ``skip`` or ``upstream_failed`` as soon as the counts make the outcome certain, without
waiting for the remaining upstream tasks. Each reason comes from the line that decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from headwater.model.trigger_rule import TriggerRule
from headwater.planning.counts import UpstreamCounts


class Action(str, Enum):
    """What a pass does with a task instance."""

    RUN = "run"
    WAIT = "wait"
    SKIP = "skipped"
    UPSTREAM_FAILED = "upstream_failed"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Verdict:
    action: Action
    reason: str


RUN, WAIT, SKIP, UPSTREAM_FAILED = Action.RUN, Action.WAIT, Action.SKIP, Action.UPSTREAM_FAILED


def all_success(up: UpstreamCounts) -> Verdict:
    if bad := up.failed + up.upstream_failed:
        return Verdict(UPSTREAM_FAILED, f"all_success: {bad}/{up.total} upstream failed")
    if up.skipped:
        return Verdict(SKIP, f"all_success: {up.skipped}/{up.total} upstream skipped")
    if up.success < up.total:
        return Verdict(WAIT, f"all_success: {up.success}/{up.total} upstream succeeded so far")
    return Verdict(RUN, "all_success: every upstream succeeded")


def all_failed(up: UpstreamCounts) -> Verdict:
    if ok := up.success + up.skipped:
        return Verdict(SKIP, f"all_failed: {ok}/{up.total} upstream succeeded or skipped")
    if up.failed + up.upstream_failed < up.total:
        return Verdict(WAIT, f"all_failed: {up.failed + up.upstream_failed}/{up.total} upstream failed so far")
    return Verdict(RUN, "all_failed: every upstream failed")


def all_done(up: UpstreamCounts) -> Verdict:
    if not up.all_done:
        return Verdict(WAIT, f"all_done: {up.done}/{up.total} upstream done so far")
    return Verdict(RUN, f"all_done: every upstream is done ({up.describe()})")


def all_done_min_one_success(up: UpstreamCounts) -> Verdict:
    if up.skipped:
        return Verdict(SKIP, f"all_done_min_one_success: {up.skipped}/{up.total} upstream skipped")
    non_skipped_done = up.done - up.skipped
    if non_skipped_done >= up.total - up.skipped and up.success == 0:
        return Verdict(UPSTREAM_FAILED, f"all_done_min_one_success: all done, none succeeded ({up.describe()})")
    if non_skipped_done < up.total - up.skipped:
        return Verdict(WAIT, f"all_done_min_one_success: {up.done}/{up.total} upstream done so far")
    return Verdict(RUN, f"all_done_min_one_success: all done, {up.success} succeeded")


def all_done_setup_success(up: UpstreamCounts) -> Verdict:
    """The rule of teardown tasks: run once everything is done, if at least one setup succeeded."""
    if up.all_done and up.total_setup and up.skipped_setup >= up.total_setup:
        return Verdict(SKIP, f"all_done_setup_success: all {up.total_setup} setup(s) skipped")
    if up.all_done and up.total_setup and up.success_setup == 0:
        return Verdict(UPSTREAM_FAILED, f"all_done_setup_success: none of {up.total_setup} setup(s) succeeded")
    if not up.all_done:
        return Verdict(WAIT, f"all_done_setup_success: {up.done}/{up.total} upstream done so far")
    return Verdict(RUN, "all_done_setup_success: every upstream is done and a setup succeeded")


def all_skipped(up: UpstreamCounts) -> Verdict:
    if not_skipped := up.success + up.failed + up.upstream_failed:
        return Verdict(SKIP, f"all_skipped: {not_skipped}/{up.total} upstream did not skip")
    if up.skipped < up.total:
        return Verdict(WAIT, f"all_skipped: {up.skipped}/{up.total} upstream skipped so far")
    return Verdict(RUN, "all_skipped: every upstream skipped")


def one_success(up: UpstreamCounts) -> Verdict:
    if up.all_done and up.done == up.skipped:
        return Verdict(SKIP, f"one_success: all {up.total} upstream skipped")
    if up.all_done and up.success <= 0:
        return Verdict(UPSTREAM_FAILED, f"one_success: all done, none succeeded ({up.describe()})")
    if up.success <= 0:
        return Verdict(WAIT, f"one_success: no upstream succeeded yet ({up.describe()})")
    return Verdict(RUN, f"one_success: {up.success}/{up.total} upstream succeeded")


def one_failed(up: UpstreamCounts) -> Verdict:
    bad = up.failed + up.upstream_failed
    if up.all_done and not bad:
        return Verdict(SKIP, f"one_failed: all done, none failed ({up.describe()})")
    if not bad:
        return Verdict(WAIT, f"one_failed: no upstream failed yet ({up.describe()})")
    return Verdict(RUN, f"one_failed: {bad}/{up.total} upstream failed")


def one_done(up: UpstreamCounts) -> Verdict:
    if up.all_done and not (up.failed or up.success):
        return Verdict(SKIP, f"one_done: all done, none succeeded or failed ({up.describe()})")
    if up.success + up.failed <= 0:
        return Verdict(WAIT, f"one_done: no upstream succeeded or failed yet ({up.describe()})")
    return Verdict(RUN, f"one_done: {up.success + up.failed}/{up.total} upstream succeeded or failed")


def none_failed(up: UpstreamCounts) -> Verdict:
    if bad := up.failed + up.upstream_failed:
        return Verdict(UPSTREAM_FAILED, f"none_failed: {bad}/{up.total} upstream failed")
    if up.total - up.success - up.skipped > 0:
        return Verdict(WAIT, f"none_failed: {up.done}/{up.total} upstream done so far")
    return Verdict(RUN, f"none_failed: no upstream failed ({up.describe()})")


def none_failed_min_one_success(up: UpstreamCounts) -> Verdict:
    if bad := up.failed + up.upstream_failed:
        return Verdict(UPSTREAM_FAILED, f"none_failed_min_one_success: {bad}/{up.total} upstream failed")
    if up.skipped == up.total:
        return Verdict(SKIP, f"none_failed_min_one_success: all {up.total} upstream skipped")
    if up.total - up.success - up.skipped > 0:
        return Verdict(WAIT, f"none_failed_min_one_success: {up.done}/{up.total} upstream done so far")
    return Verdict(RUN, f"none_failed_min_one_success: none failed, {up.success} succeeded")


def none_skipped(up: UpstreamCounts) -> Verdict:
    if up.skipped:
        return Verdict(SKIP, f"none_skipped: {up.skipped}/{up.total} upstream skipped")
    if not up.all_done:
        return Verdict(WAIT, f"none_skipped: {up.done}/{up.total} upstream done so far")
    return Verdict(RUN, f"none_skipped: all done, none skipped ({up.describe()})")


def always(up: UpstreamCounts) -> Verdict:
    return Verdict(RUN, "always: runs whatever the upstream states")


RULES: dict[TriggerRule, Callable[[UpstreamCounts], Verdict]] = {
    TriggerRule.ALL_SUCCESS: all_success,
    TriggerRule.ALL_FAILED: all_failed,
    TriggerRule.ALL_DONE: all_done,
    TriggerRule.ALL_DONE_MIN_ONE_SUCCESS: all_done_min_one_success,
    TriggerRule.ALL_DONE_SETUP_SUCCESS: all_done_setup_success,
    TriggerRule.ALL_SKIPPED: all_skipped,
    TriggerRule.ONE_SUCCESS: one_success,
    TriggerRule.ONE_FAILED: one_failed,
    TriggerRule.ONE_DONE: one_done,
    TriggerRule.NONE_FAILED: none_failed,
    TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS: none_failed_min_one_success,
    TriggerRule.NONE_SKIPPED: none_skipped,
    TriggerRule.ALWAYS: always,
}
"""Every rule has exactly one function; a missing rule is a KeyError at import-time tests."""


def evaluate(rule: TriggerRule, up: UpstreamCounts) -> Verdict:
    """The verdict of ``rule`` over ``up``."""
    return RULES[rule](up)


def setup_constraint(up: UpstreamCounts) -> Verdict:
    """Indirect setups (upstream but not direct) must all succeed before a task runs."""
    if bad := up.failed + up.upstream_failed:
        return Verdict(UPSTREAM_FAILED, f"setup: {bad}/{up.total} relevant setup task(s) failed")
    if up.skipped:
        return Verdict(SKIP, f"setup: {up.skipped}/{up.total} relevant setup task(s) skipped")
    if up.success < up.total:
        return Verdict(WAIT, f"setup: {up.success}/{up.total} relevant setup task(s) succeeded so far")
    return Verdict(RUN, "setup: every relevant setup succeeded")
