"""Id rules, as in Airflow: DAG, task and group ids are checked when the DAG is defined, run ids given by
a person when the run is made; each error names the offending character, the rule and the fix."""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest

from headwater import DAG, EmptyOperator, TaskGroup, task, task_group
from headwater.config import Settings
from headwater.errors import ConfigError, InvalidId, InvalidRunId
from headwater.model.ids import DEFAULT_RUN_ID_PATTERN, ID_MAX_LENGTH, check_run_id
from headwater.model.timetables import DataInterval
from headwater.scheduler.dagruns import new_run

TRICKS = {
    "dot-dot slash": ("../escape", "/"),
    "absolute path": ("/etc/x", "/"),
    "slash": ("a/b", "/"),
    "NUL": ("a\x00b", "\x00"),
    "newline at the end": ("ok\n", "\n"),
    "space": ("a b", " "),
}


class TestDagIds:
    @pytest.mark.parametrize(("dag_id", "char"), TRICKS.values(), ids=TRICKS.keys())
    def test_a_dag_id_with_a_forbidden_character_names_it_and_the_rule(self, dag_id: str, char: str) -> None:
        """Given a DAG id holding a path trick, when the DAG is defined, then the error shows the character
        (escaped, so NUL reads '\\x00'), the rule and a renamed id."""
        with pytest.raises(InvalidId) as raised:
            DAG(dag_id, schedule=None)
        message = str(raised.value)
        assert f"contains {char!r}" in message
        assert "DAG ids may contain only letters, digits, '_', '-' and '.'" in message
        assert "Rename it, e.g." in message

    def test_a_dag_id_longer_than_250_characters_is_refused_and_250_is_accepted(self) -> None:
        """Airflow's ID_LEN: 250 characters fit, 251 do not."""
        assert DAG("d" * ID_MAX_LENGTH, schedule=None).dag_id == "d" * ID_MAX_LENGTH
        with pytest.raises(InvalidId, match="is 251 characters long; ids may be at most 250"):
            DAG("d" * (ID_MAX_LENGTH + 1), schedule=None)

    def test_letters_of_any_script_digits_dots_and_dashes_are_accepted(self) -> None:
        """Airflow's key rule is \\w plus '.' and '-': non-ASCII letters pass as they do there."""
        assert DAG("données-2024.v1_é", schedule=None).dag_id == "données-2024.v1_é"


class TestTaskIds:
    @pytest.mark.parametrize(("task_id", "char"), TRICKS.values(), ids=TRICKS.keys())
    def test_a_task_id_with_a_forbidden_character_names_the_dag_and_the_character(
        self, task_id: str, char: str
    ) -> None:
        """Given a task id holding a path trick, when the task is defined, then the error names the DAG, the
        character and the rule."""
        with DAG("etl", schedule=None), pytest.raises(InvalidId) as raised:
            EmptyOperator(task_id=task_id)
        assert str(raised.value).startswith(f"DAG 'etl': task id {task_id!r} contains {char!r}")
        assert "task ids may contain only letters" in str(raised.value)

    def test_a_task_id_with_dots_inside_a_group_keeps_the_prefixed_id(self) -> None:
        """The group prefix joins with '.', and the prefixed id is still a valid key."""
        with DAG("etl", schedule=None) as dag, TaskGroup("load"), TaskGroup("inner"):
            EmptyOperator(task_id="v1.step")
        assert dag.task_ids == ["load.inner.v1.step"]

    def test_a_prefixed_task_id_longer_than_250_characters_is_refused(self) -> None:
        """Each part fits but together they do not: the error says the group prefix is counted."""
        with DAG("etl", schedule=None), TaskGroup("g" * 200), pytest.raises(InvalidId) as raised:
            EmptyOperator(task_id="t" * 60)
        assert "(its task group's prefix included) is 261 characters long" in str(raised.value)

    def test_a_mapped_task_and_a_taskflow_task_are_checked_too(self) -> None:
        """partial(task_id=...) and @task(task_id=...) go through the same rule."""
        with DAG("etl", schedule=None), pytest.raises(InvalidId, match="task id 'a/b' contains '/'"):
            EmptyOperator.partial(task_id="a/b").expand(doc_md=["x"])
        with DAG("etl2", schedule=None), pytest.raises(InvalidId, match=r"task id '\.\./x' contains '/'"):

            @task(task_id="../x")
            def push() -> int:
                return 1

            push()

    def test_a_task_outside_any_dag_is_checked_too(self) -> None:
        with pytest.raises(InvalidId, match=r"^Task id 'a/b' contains '/'"):
            EmptyOperator(task_id="a/b")


