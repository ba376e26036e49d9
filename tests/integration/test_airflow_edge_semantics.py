"""Airflow 2.10 behaviours beyond the recorded scenarios: mapping inputs, XCom pull edges, context keys,
multiple_outputs, native templates, @dag params, branch skips and group leaves."""

from __future__ import annotations

import textwrap

HEADER = """
    import pendulum
    from airflow import DAG
    from airflow.decorators import dag, task
    from airflow.operators.empty import EmptyOperator
    from airflow.operators.python import BranchPythonOperator, PythonOperator
    from airflow.utils.task_group import TaskGroup

    START = pendulum.datetime(2024, 1, 1, tz="UTC")
"""


def dag_file(body: str) -> str:
    return textwrap.dedent(HEADER) + textwrap.dedent(body)


class TestMappingInputs:
    def test_an_upstream_returning_none_or_a_string_fails_and_its_mapped_task_is_upstream_failed(
        self, write_dag, dags_test
    ) -> None:
        """Given mapped tasks over an output that is None and one that is a string, when they run, then both
        producers fail (nothing can be mapped over them) and the mapped tasks end upstream_failed."""
        path = write_dag(
            dag_file("""
            with DAG("bad_inputs", start_date=START, schedule=None):
                @task
                def nothing():
                    return None

                @task
                def text():
                    return "abc"

                @task
                def show(x):
                    return x

                show.override(task_id="over_none").expand(x=nothing())
                show.override(task_id="over_text").expand(x=text())
        """)
        )
        run = dags_test(path)
        assert run.tasks() == {
            "nothing": "failed",
            "over_none": "upstream_failed",
            "over_text": "upstream_failed",
            "text": "failed",
        }
        assert run.json["tasks"]["text"]["reason"] == (
            "failed: TaskError: Task 'text' returned a str, which 'over_text' cannot map over; return a list or a dict."
        )

    def test_a_literal_dict_maps_over_its_items(self, write_dag, dags_test) -> None:
        """Given .expand(x={"a": 1, "b": 2}), when it runs, then each instance gets one (key, value) pair."""
        path = write_dag(
            dag_file("""
            with DAG("dict_map", start_date=START, schedule=None):
                @task
                def show(x):
                    return x

                show.expand(x={"a": 1, "b": 2})
        """)
        )
        xcoms = dags_test(path).json["xcoms"]
        assert (xcoms["show[0]"]["return_value"], xcoms["show[1]"]["return_value"]) == (["a", 1], ["b", 2])

    def test_values_mapped_from_an_upstream_output_are_not_rendered_as_templates(self, write_dag, dags_test) -> None:
        """Given an upstream returning ["{{ ds }}"] and a literal ["{{ ds }}"], when both are mapped, then only
        the literal one is rendered."""
        path = write_dag(
            dag_file("""
            with DAG("no_render", start_date=START, schedule=None):
                @task
                def templates():
                    return ["{{ ds }}"]

                @task
                def show(x):
                    return x

                show.override(task_id="from_xcom").expand(x=templates())
                show.override(task_id="literal").expand(x=["{{ ds }}"])
        """)
        )
        xcoms = dags_test(path).json["xcoms"]
        assert xcoms["from_xcom[0]"]["return_value"] == "{{ ds }}"
        assert xcoms["literal[0]"]["return_value"] == "2024-01-02"

    def test_an_argument_given_to_both_partial_and_expand_is_an_import_error(self, write_dag, dags_test) -> None:
        """Given PythonOperator.partial(op_kwargs=...).expand(op_kwargs=...), when the file is parsed, then it
        fails naming the argument."""
        path = write_dag(
            dag_file("""
            with DAG("twice", start_date=START, schedule=None):
                PythonOperator.partial(task_id="p", python_callable=print, op_kwargs={"a": 1}).expand(
                    op_kwargs=[{"a": 2}]
                )
        """)
        )
        run = dags_test(path)
        assert run.exit_code == 2
        assert "Task 'p': op_kwargs given to both partial() and expand(); map an argument or fix it, not both." in (
            run.stderr
        )


