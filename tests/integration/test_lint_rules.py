"""`headwater dags lint`: each rule (HW001 to HW007) on a DAG that has the trap and on a near miss that must
stay quiet, then what every finding looks like (JSON fields, file and line), suppression comments, --select and
--ignore, the exit status, and the lint counts `dags list -o json` shows.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

# Some DAG files here write deprecated trigger rule aliases on purpose (HW006); importing them warns.
pytestmark = pytest.mark.filterwarnings("ignore:Trigger rule .* is deprecated:DeprecationWarning")

HEADER = """\
from headwater import DAG, TaskGroup, TriggerRule, task
from headwater.operators import (
    BranchPythonOperator,
    EmptyOperator,
    LatestOnlyOperator,
    PythonOperator,
    ShortCircuitOperator,
)
"""

CODES = ["HW001", "HW002", "HW003", "HW004", "HW005", "HW006", "HW007"]
FIELDS = {"code", "level", "dag_id", "task_ids", "file", "line", "message", "fix"}


def dag_file(body: str) -> str:
    """A DAG file: the imports every test uses, then ``body``."""
    return HEADER + "\n" + textwrap.dedent(body)


def line_of(path: Path, text: str) -> int:
    """The number of the one line of ``path`` that holds ``text``."""
    found = [n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line]
    assert len(found) == 1, f"{text!r} is on lines {found} of {path}"
    return found[0]


@pytest.fixture
def lint(cli):
    """``headwater dags lint PATH --format json [options]``."""

    def run(path: Path, *options: str):
        return cli("dags", "lint", path, "--format", "json", *options)

    return run


def only_finding(run) -> dict:
    """The one finding the run printed."""
    findings = run.json
    assert len(findings) == 1, findings
    return findings[0]


# --- HW001: a join after a branch ------------------------------------------------------------------------

JOIN_AFTER_BRANCH = """
def _pick():
    return "left"

with DAG("shop", schedule=None):
    pick = BranchPythonOperator(task_id="pick", python_callable=_pick)
    left = EmptyOperator(task_id="left")
    left_more = EmptyOperator(task_id="left_more")
    right = EmptyOperator(task_id="right")
    join = EmptyOperator(task_id="join", trigger_rule="{rule}")
    pick >> left >> left_more
    pick >> right
    [left_more, right] >> join
