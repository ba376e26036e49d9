"""Calling a Python function in another interpreter, as Airflow's virtualenv operators do.

The function's source (decorators removed, dedented) becomes a script; its arguments and its return
value cross in files written with the chosen serializer (``pickle``, ``dill`` or ``cloudpickle``), so
both sides run the user's own code and nothing else. Only the context entries another interpreter can
read cross: plain strings always, dates when pendulum is there, DAG objects when headwater is.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import subprocess
import sys
import tempfile
import textwrap
import types
import warnings
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from headwater.errors import RemovedInAirflow3Warning, SkipTask, TaskError
from headwater.operators.python import PythonOperator, call_kwargs

SERIALIZERS = ("pickle", "dill", "cloudpickle")

BASE_CONTEXT_KEYS = frozenset(
    {
        "ds", "ds_nodash", "expanded_ti_count", "inlets", "map_index_template", "next_ds", "next_ds_nodash",
        "outlets", "prev_ds", "prev_ds_nodash", "run_id", "task_instance_key_str", "test_mode", "tomorrow_ds",
        "tomorrow_ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz", "yesterday_ds", "yesterday_ds_nodash",
    }
)  # fmt: skip
"""Context entries every interpreter can read (strings, numbers, None)."""
PENDULUM_CONTEXT_KEYS = frozenset(
    {
        "data_interval_end", "data_interval_start", "execution_date", "logical_date", "next_execution_date",
        "prev_data_interval_end_success", "prev_data_interval_start_success", "prev_execution_date",
        "prev_execution_date_success", "prev_start_date_success", "prev_end_date_success",
    }
)  # fmt: skip
"""Context entries that are pendulum datetimes: sent only where pendulum can be imported."""
ORCHESTRATOR_CONTEXT_KEYS = frozenset(
    {"macros", "conf", "dag", "dag_run", "task", "params", "triggering_dataset_events"}
)
"""Context entries that are the orchestrator's own objects: sent only where it can be imported."""

_TASK_DECORATORS = ("task", "setup", "teardown")


class VirtualenvCallableFailed(TaskError):
    """Raised when the callable, run in another interpreter, raised or exited with a non-zero code."""


class CannotCrossInterpreters(TaskError, TypeError):
    """Raised when an argument of the callable cannot be written with the chosen serializer."""


