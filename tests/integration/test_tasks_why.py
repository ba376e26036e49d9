"""``headwater tasks why``: the decision that put a task instance in its state, as recorded when it was made.

For a task ended by its trigger rule: the rule, the upstream states at the start of the deciding pass, which of
them fired the rule and the pass; for one ended by an operator: the branch, short-circuit or latest-only task;
for one that ran: how its try ended. ``--chain`` follows the cause upstream to its root, ``--json`` prints the
same as a document, and a run made by the scheduler explains itself the same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scheduler_harness import SchedulerHome

RUN_ID = "manual__2024-01-02T00:00:00+00:00"
SCHEDULED_RUN_ID = "scheduled__2024-01-02T00:00:00+00:00"


def line_of(path: Path, code: str) -> int:
    """The line number of the only line of ``path`` that contains ``code``."""
    found = [n for n, line in enumerate(path.read_text().splitlines(), start=1) if code in line]
    assert len(found) == 1, found
    return found[0]


RULES = """
    from headwater import DAG, SkipTask, task

    with DAG("rules", schedule=None) as dag:
        @task
        def ok():
            return 1

        @task
        def bad():
            raise ValueError("boom")

        @task
        def skipper():
            raise SkipTask("not today")

        @task(trigger_rule="RULE")
        def join():
            return 1

        [UPSTREAM] >> join()