"""


class TestJoinAfterBranch:
    @pytest.mark.parametrize("rule", ["all_success", "none_skipped"])
    def test_a_join_that_propagates_skips_is_an_error(self, write_dag, lint, rule) -> None:
        """Given a branch choosing between `left` (then `left_more`) and `right`, both joined by a task whose rule
        propagates skips, when it is linted, then HW001 names the join on its line, the paths' starts, and
        suggests none_failed_min_one_success; the exit status is 1."""
        path = write_dag(dag_file(JOIN_AFTER_BRANCH.replace("{rule}", rule)))

        run = lint(path)

        finding = only_finding(run)
        assert finding["code"] == "HW001"
        assert finding["level"] == "error"
        assert finding["dag_id"] == "shop"
        assert finding["task_ids"] == ["join"]
        assert finding["file"] == str(path)
        assert finding["line"] == line_of(path, 'task_id="join"')
        assert "'left'" in finding["message"]
        assert "'right'" in finding["message"]
        assert "'pick'" in finding["message"]
        assert rule in finding["message"]
        assert "none_failed_min_one_success" in finding["fix"]
        assert "'join'" in finding["fix"]
        assert run.exit_code == 1

    def test_a_taskflow_branch_with_a_default_join_is_flagged(self, write_dag, lint) -> None:
        """Given a @task.branch choosing between two tasks that a default-rule @task joins, when it is linted,
        then HW001 names the join, on the line where the join is called."""
        path = write_dag(
            dag_file("""
            with DAG("flow", schedule=None):
                @task.branch
                def route():
                    return "big"

                @task
                def big():
                    return 1

                @task
                def small():
                    return 2

                @task
                def merge(a, b):
                    return [a, b]

                b, s = big(), small()
                route() >> [b, s]
                merge(b, s)
            """)
        )

        run = lint(path)

        finding = only_finding(run)
        assert (finding["code"], finding["level"], finding["dag_id"]) == ("HW001", "error", "flow")
        assert finding["task_ids"] == ["merge"]
        assert finding["line"] == line_of(path, "merge(b, s)")
        assert "'big'" in finding["message"]
        assert "'small'" in finding["message"]
        assert "none_failed_min_one_success" in finding["fix"]

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(
                """
                with DAG("shop", schedule=None):
                    pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "left")
                    left = EmptyOperator(task_id="left")
                    right = EmptyOperator(task_id="right")
                    join = EmptyOperator(task_id="join", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
                    pick >> [left, right] >> join
                """,
                id="join-with-none_failed_min_one_success",
            ),
            pytest.param(
                """
                with DAG("shop", schedule=None):
                    pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "left")
                    left = EmptyOperator(task_id="left")
                    right = EmptyOperator(task_id="right")
                    join = EmptyOperator(task_id="join", trigger_rule="none_failed")
                    pick >> [left, right] >> join
                """,
                id="join-with-none_failed",
            ),
            pytest.param(
                """
                with DAG("shop", schedule=None):
                    pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "left")
                    left = EmptyOperator(task_id="left")
                    right = EmptyOperator(task_id="right")
                    join = EmptyOperator(task_id="join", trigger_rule=TriggerRule.ALL_DONE)
                    pick >> [left, right] >> join
                """,
                id="join-with-all_done",
            ),
            pytest.param(
                """
                with DAG("shop", schedule=None):
                    pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "left")
                    left = EmptyOperator(task_id="left")
                    right = EmptyOperator(task_id="right")
                    weather = EmptyOperator(task_id="weather")
                    gate = EmptyOperator(task_id="gate", trigger_rule=TriggerRule.NONE_FAILED)
                    after_gate = EmptyOperator(task_id="after_gate")
                    join = EmptyOperator(task_id="join")
                    pick >> [left, right] >> gate >> after_gate
                    [gate, weather] >> join
                """,
                id="default-joins-behind-a-none_failed-gate",
            ),
            pytest.param(
                """
                with DAG("shop", schedule=None):
                    latest = LatestOnlyOperator(task_id="latest")
                    left = EmptyOperator(task_id="left")
                    right = EmptyOperator(task_id="right")
                    join = EmptyOperator(task_id="join")
                    latest >> [left, right] >> join
                """,
                id="join-after-latest-only",
            ),
            pytest.param(
                """
                with DAG("shop", schedule=None):
                    check = ShortCircuitOperator(task_id="check", python_callable=lambda: True)
                    left = EmptyOperator(task_id="left")
                    right = EmptyOperator(task_id="right")
                    join = EmptyOperator(task_id="join")
                    check >> [left, right] >> join
                """,
                id="join-after-short-circuit",
            ),
            pytest.param(
                """
                with DAG("shop", schedule=None):
                    pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "left")
                    left = EmptyOperator(task_id="left")
                    right = EmptyOperator(task_id="right")
                    x = EmptyOperator(task_id="x")
                    y = EmptyOperator(task_id="y")
                    join = EmptyOperator(task_id="join")
                    pick >> [left, right]
                    left >> [x, y] >> join
                """,
                id="two-paths-from-the-same-branch-child",
            ),
            pytest.param(
                """
                with DAG("shop", schedule=None):
                    pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "left")
                    left = EmptyOperator(task_id="left")
                    right = EmptyOperator(task_id="right")
                    weather = EmptyOperator(task_id="weather")
                    join = EmptyOperator(task_id="join")
                    pick >> [left, right]
                    [left, weather] >> join
                """,
                id="one-branch-path-and-an-unrelated-task",
            ),
        ],
    )
    def test_near_misses_are_not_flagged(self, write_dag, lint, body) -> None:
        """Given a join that survives an untaken path (none_failed*/all_done, a none_failed gate), a join after
        LatestOnly or a short-circuit, or a join fed by only one of the branch's choices, when it is linted,
        then nothing is reported and the exit status is 0."""
        path = write_dag(dag_file(body))

        run = lint(path)

        assert run.json == []
        assert run.exit_code == 0


# --- HW002: xcom_pull from a task that is not upstream ---------------------------------------------------

PULLS = """
def _produce():
    return 1

def _consume(ti):
    return ti.xcom_pull(task_ids={pulled})

with DAG("pulls", schedule=None):
    with TaskGroup("etl") as etl:
        load = PythonOperator(task_id="load", python_callable=_produce)
    produce = PythonOperator(task_id="produce", python_callable=_produce)
    middle = EmptyOperator(task_id="middle")
    consume = PythonOperator(task_id="consume", python_callable=_consume)
    {wiring}
