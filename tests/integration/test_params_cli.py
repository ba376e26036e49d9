"""Params through ``headwater dags test``: a default that fails its schema makes the file an import
error; a ``--conf`` value that fails it stops the run with a message naming the param.
"""

from __future__ import annotations

PARAMS = """
    from headwater import DAG, Param, task

    with DAG("params", schedule=None, params={"n": Param(DEFAULT, type="integer", minimum=1)}) as dag:
        @task
        def show(params=None):
            return params["n"]
        show()
"""


class TestParams:
    def test_a_default_that_fails_its_schema_is_an_import_error(self, write_dag, dags_test) -> None:
        """Given Param(0, minimum=1), when `dags test` runs the file, then it exits 2: the file fails to import
        with a message naming the DAG, the param, the value and the schema."""
        path = write_dag(PARAMS.replace("DEFAULT", "0"))

        run = dags_test(path)

        assert run.exit_code == 2
        assert run.stderr == (
            f"Error: DAG file {path} failed to import:\n"
            f"{path}: DAG 'params': param 'n' = 0 is invalid: 0 is less than the minimum of 1. "
            "Schema: {'type': 'integer', 'minimum': 1}.\n"
        )

    def test_a_conf_value_that_fails_the_schema_names_the_param(self, write_dag, dags_test, open_sqlite) -> None:
        """Given a valid default, when --conf gives n=0, then it exits 2 naming the param, and no run is recorded."""
        path = write_dag(PARAMS.replace("DEFAULT", "3"))

        run = dags_test(path, "--conf", '{"n": 0}')

        assert run.exit_code == 2
        assert run.stderr == (
            "Error: DAG 'params': param 'n' = 0 is invalid: 0 is less than the minimum of 1. "
            "Schema: {'type': 'integer', 'minimum': 1}.\n"
        )
        assert open_sqlite().count_runs("params") == 0

    def test_a_conf_value_of_the_wrong_type_names_the_param(self, write_dag, dags_test) -> None:
        """Given an integer param, when --conf gives a string, then it exits 2 naming the param and the type."""
        run = dags_test(write_dag(PARAMS.replace("DEFAULT", "3")), "--conf", '{"n": "five"}')

        assert run.exit_code == 2
        assert run.stderr == (
            "Error: DAG 'params': param 'n' = 'five' is invalid: 'five' is not of type 'integer'. "
            "Schema: {'type': 'integer', 'minimum': 1}.\n"
        )

    def test_a_param_without_default_must_be_given(self, write_dag, dags_test) -> None:
        """Given a Param with no default, when no --conf gives it, then it exits 2 showing how to pass it."""
        path = write_dag(PARAMS.replace("Param(DEFAULT, ", "Param("))

        run = dags_test(path)

        assert run.exit_code == 2
        assert run.stderr == (
            "Error: DAG 'params': param 'n' has no default and no value was given in the run's conf; "
            "pass it with --conf '{\"n\": ...}'.\n"
        )

    def test_a_valid_conf_value_reaches_the_task(self, write_dag, dags_test) -> None:
        """Given a valid default, when --conf gives n=5, then the task sees 5."""
        run = dags_test(write_dag(PARAMS.replace("DEFAULT", "3")), "--conf", '{"n": 5}')

        assert run.exit_code == 0
        assert run.json["xcoms"] == {"show": {"return_value": 5}}