"""


def rules_dag(rule: str, upstream: list[str]) -> str:
    return RULES.replace("RULE", rule).replace("UPSTREAM", ", ".join(f"{u}()" for u in upstream))


SKIPPER_ROOT = "  <- skipper skipped: the task raised SkipTask at {where}: not today\n"
BAD_ROOT = "  <- bad failed: failed: ValueError: boom\n"
OK_ROOT = "  <- ok success: ran and succeeded\n"

RULE_DECISIONS = [
    pytest.param(
        "all_success",
        ["ok", "skipper"],
        "join skipped: all_success: 1/2 upstream skipped (pass 2)\n"
        "  trigger rule all_success; upstream at the start of pass 2:\n"
        "    ok                             success\n"
        "    skipper                        skipped   <- fired the rule\n" + SKIPPER_ROOT,
        id="all_success-skip",
    ),
    pytest.param(
        "all_success",
        ["ok", "bad"],
        "join upstream_failed: all_success: 1/2 upstream failed (pass 2)\n"
        "  trigger rule all_success; upstream at the start of pass 2:\n"
        "    bad                            failed   <- fired the rule\n"
        "    ok                             success\n" + BAD_ROOT,
        id="all_success-upstream_failed",
    ),
    pytest.param(
        "all_failed",
        ["bad", "ok"],
        "join skipped: all_failed: 1/2 upstream succeeded or skipped (pass 2)\n"
        "  trigger rule all_failed; upstream at the start of pass 2:\n"
        "    bad                            failed\n"
        "    ok                             success   <- fired the rule\n" + OK_ROOT,
        id="all_failed-skip",
    ),
    pytest.param(
        "all_done_min_one_success",
        ["ok", "skipper"],
        "join skipped: all_done_min_one_success: 1/2 upstream skipped (pass 2)\n"
        "  trigger rule all_done_min_one_success; upstream at the start of pass 2:\n"
        "    ok                             success\n"
        "    skipper                        skipped   <- fired the rule\n" + SKIPPER_ROOT,
        id="all_done_min_one_success-skip",
    ),
    pytest.param(
        "all_done_min_one_success",
        ["bad"],
        "join upstream_failed: all_done_min_one_success: all done, none succeeded (1 failed of 1 upstream) (pass 2)\n"
        "  trigger rule all_done_min_one_success; upstream at the start of pass 2:\n"
        "    bad                            failed   <- fired the rule\n" + BAD_ROOT,
        id="all_done_min_one_success-upstream_failed",
    ),
    pytest.param(
        "all_skipped",
        ["skipper", "ok"],
        "join skipped: all_skipped: 1/2 upstream did not skip (pass 2)\n"
        "  trigger rule all_skipped; upstream at the start of pass 2:\n"
        "    ok                             success   <- fired the rule\n"
        "    skipper                        skipped\n" + OK_ROOT,
        id="all_skipped-skip-by-a-success",
    ),
    pytest.param(
        "all_skipped",
        ["bad"],
        "join skipped: all_skipped: 1/1 upstream did not skip (pass 2)\n"
        "  trigger rule all_skipped; upstream at the start of pass 2:\n"
        "    bad                            failed   <- fired the rule\n" + BAD_ROOT,
        id="all_skipped-skip-by-a-failure",
    ),
    pytest.param(
        "one_success",
        ["skipper"],
        "join skipped: one_success: all 1 upstream skipped (pass 2)\n"
        "  trigger rule one_success; upstream at the start of pass 2:\n"
        "    skipper                        skipped   <- fired the rule\n" + SKIPPER_ROOT,
        id="one_success-skip",
    ),
    pytest.param(
        "one_success",
        ["bad", "skipper"],
        "join upstream_failed: one_success: all done, none succeeded (1 skipped, 1 failed of 2 upstream) (pass 2)\n"
        "  trigger rule one_success; upstream at the start of pass 2:\n"
        "    bad                            failed   <- fired the rule\n"
        "    skipper                        skipped\n" + BAD_ROOT,
        id="one_success-upstream_failed",
    ),
    pytest.param(
        "one_failed",
        ["ok"],
        "join skipped: one_failed: all done, none failed (1 success of 1 upstream) (pass 2)\n"
        "  trigger rule one_failed; upstream at the start of pass 2:\n"
        "    ok                             success   <- fired the rule\n" + OK_ROOT,
        id="one_failed-skip",
    ),
    pytest.param(
        "one_done",
        ["skipper"],
        "join skipped: one_done: all done, none succeeded or failed (1 skipped of 1 upstream) (pass 2)\n"
        "  trigger rule one_done; upstream at the start of pass 2:\n"
        "    skipper                        skipped   <- fired the rule\n" + SKIPPER_ROOT,
        id="one_done-skip",
    ),
    pytest.param(
        "none_failed",
        ["bad", "ok"],
        "join upstream_failed: none_failed: 1/2 upstream failed (pass 2)\n"
        "  trigger rule none_failed; upstream at the start of pass 2:\n"
        "    bad                            failed   <- fired the rule\n"
        "    ok                             success\n" + BAD_ROOT,
        id="none_failed-upstream_failed",
    ),
    pytest.param(
        "none_failed_min_one_success",
        ["skipper"],
        "join skipped: none_failed_min_one_success: all 1 upstream skipped (pass 2)\n"
        "  trigger rule none_failed_min_one_success; upstream at the start of pass 2:\n"
        "    skipper                        skipped   <- fired the rule\n" + SKIPPER_ROOT,
        id="none_failed_min_one_success-skip",
    ),
    pytest.param(
        "none_failed_min_one_success",
        ["bad", "ok"],
        "join upstream_failed: none_failed_min_one_success: 1/2 upstream failed (pass 2)\n"
        "  trigger rule none_failed_min_one_success; upstream at the start of pass 2:\n"
        "    bad                            failed   <- fired the rule\n"
        "    ok                             success\n" + BAD_ROOT,
        id="none_failed_min_one_success-upstream_failed",
    ),
    pytest.param(
        "none_skipped",
        ["ok", "skipper"],
        "join skipped: none_skipped: 1/2 upstream skipped (pass 2)\n"
        "  trigger rule none_skipped; upstream at the start of pass 2:\n"
        "    ok                             success\n"
        "    skipper                        skipped   <- fired the rule\n" + SKIPPER_ROOT,
        id="none_skipped-skip",
    ),
]


class TestTriggerRuleDecisions:
    @pytest.mark.parametrize(("rule", "upstream", "expected"), RULE_DECISIONS)
    def test_a_rule_decision_shows_the_rule_the_upstream_states_what_fired_it_and_the_pass(
        self, write_dag, dags_test, cli, rule: str, upstream: list[str], expected: str
    ) -> None:
        """Given a join with a trigger rule below upstream tasks that succeed, fail or skip, when the DAG runs
        and `tasks why join --chain` is asked, then it prints the state and reason with the pass that decided,
        the rule, each upstream's state at the start of that pass with those that fired the rule marked, and
        the cause upstream down to how its try ended."""
        path = write_dag(rules_dag(rule, upstream))
        dags_test(path)
        where = f"{path}:{line_of(path, 'raise SkipTask')}"

        why = cli("tasks", "why", "rules", RUN_ID, "join", "--chain")

        assert why.exit_code == 0, why.stderr
        assert why.stdout == expected.format(where=where)

    def test_all_done_never_ends_upstream_failed_it_runs_after_failed_and_skipped_upstream(
        self, write_dag, dags_test, cli
    ) -> None:
        """Given an all_done join below a failing and a skipping task, when the DAG runs, then the join ran
        (all_done has no upstream_failed or skipped verdict) and `why` says so."""
        path = write_dag(rules_dag("all_done", ["bad", "skipper"]))
        run = dags_test(path)
        assert run.tasks() == {"bad": "failed", "skipper": "skipped", "join": "success"}

        why = cli("tasks", "why", "rules", RUN_ID, "join")

        assert why.exit_code == 0
        assert why.stdout == "join success: ran and succeeded\n"

    def test_the_upstream_states_are_those_at_the_start_of_the_deciding_pass(self, write_dag, dags_test, cli) -> None:
        """Given a >> b >> join and bad >> join, when the DAG runs, then join is ended upstream_failed in pass 2,
        before b has run; `why` shows b with no state, as the pass saw it, although b later succeeded."""
        path = write_dag(
            """
            from headwater import DAG, task

            with DAG("eager", schedule=None) as dag:
                @task
                def a():
                    return 1

                @task
                def b():
                    return 1

                @task
                def bad():
                    raise ValueError("boom")

                @task
                def join():
                    return 1

                joined = join()
                a() >> b() >> joined
                bad() >> joined
            """
        )
        run = dags_test(path)
        assert run.tasks() == {"a": "success", "b": "success", "bad": "failed", "join": "upstream_failed"}

        why = cli("tasks", "why", "eager", RUN_ID, "join")

        assert why.stdout == (
            "join upstream_failed: all_success: 1/2 upstream failed (pass 2)\n"
            "  trigger rule all_success; upstream at the start of pass 2:\n"
            "    b                              no state\n"
            "    bad                            failed   <- fired the rule\n"
        )


SETUP_TEARDOWN = """
    from headwater import DAG, SkipTask, setup, task, teardown

    with DAG("cluster", schedule=None) as dag:
        @setup
        def create():
            CREATE

        @task
        def work():
            return 1

        @task
        def report():
            return 1

        @teardown
        def delete():
            return 1

        created = create()
        deleted = delete()
        created >> work() >> report() >> deleted
        created >> deleted