def serializer_module(name: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        raise TaskError(
            f"serializer={name!r} needs the {name!r} package in this interpreter; pip install {name}."
        ) from None


def function_source(function: Callable[..., Any]) -> str:
    """The function's source, dedented, without its TaskFlow decorators (``@task.virtualenv(...)``,
    ``@setup``, ``@teardown``): the script defines the plain function."""
    source = textwrap.dedent(inspect.getsource(function))
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    lines = source.splitlines(keepends=True)
    drop: set[int] = set()
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(target).split(".")[0] in _TASK_DECORATORS or ast.unparse(target).startswith("airflow."):
            drop.update(range(decorator.lineno - 1, (decorator.end_lineno or decorator.lineno)))
    return "".join(line for i, line in enumerate(lines) if i not in drop)


_SCRIPT = """\
from __future__ import annotations

import sys
import {serializer} as _headwater_serializer

{source}
{module_alias}
with open(sys.argv[3], "r") as _headwater_file:
    virtualenv_string_args = [line.strip() for line in _headwater_file]

with open(sys.argv[1], "rb") as _headwater_file:
    _headwater_call = _headwater_serializer.load(_headwater_file)
try:
    _headwater_result = {name}(*_headwater_call["args"], **_headwater_call["kwargs"])
except Exception as _headwater_error:
    with open(sys.argv[4], "w") as _headwater_file:
        _headwater_file.write("%s: %s" % (type(_headwater_error).__name__, _headwater_error))
    raise
with open(sys.argv[2], "wb") as _headwater_file:
    if _headwater_result is not None:
        _headwater_serializer.dump(_headwater_result, _headwater_file)
"""

_MODULE_ALIAS = """
import types as _headwater_types
_headwater_module = _headwater_types.ModuleType({module!r})
_headwater_module.{name} = {name}
sys.modules[{module!r}] = _headwater_module
"""


class BaseVirtualenvOperator(PythonOperator):
    """Runs ``python_callable`` in the interpreter :meth:`interpreter` gives, through a script."""

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        serializer: str | None = None,
        op_args: Collection[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        string_args: Iterable[str] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: list[str] | None = None,
        expect_airflow: bool = True,
        skip_on_exit_code: int | Container[int] | None = None,
        env_vars: dict[str, str] | None = None,
        inherit_env: bool = True,
        use_dill: bool = False,
        **kwargs: Any,
    ) -> None:
        name = type(self).__name__
        if not isinstance(python_callable, types.FunctionType) or python_callable.__name__ == "<lambda>":
            raise ValueError(f"{name} only supports functions defined with def for python_callable.")
        if inspect.isgeneratorfunction(python_callable):
            raise ValueError(f"{name} does not support using 'yield' in python_callable.")
        super().__init__(
            python_callable=python_callable,
            op_args=op_args,
            op_kwargs=op_kwargs,
            templates_dict=templates_dict,
            templates_exts=templates_exts,
            **kwargs,
        )
        if use_dill:
            warnings.warn(
                "`use_dill` is deprecated; pass serializer='dill' instead.", RemovedInAirflow3Warning, stacklevel=3
            )
            if serializer:
                raise ValueError(f"Task {self.task_id!r}: set either use_dill or serializer, not both.")
            serializer = "dill"
        serializer = serializer or "pickle"
        if serializer not in SERIALIZERS:
            raise ValueError(
                f"Task {self.task_id!r}: unsupported serializer {serializer!r}; use one of "
                f"{', '.join(map(repr, SERIALIZERS))}."
            )
        self.serializer = serializer
        self.string_args = list(string_args or [])
        self.expect_airflow = expect_airflow
        if skip_on_exit_code is None:
            skip_on_exit_code = []
        self.skip_on_exit_code: Container[int] = (
            [skip_on_exit_code] if isinstance(skip_on_exit_code, int) else skip_on_exit_code
        )
        self.env_vars = env_vars
        self.inherit_env = inherit_env

    # what subclasses provide
    def interpreter(self, context: dict[str, Any]) -> Path:
        """The Python executable to run the callable with (prepared if needed)."""
        raise NotImplementedError

    def serializable_context_keys(self) -> Iterator[str]:
        """The context entries the other interpreter can read."""
        raise NotImplementedError

    def wants_rich_context(self) -> bool:
        """Whether the callable could receive an entry beyond the plain strings (so probing is worth it)."""
        params = inspect.signature(self.python_callable).parameters
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return True
        return bool(set(params) & (PENDULUM_CONTEXT_KEYS | ORCHESTRATOR_CONTEXT_KEYS))

    def execute(self, context: dict[str, Any]) -> Any:
        python = self.interpreter(context)
        keys = set(self.serializable_context_keys())
        crossing = {key: value for key, value in context.items() if key in keys}  # the context's own order
        crossing.update({key: None for key in sorted(BASE_CONTEXT_KEYS - set(context))})
        merged = {**crossing, **self.op_kwargs, "templates_dict": self.templates_dict}
        kwargs = call_kwargs(self.python_callable, merged, self.op_args)
        result = self._call_in(python, list(self.op_args), kwargs)
        if self.show_return_value_in_logs:
            self.log.info("Done. Returned value was: %s", result)
        return result

    def _dump_call(self, args: list[Any], kwargs: dict[str, Any]) -> bytes:
        library = serializer_module(self.serializer)
        try:
            return bytes(library.dumps({"args": args, "kwargs": kwargs}))
        except Exception as err:  # noqa: BLE001 - find which argument it was, then say so
            culprit = next((k for k, v in kwargs.items() if not _dumps_ok(library, v)), None)
            where = f"the argument {culprit!r}" if culprit else "op_args"
            fix = (
                "Pass plain values, or use serializer='cloudpickle' or 'dill'."
                if culprit not in ORCHESTRATOR_CONTEXT_KEYS
                else "The DAG's own objects (dag, task, macros, ...) do not cross to another interpreter: ask by "
                "name for the entries you need (ds, run_id, params, ...) rather than **kwargs, or read the value "
                "in a @task upstream and pass it on."
            )
            raise CannotCrossInterpreters(
                f"DAG {self._dag_id()!r}, task {self.task_id!r}: {where} cannot be written with serializer "
                f"{self.serializer!r} ({type(err).__name__}: {err}). {fix}"
            ) from None

    def _call_in(self, python: Path, args: list[Any], kwargs: dict[str, Any]) -> Any:
        with tempfile.TemporaryDirectory(prefix="headwater-venv-call-") as tmp:
            folder = Path(tmp)
            paths = [folder / n for n in ("call.in", "result.out", "string_args.txt", "error.txt")]
            paths[0].write_bytes(self._dump_call(args, kwargs))
            paths[2].write_text("\n".join(map(str, self.string_args)))
            script = folder / "script.py"
            script.write_text(self._script())
            env = dict(os.environ) if self.inherit_env else {}
            env.update(self.env_vars or {})
            code = _run_streaming([str(python), str(script), *map(str, paths)], env)
            if code in self.skip_on_exit_code:
                raise SkipTask(f"Process exited with code {code}. Skipping.")
            if code != 0:
                error = paths[3].read_text().strip() if paths[3].is_file() else ""
                raise VirtualenvCallableFailed(
                    f"DAG {self._dag_id()!r}, task {self.task_id!r}: {self.python_callable.__name__}() failed in "
                    f"{python} (exit code {code})" + (f": {error}" if error else "") + ". The traceback is in the "
                    "task log."
                )
            if paths[1].stat().st_size == 0:
                return None
            try:
                return serializer_module(self.serializer).loads(paths[1].read_bytes())
            except Exception as err:  # noqa: BLE001 - any load failure means the same thing to the user
                raise VirtualenvCallableFailed(
                    f"DAG {self._dag_id()!r}, task {self.task_id!r}: the return value of "
                    f"{self.python_callable.__name__}() cannot be read back with serializer {self.serializer!r} "
                    f"({type(err).__name__}: {err}). Return plain Python values (the class of an object must be "
                    "importable here too)."
                ) from None

    def _script(self) -> str:
        function = self.python_callable
        name = function.__name__
        alias = ""
        dag_file = getattr(self.dag, "fileloc", None)
        if dag_file and inspect.getsourcefile(function) == dag_file:
            alias = _MODULE_ALIAS.format(module=function.__module__, name=name)
        return _SCRIPT.format(serializer=self.serializer, source=self.source(), module_alias=alias, name=name)

    def _dag_id(self) -> str | None:
        return getattr(self.dag, "dag_id", None)

    def source(self) -> str:
        return function_source(self.python_callable)


def _dumps_ok(library: Any, value: Any) -> bool:
    try:
        library.dumps(value)
    except Exception:  # noqa: BLE001 - only asking whether it serializes
        return False
    return True


def _run_streaming(command: list[str], env: dict[str, str]) -> int:
    """Run ``command``, its output (traceback included) going to the task log; killed if the task is."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            print(raw.decode(errors="backslashreplace").rstrip(), file=sys.stderr)
        return proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


__all__ = [
    "BASE_CONTEXT_KEYS",
    "ORCHESTRATOR_CONTEXT_KEYS",
    "PENDULUM_CONTEXT_KEYS",
    "SERIALIZERS",
    "BaseVirtualenvOperator",
    "CannotCrossInterpreters",
    "VirtualenvCallableFailed",
    "function_source",
]
