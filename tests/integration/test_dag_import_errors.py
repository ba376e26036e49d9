"""DAG files that cannot be loaded, through ``headwater dags test`` and ``headwater dags list``: the error
names the file, the line and the cause; the other files in the folder still load.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from headwater.dagbag import DagBag
from headwater.errors import DagImportError

BROKEN = """
    from airflow import DAG

    def build():
        raise RuntimeError("broken on purpose")

    with DAG("broken", schedule=None) as dag:
        build()
"""


GOOD = """
    from headwater import DAG, EmptyOperator

    with DAG("good", schedule="@daily") as dag:
        EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
"""


class TestImportErrors:
    def test_a_file_that_raises_names_the_file_and_line(self, write_dag, dags_test) -> None:
        """Given a DAG file that raises while imported, when `dags test` runs it, then it exits 2 naming the
        file, the line in that file and the exception."""
        path = write_dag(BROKEN)

        run = dags_test(path)

        assert run.exit_code == 2
        assert run.stdout == ""
        assert run.stderr == f"Error: DAG file {path} failed to import:\n{path}:5: RuntimeError: broken on purpose\n"

    def test_a_file_that_raises_is_reported_even_with_dag_id(self, write_dag, dags_test) -> None:
        """Given the same broken file, when `dags test FILE --dag-id broken` runs, then the import error is
        reported (not that the file holds no DAG 'broken')."""
        path = write_dag(BROKEN)

        run = dags_test(path, "--dag-id", "broken")

        assert run.exit_code == 2
        assert run.stderr == f"Error: DAG file {path} failed to import:\n{path}:5: RuntimeError: broken on purpose\n"

    def test_a_syntax_error_names_the_file_and_line(self, write_dag, dags_test) -> None:
        """Given a DAG file with a syntax error on line 3, when `dags test` runs it, then the error names the
        file and line 3."""
        path = write_dag('from headwater import DAG\n\nwith DAG("s", schedule=None) as dag\n    pass\n')

        run = dags_test(path)

        assert run.exit_code == 2
        assert run.stderr == (f"Error: DAG file {path} failed to import:\n{path}:3: SyntaxError: expected ':'\n")

    def test_dags_list_lists_the_good_dags_and_reports_the_bad_file(self, write_dag, cli, dags_folder) -> None:
        """Given a folder with a good DAG file and a broken one, when `dags list` runs on it, then the good DAG
        is listed on stdout, the broken file is reported on stderr, and it exits 1."""
        good = write_dag(GOOD, "good.py")
        bad = write_dag(BROKEN, "bad.py")

        run = cli("dags", "list", dags_folder)

        assert run.exit_code == 1
        assert run.stdout == f"{'good':<40} {'@daily':<15}    2 tasks  lint 0E 0W  {good}\n"
        assert run.stderr == f"Import error in {bad}:\n  {bad}:5: RuntimeError: broken on purpose\n"

    def test_dags_list_as_json_has_dags_and_import_errors(self, write_dag, cli, dags_folder) -> None:
        """Given the same folder, when `dags list -o json` runs, then the document has both lists."""
        good = write_dag(GOOD, "good.py")
        bad = write_dag(BROKEN, "bad.py")

        run = cli("dags", "list", dags_folder, "-o", "json")

        assert run.exit_code == 1
        assert run.json == {
            "dags": [
                {
                    "dag_id": "good",
                    "fileloc": str(good),
                    "schedule": "@daily",
                    "tasks": 2,
                    "lint": {"errors": 0, "warnings": 0},
                }
            ],
            "import_errors": {str(bad): f"{bad}:5: RuntimeError: broken on purpose"},
        }

    def test_a_cycle_is_an_import_error_naming_the_loop(self, write_dag, dags_test) -> None:
        """Given a DAG whose tasks form a cycle, when `dags test` runs it, then it exits 2 and draws the loop."""
        path = write_dag(
            """
            from headwater import DAG, EmptyOperator

            with DAG("loop", schedule=None) as dag:
                a, b, c = (EmptyOperator(task_id=t) for t in "abc")
                a >> b >> c >> a
            """
        )

        run = dags_test(path)

        assert run.exit_code == 2
        assert run.stderr == (
            f"Error: DAG file {path} failed to import:\n"
            f"{path}: DAG 'loop' has a cycle: a >> b >> c >> a. Remove one of these dependencies so the tasks "
            "can be ordered.\n"
        )


SHARED = """
    from headwater import DAG, EmptyOperator

    with DAG("shared", schedule=None) as dag:
        EmptyOperator(task_id="{task}")
"""

SHARED_AND_OWN = """
    from headwater import DAG, EmptyOperator

    with DAG("shared", schedule=None) as dag:
        EmptyOperator(task_id="b")

    with DAG("own", schedule=None) as own:
        EmptyOperator(task_id="c")
"""


def _clash(path: Path, other: Path) -> str:
    return (
        f"{path}: DuplicateDagId: DAG id 'shared' is also defined in {other}; neither file's 'shared' is loaded or "
        "scheduled while more than one file defines it. Rename the dag_id in all but one of them (or delete, or list "
        "in .headwaterignore, the files that should not define it)."
    )


class TestDuplicateDagIds:
    def test_dags_list_reports_the_id_on_both_files_and_lists_neither(self, write_dag, cli, dags_folder) -> None:
        """Given two files defining DAG 'shared' (one also defines 'own'), when `dags list` runs, then neither
        'shared' is listed, each file has an import error naming the id and the other file, and it exits 1;
        the other DAGs of those files still load."""
        first = write_dag(SHARED.format(task="a"), "first.py")
        second = write_dag(SHARED_AND_OWN, "second.py")

        run = cli("dags", "list", dags_folder)

        assert run.exit_code == 1
        assert run.stdout == f"{'own':<40} {'None':<15}    1 tasks  lint 0E 0W  {second}\n"
        assert run.stderr == (
            f"Import error in {first}:\n  {_clash(first, second)}\n"
            f"Import error in {second}:\n  {_clash(second, first)}\n"
        )

    def test_dags_test_on_one_of_the_files_alone_still_runs_it(self, write_dag, dags_test) -> None:
        """Given the same clash, when `dags test` runs one file, then that file alone is loaded and runs."""
        write_dag(SHARED.format(task="a"), "first.py")
        second = write_dag(SHARED.format(task="b"), "second.py")

        run = dags_test(second)

        assert run.exit_code == 0, run.stderr
        assert run.tasks() == {"b": "success"}

    def test_the_clash_is_an_import_error_until_one_file_no_longer_defines_the_id(self, write_dag, dags_folder) -> None:
        """Given the clash, asking the folder for 'shared' fails naming both files; once one is renamed,
        the next parse has the other file's DAG and no import error."""
        first = write_dag(SHARED.format(task="a"), "first.py")
        second = write_dag(SHARED.format(task="b"), "second.py")
        bag = DagBag.load(dags_folder)

        with pytest.raises(DagImportError) as raised:
            bag.get("shared")
        assert bag.duplicates == {"shared": [str(first), str(second)]}
        assert str(raised.value) == f"DAG file {first} failed to import:\n{_clash(first, second)}"

        second.write_text(textwrap.dedent(SHARED.format(task="b")).replace('"shared"', '"renamed"'))
        bag = DagBag.load(dags_folder)

        assert bag.import_errors == {}
        assert sorted(bag.dags) == ["renamed", "shared"]
        assert list(bag.get("shared").task_dict) == ["a"]
