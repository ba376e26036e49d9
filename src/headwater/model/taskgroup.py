"""``TaskGroup``: a named set of tasks whose ids share a prefix and that acts as one endpoint of ``>>``."""

from __future__ import annotations

import re
from types import TracebackType
from typing import TYPE_CHECKING, Any

from headwater.model import context_stack
from headwater.model.dependencies import DependencyMixin, as_list
from headwater.model.ids import check_group_id

if TYPE_CHECKING:
    from headwater.model.baseoperator import BaseOperator
    from headwater.model.dag import DAG


class TaskGroup(DependencyMixin):
    """Groups tasks under ``group_id.``; ``start >> group >> end`` wires the group's roots and leaves."""

    def __init__(
        self,
        group_id: str | None,
        prefix_group_id: bool = True,
        parent_group: TaskGroup | None = None,
        dag: DAG | None = None,
        default_args: dict[str, Any] | None = None,
        tooltip: str = "",
        ui_color: str = "CornflowerBlue",
        ui_fgcolor: str = "#000",
        add_suffix_on_collision: bool = False,
    ) -> None:
        self.dag: DAG | None = dag or (parent_group.dag if parent_group else context_stack.current_dag())
        self.parent_group = parent_group or (context_stack.current_group(self.dag) if group_id is not None else None)
        self.prefix_group_id = prefix_group_id
        self.default_args = dict(default_args or {})
        self.tooltip = tooltip
        self.children: dict[str, Any] = {}
        self.expand_input: dict[str, Any] | None = None
        self.expand_kwargs_input: Any = None
        """Set on a mapped task group: what each of its task instances is mapped over."""
        self._group_id = group_id
        if group_id is not None:
            check_group_id(group_id, dag_id=self.dag.dag_id if self.dag else None)
        if group_id is not None and self.parent_group is not None:
            self._group_id = self._unique(self.parent_group.child_prefix() + group_id, add_suffix_on_collision)
            self.parent_group.children[self._group_id] = self
            if self.dag is not None:
                self.dag.group_ids.add(self._group_id)

    def _unique(self, group_id: str, add_suffix: bool) -> str:
        """``group_id``, or with the next ``__N`` suffix when the DAG already uses it (decorated groups)."""
        if self.dag is None:
            return group_id
        used = self.dag.group_ids | set(self.dag.task_dict)
        if group_id not in used:
            return group_id
        if not add_suffix:
            from headwater.errors import DuplicateTaskIdError

            raise DuplicateTaskIdError(self.dag.dag_id, group_id, kind="task group")
        base = re.split(r"__\d+$", group_id)[0]
        pattern = re.compile(rf"^{re.escape(base)}__(\d+)$")
        suffixes = [int(m.group(1)) for g in used if (m := pattern.match(g))]
        return f"{base}__{max(suffixes, default=0) + 1}"

    @classmethod
    def create_root(cls, dag: DAG) -> TaskGroup:
        return cls(group_id=None, dag=dag)

    @property
    def group_id(self) -> str | None:
        return self._group_id

    @property
    def label(self) -> str | None:
        return self._group_id.rsplit(".", 1)[-1] if self._group_id else None

    @property
    def is_mapped(self) -> bool:
        return self.expand_input is not None or self.expand_kwargs_input is not None

    def mapped_ancestor(self) -> TaskGroup | None:
        """The nearest mapped group containing this one (itself included)."""
        group: TaskGroup | None = self
        while group is not None:
            if group.is_mapped:
                return group
            group = group.parent_group
        return None

    def expansion_rows(self, context: dict[str, Any]) -> list[dict[str, Any]]:
        """The mapped arguments of each map index of this (mapped) group."""
        from headwater.model.mapping import expand_rows

        return expand_rows(self.expand_input, self.expand_kwargs_input, context, self._group_id or "?")

    def child_prefix(self) -> str:
        """What this group puts before its children's ids: nothing with ``prefix_group_id=False`` (not even
        the enclosing groups' prefix, as in Airflow: the children's ids are their bare labels)."""
        if self._group_id is None or not self.prefix_group_id:
            return ""
        return self._group_id + "."

    def child_id(self, label: str) -> str:
        return self.child_prefix() + label

    def inherited_default_args(self) -> dict[str, Any]:
        merged = self.parent_group.inherited_default_args() if self.parent_group else {}
        merged.update(self.default_args)
        return merged

    def add(self, task: BaseOperator) -> None:
        self.children[task.task_id] = task

    def iter_tasks(self) -> list[BaseOperator]:
        tasks: list[BaseOperator] = []
        for child in self.children.values():
            if isinstance(child, TaskGroup):
                tasks.extend(child.iter_tasks())
            else:
                tasks.append(child)
        return tasks

    def topological_sort(self) -> list[BaseOperator | TaskGroup]:
        """This group's children (tasks and groups), each after what feeds it, in Airflow's order: passes
        over the children in the order they were added, each pass taking every child none of whose
        upstreams (or their enclosing groups) is still waiting. Files that print or slice this order
        depend on it, so the tie-break is Airflow's, not an arbitrary valid order."""
        waiting = dict(self.children)
        ordered: list[BaseOperator | TaskGroup] = []
        while waiting:
            progressed = False
            for key, node in list(waiting.items()):
                if any(_still_waiting(up, waiting) for up in _upstreams(node)):
                    continue
                del waiting[key]
                ordered.append(node)
                progressed = True
            if not progressed:
                assert self.dag is not None
                self.dag.topological_order()  # raises CycleError naming the cycle
                raise AssertionError(f"no order for the children of {self!r}")
        return ordered

    def get_task_group_dict(self) -> dict[str | None, TaskGroup]:
        """This group and every group inside it by group id (the root group's id is None), as Airflow's."""
        found: dict[str | None, TaskGroup] = {self.group_id: self}
        for child in self.children.values():
            if isinstance(child, TaskGroup):
                found.update(child.get_task_group_dict())
        return found

    def get_child_by_label(self, label: str) -> BaseOperator | TaskGroup:
        """The direct child (task or group) whose id ends in ``label``."""
        child: BaseOperator | TaskGroup = self.children[self.child_id(label)]
        return child

    def get_roots(self) -> list[BaseOperator]:
        """Tasks of this group with no upstream inside the group."""
        tasks = self.iter_tasks()
        ids = {t.task_id for t in tasks}
        return [t for t in tasks if not (t.upstream_task_ids & ids)]

    def get_leaves(self) -> list[BaseOperator]:
        """Tasks of this group with no downstream inside the group; a teardown leaf stands aside for the
        first non-teardown task above it (the work it tears down for), as in Airflow."""
        tasks = self.iter_tasks()
        ids = {t.task_id for t in tasks}
        by_id = {t.task_id: t for t in tasks}

        def feeds_other_work(task: BaseOperator, exclude: str) -> bool:
            return any(d != exclude and d in ids and not by_id[d].is_teardown for d in task.downstream_task_ids)

        def work_above(teardown: BaseOperator) -> list[BaseOperator]:
            found: list[BaseOperator] = []
            for up_id in sorted(teardown.upstream_task_ids):
                if up_id not in ids:
                    continue
                up = by_id[up_id]
                if up.is_teardown:
                    found.extend(work_above(up))
                elif teardown.is_teardown and up.is_setup:
                    continue
                elif not feeds_other_work(up, exclude=teardown.task_id):
                    found.append(up)
            return found

        leaves: list[BaseOperator] = []
        for task in tasks:
            if not (task.downstream_task_ids & ids):
                leaves.extend(work_above(task) if task.is_teardown else [task])
        return leaves

    def set_upstream(self, other: Any) -> None:
        for root in self.get_roots():
            for item in as_list(other):
                root.set_upstream(item)

    def set_downstream(self, other: Any) -> None:
        for leaf in self.get_leaves():
            leaf.set_downstream(other)

    def __enter__(self) -> TaskGroup:
        context_stack.push_group(self)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        context_stack.pop_group()

    def __repr__(self) -> str:
        return f"<TaskGroup: {self._group_id}>"


def _upstreams(node: BaseOperator | TaskGroup) -> list[BaseOperator]:
    """The tasks feeding ``node``: a task's upstreams, or the outside upstreams of a group's tasks."""
    if isinstance(node, TaskGroup):
        tasks = node.iter_tasks()
        inside = {t.task_id for t in tasks}
        assert node.dag is not None
        return [node.dag.task_dict[u] for t in tasks for u in sorted(t.upstream_task_ids - inside)]
    assert node.dag is not None
    return [node.dag.task_dict[u] for u in sorted(node.upstream_task_ids)]


def _still_waiting(task: BaseOperator, waiting: dict[str, Any]) -> bool:
    """Whether ``task``, or a group enclosing it, is among the children not placed yet."""
    if task.task_id in waiting:
        return True
    group = task.task_group
    while group is not None:
        if group.group_id is not None and group.group_id in waiting:
            return True
        group = group.parent_group
    return False