class TestXComPullEdges:
    def test_pull_edges_match_airflow(self, write_dag, dags_test) -> None:
        """Given pushes and a mapped task, when a task pulls with key=None, a map_indexes order, duplicate
        ids and a template over several ids, then it gets what Airflow 2.10 gives."""
        path = write_dag(
            dag_file("""
            def push_only(ti):
                ti.xcom_push(key="a", value=1)

            def pull(ti, listed):
                return {
                    "key_none": ti.xcom_pull(task_ids="push_only", key=None),
                    "order": list(ti.xcom_pull(task_ids="m", map_indexes=[2, 0])),
                    "dupes": list(ti.xcom_pull(task_ids=["one", "one"])),
                    "listed": listed,
                }

            with DAG("pulls", start_date=START, schedule=None):
                @task
                def m(x):
                    return x * 10

                one = PythonOperator(task_id="one", python_callable=lambda: 5)
                source = PythonOperator(task_id="push_only", python_callable=push_only)
                mapped = m.expand(x=[0, 1, 2])
                [one, source, mapped] >> PythonOperator(
                    task_id="pull", python_callable=pull,
                    op_kwargs={"listed": "{{ ti.xcom_pull(task_ids=['one', 'push_only']) }}"},
                )
        """)
        )
        assert dags_test(path).json["xcoms"]["pull"]["return_value"] == {
            "key_none": 1,
            "order": [20, 0],
            "dupes": [5],
            "listed": "LazySelectSequence([1 item])",
        }

    def test_a_missing_key_of_a_task_without_multiple_outputs_fails_the_consumer(self, write_dag, dags_test) -> None:
        """Given plain.output["nokey"] passed to a task, when it runs, then the consumer fails naming the key."""
        path = write_dag(
            dag_file("""
            with DAG("nokey", start_date=START, schedule=None):
                plain = PythonOperator(task_id="plain", python_callable=lambda: 1)

                @task
                def use(v):
                    return v

                use(plain.output["nokey"])
        """)
        )
        run = dags_test(path)
        assert run.tasks() == {"plain": "success", "use": "failed"}
        assert run.json["tasks"]["use"]["reason"].startswith(
            "failed: XComNotFound: DAG 'nokey': task 'plain' pushed no XCom 'nokey'."
        )

    def test_multiple_outputs_on_a_classic_operator_pushes_each_key(self, write_dag, dags_test) -> None:
        """Given PythonOperator(multiple_outputs=True) returning {"a": 1}, when it runs, then 'a' is pushed
        beside return_value; a top-level tuple keeps its type."""
        path = write_dag(
            dag_file("""
            with DAG("multi", start_date=START, schedule=None):
                PythonOperator(task_id="split", python_callable=lambda: {"a": 1}, multiple_outputs=True)
                PythonOperator(task_id="pair", python_callable=lambda: (1, 2))
                PythonOperator(task_id="kind", python_callable=lambda ti: type(ti.xcom_pull(task_ids="pair")).__name__)
        """)
        )
        xcoms = dags_test(path).json["xcoms"]
        assert xcoms["split"] == {"a": 1, "return_value": {"a": 1}}
        assert xcoms["pair"] == {"return_value": [1, 2]}


class TestContextAndParams:
    def test_next_and_prev_dates_of_a_scheduled_daily_run(self, write_dag, dags_test) -> None:
        """Given a @daily scheduled run for 2024-01-02, when a task reads next_ds and prev_ds, then they are the
        neighbouring schedule dates."""
        path = write_dag(
            dag_file("""
            with DAG("dates", start_date=START, schedule="@daily"):
                PythonOperator(
                    task_id="d", python_callable=lambda next_ds, prev_ds, test_mode: [next_ds, prev_ds, test_mode]
                )
        """)
        )
        run = dags_test(path, "--run-type", "scheduled")
        assert run.json["xcoms"]["d"]["return_value"] == ["2024-01-03", "2024-01-01", False]

    def test_native_rendering_turns_plain_strings_into_python_values(self, write_dag, dags_test) -> None:
        """Given render_template_as_native_obj=True, when op_kwargs holds "123" and "[1, 2]", then the callable
        gets an int and a list, as in Airflow."""
        path = write_dag(
            dag_file("""
            with DAG("native", start_date=START, schedule=None, render_template_as_native_obj=True):
                PythonOperator(task_id="p", python_callable=lambda n, lst: [type(n).__name__, lst],
                               op_kwargs={"n": "123", "lst": "[1, 2]"})
        """)
        )
        assert dags_test(path).json["xcoms"]["p"]["return_value"] == ["int", [1, 2]]

    def test_jinja_environment_kwargs_reach_the_templates(self, write_dag, dags_test) -> None:
        """Given jinja_environment_kwargs={"trim_blocks": True}, when a template has a block tag on its own
        line, then the newline after it is dropped, as Airflow's environment does with that option."""
        path = write_dag(
            dag_file("""
            with DAG("jinja_kw", start_date=START, schedule=None, jinja_environment_kwargs={"trim_blocks": True}):
                PythonOperator(task_id="p", python_callable=lambda text: text,
                               op_args=["{% for x in [1, 2] %}\\n{{ x }};{% endfor %}"])
        """)
        )
        assert dags_test(path).json["xcoms"]["p"]["return_value"] == "1;2;"

    def test_a_dag_functions_argument_comes_from_the_run_conf(self, write_dag, dags_test) -> None:
        """Given @dag def f(x=1) passing x to a task, when run with --conf '{"x": 5}', then the task gets 5."""
        path = write_dag(
            dag_file("""
            @dag(dag_id="dp", start_date=START, schedule=None)
            def dp(x=1):
                @task
                def show(v):
                    return v
                show(x)

            dp()
        """)
        )
        assert dags_test(path, "--conf", '{"x": 5}').json["xcoms"]["show"]["return_value"] == 5
        assert dags_test(path).json["xcoms"]["show"]["return_value"] == 1


