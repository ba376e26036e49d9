"""The ``airflow`` import paths as a DAG file written for Airflow uses them: submodules reached as
attributes of ``import airflow``, and names headwater does not serve failing as ImportErrors that
say so, where, and what to use instead. Each case runs in a fresh interpreter (the hook is global)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

PRELUDE = "import headwater.compat.airflow as compat\ncompat.install()\nimport runpy\n"


def run_file(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    """Run ``source`` as the file ``my_dag.py`` with the Airflow paths served; stdout and stderr kept."""
    path = tmp_path / "my_dag.py"
    path.write_text(textwrap.dedent(source))
    code = PRELUDE + f"runpy.run_path({str(path)!r})\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


class TestAttributeAccess:
    def test_import_airflow_reaches_served_submodules_as_attributes(self, tmp_path: Path) -> None:
        """The book's style: `import airflow` once, then `airflow.utils.dates.days_ago(...)` and friends."""
        proc = run_file(
            tmp_path,
            """
            import airflow
            import headwater
            print(airflow.utils.dates.days_ago(3).utcoffset())
            print(airflow.models.DAG is headwater.DAG)
            print(airflow.utils.timezone.datetime(2024, 1, 1).isoformat())
            print(airflow.utils.weekday.WeekDay.FRIDAY.value)
            print(airflow.sdk.timezone.utc.name, airflow.sdk.exceptions.AirflowSkipException.__name__)
            print(airflow.operators.python.PythonOperator.__name__)
            """,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == [
            "0:00:00",
            "True",
            "2024-01-01T00:00:00+00:00",
            "5",
            "UTC SkipTask",
            "PythonOperator",
        ]

    def test_imported_submodule_is_the_same_object_as_the_attribute(self, tmp_path: Path) -> None:
        """`from airflow.utils import dates` and `airflow.utils.dates` are one module."""
        proc = run_file(
            tmp_path,
            """
            import airflow
            from airflow.utils import dates
            import airflow.utils.dates as d2
            print(dates is airflow.utils.dates is d2)
            """,
        )
        assert proc.stdout.strip() == "True", proc.stderr


class TestNotServed:
    def test_a_missing_module_is_a_module_not_found_error_naming_the_line(self, tmp_path: Path) -> None:
        """An unserved module fails naming the whole dotted path, the file:line and the alternative."""
        proc = run_file(
            tmp_path,
            """
            import airflow

            from airflow.sensors.filesystem import FileSensor
            """,
        )
        assert proc.returncode == 1
        last = proc.stderr.strip().splitlines()[-1]
        assert last == (
            "headwater.errors.NotServedModule: headwater does not provide airflow.sensors.filesystem (yet); "
            f"imported at {tmp_path / 'my_dag.py'}:4. Instead: Sensors come with a later headwater release; "
            "poll from a @task that retries (retries=..., retry_delay=...) meanwhile."
        )

    def test_try_except_import_error_fallbacks_keep_working(self, tmp_path: Path) -> None:
        """The common provider fallback idioms take their except branch, for a module and for a name."""
        proc = run_file(
            tmp_path,
            """
            try:
                from airflow.providers.amazon.aws.hooks.s3 import S3Hook
            except ImportError as err:
                print("module fallback", isinstance(err, ModuleNotFoundError), err.name)
            try:
                from airflow.models import Variable
            except ImportError as err:
                print("name fallback", type(err).__name__)
                print(err)
            """,
        )
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert lines[0] == "module fallback True airflow.providers.amazon.aws.hooks.s3"
        assert lines[1] == "name fallback NotServedName"
        assert lines[2].startswith(
            f"headwater does not provide airflow.models.Variable (yet); imported at {tmp_path / 'my_dag.py'}:7. "
            "Instead: Variables come with a later headwater release"
        )

    def test_an_unknown_name_without_advice_points_to_the_readme_table(self, tmp_path: Path) -> None:
        """Names with no listed alternative still say what headwater does provide and where to look."""
        proc = run_file(tmp_path, "from airflow.utils.dates import no_such_helper\n")
        assert proc.stderr.strip().splitlines()[-1] == (
            "headwater.errors.NotServedName: headwater does not provide airflow.utils.dates.no_such_helper (yet); "
            f"imported at {tmp_path / 'my_dag.py'}:1. Instead: see the README's table of served Airflow "
            "modules for what headwater provides."
        )

    def test_dunder_lookups_stay_attribute_errors(self, tmp_path: Path) -> None:
        """Tools probing modules (`hasattr(m, "__file__")`) get the usual AttributeError, not an import failure."""
        proc = run_file(tmp_path, "import airflow\nprint(hasattr(airflow, '__wrapped__'))\n")
        assert proc.stdout.strip() == "False", proc.stderr

    def test_find_spec_probing_answers_none_as_for_any_missing_module(self, tmp_path: Path) -> None:
        """`importlib.util.find_spec("airflow.x")`, the is-this-provider-installed probe, gets None, not an error."""
        proc = run_file(
            tmp_path,
            """
            from importlib.util import find_spec
            print(find_spec("airflow.sensors"), find_spec("airflow.utils.dates") is not None)
            """,
        )
        assert proc.stdout.strip() == "None True", proc.stderr

    def test_feature_checks_with_getattr_and_hasattr_answer_no(self, tmp_path: Path) -> None:
        """`getattr(module, "X", None)` / `hasattr` probes get the default / False; a multi-line
        `from ... import (...)` of a missing name is an ImportError naming the statement's line."""
        proc = run_file(
            tmp_path,
            """
            import airflow.models
            import airflow.operators.python as python
            print(getattr(python, "task", None), hasattr(airflow.models, "Variable"))
            try:
                from airflow.models import (
                    DAG,
                    Variable,
                )
            except ImportError as err:
                print(type(err).__name__)
                print(err)
            """,
        )
        lines = proc.stdout.splitlines()
        assert lines[:2] == ["None False", "NotServedName"], proc.stderr
        assert f"(yet); imported at {tmp_path / 'my_dag.py'}:6. Instead: Variables" in lines[2]


class TestApplyDefaults:
    def test_a_constructor_decorated_with_apply_defaults_still_gets_default_args(self, tmp_path: Path) -> None:
        """Airflow 1.10-style operator code: `@apply_defaults` on `__init__(self, *args, **kwargs)` imports,
        warns that the decorator is deprecated, and the DAG's default_args still reach the operator."""
        proc = run_file(
            tmp_path,
            """
            import warnings
            from datetime import datetime
            from airflow import DAG
            from airflow.models import BaseOperator
            from airflow.utils.decorators import apply_defaults

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")

                class CopyOperator(BaseOperator):
                    @apply_defaults
                    def __init__(self, source, *args, **kwargs):
                        super().__init__(*args, **kwargs)
                        self.source = source

            print(caught[0].category.__name__, "apply_defaults is deprecated" in str(caught[0].message))
            with DAG("d", start_date=datetime(2024, 1, 1), default_args={"retries": 4, "owner": "etl"}):
                op = CopyOperator("s3://in", task_id="copy")
            print(op.source, op.retries, op.owner)
            """,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == ["DeprecationWarning True", "s3://in 4 etl"]
