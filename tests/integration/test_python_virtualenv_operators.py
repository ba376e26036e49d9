"""The virtualenv and external-Python operators, through ``headwater dags test``, with real second
interpreters: a venv built from a wheel made here (no network), shared by the tests through one cache."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from headwater.operators.venvs import VenvSpec, ensure_venv, uv_binary, venv_python

PYTHON27 = Path("/root/.pyenv/versions/2.7.18/bin/python")
PYTHON312_BIN = Path("/root/.pyenv/versions/3.12.1/bin")


def _write_wheel(folder: Path, name: str, version: str, module_source: str) -> Path:
    """A minimal pure-Python wheel (what a build backend would make), written without one."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": module_source,
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: headwater-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist}/RECORD,,")
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
        archive.writestr(f"{dist}/RECORD", "\n".join(record) + "\n")
    return wheel


class Shared:
    """What every test reuses: a local package index (a folder of wheels) and one venv cache."""

    def __init__(self, root: Path) -> None:
        self.wheels = root / "wheels"
        self.wheels.mkdir()
        _write_wheel(self.wheels, "hwprobe", "1.0", "ANSWER = 42\n\ndef double(x):\n    return 2 * x\n")
        self.cache = root / "venvs"
        self.options = ["--no-index", "--find-links", str(self.wheels)]

    def venv_args(self, **more: object) -> str:
        """Keyword arguments (as source text) for the shared isolated venv with ``hwprobe`` in it."""
        args = {
            "requirements": ["hwprobe==1.0"],
            "system_site_packages": False,
            "pip_install_options": self.options,
            "venv_cache_path": str(self.cache),
            **more,
        }
        return ", ".join(f"{k}={v!r}" for k, v in args.items())

    def isolated_python(self) -> Path:
        """The interpreter of the shared venv (built on first use)."""
        spec = VenvSpec(("hwprobe==1.0",), None, False, tuple(self.options), None)
        return venv_python(ensure_venv(spec, self.cache))


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Shared:
    return Shared(tmp_path_factory.mktemp("venv-operators"))


Run = Callable[..., object]

NOT_FOUND = {
    "pip": "No matching distribution found for dill",
    "uv": "Because dill was not found in the provided package locations",
}
"""How each installer says a requirement is missing from the index."""


@pytest.fixture(params=["pip", "uv"])
def installer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, headwater_home: Path) -> str:
    """Builds go through ``venv`` + pip, or through uv (``[standard] venv_install_method``, set after the
    home fixture has cleared the environment's HEADWATER__ settings)."""
    if request.param == "uv" and uv_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("uv is neither on PATH nor beside this Python (it is in the test extra)", pytrace=False)
        pytest.skip("uv is neither on PATH nor beside this Python (it is in the test extra)")
    monkeypatch.setenv("HEADWATER__STANDARD__VENV_INSTALL_METHOD", request.param)
    return str(request.param)


