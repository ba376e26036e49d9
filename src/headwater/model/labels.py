"""Edge labels: ``a >> Label("when empty") >> b`` wires ``a >> b`` and names the edge."""

from __future__ import annotations

from typing import Any

from headwater.model.dependencies import DependencyMixin, as_list


class Label(DependencyMixin):
    """A name for the edges it sits on; it is not a task and never runs."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._upstream: list[Any] = []
        self._downstream: list[Any] = []

    def set_upstream(self, other: Any) -> None:
        for item in as_list(other):
            self._upstream.append(item)
            for down in self._downstream:
                self._wire(item, down)

    def set_downstream(self, other: Any) -> None:
        for item in as_list(other):
            self._downstream.append(item)
            for up in self._upstream:
                self._wire(up, item)

    def _wire(self, up: Any, down: Any) -> None:
        from headwater.model.wiring import connect, endpoints

        connect(up, down)
        for u in endpoints(up, as_upstream=True):
            for d in endpoints(down, as_upstream=False):
                dag = getattr(u, "dag", None)
                if dag is not None:
                    dag.set_edge_info(u.task_id, d.task_id, {"label": self.label})

    def __repr__(self) -> str:
        return f"Label({self.label!r})"
