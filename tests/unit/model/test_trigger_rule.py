"""Tests for headwater.model.trigger_rule: rules named as strings, unknown rules refused when the task is
built, and deprecated aliases that warn and map to the new rule.
"""

from __future__ import annotations

import warnings

import pytest

from headwater import DAG, EmptyOperator, PythonOperator, TaskGroup, TriggerRule
from headwater.errors import UnknownTriggerRule


class TestTriggerRules:
    def test_a_rule_given_as_a_string_becomes_the_enum(self) -> None:
        """Given trigger_rule='one_failed', when the operator is built, then its rule is TriggerRule.ONE_FAILED."""
        with DAG("rules", schedule=None):
            a = EmptyOperator(task_id="a", trigger_rule="one_failed")
        assert a.trigger_rule is TriggerRule.ONE_FAILED

    def test_an_unknown_rule_fails_when_the_task_is_built(self) -> None:
        """Given a misspelt rule, when the operator is built, then UnknownTriggerRule names DAG, task, the rule,
        the closest valid one and every valid rule, and the task is not added."""
        with DAG("rules", schedule=None) as dag, pytest.raises(UnknownTriggerRule) as caught:
            EmptyOperator(task_id="join", trigger_rule="all_sucess")
        err = caught.value
        assert str(err) == (
            "DAG 'rules', task 'join': unknown trigger rule 'all_sucess'. Did you mean 'all_success'? Valid rules: "
            "all_done, all_done_min_one_success, all_done_setup_success, all_failed, all_skipped, all_success, "
            "always, none_failed, none_failed_min_one_success, none_skipped, one_done, one_failed, one_success."
        )
        assert (err.dag_id, err.task_id, err.rule) == ("rules", "join", "all_sucess")
        assert isinstance(err, ValueError)
        assert dag.task_ids == []

    def test_an_unknown_rule_with_no_close_match_has_no_suggestion(self) -> None:
        """Given a rule resembling none, when the operator is built, then the message lists the rules without
        a guess."""
        with DAG("rules", schedule=None), pytest.raises(UnknownTriggerRule) as caught:
            EmptyOperator(task_id="t", trigger_rule="whenever")
        assert str(caught.value).startswith("DAG 'rules', task 't': unknown trigger rule 'whenever'. Valid rules: ")

    def test_an_unknown_rule_inside_a_group_names_the_full_task_id(self) -> None:
        """Given a group, when a task in it has an unknown rule, then the message names 'group.task'."""
        with DAG("rules", schedule=None), TaskGroup("grp"), pytest.raises(UnknownTriggerRule) as caught:
            EmptyOperator(task_id="t", trigger_rule="whenever")
        assert caught.value.task_id == "grp.t"

    def test_none_failed_or_skipped_warns_and_maps_to_none_failed_min_one_success(self) -> None:
        """Given the deprecated 'none_failed_or_skipped', when the operator is built, then a DeprecationWarning
        names the new rule and the task, and the task gets none_failed_min_one_success."""
        with DAG("rules", schedule=None), pytest.warns(DeprecationWarning) as record:
            a = EmptyOperator(task_id="join", trigger_rule="none_failed_or_skipped")
        assert a.trigger_rule is TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS
        assert [str(w.message) for w in record] == [
            "Trigger rule 'none_failed_or_skipped' is deprecated; use 'none_failed_min_one_success' instead "
            "(DAG 'rules', task 'join')."
        ]

    @pytest.mark.parametrize(
        "build",
        [
            pytest.param(lambda: EmptyOperator(task_id="j", trigger_rule="none_failed_or_skipped"), id="EmptyOperator"),
            pytest.param(
                lambda: PythonOperator(task_id="j", python_callable=print, trigger_rule="none_failed_or_skipped"),
                id="PythonOperator",
            ),
        ],
    )
    def test_the_deprecation_warning_points_at_the_dag_authors_line(self, build) -> None:
        """Given the deprecated rule, when any operator is built, then the warning is attributed to the DAG
        file's line (here, this test file), not to headwater's own code."""
        with DAG("rules", schedule=None), warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            build()
        assert [w.category for w in record] == [DeprecationWarning]
        assert record[0].filename == __file__