class TestPythonVirtualenvOperator:
    def test_the_callable_sees_its_requirements_not_the_hosts_and_its_result_is_pushed(
        self, shared: Shared, installer: str, tmp_path: Path, write_dag, dags_test
    ) -> None:
        """Given an isolated venv with a package the host lacks (built by pip, then by uv), when the callable
        runs, then it imports that package, cannot import pendulum (installed next to headwater), reads op_args,
        op_kwargs, string_args, templates_dict and ds, and its return value becomes the task's XCom."""
        assert (
            subprocess.run([sys.executable, "-c", "import hwprobe"], capture_output=True, check=False).returncode == 1
        )
        path = write_dag(
            f"""
            import pendulum
            from airflow import DAG
            from airflow.operators.python import PythonVirtualenvOperator

            def probe(n, label, ds=None, templates_dict=None):
                import sys
                import hwprobe
                try:
                    import pendulum
                    host = "visible"
                except ImportError:
                    host = "hidden"
                return {{
                    "answer": hwprobe.double(n) + hwprobe.ANSWER, "label": label, "ds": ds,
                    "host": host, "strings": virtualenv_string_args, "rendered": templates_dict["when"],
                    "venv": sys.prefix != sys.base_prefix,
                }}

            with DAG("venv_probe", start_date=pendulum.datetime(2024, 1, 1), schedule="@daily"):
                PythonVirtualenvOperator(
                    task_id="probe", python_callable=probe, op_args=[4], op_kwargs={{"label": "x"}},
                    string_args=["a", "b"], templates_dict={{"when": "{{{{ ds_nodash }}}}"}},
                    {shared.venv_args(venv_cache_path=str(tmp_path / installer))},
                )
            """
        )

        run = dags_test(path)

        assert run.exit_code == 0, run.stderr
        creator = f"{uv_binary()} venv" if installer == "uv" else sys.executable
        assert f"creating the virtual environment: {creator}" in run.stderr
        assert run.json["xcoms"]["probe"]["return_value"] == {
            "answer": 50,
            "label": "x",
            "ds": "2024-01-02",
            "host": "hidden",
            "strings": ["a", "b"],
            "rendered": "20240102",
            "venv": True,
        }

    def test_a_second_run_reuses_the_cached_venv(self, shared: Shared, write_dag, dags_test) -> None:
        """Given the shared venv already built, when a task with the same requirements runs, then the log says
        it is reused, no other venv appears, and a file left inside it survives (a rebuild would remove it)."""
        venv = shared.isolated_python().parent.parent
        (venv / "sentinel").write_text("still here")
        path = write_dag(
            f"""
            from airflow import DAG
            from airflow.decorators import task

            with DAG("venv_again", schedule=None):
                @task.virtualenv({shared.venv_args()})
                def answer():
                    import hwprobe
                    return hwprobe.ANSWER
                answer()
            """
        )

        run = dags_test(path)

        assert run.exit_code == 0, run.stderr
        assert run.json["xcoms"]["answer"]["return_value"] == 42
        assert f"Re-using the cached virtual environment {venv}" in run.stderr
        assert (venv / "sentinel").read_text() == "still here"
        assert sorted(p.name for p in shared.cache.iterdir() if p.is_dir()) == [venv.name]

    def test_a_requirements_file_is_rendered_as_a_template(
        self, shared: Shared, dags_folder: Path, write_dag, dags_test
    ) -> None:
        """Given requirements='requirements.txt' (a file next to the DAG whose version comes from a param), the
        file is rendered and its requirement installed."""
        (dags_folder / "requirements.txt").write_text("# pinned by the DAG's params\nhwprobe=={{ params.version }}\n")
        path = write_dag(
            f"""
            from airflow import DAG
            from airflow.decorators import task

            with DAG("venv_requirements_file", schedule=None, params={{"version": "1.0"}}):
                @task.virtualenv({shared.venv_args(requirements="requirements.txt")})
                def answer():
                    import hwprobe
                    return hwprobe.ANSWER
                answer()
            """
        )

        run = dags_test(path)

        assert run.exit_code == 0, run.stderr
        assert run.json["xcoms"]["answer"]["return_value"] == 42

    def test_system_site_packages_sees_the_hosts_packages_and_dill_and_cloudpickle_cross(
        self, tmp_path: Path, write_dag, dags_test
    ) -> None:
        """Given venvs with the system site packages, when callables run with the dill and cloudpickle
        serializers, then pendulum (a host package) imports, and a lambda argument (which pickle cannot
        write) crosses with both serializers."""
        path = write_dag(
            f"""
            from airflow import DAG
            from airflow.decorators import task

            with DAG("venv_serializers", schedule=None):
                for name in ("dill", "cloudpickle"):
                    @task.virtualenv(task_id=name, serializer=name, venv_cache_path={str(tmp_path / "c")!r})
                    def apply(f, x):
                        import pendulum
                        return [f(x), pendulum.__name__]
                    apply(lambda v: v * 10, 4)
            """
        )

        run = dags_test(path)

        assert run.exit_code == 0, run.stderr
        assert run.json["xcoms"] == {
            "dill": {"return_value": [40, "pendulum"]},
            "cloudpickle": {"return_value": [40, "pendulum"]},
        }

    def test_pickle_refuses_a_lambda_argument_naming_it(self, shared: Shared, write_dag, dags_test) -> None:
        """Given the default serializer, when an op_kwarg is a lambda, then the task fails naming the argument."""
        path = write_dag(
            f"""
            from airflow import DAG
            from airflow.operators.python import PythonVirtualenvOperator

            def apply(f):
                return f(1)

            with DAG("venv_pickle", schedule=None):
                PythonVirtualenvOperator(
                    task_id="apply", python_callable=apply, op_kwargs={{"f": lambda v: v}}, {shared.venv_args()}
                )
            """
        )

        run = dags_test(path)

        assert run.json["tasks"]["apply"]["state"] == "failed"
        assert run.json["tasks"]["apply"]["reason"].startswith(
            "failed: CannotCrossInterpreters: DAG 'venv_pickle', task 'apply': the argument 'f' cannot be written "
            "with serializer 'pickle'"
        )

    def test_context_entries_cross_as_airflow_sends_them(self, shared: Shared, write_dag, dags_test) -> None:
        """An isolated venv's **kwargs receives only the plain entries (Airflow's list, templates_dict
        included); with the system site packages, **kwargs fails as in Airflow (there on the `macros` module,
        here on the DAG object first), saying to ask by name; asking by name for dates works there."""
        path = write_dag(
            f"""
            import pendulum
            from airflow import DAG
            from airflow.decorators import task

            with DAG("venv_context", start_date=pendulum.datetime(2024, 1, 1), schedule="@daily", params={{"p": 5}}):
                @task.virtualenv({shared.venv_args()})
                def isolated(**kwargs):
                    return sorted(kwargs)

                @task.virtualenv(venv_cache_path={str(shared.cache)!r})
                def everything(**kwargs):
                    return 1

                @task.virtualenv(venv_cache_path={str(shared.cache)!r})
                def by_name(logical_date, params):
                    return [logical_date.isoformat(), params["p"]]

                isolated()
                everything()
                by_name()
            """
        )

        run = dags_test(path)

        assert run.json["xcoms"]["isolated"]["return_value"] == [
            "ds", "ds_nodash", "expanded_ti_count", "inlets", "map_index_template", "next_ds", "next_ds_nodash",
            "outlets", "prev_ds", "prev_ds_nodash", "run_id", "task_instance_key_str", "templates_dict",
            "test_mode", "tomorrow_ds", "tomorrow_ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz",
            "yesterday_ds", "yesterday_ds_nodash",
        ]  # fmt: skip
        reason = run.json["tasks"]["everything"]["reason"]
        assert reason.startswith(
            "failed: CannotCrossInterpreters: DAG 'venv_context', task 'everything': the argument 'dag' cannot be "
            "written with serializer 'pickle'"
        )
        assert reason.endswith(
            "The DAG's own objects (dag, task, macros, ...) do not cross to another interpreter: ask by name for "
            "the entries you need (ds, run_id, params, ...) rather than **kwargs, or read the value in a @task "
            "upstream and pass it on."
        )
        assert run.json["xcoms"]["by_name"]["return_value"] == ["2024-01-02T00:00:00+00:00", 5]

    def test_a_failed_install_fails_with_the_installers_output_and_leaves_no_venv(
        self, shared: Shared, installer: str, tmp_path: Path, write_dag, dags_test
    ) -> None:
        """Given an isolated venv with serializer='dill' and an index that lacks dill, when the task runs, then
        dill was added to the requirements (the installer says it cannot find it), the task fails saying the install
        failed, and the cache holds no half-built venv."""
        cache = tmp_path / "cache"
        path = write_dag(
            f"""
            from airflow import DAG
            from airflow.decorators import task

            with DAG("venv_no_dill", schedule=None):
                @task.virtualenv({shared.venv_args(serializer="dill", venv_cache_path=str(cache))})
                def nothing():
                    return 1
                nothing()
            """
        )

        run = dags_test(path)

        assert run.json["tasks"]["nothing"]["state"] == "failed"
        assert run.json["tasks"]["nothing"]["reason"].startswith(
            "failed: VenvBuildFailed: installing the requirements failed with exit code 1; the output is in the "
            "task log above. Check the requirement names and versions, index_urls and pip_install_options."
        )
        assert NOT_FOUND[installer] in run.stderr
        assert [p.name for p in cache.iterdir() if p.is_dir()] == []

    def test_exit_codes_skip_or_fail_and_a_failure_shows_its_traceback(
        self, shared: Shared, write_dag, dags_test
    ) -> None:
        """Given skip_on_exit_code=3, when the callable exits 3 the task is skipped; exiting 4 fails it; a
        raising callable fails with its error in the reason and its traceback in the log."""
        path = write_dag(
            f"""
            from airflow import DAG
            from airflow.decorators import task

            with DAG("venv_exits", schedule=None):
                @task.virtualenv(skip_on_exit_code=3, {shared.venv_args()})
                def leave(code):
                    import sys
                    sys.exit(code)

                @task.virtualenv({shared.venv_args()})
                def boom():
                    raise ValueError("the input file is empty")

                leave.override(task_id="skips")(3)
                leave.override(task_id="fails")(4)
                boom()
            """
        )

        run = dags_test(path)

        assert run.tasks() == {"skips": "skipped", "fails": "failed", "boom": "failed"}
        reason = run.json["tasks"]["boom"]["reason"]
        assert reason.startswith("failed: VirtualenvCallableFailed: DAG 'venv_exits', task 'boom': boom() failed in ")
        assert reason.endswith("(exit code 1): ValueError: the input file is empty. The traceback is in the task log.")
        assert 'raise ValueError("the input file is empty")' in run.stderr
        assert "(exit code 4). The traceback is in the task log." in run.json["tasks"]["fails"]["reason"]

    def test_python_version_builds_the_venv_from_that_python(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_dag, dags_test
    ) -> None:
        """Given python_version='3.12' with python3.12 on PATH, the callable runs under 3.12 and its arguments
        cross from this interpreter."""
        if not (PYTHON312_BIN / "python3.12").is_file():
            pytest.skip(f"no Python 3.12 in {PYTHON312_BIN}")
        monkeypatch.setenv("PATH", f"{PYTHON312_BIN}:{os.environ['PATH']}")
        path = write_dag(
            f"""
            from airflow import DAG
            from airflow.decorators import task

            with DAG("venv_312", schedule=None):
                @task.virtualenv(python_version="3.12", system_site_packages=False, venv_cache_path={str(tmp_path)!r})
                def version(offset):
                    import sys
                    return [sys.version_info[0], sys.version_info[1] + offset]
                version(100)
            """
        )

        run = dags_test(path)

        assert run.exit_code == 0, run.stderr
        assert run.json["xcoms"]["version"]["return_value"] == [3, 112]

    def test_branch_virtualenv_follows_the_returned_id(self, shared: Shared, write_dag, dags_test) -> None:
        """Given @task.branch_virtualenv returning 'big', then 'big' runs and 'small' is skipped."""
        path = write_dag(
            f"""
            from airflow import DAG
            from airflow.decorators import task
            from airflow.operators.empty import EmptyOperator

            with DAG("venv_branch", schedule=None):
                @task.branch_virtualenv({shared.venv_args()})
                def choose():
                    import hwprobe
                    return "big" if hwprobe.ANSWER > 10 else "small"
                choose() >> [EmptyOperator(task_id="big"), EmptyOperator(task_id="small")]
            """
        )

        run = dags_test(path)

        assert run.tasks() == {"choose": "success", "big": "success", "small": "skipped"}
        assert run.json["xcoms"]["choose"]["return_value"] == "big"