"""


class TestSetupAndTeardownDecisions:
    def test_a_teardown_whose_setup_failed_is_upstream_failed_because_of_the_setup(
        self, write_dag, dags_test, cli
    ) -> None:
        """Given a setup that fails and its teardown (all_done_setup_success), when the DAG runs, then `why`
        shows the teardown upstream_failed by its rule, fired by the setup that did not succeed."""
        path = write_dag(SETUP_TEARDOWN.replace("CREATE", 'raise ValueError("no cluster")'))
        dags_test(path)

        why = cli("tasks", "why", "cluster", RUN_ID, "delete", "--chain")

        assert why.stdout == (
            "delete upstream_failed: all_done_setup_success: none of 1 setup(s) succeeded (pass 3)\n"
            "  trigger rule all_done_setup_success; upstream at the start of pass 3:\n"
            "    create                         failed   <- fired the rule\n"
            "    report                         upstream_failed\n"
            "  <- create failed: failed: ValueError: no cluster\n"
        )

    def test_a_teardown_whose_setup_skipped_is_skipped_because_of_the_setup(self, write_dag, dags_test, cli) -> None:
        """Given a setup that skips itself, when the DAG runs, then `why` shows its teardown skipped by
        all_done_setup_success, fired by the skipped setup."""
        path = write_dag(SETUP_TEARDOWN.replace("CREATE", 'raise SkipTask("no cluster needed")'))
        dags_test(path)
        where = f"{path}:{line_of(path, 'raise SkipTask')}"

        why = cli("tasks", "why", "cluster", RUN_ID, "delete", "--chain")

        assert why.stdout == (
            "delete skipped: all_done_setup_success: all 1 setup(s) skipped (pass 3)\n"
            "  trigger rule all_done_setup_success; upstream at the start of pass 3:\n"
            "    create                         skipped   <- fired the rule\n"
            "    report                         skipped\n"
            f"  <- create skipped: the task raised SkipTask at {where}: no cluster needed\n"
        )

    def test_a_task_ended_by_a_failed_indirect_setup_names_that_setup(self, write_dag, dags_test, cli) -> None:
        """Given setup >> work >> report where the setup fails, when the DAG runs, then report (whose setup is
        not a direct upstream) is upstream_failed in pass 2 by the setup constraint; `why` names the failed
        setup as what fired the decision, and --chain leads to it."""
        path = write_dag(SETUP_TEARDOWN.replace("CREATE", 'raise ValueError("no cluster")'))
        dags_test(path)

        why = cli("tasks", "why", "cluster", RUN_ID, "report", "--chain")

        lines = why.stdout.splitlines()
        assert lines[0] == "report upstream_failed: setup: 1/1 relevant setup task(s) failed (pass 2)"
        assert "    create                         failed   <- fired the rule" in lines
        assert lines[-1] == "  <- create failed: failed: ValueError: no cluster"


BRANCH = """
    from headwater import DAG, EmptyOperator, task

    with DAG("branchy", schedule=None) as dag:
        @task.branch
        def pick():
            return "left"

        join = EmptyOperator(task_id="join")
        pick() >> [EmptyOperator(task_id="left"), EmptyOperator(task_id="right")] >> join
