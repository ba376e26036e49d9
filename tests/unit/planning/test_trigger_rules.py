"""Tests for headwater.planning.trigger_rules (mirrors src/headwater/planning/trigger_rules.py).

Each rule is a pure function of ``UpstreamCounts``. It is checked three ways:

* a truth table over the conformance mixes (ss, sf, sk, su, ff, kk, fk, uu, ku, sfk) with every
  upstream finished, written from the rule definitions. The conformance matrix shows *final* states
  after pass-based visibility; where the two differ (``all_success`` over ``ku``) the pure rule says
  upstream_failed and ``test_passes.py`` shows the pass that turns it into skipped;
* every combination of upstream states (finished or not, setup or not) up to four upstream tasks,
  against a transcription of Airflow 2.10's ``TriggerRuleDep._evaluate_direct_relatives``;
* the properties that matter most, stated one by one (eager transitions, ``none_failed`` over
  skipped upstreams, the ``one_*`` rules starting early).
"""

from __future__ import annotations

from itertools import combinations_with_replacement

import pytest

from headwater.model.states import TaskState
from headwater.model.trigger_rule import TriggerRule
from headwater.planning.counts import UpstreamCounts, count_states
from headwater.planning.trigger_rules import RULES, Action, Verdict, evaluate, setup_constraint

RUN, WAIT, SKIP, UF = Action.RUN, Action.WAIT, Action.SKIP, Action.UPSTREAM_FAILED
TR = TriggerRule

_LETTERS = {
    "s": TaskState.SUCCESS,
    "f": TaskState.FAILED,
    "k": TaskState.SKIPPED,
    "u": TaskState.UPSTREAM_FAILED,
    "r": TaskState.REMOVED,
    ".": None,
}


def counts(mix: str) -> UpstreamCounts:
    """Counts for upstream states written as letters: s f k u r, and ``.`` for not finished."""
    return count_states([(_LETTERS[c], False) for c in mix])


# ---------------------------------------------------------------------------------------------------
# Airflow 2.10, transcribed: ``trigger_rule_dep._evaluate_direct_relatives`` for an unmapped task
# instance with ``flag_upstream_failed=True``. The first ladder may set a new state; otherwise the
# second ladder says whether the rule is not met yet (wait) or met (run). ``all_done_min_one_success``
# is Airflow 3's rule, transcribed from Airflow 3's version of the same function.
# ---------------------------------------------------------------------------------------------------


def airflow_new_state(rule: TriggerRule, up: UpstreamCounts) -> Action | None:
    """The state Airflow sets without running the task, or None."""
    success, skipped, failed, upstream_failed = up.success, up.skipped, up.failed, up.upstream_failed
    upstream, done = up.total, up.done
    upstream_done = done >= upstream
    if rule is TR.ALL_SUCCESS:
        if upstream_failed or failed:
            return UF
        if skipped:
            return SKIP
    elif rule is TR.ALL_FAILED:
        if success or skipped:
            return SKIP
    elif rule is TR.ONE_SUCCESS:
        if upstream_done and done == skipped:
            return SKIP
        if upstream_done and success <= 0:
            return UF
    elif rule is TR.ONE_FAILED:
        if upstream_done and not (failed or upstream_failed):
            return SKIP
    elif rule is TR.ONE_DONE:
        if upstream_done and not (failed or success):
            return SKIP
    elif rule is TR.NONE_FAILED:
        if upstream_failed or failed:
            return UF
    elif rule is TR.NONE_FAILED_MIN_ONE_SUCCESS:
        if upstream_failed or failed:
            return UF
        if skipped == upstream:
            return SKIP
    elif rule is TR.NONE_SKIPPED:
        if skipped:
            return SKIP
    elif rule is TR.ALL_SKIPPED:
        if success or failed or upstream_failed:
            return SKIP
    elif rule is TR.ALL_DONE_MIN_ONE_SUCCESS:
        non_skipped_done = success + failed + upstream_failed + up.removed
        if skipped > 0:
            return SKIP
        if non_skipped_done >= upstream - skipped and success == 0:
            return UF
    elif rule is TR.ALL_DONE_SETUP_SUCCESS:
        if upstream_done and up.total_setup and up.skipped_setup >= up.total_setup:
            return SKIP
        if upstream_done and up.total_setup and up.success_setup == 0:
            return UF
    return None


