"""``DAG``: the tasks, their dependencies, the schedule and the defaults of one pipeline."""

from __future__ import annotations

import functools
import inspect
import re
import warnings
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pendulum
from dateutil.relativedelta import relativedelta
from pendulum.tz.timezone import FixedTimezone, Timezone

from headwater.errors import CycleError, DuplicateTaskIdError, RemovedInAirflow3Warning, TaskNotFound
from headwater.model import context_stack
from headwater.model.dag_schedule import DagScheduleQueries
from headwater.model.ids import check_dag_id
from headwater.model.ignored_args import IGNORED_DAG_ARGS, KEPT_DAG_ARGS, announce_ignored
from headwater.model.params import DagParam, ParamsDict
from headwater.model.taskgroup import TaskGroup
from headwater.model.timetables import Timetable, timetable_for
from headwater.model.timezone import TIMEZONE, convert_to_utc

if TYPE_CHECKING:
    from headwater.model.baseoperator import BaseOperator


class _NotSet:
    def __repr__(self) -> str:
        return "NOTSET"


NOTSET: Any = _NotSet()


def _deprecated_concurrency(concurrency: int | None) -> int | None:
    """Airflow 2 still takes ``concurrency`` for ``max_active_tasks``, with a deprecation warning."""
    if concurrency:
        warnings.warn(
            "The 'concurrency' parameter is deprecated. Please use 'max_active_tasks'.",
            RemovedInAirflow3Warning,
            stacklevel=3,
        )
    return concurrency


def _dag_timezone(start_date: datetime | None, default_args: dict[str, Any]) -> Timezone | FixedTimezone:
    """The zone the DAG's schedule is read in, chosen as Airflow does: an aware ``start_date``'s zone, else
    the zone of ``default_args['start_date']`` (a text is parsed), else the configured default zone."""
    if start_date is not None and start_date.tzinfo is not None:
        return pendulum.instance(start_date).timezone or TIMEZONE
    fallback = default_args.get("start_date")
    if isinstance(fallback, str):
        fallback = default_args["start_date"] = pendulum.parse(fallback)
    if isinstance(fallback, datetime):
        return pendulum.instance(fallback, tz=None if fallback.tzinfo else TIMEZONE).timezone or TIMEZONE
    return TIMEZONE