"""


def pulls(pulled: str, wiring: str) -> str:
    return dag_file(PULLS.replace("{pulled}", pulled).replace("{wiring}", wiring))


class TestPullFromElsewhere:
    @pytest.mark.parametrize(
        ("pulled", "wiring", "in_message", "in_fix"),
        [
            pytest.param(
                '"produce"',
                "etl >> consume",
                ["'consume'", "'produce'", "not upstream"],
                ["produce >> consume"],
                id="not-upstream",
            ),
            pytest.param(
                '"produce"',
                "consume >> produce",
                ["'consume'", "'produce'", "not upstream"],
                ["produce >> consume"],
                id="downstream-instead",
            ),
            pytest.param(
                '"prodcue"',
                "produce >> consume",
                ["'consume'", "'prodcue'", "no task"],
                [],
                id="no-such-task",
            ),
            pytest.param(
                '"load"',
                "etl >> consume",
                ["'consume'", "'load'", "group"],
                ["'etl.load'"],
                id="group-child-without-prefix",
            ),
            pytest.param(
                '["produce", "ghost"]',
                "produce >> consume",
                ["'consume'", "'ghost'", "no task"],
                [],
                id="one-bad-id-in-a-list",
            ),
        ],
    )
    def test_a_pull_from_elsewhere_in_a_callable_is_an_error(
        self, write_dag, lint, pulled, wiring, in_message, in_fix
    ) -> None:
        """Given a callable pulling from a task that is not upstream, does not exist, or is a group child named
        without its group, when it is linted, then HW002 names the pulling task on its line and the id."""
        path = write_dag(pulls(pulled, wiring))

        run = lint(path)

        finding = only_finding(run)
        assert finding["code"] == "HW002"
        assert finding["level"] == "error"
        assert finding["dag_id"] == "pulls"
        assert finding["task_ids"] == ["consume"]
        assert finding["file"] == str(path)
        assert finding["line"] == line_of(path, 'task_id="consume"')
        for fact in in_message:
            assert fact in finding["message"]
        for fact in in_fix:
            assert fact in finding["fix"]
        assert run.exit_code == 1

    @pytest.mark.parametrize(
        ("field", "template"),
        [
            ("templates_dict", "{'n': \"{{ ti.xcom_pull(task_ids='produce') }}\"}"),
            ("op_kwargs", "{'n': \"{{ task_instance.xcom_pull('produce') }}\"}"),
        ],
    )
    def test_a_pull_in_a_template_from_a_task_that_is_not_upstream_is_an_error(
        self, write_dag, lint, field, template
    ) -> None:
        """Given a templated field pulling from a task that is not upstream, when it is linted, then HW002 names
        the task whose template pulls and the id pulled."""
        path = write_dag(
            dag_file(f"""
            with DAG("templated", schedule=None):
                produce = PythonOperator(task_id="produce", python_callable=lambda: 1)
                report = PythonOperator(task_id="report", python_callable=lambda **kw: None, {field}={template})
            """)
        )

        run = lint(path)

        finding = only_finding(run)
        assert (finding["code"], finding["level"], finding["dag_id"]) == ("HW002", "error", "templated")
        assert finding["task_ids"] == ["report"]
        assert finding["line"] == line_of(path, 'task_id="report"')
        assert "'produce'" in finding["message"]
        assert "produce >> report" in finding["fix"]

    @pytest.mark.parametrize(
        ("pulled", "wiring"),
        [
            pytest.param('"produce"', "produce >> consume", id="direct-upstream"),
            pytest.param('"produce"', "produce >> middle >> consume", id="upstream-two-steps-away"),
            pytest.param('"etl.load"', "etl >> consume", id="group-child-with-prefix"),
            pytest.param('["produce", "etl.load"]', "[produce, etl] >> consume", id="list-of-upstream-tasks"),
            pytest.param("ti.task.upstream_list[0].task_id", "etl >> consume", id="not-a-literal"),
        ],
    )
    def test_pulls_from_upstream_tasks_are_not_flagged(self, write_dag, lint, pulled, wiring) -> None:
        """Given pulls from real upstream tasks (direct, further up, a group child with its prefix) or an id that
        is not a literal, when it is linted, then nothing is reported."""
        path = write_dag(pulls(pulled, wiring))

        run = lint(path)

        assert run.json == []
        assert run.exit_code == 0

    def test_a_template_pulling_from_an_upstream_task_is_not_flagged(self, write_dag, lint) -> None:
        """Given templates_dict and op_kwargs pulling from the task right above, when it is linted, then nothing
        is reported."""
        path = write_dag(
            dag_file("""
            with DAG("templated", schedule=None):
                produce = PythonOperator(task_id="produce", python_callable=lambda: 1)
                report = PythonOperator(
                    task_id="report",
                    python_callable=lambda **kw: None,
                    templates_dict={"n": "{{ ti.xcom_pull(task_ids='produce') }}"},
                    op_kwargs={"m": "{{ ti.xcom_pull(task_ids=['produce']) }}"},
                )
                produce >> report
            """)
        )

        run = lint(path)

        assert run.json == []
        assert run.exit_code == 0


# --- HW003: a short-circuit that skips gates and cleanups -------------------------------------------------

SHORT_CIRCUIT = """
def _check():
    return False