def airflow_not_met(rule: TriggerRule, up: UpstreamCounts) -> bool:
    """Whether Airflow reports the rule as not (yet) met."""
    success, skipped, failed, upstream_failed = up.success, up.skipped, up.failed, up.upstream_failed
    upstream, done = up.total, up.done
    upstream_done = done >= upstream
    if rule is TR.ONE_SUCCESS:
        return success <= 0
    if rule is TR.ONE_FAILED:
        return not failed and not upstream_failed
    if rule is TR.ONE_DONE:
        return success + failed <= 0
    if rule is TR.ALL_SUCCESS:
        return upstream - success > 0
    if rule is TR.ALL_FAILED:
        return upstream - failed - upstream_failed > 0
    if rule is TR.ALL_DONE:
        return not upstream_done
    if rule in (TR.NONE_FAILED, TR.NONE_FAILED_MIN_ONE_SUCCESS):
        return upstream - success - skipped > 0
    if rule is TR.NONE_SKIPPED:
        return not upstream_done or skipped > 0
    if rule is TR.ALL_SKIPPED:
        return upstream - skipped > 0
    if rule is TR.ALL_DONE_SETUP_SUCCESS:
        return not upstream_done or bool(up.total_setup and not up.success_setup)
    if rule is TR.ALL_DONE_MIN_ONE_SUCCESS:
        non_skipped_done = success + failed + upstream_failed + up.removed
        return skipped > 0 or non_skipped_done < upstream - skipped or success == 0
    assert rule is TR.ALWAYS
    return False


def airflow_action(rule: TriggerRule, up: UpstreamCounts) -> Action:
    """What Airflow does with the task: set a state, leave it waiting, or queue it."""
    new_state = airflow_new_state(rule, up)
    if new_state is not None:
        return new_state
    return WAIT if airflow_not_met(rule, up) else RUN


def _all_upstream_combinations(max_upstream: int = 4) -> list[UpstreamCounts]:
    """Counts for every multiset of (state or unfinished, is_setup) upstreams, 1 to ``max_upstream`` of them."""
    kinds = [(state, is_setup) for state in _LETTERS.values() for is_setup in (False, True)]
    combos = {
        count_states(list(combo))
        for size in range(1, max_upstream + 1)
        for combo in combinations_with_replacement(kinds, size)
    }
    return sorted(combos, key=repr)


ALL_COUNTS = _all_upstream_combinations()
NO_SETUP_COUNTS = [c for c in ALL_COUNTS if not c.total_setup]

EARLY_RULES = frozenset({TR.ONE_SUCCESS, TR.ONE_FAILED, TR.ONE_DONE, TR.ALWAYS})
"""Rules that may run before every upstream task has finished."""