class TestBranchAndGroups:
    def test_a_branch_skips_a_direct_downstream_that_already_ran(self, write_dag, dags_test) -> None:
        """Given an 'always' task directly below a branch that does not follow it, when the run ends, then that
        task is skipped even though it ran (Airflow overwrites the state), with try number 1."""
        path = write_dag(
            dag_file("""
            with DAG("overwrite", start_date=START, schedule=None):
                start = EmptyOperator(task_id="start")
                br = BranchPythonOperator(task_id="br", python_callable=lambda: "a")
                start >> br >> [EmptyOperator(task_id="a"), EmptyOperator(task_id="alw", trigger_rule="always")]
        """)
        )
        run = dags_test(path)
        assert run.json["tasks"]["alw"]["state"] == "skipped"
        assert run.json["tasks"]["alw"]["try_number"] == 1

    def test_a_group_ending_in_a_teardown_connects_its_work_downstream(self, write_dag, dags_test) -> None:
        """Given a group 'create >> work >> delete' (setup, failing work, teardown) and group >> end, when it
        runs, then end is upstream_failed because it follows the work, not the teardown."""
        path = write_dag(
            dag_file("""
            def fail():
                raise ValueError("work fails")

            with DAG("group_teardown", start_date=START, schedule=None):
                start = EmptyOperator(task_id="start")
                with TaskGroup("g") as g:
                    create = EmptyOperator(task_id="create").as_setup()
                    delete = EmptyOperator(task_id="delete").as_teardown(setups=create)
                    create >> PythonOperator(task_id="work", python_callable=fail) >> delete
                start >> g >> EmptyOperator(task_id="end")
        """)
        )
        assert dags_test(path).tasks() == {
            "end": "upstream_failed",
            "g.create": "success",
            "g.delete": "success",
            "g.work": "failed",
            "start": "success",
        }


