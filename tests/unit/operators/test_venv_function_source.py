"""The script a virtualenv task runs: the function's own source, without its TaskFlow decorators
(headwater.operators.python_subprocess.function_source), and the operators' argument checks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from headwater.operators.python_subprocess import function_source
from headwater.operators.python_virtualenv import PythonVirtualenvOperator, is_venv_installed


def _load(tmp_path: Path, source: str, name: str) -> object:
    """Define the functions from a real file, so ``inspect.getsource`` reads them as it does in a DAG file."""
    path = tmp_path / "dag_file.py"
    path.write_text(textwrap.dedent(source))
    namespace: dict[str, object] = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace[name]


class TestFunctionSource:
    def test_a_multi_line_task_decorator_and_setup_are_removed_and_the_body_dedented(self, tmp_path: Path) -> None:
        """A nested function under `@setup` and a `@task.virtualenv(...)` whose arguments hold parentheses
        in strings comes out as a top-level `def` with its body, nothing else."""
        function = _load(
            tmp_path,
            """
            def task_like(*a, **k):
                return lambda f: f
            class task:
                virtualenv = staticmethod(task_like)
            def setup(f):
                return f

            if True:
                @setup
                @task.virtualenv(
                    requirements=["pkg (>=1)"],  # a comment with ( too
                )
                def extract(x):
                    return (x, ")")
            """,
            "extract",
        )

        assert function_source(function) == 'def extract(x):\n    return (x, ")")\n'  # type: ignore[arg-type]

    def test_other_decorators_are_kept(self, tmp_path: Path) -> None:
        """A decorator that is not a task decorator stays: the function needs it in the venv too."""
        function = _load(
            tmp_path,
            """
            import functools

            @functools.lru_cache
            def cached():
                return 1
            """,
            "cached",
        )

        assert function_source(function) == "@functools.lru_cache\ndef cached():\n    return 1\n"  # type: ignore[arg-type]


class TestArgumentChecks:
    def test_a_lambda_is_refused(self) -> None:
        """Airflow's rule: only functions defined with def (a lambda has no source of its own to run)."""
        with pytest.raises(ValueError, match=r"^PythonVirtualenvOperator only supports functions defined with def"):
            PythonVirtualenvOperator(task_id="t", python_callable=lambda: 1)

    def test_use_dill_is_the_deprecated_spelling_of_serializer_dill(self) -> None:
        def f() -> None:
            return None

        with pytest.warns(DeprecationWarning, match="serializer='dill'"):
            op = PythonVirtualenvOperator(task_id="t", python_callable=f, use_dill=True)
        assert op.serializer == "dill"
        with pytest.raises(ValueError, match="unsupported serializer 'json'"):
            PythonVirtualenvOperator(task_id="u", python_callable=f, serializer="json")

    def test_an_isolated_venv_gets_the_serializers_package(self) -> None:
        """Without the system site packages, dill or cloudpickle is added to the requirements (once)."""

        def f() -> None:
            return None

        isolated = PythonVirtualenvOperator(
            task_id="t", python_callable=f, serializer="cloudpickle", system_site_packages=False, requirements="b\na"
        )
        pinned = PythonVirtualenvOperator(
            task_id="u", python_callable=f, serializer="dill", system_site_packages=False, requirements=["dill==0.3.8"]
        )
        shared = PythonVirtualenvOperator(task_id="v", python_callable=f, serializer="dill", requirements=["a"])

        assert isolated.requirements_list() == ["a", "b", "cloudpickle"]
        assert pinned.requirements_list() == ["dill==0.3.8"]
        assert shared.requirements_list() == ["a"]

    def test_arguments_cannot_cross_to_another_major_python(self) -> None:
        """python_version='2.7' with op_args is refused when the DAG is parsed; string_args is the way."""

        def f(x: int) -> int:
            return x

        with pytest.raises(ValueError, match=r"op_args and op_kwargs cannot cross to Python 2\.7 from Python 3"):
            PythonVirtualenvOperator(task_id="t", python_callable=f, python_version="2.7", op_args=[1])

    def test_venvs_can_be_built_here(self) -> None:
        """is_venv_installed() is true where the standard library's venv (or uv) is available, as here."""
        assert is_venv_installed() is True
