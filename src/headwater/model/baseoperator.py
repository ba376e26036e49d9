"""``BaseOperator``: one task of a DAG, with Airflow's constructor arguments and dependency wiring."""

from __future__ import annotations

import copy
import functools
import inspect
import logging
import warnings
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from headwater.model import context_stack
from headwater.model.dependencies import DependencyMixin, as_list
from headwater.model.ids import check_task_id
from headwater.model.ignored_args import IGNORED_TASK_ARGS, KEPT_TASK_ARGS, announce_ignored
from headwater.model.sites import definition_site
from headwater.model.trigger_rule import DEPRECATED_ALIASES, TriggerRule, parse_trigger_rule

if TYPE_CHECKING:
    from headwater.model.dag import DAG
    from headwater.model.mapping import OperatorPartial
    from headwater.model.taskgroup import TaskGroup
    from headwater.model.xcomarg import XComArg

Callback = Callable[[dict[str, Any]], Any]
_Init = TypeVar("_Init", bound=Callable[..., None])


@functools.cache  # one signature per operator class, not one per task built
def _accepted_names(init: Callable[..., None]) -> tuple[frozenset[str], bool]:
    params = inspect.signature(init).parameters.values()
    names = frozenset(p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))
    return names, any(p.kind is p.VAR_KEYWORD for p in params)


def default_args_for(
    operator_class: type[BaseOperator], dag: DAG | None, group: TaskGroup | None, explicit: dict[str, Any] | None
) -> dict[str, Any]:
    """The ``default_args`` (DAG, then groups, then the task's own) that ``operator_class`` accepts."""
    defaults: dict[str, Any] = dict(dag.default_args) if dag is not None else {}
    if group is not None:
        defaults.update(group.inherited_default_args())
    defaults.update(explicit or {})
    names, has_var_kw = _accepted_names(operator_class.__init__)
    accepted = names | _BASE_NAMES | IGNORED_TASK_ARGS.keys() | KEPT_TASK_ARGS if has_var_kw else names
    return {key: value for key, value in defaults.items() if key in accepted}


def _apply_defaults(init: Callable[..., None]) -> Callable[..., None]:
    """Fill missing constructor arguments from ``default_args`` and wire XComArg inputs (outermost call)."""

    @functools.wraps(init)
    def wrapper(self: BaseOperator, *args: Any, **kwargs: Any) -> None:
        if self.__dict__.get("_hw_defaults_applied"):
            init(self, *args, **kwargs)
            return
        self.__dict__["_hw_defaults_applied"] = True
        dag = kwargs.get("dag") or context_stack.current_dag()
        group = kwargs.get("task_group") or context_stack.current_group(dag)
        defaults = default_args_for(type(self), dag, group, kwargs.pop("default_args", None))
        for key, value in defaults.items():
            kwargs.setdefault(key, value)
        init(self, *args, **kwargs)
        if kwargs.get("_hw_unmapped_from") is None:
            from headwater.model.xcomarg import find_xcomargs

            for field in self.template_fields:
                for arg in find_xcomargs(getattr(self, field, None)):
                    self.set_upstream(arg.operator)

    wrapper._hw_wrapped = True  # type: ignore[attr-defined]
    return wrapper


def apply_defaults(init: _Init) -> _Init:
    """Airflow 1.10's constructor decorator, kept so old operator code imports: it changes nothing,
    because every operator's ``__init__`` already takes ``default_args`` (as in Airflow 2)."""
    warnings.warn(
        "apply_defaults is deprecated (Airflow 3 removes it): default_args reach every operator without "
        "it; remove the decorator.",
        DeprecationWarning,
        stacklevel=2,
    )
    return init


