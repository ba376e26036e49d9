"""What a trigger rule does with a skipped upstream, asked of the rules themselves (for the lint).

A rule "propagates skips" when a task with it is skipped as soon as one of its upstream tasks is
skipped although the others succeeded, yet runs when they all succeed: the rule a join after a branch
must not have. Both questions are answered by evaluating the rule, so the lint can never disagree
with what a run does.
"""

from __future__ import annotations

from headwater.model.trigger_rule import TriggerRule
from headwater.planning.counts import UpstreamCounts
from headwater.planning.trigger_rules import Action, evaluate


def skipped_by_a_skipped_upstream(rule: TriggerRule, upstreams: int) -> bool:
    """Whether one skipped upstream (the others succeeded) skips a task with ``rule``."""
    n = max(upstreams, 1)
    return evaluate(rule, UpstreamCounts(total=n, success=n - 1, skipped=1)).action is Action.SKIP


def propagates_skips(rule: TriggerRule, upstreams: int) -> bool:
    """Skipped when one path was not taken, although it runs when every upstream succeeds."""
    n = max(upstreams, 1)
    runs_on_success = evaluate(rule, UpstreamCounts(total=n, success=n)).action is Action.RUN
    return runs_on_success and skipped_by_a_skipped_upstream(rule, n)