"""

BRANCH_JOIN_CHAIN = (
    "join skipped: all_success: 1/2 upstream skipped (pass 2)\n"
    "  trigger rule all_success; upstream at the start of pass 2:\n"
    "    left                           no state\n"
    "    right                          skipped   <- fired the rule\n"
    "  <- right skipped: branch 'pick' followed ['left']\n"
    "  <- pick success: ran and succeeded\n"
)

SHORT_CIRCUIT = """
    from headwater import DAG, EmptyOperator, ShortCircuitOperator

    with DAG("gate", schedule=None) as dag:
        check = ShortCircuitOperator(
            task_id="check", python_callable=lambda: False, ignore_downstream_trigger_rules=IGNORE
        )
        check >> EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
"""

LATEST_ONLY = """
    import pendulum
    from headwater import DAG, EmptyOperator, LatestOnlyOperator

    with DAG("latest", schedule="@daily", start_date=pendulum.datetime(2024, 1, 1, tz="UTC")) as dag:
        LatestOnlyOperator(task_id="latest_only") >> EmptyOperator(task_id="deploy")
"""


class TestOperatorDecisions:
    def test_a_task_skipped_by_a_branch_names_the_branch(self, write_dag, dags_test, cli) -> None:
        """Given a branch that follows left, when the DAG runs, then `why right` says the branch skipped it, in
        which pass, and which tasks the branch followed."""
        dags_test(write_dag(BRANCH))

        why = cli("tasks", "why", "branchy", RUN_ID, "right")

        assert why.exit_code == 0
        assert why.stdout == ("right skipped: branch 'pick' followed ['left']\n  decided by branch 'pick'\n")

    def test_chain_follows_a_join_back_to_the_branch(self, write_dag, dags_test, cli) -> None:
        """Given the same DAG with an all_success join of left and right, when `why join --chain` is asked,
        then it shows the rule's decision (right skipped, seen before left ran), then right skipped by the
        branch, then the branch task itself, where the chain ends."""
        dags_test(write_dag(BRANCH))

        why = cli("tasks", "why", "branchy", RUN_ID, "join", "--chain")

        assert why.stdout == BRANCH_JOIN_CHAIN

    def test_a_short_circuit_ignoring_downstream_rules_skips_every_task_below_it(
        self, write_dag, dags_test, cli
    ) -> None:
        """Given check >> a >> b with a falsy short-circuit and ignore_downstream_trigger_rules=True, when the
        DAG runs, then both a and b were skipped by the short-circuit itself, not by a trigger rule."""
        dags_test(write_dag(SHORT_CIRCUIT.replace("IGNORE", "True")))

        a = cli("tasks", "why", "gate", RUN_ID, "a")
        b = cli("tasks", "why", "gate", RUN_ID, "b", "--chain")

        reason = "short-circuit 'check' returned a falsy value (ignore_downstream_trigger_rules=True)"
        assert a.stdout == f"a skipped: {reason}\n  decided by short-circuit 'check'\n"
        assert b.stdout == (
            f"b skipped: {reason}\n  decided by short-circuit 'check'\n  <- check success: ran and succeeded\n"
        )

    def test_a_short_circuit_respecting_downstream_rules_skips_only_its_direct_downstream(
        self, write_dag, dags_test, cli
    ) -> None:
        """Given the same DAG with ignore_downstream_trigger_rules=False, when it runs, then a was skipped by the
        short-circuit and b by its all_success rule, which --chain follows back to the short-circuit."""
        dags_test(write_dag(SHORT_CIRCUIT.replace("IGNORE", "False")))

        a = cli("tasks", "why", "gate", RUN_ID, "a")
        b = cli("tasks", "why", "gate", RUN_ID, "b", "--chain")

        reason = "short-circuit 'check' returned a falsy value (direct downstream only)"
        assert a.stdout == f"a skipped: {reason}\n  decided by short-circuit 'check'\n"
        assert b.stdout == (
            "b skipped: all_success: 1/1 upstream skipped (pass 2)\n"
            "  trigger rule all_success; upstream at the start of pass 2:\n"
            "    a                              skipped   <- fired the rule\n"
            f"  <- a skipped: {reason}\n"
            "  <- check success: ran and succeeded\n"
        )

    def test_a_task_skipped_by_latest_only_shows_the_wall_clock_and_the_interval(
        self, write_dag, dags_test, cli
    ) -> None:
        """Given LatestOnlyOperator >> deploy, when the scheduled run for Jan 2 runs in June, then `why deploy`
        says latest-only skipped it, with the time it compared and the next interval it compared it with."""
        dags_test(write_dag(LATEST_ONLY), "--run-type", "scheduled", "--now", "2024-06-01T00:00:00+00:00")

        why = cli("tasks", "why", "latest", SCHEDULED_RUN_ID, "deploy", "--chain")

        assert why.stdout == (
            "deploy skipped: latest-only 'latest_only': the run is not the latest: now 2024-06-01T00:00:00+00:00 "
            "is outside the next interval (2024-01-03T00:00:00+00:00, 2024-01-04T00:00:00+00:00]\n"
            "  decided by latest-only 'latest_only'\n"
            "  <- latest_only success: ran and succeeded\n"
        )


class TestTryOutcomes:
    def test_a_task_that_raised_a_skip_exception_shows_where_and_its_message(self, write_dag, dags_test, cli) -> None:
        """Given a task raising SkipTask("not today"), when the DAG runs, then `why` gives the exception's type,
        the file and line it was raised at, and its message; it is a root: --chain adds nothing."""
        path = write_dag(rules_dag("all_success", ["skipper"]))
        dags_test(path)

        plain = cli("tasks", "why", "rules", RUN_ID, "skipper")
        chained = cli("tasks", "why", "rules", RUN_ID, "skipper", "--chain")

        line = line_of(path, 'raise SkipTask("not today")')
        assert plain.stdout == f"skipper skipped: the task raised SkipTask at {path}:{line}: not today\n"
        assert chained.stdout == plain.stdout

    def test_a_task_whose_retries_ran_out_shows_the_tries_and_the_last_exception(
        self, write_dag, dags_test, cli
    ) -> None:
        """Given a task with retries=1 and no delay that raises every time, when the DAG runs, then `why` says
        its retries were exhausted after two tries and gives the last exception's type and message; its
        downstream's chain ends there."""
        path = write_dag(
            """
            import datetime as dt
            from headwater import DAG, task

            with DAG("retry", schedule=None) as dag:
                attempts = []

                @task(retries=1, retry_delay=dt.timedelta(0))
                def flaky():
                    attempts.append(1)
                    raise ValueError(f"boom on try {len(attempts)}")

                @task
                def after():
                    return 1

                flaky() >> after()
            """
        )
        dags_test(path)

        flaky = cli("tasks", "why", "retry", RUN_ID, "flaky")
        after = cli("tasks", "why", "retry", RUN_ID, "after", "--chain")

        assert flaky.stdout == "flaky failed: retries exhausted after 2 tries: ValueError: boom on try 2\n"
        assert after.stdout == (
            "after upstream_failed: all_success: 1/1 upstream failed (pass 3)\n"
            "  trigger rule all_success; upstream at the start of pass 3:\n"
            "    flaky                          failed   <- fired the rule\n"
            "  <- flaky failed: retries exhausted after 2 tries: ValueError: boom on try 2\n"
        )

    def test_a_successful_task_says_it_ran_and_succeeded(self, write_dag, dags_test, cli) -> None:
        """Given a task that returns, when the DAG runs, then `why` prints one line: it ran and succeeded."""
        dags_test(write_dag(rules_dag("all_success", ["ok"])))

        why = cli("tasks", "why", "rules", RUN_ID, "ok")

        assert why.exit_code == 0
        assert why.stdout == "ok success: ran and succeeded\n"

    def test_map_index_selects_one_instance_of_a_mapped_task(self, write_dag, dags_test, cli) -> None:
        """Given double mapped over [1, 2] where 2 fails and a reducer total, when the DAG runs, then --map-index
        picks each instance, and total's decision lists both instances, with double[1] as the cause."""
        path = write_dag(
            """
            from headwater import DAG, task

            with DAG("mapping", schedule=None) as dag:
                @task
                def double(x):
                    if x == 2:
                        raise ValueError(f"cannot double {x}")
                    return 2 * x

                @task
                def total(values):
                    return sum(values)

                total(double.expand(x=[1, 2]))
            """
        )
        dags_test(path)

        first = cli("tasks", "why", "mapping", RUN_ID, "double", "--map-index", "0")
        second = cli("tasks", "why", "mapping", RUN_ID, "double", "--map-index", "1")
        total = cli("tasks", "why", "mapping", RUN_ID, "total", "--chain")

        assert first.stdout == "double[0] success: ran and succeeded\n"
        assert second.stdout == "double[1] failed: failed: ValueError: cannot double 2\n"
        assert total.stdout == (
            "total upstream_failed: all_success: 1/2 upstream failed (pass 2)\n"
            "  trigger rule all_success; upstream at the start of pass 2:\n"
            "    double[0]                      success\n"
            "    double[1]                      failed   <- fired the rule\n"
            "  <- double[1] failed: failed: ValueError: cannot double 2\n"
        )