with DAG("gated", schedule=None):
    check = ShortCircuitOperator(task_id="check", python_callable=_check{option})
    work = EmptyOperator(task_id="work")
    cleanup = EmptyOperator(task_id="cleanup", trigger_rule=TriggerRule.ALL_DONE)
    notify = EmptyOperator(task_id="notify", trigger_rule=TriggerRule.NONE_FAILED)
    report = EmptyOperator(task_id="report", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    audit = EmptyOperator(task_id="audit", trigger_rule=TriggerRule.ALWAYS)
    publish = EmptyOperator(task_id="publish")
    check >> work >> [cleanup, notify, report, audit, publish]
"""


class TestShortCircuitOverGates:
    def test_a_default_short_circuit_above_rules_that_tolerate_skips_is_a_warning(self, write_dag, lint) -> None:
        """Given a ShortCircuitOperator on its default ignore_downstream_trigger_rules=True above all_done,
        none_failed, none_failed_min_one_success and always tasks (and an all_success one), when it is linted,
        then HW003 names the short-circuit on its line and the four tolerant tasks, suggests
        ignore_downstream_trigger_rules=False, and the exit status is 0 (a warning)."""
        path = write_dag(dag_file(SHORT_CIRCUIT.replace("{option}", "")))

        run = lint(path)

        finding = only_finding(run)
        assert finding["code"] == "HW003"
        assert finding["level"] == "warning"
        assert finding["dag_id"] == "gated"
        assert finding["task_ids"][0] == "check"
        assert sorted(finding["task_ids"][1:]) == ["audit", "cleanup", "notify", "report"]
        assert finding["file"] == str(path)
        assert finding["line"] == line_of(path, 'task_id="check"')
        for fact in ["'cleanup'", "all_done", "'notify'", "none_failed", "'report'", "'audit'", "always"]:
            assert fact in finding["message"]
        assert "publish" not in finding["message"]
        assert "ignore_downstream_trigger_rules=False" in finding["fix"]
        assert "'check'" in finding["fix"]
        assert run.exit_code == 0

    def test_a_taskflow_short_circuit_above_an_all_done_task_is_a_warning(self, write_dag, lint) -> None:
        """Given @task.short_circuit above an all_done @task, when it is linted, then HW003 names both, on the
        line where the short-circuit is called."""
        path = write_dag(
            dag_file("""
            with DAG("gated_flow", schedule=None):
                @task.short_circuit
                def enabled():
                    return 0

                @task
                def guarded():
                    return 1

                @task(trigger_rule=TriggerRule.ALL_DONE)
                def tidy():
                    return 2

                enabled() >> guarded() >> tidy()
            """)
        )

        run = lint(path)

        finding = only_finding(run)
        assert (finding["code"], finding["level"], finding["dag_id"]) == ("HW003", "warning", "gated_flow")
        assert finding["task_ids"] == ["enabled", "tidy"]
        assert finding["line"] == line_of(path, "enabled() >> guarded() >> tidy()")
        assert "'tidy'" in finding["message"]
        assert "all_done" in finding["message"]
        assert "ignore_downstream_trigger_rules=False" in finding["fix"]

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(SHORT_CIRCUIT.replace("{option}", ", ignore_downstream_trigger_rules=False"), id="false"),
            pytest.param(
                """
                with DAG("gated", schedule=None):
                    check = ShortCircuitOperator(task_id="check", python_callable=lambda: False)
                    check >> EmptyOperator(task_id="work") >> EmptyOperator(task_id="publish")
                """,
                id="only-all_success-below",
            ),
        ],
    )
    def test_near_misses_are_not_flagged(self, write_dag, lint, body) -> None:
        """Given a short-circuit with ignore_downstream_trigger_rules=False above the same tasks, or one with the
        default above all_success tasks only, when it is linted, then nothing is reported."""
        path = write_dag(dag_file(body))

        run = lint(path)

        assert run.json == []
        assert run.exit_code == 0


# --- HW004: a branch returning an id that is no task or not directly downstream ---------------------------

BRANCH = """
def _pick(**context):
    {returns}

with DAG("router", schedule=None):
    pick = BranchPythonOperator(task_id="pick", python_callable=_pick)
    left = EmptyOperator(task_id="left")
    right = EmptyOperator(task_id="right")
    deep = EmptyOperator(task_id="deep")
    with TaskGroup("grp") as grp:
        first = EmptyOperator(task_id="first")
        second = EmptyOperator(task_id="second")
        first >> second
    pick >> [left, right, grp]
    left >> deep
"""


def branch(returns: str) -> str:
    return dag_file(BRANCH.replace("{returns}", returns))


class TestBranchToNowhere:
    @pytest.mark.parametrize(
        ("returns", "in_message", "in_fix"),
        [
            pytest.param('return "ghost"', ["'pick'", "'ghost'", "no task"], ["'left'", "'right'"], id="no-task"),
            pytest.param(
                'return "deep"', ["'pick'", "'deep'", "not directly downstream"], ["pick >> deep"], id="grandchild"
            ),
            pytest.param(
                'return "left" if context else "ghost"', ["'ghost'", "no task"], [], id="one-arm-of-a-conditional"
            ),
            pytest.param(
                'return ["right", "grp.second"]',
                ["'grp.second'", "not directly downstream"],
                ["pick >> grp.second"],
                id="a-group-child-that-is-no-root",
            ),
        ],
    )
    def test_a_branch_returning_an_id_it_cannot_follow_is_an_error(
        self, write_dag, lint, returns, in_message, in_fix
    ) -> None:
        """Given a branch callable whose literal return value is no task, or a task that is not directly
        downstream, when it is linted, then HW004 names the branch on its line and the id."""
        path = write_dag(branch(returns))

        run = lint(path)

        finding = only_finding(run)
        assert finding["code"] == "HW004"
        assert finding["level"] == "error"
        assert finding["dag_id"] == "router"
        assert finding["task_ids"] == ["pick"]
        assert finding["file"] == str(path)
        assert finding["line"] == line_of(path, 'task_id="pick"')
        for fact in in_message:
            assert fact in finding["message"]
        for fact in in_fix:
            assert fact in finding["fix"]
        assert run.exit_code == 1

    @pytest.mark.parametrize(
        "returns",
        [
            pytest.param('return "grp"', id="group-id-whose-roots-are-downstream"),
            pytest.param('return ["left", "right"]', id="list-of-direct-downstream"),
            pytest.param('return "grp.first"', id="group-root-with-prefix"),
            pytest.param("return None", id="none"),
        ],
    )
    def test_branches_returning_what_they_can_follow_are_not_flagged(self, write_dag, lint, returns) -> None:
        """Given a branch returning a task group whose roots are directly downstream, direct downstream ids or
        None, when it is linted, then nothing is reported."""
        path = write_dag(branch(returns))

        run = lint(path)

        assert run.json == []
        assert run.exit_code == 0


# --- HW005: a slow DAG file import ------------------------------------------------------------------------

SLOW = """
import time

time.sleep(0.5)

with DAG("slow", schedule=None):
    EmptyOperator(task_id="only")
"""


class TestSlowImport:
    def test_a_file_slower_than_the_budget_is_a_warning_with_the_time(
        self, write_dag, lint, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Given a DAG file that sleeps 0.5 s at import and a budget of 0.2 s, when it is linted, then HW005
        names the DAG and the file, with the measured time and the budget; the exit status is 0."""
        path = write_dag(dag_file(SLOW))
        monkeypatch.setenv("HEADWATER__LINT__IMPORT_TIME_BUDGET", "0.2")

        run = lint(path)

        finding = only_finding(run)
        assert finding["code"] == "HW005"
        assert finding["level"] == "warning"
        assert finding["dag_id"] == "slow"
        assert finding["task_ids"] == []
        assert finding["file"] == str(path)
        assert finding["line"] is None
        seconds = [float(s) for s in re.findall(r"(\d+\.\d+) ?s\b", finding["message"])]
        assert seconds, finding["message"]
        assert 0.5 <= max(seconds) < 30
        assert "0.2" in finding["message"]
        assert str(path) in finding["message"]
        assert finding["fix"]
        assert run.exit_code == 0

    def test_a_file_under_the_budget_is_not_flagged(self, write_dag, lint, monkeypatch: pytest.MonkeyPatch) -> None:
        """Given the same file and a budget of 5 s, when it is linted, then nothing is reported."""
        path = write_dag(dag_file(SLOW))
        monkeypatch.setenv("HEADWATER__LINT__IMPORT_TIME_BUDGET", "5")

        run = lint(path)

        assert run.json == []
        assert run.exit_code == 0


# --- HW006: a deprecated trigger rule alias ---------------------------------------------------------------


class TestDeprecatedRuleNames:
    @pytest.mark.parametrize(
        ("alias", "rule"), [("dummy", "always"), ("none_failed_or_skipped", "none_failed_min_one_success")]
    )
    def test_a_deprecated_alias_is_a_warning_naming_the_rule_to_write(self, write_dag, lint, alias, rule) -> None:
        """Given a task whose trigger rule is written as a deprecated alias, when it is linted, then HW006 names
        the task on its line, the alias and the rule it stands for; the exit status is 0."""
        path = write_dag(
            dag_file(f"""
            with DAG("old_names", schedule=None):
                start = EmptyOperator(task_id="start")
                legacy = EmptyOperator(task_id="legacy", trigger_rule="{alias}")
                start >> legacy
            """)
        )

        run = lint(path)

        finding = only_finding(run)
        assert finding["code"] == "HW006"
        assert finding["level"] == "warning"
        assert finding["dag_id"] == "old_names"
        assert finding["task_ids"] == ["legacy"]
        assert finding["file"] == str(path)
        assert finding["line"] == line_of(path, 'task_id="legacy"')
        assert f"'{alias}'" in finding["message"]
        assert f"'{rule}'" in finding["message"]
        assert f"trigger_rule='{rule}'" in finding["fix"]
        assert run.exit_code == 0

    @pytest.mark.parametrize(
        "written", ["TriggerRule.ALWAYS", '"always"', "TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS", '"none_failed"']
    )
    def test_current_rule_names_are_not_flagged(self, write_dag, lint, written) -> None:
        """Given trigger rules written with their current names (enum or string), when it is linted, then
        nothing is reported."""
        path = write_dag(
            dag_file(f"""
            with DAG("new_names", schedule=None):
                EmptyOperator(task_id="start") >> EmptyOperator(task_id="current", trigger_rule={written})
            """)
        )

        run = lint(path)

        assert run.json == []
        assert run.exit_code == 0


# --- HW007: run input rendered unquoted into a bash_command ------------------------------------------------

SHELL_DAG = """
from headwater import DAG, Param, task
from headwater.operators import BashOperator

with DAG(
    "shell_input",
    schedule=None,
    params={"n": Param(3, type="integer"), "name": "world", "env": Param("dev", enum=["dev", "prod"])},
):
    BashOperator(task_id="cmd", bash_command=COMMAND)
"""


class TestUnquotedRunInput:
    @pytest.mark.parametrize(
        ("command", "expression"),
        [
            pytest.param("\"echo {{ dag_run.conf['x'] }}\"", "dag_run.conf['x']", id="conf-item"),
            pytest.param('"echo {{ dag_run.conf.x }}"', "dag_run.conf.x", id="conf-attribute"),
            pytest.param("\"echo {{ dag_run.conf.get('x', 'a') }}\"", "dag_run.conf.get('x', 'a')", id="conf-get"),
            pytest.param("'echo \"{{ params.name }}\"'", "params.name", id="param-in-double-quotes"),
            pytest.param('"echo {{ params.name | upper }}"', "params.name | upper", id="other-filter"),
            pytest.param("\"echo {{ 'hi ' ~ params.name }}\"", "'hi ' ~ params.name", id="concatenated"),
            pytest.param('"echo {{ params }}"', "params", id="all-params"),
            pytest.param("\"{% set who = dag_run.conf['who'] %}echo {{ who }}\"", "who", id="through-set"),
            pytest.param('"{% for f in params.files %}rm {{ f }}; {% endfor %}"', "f", id="through-for"),
            pytest.param(
                "\"echo {{ dag_run.conf['x'] if dag_run else 'none' }}\"",
                "dag_run.conf['x'] if dag_run else 'none'",
                id="conditional",
            ),
            pytest.param(
                "\"echo {{ dag_run.conf['a'] | shquote ~ dag_run.conf['b'] }}\"",
                "dag_run.conf['a'] | shquote ~ dag_run.conf['b']",
                id="half-quoted",
            ),
        ],
    )
    def test_run_input_rendered_unquoted_is_a_warning_with_the_quoted_fix(
        self, write_dag, lint, command, expression
    ) -> None:
        """Given a bash_command rendering a run's conf (or a param, which a run's conf overrides) without
        passing it through | shquote, when it is linted, then HW007 names the DAG, the task on its line, the
        expression and the fix; the exit status is 0 (a warning)."""
        path = write_dag(SHELL_DAG.replace("COMMAND", command))

        run = lint(path)

        finding = only_finding(run)
        assert finding["code"] == "HW007"
        assert finding["level"] == "warning"
        assert (finding["dag_id"], finding["task_ids"]) == ("shell_input", ["cmd"])
        assert finding["line"] == line_of(path, 'task_id="cmd"')
        assert finding["message"].startswith(f"'cmd' renders {{{{ {expression} }}}} into its bash_command unquoted")
        assert finding["fix"].startswith(f"Write {{{{ {expression} | shquote }}}} with no quotes around it")
        assert run.exit_code == 0

    @pytest.mark.parametrize(
        ("command", "expression"),
        [
            pytest.param("'echo \"{{ dag_run.conf.x | shquote }}\"'", "dag_run.conf.x", id="double-quotes"),
            pytest.param('"echo \'{{ params.name | shquote }}\'"', "params.name", id="single-quotes"),
        ],
    )
    def test_a_shquoted_value_inside_quotes_is_flagged_saying_to_remove_them(
        self, write_dag, lint, command, expression
    ) -> None:
        """Given a shquoted value written inside quotes, when it is linted, then HW007 says the quotes undo
        shquote's and to remove them (inside double quotes, '$(...)' still runs)."""
        path = write_dag(SHELL_DAG.replace("COMMAND", command))

        finding = only_finding(lint(path))

        assert finding["message"].startswith(f"'cmd' writes {{{{ {expression} }}}} inside quotes")
        assert finding["fix"].startswith(f"Remove the quotes around {{{{ {expression} }}}}")

    @pytest.mark.parametrize(
        "command",
        [
            pytest.param("\"echo {{ dag_run.conf['x'] | shquote }}\"", id="quoted"),
            pytest.param("\"ls {{ dag_run.conf.files | map('shquote') | join(' ') }}\"", id="each-item-quoted"),
            pytest.param("\"sleep {{ params.get('n') }}\"", id="integer-param-through-get"),
            pytest.param('"deploy {{ params.env }}"', id="enum-of-plain-words"),
            pytest.param('"echo {{ params.name | shquote }}"', id="quoted-param"),
            pytest.param("\"echo {{ (dag_run.conf['a'] ~ params.name) | shquote }}\"", id="quoted-whole"),
            pytest.param("\"{% filter shquote %}{{ dag_run.conf['x'] }}{% endfilter %}\"", id="filter-block"),
            pytest.param('"echo {{ params.n }}"', id="integer-param-validated-before-the-run"),
            pytest.param("\"echo {{ dag_run.conf['n'] | int }}\"", id="made-a-number"),
            pytest.param("\"{% if dag_run.conf.get('v') %}echo -v{% endif %}\"", id="only-tested"),
            pytest.param("\"echo {{ 'yes' if params.name == 'x' else 'no' }}\"", id="compared"),
            pytest.param('"echo {{ ds }} {{ run_id }} {{ conf }}"', id="not-run-input"),
            pytest.param("'echo \"$NAME\"'", id="through-the-environment"),
            pytest.param("\"echo 'dag_run.conf' params\"", id="names-in-plain-text"),
        ],
    )
    def test_near_misses_are_not_flagged(self, write_dag, lint, command) -> None:
        """Given commands that quote the run input, only test it, turn it into a number, use a param validated
        as an integer, or render values that are not run input, when linted, then nothing is reported."""
        path = write_dag(SHELL_DAG.replace("COMMAND", command))

        run = lint(path)

        assert run.json == []

    def test_a_sh_template_file_is_read_too(self, write_dag, lint, dags_folder) -> None:
        """Given bash_command='greet.sh' next to the DAG file, rendering params.name unquoted, when linted, then
        HW007 names the expression found in the file."""
        (dags_folder / "greet.sh").write_text("echo hello {{ params.name }}\n")
        path = write_dag(SHELL_DAG.replace("COMMAND", '"greet.sh"'))

        finding = only_finding(lint(path))

        assert (finding["code"], finding["task_ids"]) == ("HW007", ["cmd"])
        assert finding["message"].startswith("'cmd' renders {{ params.name }} into its bash_command unquoted")

    def test_a_task_bash_function_returning_a_template_is_read_too(self, write_dag, lint) -> None:
        """Given @task.bash returning a literal template that renders dag_run.conf unquoted, when linted, then
        HW007 names that task."""
        path = write_dag(
            dag_file("""
            with DAG("decorated", schedule=None):
                @task.bash
                def shout():
                    return "echo {{ dag_run.conf['x'] }}"

                shout()
            """)
        )

        finding = only_finding(lint(path))

        assert (finding["code"], finding["task_ids"]) == ("HW007", ["shout"])
        assert "{{ dag_run.conf['x'] | shquote }}" in finding["fix"]


# --- Suppression, selection, output and exit status --------------------------------------------------------

MIXED = """
def _pick():
    return "left"

with DAG("mixed", schedule=None):
    pick = BranchPythonOperator(task_id="pick", python_callable=_pick)
    left = EmptyOperator(task_id="left")
    right = EmptyOperator(task_id="right")
    join = EmptyOperator(task_id="join")
    legacy = EmptyOperator(task_id="legacy", trigger_rule="dummy")
    pick >> [left, right] >> join >> legacy
"""

CLEAN = """
with DAG("clean", schedule="@daily"):
    EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
"""


def codes_and_tasks(run) -> list[tuple[str, tuple[str, ...]]]:
    return [(f["code"], tuple(f["task_ids"])) for f in run.json]


class TestSuppression:
    def test_a_comment_silences_its_code_on_that_task_only(self, write_dag, lint) -> None:
        """Given two default joins after the same branch, one created on a line ending in
        `# headwater: ignore[HW001]`, when it is linted, then only the other join is reported."""
        path = write_dag(
            dag_file("""
            with DAG("joins", schedule=None):
                pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "left")
                left = EmptyOperator(task_id="left")
                right = EmptyOperator(task_id="right")
                known = EmptyOperator(task_id="known")  # headwater: ignore[HW001]
                unknown = EmptyOperator(task_id="unknown")
                pick >> [left, right] >> known
                [left, right] >> unknown
            """)
        )

        run = lint(path)

        assert codes_and_tasks(run) == [("HW001", ("unknown",))]
        assert run.exit_code == 1

    def test_a_comment_silences_only_the_code_it_names(self, write_dag, lint) -> None:
        """Given a task that has both HW002 and HW006, created on a line ending in `# headwater: ignore[HW006]`,
        when it is linted, then HW002 is still reported for it."""
        path = write_dag(
            dag_file("""
            def _pull(ti):
                return ti.xcom_pull(task_ids="ghost")

            with DAG("both", schedule=None):
                pull = PythonOperator(task_id="pull", python_callable=_pull, trigger_rule="dummy")  # headwater: ignore[HW006]
            """)  # noqa: E501
        )

        run = lint(path)

        assert codes_and_tasks(run) == [("HW002", ("pull",))]
        assert run.exit_code == 1

    def test_a_comment_naming_another_code_keeps_the_finding(self, write_dag, lint) -> None:
        """Given a default join after a branch created on a line ending in `# headwater: ignore[HW002]`, when it
        is linted, then HW001 is still reported for it."""
        path = write_dag(dag_file(MIXED.replace('task_id="join")', 'task_id="join")  # headwater: ignore[HW002]')))

        run = lint(path, "--select", "HW001")

        assert codes_and_tasks(run) == [("HW001", ("join",))]

    def test_a_comment_can_name_several_codes(self, write_dag, lint) -> None:
        """Given the HW002 + HW006 task with `# headwater: ignore[HW002, HW006]`, when it is linted, then
        nothing is reported and the exit status is 0."""
        path = write_dag(
            dag_file("""
            def _pull(ti):
                return ti.xcom_pull(task_ids="ghost")

            with DAG("both", schedule=None):
                pull = PythonOperator(task_id="pull", python_callable=_pull, trigger_rule="dummy")  # headwater: ignore[HW002, HW006]
            """)  # noqa: E501
        )

        run = lint(path)

        assert run.json == []
        assert run.exit_code == 0


class TestSelectAndIgnore:
    def test_without_options_every_rule_reports(self, write_dag, lint) -> None:
        """Given a DAG with a join after a branch and a deprecated alias, when it is linted, then both are
        reported, in line order, and the exit status is 1."""
        path = write_dag(dag_file(MIXED))

        run = lint(path)

        assert codes_and_tasks(run) == [("HW001", ("join",)), ("HW006", ("legacy",))]
        assert run.exit_code == 1

    @pytest.mark.parametrize(
        ("options", "expected", "exit_code"),
        [
            pytest.param(["--select", "HW006"], [("HW006", ("legacy",))], 0, id="select-the-warning"),
            pytest.param(["--select", "HW001"], [("HW001", ("join",))], 1, id="select-the-error"),
            pytest.param(["--ignore", "HW001"], [("HW006", ("legacy",))], 0, id="ignore-the-error"),
            pytest.param(["--ignore", "HW006,HW001"], [], 0, id="ignore-both"),
            pytest.param(
                ["--select", "HW001,HW006"], [("HW001", ("join",)), ("HW006", ("legacy",))], 1, id="select-both"
            ),
            pytest.param(
                ["--select", "HW001,HW006", "--ignore", "HW006"], [("HW001", ("join",))], 1, id="select-and-ignore"
            ),
            pytest.param(["--select", "HW002,HW003"], [], 0, id="select-codes-that-do-not-fire"),
        ],
    )
    def test_options_choose_the_codes(self, write_dag, lint, options, expected, exit_code) -> None:
        """Given the same DAG, when it is linted with --select and/or --ignore, then only the chosen codes are
        reported and the exit status follows what remains."""
        path = write_dag(dag_file(MIXED))

        run = lint(path, *options)

        assert codes_and_tasks(run) == expected
        assert run.exit_code == exit_code

    @pytest.mark.parametrize("option", ["--select", "--ignore"])
    def test_an_unknown_code_exits_2_listing_the_codes(self, write_dag, lint, option) -> None:
        """Given a code that does not exist, when it is passed to --select or --ignore, then the lint exits 2,
        names the unknown code and lists the codes there are."""
        path = write_dag(dag_file(MIXED))

        run = lint(path, option, "HW001,HW999")

        assert run.exit_code == 2
        assert run.stdout == ""
        assert "HW999" in run.stderr
        assert ", ".join(CODES) in run.stderr


class TestOutputAndExitStatus:
    def test_json_findings_have_exactly_the_documented_fields(self, write_dag, lint) -> None:
        """Given a DAG with an error and a warning, when it is linted with --format json, then each finding has
        exactly code, level, dag_id, task_ids, file, line, message and fix."""
        path = write_dag(dag_file(MIXED))

        run = lint(path)

        assert len(run.json) == 2
        for finding in run.json:
            assert set(finding) == FIELDS
            assert finding["code"] in CODES
            assert finding["level"] in {"error", "warning"}
            assert finding["dag_id"] == "mixed"
            assert all(isinstance(t, str) for t in finding["task_ids"])
            assert finding["file"] == str(path)
            assert isinstance(finding["line"], int)
            assert finding["message"]
            assert finding["fix"]

    def test_a_dag_without_traps_gives_an_empty_list_and_exit_0(self, write_dag, lint) -> None:
        """Given a DAG without traps, when it is linted with --format json, then stdout is `[]` and the exit
        status is 0."""
        path = write_dag(dag_file(CLEAN))

        run = lint(path)

        assert run.json == []
        assert run.stdout.strip() == "[]"
        assert run.exit_code == 0

    def test_text_output_names_the_place_code_and_fix_and_exits_1_on_an_error(self, write_dag, cli) -> None:
        """Given a DAG with an error and a warning, when it is linted in the default text format, then each
        finding shows FILE:LINE, its code and level and its fix, and the exit status is 1."""
        path = write_dag(dag_file(MIXED))

        run = cli("dags", "lint", path)

        join_line = line_of(path, 'task_id="join"')
        legacy_line = line_of(path, 'task_id="legacy"')
        assert run.exit_code == 1
        assert f"{path}:{join_line}: HW001 error" in run.stdout
        assert f"{path}:{legacy_line}: HW006 warning" in run.stdout
        assert "none_failed_min_one_success" in run.stdout
        assert "trigger_rule='always'" in run.stdout

    def test_text_output_exits_0_with_only_warnings(self, write_dag, cli) -> None:
        """Given the same DAG with the error ignored, when it is linted in text, then the exit status is 0."""
        path = write_dag(dag_file(MIXED))

        run = cli("dags", "lint", path, "--ignore", "HW001")

        assert run.exit_code == 0
        assert "HW006 warning" in run.stdout
        assert "HW001" not in run.stdout

    def test_a_folder_is_linted_file_by_file(self, write_dag, lint, dags_folder) -> None:
        """Given a folder with a DAG with traps and one without, when the folder is linted, then the findings
        are those of the first file only."""
        mixed = write_dag(dag_file(MIXED), "mixed.py")
        write_dag(dag_file(CLEAN), "clean.py")

        run = lint(dags_folder)

        assert codes_and_tasks(run) == [("HW001", ("join",)), ("HW006", ("legacy",))]
        assert {f["file"] for f in run.json} == {str(mixed)}
        assert run.exit_code == 1


class TestDagsListCounts:
    def test_dags_list_json_shows_each_dags_lint_counts(self, write_dag, cli, dags_folder) -> None:
        """Given a folder with a DAG with one error and one warning and a DAG without traps, when `dags list -o
        json` runs, then each DAG carries its error and warning counts."""
        write_dag(dag_file(MIXED), "mixed.py")
        write_dag(dag_file(CLEAN), "clean.py")

        run = cli("dags", "list", dags_folder, "-o", "json")

        assert run.exit_code == 0
        assert {d["dag_id"]: d["lint"] for d in run.json["dags"]} == {
            "clean": {"errors": 0, "warnings": 0},
            "mixed": {"errors": 1, "warnings": 1},
        }
        assert run.json["import_errors"] == {}