class TestXComArgTransformsAndScopes:
    def test_map_zip_and_concat_shape_what_a_task_maps_over(self, write_dag, dags_test) -> None:
        """Given .map, .zip and .concat on upstream outputs, when tasks expand over them, then each instance
        gets the transformed, paired or chained element."""
        path = write_dag(
            dag_file("""
            with DAG("transforms", start_date=START, schedule=None):
                @task
                def numbers():
                    return [1, 2]

                @task
                def letters():
                    return ["a", "b", "c"]

                @task
                def show(x):
                    return x

                n, l = numbers(), letters()
                show.override(task_id="mapped").expand(x=n.map(lambda v: v * 10))
                show.override(task_id="zipped").expand(x=n.zip(l))
                show.override(task_id="chained").expand(x=n.concat(l))
        """)
        )
        xcoms = dags_test(path).json["xcoms"]
        value = {label: v["return_value"] for label, v in xcoms.items()}
        assert [value["mapped[0]"], value["mapped[1]"]] == [10, 20]
        assert [value["zipped[0]"], value["zipped[1]"]] == [[1, "a"], [2, "b"]]
        assert "zipped[2]" not in value
        assert [value[f"chained[{i}]"] for i in range(5)] == [1, 2, "a", "b", "c"]

    def test_a_map_function_runs_in_each_instance_so_a_skip_or_error_stays_there(self, write_dag, dags_test) -> None:
        """Given .map with a function that raises AirflowSkipException for one item and ValueError for
        another, when a task expands over it, then (as in Airflow) that instance alone is skipped or failed
        and the others run: the function runs when its instance does, not when the expansion is made."""
        path = write_dag(
            dag_file("""
            from airflow.exceptions import AirflowSkipException

            def pick(name):
                if name == "skip":
                    raise AirflowSkipException("not this one")
                if name == "bad":
                    raise ValueError("cannot read bad")
                return name.upper()

            with DAG("map_skip", start_date=START, schedule=None):
                @task
                def names():
                    return ["a", "skip", "bad"]

                @task
                def show(x):
                    return x

                show.expand(x=names().map(pick))
        """)
        )
        run = dags_test(path).json
        assert {k: v["state"] for k, v in run["tasks"].items() if k.startswith("show")} == {
            "show[0]": "success",
            "show[1]": "skipped",
            "show[2]": "failed",
        }
        assert run["xcoms"]["show[0]"]["return_value"] == "A"

    def test_expanded_ti_count_is_the_number_of_mapped_instances(self, write_dag, dags_test) -> None:
        """Given a mapped task, a task in a mapped group and a plain task reading expanded_ti_count, then the
        first two see how many instances they have and the plain one None, as in Airflow."""
        path = write_dag(
            dag_file("""
            from airflow.decorators import task_group

            with DAG("counts", start_date=START, schedule=None):
                @task
                def count(x, expanded_ti_count=None):
                    return expanded_ti_count

                @task_group
                def group(x):
                    return count.override(task_id="inner")(x)

                count.expand(x=[1, 2])
                group.expand(x=[1, 2, 3])
                count.override(task_id="plain")(0)
        """)
        )
        xcoms = dags_test(path).json["xcoms"]
        assert {k: v["return_value"] for k, v in xcoms.items() if "return_value" in v} == {
            "count[0]": 2,
            "count[1]": 2,
            "group.inner[0]": 3,
            "group.inner[1]": 3,
            "group.inner[2]": 3,
        }

    def test_tasks_made_inside_a_setup_teardown_scope_run_between_them(self, write_dag, dags_test) -> None:
        """Given `with create() >> delete(): work()`, when it runs, then work sees create's output and delete
        sees work's: the block's tasks run after the setup and before the teardown."""
        path = write_dag(
            dag_file("""
            from airflow.decorators import setup, teardown

            with DAG("scope", start_date=START, schedule=None) as the_dag:
                @setup
                def create():
                    return "resource"

                @teardown
                def delete(ti=None):
                    return ti.xcom_pull(task_ids="work")

                @task
                def work(ti=None):
                    return "used " + ti.xcom_pull(task_ids="create")

                with create() >> delete():
                    work()
        """)
        )
        xcoms = dags_test(path).json["xcoms"]
        assert xcoms["work"]["return_value"] == "used resource"
        assert xcoms["delete"]["return_value"] == "used resource"


class TestMappedTaskGroups:
    def test_each_map_index_runs_the_whole_group_with_its_own_values(self, write_dag, dags_test) -> None:
        """Given a @task_group mapped over an upstream list with a fixed argument, when one index fails, then
        each instance used its own sibling's output, the failure stays at its index, and a reducer over the
        group's output (all_done) gets the values that exist."""
        path = write_dag(
            dag_file("""
            from airflow.decorators import task_group

            with DAG("mapped_group", start_date=START, schedule=None):
                @task
                def numbers():
                    return [1, 2, 3]

                @task
                def add_one(x):
                    return x + 1

                @task
                def check(y, factor):
                    if y == 3:
                        raise ValueError("three")
                    return y * factor

                @task(trigger_rule="all_done")
                def total(values):
                    return sorted(values)

                @task_group
                def grp(x, factor):
                    return check(add_one(x), factor)

                total(grp.partial(factor=10).expand(x=numbers()))
        """)
        )
        run = dags_test(path)
        assert run.tasks() == {
            "grp.add_one[0]": "success",
            "grp.add_one[1]": "success",
            "grp.add_one[2]": "success",
            "grp.check[0]": "success",
            "grp.check[1]": "failed",
            "grp.check[2]": "success",
            "numbers": "success",
            "total": "success",
        }
        assert run.json["xcoms"]["total"]["return_value"] == [20, 40]

    def test_a_group_mapped_over_an_empty_list_skips_every_task_in_it(self, write_dag, dags_test) -> None:
        """Given a mapped task group over [], when it runs, then each of its tasks is one skipped instance."""
        path = write_dag(
            dag_file("""
            from airflow.decorators import task_group

            with DAG("empty_group", start_date=START, schedule=None):
                @task
                def first(x):
                    return x

                @task
                def second(y):
                    return y

                @task_group
                def grp(x):
                    second(first(x))

                grp.expand(x=[])
        """)
        )
        assert dags_test(path).tasks() == {"grp.first": "skipped", "grp.second": "skipped"}