# Pure verdicts with every upstream finished. R = run, K = skipped, U = upstream_failed.
MIXES = ("ss", "sf", "sk", "su", "ff", "kk", "fk", "uu", "ku", "sfk")
TRUTH_TABLE: dict[TriggerRule, str] = {
    #                                 ss sf sk su ff kk fk uu ku sfk
    TR.ALL_SUCCESS:                  "R  U  K  U  U  K  U  U  U  U",
    TR.ALL_FAILED:                   "K  K  K  K  R  K  K  R  K  K",
    TR.ALL_DONE:                     "R  R  R  R  R  R  R  R  R  R",
    TR.ALL_SKIPPED:                  "K  K  K  K  K  R  K  K  K  K",
    TR.ONE_SUCCESS:                  "R  R  R  R  U  K  U  U  U  R",
    TR.ONE_FAILED:                   "K  R  K  R  R  K  R  R  R  R",
    TR.ONE_DONE:                     "R  R  R  R  R  K  R  K  K  R",
    TR.NONE_FAILED:                  "R  U  R  U  U  R  U  U  U  U",
    TR.NONE_FAILED_MIN_ONE_SUCCESS:  "R  U  R  U  U  K  U  U  U  U",
    TR.NONE_SKIPPED:                 "R  R  K  R  R  K  K  R  K  K",
    TR.ALWAYS:                       "R  R  R  R  R  R  R  R  R  R",
    TR.ALL_DONE_MIN_ONE_SUCCESS:     "R  R  K  R  U  K  K  U  K  K",  # Airflow 3's rule
}  # fmt: skip
_CELL = {"R": RUN, "K": SKIP, "U": UF}
TRUTH_CASES = [
    pytest.param(rule, mix, _CELL[cell], id=f"{rule.value}-{mix}")
    for rule, row in TRUTH_TABLE.items()
    for mix, cell in zip(MIXES, row.split(), strict=True)
]


class TestRules:
    def test_every_trigger_rule_has_exactly_one_function(self) -> None:
        """RULES maps every TriggerRule, and nothing else, to a callable."""
        assert set(RULES) == set(TriggerRule)
        assert all(callable(fn) for fn in RULES.values())

    @pytest.mark.parametrize("rule", list(TriggerRule), ids=str)
    def test_evaluate_returns_the_verdict_of_the_rules_function(self, rule: TriggerRule) -> None:
        """evaluate(rule, counts) is RULES[rule](counts) for every rule and every upstream mix."""
        for up in ALL_COUNTS:
            assert evaluate(rule, up) == RULES[rule](up)

    @pytest.mark.parametrize("rule", list(TriggerRule), ids=str)
    def test_every_verdict_has_a_reason_that_names_the_rule(self, rule: TriggerRule) -> None:
        """Every verdict's reason is non-empty and starts with the rule's name: `tasks why` says which rule decided."""
        for up in ALL_COUNTS:
            verdict = evaluate(rule, up)
            assert isinstance(verdict, Verdict)
            assert verdict.reason.startswith(f"{rule.value}: "), (rule, up, verdict.reason)
            assert len(verdict.reason) > len(f"{rule.value}: ")


class TestTruthTable:
    @pytest.mark.parametrize(("rule", "mix", "expected"), TRUTH_CASES)
    def test_a_rule_over_finished_upstreams_decides_as_airflow_defines_it(
        self, rule: TriggerRule, mix: str, expected: Action
    ) -> None:
        """With every upstream finished in the given mix, the rule runs, skips or fails as Airflow defines it."""
        assert evaluate(rule, counts(mix)).action is expected

    @pytest.mark.parametrize("rule", list(TriggerRule), ids=str)
    def test_every_combination_up_to_four_upstreams_matches_airflow(self, rule: TriggerRule) -> None:
        """Over every mix of up to four upstreams (finished or not, setup or not), the action is Airflow's."""
        mismatches = [
            (up, evaluate(rule, up).action, airflow_action(rule, up))
            for up in ALL_COUNTS
            if evaluate(rule, up).action is not airflow_action(rule, up)
        ]
        assert mismatches == []

    def test_the_transcription_agrees_with_the_truth_table(self) -> None:
        """The Airflow transcription itself gives the hand-written table (a check on the check)."""
        for case in TRUTH_CASES:
            rule, mix, expected = case.values
            assert airflow_action(rule, counts(mix)) is expected, case.id