class DAG(DagScheduleQueries):
    """A pipeline: use as ``with DAG(...) as dag:`` or through ``@dag``."""

    def __init__(
        self,
        dag_id: str,
        description: str | None = None,
        schedule: Any = NOTSET,
        schedule_interval: Any = NOTSET,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        default_args: dict[str, Any] | None = None,
        catchup: bool | None = None,
        params: dict[str, Any] | None = None,
        tags: Iterable[str] | None = None,
        max_active_runs: int = 16,
        max_active_tasks: int = 16,
        dagrun_timeout: timedelta | None = None,
        render_template_as_native_obj: bool = False,
        template_searchpath: str | Iterable[str] | None = None,
        template_undefined: Any = None,
        user_defined_macros: dict[str, Any] | None = None,
        user_defined_filters: dict[str, Any] | None = None,
        jinja_environment_kwargs: dict[str, Any] | None = None,
        doc_md: str | None = None,
        on_success_callback: Callable[..., Any] | None = None,
        on_failure_callback: Callable[..., Any] | None = None,
        is_paused_upon_creation: bool | None = None,
        **kwargs: Any,
    ) -> None:
        max_active_tasks = _deprecated_concurrency(kwargs.pop("concurrency", None)) or max_active_tasks
        unknown = set(kwargs) - set(IGNORED_DAG_ARGS) - KEPT_DAG_ARGS
        if unknown:
            raise TypeError(f"DAG {dag_id!r} got unexpected arguments {sorted(unknown)}; check their spelling.")
        self.dag_id = check_dag_id(dag_id)
        self.__dict__.update({k: v for k, v in kwargs.items() if k != "fileloc"})
        self.description = description
        self.default_args = dict(default_args or {})
        self._set_dates(start_date, end_date)
        if schedule is not NOTSET and schedule_interval is not NOTSET:
            raise ValueError(f"DAG {dag_id!r}: give either schedule or schedule_interval, not both.")
        chosen = schedule if schedule is not NOTSET else schedule_interval
        self.schedule: Any = timedelta(days=1) if chosen is NOTSET else chosen
        self.timetable: Timetable = timetable_for(self.schedule, tz=self.timezone, dag_id=dag_id)
        self.schedule_interval: Any = (
            self.schedule if self.schedule is None or isinstance(self.schedule, str | timedelta | relativedelta)
            else self.timetable.summary
        )
        """Airflow 2's deprecated view of the schedule: the value given (a timetable answers its summary)."""
        self.catchup = catchup
        self.params = ParamsDict(params or {})
        self.params.update_defaults(self.default_args.get("params") or {})
        self.tags = list(tags or [])
        self.max_active_runs = max_active_runs
        self.max_active_tasks = max_active_tasks
        self.dagrun_timeout = dagrun_timeout
        self.is_paused_upon_creation = is_paused_upon_creation
        """Whether the scheduler records the DAG paused when it first sees it (None: configuration decides)."""
        self.render_template_as_native_obj = render_template_as_native_obj
        self.template_searchpath = [template_searchpath] if isinstance(template_searchpath, str) else list(
            template_searchpath or []
        )
        self.template_undefined = template_undefined
        self.user_defined_macros = dict(user_defined_macros or {})
        self.user_defined_filters = dict(user_defined_filters or {})
        self.jinja_environment_kwargs = dict(jinja_environment_kwargs or {})
        """Options for the DAG's Jinja environment (trim_blocks, ...), applied over headwater's as in Airflow."""
        self.doc_md = doc_md
        self.on_success_callback = on_success_callback
        self.on_failure_callback = on_failure_callback
        self.fileloc: str | None = None
        self.task_dict: dict[str, BaseOperator] = {}
        self.edge_info: dict[str, dict[str, dict[str, str]]] = {}
        """Labels of edges, upstream id -> downstream id -> info, nested as Airflow nests it."""
        self.group_ids: set[str] = set()
        self.task_group = TaskGroup.create_root(self)
        self._reachable_cache: dict[tuple[str, bool], frozenset[str]] = {}
        frame = inspect.currentframe()
        caller = frame.f_back if frame else None
        while caller is not None and caller.f_code.co_filename == __file__:
            caller = caller.f_back
        if caller is not None:
            self.fileloc = caller.f_code.co_filename
        announce_ignored(self, None, kwargs, IGNORED_DAG_ARGS)

    def _set_dates(self, start_date: datetime | None, end_date: datetime | None) -> None:
        """Airflow keeps only the DAG's own dates on it, in UTC; default_args' dates reach the tasks, in UTC."""
        self.timezone: Timezone | FixedTimezone = _dag_timezone(start_date, self.default_args)
        self.start_date = convert_to_utc(start_date)
        self.end_date = convert_to_utc(end_date)
        for key in ("start_date", "end_date"):
            if isinstance(self.default_args.get(key), datetime):
                self.default_args[key] = convert_to_utc(self.default_args[key])

    # -- structure ---------------------------------------------------------------------------

    @property
    def tasks(self) -> list[BaseOperator]:
        return list(self.task_dict.values())

    @property
    def task_ids(self) -> list[str]:
        return list(self.task_dict)

    @property
    def roots(self) -> list[BaseOperator]:
        return [t for t in self.task_dict.values() if not t.upstream_task_ids]

    @property
    def leaves(self) -> list[BaseOperator]:
        return [t for t in self.task_dict.values() if not t.downstream_task_ids]

    @property
    def owner(self) -> str:
        """The owners of the DAG's tasks, comma-separated (each once, in no fixed order, as in Airflow)."""
        return ", ".join({t.owner for t in self.task_dict.values()})

    def topological_sort(self, include_subdag_tasks: bool = False) -> tuple[BaseOperator, ...]:
        """The tasks, each after all its upstreams (Airflow 2 keeps it, pointing to the task group's)."""

        def nested(group: TaskGroup) -> list[BaseOperator]:
            found: list[BaseOperator] = []
            for node in group.topological_sort():
                found.extend(nested(node) if isinstance(node, TaskGroup) else [node])
            return found

        return tuple(nested(self.task_group))

    def partial_subset(
        self,
        task_ids_or_regex: str | re.Pattern[str] | Iterable[str],
        include_downstream: bool = False,
        include_upstream: bool = True,
        include_direct_upstream: bool = False,
    ) -> DAG:
        """A copy of this DAG holding the matching tasks (a regex searched in each id, or a list of ids) and,
        as asked, everything upstream or downstream of them; dependencies outside the subset are cut."""
        from headwater.model.dag_subset import subset_of

        return subset_of(self, task_ids_or_regex, include_downstream, include_upstream, include_direct_upstream)

    def get_edge_info(self, upstream_task_id: str, downstream_task_id: str) -> dict[str, str]:
        """What is known about one edge (``{"label": ...}`` for a ``Label``), or ``{}``."""
        return self.edge_info.get(upstream_task_id, {}).get(downstream_task_id, {})

    def set_edge_info(self, upstream_task_id: str, downstream_task_id: str, info: dict[str, str]) -> None:
        """Replace (not merge) what is known about one edge."""
        self.edge_info.setdefault(upstream_task_id, {})[downstream_task_id] = info

    def has_task(self, task_id: str) -> bool:
        return task_id in self.task_dict

    def get_task(self, task_id: str) -> BaseOperator:
        try:
            return self.task_dict[task_id]
        except KeyError:
            raise TaskNotFound(self.dag_id, task_id, list(self.task_dict)) from None

    def add_task(self, task: BaseOperator) -> None:
        if task.task_id in self.task_dict and self.task_dict[task.task_id] is not task:
            raise DuplicateTaskIdError(self.dag_id, task.task_id)
        self.task_dict[task.task_id] = task
        task.dag = self
        self._reachable_cache.clear()

    def reachable(self, task_id: str, *, upstream: bool) -> frozenset[str]:
        """Ids of every task reachable from ``task_id`` (not including it)."""
        key = (task_id, upstream)
        cached = self._reachable_cache.get(key)
        if cached is not None:
            return cached
        seen: set[str] = set()
        stack = [task_id]
        while stack:
            task = self.task_dict[stack.pop()]
            for nxt in task.upstream_task_ids if upstream else task.downstream_task_ids:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        result = frozenset(seen)
        self._reachable_cache[key] = result
        return result

    def topological_order(self) -> list[str]:
        """Task ids, each after all its upstreams; raises ``CycleError`` naming the tasks on a cycle."""
        indegree = {tid: len(t.upstream_task_ids) for tid, t in self.task_dict.items()}
        ready = [tid for tid, n in indegree.items() if n == 0]
        order: list[str] = []
        while ready:
            tid = ready.pop()
            order.append(tid)
            for down in sorted(self.task_dict[tid].downstream_task_ids):
                indegree[down] -= 1
                if indegree[down] == 0:
                    ready.append(down)
        if len(order) < len(self.task_dict):
            raise CycleError(self.dag_id, self._find_cycle({t for t, n in indegree.items() if n > 0}))
        return order

    def _find_cycle(self, candidates: set[str]) -> list[str]:
        start = min(candidates)
        path: list[str] = []
        index: dict[str, int] = {}
        node = start
        while node not in index:
            index[node] = len(path)
            path.append(node)
            node = min(d for d in self.task_dict[node].downstream_task_ids if d in candidates)
        return path[index[node] :]

    def check_cycle(self) -> None:
        self.topological_order()

    # -- authoring ---------------------------------------------------------------------------

    def __enter__(self) -> DAG:
        context_stack.push_dag(self)
        context_stack.push_group(self.task_group)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        context_stack.pop_group()
        context_stack.pop_dag()

    def param(self, name: str, default: Any = NOTSET) -> DagParam:
        """A reference to param ``name`` that resolves when a task runs (from the run's conf first)."""
        if default is NOTSET and name not in self.params:
            raise KeyError(f"DAG {self.dag_id!r} has no param {name!r}; add it to params= or give a default.")
        return DagParam(name, self.params[name] if default is NOTSET else default)

    def test(
        self,
        execution_date: datetime | None = None,
        run_conf: dict[str, Any] | None = None,
        conn_file_path: str | None = None,
        variable_file_path: str | None = None,
        use_executor: bool = False,
        mark_success_pattern: Any = None,
        *,
        logical_date: datetime | None = None,
    ) -> Any:
        """Run this DAG once in this process, like ``headwater dags test``: Airflow's ``dag.test()``, with its
        arguments (``execution_date``, or Airflow 3's ``logical_date``; ``run_conf``)."""
        from headwater.errors import HeadwaterError
        from headwater.scheduler.dagtest import run_dag_object

        unserved = {
            "conn_file_path": conn_file_path,
            "variable_file_path": variable_file_path,
            "mark_success_pattern": mark_success_pattern,
        }
        given = [name for name, value in unserved.items() if value is not None]
        if given:
            raise HeadwaterError(
                f"DAG {self.dag_id!r}: dag.test({', '.join(f'{n}=...' for n in given)}) is not served by headwater "
                "yet (Connections and Variables files come with headwater's Variables/Connections support); "
                "call dag.test() without it."
            )
        if execution_date is not None and logical_date is not None and execution_date != logical_date:
            raise HeadwaterError(
                f"DAG {self.dag_id!r}: dag.test() got execution_date={execution_date} and logical_date={logical_date};"
                " they name the same thing: pass one."
            )
        return run_dag_object(self, logical_date=logical_date or execution_date, conf=run_conf)

    def __repr__(self) -> str:
        return f"<DAG: {self.dag_id}>"


def dag(dag_id: str | Callable[..., Any] = "", **dag_kwargs: Any) -> Any:
    """Decorator: the function's body builds the DAG; calling the function returns it."""

    def decorate(func: Callable[..., Any]) -> Callable[..., DAG]:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def factory(*args: Any, **kwargs: Any) -> DAG:
            bound = signature.bind_partial(*args, **kwargs)
            bound.apply_defaults()
            params = dict(dag_kwargs.get("params") or {})
            for name, value in bound.arguments.items():
                params.setdefault(name, value)
            options = {**dag_kwargs, "params": params}
            with DAG(dag_id=dag_id if isinstance(dag_id, str) and dag_id else func.__name__, **options) as built:
                if func.__doc__ and not built.doc_md:
                    built.doc_md = func.__doc__
                func(**{name: built.param(name) for name in bound.arguments})
            built.fileloc = inspect.getsourcefile(func)
            return built

        return factory

    if callable(dag_id):
        func, dag_id = dag_id, ""
        return decorate(func)
    return decorate