class TestExternalPythonOperator:
    def test_runs_the_given_interpreter_and_branches(self, shared: Shared, write_dag, dags_test) -> None:
        """Given a venv's interpreter, when ExternalPythonOperator and @task.branch_external_python run with it,
        then the callable runs there (it imports the venv's package) and the branch is followed."""
        python = shared.isolated_python()
        path = write_dag(
            f"""
            from airflow import DAG
            from airflow.decorators import task
            from airflow.operators.empty import EmptyOperator
            from airflow.operators.python import ExternalPythonOperator

            def where(x):
                import sys
                import hwprobe
                return [sys.executable, hwprobe.double(x)]

            with DAG("external", schedule=None):
                ext = ExternalPythonOperator(
                    task_id="where", python={str(python)!r}, python_callable=where, op_args=[5]
                )

                @task.branch_external_python(python={str(python)!r})
                def pick():
                    return ["left"]
                ext >> pick() >> [EmptyOperator(task_id="left"), EmptyOperator(task_id="right")]
            """
        )

        run = dags_test(path)

        assert run.tasks() == {"where": "success", "pick": "success", "left": "success", "right": "skipped"}
        assert run.json["xcoms"]["where"]["return_value"] == [str(python), 10]

    def test_a_missing_or_incompatible_interpreter_fails_clearly(self, write_dag, dags_test) -> None:
        """Given python= paths that do not exist, or a Python 2 interpreter with op_args, the task fails saying
        what is wrong and what to do."""
        if not PYTHON27.is_file():
            pytest.skip(f"no Python 2 interpreter at {PYTHON27}")
        path = write_dag(
            f"""
            from airflow import DAG
            from airflow.operators.python import ExternalPythonOperator

            def f(x):
                return x

            with DAG("external_bad", schedule=None):
                ExternalPythonOperator(task_id="missing", python="/nowhere/bin/python", python_callable=f, op_args=[1])
                ExternalPythonOperator(task_id="old", python={str(PYTHON27)!r}, python_callable=f, op_args=[1])
            """
        )

        run = dags_test(path)

        assert run.json["tasks"]["missing"]["reason"] == (
            "failed: TaskError: DAG 'external_bad', task 'missing': python='/nowhere/bin/python' does not exist; "
            "create that environment or point python= at one that does."
        )
        assert run.json["tasks"]["old"]["reason"].startswith(
            f"failed: TaskError: DAG 'external_bad', task 'old': python={str(PYTHON27)!r} is Python 2.7.18 and "
            "headwater runs Python 3."
        )