class TestWaiting:
    @pytest.mark.parametrize("rule", [r for r in TriggerRule if r not in EARLY_RULES], ids=str)
    def test_a_rule_that_must_see_every_upstream_never_runs_early(self, rule: TriggerRule) -> None:
        """Apart from one_success, one_failed, one_done and always, no rule runs while an upstream is unfinished."""
        early = [up for up in ALL_COUNTS if not up.all_done and evaluate(rule, up).action is RUN]
        assert early == []

    @pytest.mark.parametrize("rule", [r for r in TriggerRule if r is not TR.ALWAYS], ids=str)
    def test_a_rule_waits_while_no_upstream_has_finished(self, rule: TriggerRule) -> None:
        """With no upstream finished yet, every rule but always waits."""
        for total in range(1, 5):
            assert evaluate(rule, counts("." * total)).action is WAIT

    @pytest.mark.parametrize("rule", list(TriggerRule), ids=str)
    def test_a_rule_never_waits_once_every_upstream_has_finished(self, rule: TriggerRule) -> None:
        """Once every upstream finished (none removed), every rule decides: run, skipped or upstream_failed."""
        waiting = [up for up in ALL_COUNTS if up.all_done and not up.removed and evaluate(rule, up).action is WAIT]
        assert waiting == []

    def test_always_runs_whatever_the_upstream_states(self) -> None:
        """always runs over every mix, finished or not."""
        assert {evaluate(TR.ALWAYS, up).action for up in ALL_COUNTS} == {RUN}


class TestAllSuccess:
    def test_it_never_runs_with_an_upstream_that_did_not_succeed(self) -> None:
        """all_success runs only when every upstream succeeded."""
        for up in NO_SETUP_COUNTS:
            if evaluate(TR.ALL_SUCCESS, up).action is RUN:
                assert up.success == up.total, up

    @pytest.mark.parametrize("mix", ["k.", "k..", "sk.", "kk.", "ks.."])
    def test_it_skips_as_soon_as_one_upstream_is_skipped(self, mix: str) -> None:
        """all_success is skipped at once when an upstream is skipped and none failed, without waiting."""
        assert evaluate(TR.ALL_SUCCESS, counts(mix)).action is SKIP

    @pytest.mark.parametrize("mix", ["f.", "u.", "fk.", "ku.", "s.u", "sk.f"])
    def test_it_fails_as_soon_as_one_upstream_failed(self, mix: str) -> None:
        """all_success is upstream_failed at once when an upstream failed or is upstream_failed, even next to a skip."""
        assert evaluate(TR.ALL_SUCCESS, counts(mix)).action is UF

    @pytest.mark.parametrize("mix", [".", "s.", "ss."])
    def test_it_waits_while_successes_are_incomplete(self, mix: str) -> None:
        """all_success waits while every finished upstream succeeded but some are unfinished."""
        assert evaluate(TR.ALL_SUCCESS, counts(mix)).action is WAIT

    def test_its_reasons_give_the_counts(self) -> None:
        """Each all_success reason states the rule and the counts that decided it."""
        assert evaluate(TR.ALL_SUCCESS, counts("ss")) == Verdict(RUN, "all_success: every upstream succeeded")
        assert evaluate(TR.ALL_SUCCESS, counts("sk.")) == Verdict(SKIP, "all_success: 1/3 upstream skipped")
        assert evaluate(TR.ALL_SUCCESS, counts("fu.")) == Verdict(UF, "all_success: 2/3 upstream failed")
        assert evaluate(TR.ALL_SUCCESS, counts("s..")) == Verdict(WAIT, "all_success: 1/3 upstream succeeded so far")


class TestAllFailed:
    @pytest.mark.parametrize("mix", ["s.", "k.", "fs.", "uk"])
    def test_it_skips_as_soon_as_one_upstream_succeeded_or_skipped(self, mix: str) -> None:
        """all_failed is skipped at once when an upstream succeeded or was skipped."""
        assert evaluate(TR.ALL_FAILED, counts(mix)).action is SKIP

    def test_it_runs_over_failed_and_upstream_failed(self) -> None:
        """all_failed counts upstream_failed as failed."""
        assert evaluate(TR.ALL_FAILED, counts("fu")).action is RUN


