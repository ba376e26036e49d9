"""The ``ti`` a running task sees: its identity, XCom access, and how it reports branch decisions."""

from __future__ import annotations

import functools
import logging
import socket
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pendulum

from headwater import planning
from headwater.errors import RemovedInAirflow3Warning
from headwater.runtime.history import PreviousTaskInstance, previous_task_instance
from headwater.store.xcom.base import XCOM_RETURN_KEY

if TYPE_CHECKING:
    from headwater.model.baseoperator import BaseOperator
    from headwater.runtime.context import RunEnvironment

log = logging.getLogger("airflow.task")
"""Airflow's task-instance logger: what ``ti.log`` writes to lands in the try's log."""

_PREVIOUS_TI_DEPRECATED = (
    "This attribute is deprecated. Please use `airflow.models.taskinstance.TaskInstance.get_previous_ti` method."
)


class RuntimeTaskInstance:
    """One try of one task instance, as handed to the task's code."""

    def __init__(
        self, env: RunEnvironment, task: BaseOperator, map_index: int, try_number: int, max_tries: int
    ) -> None:
        self._env = env
        self.task = task
        self.dag_id = env.dag.dag_id
        self.task_id = task.task_id
        self.run_id = env.dag_run.run_id
        self.map_index = map_index
        self.try_number = try_number
        self.max_tries = max_tries
        self.state = "running"
        self.logical_date = env.dag_run.logical_date
        self.execution_date = self.logical_date
        self.start_date = env.now()
        self.end_date: pendulum.DateTime | None = None
        self.duration: float | None = None
        """Seconds the try took: ``None`` while it runs, as in Airflow."""
        self.operator = type(task).__name__
        self.task_display_name = task.task_id
        self.hostname = _hostname()
        self.unixname = _unixname()
        self.pool = task.pool
        self.pool_slots = task.pool_slots
        self.queue = task.queue
        self.executor_config = getattr(task, "executor_config", {})
        self.expanded_ti_count: int | None = None
        """How many instances the mapped task (or mapped group's task) has in this run; None when unmapped."""
        self.log = log
        self.skips: list[planning.Skip] = []
        self.context: dict[str, Any] = {}

    # -- XCom ----------------------------------------------------------------------------------

    def xcom_push(self, key: str, value: Any, execution_date: Any = None) -> None:
        """Store ``value`` under ``key`` for this task instance."""
        self._env.xcoms.push(self.task_id, self.map_index, key, value)

    def xcom_pull(
        self,
        task_ids: str | Iterable[str] | None = None,
        dag_id: str | None = None,
        key: str = XCOM_RETURN_KEY,
        include_prior_dates: bool = False,
        *,
        map_indexes: int | Iterable[int] | None = None,
        default: Any = None,
        run_id: str | None = None,
    ) -> Any:
        """A value pushed in this run (``None`` when missing); several ids give a list."""
        if dag_id is not None and dag_id != self.dag_id:
            return default
        return self._env.xcoms.pull(task_ids, key, map_indexes, default)

    # -- decisions the operator reports; planning decides what they mean -------------------------

    def follow_branches(
        self, returned: str | Iterable[str] | None, *, why: str | None = None, kind: str = "branch"
    ) -> None:
        targets = planning.branch_targets(returned, dag_id=self.dag_id, task_id=self.task_id)
        followed = planning.resolve_branch(self._env.shape, self.task_id, targets)
        self.skips = planning.branch_skips(self._env.shape, self.task_id, followed, why=why, kind=kind)

    def short_circuit(self, *, ignore_downstream_trigger_rules: bool) -> None:
        self.skips = planning.short_circuit_skips(
            self._env.shape, self.task_id, ignore_downstream_trigger_rules=ignore_downstream_trigger_rules
        )

    # -- helpers ---------------------------------------------------------------------------------

    def now(self) -> pendulum.DateTime:
        """The wall clock of this run (``--now`` in ``dags test``)."""
        return self._env.now()

    def render(self, template: str) -> Any:
        from headwater.runtime.templating import render_value

        assert self.task.dag is not None
        return render_value(template, self.context, self.task, self.task.dag)

    def get_dagrun(self) -> Any:
        return self._env.dag_run

    @property
    def dag_run(self) -> Any:
        return self._env.dag_run

    @property
    def priority_weight(self) -> int:
        """The task's total priority weight, as the scheduler ranks it (Airflow's ``priority_weight_total``)."""
        from headwater.runtime.environment import cached_priority_weights

        assert self.task.dag is not None
        return cached_priority_weights(self.task.dag).get(self.task_id, self.task.priority_weight)

    @property
    def next_try_number(self) -> int:
        return self.try_number + 1

    # -- earlier runs (read from the store) -------------------------------------------------------

    def get_previous_ti(self, state: Any = None, session: Any = None) -> PreviousTaskInstance | None:
        """This task's instance in the run before this one (see ``previous_dag_run`` for which run that is);
        with ``state``, in the latest earlier run in that state. ``None`` without a store or earlier run."""
        history = self._env.history
        if history is None:
            return None
        wanted = getattr(state, "value", state)
        catchup_by_default = bool(getattr(self._env.settings, "catchup_by_default", True))
        return previous_task_instance(
            history, self._env.dag, self.task_id, self.logical_date, wanted, catchup_by_default=catchup_by_default
        )

    def get_previous_start_date(self, state: Any = None, session: Any = None) -> pendulum.DateTime | None:
        """When the previous instance (``get_previous_ti``) started, if it did."""
        previous = self.get_previous_ti(state)
        return previous.start_date if previous is not None else None

    def get_previous_execution_date(self, state: Any = None, session: Any = None) -> pendulum.DateTime | None:
        """The logical date of the previous instance's run (``get_previous_ti``)."""
        previous = self.get_previous_ti(state)
        return previous.logical_date if previous is not None else None

    def get_previous_dagrun(self, state: Any = None, session: Any = None) -> Any:
        from headwater.runtime.history import previous_dag_run

        if self._env.history is None:
            return None
        catchup_by_default = bool(getattr(self._env.settings, "catchup_by_default", True))
        wanted = getattr(state, "value", state)
        return previous_dag_run(
            self._env.history, self._env.dag, self.logical_date, wanted, catchup_by_default=catchup_by_default
        )

    @property
    def previous_ti(self) -> PreviousTaskInstance | None:
        warnings.warn(_PREVIOUS_TI_DEPRECATED, RemovedInAirflow3Warning, stacklevel=2)
        return self.get_previous_ti()

    @property
    def previous_ti_success(self) -> PreviousTaskInstance | None:
        warnings.warn(_PREVIOUS_TI_DEPRECATED, RemovedInAirflow3Warning, stacklevel=2)
        return self.get_previous_ti(state="success")

    @property
    def previous_start_date_success(self) -> pendulum.DateTime | None:
        warnings.warn(
            "This attribute is deprecated. Please use "
            "`airflow.models.taskinstance.TaskInstance.get_previous_start_date` method.",
            RemovedInAirflow3Warning,
            stacklevel=2,
        )
        return self.get_previous_start_date(state="success")

    def get_template_context(self) -> dict[str, Any]:
        return self.context

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.dag_id, self.task_id, self.run_id, self.map_index)

    def __repr__(self) -> str:
        index = f" [{self.map_index}]" if self.map_index >= 0 else ""
        return f"<TaskInstance: {self.dag_id}.{self.task_id} {self.run_id}{index} [{self.state}]>"


@functools.cache
def _hostname() -> str:
    """This machine's name, as Airflow records it (looked up once: it can take a DNS query)."""
    return socket.getfqdn()


@functools.cache
def _unixname() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