class BaseOperator(DependencyMixin):
    """The unit of work in a DAG. Subclasses implement ``execute(context)``."""

    task_id: str
    dag: DAG | None
    task_group: TaskGroup | None
    trigger_rule: TriggerRule

    template_fields: ClassVar[Sequence[str]] = ()
    template_ext: ClassVar[Sequence[str]] = ()
    template_fields_renderers: ClassVar[dict[str, str]] = {}
    ui_color: ClassVar[str] = "#fff"
    is_branch: ClassVar[bool] = False
    """Set by operators whose return value names the downstream tasks to follow."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_hw_wrapped", False):
            cls.__init__ = _apply_defaults(init)  # type: ignore[method-assign]

    def __init__(  # noqa: PLR0915 - one assignment per Airflow argument
        self,
        *,
        task_id: str,
        owner: str = "airflow",
        email: str | Iterable[str] | None = None,
        email_on_failure: bool = True,
        email_on_retry: bool = True,
        trigger_rule: str | TriggerRule = TriggerRule.ALL_SUCCESS,
        retries: int | None = 0,
        retry_delay: timedelta | float = timedelta(seconds=300),
        retry_exponential_backoff: bool = False,
        max_retry_delay: timedelta | float | None = None,
        execution_timeout: timedelta | None = None,
        do_xcom_push: bool = True,
        multiple_outputs: bool = False,
        pool: str | None = None,
        pool_slots: int = 1,
        queue: str = "default",
        priority_weight: int = 1,
        weight_rule: str = "downstream",
        depends_on_past: bool = False,
        wait_for_downstream: bool = False,
        params: dict[str, Any] | None = None,
        doc_md: str | None = None,
        doc: str | None = None,
        start_date: Any = None,
        end_date: Any = None,
        on_success_callback: Callback | list[Callback] | None = None,
        on_failure_callback: Callback | list[Callback] | None = None,
        on_retry_callback: Callback | list[Callback] | None = None,
        on_skipped_callback: Callback | list[Callback] | None = None,
        on_execute_callback: Callback | list[Callback] | None = None,
        pre_execute: Callable[[dict[str, Any]], Any] | None = None,
        post_execute: Callable[[dict[str, Any], Any], Any] | None = None,
        dag: DAG | None = None,
        task_group: TaskGroup | None = None,
        logger_name: str | None = None,
        max_active_tis_per_dag: int | None = None,
        max_active_tis_per_dagrun: int | None = None,
        _hw_unmapped_from: Any = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("provide_context", None)  # Airflow 1 leftover: context is always provided
        if "task_concurrency" in kwargs:
            raise TypeError(
                f"{type(self).__name__} (task_id: {task_id!r}): task_concurrency was removed in Airflow 2; use "
                "max_active_tis_per_dag."
            )
        ignored = {k: kwargs.pop(k) for k in list(kwargs) if k in IGNORED_TASK_ARGS}
        kept = {k: kwargs.pop(k) for k in list(kwargs) if k in KEPT_TASK_ARGS}
        if kwargs:
            raise TypeError(
                f"Invalid arguments were passed to {type(self).__name__} (task_id: {task_id!r}): "
                f"{sorted(kwargs)}. Remove them or check their spelling."
            )
        self.owner = owner
        self.email = email
        """Where the alert of a failed (``email_on_failure``) or retried (``email_on_retry``) try goes."""
        self.email_on_failure = email_on_failure
        self.email_on_retry = email_on_retry
        self.max_active_tis_per_dag = max_active_tis_per_dag
        """At most this many instances of the task run at once across all runs (``None``: no limit)."""
        self.max_active_tis_per_dagrun = max_active_tis_per_dagrun
        """At most this many (mapped) instances of the task run at once in one run (``None``: no limit)."""
        self.__dict__.update(ignored)
        self.__dict__.update(kept)
        self._logger_name = logger_name
        self.retries = int(retries or 0)
        self.retry_delay = retry_delay if isinstance(retry_delay, timedelta) else timedelta(seconds=retry_delay)
        self.retry_exponential_backoff = retry_exponential_backoff
        if max_retry_delay is not None and not isinstance(max_retry_delay, timedelta):
            max_retry_delay = timedelta(seconds=max_retry_delay)
        self.max_retry_delay = max_retry_delay
        self.execution_timeout = execution_timeout
        self.do_xcom_push = do_xcom_push
        self.multiple_outputs = multiple_outputs
        self.pool = pool or "default_pool"
        self.pool_slots = pool_slots
        self.queue = queue
        self.priority_weight = priority_weight
        self.weight_rule = weight_rule
        self.depends_on_past = depends_on_past
        self.wait_for_downstream = wait_for_downstream
        self.doc_md = doc_md or doc
        self.start_date = start_date
        self.end_date = end_date
        self.on_success_callback = on_success_callback
        self.on_failure_callback = on_failure_callback
        self.on_retry_callback = on_retry_callback
        self.on_skipped_callback = on_skipped_callback
        self.on_execute_callback = on_execute_callback
        self._pre_execute_hook = pre_execute
        self._post_execute_hook = post_execute
        self.is_setup = False
        self.is_teardown = False
        self.on_failure_fail_dagrun = False
        self.upstream_task_ids: set[str] = set()
        self.downstream_task_ids: set[str] = set()
        self._own_params = dict(params or {})

        if _hw_unmapped_from is not None:  # a concrete instance of a mapped task, made at run time
            self.task_id = _hw_unmapped_from.task_id
            self.dag = _hw_unmapped_from.dag
            self.task_group = _hw_unmapped_from.task_group
            self.upstream_task_ids = set(_hw_unmapped_from.upstream_task_ids)
            self.downstream_task_ids = set(_hw_unmapped_from.downstream_task_ids)
            self.trigger_rule = _hw_unmapped_from.trigger_rule
            self.trigger_rule_alias = _hw_unmapped_from.trigger_rule_alias
            self.defined_at = _hw_unmapped_from.defined_at
            return

        dag = dag or context_stack.current_dag()
        group = task_group or context_stack.current_group(dag)
        self.task_group = group
        full_id = group.child_id(task_id) if group is not None else task_id
        check_task_id(task_id, dag_id=dag.dag_id if dag else None, full_id=full_id)
        self.task_id = full_id
        self.trigger_rule = parse_trigger_rule(trigger_rule, dag_id=dag.dag_id if dag else None, task_id=self.task_id)
        self.trigger_rule_alias = trigger_rule if trigger_rule in DEPRECATED_ALIASES else None
        """The deprecated spelling the author wrote, if any (the lint points at it)."""
        self.defined_at = definition_site()
        """``(file, line)`` of the DAG author's code that created the task (where lint findings point)."""
        self.dag = None
        if dag is not None:
            dag.add_task(self)
        announce_ignored(dag, self.task_id, {"email": email, **ignored}, IGNORED_TASK_ARGS)
        if group is not None:
            group.add(self)

    # -- mapping through a mapped task group ----------------------------------------------------

    @property
    def mapped_group(self) -> TaskGroup | None:
        """The mapped task group this task belongs to, if any: it then runs once per map index."""
        return self.task_group.mapped_ancestor() if self.task_group is not None else None

    @property
    def is_mapped(self) -> bool:
        return self.mapped_group is not None

    def expansion(self, context: dict[str, Any]) -> tuple[list[dict[str, Any]], frozenset[str]]:
        """One (empty) argument row per map index of this task's mapped group."""
        group = self.mapped_group
        if group is None:
            raise TypeError(f"Task {self.task_id!r} is not mapped.")
        return [{} for _ in group.expansion_rows(context)], frozenset()

    def unmap(self, mapped_kwargs: dict[str, Any]) -> BaseOperator:
        """The operator one map index runs (a task in a mapped group reads its values when rendered)."""
        return copy.copy(self)

    # -- what Airflow code reads off a task -------------------------------------------------

    @property
    def log(self) -> logging.Logger:
        """The operator's logger, named as Airflow names it (``airflow.task.operators.<module>.<Class>``, or
        ``airflow.task.operators.<logger_name>``): what it logs lands in the task's log."""
        chosen: logging.Logger | None = self.__dict__.get("_log")
        if chosen is not None:
            return chosen
        name = self.__dict__.get("_logger_name") or f"{type(self).__module__}.{type(self).__name__}"
        return logging.getLogger(f"airflow.task.operators.{name}")

    @log.setter
    def log(self, logger: logging.Logger) -> None:
        self.__dict__["_log"] = logger

    @classmethod
    def logger(cls) -> logging.Logger:
        return logging.getLogger(f"airflow.task.operators.{cls.__module__}.{cls.__name__}")

    @property
    def dag_id(self) -> str:
        """The DAG's id; a task outside any DAG answers ``adhoc_<owner>`` as Airflow's does."""
        return self.dag.dag_id if self.dag is not None else f"adhoc_{self.owner}"

    @property
    def params(self) -> dict[str, Any]:
        merged: dict[str, Any] = dict(self.dag.params) if self.dag is not None else {}
        merged.update(self._own_params)
        return merged

    @property
    def label(self) -> str:
        group = self.task_group
        if group is not None and group.group_id and self.task_id.startswith(group.group_id + "."):
            return self.task_id[len(group.group_id) + 1 :]
        return self.task_id

    @property
    def task_type(self) -> str:
        return type(self).__name__

    @property
    def operator_name(self) -> str:
        return type(self).__name__

    @property
    def upstream_list(self) -> list[BaseOperator]:
        assert self.dag is not None
        return [self.dag.task_dict[t] for t in sorted(self.upstream_task_ids)]

    @property
    def downstream_list(self) -> list[BaseOperator]:
        assert self.dag is not None
        return [self.dag.task_dict[t] for t in sorted(self.downstream_task_ids)]

    @property
    def roots(self) -> list[BaseOperator]:
        return [self]

    @property
    def leaves(self) -> list[BaseOperator]:
        return [self]

    def get_direct_relative_ids(self, upstream: bool = False) -> set[str]:
        return set(self.upstream_task_ids if upstream else self.downstream_task_ids)

    def get_direct_relatives(self, upstream: bool = False) -> list[BaseOperator]:
        return self.upstream_list if upstream else self.downstream_list

    def get_flat_relative_ids(self, *, upstream: bool = False) -> set[str]:
        """Every task reachable upstream (or downstream) of this one."""
        assert self.dag is not None
        return set(self.dag.reachable(self.task_id, upstream=upstream))

    def get_flat_relatives(self, upstream: bool = False) -> list[BaseOperator]:
        assert self.dag is not None
        return [self.dag.task_dict[t] for t in sorted(self.get_flat_relative_ids(upstream=upstream))]

    @property
    def output(self) -> XComArg:
        """The return value of this task, as an argument for another task."""
        from headwater.model.xcomarg import XComArg

        return XComArg(self)

    # -- wiring ------------------------------------------------------------------------------

    def set_upstream(self, other: Any) -> None:
        from headwater.model.wiring import connect

        for item in as_list(other):
            connect(item, self)

    def set_downstream(self, other: Any) -> None:
        from headwater.model.wiring import connect

        for item in as_list(other):
            connect(self, item)

    def as_setup(self) -> BaseOperator:
        self.is_setup = True
        return self

    def as_teardown(self, *, setups: Any = None, on_failure_fail_dagrun: bool | None = None) -> BaseOperator:
        self.is_teardown = True
        self.trigger_rule = TriggerRule.ALL_DONE_SETUP_SUCCESS
        if on_failure_fail_dagrun is not None:
            self.on_failure_fail_dagrun = on_failure_fail_dagrun
        if setups is not None:
            for item in as_list(setups):
                setup_task = getattr(item, "operator", item)
                setup_task.is_setup = True
                setup_task.set_downstream(self)
        return self

    def __enter__(self) -> BaseOperator:
        """``with setup >> teardown:`` — tasks made in the block run between the setups and the teardown."""
        if not (self.is_setup or self.is_teardown):
            raise TypeError(
                f"Task {self.task_id!r} is neither a setup nor a teardown; only `with setup >> teardown:` opens a "
                "scope."
            )
        assert self.dag is not None
        self._scope_before = set(self.dag.task_dict)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.dag is not None
        dag = self.dag
        new = [dag.task_dict[t] for t in dag.task_dict if t not in self._scope_before]
        ids = {t.task_id for t in new}
        teardowns = [self] if self.is_teardown else []
        setups = [dag.task_dict[t] for t in sorted(self.upstream_task_ids) if dag.task_dict[t].is_setup]
        if self.is_setup:
            setups.append(self)
        for task in new:
            if not (task.upstream_task_ids & ids):
                for setup in setups:
                    setup.set_downstream(task)
            if not (task.downstream_task_ids & ids):
                for teardown in teardowns:
                    task.set_downstream(teardown)

    @classmethod
    def partial(cls, **kwargs: Any) -> OperatorPartial:
        """Fix some arguments now; ``.expand(...)`` maps the rest over values known at run time."""
        from headwater.model.mapping import OperatorPartial

        return OperatorPartial(cls, kwargs)

    def pre_execute(self, context: dict[str, Any]) -> None:
        """Called right before ``execute`` (templates rendered): runs the ``pre_execute`` hook, where
        ``@task.run_if`` / ``@task.skip_if`` put their condition. Subclasses may override it, as in Airflow."""
        if self._pre_execute_hook is not None:
            self._pre_execute_hook(context)

    def execute(self, context: dict[str, Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement execute(context).")

    def post_execute(self, context: dict[str, Any], result: Any = None) -> None:
        """Called right after ``execute`` with its result; runs the ``post_execute`` hook. An error here
        fails the try, as in Airflow."""
        if self._post_execute_hook is not None:
            self._post_execute_hook(context, result)

    def __repr__(self) -> str:
        return f"<Task({type(self).__name__}): {self.task_id}>"


_BASE_NAMES, _ = _accepted_names(BaseOperator.__init__)
BaseOperator.__init__ = _apply_defaults(BaseOperator.__init__)  # type: ignore[method-assign]
