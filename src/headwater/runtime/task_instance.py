"""The ``ti`` a running task sees: its identity, XCom access, and how it reports branch decisions."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pendulum

from headwater import planning
from headwater.store.xcom.base import XCOM_RETURN_KEY

if TYPE_CHECKING:
    from headwater.model.baseoperator import BaseOperator
    from headwater.runtime.context import RunEnvironment

log = logging.getLogger("headwater.task")


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
        self.operator = type(task).__name__
        self.hostname = "localhost"
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

    def get_template_context(self) -> dict[str, Any]:
        return self.context

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.dag_id, self.task_id, self.run_id, self.map_index)

    def __repr__(self) -> str:
        index = f" [{self.map_index}]" if self.map_index >= 0 else ""
        return f"<TaskInstance: {self.dag_id}.{self.task_id} {self.run_id}{index} [{self.state}]>"