class TestNoneFailed:
    @pytest.mark.parametrize("mix", ["k", "kk", "kkk", "kkkk"])
    def test_it_runs_when_every_upstream_was_skipped(self, mix: str) -> None:
        """none_failed runs when every upstream was skipped."""
        assert evaluate(TR.NONE_FAILED, counts(mix)).action is RUN

    @pytest.mark.parametrize("mix", ["f.", "u..", "sk.f"])
    def test_it_fails_as_soon_as_one_upstream_failed(self, mix: str) -> None:
        """none_failed is upstream_failed at once when an upstream failed."""
        assert evaluate(TR.NONE_FAILED, counts(mix)).action is UF

    @pytest.mark.parametrize("mix", ["k.", "s.", "sk."])
    def test_it_waits_for_the_rest_when_none_failed_so_far(self, mix: str) -> None:
        """none_failed waits while the finished upstreams succeeded or skipped and others are unfinished."""
        assert evaluate(TR.NONE_FAILED, counts(mix)).action is WAIT


class TestNoneFailedMinOneSuccess:
    @pytest.mark.parametrize("mix", ["k", "kk", "kkk", "kkkk"])
    def test_it_skips_when_every_upstream_was_skipped(self, mix: str) -> None:
        """none_failed_min_one_success is skipped when every upstream was skipped, unlike none_failed."""
        verdict = evaluate(TR.NONE_FAILED_MIN_ONE_SUCCESS, counts(mix))
        assert verdict == Verdict(SKIP, f"none_failed_min_one_success: all {len(mix)} upstream skipped")

    def test_it_runs_with_one_success_among_skips(self) -> None:
        """none_failed_min_one_success runs when one upstream succeeded and the rest were skipped."""
        assert evaluate(TR.NONE_FAILED_MIN_ONE_SUCCESS, counts("skk")).action is RUN


class TestOneSuccess:
    @pytest.mark.parametrize("mix", ["s.", "s...", "sf.", "sku."])
    def test_it_runs_with_one_success_while_others_are_unfinished(self, mix: str) -> None:
        """one_success runs as soon as one upstream succeeded, without waiting for the others."""
        assert evaluate(TR.ONE_SUCCESS, counts(mix)).action is RUN

    @pytest.mark.parametrize("mix", ["f.", "k.", "fu.", "kk."])
    def test_it_waits_without_a_success_while_others_are_unfinished(self, mix: str) -> None:
        """one_success waits while no upstream succeeded and some are unfinished, even after failures."""
        assert evaluate(TR.ONE_SUCCESS, counts(mix)).action is WAIT

    def test_it_skips_when_every_upstream_skipped_and_fails_otherwise(self) -> None:
        """one_success with every upstream done and none succeeded is skipped if all skipped, else upstream_failed."""
        assert evaluate(TR.ONE_SUCCESS, counts("kk")).action is SKIP
        assert evaluate(TR.ONE_SUCCESS, counts("kf")).action is UF


class TestOneFailed:
    @pytest.mark.parametrize("mix", ["f.", "u...", "sf.", "ku."])
    def test_it_runs_with_one_failure_while_others_are_unfinished(self, mix: str) -> None:
        """one_failed runs as soon as one upstream failed or is upstream_failed."""
        assert evaluate(TR.ONE_FAILED, counts(mix)).action is RUN

    def test_it_skips_when_all_are_done_and_none_failed(self) -> None:
        """one_failed is skipped once every upstream is done and none failed."""
        assert evaluate(TR.ONE_FAILED, counts("sk")).action is SKIP