class TestJson:
    def test_a_rule_decision_as_json(self, write_dag, dags_test, cli) -> None:
        """Given a join upstream_failed by all_success, when `why --json` is asked, then the document has the
        instance's keys and the decision object: kind, rule, action, upstream states, fired_by and pass."""
        dags_test(write_dag(rules_dag("all_success", ["ok", "bad"])))

        why = cli("tasks", "why", "rules", RUN_ID, "join", "--json")

        assert why.exit_code == 0
        assert why.json == {
            "dag_id": "rules",
            "run_id": RUN_ID,
            "task_id": "join",
            "map_index": -1,
            "state": "upstream_failed",
            "reason": "all_success: 1/2 upstream failed",
            "pass": 2,
            "try_number": 0,
            "decision": {
                "kind": "rule",
                "rule": "all_success",
                "action": "upstream_failed",
                "upstream": {"ok": "success", "bad": "failed"},
                "fired_by": ["bad"],
                "pass": 2,
            },
            "details": [
                "trigger rule all_success; upstream at the start of pass 2:",
                "  bad                            failed   <- fired the rule",
                "  ok                             success",
            ],
        }

    def test_an_operator_decision_and_its_chain_as_json(self, write_dag, dags_test, cli) -> None:
        """Given a task skipped by a branch, when `why --chain --json` is asked, then the decision names the
        operator's kind and task, and "chain" lists the instance, then the branch task with no decision."""
        dags_test(write_dag(BRANCH))

        why = cli("tasks", "why", "branchy", RUN_ID, "right", "--chain", "--json")

        document = why.json
        assert list(document) == [
            "dag_id",
            "run_id",
            "task_id",
            "map_index",
            "state",
            "reason",
            "pass",
            "try_number",
            "decision",
            "details",
            "chain",
        ]
        assert document["decision"] == {"kind": "branch", "by": "pick"}
        assert document["pass"] is None  # an operator's skip comes from its try, not from a pass
        assert [(s["task_id"], s["state"], s["reason"], s["decision"]) for s in document["chain"]] == [
            ("right", "skipped", "branch 'pick' followed ['left']", {"kind": "branch", "by": "pick"}),
            ("pick", "success", "ran and succeeded", None),
        ]