class TestGroupIds:
    def test_a_group_id_may_not_contain_a_dot(self) -> None:
        """Airflow's group rule: no '.', which would fake a nesting level."""
        with DAG("etl", schedule=None), pytest.raises(InvalidId) as raised:
            TaskGroup("a.b")
        assert "task group id 'a.b' contains '.'" in str(raised.value)
        assert "not '.': it joins a group's id to its tasks' ids" in str(raised.value)

    def test_a_group_id_with_a_slash_is_refused_for_plain_and_decorated_groups(self) -> None:
        with DAG("etl", schedule=None), pytest.raises(InvalidId, match=r"task group id '\.\./g' contains '\.'"):
            TaskGroup("../g")
        with DAG("etl2", schedule=None), pytest.raises(InvalidId, match="task group id 'a/b' contains '/'"):

            @task_group(group_id="a/b")
            def grouped() -> None:
                EmptyOperator(task_id="inside")

            grouped()


class TestRunIds:
    @pytest.mark.parametrize(("run_id", "char"), TRICKS.values(), ids=TRICKS.keys())
    def test_a_run_id_with_a_path_trick_is_refused_naming_the_character_and_the_setting(
        self, run_id: str, char: str
    ) -> None:
        with pytest.raises(InvalidRunId) as raised:
            check_run_id(run_id, dag_id="etl")
        message = str(raised.value)
        assert f"DAG 'etl': run id {run_id!r} contains {char!r}" in message
        assert f"[scheduler] allowed_run_id_pattern '{DEFAULT_RUN_ID_PATTERN}'" in message

    def test_run_ids_of_airflows_alphabet_pass(self) -> None:
        assert check_run_id("nightly.v2~retry:1+fix-3_a", dag_id="etl") == "nightly.v2~retry:1+fix-3_a"

    def test_a_run_id_longer_than_the_column_is_refused(self) -> None:
        with pytest.raises(InvalidRunId, match="is 251 characters long; run ids may be at most 250"):
            check_run_id("r" * 251, dag_id="etl")

    @pytest.mark.parametrize("run_id", ["x/../../../victim", "a\x00b", "/etc/x"])
    def test_a_run_id_that_cannot_name_a_folder_is_refused_even_by_a_pattern_that_allows_it(self, run_id: str) -> None:
        with pytest.raises(InvalidRunId, match="which no run id may hold, whatever"):
            check_run_id(run_id, dag_id="etl", pattern="^.+$")

    def test_ids_headwater_makes_pass_a_stricter_pattern(self) -> None:
        """As in Airflow, a custom pattern does not refuse the ids the scheduler makes."""
        strict = r"^[a-z]+$"
        for made in ("manual__2024-01-02T00:00:00+00:00", "scheduled__2024-01-02T03:04:05.123456+00:00"):
            assert check_run_id(made, dag_id="etl", pattern=strict) == made
        with pytest.raises(InvalidRunId, match="run id 'Nightly' contains 'N'"):
            check_run_id("Nightly", dag_id="etl", pattern=strict)

    def test_a_pattern_of_another_form_is_named_without_a_character(self) -> None:
        with pytest.raises(InvalidRunId, match=r"run id 'abc-1' does not match \[scheduler\] allowed_run_id_pattern"):
            check_run_id("abc-1", dag_id="etl", pattern=r"^[a-z]+_\d+$")

    def test_new_run_checks_a_given_run_id_and_makes_its_own_when_none_is_given(self) -> None:
        with DAG("etl", schedule=None) as dag:
            EmptyOperator(task_id="t")
        when = pendulum.datetime(2024, 1, 2, tz="UTC")
        interval = DataInterval(when, when)
        made = new_run(dag, run_type="manual", logical_date=when, data_interval=interval)
        assert made.run_id == "manual__2024-01-02T00:00:00+00:00"
        with pytest.raises(InvalidRunId, match="contains '/'"):
            new_run(dag, run_type="manual", logical_date=when, data_interval=interval, run_id="x/../../victim")


class TestSetting:
    def test_the_default_is_airflows(self, tmp_path: Path) -> None:
        assert Settings.load({"HEADWATER_HOME": str(tmp_path)}).allowed_run_id_pattern == DEFAULT_RUN_ID_PATTERN

    def test_the_setting_is_read_from_the_environment(self, tmp_path: Path) -> None:
        env = {"HEADWATER_HOME": str(tmp_path), "HEADWATER__SCHEDULER__ALLOWED_RUN_ID_PATTERN": "^[a-z]+$"}
        assert Settings.load(env).allowed_run_id_pattern == "^[a-z]+$"

    def test_a_pattern_that_is_no_regular_expression_is_a_config_error(self, tmp_path: Path) -> None:
        env = {"HEADWATER_HOME": str(tmp_path), "HEADWATER__SCHEDULER__ALLOWED_RUN_ID_PATTERN": "^[a-z+$"}
        with pytest.raises(ConfigError, match=r"\[scheduler\] allowed_run_id_pattern = '\^\[a-z\+\$' is not valid"):
            Settings.load(env)