class TestVenvCache:
    def test_two_builders_of_one_venv_build_it_once(self, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
        """Given two workers asking for the same new venv at once, then one builds it, the other waits and
        reuses it, and both get the same interpreter."""
        spec = VenvSpec((), None, False, (), None)
        found: list[Path] = []
        workers = [threading.Thread(target=lambda: found.append(ensure_venv(spec, tmp_path))) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

        err = capfd.readouterr().err
        assert len(found) == 2
        assert found[0] == found[1]
        assert err.count("Created the virtual environment") == 1
        assert err.count("Re-using the cached virtual environment") == 1
        assert (
            subprocess.run(
                [venv_python(found[0]), "-c", "import pendulum"], capture_output=True, check=False
            ).returncode
            == 1
        )


def test_on_the_scheduler_the_tries_log_holds_the_venv_build_and_the_callables_traceback(site) -> None:
    """Given the scheduler's worker processes (a real deployment's path, where the log is a file per try), when
    a virtualenv callable raises, then the try's log shows the venv being made and the callable's traceback,
    and the run fails. (About 3 s: a scheduler and its workers start.)"""
    site.write_dag(
        """
        import pendulum
        from airflow import DAG
        from airflow.decorators import task

        with DAG("venv_scheduled", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
            @task.virtualenv(system_site_packages=False)
            def load(rows=3):
                raise RuntimeError(f"only {rows} rows arrived")
            load()
        """,
        "venv_scheduled.py",
    )
    site.start_scheduler()
    site.wait_for_dags("venv_scheduled")
    run_id = site.trigger("venv_scheduled")

    assert site.wait_for_run("venv_scheduled", run_id, timeout=60).state.value == "failed", site.scheduler_log()

    log = site.cli("tasks", "logs", "venv_scheduled", run_id, "load").stdout
    assert f"Created the virtual environment {site.home / 'venvs'}/venv-" in log
    assert 'raise RuntimeError(f"only {rows} rows arrived")' in log
    assert "RuntimeError: only 3 rows arrived" in log


def test_a_venv_left_without_its_marker_is_rebuilt(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """Given a venv folder a killed worker left half-built (no completion marker), when the venv is asked for,
    then it is removed and built again rather than used."""
    spec = VenvSpec((), None, False, (), None)
    half = tmp_path / f"venv-{spec.digest()}"
    (half / "bin").mkdir(parents=True)
    (half / "leftover").write_text("from the killed build")

    python = venv_python(ensure_venv(spec, tmp_path))

    assert f"Removing the incomplete or outdated virtual environment {half}" in capfd.readouterr().err
    assert not (half / "leftover").exists()
    assert subprocess.run([python, "-c", "print(1)"], capture_output=True, text=True, check=True).stdout == "1\n"