class TestOneDone:
    @pytest.mark.parametrize("mix", ["s.", "f.", "sf..", "kf."])
    def test_it_runs_with_one_success_or_failure_while_others_are_unfinished(self, mix: str) -> None:
        """one_done runs as soon as one upstream succeeded or failed."""
        assert evaluate(TR.ONE_DONE, counts(mix)).action is RUN

    @pytest.mark.parametrize("mix", ["u.", "k.", "uk."])
    def test_skipped_and_upstream_failed_upstreams_do_not_count_as_done(self, mix: str) -> None:
        """one_done keeps waiting over skipped and upstream_failed upstreams: only success or failed counts."""
        assert evaluate(TR.ONE_DONE, counts(mix)).action is WAIT

    def test_it_skips_when_all_are_done_and_none_succeeded_or_failed(self) -> None:
        """one_done is skipped once every upstream is done, all of them skipped or upstream_failed."""
        assert evaluate(TR.ONE_DONE, counts("uk")).action is SKIP


class TestNoneSkipped:
    @pytest.mark.parametrize("mix", ["k.", "sk", "fk.."])
    def test_it_skips_as_soon_as_one_upstream_is_skipped(self, mix: str) -> None:
        """none_skipped is skipped at once when an upstream is skipped."""
        assert evaluate(TR.NONE_SKIPPED, counts(mix)).action is SKIP

    def test_it_runs_over_failures_when_none_skipped(self) -> None:
        """none_skipped runs once every upstream is done and none skipped, failed ones included."""
        assert evaluate(TR.NONE_SKIPPED, counts("sfu")).action is RUN


class TestAllSkipped:
    @pytest.mark.parametrize("mix", ["s.", "f.", "u..", "kks"])
    def test_it_skips_as_soon_as_one_upstream_did_not_skip(self, mix: str) -> None:
        """all_skipped is skipped at once when an upstream succeeded, failed or is upstream_failed."""
        assert evaluate(TR.ALL_SKIPPED, counts(mix)).action is SKIP


class TestAllDoneSetupSuccess:
    def test_it_skips_when_every_setup_was_skipped(self) -> None:
        """A teardown whose setups were all skipped is skipped once every upstream is done."""
        up = count_states([(TaskState.SKIPPED, True), (TaskState.SUCCESS, False)])
        assert evaluate(TR.ALL_DONE_SETUP_SUCCESS, up) == Verdict(
            SKIP, "all_done_setup_success: all 1 setup(s) skipped"
        )

    def test_it_fails_when_no_setup_succeeded(self) -> None:
        """A teardown whose setups all failed is upstream_failed once every upstream is done."""
        up = count_states([(TaskState.FAILED, True), (TaskState.SUCCESS, False)])
        assert evaluate(TR.ALL_DONE_SETUP_SUCCESS, up).action is UF

    def test_it_runs_after_a_failed_work_task_when_a_setup_succeeded(self) -> None:
        """A teardown runs once everything is done if one setup succeeded, whatever the work tasks did."""
        up = count_states([(TaskState.SUCCESS, True), (TaskState.FAILED, False)])
        assert evaluate(TR.ALL_DONE_SETUP_SUCCESS, up).action is RUN


class TestSetupConstraint:
    @pytest.mark.parametrize(
        ("mix", "expected"),
        [("s", RUN), ("ss", RUN), ("s.", WAIT), ("k", SKIP), ("sk.", SKIP), ("f", UF), ("kf", UF), ("u.", UF)],
    )
    def test_indirect_setups_must_all_succeed(self, mix: str, expected: Action) -> None:
        """An indirect setup that failed fails the task, one skipped skips it, and the task waits for the rest."""
        assert setup_constraint(counts(mix)).action is expected

    def test_its_reasons_name_the_setups(self) -> None:
        """setup_constraint's reasons say how many relevant setups decided."""
        assert setup_constraint(counts("sf")) == Verdict(UF, "setup: 1/2 relevant setup task(s) failed")
        assert setup_constraint(counts("s.")) == Verdict(WAIT, "setup: 1/2 relevant setup task(s) succeeded so far")