class TestUnknownInstances:
    def test_an_unknown_run_exits_2_and_names_the_command_that_lists_runs(self, write_dag, dags_test, cli) -> None:
        """Given a DAG that ran once, when `why` is asked about a run it does not have, then it exits 2 and
        points at `headwater dags list-runs`."""
        dags_test(write_dag(rules_dag("all_success", ["ok"])))

        why = cli("tasks", "why", "rules", "manual__1999-01-01", "ok")

        assert why.exit_code == 2
        assert why.stdout == ""
        assert why.stderr == (
            "Error: DAG 'rules' has no run 'manual__1999-01-01'; `headwater dags list-runs rules` lists them.\n"
        )

    def test_an_unknown_task_exits_2_and_names_the_command_that_lists_instances(
        self, write_dag, dags_test, cli
    ) -> None:
        """Given the same run, when `why` is asked about a task it does not have, then it exits 2 and points at
        `headwater tasks states-for-dag-run`."""
        dags_test(write_dag(rules_dag("all_success", ["ok"])))

        why = cli("tasks", "why", "rules", RUN_ID, "nope")

        assert why.exit_code == 2
        assert why.stderr == (
            f"Error: Run {RUN_ID!r} of DAG 'rules' has no task instance 'nope' (map index -1); "
            f"`headwater tasks states-for-dag-run rules {RUN_ID}` lists them.\n"
        )


SLOW = """
    import time
    from headwater import DAG, task

    with DAG("slow", schedule=None) as dag:
        @task
        def a():
            time.sleep(30)

        @task
        def b():
            return 1

        a() >> b()
"""


class TestScheduledRuns:
    def test_a_task_waiting_on_a_running_upstream_says_what_it_waits_for(self, site: SchedulerHome) -> None:
        """Given a >> b under a real scheduler where a sleeps, when a is running, then `why b` says b has no
        state yet and waits for a, which is running; `why a` shows the running try."""
        site.write_dag(SLOW)
        scheduler = site.start_scheduler()
        run_id = site.trigger("slow")
        site.wait_for("a to run", lambda store: site.states("slow", run_id).get("a") == "running")

        b = site.cli("tasks", "why", "slow", run_id, "b")
        a = site.cli("tasks", "why", "slow", run_id, "a")

        running = site.instances("slow", run_id)["a"]
        site.kill(scheduler)  # its worker, still sleeping, is killed with the scheduler's process group
        assert b.stdout == (
            "b no state yet: no decision recorded yet\n"
            "  now: all_success: 0/1 upstream succeeded so far\n"
            "  waiting for: a (running)\n"
        )
        assert a.stdout == (
            "a running: no decision recorded yet\n"
            f"  try 1 running since {running.start_date} on {running.hostname} (pid {running.pid})\n"
        )

    def test_a_scheduler_made_run_explains_a_branch_skip_as_dags_test_does(
        self, site: SchedulerHome, write_dag, dags_test, cli
    ) -> None:
        """Given the branch DAG, when the scheduler runs it for the same logical date as `dags test`, then
        `why join --chain` prints the same decision text for both runs: the reasons were stored with the task
        instances by the scheduler's passes and workers."""
        site.write_dag(BRANCH)
        site.start_scheduler()
        run_id = site.trigger("branchy", "--logical-date", "2024-01-02T00:00:00+00:00")
        assert run_id == RUN_ID
        site.wait_for_run("branchy", run_id)
        dags_test(write_dag(BRANCH))

        scheduled = site.cli("tasks", "why", "branchy", run_id, "join", "--chain")
        tested = cli("tasks", "why", "branchy", RUN_ID, "join", "--chain")

        assert scheduled.stdout == BRANCH_JOIN_CHAIN
        assert scheduled.stdout == tested.stdout
        right = site.cli("tasks", "why", "branchy", run_id, "right")
        assert right.stdout == "right skipped: branch 'pick' followed ['left']\n  decided by branch 'pick'\n"


class TestMappedHint:
    def test_asking_about_a_mapped_task_without_its_index_says_to_pass_one(self, write_dag, dags_test, cli) -> None:
        """Given a mapped task with three instances, when `tasks why` names it without --map-index, then it
        exits 2 and says to pass --map-index, with the range."""
        path = write_dag(
            """
            from headwater import DAG, task

            with DAG("mapped_hint", schedule=None) as dag:
                @task
                def double(x):
                    return 2 * x

                double.expand(x=[1, 2, 3])
            """
        )
        assert dags_test(path).exit_code == 0

        asked = cli("tasks", "why", "mapped_hint", RUN_ID, "double")

        assert asked.exit_code == 2
        assert f"Task 'double' of run '{RUN_ID}' is mapped: pass --map-index N (0 to 2)." in asked.stderr
